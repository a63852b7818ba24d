"""Analytic shapes in patient LPS millimetres, evaluated at voxel centres of any grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gynai.image import Geometry


def rotation_matrix(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rotation about a unit axis (Rodrigues)."""
    axis = np.asarray(axis, dtype=float)
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle_rad) * k + (1 - np.cos(angle_rad)) * (k @ k)


def random_rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """A rotation by up to ``max_deg`` about a random axis."""
    if max_deg <= 0:
        return np.eye(3)
    return rotation_matrix(rng.normal(size=3), np.radians(rng.uniform(-max_deg, max_deg)))


def grid_geometry(size_xyz: tuple[int, int, int], spacing_mm: tuple[float, float, float], direction: np.ndarray,
                  centre_lps_mm: np.ndarray) -> Geometry:
    """Geometry of a grid whose centre lies at ``centre_lps_mm``."""
    half = direction @ (np.asarray(spacing_mm) * (np.asarray(size_xyz) - 1) / 2.0)
    return Geometry(spacing_mm, tuple(np.asarray(centre_lps_mm) - half), tuple(direction.reshape(-1)))


def voxel_points(geometry: Geometry, size_xyz: tuple[int, int, int]) -> np.ndarray:
    """LPS coordinates of every voxel centre, shape (nk, nj, ni, 3), float32."""
    ni, nj, nk = size_xyz
    k, j, i = np.meshgrid(np.arange(nk), np.arange(nj), np.arange(ni), indexing="ij")
    matrix = geometry.direction_matrix @ np.diag(geometry.spacing_mm)
    points = np.empty((nk, nj, ni, 3), np.float32)
    for axis in range(3):
        points[..., axis] = (matrix[axis, 0] * i + matrix[axis, 1] * j + matrix[axis, 2] * k
                             + geometry.origin_lps_mm[axis])
    return points


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid: centre (LPS mm), semi-axes (mm) along the columns of ``rotation``."""

    centre_lps_mm: tuple[float, float, float]
    radii_mm: tuple[float, float, float]
    rotation: tuple[float, ...] = (1, 0, 0, 0, 1, 0, 0, 0, 1)

    @property
    def matrix(self) -> np.ndarray:
        """3x3 rotation (columns = ellipsoid axes in LPS)."""
        return np.reshape(self.rotation, (3, 3))

    @property
    def volume_ml(self) -> float:
        """Analytic volume 4/3·π·a·b·c in mL."""
        return float(4.0 / 3.0 * np.pi * np.prod(self.radii_mm) / 1000.0)

    def local(self, points: np.ndarray) -> np.ndarray:
        """Coordinates of LPS points in the ellipsoid's own frame (mm)."""
        return (points - np.asarray(self.centre_lps_mm, np.float32)) @ self.matrix.astype(np.float32)

    def rho(self, points: np.ndarray) -> np.ndarray:
        """Normalised radius: < 1 inside, 1 on the surface."""
        scaled = self.local(points) / np.asarray(self.radii_mm, np.float32)
        return np.sqrt(np.sum(scaled * scaled, axis=-1))

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask of points inside."""
        return self.rho(points) < 1.0

    def surface_distance_along(self, direction_local: np.ndarray) -> float:
        """Distance from the centre to the surface along a unit direction of the local frame."""
        d = np.asarray(direction_local, float)
        return float(1.0 / np.sqrt(np.sum((d / np.asarray(self.radii_mm)) ** 2)))

    def to_lps(self, local_point: np.ndarray) -> np.ndarray:
        """LPS position of a point given in the local frame."""
        return np.asarray(self.centre_lps_mm) + self.matrix @ np.asarray(local_point, float)


def cylinder_mask(points: np.ndarray, start: np.ndarray, end: np.ndarray, radius_mm: float) -> np.ndarray:
    """Points within ``radius_mm`` of the segment start–end (a stalk)."""
    axis = np.asarray(end, float) - np.asarray(start, float)
    length = float(np.linalg.norm(axis))
    axis /= length
    relative = points - np.asarray(start, np.float32)
    along = relative @ axis.astype(np.float32)
    radial = relative - along[..., None] * axis.astype(np.float32)
    return (along >= 0) & (along <= length) & (np.sum(radial * radial, axis=-1) < radius_mm ** 2)
