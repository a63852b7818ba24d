"""Pre-processing shared by training and inference: model grid, resampling and intensity normalisation.

The model grid is axis-aligned in LPS (identity direction) with the bundle's spacing and covers the
physical bounding box of the input image, so oblique or permuted inputs reach the network in one
canonical orientation. Labels go back to the exact input grid with nearest-neighbour resampling.
"""

from __future__ import annotations

import itertools

import numpy as np
import SimpleITK as sitk

from gynai.image import Geometry, Image
from gynai.io.sitk_bridge import array_to_sitk, geometry_from_sitk, image_to_sitk


def _grid_layout(geometry: Geometry, size_xyz: tuple[int, int, int],
                 spacing_mm: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Size (x, y, z) and origin of the model grid, computed without allocating it."""
    corners = np.array(list(itertools.product(*[(-0.5, n - 0.5) for n in size_xyz])))
    points = geometry.index_to_lps(corners)
    low, high = points.min(axis=0), points.max(axis=0)
    spacing = np.asarray(spacing_mm, dtype=float)
    size = np.maximum(np.ceil((high - low) / spacing - 1e-6).astype(int), 1)
    return size, low + spacing / 2


def model_grid_voxels(geometry: Geometry, size_xyz: tuple[int, int, int],
                      spacing_mm: tuple[float, float, float]) -> int:
    """Number of voxels of the model grid of an image (as :func:`model_grid` would make it)."""
    return int(np.prod(_grid_layout(geometry, size_xyz, spacing_mm)[0].astype(float)))


def model_grid(geometry: Geometry, size_xyz: tuple[int, int, int], spacing_mm: tuple[float, float, float]) -> sitk.Image:
    """An empty axis-aligned reference grid with ``spacing_mm`` covering the input's physical extent.

    Args:
        geometry: Geometry of the input image.
        size_xyz: Input grid size in (i, j, k) order.
        spacing_mm: Target spacing (x, y, z) in millimetres.

    Returns:
        A SimpleITK image (float32, zeros) defining the model grid.
    """
    size, origin = _grid_layout(geometry, size_xyz, spacing_mm)
    spacing = np.asarray(spacing_mm, dtype=float)
    grid = sitk.Image([int(s) for s in size], sitk.sitkFloat32)
    grid.SetSpacing(spacing.tolist())
    grid.SetOrigin(origin.tolist())
    return grid


def resample_to_model(image: Image, spacing_mm: tuple[float, float, float]) -> tuple[np.ndarray, sitk.Image]:
    """Resample an image onto its model grid with linear interpolation.

    Returns:
        The float32 array [z, y, x] on the model grid and the grid itself (for resampling back).
    """
    grid = model_grid(image.geometry, image.size_xyz, spacing_mm)
    source = sitk.Cast(image_to_sitk(image), sitk.sitkFloat32)
    resampled = sitk.Resample(source, grid, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkFloat32)
    return sitk.GetArrayFromImage(resampled), grid


def resample_labels_to_model(labels: np.ndarray, geometry: Geometry, grid: sitk.Image) -> np.ndarray:
    """Nearest-neighbour resampling of a label array [k, j, i] onto a model grid (for training targets)."""
    source = array_to_sitk(labels.astype(np.uint8), geometry)
    resampled = sitk.Resample(source, grid, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)
    return sitk.GetArrayFromImage(resampled)


def labels_to_input_grid(labels_model: np.ndarray, grid: sitk.Image, geometry: Geometry,
                         size_xyz: tuple[int, int, int]) -> np.ndarray:
    """Nearest-neighbour resampling of model-grid labels back onto the exact input grid."""
    source = array_to_sitk(labels_model.astype(np.uint8), geometry_from_sitk(grid))
    reference = sitk.Image([int(s) for s in size_xyz], sitk.sitkUInt8)
    reference.SetSpacing(geometry.spacing_mm)
    reference.SetOrigin(geometry.origin_lps_mm)
    reference.SetDirection(geometry.direction)
    back = sitk.Resample(source, reference, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)
    return sitk.GetArrayFromImage(back)


def normalize_intensity(array: np.ndarray, low_percentile: float = 1.0, high_percentile: float = 99.0) -> np.ndarray:
    """Map the [low, high] percentile range of the non-zero voxels to [0, 1] (clipped to [-0.5, 1.5]).

    Percentiles of the whole field of view make the scale independent of the scanner's arbitrary MRI
    units; clipping limits the effect of outliers.
    """
    values = array[array != 0]
    if values.size < 16:
        values = array.reshape(-1)
    low, high = np.percentile(values, [low_percentile, high_percentile])
    scale = float(high - low) if high > low else 1.0
    return np.clip((array - low) / scale, -0.5, 1.5).astype(np.float32)
