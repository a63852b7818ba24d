"""Thickness of a tissue layer between voxel sets: nearest voxel-centre distance minus one voxel.

From a voxel on one side of a layer (say placenta) to the nearest voxel on the other side (outside the
uterus), the centre-to-centre distance spans the layer plus one voxel; the layer thickness is that
distance minus the voxel's extent along the same direction (the smallest ``spacing_a / |u_a|``). A layer
of n voxels along a grid axis measures exactly n voxels; oblique layers are within about one voxel.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def layer_thickness_mm(points: np.ndarray, targets: np.ndarray, spacing_zyx: np.ndarray,
                       max_distance_mm: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Thickness (mm) of the layer between each voxel in ``points`` and the nearest voxel in ``targets``.

    Args:
        points: Voxel indices (n, 3), z-y-x.
        targets: Voxel indices (m, 3) on the far side of the layer; m ≥ 1.
        spacing_zyx: Voxel size in mm, z-y-x.
        max_distance_mm: Points without a target this close get ``inf`` thickness and index ``-1``.

    Returns:
        Thickness per point (mm, ≥ 0) and the index into ``targets`` of each point's nearest target.
    """
    distances, nearest = cKDTree(targets * spacing_zyx).query(points * spacing_zyx,
                                                                distance_upper_bound=max_distance_mm)
    found = np.isfinite(distances)
    thickness = np.full(len(points), np.inf)
    steps = np.abs(targets[nearest[found]] - points[found]) * spacing_zyx
    units = steps / np.maximum(distances[found], 1e-9)[:, None]
    one_voxel = np.min(np.where(units > 1e-9, spacing_zyx / np.maximum(units, 1e-9), np.inf), axis=1)
    thickness[found] = np.maximum(distances[found] - one_voxel, 0.0)
    return thickness, np.where(found, nearest, -1)
