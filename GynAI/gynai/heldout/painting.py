"""Painting a scene on point grids, block by block, each part only where its bounding box reaches.

A grid is visited in blocks; a part is skipped in blocks its bounding box misses and, elsewhere,
evaluated only on the index box its bounds cover (computed from per-axis terms for affine grids, from
the points otherwise). Plain unions and tube chains are painted piece by piece for tighter boxes.
Culling never changes the result: a part paints nothing outside its bounds.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from gynai.heldout.scene import PointMaker, Scene

def _sub_box(x: np.ndarray, y: np.ndarray, z: np.ndarray, lo: np.ndarray,
             hi: np.ndarray) -> Optional[tuple[slice, slice, slice]]:
    """Smallest index box of a block holding all its points inside the box [lo, hi] (None if none)."""
    inside = (x >= lo[0]) & (x <= hi[0])
    inside &= (y >= lo[1]) & (y <= hi[1])
    inside &= (z >= lo[2]) & (z <= hi[2])
    slices = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        hits = np.flatnonzero(inside.any(axis=other))
        if hits.size == 0:
            return None
        slices.append(slice(int(hits[0]), int(hits[-1]) + 1))
    return tuple(slices)  # type: ignore[return-value]


def _separable_box(terms: tuple[np.ndarray, np.ndarray, np.ndarray], lo: np.ndarray,
                   hi: np.ndarray) -> Optional[tuple[slice, slice, slice]]:
    """Index box (a superset) of a block whose points are sums of per-axis terms, inside [lo, hi]."""
    mins = [t.min(axis=0) for t in terms]
    maxs = [t.max(axis=0) for t in terms]
    slices = []
    for axis, t in enumerate(terms):
        rest_min = sum(mins[a] for a in range(3) if a != axis)
        rest_max = sum(maxs[a] for a in range(3) if a != axis)
        ok = np.all((t + rest_max >= lo) & (t + rest_min <= hi), axis=1)
        hits = np.flatnonzero(ok)
        if hits.size == 0:
            return None
        slices.append(slice(int(hits[0]), int(hits[-1]) + 1))
    return tuple(slices)  # type: ignore[return-value]


def paint_block(scene: Scene, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                mat: np.ndarray, lab: np.ndarray,
                terms: Optional[tuple[np.ndarray, np.ndarray, np.ndarray]] = None) -> None:
    """Paint all parts whose bounds meet the block, each only on the index box its bounds cover.

    ``terms`` (optional) are per-axis (n, 3) offsets whose sums are the points; they give the index box
    of a part's bounds without testing every point.
    """
    lo = np.array([x.min(), y.min(), z.min()])
    hi = np.array([x.max(), y.max(), z.max()])
    for part in scene.parts:
        b_lo, b_hi = part.bounds
        if np.any(b_hi < lo) or np.any(b_lo > hi):
            continue
        if np.all(b_lo <= lo) and np.all(b_hi >= hi):
            part.paint(x, y, z, mat, lab)
            continue
        box = _sub_box(x, y, z, b_lo, b_hi) if terms is None else _separable_box(terms, b_lo, b_hi)
        if box is not None:
            part.paint(x[box], y[box], z[box], mat[box], lab[box])


def paint_grid(scene: Scene, shape: tuple[int, int, int], make_points: PointMaker,
               block: tuple[int, int, int], skip: Optional[Callable[[tuple[slice, ...]], bool]] = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Paint a 3D grid of points given block by block by ``make_points`` (body frame, float32).

    ``skip`` (optional) tells blocks that need no painting (left as air, label 0).

    Returns:
        (materials, labels) uint8 arrays of ``shape``.
    """
    scene.prepare()
    mat = np.zeros(shape, dtype=np.uint8)
    lab = np.zeros(shape, dtype=np.uint8)
    for a in range(0, shape[0], block[0]):
        for b in range(0, shape[1], block[1]):
            for c in range(0, shape[2], block[2]):
                sl = (slice(a, min(a + block[0], shape[0])), slice(b, min(b + block[1], shape[1])),
                      slice(c, min(c + block[2], shape[2])))
                if skip is not None and skip(sl):
                    continue
                points = make_points(sl)
                paint_block(scene, points[0], points[1], points[2], mat[sl], lab[sl],
                            points[3] if len(points) > 3 else None)
    return mat, lab


def paint_points(scene: Scene, points: np.ndarray, chunk: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """Materials and labels at (N, 3) body-frame points (uint8 arrays of length N)."""
    pts = [np.asarray(points, dtype=np.float32)[:, c][None, None, :] for c in range(3)]
    mat, lab = paint_grid(scene, (1, 1, len(points)), lambda sl: tuple(p[:, :, sl[2]] for p in pts), (1, 1, chunk))
    return mat[0, 0], lab[0, 0]
