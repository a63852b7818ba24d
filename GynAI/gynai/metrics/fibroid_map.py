"""Fibroid map: instances, per-fibroid size, FIGO type, distances, T2 signal; uterine burden.

Input: a ``uterus-fibroid`` label image (myometrium 1, endometrium 2, fibroid 3) and optionally the T2
image and a skeletal-muscle mask (for the Funaki class). Definitions:

* Instances: :func:`gynai.metrics.instances.split_instances` (touching fibroids are split at necks),
  numbered by decreasing volume; ``dominant_fibroid_id`` is the largest.
* Per fibroid: :func:`gynai.metrics.shape.shape_metrics` figures and the FIGO type of
  :mod:`gynai.metrics.figo` with the figures it rests on: protrusion depths into the cavity and beyond the
  serosa, the fractions of the diameter and of the volume beyond each contour, the attachment (neck)
  width and whether it is pedunculated; ``figo_note`` says why a fibroid is left unclassified (then
  ``figo_type`` is None: reader to decide).
* ``distance_to_endometrium_mm`` / ``distance_to_serosa_mm``: shortest distance from the fibroid to the
  endometrium / to tissue outside the uterus: the centre-to-centre distance of the closest voxel pair
  minus the length of one voxel along that direction, i.e. the thickness of tissue in between (touching
  = 0; exact along grid axes, ± one voxel otherwise). FIGO asks the outer free margin (distance to serosa) for types 2–4. ``None``
  when the structure is farther than :data:`SEARCH_MM` or absent.
* ``t2_ratio_to_myometrium``: median T2 intensity in the fibroid / median in the outer myometrium (the
  myometrium farther than 8 mm from the endometrium: the junctional zone left out,
  :mod:`gynai.metrics.junctional`).
  ``funaki_class`` (HIFU selection): with a muscle mask, the scaled signal
  s = (fibroid − muscle) / (myometrium − muscle) gives I (s < 0.2, about muscle), II (0.2 ≤ s < 1) or
  III (s ≥ 1, as bright as myometrium); without one, III when the ratio is ≥ 1 and "I/II" otherwise.
  Funaki's system has no numeric cut-offs: these are GynAI's.
* ``t2_ratio_to_muscle``: median T2 intensity in the fibroid / median in the skeletal-muscle reference
  (only with a muscle mask).
* ``burden_percent``: total fibroid volume / uterine volume (myometrium ∪ endometrium ∪ fibroids) × 100.

Missing structures are never guessed: without myometrium the uterus is not segmented, so the uterine
volume, burden, FIGO types, distances to the serosa and T2 ratios are ``None`` ("not assessed"); without
endometrium the FIGO types (which hinge on the cavity) and distances to the endometrium are ``None``.
``notes`` says which and why.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from gynai.image import Image, LabelImage
from gynai.metrics.figo import FigoResult, classify_fibroid
from gynai.metrics.grid_tree import grid_tree
from gynai.metrics.instances import split_instances
from gynai.metrics.junctional import outer_myometrium
from gynai.metrics.shape import bounding_slices, shape_metrics

SEARCH_MM = 60.0
FUNAKI_I_BELOW, FUNAKI_III_FROM = 0.2, 1.0


def _surface_points(mask: np.ndarray) -> np.ndarray:
    """Indices [k, j, i] of the mask's voxels that have a 26-neighbour outside it (work on its bounding box)."""
    box = bounding_slices(mask, margin=1)
    if box is None:
        return np.zeros((0, 3), int)
    local = mask[box]
    surface = local & ~ndimage.binary_erosion(local, np.ones((3, 3, 3), bool), border_value=0)
    return np.argwhere(surface) + np.array([s.start for s in box])


def _shell_points(mask: np.ndarray) -> np.ndarray:
    """Indices of the voxels just outside a mask (26-neighbours of it), found on its bounding box."""
    box = bounding_slices(mask, margin=1)
    if box is None:
        return np.zeros((0, 3), int)
    local = mask[box]
    shell = ndimage.binary_dilation(local, np.ones((3, 3, 3), bool)) & ~local
    return np.argwhere(shell) + np.array([s.start for s in box])


def _distance_mm(fibroid_points: np.ndarray, targets: np.ndarray, spacing_zyx: np.ndarray,
                 tree: Optional[cKDTree]) -> Optional[float]:
    """Tissue thickness between the fibroid and a target (both as surface voxel indices), or None.

    The closest voxel pair is found with a k-d tree over the target's surface voxels; the result is their
    centre-to-centre distance minus one voxel along that direction.
    """
    if tree is None or len(fibroid_points) == 0:
        return None
    points_mm = fibroid_points * spacing_zyx
    bound = min(float(tree.query(points_mm[::16])[0].min()), SEARCH_MM)   # a quick upper bound
    distances, nearest = tree.query(points_mm, distance_upper_bound=bound * (1 + 1e-9) + 1e-9)
    if not np.isfinite(distances).any():
        return None
    best = int(np.argmin(distances))
    length = float(distances[best])
    if length == 0.0:
        return 0.0
    unit = np.abs((targets[nearest[best]] - fibroid_points[best]) * spacing_zyx) / length
    one_voxel = float(min(s / u for s, u in zip(spacing_zyx, unit) if u > 1e-9))
    return max(0.0, length - one_voxel)


def _rounded(value: Optional[float], digits: int = 4) -> Optional[float]:
    return None if value is None else round(float(value), digits)


def _figo_items(figo: FigoResult) -> dict[str, Any]:
    """The fibroid's FIGO keys from :func:`gynai.metrics.figo.classify_fibroid`."""
    return {"figo_type": figo.figo_type, "figo_note": figo.note,
            "fraction_in_cavity": _rounded(figo.fraction_cavity),
            "fraction_intramural": _rounded(figo.fraction_intramural),
            "fraction_outside_uterus": _rounded(figo.fraction_outside),
            "touches_endometrium": figo.touches_endometrium,
            "depth_into_cavity_mm": _rounded(figo.depth_into_cavity_mm, 2),
            "depth_beyond_serosa_mm": _rounded(figo.depth_beyond_serosa_mm, 2),
            "diameter_fraction_in_cavity": _rounded(figo.diameter_fraction_in_cavity),
            "diameter_fraction_outside_uterus": _rounded(figo.diameter_fraction_outside),
            "neck_width_mm": _rounded(figo.neck_width_mm, 2), "pedunculated": figo.pedunculated}


def funaki_class(fibroid_t2: float, myometrium_t2: float, muscle_t2: Optional[float]) -> str:
    """Funaki class from median T2 intensities (see the module docstring for the cut-offs)."""
    if muscle_t2 is None or myometrium_t2 <= muscle_t2:
        return "III" if fibroid_t2 >= myometrium_t2 else "I/II"
    scaled = (fibroid_t2 - muscle_t2) / (myometrium_t2 - muscle_t2)
    return "I" if scaled < FUNAKI_I_BELOW else "III" if scaled >= FUNAKI_III_FROM else "II"


def fibroid_instances(labels: LabelImage) -> np.ndarray:
    """The fibroids numbered 1..n by decreasing volume, as the fibroid map numbers them (0 elsewhere)."""
    values = {label.id: label.value for label in labels.labels}
    return split_instances(labels.array == values.get("fibroid", -1), labels.geometry.spacing_mm)


def fibroid_map(labels: LabelImage, image: Optional[Image] = None,
                muscle_mask: Optional[np.ndarray] = None) -> dict[str, Any]:
    """The fibroid map of a ``uterus-fibroid`` segmentation (see the module docstring)."""
    geometry = labels.geometry
    spacing_zyx = np.array(geometry.spacing_mm[::-1], dtype=float)
    values = {label.id: label.value for label in labels.labels}
    myometrium = labels.array == values.get("myometrium", -1)
    endometrium = labels.array == values.get("endometrium", -1)
    fibroids = labels.array == values.get("fibroid", -1)
    uterus = myometrium | endometrium | fibroids
    has_uterus, has_cavity = bool(myometrium.any()), bool(endometrium.any())
    notes = []
    if not has_uterus:
        notes.append("no myometrium segmented: uterine volume, burden, FIGO types, distances to the serosa and "
                     "T2 ratios not assessed")
    elif not has_cavity:
        notes.append("no endometrium segmented: FIGO types and distances to the endometrium not assessed")
    uterine_ml = float(uterus.sum()) * geometry.voxel_volume_mm3 / 1000.0 if has_uterus else None
    instances = split_instances(fibroids, geometry.spacing_mm)
    myometrium_t2 = None
    if image is not None and myometrium.any():
        reference, reference_note = outer_myometrium(myometrium, endometrium, spacing_zyx)
        myometrium_t2 = float(np.median(image.array[reference]))
        if reference_note:
            notes.append(reference_note)
    muscle_t2 = (float(np.median(image.array[muscle_mask])) if image is not None and muscle_mask is not None
                 and muscle_mask.any() else None)
    outside = _shell_points(uterus)
    inner = _surface_points(endometrium)
    trees = {name: grid_tree(points * spacing_zyx) if len(points) else None
             for name, points in (("endometrium", inner), ("outside", outside))}
    items = []
    for number in range(1, int(instances.max()) + 1):
        mask = instances == number
        surface = _surface_points(mask)
        shape = shape_metrics(mask, geometry)
        item = {"id": number, **shape, "diameters_mm": shape["principal_diameters_mm"], "figo_type": None,
                "figo_note": None, "fraction_in_cavity": None, "fraction_intramural": None,
                "fraction_outside_uterus": None, "touches_endometrium": None, "depth_into_cavity_mm": None,
                "depth_beyond_serosa_mm": None, "diameter_fraction_in_cavity": None,
                "diameter_fraction_outside_uterus": None, "neck_width_mm": None, "pedunculated": None,
                "distance_to_endometrium_mm": _distance_mm(surface, inner, spacing_zyx, trees["endometrium"]),
                "distance_to_serosa_mm": (_distance_mm(surface, outside, spacing_zyx, trees["outside"])
                                          if has_uterus else None),
                "t2_ratio_to_myometrium": None, "t2_ratio_to_muscle": None, "funaki_class": None}
        if has_uterus and has_cavity:
            item.update(_figo_items(classify_fibroid(mask, endometrium, uterus, geometry.spacing_mm,
                                                     shape["max_feret_diameter_mm"] / 2)))
        fibroid_t2 = float(np.median(image.array[mask])) if image is not None else None
        if fibroid_t2 is not None and muscle_t2:
            item["t2_ratio_to_muscle"] = fibroid_t2 / muscle_t2
        if fibroid_t2 is not None and myometrium_t2:
            item["t2_ratio_to_myometrium"] = fibroid_t2 / myometrium_t2
            item["funaki_class"] = funaki_class(fibroid_t2, myometrium_t2, muscle_t2)
        items.append(item)
    total_ml = float(sum(item["volume_ml"] for item in items))
    return {"count": len(items), "fibroids": items, "dominant_fibroid_id": 1 if items else None,
            "total_fibroid_volume_ml": total_ml, "uterine_volume_ml": uterine_ml,
            "burden_percent": 100.0 * total_ml / uterine_ml if uterine_ml else None,
            "muscle_reference": muscle_t2 is not None, "notes": notes}
