"""Reference label volumes of a scene, independent of any acquisition.

The labelled parts' bounding box is sampled on a regular grid (randomly offset, at most ``max_points``
points) in the body frame; each label's volume is its point count times the cell volume. This is the
whole structure, also where an acquisition's field of view cuts it.
"""

from __future__ import annotations

import numpy as np

from gynai.heldout.painting import paint_grid
from gynai.heldout.scene import Scene

_LABEL_ATTRIBUTES = ("label", "label_wall", "label_cavity", "label_placenta", "label_lesion", "label_solid")


def labelled_bounds(scene: Scene) -> tuple[np.ndarray, np.ndarray] | None:
    """Bounding box (body frame) of all parts that can write a non-zero label."""
    boxes = [part.bounds for part in scene.parts
             if any(int(getattr(part, name, 0) or 0) > 0 for name in _LABEL_ATTRIBUTES)]
    if not boxes:
        return None
    return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


def scene_label_volumes_ml(scene: Scene, rng: np.random.Generator, max_points: int = 700_000,
                           min_spacing_mm: float = 0.75) -> tuple[dict[int, float], float]:
    """Volume (mL) of every non-zero label value in the continuous scene, and the sampling cell (mm)."""
    box = labelled_bounds(scene)
    if box is None:
        return {}, 0.0
    lo, hi = box
    extent = hi - lo
    h = max(min_spacing_mm, float((np.prod(extent) / max_points) ** (1 / 3)))
    offset = rng.uniform(0, h, 3)
    axes = [np.arange(lo[c] + offset[c], hi[c], h, dtype=np.float64) for c in range(3)]
    shape = (len(axes[2]), len(axes[1]), len(axes[0]))
    tz = np.zeros((shape[0], 3), np.float32)
    ty = np.zeros((shape[1], 3), np.float32)
    tx = np.zeros((shape[2], 3), np.float32)
    tz[:, 2], ty[:, 1], tx[:, 0] = axes[2], axes[1], axes[0]

    def make(sl):
        return (np.broadcast_to(tx[sl[2], 0][None, None, :], (len(tz[sl[0]]), len(ty[sl[1]]), len(tx[sl[2]]))),
                np.broadcast_to(ty[sl[1], 1][None, :, None], (len(tz[sl[0]]), len(ty[sl[1]]), len(tx[sl[2]]))),
                np.broadcast_to(tz[sl[0], 2][:, None, None], (len(tz[sl[0]]), len(ty[sl[1]]), len(tx[sl[2]]))),
                (tz[sl[0]], ty[sl[1]], tx[sl[2]]))

    _, lab = paint_grid(scene, shape, make, (16, 96, 96))
    counts = np.bincount(lab.ravel(), minlength=256)
    cell_ml = h ** 3 / 1000.0
    return {int(v): float(counts[v] * cell_ml) for v in np.flatnonzero(counts) if v > 0}, h
