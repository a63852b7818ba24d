"""The grid a training scene is painted on: an axis-aligned LPS grid of isotropic voxels.

Shapes are painted only inside their bounding box, so a scene of a few million voxels with dozens of
structures is drawn in seconds. The canvas holds a *tissue* map (indices into
:data:`gynai.synth.tissues.TISSUES`); task labels are derived from it afterwards
(:func:`gynai.synth.tissues.labels_from_tissue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gynai.synth.tissues import tissue_index


class Shape(Protocol):
    """What the canvas needs of a shape: LPS bounds and an inside test on LPS points (..., 3)."""

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Low and high LPS corners (mm) of a box that contains the shape."""

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask of the points inside the shape."""


@dataclass
class SceneCanvas:
    """An axis-aligned isotropic grid in LPS with a tissue map indexed [z, y, x].

    Attributes:
        spacing_mm: Isotropic voxel size.
        origin_lps_mm: LPS position of the centre of voxel [0, 0, 0] (x, y, z order).
        tissue: Tissue index per voxel, uint8, shape (nz, ny, nx).
    """

    spacing_mm: float
    origin_lps_mm: np.ndarray
    tissue: np.ndarray

    @classmethod
    def covering(cls, low_lps_mm, high_lps_mm, spacing_mm: float, fill: str = "air") -> "SceneCanvas":
        """A canvas covering the box [low, high] (LPS mm), filled with one tissue."""
        low, high = np.asarray(low_lps_mm, float), np.asarray(high_lps_mm, float)
        size_xyz = np.maximum(np.ceil((high - low) / spacing_mm).astype(int), 1)
        tissue = np.full(tuple(size_xyz[::-1]), tissue_index(fill), np.uint8)
        return cls(float(spacing_mm), low + spacing_mm / 2.0, tissue)

    @property
    def shape_zyx(self) -> tuple[int, int, int]:
        """Array shape (nz, ny, nx)."""
        return tuple(int(n) for n in self.tissue.shape)  # type: ignore[return-value]

    def window(self, low_lps_mm: np.ndarray, high_lps_mm: np.ndarray) -> tuple[tuple[slice, ...], np.ndarray] | None:
        """The array window covering a box and the LPS points of its voxel centres (z, y, x, 3), or None
        when the box misses the canvas."""
        first = np.floor((np.asarray(low_lps_mm) - self.origin_lps_mm) / self.spacing_mm).astype(int)
        last = np.ceil((np.asarray(high_lps_mm) - self.origin_lps_mm) / self.spacing_mm).astype(int) + 1
        size_xyz = np.array(self.tissue.shape[::-1])
        first, last = np.clip(first, 0, size_xyz), np.clip(last, 0, size_xyz)
        if np.any(last <= first):
            return None
        axes = [self.origin_lps_mm[a] + self.spacing_mm * np.arange(first[a], last[a], dtype=np.float32)
                for a in range(3)]
        z, y, x = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
        points = np.stack([x, y, z], axis=-1).astype(np.float32)
        box = (slice(first[2], last[2]), slice(first[1], last[1]), slice(first[0], last[0]))
        return box, points

    def mask(self, shape: Shape) -> tuple[tuple[slice, ...], np.ndarray] | None:
        """The window of a shape's bounds and the shape's inside mask there (None when off the canvas)."""
        found = self.window(*shape.bounds())
        if found is None:
            return None
        box, points = found
        return box, shape.inside(points)

    def paint(self, shape: Shape, tissue: str, only: tuple[str, ...] | None = None) -> int:
        """Set the tissue of the voxels inside ``shape``; with ``only``, just where the tissue is one of
        those names. Returns the number of voxels painted."""
        found = self.mask(shape)
        if found is None:
            return 0
        box, inside = found
        if only is not None:
            current = self.tissue[box]
            inside &= np.isin(current, [tissue_index(name) for name in only])
        self.tissue[box][inside] = tissue_index(tissue)
        return int(inside.sum())

    def count(self, tissue: str) -> int:
        """Voxels of one tissue."""
        return int(np.count_nonzero(self.tissue == tissue_index(tissue)))
