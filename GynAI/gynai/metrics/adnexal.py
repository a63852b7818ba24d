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

MIN_LOCULE_ML = 0.05


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
        "locule_count": None, "wall_thickness_mm": None, "fluid_volume_ml": None,
        "solid_t2_ratio_to_fluid": None, "solid_t2_ratio_to_myometrium": None}
    box = bounding_slices(lesion_full, margin=1)
    if image is None or box is None or not cystic_full.any():
        return result
    spacing_zyx = np.array(geometry.spacing_mm[::-1], dtype=float)
    cystic, solid, lesion, t2 = cystic_full[box], solid_full[box], lesion_full[box], image.array[box]
    threshold = otsu_threshold(t2[cystic])
    fluid = cystic & (t2 > threshold)
    components, count = ndimage.label(fluid)
    sizes = np.bincount(components.ravel())[1:] * voxel_ml
    result["locule_count"] = int((sizes >= MIN_LOCULE_ML).sum())
    result["fluid_volume_ml"] = float(fluid.sum()) * voxel_ml
    result["wall_thickness_mm"] = _wall_thickness_mm(lesion, fluid, solid, spacing_zyx)
    if fluid.any() and solid.any():
        result["solid_t2_ratio_to_fluid"] = float(np.median(t2[solid]) / np.median(t2[fluid]))
    if solid.any() and myometrium_mask is not None and myometrium_mask.any():
        result["solid_t2_ratio_to_myometrium"] = float(np.median(t2[solid]) / np.median(image.array[myometrium_mask]))
    return result
