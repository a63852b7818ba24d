"""Shape primitives of the training scenes (LPS millimetres), with bounding boxes for fast painting.

- :class:`Blob`: an ellipsoid whose radius is modulated by lobes (lobulated fibroids, ovaries, masses;
  with no lobes it is an exact ellipsoid).
- :class:`Tube`: an elliptical cross-section swept along a smooth curve with a radius profile and round
  end caps (uterus with cervix along a flexed axis, bowel loops, vessels, muscles, vagina).
- :class:`Prism`: a superellipse cross-section extruded along z (body outline, abdominal wall).
- :class:`Slab`: the points within a distance of a plane (septa), meant to be intersected.
- :class:`Intersection`, :class:`Difference`: combinations, bounded by their first shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.spatial import cKDTree


def unit(vector) -> np.ndarray:
    """The vector scaled to length 1."""
    vector = np.asarray(vector, float)
    return vector / np.linalg.norm(vector)


def rotation(axis, angle_rad: float) -> np.ndarray:
    """3x3 rotation about ``axis`` by ``angle_rad`` (right-handed)."""
    axis = unit(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle_rad) * k + (1 - np.cos(angle_rad)) * (k @ k)


def random_rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """A rotation by up to ``max_deg`` about a random axis."""
    return rotation(rng.normal(size=3), np.radians(rng.uniform(-max_deg, max_deg)))


@dataclass(frozen=True)
class Lobe:
    """A bump of the radius: ``amplitude · max(0, d·direction)^sharpness`` for unit direction d."""

    direction: tuple[float, float, float]
    amplitude: float
    sharpness: float = 4.0


def random_lobes(rng: np.random.Generator, count: int, amplitude: tuple[float, float],
                 sharpness: tuple[float, float] = (3.0, 10.0)) -> tuple[Lobe, ...]:
    """``count`` lobes in random directions with amplitudes and sharpness drawn from the ranges."""
    return tuple(Lobe(tuple(unit(rng.normal(size=3))), float(rng.uniform(*amplitude)), float(rng.uniform(*sharpness)))
                 for _ in range(count))


@dataclass(frozen=True)
class Blob:
    """An ellipsoid (centre, semi-axes along the columns of ``rotation``) with lobulated radius."""

    centre_lps_mm: tuple[float, float, float]
    radii_mm: tuple[float, float, float]
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    lobes: tuple[Lobe, ...] = ()

    def _reach(self) -> float:
        return max(self.radii_mm) * (1.0 + sum(max(lobe.amplitude, 0.0) for lobe in self.lobes))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Box containing the blob."""
        centre = np.asarray(self.centre_lps_mm, float)
        if not self.lobes:
            extent = np.sqrt(((np.asarray(self.rotation) * np.asarray(self.radii_mm)) ** 2).sum(axis=1))
        else:
            extent = np.full(3, self._reach())
        return centre - extent, centre + extent

    def local(self, points: np.ndarray) -> np.ndarray:
        """Points in the blob frame, scaled by the semi-axes (unit sphere = ellipsoid surface)."""
        offset = points - np.asarray(self.centre_lps_mm, np.float32)
        return (offset @ np.asarray(self.rotation, np.float32)) / np.asarray(self.radii_mm, np.float32)

    def rho(self, points: np.ndarray) -> np.ndarray:
        """Normalised radius: < 1 inside, 1 on the surface."""
        scaled = self.local(points)
        radius = np.sqrt(np.sum(scaled * scaled, axis=-1))
        if not self.lobes:
            return radius
        direction = scaled / (radius[..., None] + 1e-6)
        factor = np.ones(radius.shape, np.float32)
        for lobe in self.lobes:
            cosine = np.clip(direction @ np.asarray(lobe.direction, np.float32), 0.0, None)
            factor += np.float32(lobe.amplitude) * cosine ** np.float32(lobe.sharpness)
        return radius / np.maximum(factor, 0.2)

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points inside the blob."""
        return self.rho(points) < 1.0

    def grown(self, margin_mm: float) -> "Blob":
        """The same blob with every semi-axis longer by ``margin_mm`` (a shell's outer surface)."""
        return Blob(self.centre_lps_mm, tuple(r + margin_mm for r in self.radii_mm), self.rotation, self.lobes)

    def surface_point(self, direction_local) -> np.ndarray:
        """LPS point of the ellipsoid surface (lobes ignored) along a direction of the blob frame."""
        d = unit(direction_local)
        distance = 1.0 / np.sqrt(np.sum((d / np.asarray(self.radii_mm)) ** 2))
        return np.asarray(self.centre_lps_mm) + np.asarray(self.rotation) @ (d * distance)

    @property
    def volume_ml(self) -> float:
        """Volume of the ellipsoid without lobes (4/3·π·a·b·c), mL."""
        return float(4.0 / 3.0 * np.pi * np.prod(self.radii_mm) / 1000.0)


def smooth_curve(control_lps_mm: Sequence[Sequence[float]], step_mm: float = 1.0) -> np.ndarray:
    """Points every ~``step_mm`` along a Catmull-Rom spline through the control points (N, 3)."""
    control = np.asarray(control_lps_mm, float)
    if len(control) < 2:
        raise ValueError("a curve needs at least two control points")
    padded = np.vstack([2 * control[0] - control[1], control, 2 * control[-1] - control[-2]])
    pieces = []
    for index in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[index - 1:index + 3]
        count = max(int(np.ceil(np.linalg.norm(p2 - p1) / step_mm * 2)), 2)
        t = np.linspace(0.0, 1.0, count, endpoint=False)[:, None]
        pieces.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                             + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    pieces.append(control[-1:])
    dense = np.vstack(pieces)
    length = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(dense, axis=0), axis=1))])
    samples = np.arange(0.0, length[-1] + 1e-9, step_mm)
    if samples[-1] < length[-1] - 1e-6:
        samples = np.append(samples, length[-1])
    return np.stack([np.interp(samples, length, dense[:, axis]) for axis in range(3)], axis=1)


@dataclass
class Tube:
    """An elliptical cross-section swept along a centre line (points ~1 mm apart) with round end caps.

    ``radius_1_mm``/``radius_2_mm`` are per centre-line point (or one value) along two normals that follow
    the curve by parallel transport from ``reference`` (the first normal is the component of ``reference``
    across the start of the curve).
    """

    centre_line: np.ndarray
    radius_1_mm: np.ndarray | float
    radius_2_mm: np.ndarray | float
    reference: tuple[float, float, float] = (1.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        line = np.asarray(self.centre_line, float)
        count = len(line)
        self.centre_line = line
        self.radius_1_mm = np.broadcast_to(np.asarray(self.radius_1_mm, float), (count,)).copy()
        self.radius_2_mm = np.broadcast_to(np.asarray(self.radius_2_mm, float), (count,)).copy()
        tangents = np.gradient(line, axis=0) if count > 1 else np.array([[0.0, 0.0, 1.0]])
        tangents /= np.linalg.norm(tangents, axis=1, keepdims=True) + 1e-12
        normals = np.empty_like(tangents)
        normal = np.asarray(self.reference, float) - tangents[0] * float(np.dot(self.reference, tangents[0]))
        if np.linalg.norm(normal) < 1e-6:
            normal = np.cross(tangents[0], [0.0, 1.0, 0.0] if abs(tangents[0][1]) < 0.9 else [1.0, 0.0, 0.0])
        normal = unit(normal)
        for index, tangent in enumerate(tangents):   # parallel transport: no twist along the curve
            normal = normal - tangent * float(np.dot(normal, tangent))
            normal = unit(normal)
            normals[index] = normal
        self._tangents, self._normals_1 = tangents, normals
        self._normals_2 = np.cross(tangents, normals)
        self._step = float(np.median(np.linalg.norm(np.diff(line, axis=0), axis=1))) if count > 1 else 1.0
        self._tree = cKDTree(line)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Box containing the tube."""
        reach = float(max(self.radius_1_mm.max(), self.radius_2_mm.max()))
        return self.centre_line.min(axis=0) - reach, self.centre_line.max(axis=0) + reach

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points inside the tube (nearest centre-line point, its elliptical cross-section, caps at the ends)."""
        flat = points.reshape(-1, 3)
        reach = float(max(self.radius_1_mm.max(), self.radius_2_mm.max()))
        distance, nearest = self._tree.query(flat, distance_upper_bound=reach + self._step, workers=2)
        result = np.zeros(len(flat), bool)
        near = np.isfinite(distance)
        index = nearest[near]
        offset = flat[near] - self.centre_line[index]
        r1, r2 = self.radius_1_mm[index], self.radius_2_mm[index]
        u = np.einsum("ij,ij->i", offset, self._normals_1[index]) / r1
        v = np.einsum("ij,ij->i", offset, self._normals_2[index]) / r2
        w = np.abs(np.einsum("ij,ij->i", offset, self._tangents[index]))
        at_end = (index == 0) | (index == len(self.centre_line) - 1)
        excess = np.where(at_end, np.maximum(w - self._step / 2.0, 0.0), 0.0) / np.minimum(r1, r2)
        result[near] = u * u + v * v + excess * excess < 1.0
        return result.reshape(points.shape[:-1])

    @property
    def length_mm(self) -> float:
        """Length of the centre line."""
        return float(np.linalg.norm(np.diff(self.centre_line, axis=0), axis=1).sum())


@dataclass(frozen=True)
class Prism:
    """A superellipse ``|dx/a|^e + |dy/b|^e < 1`` around (cx, cy), extruded from z_low to z_high."""

    centre_xy_mm: tuple[float, float]
    half_axes_mm: tuple[float, float]
    exponent: float
    z_range_mm: tuple[float, float]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Box containing the prism."""
        cx, cy = self.centre_xy_mm
        a, b = self.half_axes_mm
        return np.array([cx - a, cy - b, self.z_range_mm[0]]), np.array([cx + a, cy + b, self.z_range_mm[1]])

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points inside the prism."""
        dx = np.abs(points[..., 0] - self.centre_xy_mm[0]) / self.half_axes_mm[0]
        dy = np.abs(points[..., 1] - self.centre_xy_mm[1]) / self.half_axes_mm[1]
        z = points[..., 2]
        return (dx ** self.exponent + dy ** self.exponent < 1.0) & (z >= self.z_range_mm[0]) & (z <= self.z_range_mm[1])


@dataclass(frozen=True)
class Slab:
    """Points within ``half_thickness_mm`` of the plane through ``point`` with ``normal`` (unbounded:
    use it as the second shape of an :class:`Intersection`)."""

    point_lps_mm: tuple[float, float, float]
    normal: tuple[float, float, float]
    half_thickness_mm: float

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Unbounded."""
        return np.full(3, -np.inf), np.full(3, np.inf)

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points within the slab."""
        offset = (points - np.asarray(self.point_lps_mm, np.float32)) @ np.asarray(unit(self.normal), np.float32)
        return np.abs(offset) < self.half_thickness_mm


@dataclass(frozen=True)
class HalfSpace:
    """Points on the side of a plane that ``normal`` points to (unbounded; intersect it)."""

    point_lps_mm: tuple[float, float, float]
    normal: tuple[float, float, float]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Unbounded."""
        return np.full(3, -np.inf), np.full(3, np.inf)

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points in front of the plane."""
        return (points - np.asarray(self.point_lps_mm, np.float32)) @ np.asarray(unit(self.normal), np.float32) > 0


@dataclass(frozen=True)
class Intersection:
    """Points inside every shape; bounded by the first one."""

    shapes: tuple

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the first shape."""
        return self.shapes[0].bounds()

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points inside all shapes."""
        mask = self.shapes[0].inside(points)
        for shape in self.shapes[1:]:
            mask &= shape.inside(points)
        return mask


@dataclass(frozen=True)
class Difference:
    """Points inside the first shape and outside all the others."""

    shapes: tuple

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the first shape."""
        return self.shapes[0].bounds()

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Points of the first shape not in any other."""
        mask = self.shapes[0].inside(points)
        for shape in self.shapes[1:]:
            mask &= ~shape.inside(points)
        return mask
