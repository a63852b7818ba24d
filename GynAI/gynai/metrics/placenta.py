"""Placenta research metrics (first part): size, retroplacental myometrial thickness, T2-dark bands.

Research metrics that approximate consensus MRI signs of placenta accreta spectrum (SAR-ESUR: myometrial
thinning, T2-dark intraplacental bands); they are measurements, not a diagnosis. Inputs: a ``placenta``
label image (myometrium 1, placenta 2, bladder 3) and, for the bands, the T2 image.

* ``volume_ml`` and shape figures of the placenta; ``max_thickness_mm`` = diameter of the largest ball
  inside the placenta (twice its deepest distance-map value); on the curved phantom placenta it is within
  3 mm of the radial thickness (slightly smaller: a ball fits less than the full depth of a curved shell).
* Uterus = myometrium ∪ placenta with enclosed cavities filled (the amniotic fluid is not labelled; the
  uterus must be closed inside the image). Placental bed = placenta voxels touching myometrium or the
  outside of the uterus. ``myometrial_thickness_min_mm`` / ``_median_mm``: over the bed, the tissue
  thickness to the nearest voxel outside the uterus (closest voxel pair minus one voxel along it; 0 where
  the placenta reaches the serosa). ``bed_fraction_thin`` = share of bed voxels thinner than 1 mm.
* Dark bands: placenta voxels darker than :data:`DARK_BAND_RATIO` × the local placental intensity (the
  placenta's mean within a Gaussian window of :data:`LOCAL_SIGMA_MM`, so a bias field cancels), in
  components of at least :data:`MIN_BAND_ML`; ``dark_band_volume_ml`` and ``dark_band_fraction``.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from gynai.image import Image, LabelImage
from gynai.metrics.shape import bounding_slices, shape_metrics

DARK_BAND_RATIO = 0.6
LOCAL_SIGMA_MM = 15.0
MIN_BAND_ML = 0.1
THIN_MM = 1.0
_CUBE = np.ones((3, 3, 3), bool)


def _thickness_to_outside(bed: np.ndarray, outside: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Tissue thickness (mm) from each bed voxel to the nearest outside voxel."""
    targets = np.argwhere(outside)
    if len(targets) == 0:
        return np.full(len(bed), np.nan)
    distances, nearest = cKDTree(targets * spacing_zyx).query(bed * spacing_zyx)
    steps = np.abs(targets[nearest] - bed) * spacing_zyx
    units = steps / np.maximum(distances, 1e-9)[:, None]
    one_voxel = np.min(np.where(units > 1e-9, spacing_zyx / np.maximum(units, 1e-9), np.inf), axis=1)
    return np.maximum(distances - one_voxel, 0.0)


def _dark_bands(t2: np.ndarray, placenta: np.ndarray, spacing_zyx: np.ndarray, voxel_ml: float) -> np.ndarray:
    sigma = LOCAL_SIGMA_MM / spacing_zyx
    weight = ndimage.gaussian_filter(placenta.astype(np.float32), sigma)
    local = ndimage.gaussian_filter(np.where(placenta, t2, 0).astype(np.float32), sigma) / np.maximum(weight, 1e-6)
    dark = placenta & (t2 < DARK_BAND_RATIO * local)
    components, _ = ndimage.label(dark, _CUBE)
    sizes = np.bincount(components.ravel()) * voxel_ml
    keep = sizes >= MIN_BAND_ML
    keep[0] = False
    return keep[components]


def placenta_metrics(labels: LabelImage, image: Optional[Image] = None) -> dict[str, Any]:
    """Placenta research metrics (see the module docstring); figures not assessable are ``None``."""
    geometry = labels.geometry
    spacing_zyx = np.array(geometry.spacing_mm[::-1], dtype=float)
    voxel_ml = geometry.voxel_volume_mm3 / 1000.0
    values = {label.id: label.value for label in labels.labels}
    placenta_full = labels.array == values.get("placenta", -1)
    shape = shape_metrics(placenta_full, geometry)
    result: dict[str, Any] = {"present": shape["present"], "volume_ml": shape["volume_ml"], "placenta": shape,
                              "max_thickness_mm": None, "myometrial_thickness_min_mm": None,
                              "myometrial_thickness_median_mm": None, "bed_fraction_thin": None,
                              "dark_band_volume_ml": None, "dark_band_fraction": None,
                              "notice": "research metrics approximating MRI signs of placenta accreta spectrum; "
                                        "not a diagnosis"}
    myometrium_full = labels.array == values.get("myometrium", -1)
    box = bounding_slices(placenta_full | myometrium_full, margin=2)
    if box is None or not shape["present"]:
        return result
    placenta, myometrium = placenta_full[box], myometrium_full[box]
    depth = ndimage.distance_transform_edt(placenta, sampling=spacing_zyx)
    result["max_thickness_mm"] = float(2.0 * depth.max())
    if myometrium.any():
        uterus = ndimage.binary_fill_holes(placenta | myometrium)
        outside = ndimage.binary_dilation(uterus, _CUBE) & ~uterus
        touching = ndimage.binary_dilation(myometrium | outside, _CUBE)
        bed = np.argwhere(placenta & touching)
        thickness = _thickness_to_outside(bed, outside, spacing_zyx)
        if len(thickness) and np.isfinite(thickness).any():
            result["myometrial_thickness_min_mm"] = float(np.nanmin(thickness))
            result["myometrial_thickness_median_mm"] = float(np.nanmedian(thickness))
            result["bed_fraction_thin"] = float(np.mean(thickness < THIN_MM))
    if image is not None:
        bands = _dark_bands(image.array[box].astype(np.float32), placenta, spacing_zyx, voxel_ml)
        result["dark_band_volume_ml"] = float(bands.sum()) * voxel_ml
        result["dark_band_fraction"] = float(bands.sum() / placenta.sum())
    return result
