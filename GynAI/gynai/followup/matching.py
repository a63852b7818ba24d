"""One-to-one matching of prior lesions to current ones after the rigid alignment.

Two ways, both solved as one optimal assignment (Hungarian, :func:`scipy.optimize.linear_sum_assignment`)
over the admissible pairs:

* **Centroid distance** (metrics documents only). Prior centroids are mapped into the current study;
  a pair is admissible within the gate ``max(15 mm, 0.75 × the larger of the two maximum diameters)``
  (a lesion that shrank still matches; a new lesion elsewhere is not taken for an old one); the cost is
  the distance.
* **Mask overlap** (both segmentations). The prior instance map is moved onto the current grid (nearest
  neighbour). A pair is admissible when the masks overlap — cost ``1 − overlap fraction`` with the overlap
  fraction = shared voxels / voxels of the smaller of the two — or, without overlap, when their nearest
  voxel centres are at most 5 mm apart (room for the alignment's residual), cost ``1 + gap / 5 mm``. Any
  overlap therefore wins over mere proximity, and the largest overlaps win among overlaps. This is more
  robust than centroids for lesions that shrink unevenly or lie close together, and stricter for small
  lesions far apart (a lesion that disappeared and a new one 10 mm away stay new and disappeared).

Unmatched current lesions are *new*, unmatched prior lesions *disappeared*.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from gynai.followup.align import Alignment
from gynai.followup.lesions import Lesion
from gynai.metrics.grid_tree import grid_tree
from gynai.metrics.morphology import boundary_6

logger = logging.getLogger(__name__)

GATE_MIN_MM = 15.0
GATE_DIAMETER_FRACTION = 0.75
MASK_GAP_MM = 5.0
_INADMISSIBLE = 1e9


@dataclass(frozen=True)
class Match:
    """A matched pair: indices into the prior and current lesion lists, and why they were paired."""

    prior_index: int
    current_index: int
    basis: str
    """``"centroid"`` or ``"overlap"`` (masks overlap) or ``"proximity"`` (masks within 5 mm)."""
    overlap_fraction: Optional[float] = None
    gap_mm: Optional[float] = None


def centroid_gate_mm(prior: Lesion, current: Lesion) -> float:
    """The largest centroid distance at which two lesions may match (see the module docstring)."""
    diameters = [d for d in (prior.max_diameter_mm, current.max_diameter_mm) if d is not None]
    return max(GATE_MIN_MM, GATE_DIAMETER_FRACTION * max(diameters, default=0.0))


def _assign(cost: np.ndarray) -> list[tuple[int, int]]:
    if cost.size == 0:
        return []
    rows, columns = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, columns) if cost[r, c] < _INADMISSIBLE]


def match_by_centroid(prior: Sequence[Lesion], current: Sequence[Lesion], alignment: Alignment) -> list[Match]:
    """Matches by aligned centroid distance within the gate; lesions without a centroid stay unmatched."""
    usable_prior = [i for i, lesion in enumerate(prior) if lesion.centroid_lps_mm is not None]
    usable_current = [j for j, lesion in enumerate(current) if lesion.centroid_lps_mm is not None]
    if not usable_prior or not usable_current:
        return []
    mapped = alignment.apply([prior[i].centroid_lps_mm for i in usable_prior]).reshape(-1, 3)
    here = np.array([current[j].centroid_lps_mm for j in usable_current], float)
    distance = np.linalg.norm(mapped[:, None, :] - here[None, :, :], axis=-1)
    gate = np.array([[centroid_gate_mm(prior[i], current[j]) for j in usable_current] for i in usable_prior])
    cost = np.where(distance <= gate, distance, _INADMISSIBLE)
    return [Match(usable_prior[r], usable_current[c], "centroid") for r, c in _assign(cost)]


def _surface_points_mm(instances: np.ndarray, count: int, spacing_zyx: np.ndarray) -> list[np.ndarray]:
    """Per instance 1..count, positions (mm along the grid axes) of its voxels with a 6-neighbour outside it."""
    points = [np.zeros((0, 3))] * count
    for number, box in enumerate(ndimage.find_objects(instances, max_label=count), start=1):
        if box is None:
            continue
        offset = np.array([s.start for s in box])
        points[number - 1] = (np.argwhere(boundary_6(instances[box] == number)) + offset) * spacing_zyx
    return points


def match_by_overlap(mapped_prior: np.ndarray, current: np.ndarray, spacing_xyz_mm: Sequence[float]) -> list[Match]:
    """Matches of prior instances (moved onto the current grid) with current instances, by overlap.

    Args:
        mapped_prior: Prior instance map (1..m; lesion index + 1) resampled onto the current grid.
        current: Current instance map (1..n) on the same grid.
        spacing_xyz_mm: Voxel spacing of the current grid.

    Returns:
        Matches with 0-based lesion indices (instance number − 1).
    """
    prior_count, current_count = int(mapped_prior.max(initial=0)), int(current.max(initial=0))
    if prior_count == 0 or current_count == 0:
        return []
    either = (mapped_prior > 0) | (current > 0)
    pairs = mapped_prior[either].astype(np.int64) * (current_count + 1) + current[either]
    table = np.bincount(pairs, minlength=(prior_count + 1) * (current_count + 1)).reshape(prior_count + 1, -1)
    prior_voxels, current_voxels = table.sum(axis=1)[1:], table.sum(axis=0)[1:]
    shared = table[1:, 1:].astype(float)
    smaller = np.minimum(prior_voxels[:, None], current_voxels[None, :]).astype(float)
    fraction = np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)
    spacing_zyx = np.asarray(spacing_xyz_mm, float)[::-1]
    gaps = np.where(shared > 0, 0.0, np.inf)
    cost = np.where(shared > 0, 1.0 - fraction, _INADMISSIBLE)
    if (shared == 0).any():
        prior_surfaces = _surface_points_mm(mapped_prior, prior_count, spacing_zyx)
        current_surfaces = _surface_points_mm(current, current_count, spacing_zyx)
        for i, surface in enumerate(prior_surfaces):
            tree = grid_tree(surface) if len(surface) else None
            for j, other in enumerate(current_surfaces):
                if shared[i, j] == 0 and tree is not None and len(other):
                    distances, _ = tree.query(other, distance_upper_bound=MASK_GAP_MM * (1 + 1e-6))
                    gaps[i, j] = float(distances.min())
        near = (shared == 0) & (gaps <= MASK_GAP_MM)
        cost[near] = 1.0 + gaps[near] / MASK_GAP_MM
    matches = []
    for i, j in _assign(cost):
        overlapping = shared[i, j] > 0
        matches.append(Match(i, j, "overlap" if overlapping else "proximity", float(fraction[i, j]),
                             float(gaps[i, j])))
    return matches
