"""Area of part of a voxel object's boundary, corrected for stair-stepping.

Each boundary face between a voxel of the object and a neighbour in ``towards`` (6-neighbourhood) has
the area of the voxel face, ``A_a`` for a face normal to axis ``a``. A plane of area ``S`` with unit
normal ``n`` crosses about ``S·|n_a| / A_a`` faces normal to axis ``a``, so weighting each face by the
local ``|n_a|`` gives ``Σ_a S·n_a² = S``: the weighted face count estimates the true area of smooth
surfaces whatever their orientation (the plain face count overestimates oblique surfaces by up to √3).
The normal is the gradient of the object mask smoothed with a Gaussian of about one (largest) voxel,
computed on the object's bounding box (with a margin beyond the Gaussian's reach).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from gynai.metrics.shape import bounding_slices


def _smoothed(mask: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """The mask smoothed with a Gaussian of about one (largest) voxel."""
    return ndimage.gaussian_filter(mask.astype(np.float32), float(spacing_zyx.max()) / spacing_zyx)


def _unit_normals_at(smooth: np.ndarray, points: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """|unit normal| (n, 3; z-y-x) of the smoothed mask at voxel indices ``points``, by central differences
    (one-sided at the array border), computed only where needed."""
    gradient = np.empty((len(points), 3), np.float64)
    for axis in range(3):
        size = smooth.shape[axis]
        ahead, behind = points.copy(), points.copy()
        ahead[:, axis] = np.minimum(points[:, axis] + 1, size - 1)
        behind[:, axis] = np.maximum(points[:, axis] - 1, 0)
        steps = (ahead[:, axis] - behind[:, axis]).astype(np.float64)
        difference = smooth[tuple(ahead.T)].astype(np.float64) - smooth[tuple(behind.T)]
        gradient[:, axis] = difference / np.maximum(steps, 1.0) / spacing_zyx[axis]
    return np.abs(gradient) / (np.linalg.norm(gradient, axis=1, keepdims=True) + 1e-12)


def boundary_area_mm2(mask: np.ndarray, towards: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Area (mm²) of each object voxel's faces that touch ``towards`` voxels, stair-step corrected.

    Args:
        mask: The object (boolean, z-y-x).
        towards: The voxels whose shared faces count (e.g. the myometrium or the bladder).
        spacing_zyx: Voxel size in mm, z-y-x.

    Returns:
        A float array over the grid, zero except on boundary voxels; sum it over any subset of voxels.
    """
    full_area = np.zeros(mask.shape, np.float64)
    margin = int(np.ceil(3 * float(spacing_zyx.max()) / float(spacing_zyx.min()))) + 2
    box = bounding_slices(mask, margin=margin)
    if box is None:
        return full_area
    mask = mask[box].astype(bool)
    towards = towards[box].astype(bool) & ~mask
    face_counts = np.zeros((3,) + mask.shape, np.uint8)
    for axis in range(3):
        for step in (1, -1):
            source = [slice(None)] * 3
            target = [slice(None)] * 3
            source[axis] = slice(step, None) if step > 0 else slice(None, step)
            target[axis] = slice(None, -step) if step > 0 else slice(-step, None)
            face_counts[axis][tuple(target)] += mask[tuple(target)] & towards[tuple(source)]
    points = np.argwhere(face_counts.any(axis=0))
    if len(points) == 0:
        return full_area
    normals = _unit_normals_at(_smoothed(mask, spacing_zyx), points, spacing_zyx)
    faces_mm2 = np.array([np.prod(np.delete(spacing_zyx, axis)) for axis in range(3)])
    counts = face_counts[(slice(None),) + tuple(points.T)].T.astype(np.float64)      # (n, 3)
    full_area[box][tuple(points.T)] = (counts * normals * faces_mm2).sum(axis=1)
    return full_area
