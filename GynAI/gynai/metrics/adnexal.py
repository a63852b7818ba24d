"""Adnexal lesion features: the measurable inputs of O-RADS MRI (no score is claimed).

Input: an ``adnexal-mass`` label image (adnexal mass 1 = cystic part with wall and septa, solid tissue 2)
and, for the intensity-based figures, the T2 image. Definitions:

* ``lesion``: shape metrics of mass ∪ solid tissue (:mod:`gynai.metrics.shape`); ``max_diameter_mm`` is
  its longest oriented-bounding-box diameter.
* ``solid_volume_ml`` and ``solid_fraction`` (solid / lesion volume).
* Fluid: voxels of the cystic part brighter than the Otsu threshold of the cystic part's T2 values
  (fluid is bright, wall and septa dark). ``locule_count``: 6-connected fluid compartments of at least
  :data:`MIN_LOCULE_ML`. Septa thinner than the slice thickness may not separate locules.
* ``wall_thickness_mm``: median, over the lesion's outer surface voxels outside the solid tissue, of the
  distance to the nearest fluid voxel centre (a wall of n voxels between outside and fluid measures n
  voxels); accuracy about one voxel.
* ``septal_thickness_mm``: with two or more locules, mean septal thickness = septal volume / septal area.
  Septal voxels: non-fluid voxels of the cystic part (not solid tissue) within :data:`SEPTUM_REACH_MM` of
  two different locules and farther from the lesion's outside than from the second of them (which leaves
  out the outer wall). Area: the locules' faces towards them, stair-step corrected
  (:mod:`gynai.metrics.surface`), halved (a septum has two sides). Unbiased for oblique septa, unlike
  voxel-centre distances; within about half a voxel on phantoms.
* ``solid_t2_ratio_to_fluid``: median T2 of the solid tissue / median T2 of the fluid (solid tissue is
  intermediate, fluid bright); ``solid_t2_ratio_to_myometrium`` when a myometrium mask is given.

Without an image, the intensity-based figures are ``None`` ("not assessed").
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from gynai.image import Image, LabelImage
from gynai.metrics.shape import bounding_slices, shape_metrics
from gynai.metrics.surface import boundary_area_mm2

MIN_LOCULE_ML = 0.05
SEPTUM_REACH_MM = 10.0


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of a 1-D sample (maximises the between-class variance)."""
    histogram, edges = np.histogram(values, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2.0
    weight_low = np.cumsum(histogram)
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(histogram * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(centres[int(np.argmax(between))])


def _wall_thickness_mm(lesion: np.ndarray, fluid: np.ndarray, solid: np.ndarray,
                       spacing_zyx: np.ndarray) -> Optional[float]:
    surface = lesion & ~ndimage.binary_erosion(lesion, border_value=0) & ~solid
    fluid_points = np.argwhere(fluid)
    surface_points = np.argwhere(surface)
    if len(fluid_points) == 0 or len(surface_points) == 0:
        return None
    distances, _ = cKDTree(fluid_points * spacing_zyx).query(surface_points * spacing_zyx)
    return float(np.median(distances))


def _septal_thickness_mm(components: np.ndarray, locule_ids: np.ndarray, candidates: np.ndarray,
                         lesion: np.ndarray, spacing_zyx: np.ndarray) -> Optional[float]:
    if len(locule_ids) < 2:
        return None
    points = np.argwhere(candidates)
    surfaces = [np.argwhere((components == i) & ~ndimage.binary_erosion(components == i)) for i in locule_ids]
    to_locule = np.stack([cKDTree(surface * spacing_zyx).query(points * spacing_zyx, workers=-1,
                                                                distance_upper_bound=SEPTUM_REACH_MM)[0]
                          for surface in surfaces], axis=1)
    two_nearest = np.sort(to_locule, axis=1)[:, :2]
    to_outside = ndimage.distance_transform_edt(lesion, sampling=spacing_zyx)[tuple(points.T)]
    between = (two_nearest[:, 1] <= SEPTUM_REACH_MM) & (to_outside > two_nearest[:, 1])
    septum = np.zeros_like(candidates)
    septum[tuple(points[between].T)] = True
    faces_mm2 = sum(boundary_area_mm2(components == i, septum, spacing_zyx).sum() for i in locule_ids)
    if faces_mm2 <= 0:
        return None
    return float(septum.sum() * np.prod(spacing_zyx) / (faces_mm2 / 2.0))


def adnexal_features(labels: LabelImage, image: Optional[Image] = None,
                     myometrium_mask: Optional[np.ndarray] = None) -> dict[str, Any]:
    """O-RADS MRI input features of the adnexal lesion (see the module docstring)."""
    geometry = labels.geometry
    values = {label.id: label.value for label in labels.labels}
    cystic_full = labels.array == values.get("adnexal-mass", -1)
    solid_full = labels.array == values.get("solid-tissue", -1)
    lesion_full = cystic_full | solid_full
    lesion_shape = shape_metrics(lesion_full, geometry)
    voxel_ml = geometry.voxel_volume_mm3 / 1000.0
    solid_ml = float(solid_full.sum()) * voxel_ml
    result: dict[str, Any] = {
        "present": lesion_shape["present"], "volume_ml": lesion_shape["volume_ml"], "lesion": lesion_shape,
        "max_diameter_mm": lesion_shape["obb_diameters_mm"][0] if lesion_shape["present"] else None,
        "solid_volume_ml": solid_ml,
        "solid_fraction": solid_ml / lesion_shape["volume_ml"] if lesion_shape["volume_ml"] > 0 else None,
        "locule_count": None, "wall_thickness_mm": None, "septal_thickness_mm": None, "fluid_volume_ml": None,
        "solid_t2_ratio_to_fluid": None, "solid_t2_ratio_to_myometrium": None, "notes": []}
    box = bounding_slices(lesion_full, margin=1)
    if box is None:
        result["notes"].append("no adnexal lesion segmented: features not assessed")
        return result
    if image is None or not cystic_full.any():
        result["notes"].append("no image given: fluid, locules, wall, septa and T2 ratios not assessed"
                               if image is None else "no cystic part segmented: locules, wall and septa not assessed")
        return result
    spacing_zyx = np.array(geometry.spacing_mm[::-1], dtype=float)
    cystic, solid, lesion, t2 = cystic_full[box], solid_full[box], lesion_full[box], image.array[box]
    threshold = otsu_threshold(t2[cystic])
    fluid = cystic & (t2 > threshold)
    components, count = ndimage.label(fluid)
    sizes = np.bincount(components.ravel())[1:] * voxel_ml
    locule_ids = np.flatnonzero(sizes >= MIN_LOCULE_ML) + 1
    result["locule_count"] = int(len(locule_ids))
    result["septal_thickness_mm"] = _septal_thickness_mm(components, locule_ids, cystic & ~fluid, lesion,
                                                         spacing_zyx)
    result["fluid_volume_ml"] = float(fluid.sum()) * voxel_ml
    result["wall_thickness_mm"] = _wall_thickness_mm(lesion, fluid, solid, spacing_zyx)
    if fluid.any() and solid.any():
        result["solid_t2_ratio_to_fluid"] = float(np.median(t2[solid]) / np.median(t2[fluid]))
    if myometrium_mask is None or not myometrium_mask.any():
        result["notes"].append("no myometrium reference region: solid tissue ratio to myometrium not assessed")
    elif solid.any():
        result["solid_t2_ratio_to_myometrium"] = float(np.median(t2[solid]) / np.median(image.array[myometrium_mask]))
    return result
