"""Expected smooth outer contour of an organ: an ellipsoid fitted to its surface, and outward bulges.

Used for the placental bulge (a PAS sign): the uterine serosa away from the placenta is fitted with a
general ellipsoid (algebraic least squares on surface voxel centres in mm, refitted once without points
whose radial residual exceeds :data:`OUTLIER_MM`; no fit when fewer than half the points are within it),
and a surface point's bulge is how far it lies outside
that ellipsoid along the ray from the ellipsoid's centre: ``|p − c| · (1 − 1/ρ)`` with
``ρ² = (p − c)ᵀ M (p − c)``. A fit through part of a surface can still be wrong for the whole organ (the
top face of a box fits a flat ellipsoid 2 mm thick): :func:`describes` accepts the fit only when the solid
ellipsoid and the organ overlap with a Dice of at least :data:`MIN_ORGAN_DICE`, measured on the organ's grid
(so an organ cut by the field of view is compared with the part of the ellipsoid in view). Limit: the
expected contour is an ellipsoid, which suits the pregnant uterus away from the cervix; a uterus cut by the
field of view is fitted only on its visible surface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

OUTLIER_MM = 4.0
MIN_POINTS = 50
MIN_INLIER_FRACTION = 0.5
MIN_ORGAN_DICE = 0.8
"""Least Dice between the fitted solid ellipsoid and the organ for the fit to stand for its expected contour
(phantom uteri 0.98; randomised pregnant uteri with cervix and bulge 0.86-0.97; a box-shaped uterus 0.24)."""


@dataclass(frozen=True)
class FittedEllipsoid:
    """An ellipsoid ``(p − centre)ᵀ matrix (p − centre) = 1`` in mm coordinates."""

    centre: np.ndarray
    matrix: np.ndarray

    def radial_excess_mm(self, points: np.ndarray) -> np.ndarray:
        """Distance outside (positive) or inside (negative) the ellipsoid along the ray from its centre."""
        offset = points - self.centre
        rho = np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", offset, self.matrix, offset), 1e-12))
        return np.linalg.norm(offset, axis=1) * (1.0 - 1.0 / rho)

    def inside(self, shape: tuple[int, int, int], spacing_mm: np.ndarray) -> np.ndarray:
        """Voxels of a grid of ``shape`` (voxel centres at index × ``spacing_mm``, the points' frame) inside
        the ellipsoid."""
        axes = [np.arange(n, dtype=np.float32) * np.float32(s) - np.float32(c)
                for n, s, c in zip(shape, spacing_mm, self.centre)]
        grids = np.meshgrid(*axes, indexing="ij", sparse=True)
        form = sum(float(self.matrix[i, j]) * grids[i] * grids[j] for i in range(3) for j in range(3))
        return form <= 1.0


def describes(fitted: FittedEllipsoid, organ: np.ndarray, spacing_mm: np.ndarray) -> bool:
    """Whether the solid ellipsoid and the organ mask (same grid as the fitted points) overlap with a Dice of
    at least :data:`MIN_ORGAN_DICE`."""
    inside = fitted.inside(organ.shape, spacing_mm)
    overlap = np.count_nonzero(inside & organ)
    return 2.0 * overlap >= MIN_ORGAN_DICE * (np.count_nonzero(inside) + np.count_nonzero(organ))


def _algebraic_fit(points: np.ndarray) -> Optional[FittedEllipsoid]:
    mean = points.mean(axis=0)
    scale = float(np.abs(points - mean).max()) or 1.0
    x, y, z = ((points - mean) / scale).T
    design = np.stack([x * x, y * y, z * z, 2 * x * y, 2 * x * z, 2 * y * z, 2 * x, 2 * y, 2 * z], axis=1)
    v, *_ = np.linalg.lstsq(design, np.ones(len(points)), rcond=None)
    quadratic = np.array([[v[0], v[3], v[4]], [v[3], v[1], v[5]], [v[4], v[5], v[2]]])
    linear = v[6:9]
    try:
        centre = -np.linalg.solve(quadratic, linear)
    except np.linalg.LinAlgError:
        return None
    level = 1.0 + centre @ quadratic @ centre
    matrix = quadratic / level
    if level <= 0 or np.any(np.linalg.eigvalsh(matrix) <= 0):
        return None
    return FittedEllipsoid(centre * scale + mean, matrix / scale ** 2)


def fit_ellipsoid(points_mm: np.ndarray) -> Optional[FittedEllipsoid]:
    """Robust ellipsoid through surface points (mm); ``None`` when they do not describe an ellipsoid."""
    if len(points_mm) < MIN_POINTS:
        return None
    fitted = _algebraic_fit(points_mm)
    if fitted is None:
        return None
    inliers = np.abs(fitted.radial_excess_mm(points_mm)) <= OUTLIER_MM
    if inliers.mean() < MIN_INLIER_FRACTION:
        return None
    if inliers.sum() < len(points_mm):
        fitted = _algebraic_fit(points_mm[inliers]) or fitted
    return fitted
