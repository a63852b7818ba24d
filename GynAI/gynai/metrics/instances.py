"""Split a lesion mask (e.g. all fibroid voxels) into instances, separating touching lesions.

1. Connected components (26-connected) of the mask.
2. Inside each component, seeds are the local maxima of the Euclidean distance map (in mm) that are at
   least ``min_radius_mm`` deep, deepest first. A maximum is a new lesion only when the distance map
   drops below ``neck_ratio`` of the shallower depth on the straight line to every seed kept so far (a
   neck between them): an elongated lesion keeps one seed, two round lesions touching through a neck two.
3. A component with several seeds is split between them: a voxel goes to the seed whose inscribed ball
   (centre = seed, radius = its depth) it lies deepest in (largest ``depth − distance to the seed``).
   For two overlapping round lesions the cut runs through the circle where their surfaces meet.

Instances are numbered 1..n by decreasing volume.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from gynai.metrics.shape import bounding_slices

CONNECTIVITY_26 = np.ones((3, 3, 3), bool)


def _neck_ratio(distance: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Smallest distance-map value on the segment a-b (voxel indices) relative to the shallower end."""
    steps = int(np.abs(b - a).max()) + 1
    line = np.round(np.linspace(a, b, steps + 1)).astype(int)
    values = distance[tuple(line.T)]
    return float(values.min() / max(min(distance[tuple(a)], distance[tuple(b)]), 1e-6))


def _seeds(distance: np.ndarray, spacing_zyx: np.ndarray, min_radius_mm: float,
           neck_ratio: float) -> list[np.ndarray]:
    """One seed (voxel index) per lesion: deepest distance maxima, merged unless a neck separates them."""
    window = np.maximum(3, np.round(2 * min_radius_mm / spacing_zyx).astype(int) | 1)
    peaks = (distance == ndimage.maximum_filter(distance, size=tuple(window))) & (distance >= min_radius_mm)
    points = np.argwhere(peaks)
    order = np.argsort(-distance[peaks], kind="stable")
    kept: list[np.ndarray] = []
    for index in order:
        point = points[index]
        if all(_neck_ratio(distance, point, other) < neck_ratio for other in kept):
            kept.append(point)
    return kept


def split_instances(mask: np.ndarray, spacing_xyz_mm: tuple[float, float, float],
                    min_radius_mm: float = 2.0, neck_ratio: float = 0.7) -> np.ndarray:
    """Instance map (0 = background, 1..n by decreasing size) of a boolean mask [k, j, i].

    Args:
        mask: The lesion voxels.
        spacing_xyz_mm: Voxel spacing (i, j, k).
        min_radius_mm: Lesions thinner than this are not split off.
        neck_ratio: Two distance maxima are separate lesions when the distance map along the segment
            between them drops below this fraction of the shallower maximum (a neck).
    """
    spacing_zyx = np.array(spacing_xyz_mm[::-1], dtype=float)
    out = np.zeros(mask.shape, np.int32)
    whole = bounding_slices(mask, margin=0)
    if whole is None:
        return out
    out[whole] = _split(mask[whole], spacing_zyx, min_radius_mm, neck_ratio)
    return _renumber_by_size(out)


def _split(mask: np.ndarray, spacing_zyx: np.ndarray, min_radius_mm: float, neck_ratio: float) -> np.ndarray:
    components, _ = ndimage.label(mask, structure=CONNECTIVITY_26)
    out = np.zeros(mask.shape, np.int32)
    next_id = 1
    for component_id, box in enumerate(ndimage.find_objects(components), start=1):
        if box is None:
            continue
        grown = tuple(slice(max(s.start - 1, 0), min(s.stop + 1, n)) for s, n in zip(box, mask.shape))
        region = components[grown] == component_id
        distance = ndimage.distance_transform_edt(region, sampling=spacing_zyx)
        seeds = _seeds(distance, spacing_zyx, min_radius_mm, neck_ratio)
        if len(seeds) < 2:
            out[grown][region] = next_id
            next_id += 1
            continue
        points_mm = np.argwhere(region) * spacing_zyx
        depth_inside = np.stack([distance[tuple(seed)] - np.linalg.norm(points_mm - seed * spacing_zyx, axis=1)
                                 for seed in seeds])
        basins = np.zeros(region.shape, np.int32)
        basins[region] = np.argmax(depth_inside, axis=0) + 1
        for number in range(1, len(seeds) + 1):
            part = region & (basins == number)
            if part.any():
                out[grown][part] = next_id
                next_id += 1
    return out


def _renumber_by_size(instances: np.ndarray) -> np.ndarray:
    counts = np.bincount(instances.ravel())
    counts[0] = 0
    order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    lookup = np.zeros(len(counts), np.int32)
    for new, old in enumerate(order, start=1):
        lookup[old] = new
    return lookup[instances]
