"""Adnexal lesion features: the measurable inputs of O-RADS MRI (no score is claimed), per lesion.

Input: an ``adnexal-mass`` label image (adnexal mass 1 = cystic part with wall and septa, solid tissue 2)
and, for the intensity-based figures, the T2 image. Definitions:

* Lesions: the 26-connected components of mass ∪ solid tissue, numbered 1..n by decreasing volume
  (:func:`adnexal_lesion_map`; ties in raster order of their first voxel). Components smaller than
  :data:`MIN_LESION_ML` are fragments, not lesions (a note counts them). O-RADS MRI scores each lesion,
  so bilateral or multiple lesions are measured separately, each on its own bounding box.
* Per lesion: ``lesion``: shape metrics of the lesion (:mod:`gynai.metrics.shape`);
  ``max_diameter_mm`` is its largest diameter in any plane (O-RADS), the maximum Feret diameter (largest
  distance between two voxel centres; a 40 × 40 × 20 mm box reads about 58 mm, not its 40 mm edge).
* ``solid_volume_ml`` and ``solid_fraction`` (solid / lesion volume).
* Fluid: voxels of the lesion's cystic part at or above the Otsu threshold of that lesion's cystic T2
  values (fluid is bright, wall and septa dark); on ultrasound (modality ``US``) darker than it (fluid is
  anechoic, wall and septa echogenic), after Gaussian smoothing of the speckle (σ
  :data:`SPECKLE_SMOOTHING_MM`). A layer under a fluid–fluid level (a haemorrhagic cyst's dependent
  layer, which can be as dark as the wall) is fluid too (:mod:`gynai.metrics.fluid_level`; a note gives its
  volume). ``locule_count``: 6-connected fluid compartments of at
  least :data:`MIN_LOCULE_ML`. Septa thinner than the slice thickness may not separate locules.
* ``wall_thickness_mm``: median, over the lesion's outer surface voxels outside the solid tissue, of the
  distance to the nearest fluid voxel centre (a wall of n voxels between outside and fluid measures n
  voxels); accuracy about one voxel. ``max_wall_thickness_mm``: the largest of those distances (focal
  thickening, which the median hides; box-shaped lesions read their corners' diagonal).
* ``septal_thickness_mm``: with two or more locules, mean septal thickness = septal volume / septal area.
  Septal voxels: non-fluid voxels of the cystic part (not solid tissue) within :data:`SEPTUM_REACH_MM` of
  two different locules, farther from the lesion's outside than from the second of them (which leaves
  out the outer wall) and less than the largest voxel size off the segment joining their nearest voxels of
  the two locules (which leaves out the wall beside the septum's base). Area: the locules' faces towards
  them, stair-step corrected (:mod:`gynai.metrics.surface`), halved (a septum has two sides). Unbiased
  for oblique septa, unlike voxel-centre distances; within about half a voxel on phantoms.
  ``max_septal_thickness_mm``: the largest local thickness over the septal voxels (distance between the
  nearest fluid voxel centres of the two locules on either side, minus one voxel along it), as the mean
  hides focal thickening; ``None`` with a note when there is no septum. A mean above that maximum by more
  than a voxel cannot be right (a septum about as thick as a flat lesion is deep: only its middle lies
  deeper than it is far from the second locule, and its faces are only partly found); it is not assessed,
  with a note, as when none of its faces is found. Two or more locules with no septal voxel at all (split
  by solid tissue, or by a septum as thick as the lesion is deep) are said to be so, not said to have no
  septum.
* ``solid_t2_ratio_to_fluid``: median T2 of the solid tissue / median T2 of the fluid (solid tissue is
  intermediate, fluid bright); ``solid_t2_ratio_to_myometrium`` when a myometrium mask is given. Both
  are "not assessed" on ultrasound (echo amplitudes are not T2 signal).

The document block (:func:`adnexal_features`) keeps the single-lesion keys at its top level for the
dominant (largest) lesion, and adds ``lesion_count``, ``total_volume_ml`` and ``lesions`` (one dict per
lesion with ``id``, ``volume_ml``, ``centroid_lps_mm``, the nested ``lesion`` shape figures and the
features above). Without an image, the intensity-based figures are ``None`` ("not assessed").
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from scipy import ndimage

from gynai.image import Geometry, Image, LabelImage
from gynai.metrics.fluid_level import fluid_level_layers
from gynai.metrics.grid_tree import grid_tree
from gynai.metrics.morphology import boundary_6
from gynai.metrics.shape import bounding_slices, crop_geometry, shape_metrics
from gynai.metrics.surface import boundary_area_mm2

MIN_LESION_ML = 0.1
"""Smallest lesion: 26-connected components of mass ∪ solid tissue below this (a 5.8 mm ball) are
fragments (e.g. editing debris), counted in a note and not measured as lesions."""
MIN_LOCULE_ML = 0.05
SEPTUM_REACH_MM = 10.0
SPECKLE_SMOOTHING_MM = 0.7
"""Gaussian sigma that smooths ultrasound speckle before fluid is separated from wall and septa."""
CONNECTIVITY_26 = np.ones((3, 3, 3), bool)
LESION_LABELS = ("adnexal-mass", "solid-tissue")
_DOMINANT_ONLY = ("id", "centroid_lps_mm")


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of a 1-D sample (maximises the between-class variance of a histogram of ``bins``
    bins): the upper edge of the low class's last bin, so that the low class is exactly the values below it
    and the high class the values at or above it (a bin centre would split that bin's values)."""
    histogram, edges = np.histogram(values, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2.0
    weight_low = np.cumsum(histogram)
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(histogram * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def adnexal_lesion_map(labels: LabelImage, min_lesion_ml: float = MIN_LESION_ML) -> tuple[np.ndarray, int]:
    """Lesion numbers [k, j, i] of an ``adnexal-mass`` label image and the number of fragments.

    Args:
        labels: Label image with the ``adnexal-mass`` and/or ``solid-tissue`` labels.
        min_lesion_ml: Components smaller than this are fragments (0 in the map).

    Returns:
        The map (0 = no lesion; lesions 1..n by decreasing volume, ties in raster order of their first
        voxel) and the count of fragments left out.
    """
    values = [label.value for label in labels.labels if label.id in LESION_LABELS]
    out = np.zeros(labels.array.shape, np.int32)
    mask = np.isin(labels.array, values) if values else np.zeros(labels.array.shape, bool)
    box = bounding_slices(mask, margin=0)
    if box is None:
        return out, 0
    components, count = ndimage.label(mask[box], structure=CONNECTIVITY_26)
    voxels = np.bincount(components.ravel(), minlength=count + 1)[1:]
    large = voxels * labels.geometry.voxel_volume_mm3 / 1000.0 >= min_lesion_ml
    order = [int(i) for i in np.argsort(-voxels, kind="stable") if large[i]]
    lookup = np.zeros(count + 1, np.int32)
    lookup[np.array(order, int) + 1] = np.arange(1, len(order) + 1)
    out[box] = lookup[components]
    return out, int(count - len(order))


def adnexal_instances(labels: LabelImage) -> np.ndarray:
    """The lesions numbered 1..n by decreasing volume (0 elsewhere; fragments left out)."""
    return adnexal_lesion_map(labels)[0]


def _wall_thickness_mm(lesion: np.ndarray, fluid: np.ndarray, solid: np.ndarray,
                       spacing_zyx: np.ndarray) -> tuple[Optional[float], Optional[float]]:
    """Median and maximum wall thickness (a median alone hides focal thickening)."""
    surface = boundary_6(lesion) & ~solid
    fluid_points = np.argwhere(fluid)
    surface_points = np.argwhere(surface)
    if len(fluid_points) == 0 or len(surface_points) == 0:
        return None, None
    distances, _ = grid_tree(fluid_points * spacing_zyx).query(surface_points * spacing_zyx)
    return float(np.median(distances)), float(distances.max())


def _septal_thickness_mm(components: np.ndarray, locule_ids: np.ndarray, candidates: np.ndarray,
                         depth: np.ndarray, spacing_zyx: np.ndarray) -> tuple[Optional[float], Optional[float]]:
    """Mean (volume / area) and maximum (largest local thickness) septal thickness, or None, None."""
    if len(locule_ids) < 2:
        return None, None
    points = np.argwhere(candidates)
    surfaces = [np.argwhere(boundary_6(components == i)) for i in locule_ids]
    found = [grid_tree(surface * spacing_zyx).query(points * spacing_zyx, workers=-1,
                                                    distance_upper_bound=SEPTUM_REACH_MM) for surface in surfaces]
    to_locule = np.stack([distances for distances, _ in found], axis=1)
    order = np.argsort(to_locule, axis=1)[:, :2]
    two_nearest = np.take_along_axis(to_locule, order, axis=1)
    to_outside = depth[tuple(points.T)]
    rows = np.flatnonzero((two_nearest[:, 1] <= SEPTUM_REACH_MM) & (to_outside > two_nearest[:, 1]))
    ends = np.zeros((2, len(rows), 3), int)
    for side in (0, 1):
        for number, surface in enumerate(surfaces):
            chosen = order[rows, side] == number
            ends[side, chosen] = surface[found[number][1][rows[chosen]]]
    across = _off_line_mm(points[rows], ends[0], ends[1], spacing_zyx) < float(spacing_zyx.max())
    rows, ends = rows[across], ends[:, across]
    if len(rows) == 0:
        return None, None
    max_mm = float(_across_mm(ends[0], ends[1], spacing_zyx).max())
    septum = np.zeros_like(candidates)
    septum[tuple(points[rows].T)] = True
    faces_mm2 = sum(boundary_area_mm2(components == i, septum, spacing_zyx).sum() for i in locule_ids)
    if faces_mm2 <= 0:     # only the septum's middle passes: none of its faces is found
        return None, max_mm
    return float(septum.sum() * np.prod(spacing_zyx) / (faces_mm2 / 2.0)), max_mm


def _off_line_mm(points: np.ndarray, first: np.ndarray, second: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Distance (mm) of each voxel centre from the segment joining its two nearest locule voxels: a septal
    voxel lies across it; a wall voxel beside the septum's base lies off it, to the side of both."""
    start, segment, point = first * spacing_zyx, (second - first) * spacing_zyx, points * spacing_zyx
    along = np.clip(np.einsum("ij,ij->i", point - start, segment) / np.maximum((segment ** 2).sum(axis=1), 1e-9),
                    0.0, 1.0)
    return np.linalg.norm(point - start - along[:, None] * segment, axis=1)


def _across_mm(first: np.ndarray, second: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Local septal thickness: distance between the nearest fluid voxel centres on either side of a septal
    voxel, minus one voxel along that direction (a septum of n voxels along a grid axis reads n voxels)."""
    steps = np.abs(second - first) * spacing_zyx
    length = np.linalg.norm(steps, axis=1)
    units = steps / np.maximum(length, 1e-9)[:, None]
    one_voxel = np.min(np.where(units > 1e-9, spacing_zyx / np.maximum(units, 1e-9), np.inf), axis=1)
    return np.maximum(length - one_voxel, 0.0)


def _reported_mean(mean_mm: Optional[float], max_mm: Optional[float], locule_count: int,
                   voxel_mm: float) -> tuple[Optional[float], list[str]]:
    """The mean septal thickness to report (None where it cannot be right) and the notes that say why a
    septal figure is not assessed."""
    if max_mm is None:
        return None, ["no septum between two locules: septal thickness not assessed" if locule_count < 2 else
                      f"{locule_count} locules, but no septum between them lies deeper in the lesion than it is far "
                      "from them (locules split by solid tissue, or a septum about as thick as the lesion is deep): "
                      "septal thickness not assessed"]
    if mean_mm is None:
        return None, [f"the septum's faces are not found (its thickest point, {max_mm:.1f} mm, is about as thick as "
                      "the lesion is deep): mean septal thickness not assessed"]
    if mean_mm > max_mm + voxel_mm:
        return None, [f"mean septal thickness ({mean_mm:.1f} mm by volume / area) exceeds the thickest point of the "
                      f"septum ({max_mm:.1f} mm): a septum about as thick as the lesion is deep, whose faces are only "
                      "partly found; mean septal thickness not assessed"]
    return mean_mm, []


def lesion_features(cystic: np.ndarray, solid: np.ndarray, geometry: Geometry, t2: Optional[np.ndarray] = None,
                    myometrium_median: Optional[float] = None, modality: str = "MR") -> dict[str, Any]:
    """O-RADS MRI input features of ONE lesion (see the module docstring).

    Args:
        cystic: The lesion's cystic part (mass label) [k, j, i], on a crop around the lesion with at least
            one voxel of margin; voxels of other lesions must be False.
        solid: The lesion's solid tissue, same grid.
        geometry: Geometry of the crop.
        t2: T2 values on the crop, or None (intensity-based figures not assessed).
        myometrium_median: Median T2 of the myometrium reference region, or None when none was given.
        modality: ``MR`` (fluid bright, T2 ratios measured) or ``US`` (fluid dark, no T2 ratios).

    Returns:
        ``volume_ml``, ``centroid_lps_mm``, ``lesion`` (shape figures), ``max_diameter_mm``,
        ``solid_volume_ml``, ``solid_fraction``, ``fluid_volume_ml``, ``locule_count``,
        ``wall_thickness_mm``, ``max_wall_thickness_mm``, ``septal_thickness_mm``, ``max_septal_thickness_mm``,
        the two T2 ratios and ``notes``.
    """
    lesion = cystic | solid
    shape = shape_metrics(lesion, geometry)
    voxel_ml = geometry.voxel_volume_mm3 / 1000.0
    solid_ml = float(solid.sum()) * voxel_ml
    result: dict[str, Any] = {
        "volume_ml": shape["volume_ml"], "centroid_lps_mm": shape["centroid_lps_mm"], "lesion": shape,
        "max_diameter_mm": shape["max_feret_diameter_mm"] if shape["present"] else None,
        "solid_volume_ml": solid_ml,
        "solid_fraction": solid_ml / shape["volume_ml"] if shape["volume_ml"] > 0 else None,
        "locule_count": None, "wall_thickness_mm": None, "max_wall_thickness_mm": None, "septal_thickness_mm": None,
        "max_septal_thickness_mm": None,
        "fluid_volume_ml": None,
        "solid_t2_ratio_to_fluid": None, "solid_t2_ratio_to_myometrium": None, "notes": []}
    if t2 is None or not cystic.any():
        result["notes"].append("no image given: fluid, locules, wall, septa and T2 ratios not assessed"
                               if t2 is None else "no cystic part segmented: locules, wall and septa not assessed")
        return result
    spacing_zyx = np.array(geometry.spacing_mm[::-1], dtype=float)
    ultrasound = modality.upper() == "US"
    if ultrasound:   # speckle: dark spots in the wall and septa would open holes between locules
        values = ndimage.gaussian_filter(t2.astype(np.float32), SPECKLE_SMOOTHING_MM / spacing_zyx)
        fluid = cystic & (values < otsu_threshold(values[cystic]))
    else:
        fluid = cystic & (t2 >= otsu_threshold(t2[cystic]))
    depth = ndimage.distance_transform_edt(lesion, sampling=spacing_zyx)     # to the lesion's outside
    layers = fluid_level_layers(cystic, fluid, depth, geometry)
    if layers.any():
        fluid = fluid | layers
        result["notes"].append(f"fluid–fluid level: {float(layers.sum()) * voxel_ml:.1f} mL of cyst content beyond a "
                               "flat horizontal interface (gravity posterior, supine) counted as fluid")
    components, _ = ndimage.label(fluid)
    sizes = np.bincount(components.ravel())[1:] * voxel_ml
    locule_ids = np.flatnonzero(sizes >= MIN_LOCULE_ML) + 1
    result["locule_count"] = int(len(locule_ids))
    mean_mm, result["max_septal_thickness_mm"] = _septal_thickness_mm(components, locule_ids, cystic & ~fluid,
                                                                       depth, spacing_zyx)
    result["septal_thickness_mm"], notes = _reported_mean(mean_mm, result["max_septal_thickness_mm"],
                                                          len(locule_ids), float(spacing_zyx.max()))
    result["notes"].extend(notes)
    result["fluid_volume_ml"] = float(fluid.sum()) * voxel_ml
    result["wall_thickness_mm"], result["max_wall_thickness_mm"] = _wall_thickness_mm(lesion, fluid, solid,
                                                                                      spacing_zyx)
    if ultrasound:
        result["notes"].append("ultrasound image: T2 signal ratios not assessed")
        return result
    if fluid.any() and solid.any():
        result["solid_t2_ratio_to_fluid"] = float(np.median(t2[solid]) / np.median(t2[fluid]))
    if myometrium_median is None:
        result["notes"].append("no myometrium reference region: solid tissue ratio to myometrium not assessed")
    elif solid.any():
        result["solid_t2_ratio_to_myometrium"] = float(np.median(t2[solid]) / myometrium_median)
    return result


def _lesions(labels: LabelImage, lesion_map: np.ndarray, image: Optional[Image],
             myometrium_median: Optional[float], modality: str) -> list[dict[str, Any]]:
    values = {label.id: label.value for label in labels.labels}
    lesions = []
    for number, tight in enumerate(ndimage.find_objects(lesion_map), start=1):
        box = tuple(slice(max(s.start - 1, 0), min(s.stop + 1, n)) for s, n in zip(tight, lesion_map.shape))
        own = lesion_map[box] == number
        part = labels.array[box]
        features = lesion_features(own & (part == values.get("adnexal-mass", -1)),
                                   own & (part == values.get("solid-tissue", -1)), crop_geometry(labels.geometry, box),
                                   None if image is None else image.array[box], myometrium_median, modality)
        lesions.append({"id": number, **features})
    return lesions


def _notes(lesions: list[dict[str, Any]], fragments: int) -> list[str]:
    notes = list(lesions[0]["notes"]) if lesions else []
    if len(lesions) > 1:
        notes.append(f"{len(lesions)} adnexal lesions: the single-lesion figures describe lesion 1 (the largest); "
                     "every lesion is measured in 'lesions'")
    for lesion in lesions[1:]:
        notes += [f"lesion {lesion['id']}: {note}" for note in lesion["notes"] if note not in notes]
    if fragments:
        notes.append(f"{fragments} segmented fragment(s) smaller than {MIN_LESION_ML:g} mL not counted as lesions")
    return notes


def adnexal_features(labels: LabelImage, image: Optional[Image] = None,
                     myometrium_mask: Optional[np.ndarray] = None, modality: str = "MR") -> dict[str, Any]:
    """The ``adnexal`` block of the metrics document: every lesion, the dominant one at the top level.

    Args:
        labels: The ``adnexal-mass`` label image.
        image: The T2 image on the same grid, or None (intensity-based figures not assessed).
        myometrium_mask: Myometrium reference region on the same grid, or None.
        modality: How the image's intensities are read: ``MR`` (T2) or ``US`` (B-mode echoes).

    Returns:
        ``modality``, ``present``, the dominant lesion's figures under the single-lesion keys (``volume_ml``, ``lesion``,
        ``max_diameter_mm``, ``solid_volume_ml``, ``solid_fraction``, … as in :func:`lesion_features`),
        ``lesion_count``, ``total_volume_ml`` (sum over the lesions), ``lesions`` (list, largest first)
        and ``notes`` (the dominant lesion's, then the segmentation's, then other lesions' own).
    """
    lesion_map, fragments = adnexal_lesion_map(labels)
    reference = None
    if image is not None and myometrium_mask is not None and myometrium_mask.any() and modality.upper() != "US":
        reference = float(np.median(image.array[myometrium_mask]))
    lesions = _lesions(labels, lesion_map, image, reference, modality)
    if lesions:
        dominant = lesions[0]
    else:   # the same keys, every figure "not assessed" (an empty lesion)
        empty = np.zeros((1, 1, 1), bool)
        dominant = {**lesion_features(empty, empty, labels.geometry),
                    "notes": [("no adnexal lesion of at least {:g} mL segmented".format(MIN_LESION_ML)
                               if fragments else "no adnexal lesion segmented") + ": features not assessed"]}
    notes = _notes(lesions, fragments) if lesions else dominant["notes"] + _notes([], fragments)
    return {"modality": modality.upper(), "present": bool(lesions),
            **{key: value for key, value in dominant.items() if key not in _DOMINANT_ONLY},
            "notes": notes, "lesion_count": len(lesions),
            "total_volume_ml": float(sum(lesion["volume_ml"] for lesion in lesions)), "lesions": lesions}
