"""Placenta research metrics: size, retroplacental myometrium, T2-dark bands, bulge, bladder interface.

Research metrics that approximate consensus MRI signs of placenta accreta spectrum (SAR-ESUR: myometrial
thinning, T2-dark intraplacental bands, placental bulge, loss of the placenta–bladder interface); they
are measurements, not a diagnosis. Inputs: a ``placenta`` label image (myometrium 1, placenta 2,
bladder 3) and, for the bands, the T2 image.

* ``volume_ml`` and shape figures of the placenta; ``max_thickness_mm`` = diameter of the largest ball
  inside the placenta (twice its deepest distance-map value); on the curved phantom placenta it is within
  3 mm of the radial thickness (slightly smaller: a ball fits less than the full depth of a curved shell).
* Uterus = myometrium ∪ placenta with enclosed cavities filled (the amniotic fluid is not labelled; the
  uterus must be closed inside the image). Placental bed = placenta voxels touching myometrium or the
  outside of the uterus. ``min_myometrial_thickness_mm`` / ``median_myometrial_thickness_mm``: over the
  bed, the tissue thickness to the nearest voxel outside the uterus (closest voxel pair minus one voxel
  along it; 0 where the placenta reaches the serosa); within one voxel. ``bed_fraction_thin`` = share of
  bed voxels thinner than :data:`THIN_MM`; ``thin_myometrium_area_cm2`` = area of the bed's outer
  surface where it is thinner (:mod:`gynai.metrics.surface`; within about 15 % on phantoms).
  :func:`analyse_placenta` also returns the thickness map (mm on bed voxels, −1 elsewhere).
* Dark bands: placenta voxels darker than :data:`DARK_BAND_RATIO` × the local bright placental signal
  (:func:`band_reference`: the mean, within a Gaussian window of :data:`LOCAL_SIGMA_MM` computed on
  blocks of about :data:`LOCAL_GRID_MM` so that a bias field cancels, with no placenta beyond the image's
  edge, of the placenta voxels brighter than
  :data:`BRIGHT_RATIO` × the local mean of the whole placenta: the bands themselves are left out of their
  reference, so the fraction rises with the band burden), in components of at least :data:`MIN_BAND_ML`;
  ``dark_band_volume_ml`` and ``dark_band_fraction``. The ratios and the size are GynAI's own.
* ``bulge_depth_mm``: largest distance by which the serosa within :data:`BED_REACH_MM` of the placenta
  lies outside the ellipsoid fitted to the rest of the serosa (:mod:`gynai.metrics.contour`); surface at
  the image border is ignored; not assessed (null, with a note) when that ellipsoid does not describe the
  uterus (:func:`gynai.metrics.contour.describes`). Within about one voxel on phantoms.
* Bladder (when segmented): the interface is the part of the bed whose nearest voxel outside the uterus is
  bladder. ``bladder_interface_length_mm`` = its largest extent (Feret diameter of the interface voxel
  centres); ``bladder_contact`` = the placenta touches the bladder or the myometrium between them is
  thinner than :data:`THIN_MM` somewhere; ``bladder_contact_area_cm2`` = area of that part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from scipy import ndimage

from gynai.image import Image, LabelImage
from gynai.metrics.contour import MIN_ORGAN_DICE, describes, fit_ellipsoid
from gynai.metrics.grid_tree import grid_tree
from gynai.metrics.morphology import boundary_6, dilate_cube, inside_distance_mm
from gynai.metrics.placenta_os import os_opening
from gynai.metrics.placenta_wall import UterusClosure, border_distance_mm, close_uterus
from gynai.metrics.shape import bounding_slices, max_feret_diameter_mm, shape_metrics
from gynai.metrics.surface import boundary_area_mm2
from gynai.metrics.thickness import layer_thickness_mm

DARK_BAND_RATIO = 0.6
"""GynAI's threshold (no published value): bands are darker than 0.6 × the bright placental reference."""
BRIGHT_RATIO = 0.8
"""Voxels brighter than 0.8 × the local placental mean make the bright reference (GynAI's)."""
LOCAL_SIGMA_MM = 15.0
LOCAL_GRID_MM = 3.0
MIN_BAND_ML = 0.1
"""GynAI's minimum band size (Lo et al. counted bands > 6 mm; a 6 mm ball is 0.11 mL)."""
THIN_MM = 1.0
"""The EW-AIP descriptor "< 1 mm or undetectable" (Collins et al., Ultrasound Obstet Gynecol 2016)."""
BED_REACH_MM = 15.0
_CUBE = np.ones((3, 3, 3), bool)
_NOT_ASSESSED = ("max_thickness_mm", "min_myometrial_thickness_mm", "median_myometrial_thickness_mm",
                 "bed_fraction_thin", "thin_myometrium_area_cm2", "dark_band_volume_ml", "dark_band_fraction",
                 "bulge_depth_mm", "bladder_contact", "bladder_contact_area_cm2", "bladder_interface_length_mm")


@dataclass
class PlacentaAnalysis:
    """The metrics dict and the retroplacental myometrial thickness map (``None`` when not assessed)."""

    metrics: dict[str, Any]
    thickness_map: Optional[Image]


def _local_placental_mean(t2: np.ndarray, placenta: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Gaussian-weighted mean T2 of the placenta around every voxel (σ = LOCAL_SIGMA_MM).

    The mean is smooth at the scale of σ, so it is computed on blocks of about LOCAL_GRID_MM and
    repeated back onto the grid (a 15 mm Gaussian on sub-millimetre voxels would cost seconds).
    """
    factors = np.maximum(1, np.floor(LOCAL_GRID_MM / spacing_zyx)).astype(int)
    shape = [int(np.ceil(n / f)) * f for n, f in zip(placenta.shape, factors)]
    weight = np.zeros(shape, np.float32)
    signal = np.zeros(shape, np.float32)
    inside = tuple(slice(0, n) for n in placenta.shape)
    weight[inside] = placenta
    signal[inside] = np.where(placenta, t2, 0)
    blocks = (shape[0] // factors[0], factors[0], shape[1] // factors[1], factors[1], shape[2] // factors[2],
              factors[2])
    sigma = LOCAL_SIGMA_MM / (spacing_zyx * factors)
    # mode="constant": no placenta beyond the array's edge (a reflected edge would count its voxels twice)
    weight_coarse = ndimage.gaussian_filter(weight.reshape(blocks).mean(axis=(1, 3, 5)), sigma, mode="constant")
    signal_coarse = ndimage.gaussian_filter(signal.reshape(blocks).mean(axis=(1, 3, 5)), sigma, mode="constant")
    local = signal_coarse / np.maximum(weight_coarse, 1e-6)
    return local.repeat(factors[0], 0).repeat(factors[1], 1).repeat(factors[2], 2)[inside]


def band_reference(t2: np.ndarray, placenta: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """The bright placental signal around every voxel, without the dark bands in it.

    The local mean of the whole placenta falls as the bands grow (a threshold relative to it finds fewer
    bands the more there are), so the reference is the local mean of the voxels brighter than
    :data:`BRIGHT_RATIO` × that first mean: the candidate bands are left out.
    """
    first = _local_placental_mean(t2, placenta, spacing_zyx)
    bright = placenta & (t2 >= BRIGHT_RATIO * first)
    return _local_placental_mean(t2, bright, spacing_zyx) if bright.any() else first


def _dark_bands(t2: np.ndarray, placenta: np.ndarray, spacing_zyx: np.ndarray, voxel_ml: float) -> np.ndarray:
    dark = np.zeros_like(placenta)
    own = bounding_slices(placenta, margin=1)
    if own is None:
        return dark
    dark[own] = placenta[own] & (t2[own] < DARK_BAND_RATIO * band_reference(t2[own], placenta[own], spacing_zyx))
    box = bounding_slices(dark, margin=1)
    if box is None:
        return dark
    components, _ = ndimage.label(dark[box], _CUBE)
    sizes = np.bincount(components.ravel()) * voxel_ml
    keep = sizes >= MIN_BAND_ML
    keep[0] = False
    bands = np.zeros_like(dark)
    bands[box] = keep[components]
    return bands


NO_SEROSA_OVER_BED = (f"no serosa lies within {BED_REACH_MM:g} mm of the placenta (a wall thicker than that, or "
                      "the serosa over the bed outside the image): bulge not assessed")
SEROSA_NOT_ELLIPSOID = "the serosa away from the placenta does not fit an ellipsoid: bulge not assessed"
UTERUS_NOT_ELLIPSOID = (f"the ellipsoid fitted to the serosa away from the placenta does not describe the uterus "
                        f"(overlap Dice below {MIN_ORGAN_DICE:g}; e.g. a box-shaped or bilobed uterus): bulge not "
                        "assessed")


def _bulge_depth_mm(uterus: np.ndarray, placenta: np.ndarray, at_border: np.ndarray,
                    spacing_zyx: np.ndarray) -> tuple[Optional[float], Optional[str]]:
    """The outward bulge of the serosa over the placental bed beyond the ellipsoid fitted to the rest of the
    serosa, or None with the note that says why it was not assessed."""
    serosa = boundary_6(uterus) & ~at_border
    points = np.argwhere(serosa) * spacing_zyx
    placenta_surface = np.argwhere(boundary_6(placenta)) * spacing_zyx
    near = np.all((points >= placenta_surface.min(axis=0) - BED_REACH_MM)
                  & (points <= placenta_surface.max(axis=0) + BED_REACH_MM), axis=1)
    over_bed = np.zeros(len(points), bool)
    reach, _ = grid_tree(placenta_surface).query(points[near], distance_upper_bound=BED_REACH_MM, workers=-1)
    over_bed[near] = np.isfinite(reach)
    if not over_bed.any():
        return None, NO_SEROSA_OVER_BED
    fitted = fit_ellipsoid(points[~over_bed])
    if fitted is None:
        return None, SEROSA_NOT_ELLIPSOID
    if not describes(fitted, uterus, spacing_zyx):
        return None, UTERUS_NOT_ELLIPSOID
    return float(max(fitted.radial_excess_mm(points[over_bed]).max(), 0.0)), None


def _fill_holes(mask: np.ndarray, closed_faces: tuple[tuple[int, int], ...] = ()) -> np.ndarray:
    """The mask with every background region not connected (6-neighbourhood) to the array border filled.

    ``closed_faces`` lists faces ``(axis, 0 or -1)`` that do not count as border: faces of a crop lying on
    the edge of the field of view, where a cavity cut open by the field of view (amniotic fluid of a
    uterus larger than the scan) is still inside the uterus. When every face is closed, all count.
    """
    background, _ = ndimage.label(~mask)
    faces = [(axis, side) for axis in range(3) for side in (0, -1) if (axis, side) not in closed_faces] or \
        [(axis, side) for axis in range(3) for side in (0, -1)]
    border = np.unique(np.concatenate([np.take(background, side, axis=axis).ravel() for axis, side in faces]))
    return ~np.isin(background, border[border > 0])


def _fov_faces(box: tuple, full_shape: tuple) -> tuple[tuple[int, int], ...]:
    """Faces of the crop ``box`` that lie on the edge of the array (the field of view)."""
    return tuple([(axis, 0) for axis, part in enumerate(box) if part.start == 0]
                 + [(axis, -1) for axis, part in enumerate(box) if part.stop == full_shape[axis]])


def _dilate_cube(mask: np.ndarray) -> np.ndarray:
    """Binary dilation by the 3×3×3 cube (26-neighbourhood)."""
    return dilate_cube(mask)


def _border_mask(shape: tuple, box: tuple, full_shape: tuple) -> np.ndarray:
    border = np.zeros(shape, bool)
    for axis, part in enumerate(box):
        index = [slice(None)] * 3
        if part.start == 0:
            index[axis] = 0
            border[tuple(index)] = True
        if part.stop == full_shape[axis]:
            index[axis] = -1
            border[tuple(index)] = True
    return border


def analyse_placenta(labels: LabelImage, image: Optional[Image] = None,
                     placenta_shape: Optional[dict[str, Any]] = None) -> PlacentaAnalysis:
    """Placenta research metrics and thickness map (see the module docstring); ``None`` = not assessed.

    ``placenta_shape``: the placenta's shape metrics when already computed (saves recomputing them).
    """
    geometry = labels.geometry
    spacing_zyx = np.array(geometry.spacing_mm[::-1], dtype=float)
    voxel_ml = geometry.voxel_volume_mm3 / 1000.0
    values = {label.id: label.value for label in labels.labels}
    placenta_full = labels.array == values.get("placenta", -1)
    shape = placenta_shape if placenta_shape is not None else shape_metrics(placenta_full, geometry)
    result: dict[str, Any] = {"present": shape["present"], "volume_ml": shape["volume_ml"], "placenta": shape,
                              **{key: None for key in _NOT_ASSESSED},
                              "notice": "research metrics approximating MRI signs of placenta accreta spectrum; "
                                        "not a diagnosis", "notes": []}
    notes = result["notes"]
    myometrium_full = labels.array == values.get("myometrium", -1)
    box = bounding_slices(placenta_full | myometrium_full, margin=2)
    if box is None or not shape["present"]:
        notes.append("no placenta segmented: placenta metrics not assessed")
        return PlacentaAnalysis(result, None)
    placenta, myometrium = placenta_full[box], myometrium_full[box]
    own_box = bounding_slices(placenta, margin=1)
    depth = inside_distance_mm(placenta[own_box], spacing_zyx)
    result["max_thickness_mm"] = float(2.0 * depth.max())
    if image is not None:
        bands = _dark_bands(image.array[box].astype(np.float32), placenta, spacing_zyx, voxel_ml)
        result["dark_band_volume_ml"] = float(bands.sum()) * voxel_ml
        result["dark_band_fraction"] = float(bands.sum() / placenta.sum())
    if image is None:
        notes.append("no image given: T2-dark bands not assessed")
    if not myometrium.any():
        notes.append("no myometrium segmented: myometrial thickness, bulge and bladder figures not assessed")
        return PlacentaAnalysis(result, None)
    fov = _fov_faces(box, labels.array.shape)
    bladder_box = labels.array[box] == values.get("bladder", -1)
    closure = close_uterus(placenta | myometrium, _fill_holes(placenta | myometrium, fov), bladder_box, spacing_zyx)
    uterus = closure.uterus
    outside = _dilate_cube(uterus) & ~uterus
    bed_mask = np.zeros_like(placenta)
    near = bounding_slices(placenta, margin=1)
    bed_mask[near] = placenta[near] & _dilate_cube(myometrium[near] | outside[near])
    bed = np.argwhere(bed_mask)
    targets = np.argwhere(outside)
    thickness, nearest = layer_thickness_mm(bed, targets, spacing_zyx)
    nearest = targets[nearest]
    os_gap = os_opening(placenta, outside & ~bladder_box, geometry, fov)[tuple(nearest.T)]
    open_gap = closure.open_boundary[tuple(nearest.T)] | os_gap
    beyond_view = border_distance_mm(bed, uterus.shape, fov, spacing_zyx) <= thickness + float(spacing_zyx.max())
    closed = ~open_gap & ~beyond_view
    notes += _closure_notes(closure, bed, open_gap, beyond_view, geometry, box)
    if os_gap.any():
        where = geometry.index_to_lps((bed[os_gap].mean(axis=0) + np.array([s.start for s in box]))[::-1])
        notes.append("the placenta reaches the caudal end of the uterus with no myometrium segmented outside it (an "
                     "unlabelled cervix / internal os, e.g. a placenta previa) near LPS "
                     f"({', '.join(f'{v:.0f}' for v in where)}) mm: myometrial thickness not assessed on "
                     f"{100.0 * os_gap.mean():.0f} % of the placental bed (label the cervix as myometrium to "
                     "measure it)")
    thin = closed & (thickness < THIN_MM)
    area_mm2 = boundary_area_mm2(placenta, myometrium | outside, spacing_zyx)[tuple(bed.T)]
    bulge_note = None
    if not closure.is_open:
        result["bulge_depth_mm"], bulge_note = _bulge_depth_mm(
            uterus, placenta, _border_mask(uterus.shape, box, labels.array.shape), spacing_zyx)
    if closed.any():
        result.update({"min_myometrial_thickness_mm": float(thickness[closed].min()),
                       "median_myometrial_thickness_mm": float(np.median(thickness[closed])),
                       "bed_fraction_thin": float(thin.sum() / closed.sum()),
                       "thin_myometrium_area_cm2": float(area_mm2[thin].sum() / 100.0)})
    if closure.is_open:
        notes.append("the uterine contour is open: bulge not assessed")
    elif bulge_note:
        notes.append(bulge_note)
    if "bladder" not in values or not (labels.array == values["bladder"]).any():
        notes.append("no bladder segmented: placenta-bladder figures not assessed")
    else:
        bladder = labels.array[box] == values["bladder"]
        interface = bladder[tuple(nearest.T)]
        contact = interface & thin
        interface &= closed
        result["bladder_interface_length_mm"] = (
            max_feret_diameter_mm(_points_mask(bed[interface], uterus.shape), geometry) if interface.any() else 0.0)
        result["bladder_contact"] = bool(contact.any())
        result["bladder_contact_area_cm2"] = float(area_mm2[contact].sum() / 100.0)
    thickness_map = np.full(labels.array.shape, -1.0, np.float32)
    thickness_map[box][tuple(bed[closed].T)] = thickness[closed]
    return PlacentaAnalysis(result, Image(thickness_map, geometry, {"quantity": "myometrial thickness (mm)"}))


def _closure_notes(closure: UterusClosure, bed: np.ndarray, open_gap: np.ndarray, beyond_view: np.ndarray,
                   geometry, box: tuple) -> list[str]:
    """Why part of the bed has no thickness: where the wall is open, or the field of view ends."""
    notes = []
    offset = np.array([part.start for part in box])
    if closure.is_open:
        gap = np.argwhere(closure.gap if closure.gap.any() else closure.open_boundary)
        where = geometry.index_to_lps((gap.mean(axis=0) + offset)[::-1]) if len(gap) else None
        place = f" near LPS ({', '.join(f'{v:.0f}' for v in where)}) mm" if where is not None else ""
        notes.append("the segmented wall does not close around the amniotic cavity (a gap in the myometrium, an "
                     f"unlabelled cervix or lower segment, or a field of view cutting the uterus){place}: "
                     f"myometrial thickness not assessed on {100.0 * open_gap.mean():.0f} % of the placental bed "
                     "whose nearest outside lies through the opening")
    if beyond_view.any():
        notes.append(f"the uterus reaches the edge of the field of view: myometrial thickness not assessed on "
                     f"{100.0 * beyond_view.mean():.0f} % of the placental bed, where the wall may continue "
                     "beyond the image")
    if (open_gap | beyond_view).all():
        notes.append("no part of the placental bed has a closed wall: minimum and median myometrial thickness "
                     "and the thin area not assessed")
    return notes


def _points_mask(points: np.ndarray, shape: tuple) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[tuple(points.T)] = True
    return mask


def placenta_metrics(labels: LabelImage, image: Optional[Image] = None,
                     placenta_shape: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Placenta research metrics (see the module docstring); figures not assessable are ``None``."""
    return analyse_placenta(labels, image, placenta_shape).metrics


def placenta_instances(labels: LabelImage) -> np.ndarray:
    """The placenta as lesion 1 (0 elsewhere), for the key image and the follow-up's mask overlap."""
    values = {label.id: label.value for label in labels.labels}
    return (labels.array == values.get("placenta", -1)).astype(np.int32)


def thickness_map(labels: LabelImage) -> Optional[Image]:
    """The retroplacental myometrial thickness map (mm on the placental bed, −1 elsewhere), or None when the
    segmentation has no placenta or no myometrium."""
    return analyse_placenta(labels).thickness_map
