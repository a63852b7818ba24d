"""Fast binary morphology and distance maps on large boolean grids.

Array shifts replace generic structuring elements, and ITK's multi-threaded Maurer transform replaces
SciPy's single-threaded one; each function equals its SciPy counterpart (tested).
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from scipy import ndimage


def boundary_6(mask: np.ndarray) -> np.ndarray:
    """Voxels of ``mask`` with at least one 6-neighbour outside it (the array border counts as outside).

    Equal to ``mask & ~scipy.ndimage.binary_erosion(mask)`` (6-neighbourhood, ``border_value=0``), about
    seven times faster on large grids: the interior is the AND of the six shifted copies.
    """
    mask = np.asarray(mask, bool)
    interior = mask.copy()
    for axis in range(mask.ndim):
        lower = [slice(None)] * mask.ndim
        upper = [slice(None)] * mask.ndim
        lower[axis], upper[axis] = slice(1, None), slice(None, -1)
        interior[tuple(lower)] &= mask[tuple(upper)]
        interior[tuple(upper)] &= mask[tuple(lower)]
        edge = [slice(None)] * mask.ndim
        for index in (0, -1):
            edge[axis] = index
            interior[tuple(edge)] = False
    return mask & ~interior


def dilate_cube(mask: np.ndarray) -> np.ndarray:
    """Binary dilation by the 3×3×3 cube (26-neighbourhood), as three separable passes of array shifts.

    Equal to ``scipy.ndimage.binary_dilation(mask, np.ones((3, 3, 3)))``.
    """
    out = np.asarray(mask, bool)
    for axis in range(out.ndim):
        lower = [slice(None)] * out.ndim
        upper = [slice(None)] * out.ndim
        lower[axis], upper[axis] = slice(1, None), slice(None, -1)
        grown = out.copy()
        grown[tuple(lower)] |= out[tuple(upper)]
        grown[tuple(upper)] |= out[tuple(lower)]
        out = grown
    return out


def inside_distance_mm(mask: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Distance (mm) from every voxel of ``mask`` to the nearest voxel centre outside it (0 outside).

    Equal to ``scipy.ndimage.distance_transform_edt(mask, sampling=spacing_zyx)`` (float32 precision):
    the signed Maurer distance of the background, whose nearest contour voxel is the nearest background
    voxel. Without any background voxel SciPy's transform is used (it defines that case).
    """
    mask = np.asarray(mask, bool)
    if mask.all():
        return ndimage.distance_transform_edt(mask, sampling=spacing_zyx)
    background = sitk.GetImageFromArray((~mask).astype(np.uint8))
    background.SetSpacing(tuple(float(s) for s in np.asarray(spacing_zyx, float)[::-1]))
    distance = sitk.SignedMaurerDistanceMap(background, insideIsPositive=False, squaredDistance=False,
                                            useImageSpacing=True)
    return np.where(mask, sitk.GetArrayFromImage(distance), 0.0)
