"""Expected contour of a surface across the gap a lesion leaves: a smooth height field fitted around it.

A reader judging how far a fibroid protrudes into the cavity or beyond the serosa draws the contour the
wall would have without the fibroid, continuing the surface on either side across the fibroid's base.
This module does the same in 3D:

1. Surface voxels of the tissue (e.g. the last uterine voxels before the outside) in a ring around the
   lesion: farther than ``exclusion_mm`` from it (the lesion and the tissue it drapes or displaces) and
   at most ``exclusion_mm + ring_mm`` from it.
2. Their outward normals (gradient of the tissue mask smoothed with a Gaussian of about one voxel). Only
   points facing within 60° of the sheet beside the lesion are kept (not the far wall of a thin cavity
   or the opposite serosa), then those within 60° of the mean normal of the kept points. The sheet's
   direction is the mean normal of the ring points nearest to the lesion (serosa), or a thin layer's
   axis of least spread oriented towards the lesion's attachment (the cavity).
3. A quadratic height field ``h(u, v) = a + b·u + c·v + d·u² + e·u·v + f·v²`` over the plane orthogonal
   to that mean normal (least squares; a plane when fewer than :data:`MIN_QUADRATIC_POINTS` points or
   when they do not surround the gap at a spread of distances),
   refitted once without points more than :data:`OUTLIER_VOXELS` voxels off.

The lesion's voxels are then measured by their height above the fitted surface along the normal. A
quadratic bridges a gap smoothly and does not sag into it the way a morphological closing does, but it
assumes the contour is smooth over the ring: a uterus whose wall bends sharply beside the lesion needs a
reader's check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage

MIN_POINTS = 6
MIN_QUADRATIC_POINTS = 30
OUTLIER_VOXELS = 2.0
MAX_OPEN_DEGREES = 120.0
"""A quadratic is fitted only to points all around the gap; a ring open wider than this (a small cavity on
one side of a large fibroid) gets a plane, which does not extrapolate a curvature."""
MIN_RADIAL_SPREAD = 0.25
FACING_COSINE = 0.5
"""Points whose normal is more than 60° from the ring's mean normal belong to another part of the surface."""


@dataclass(frozen=True)
class HeightField:
    """A surface ``height = h(u, v)`` over a plane through ``origin_mm`` orthogonal to ``normal``.

    Coordinates are millimetres on the voxel grid's axes (z, y, x; index × spacing).
    """

    origin_mm: np.ndarray
    normal: np.ndarray
    axes: np.ndarray
    coefficients: np.ndarray
    point_count: int

    def _frame(self, points_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        offset = points_mm - self.origin_mm
        return offset @ self.axes[0], offset @ self.axes[1], offset @ self.normal

    def height_above_mm(self, points_mm: np.ndarray) -> np.ndarray:
        """Signed distance (mm, along the normal) of points above the fitted surface (negative below)."""
        u, v, h = self._frame(points_mm)
        return h - _design(u, v, len(self.coefficients)) @ self.coefficients


def _design(u: np.ndarray, v: np.ndarray, terms: int) -> np.ndarray:
    columns = [np.ones_like(u), u, v, u * u, u * v, v * v]
    return np.stack(columns[:terms], axis=1)


def _plane_axes(normal: np.ndarray) -> np.ndarray:
    helper = np.eye(3)[int(np.argmin(np.abs(normal)))]
    first = np.cross(normal, helper)
    first /= np.linalg.norm(first)
    return np.stack([first, np.cross(normal, first)])


def _supports_curvature(u: np.ndarray, v: np.ndarray, centre: tuple[float, float]) -> bool:
    """Whether points (u, v) determine a curvature across the gap at ``centre``: they lie all around it
    (no empty sector wider than :data:`MAX_OPEN_DEGREES`) and at a spread of distances from it (the
    relative spread of the squared distance at least :data:`MIN_RADIAL_SPREAD`; on a narrow annulus a
    constant and a curvature cannot be told apart)."""
    du, dv = u - centre[0], v - centre[1]
    angles = np.sort(np.degrees(np.arctan2(dv, du)))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 360.0]))
    squared = du * du + dv * dv
    return float(gaps.max()) <= MAX_OPEN_DEGREES and float(squared.std()) >= MIN_RADIAL_SPREAD * float(squared.mean())


def _least_squares(points_mm: np.ndarray, normal: np.ndarray, centre_mm: np.ndarray) -> HeightField:
    origin = points_mm.mean(axis=0)
    axes = _plane_axes(normal)
    offset = points_mm - origin
    u, v, h = offset @ axes[0], offset @ axes[1], offset @ normal
    gap = ((centre_mm - origin) @ axes[0], (centre_mm - origin) @ axes[1])
    terms = 6 if len(points_mm) >= MIN_QUADRATIC_POINTS and _supports_curvature(u, v, gap) else 3
    coefficients, *_ = np.linalg.lstsq(_design(u, v, terms), h, rcond=None)
    return HeightField(origin, normal, axes, coefficients, len(points_mm))


def outward_normals(tissue: np.ndarray, points: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """Unit outward normals (z-y-x, mm frame) of a tissue mask at voxel indices ``points``.

    The normal is minus the gradient of the mask smoothed with a Gaussian of about one (largest) voxel.
    """
    smooth = ndimage.gaussian_filter(tissue.astype(np.float32), float(spacing_zyx.max()) / spacing_zyx)
    gradient = np.empty((len(points), 3), np.float64)
    for axis in range(3):
        ahead, behind = points.copy(), points.copy()
        ahead[:, axis] = np.minimum(points[:, axis] + 1, tissue.shape[axis] - 1)
        behind[:, axis] = np.maximum(points[:, axis] - 1, 0)
        steps = np.maximum(ahead[:, axis] - behind[:, axis], 1).astype(np.float64)
        gradient[:, axis] = (smooth[tuple(ahead.T)] - smooth[tuple(behind.T)].astype(np.float64)) / steps \
            / spacing_zyx[axis]
    return -gradient / (np.linalg.norm(gradient, axis=1, keepdims=True) + 1e-12)


def fit_expected_contour(points_mm: np.ndarray, normals: np.ndarray, spacing_zyx: np.ndarray,
                         facing: np.ndarray, centre_mm: np.ndarray) -> Optional[HeightField]:
    """The smooth surface through ring points (see the module docstring), or None when too few.

    Args:
        points_mm: Ring surface points (n, 3), mm on the grid's z-y-x axes.
        normals: Their unit outward normals (n, 3).
        spacing_zyx: Voxel size (mm), for the outlier tolerance.
        facing: Unit direction the wanted sheet faces (e.g. the normal of the surface next to the lesion);
            points whose normal is more than 60° from it are left out (another sheet: the far wall of a
            thin cavity, the opposite serosa).
        centre_mm: The centre of the gap (the lesion's centroid).

    Returns:
        The fitted height field, its normal pointing outwards, or None.
    """
    keep = np.ones(len(points_mm), bool)
    mean = np.asarray(facing, float)
    for _pass in range(2):
        keep &= normals @ mean >= FACING_COSINE
        if keep.sum() < MIN_POINTS:
            return None
        mean = normals[keep].mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
    fitted = _least_squares(points_mm[keep], mean, centre_mm)
    residual = np.abs(fitted.height_above_mm(points_mm[keep]))
    inliers = residual <= OUTLIER_VOXELS * float(spacing_zyx.max())
    if MIN_POINTS <= inliers.sum() < len(residual):
        fitted = _least_squares(points_mm[keep][inliers], mean, centre_mm)
    return fitted


def nearest_facing(points_mm: np.ndarray, normals: np.ndarray, target_mm: np.ndarray, count: int = 20) -> np.ndarray:
    """Mean unit normal of the ``count`` points nearest to ``target_mm`` (points, n × 3): the sheet beside it."""
    nearest = np.argsort(np.linalg.norm(points_mm - target_mm, axis=1))[:count]
    mean = normals[nearest].mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def thin_axis(points_mm: np.ndarray, towards_mm: np.ndarray) -> np.ndarray:
    """Unit direction of least spread of a thin layer's points, oriented towards ``towards_mm``."""
    centre = points_mm.mean(axis=0)
    _values, vectors = np.linalg.eigh(np.cov((points_mm - centre).T))
    axis = vectors[:, 0]
    return axis if float(axis @ (towards_mm - centre)) >= 0 else -axis


def voxel_depth_mm(normal: np.ndarray, spacing_zyx: np.ndarray) -> float:
    """Width of one voxel along a unit direction (mm): ``Σ_a spacing_a · |n_a|``."""
    return float(np.abs(normal) @ spacing_zyx)
