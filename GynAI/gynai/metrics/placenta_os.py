"""An unlabelled internal os under a placenta previa: an open lower boundary, not a bed without myometrium.

The ``placenta`` task labels myometrium, placenta and bladder; the cervix has no label. When the placenta
covers the internal os (placenta previa), the cavity stays closed (the placenta closes it), but at the os
the placenta faces the unlabelled cervix directly: its bed there has no myometrium and the thickness read
0 mm, with a "< 1 mm" area, although the wall is simply not segmented there.

:func:`os_opening` finds that opening: unlabelled voxels just outside the uterus (not the bladder: a
placenta reaching the bladder is measured) that touch the placenta, within
:data:`OS_REACH_MM` (3D distance) of the caudal pole of the uterus (the mean of its lowest points along the
patient's inferior axis, LPS −z), grown by
:data:`OS_MARGIN_MM` along the outside of the uterus (the bed at the rim of the opening would measure the
tapering edge of the segmented wall). Bed voxels whose nearest outside voxel lies in it get no thickness,
and a note says where. Nothing is found when the caudal end of the uterus leaves the field of view (the
os is not in the image; the bed near the image's edge is not assessed anyway). The reach and margin are
GynAI's. Limits: a placenta percreta within that reach of the caudal pole (away from the bladder), or a
wall thinner than a voxel there, is not assessed either; label the cervix as myometrium to measure the os
region.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from gynai.image import Geometry
from gynai.metrics.grid_tree import grid_tree

OS_REACH_MM = 25.0
OS_MARGIN_MM = 5.0
_CUBE = np.ones((3, 3, 3), bool)


def os_opening(placenta: np.ndarray, outside: np.ndarray, geometry: Geometry,
               fov_faces: tuple[tuple[int, int], ...] = ()) -> np.ndarray:
    """Outside voxels of an unlabelled os covered by the placenta (see the module docstring); empty if none.

    Works on the shell's voxel list (no full-size arrays beyond the masks given).

    Args:
        placenta: The placenta [k, j, i].
        outside: Voxels just outside the uterus (its 26-neighbour shell), same grid.
        geometry: Geometry of the grid (for the patient's inferior direction).
        fov_faces: Faces of the grid that are the image's edge, ``(axis, 0 or -1)``: when the caudal end
            reaches one, the os is not in view and nothing is returned.
    """
    opening = np.zeros_like(outside)
    shell = np.argwhere(outside)
    if len(shell) == 0:
        return opening
    spacing = np.asarray(geometry.spacing_mm, float)
    down_kji = (-geometry.direction_matrix[2, :] * spacing)[::-1]            # inferior mm per k, j, i step
    height = shell @ down_kji
    step = float(np.abs(down_kji).sum())
    spacing_zyx = spacing[::-1]
    pole_mm = (shell[height >= height.max() - step] * spacing_zyx).mean(axis=0)   # the caudal pole
    from_pole = np.linalg.norm(shell * spacing_zyx - pole_mm, axis=1)
    near_end = from_pole <= OS_REACH_MM + OS_MARGIN_MM
    candidates = shell[from_pole <= OS_REACH_MM]
    if len(candidates) == 0:
        return opening
    for axis, side in fov_faces:
        edge = 0 if side == 0 else outside.shape[axis] - 1
        if (np.abs(candidates[:, axis] - edge) <= 1).any():           # the caudal end leaves the image
            return opening
    low, high = np.maximum(candidates.min(axis=0) - 1, 0), candidates.max(axis=0) + 2
    box = tuple(slice(int(a), int(b)) for a, b in zip(low, high))
    next_to_placenta = ndimage.binary_dilation(placenta[box], _CUBE)
    touching = candidates[next_to_placenta[tuple((candidates - low).T)]]
    if len(touching) == 0:
        return opening
    around = shell[near_end]
    distance, _ = grid_tree(touching * spacing_zyx).query(around * spacing_zyx, distance_upper_bound=OS_MARGIN_MM + 1e-6)
    opening[tuple(around[np.isfinite(distance)].T)] = True
    return opening
