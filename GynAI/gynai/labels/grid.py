"""Bring a segmentation onto an image's voxel grid: exactly when the lattices coincide, else resample.

A segmentation saved by Slicer may cover only part of the image (a cropped extent on the same lattice):
it is padded or cropped onto the image grid without interpolation. A segmentation on another lattice
(other spacing, direction or a sub-voxel shift) is refused unless resampling is asked for; then it is
resampled with nearest-neighbour interpolation (label values kept) and a warning says so.
"""

from __future__ import annotations

import logging

import numpy as np
import SimpleITK as sitk

from gynai.errors import GeometryError
from gynai.image import Geometry, LabelImage
from gynai.io.sitk_bridge import array_to_sitk, geometry_from_sitk

logger = logging.getLogger(__name__)

_INDEX_TOL = 1e-3


def _lattice_offset(source: Geometry, target: Geometry) -> np.ndarray | None:
    """Integer (i, j, k) offset of source voxel 0 on the target grid, when both share one lattice."""
    if not np.allclose(source.spacing_mm, target.spacing_mm, rtol=1e-5, atol=1e-6):
        return None
    if not np.allclose(source.direction_matrix, target.direction_matrix, atol=1e-5):
        return None
    offset = target.lps_to_index(source.origin_lps_mm)
    rounded = np.round(offset)
    return rounded.astype(int) if np.allclose(offset, rounded, atol=_INDEX_TOL) else None


def grid_difference(source: Geometry, target: Geometry) -> str:
    """What differs between two voxel grids, in words (spacing, direction, or an origin off the lattice)."""
    if not np.allclose(source.spacing_mm, target.spacing_mm, rtol=1e-5, atol=1e-6):
        return f"spacing {_mm(source.spacing_mm)} vs {_mm(target.spacing_mm)} mm"
    if not np.allclose(source.direction_matrix, target.direction_matrix, atol=1e-5):
        return "the axes point in other directions (another orientation)"
    offset = target.lps_to_index(source.origin_lps_mm)
    shift = (offset - np.round(offset)) * np.asarray(target.spacing_mm)
    return (f"same spacing, but its origin is shifted by {_mm(shift)} mm from the image's voxel lattice, "
            "not by whole voxels")


def _mm(values) -> str:
    return "(" + ", ".join(f"{float(v):.4g}" for v in values) + ")"


def _paste(labels: LabelImage, offset_ijk: np.ndarray, geometry: Geometry, shape_kji: tuple) -> LabelImage:
    out = np.zeros(shape_kji, labels.array.dtype)
    offset_kji = offset_ijk[::-1]
    source, target = [], []
    for axis in range(3):
        start = int(offset_kji[axis])
        lo, hi = max(start, 0), min(start + labels.array.shape[axis], shape_kji[axis])
        if hi <= lo:
            raise GeometryError("the segmentation does not overlap the image; check that it belongs to this image")
        target.append(slice(lo, hi))
        source.append(slice(lo - start, hi - start))
    out[tuple(target)] = labels.array[tuple(source)]
    lost = int(np.count_nonzero(labels.array)) - int(np.count_nonzero(out))
    if lost:
        logger.warning("%d segmented voxels lie outside the image and are left out", lost)
    return LabelImage(out, geometry, labels.labels)


def labels_on_image_grid(labels: LabelImage, geometry: Geometry, shape_kji: tuple[int, int, int],
                         resample: bool = False, source_name: str = "the segmentation") -> LabelImage:
    """Return ``labels`` on the image grid (``geometry``, array shape ``shape_kji``).

    Raises:
        GeometryError: The grids differ beyond a lattice-aligned crop and ``resample`` is False, or the
            segmentation does not overlap the image.
    """
    if labels.array.shape == tuple(shape_kji) and labels.geometry.allclose(geometry, 1e-3):
        return labels
    offset = _lattice_offset(labels.geometry, geometry)
    if offset is not None:
        return _paste(labels, offset, geometry, tuple(shape_kji))
    if not resample:
        difference = grid_difference(labels.geometry, geometry)
        raise GeometryError(f"{source_name} is on another voxel grid than the image ({difference}); "
                            "export it with the image as reference geometry, or pass --resample to resample it "
                            "(nearest neighbour)")
    reference = sitk.Image([int(n) for n in shape_kji[::-1]], sitk.sitkUInt8)
    reference.SetSpacing(geometry.spacing_mm)
    reference.SetOrigin(geometry.origin_lps_mm)
    reference.SetDirection(geometry.direction)
    moved = sitk.Resample(array_to_sitk(labels.array, labels.geometry), reference, sitk.Transform(),
                          sitk.sitkNearestNeighbor, 0, sitk.sitkUInt16)
    array = sitk.GetArrayFromImage(moved).astype(labels.array.dtype)
    if not array.any() and labels.array.any():
        raise GeometryError("the segmentation does not overlap the image; check that it belongs to this image")
    logger.warning("%s was resampled onto the image grid (nearest neighbour); volumes may differ slightly",
                   source_name)
    return LabelImage(array, geometry_from_sitk(moved), labels.labels)
