"""Analytic uterus scenes for FIGO typing: a fibroid ball placed against a known cavity and serosa.

Model frame (mm): the uterus is the ellipsoid x²/a² + y²/b² + z²/c² ≤ 1 with b = cavity half-thickness +
wall thickness; the cavity (endometrium) is the flat ellipsoid with semi-axes (40, ``CAVITY_MM``, 55). The
fibroid sits on the +y axis (anterior wall), where the junction is the plane y = CAVITY_MM and the serosa
the plane y = b, both tangent to their (gently curved) ellipsoids. Its centre height fixes the truth:
a ball of radius r centred at y = h reaches (h + r − b) beyond the serosa and (CAVITY_MM − (h − r)) into
the cavity. The grid may be anisotropic and turned against the model (an oblique acquisition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

CAVITY_MM = 5.0
DRAPE_MM = 2.5


@dataclass(frozen=True)
class Grid:
    """Voxel spacing (x, y, z; mm) and the rotation (axis, degrees) of the model against the grid."""

    spacing_xyz_mm: tuple[float, float, float] = (1.0, 1.0, 1.0)
    axis: tuple[float, float, float] = (1.0, 0.0, 0.0)
    degrees: float = 0.0

    def rotation(self) -> np.ndarray:
        axis = np.asarray(self.axis, float) / np.linalg.norm(self.axis)
        angle = np.radians(self.degrees)
        cross = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        return np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross


AXIAL = Grid((1.0, 1.0, 1.0))
THICK = Grid((0.8, 0.8, 3.0))
OBLIQUE = Grid((1.0, 1.0, 2.5), (1.0, 0.0, 1.0), 25.0)
FIVE_MM = Grid((0.9, 0.9, 5.0), (0.0, 0.0, 1.0), 20.0)


@dataclass
class Scene:
    """Label masks [k, j, i] of one analytic case and its spacing."""

    fibroid: np.ndarray
    endometrium: np.ndarray
    uterus: np.ndarray
    spacing_xyz_mm: tuple[float, float, float]
    cervix: Optional[np.ndarray] = None
    notes: dict = field(default_factory=dict)


def _model_points(grid: Grid, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Model-frame positions (k, j, i, 3) of the voxel centres of a grid covering the box low..high."""
    spacing = np.asarray(grid.spacing_xyz_mm, float)
    rotation = grid.rotation()
    corners = np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])])
    grid_corners = corners @ rotation            # grid coordinates = rotationᵀ · model
    start, stop = grid_corners.min(axis=0), grid_corners.max(axis=0)
    counts = np.ceil((stop - start) / spacing).astype(int) + 1
    axes = [start[a] + spacing[a] * np.arange(counts[a]) for a in range(3)]
    zz, yy, xx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    grid_points = np.stack([xx, yy, zz], axis=-1)
    return grid_points @ rotation.T


def _ellipsoid(points: np.ndarray, radii: tuple[float, float, float], centre=(0.0, 0.0, 0.0)) -> np.ndarray:
    return (((points - np.asarray(centre)) / np.asarray(radii)) ** 2).sum(axis=-1) <= 1.0


def _ball(points: np.ndarray, centre, radius: float) -> np.ndarray:
    return np.linalg.norm(points - np.asarray(centre), axis=-1) <= radius


def _stalk(points: np.ndarray, start, end, radius: float) -> np.ndarray:
    start, end = np.asarray(start, float), np.asarray(end, float)
    axis = (end - start) / np.linalg.norm(end - start)
    relative = points - start
    along = relative @ axis
    radial = np.linalg.norm(relative - along[..., None] * axis, axis=-1)
    return (along >= 0) & (along <= np.linalg.norm(end - start)) & (radial <= radius)


def scene(grid: Grid, radius_mm: float, centre_y_mm: float, wall_mm: float = 30.0, drape: str = "none",
          stalk_to: Optional[str] = None, stalk_radius_mm: float = 2.0, cervix: bool = False,
          drape_mm: float = DRAPE_MM) -> Scene:
    """One fibroid ball of ``radius_mm`` centred at (0, ``centre_y_mm``, 0) in the anterior wall.

    Args:
        grid: The acquisition grid.
        radius_mm: Fibroid radius.
        centre_y_mm: Fibroid centre height (junction at CAVITY_MM, serosa at CAVITY_MM + wall_mm).
        wall_mm: Anterior wall thickness.
        drape: ``"none"``; ``"cavity-side"`` (the endometrium covers the fibroid's part inside the cavity,
            the cavity distended around it); ``"all"`` (an intracavitary fibroid wrapped in endometrium).
        stalk_to: ``"wall"`` (a stalk from the fibroid up into the anterior wall) or ``"serosa"`` (from the
            serosa to a fibroid outside), or None.
        stalk_radius_mm: The stalk's radius.
        cervix: Replace the uterus around the fibroid by cervical tissue (a block below the corpus).
        drape_mm: Thickness of the endometrium draped over the fibroid.
    """
    serosa = CAVITY_MM + wall_mm
    radii = (70.0, serosa, 90.0)
    reach = radius_mm + 24.0
    low = np.array([-reach, min(-CAVITY_MM - 10.0, centre_y_mm - reach), -reach])
    high = np.array([reach, max(serosa + 8.0, centre_y_mm + reach), reach])
    points = _model_points(grid, low, high)
    uterus = _ellipsoid(points, radii)
    cavity = _ellipsoid(points, (40.0, CAVITY_MM, 55.0))
    centre = np.array([0.0, centre_y_mm, 0.0])
    fibroid = _ball(points, centre, radius_mm)
    cervix_mask = None
    if drape == "cavity-side":
        cavity |= _ball(points, centre, radius_mm + drape_mm) & (points[..., 1] < CAVITY_MM)
    elif drape == "all":
        cavity |= _ball(points, centre, radius_mm + drape_mm)
    uterus |= cavity
    if stalk_to == "wall":
        uterus |= _stalk(points, centre, centre + [0.0, radius_mm + drape_mm + 4.0, 0.0], stalk_radius_mm)
        cavity &= ~_stalk(points, centre, centre + [0.0, radius_mm + drape_mm + 4.0, 0.0], stalk_radius_mm)
    elif stalk_to == "serosa":
        uterus |= _stalk(points, [0.0, serosa - 3.0, 0.0], centre, stalk_radius_mm)
    if cervix:
        cervix_mask = points[..., 2] < 0.0
        uterus &= ~cervix_mask
        cavity &= ~cervix_mask
        fibroid = _ball(points, [0.0, 0.0, -reach / 2], radius_mm)
        cervix_mask &= ~fibroid
    uterus |= fibroid
    endometrium = cavity & ~fibroid
    return Scene(fibroid, endometrium, uterus, grid.spacing_xyz_mm, cervix_mask,
                 {"serosa_mm": serosa, "centre_y_mm": centre_y_mm})
