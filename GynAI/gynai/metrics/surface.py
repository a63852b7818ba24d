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


def _unit_normals(mask: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    sigma = float(spacing_zyx.max()) / spacing_zyx
    smooth = ndimage.gaussian_filter(mask.astype(np.float32), sigma)
    gradient = np.stack(np.gradient(smooth), axis=0) / spacing_zyx[:, None, None, None].astype(np.float32)
    norm = np.sqrt(np.sum(gradient ** 2, axis=0)) + 1e-12
    return np.abs(gradient) / norm


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
    normals = _unit_normals(mask, spacing_zyx)
    area = full_area[box]
    for axis in range(3):
        face_mm2 = float(np.prod(np.delete(spacing_zyx, axis)))
        for step in (1, -1):
            neighbour = np.zeros_like(towards)
            source = [slice(None)] * 3
            target = [slice(None)] * 3
            source[axis] = slice(step, None) if step > 0 else slice(None, step)
            target[axis] = slice(None, -step) if step > 0 else slice(-step, None)
            neighbour[tuple(target)] = towards[tuple(source)]
            faces = mask & neighbour
            area[faces] += face_mm2 * normals[axis][faces]
    return full_area
