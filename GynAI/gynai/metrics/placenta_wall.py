"""Is the gravid uterus closed around its cavity? Where it is not, the wall thickness cannot be measured.

The retroplacental myometrial thickness is the distance from the placental bed to the outside of the
uterus. The amniotic fluid is not labelled, so the uterus is the tissue (myometrium ∪ placenta) with its
enclosed cavity filled. When the segmented wall does not close around the cavity, the cavity connects
to the outside and the placenta's fetal surface would be taken for a bed without myometrium (0 mm):

* a gap in the segmented wall, or an unlabelled cervix or lower segment (a previa): the cavity opens
  through it;
* a field of view that cuts the uterus in every direction: no part of the image border is known to be
  outside, so the cavity cannot be told from the outside by its connection to the border.

The cavity is then recognised geometrically: background voxels lying deeper than :data:`OPEN_DEPTH_MM`
inside the convex hull of the tissue, in a region reaching :data:`CAVITY_DEPTH_MM` (a gravid uterus is
about convex; the amniotic cavity lies tens of millimetres inside its hull, other concavities do not),
computed on a grid of about :data:`HULL_GRID_MM`. That open cavity is filled; the background inside the
hull connected to it (the gap, the cavity's rim at the image border), grown by one coarse cell, is *open
boundary*: a bed voxel whose nearest outside voxel is one of them, or which lies
closer to the image border than its thickness (the wall may continue beyond the field of view), has no
measurable thickness. The *gap*, where a note places the opening, is the part of that background reached
from the open cavity through unlabelled voxels (within :data:`OPEN_DEPTH_MM` + :data:`HULL_GRID_MM`) that
lies within one voxel of the surface of the tissue's hull: the opening itself, not the cavity's rim behind
it. The depths are GynAI's; no published method exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from gynai.metrics.morphology import dilate_cube
from gynai.metrics.shape import row_extremes

OPEN_DEPTH_MM = 5.0
CAVITY_DEPTH_MM = 20.0
HULL_GRID_MM = 4.0
MAX_HULL_POINTS = 20000


@dataclass(frozen=True)
class UterusClosure:
    """The uterus with its cavity filled, the part filled although the wall is open, the open boundary (the
    opening with the cavity's unfilled rim) and the gap (the opening alone, near the hull's surface)."""

    uterus: np.ndarray
    open_cavity: np.ndarray
    open_boundary: np.ndarray
    gap: np.ndarray

    @property
    def is_open(self) -> bool:
        """Whether the wall fails to close around the cavity somewhere."""
        return bool(self.open_cavity.any())


def _coarse(mask: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Block-wise majority of a mask on a grid ``factors`` times coarser (padded with False)."""
    shape = [int(np.ceil(n / f)) * f for n, f in zip(mask.shape, factors)]
    padded = np.zeros(shape, bool)
    padded[tuple(slice(0, n) for n in mask.shape)] = mask
    blocks = padded.reshape(shape[0] // factors[0], factors[0], shape[1] // factors[1], factors[1],
                            shape[2] // factors[2], factors[2])
    return blocks.mean(axis=(1, 3, 5)) >= 0.5


def _fine(coarse: np.ndarray, factors: np.ndarray, shape: tuple) -> np.ndarray:
    """A coarse mask repeated back onto the voxel grid of ``shape``."""
    fine = coarse.repeat(factors[0], 0).repeat(factors[1], 1).repeat(factors[2], 2)
    return fine[tuple(slice(0, n) for n in shape)]


def hull_depth_mm(tissue: np.ndarray, spacing_zyx: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Depth (mm) of the voxel centres in ``where`` inside the convex hull of ``tissue`` (negative outside;
    −inf elsewhere). The hull is that of the first and last tissue voxel of every grid row."""
    depth_map = np.full(tissue.shape, -np.inf)
    points = row_extremes(tissue) if tissue.any() else np.zeros((0, 3), int)
    if len(points) > MAX_HULL_POINTS:
        points = points[np.linspace(0, len(points) - 1, MAX_HULL_POINTS).astype(int)]
    try:
        hull = ConvexHull(points * spacing_zyx)
    except (QhullError, ValueError):      # flat or tiny tissue: no inside
        return depth_map
    centres = np.argwhere(where) * spacing_zyx
    depth = np.full(len(centres), np.inf)
    for start in range(0, len(hull.equations), 256):
        facets = hull.equations[start:start + 256]
        depth = np.minimum(depth, (-(centres @ facets[:, :3].T + facets[:, 3])).min(axis=1))
    depth_map[where] = depth
    return depth_map


def close_uterus(tissue: np.ndarray, enclosed: np.ndarray, other: np.ndarray, spacing_zyx: np.ndarray) -> UterusClosure:
    """The uterus of a placenta segmentation (see the module docstring); the search runs on a grid of about
    :data:`HULL_GRID_MM` and its result is repeated back onto the voxels.

    Args:
        tissue: Myometrium ∪ placenta.
        enclosed: ``tissue`` with the cavities that the segmentation encloses filled.
        other: Labelled structures outside the uterus (the bladder): never cavity.
        spacing_zyx: Voxel size (mm), z-y-x.
    """
    nothing = UterusClosure(enclosed, np.zeros_like(enclosed), np.zeros_like(enclosed), np.zeros_like(enclosed))
    factors = np.maximum(1, np.round(HULL_GRID_MM / spacing_zyx)).astype(int)
    coarse_spacing = spacing_zyx * factors
    tissue_c = _coarse(tissue, factors)
    candidates = ~_coarse(enclosed, factors) & ~_coarse(other, factors)
    if not candidates.any() or not tissue_c.any():
        return nothing
    depth = hull_depth_mm(tissue_c, coarse_spacing, candidates)
    components, count = ndimage.label(candidates & (depth > OPEN_DEPTH_MM))
    if count == 0:
        return nothing
    reach = np.asarray(ndimage.maximum(depth, components, index=np.arange(1, count + 1)))
    open_c = np.concatenate([[False], reach >= CAVITY_DEPTH_MM])[components]
    if not open_c.any():
        return nothing
    inside, _ = ndimage.label(candidates & (depth > 0.0))          # the opening and the cavity's rim
    touching = np.unique(inside[open_c])
    opening_c = dilate_cube(np.isin(inside, touching[touching > 0]) | open_c)    # one coarse cell of margin
    free = ~enclosed & ~other
    open_cavity = _fine(open_c, factors, tissue.shape) & free
    uterus = enclosed | open_cavity
    opening = (_fine(opening_c, factors, tissue.shape) & free & ~uterus) | (dilate_cube(open_cavity) & ~uterus)
    steps = int(np.ceil((OPEN_DEPTH_MM + HULL_GRID_MM) / spacing_zyx.min()))
    through = ndimage.binary_dilation(open_cavity, np.ones((3, 3, 3), bool), steps, mask=free) & opening
    gap = through & (hull_depth_mm(tissue, spacing_zyx, through) <= float(spacing_zyx.min()))
    return UterusClosure(uterus, open_cavity, opening, gap)


def border_distance_mm(points: np.ndarray, shape: tuple, fov_faces: tuple[tuple[int, int], ...],
                       spacing_zyx: np.ndarray) -> np.ndarray:
    """Distance (mm) from voxel indices ``points`` (n, 3) to the nearest field-of-view face of the crop
    (``(axis, 0 or -1)``; infinite when the crop touches none): how far the image is known beyond them."""
    distance = np.full(len(points), np.inf)
    for axis, side in fov_faces:
        steps = points[:, axis] if side == 0 else shape[axis] - 1 - points[:, axis]
        distance = np.minimum(distance, (steps + 0.5) * spacing_zyx[axis])
    return distance
