"""Shared scaffolding of every phantom: the sampling grid and the pelvic background tissues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gynai.image import Geometry
from gynai.phantom.appearance import T2_INTENSITY
from gynai.phantom.config import PhantomConfig
from gynai.phantom.shapes import Ellipsoid, grid_geometry, random_rotation, voxel_points

TISSUES = list(T2_INTENSITY)
"""Tissue names; a tissue map stores indices into this list."""


def tissue_index(name: str) -> int:
    """Index of a tissue name in :data:`TISSUES`."""
    return TISSUES.index(name)


@dataclass
class Canvas:
    """The grid of a phantom with its voxel positions and the tissue and label maps being painted."""

    geometry: Geometry
    size_xyz: tuple[int, int, int]
    points: np.ndarray
    tissue: np.ndarray
    labels: np.ndarray

    def paint(self, mask: np.ndarray, tissue: str, label: int | None = None) -> None:
        """Set tissue (and label, when given) of the masked voxels."""
        self.tissue[mask] = tissue_index(tissue)
        if label is not None:
            self.labels[mask] = label


def make_canvas(rng: np.random.Generator, config: PhantomConfig, centre_lps_mm: np.ndarray) -> Canvas:
    """A grid centred near ``centre_lps_mm`` (random shift and rotation from ``config``), filled with air."""
    direction = random_rotation(rng, config.rotation_deg)
    shift = rng.uniform(-config.shift_mm, config.shift_mm, 3) if config.randomize else np.zeros(3)
    geometry = grid_geometry(config.size_xyz, config.spacing_mm, direction, np.asarray(centre_lps_mm) + shift)
    points = voxel_points(geometry, config.size_xyz)
    shape = points.shape[:3]
    return Canvas(geometry, tuple(config.size_xyz), points, np.full(shape, tissue_index("air"), np.uint8),
                  np.zeros(shape, np.uint8))


def paint_pelvis(canvas: Canvas, rng: np.random.Generator, bladder: bool = True) -> dict:
    """Body fat, pelvic side-wall muscles, bones, rectum and (optionally) the bladder; all label 0.

    Returns:
        Truth about the pelvis: ``muscle_centres_lps_mm`` (centres of the two side-wall muscles).
    """
    muscle_centres = []
    jitter = lambda scale: float(rng.uniform(1 - scale, 1 + scale))  # noqa: E731
    body = Ellipsoid((0.0, 10.0, 0.0), (175 * jitter(0.05), 130 * jitter(0.05), 400.0))
    canvas.paint(body.contains(canvas.points), "fat")
    for side in (-1, 1):
        centre = (side * 70.0 * jitter(0.1), 30.0, 10.0)
        muscle_centres.append(list(centre))
        muscle = Ellipsoid(centre, (18 * jitter(0.2), 25 * jitter(0.2), 90.0))
        canvas.paint(muscle.contains(canvas.points), "muscle")
        bone = Ellipsoid((side * 105.0, 20.0, 0.0), (15.0, 35.0, 80.0))
        canvas.paint(bone.contains(canvas.points), "bone")
    wall = Ellipsoid((0.0, -118.0 * jitter(0.03), 0.0), (120.0, 10.0, 400.0))
    canvas.paint(wall.contains(canvas.points), "muscle")
    rectum = Ellipsoid((0.0, 55.0, -20.0), (16 * jitter(0.2), 15 * jitter(0.2), 45.0))
    canvas.paint(rectum.contains(canvas.points), "rectum")
    if bladder:
        cyst = Ellipsoid((0.0, -45.0, -40.0), (38 * jitter(0.2), 24 * jitter(0.2), 26 * jitter(0.2)))
        canvas.paint(cyst.contains(canvas.points), "bladder")
    return {"muscle_centres_lps_mm": muscle_centres}
