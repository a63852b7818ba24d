"""Expected smooth outer contour of an organ: an ellipsoid fitted to its surface, and outward bulges.

Used for the placental bulge (a PAS sign): the uterine serosa away from the placenta is fitted with a
general ellipsoid (algebraic least squares on surface voxel centres in mm, refitted once without points
whose radial residual exceeds :data:`OUTLIER_MM`; no fit when fewer than half the points are within it),
and a surface point's bulge is how far it lies outside
that ellipsoid along the ray from the ellipsoid's centre: ``|p − c| · (1 − 1/ρ)`` with
``ρ² = (p − c)ᵀ M (p − c)``. Limit: the expected contour is an ellipsoid, which suits the pregnant
uterus away from the cervix; a uterus cut by the field of view is fitted only on its visible surface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

OUTLIER_MM = 4.0
MIN_POINTS = 50
MIN_INLIER_FRACTION = 0.5


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
