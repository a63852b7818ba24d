"""Thickness of a tissue layer between voxel sets: nearest voxel-centre distance minus one voxel.

From a voxel on one side of a layer (say placenta) to the nearest voxel on the other side (outside the
uterus), the centre-to-centre distance spans the layer plus one voxel; the layer thickness is that
distance minus the voxel's extent along the same direction (the smallest ``spacing_a / |u_a|``). A layer
of n voxels along a grid axis measures exactly n voxels; oblique layers are within about one voxel.
"""

from __future__ import annotations

import numpy as np

from gynai.metrics.grid_tree import grid_tree


LOCAL_REACH_MM = 15.0
"""First search radius; points farther from every target are searched again among all targets."""


def _nearest(points_mm: np.ndarray, targets_mm: np.ndarray, max_distance_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target of every point, searching first among targets near the points' bounding box.

    A point whose nearest target is within LOCAL_REACH_MM finds it among the targets inside the points'
    bounding box grown by that reach; the others are searched again among all targets, so the result is
    exact either way.
    """
    low, high = points_mm.min(axis=0) - LOCAL_REACH_MM, points_mm.max(axis=0) + LOCAL_REACH_MM
    local = np.flatnonzero(np.all((targets_mm >= low) & (targets_mm <= high), axis=1))
    distances = np.full(len(points_mm), np.inf)
    nearest = np.full(len(points_mm), len(targets_mm))
    if len(local):
        bound = min(LOCAL_REACH_MM, max_distance_mm)
        found_d, found_i = grid_tree(targets_mm[local]).query(points_mm, distance_upper_bound=bound, workers=-1)
        hit = np.isfinite(found_d)
        distances[hit], nearest[hit] = found_d[hit], local[found_i[hit]]
    again = ~np.isfinite(distances)
    if again.any() and max_distance_mm > LOCAL_REACH_MM:
        found_d, found_i = grid_tree(targets_mm).query(points_mm[again], distance_upper_bound=max_distance_mm,
                                                     workers=-1)
        distances[again], nearest[again] = found_d, found_i
    return distances, nearest


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
    distances, nearest = _nearest(points * spacing_zyx, targets * spacing_zyx, max_distance_mm)
    found = np.isfinite(distances)
    thickness = np.full(len(points), np.inf)
    steps = np.abs(targets[nearest[found]] - points[found]) * spacing_zyx
    units = steps / np.maximum(distances[found], 1e-9)[:, None]
    one_voxel = np.min(np.where(units > 1e-9, spacing_zyx / np.maximum(units, 1e-9), np.inf), axis=1)
    thickness[found] = np.maximum(distances[found] - one_voxel, 0.0)
    return thickness, np.where(found, nearest, -1)
