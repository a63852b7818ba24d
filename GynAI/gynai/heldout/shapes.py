"""Implicit shape primitives and smooth set operations (signed distances in millimetres, body frame).

Every shape gives an (approximate) signed distance ``sdf(x, y, z)``: negative inside, zero on the
surface, about the distance to the surface elsewhere, plus an axis-aligned box ``bounds`` that contains
the inside. The distances of superellipsoids are measured along rays from the centre, exact on the
principal axes and close to the true distance for moderate aspect ratios; they serve for thin shells,
offsets and smooth unions. Volumes of undeformed superellipsoids are known in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.special import beta

from gynai.heldout.frames import to_local
from gynai.heldout.sdfmath import power, root, smooth_max, smooth_min

Bounds = tuple[np.ndarray, np.ndarray]
_EPS = 1e-6


class Shape:
    """Base class: a solid given by a signed distance and a bounding box."""

    bounds: Bounds

    def sdf(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:  # pragma: no cover
        """Signed distance in mm at body-frame points."""
        raise NotImplementedError

    def offset(self, mm: float) -> "Shape":
        """The shape grown (``mm`` > 0) or shrunk (``mm`` < 0) by about ``mm``."""
        return Offset(self, mm)

    def need_exact_within(self, mm: float) -> None:
        """Ask for faithful distances up to ``mm`` outside the surface (parts may otherwise be skipped)."""


def _box(lo: Sequence[float], hi: Sequence[float]) -> Bounds:
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


@dataclass
class Superellipsoid(Shape):
    """Barr superellipsoid ``(|x/a|^(2/e2) + |y/b|^(2/e2))^(e2/e1) + |z/c|^(2/e1) <= 1`` in a local frame.

    Attributes:
        center: Body-frame centre (mm).
        radii_mm: Semi-axes a, b, c along the local x, y, z axes.
        e1: North-south roundness (1 = ellipsoid, < 1 boxier, > 1 pinched).
        e2: East-west roundness.
        rotation: Columns = local axes in the body frame.
        bend_per_mm: Bends the local z of the solid by ``bend * (x^2 + y^2)`` (a curved plate or bowl).
    """

    center: np.ndarray
    radii_mm: tuple[float, float, float]
    e1: float = 1.0
    e2: float = 1.0
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    bend_per_mm: float = 0.0

    def __post_init__(self) -> None:
        self.center = np.asarray(self.center, dtype=float)
        self.rotation = np.asarray(self.rotation, dtype=float)
        a, b, c = self.radii_mm
        reach = np.array([a, b, c + abs(self.bend_per_mm) * max(a, b) ** 2])
        half = np.abs(self.rotation) @ reach
        self.bounds = _box(self.center - half, self.center + half)

    @property
    def volume_mm3(self) -> float:
        """Analytic volume (valid without bend): 2abc e1 e2 B(e1/2 + 1, e1) B(e2/2, e2/2)."""
        a, b, c = self.radii_mm
        return float(2 * a * b * c * self.e1 * self.e2 * beta(self.e1 / 2 + 1, self.e1)
                     * beta(self.e2 / 2, self.e2 / 2))

    def sdf(self, x, y, z):
        xl, yl, zl = to_local(x, y, z, self.center, self.rotation)
        if self.bend_per_mm:
            zl = zl - float(self.bend_per_mm) * (xl * xl + yl * yl)
        a, b, c = (float(r) for r in self.radii_mm)
        ax, ay, az = np.abs(xl) / a, np.abs(yl) / b, np.abs(zl) / c
        if self.e1 == 1.0 and self.e2 == 1.0:
            rho = np.sqrt(ax * ax + ay * ay + az * az)
        else:
            p2, p1 = round(2.0 / self.e2, 9), round(2.0 / self.e1, 9)
            xy = power(power(ax, p2) + power(ay, p2), round(p1 / p2, 9))
            rho = root(xy + power(az, p1), p1)
        radius = np.sqrt(xl * xl + yl * yl + zl * zl)
        surface = np.where(rho > 1e-3, radius / np.maximum(rho, _EPS), min(a, b, c))
        return (rho - 1.0) * surface


@dataclass
class Tube(Shape):
    """A chain of cone segments along a polyline: radius varies linearly along each segment.

    Attributes:
        points: (N, 3) body-frame polyline vertices.
        radii_mm: (N,) radius at each vertex.
        smooth_mm: Blend between consecutive segments (0 = plain union).
    """

    points: np.ndarray
    radii_mm: np.ndarray
    smooth_mm: float = 0.0
    exact_mm: float = 0.0

    def need_exact_within(self, mm: float) -> None:
        self.exact_mm = max(self.exact_mm, float(mm))

    def offset(self, mm: float) -> Shape:
        """A capsule chain grown by ``mm`` is the chain with radii + ``mm`` (exact)."""
        if self.smooth_mm == 0 and float(self.radii_mm.min()) + mm > 0:
            return Tube(self.points, self.radii_mm + mm, 0.0, self.exact_mm)
        return Offset(self, mm)

    def pieces(self) -> list["Tube"]:
        """One two-point tube per segment (their union is this tube when it is not smoothed)."""
        if self.smooth_mm or len(self.points) <= 2:
            return [self]
        return [Tube(self.points[i:i + 2], self.radii_mm[i:i + 2], 0.0, self.exact_mm)
                for i in range(len(self.points) - 1)]

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, dtype=float)
        self.radii_mm = np.broadcast_to(np.asarray(self.radii_mm, dtype=float), (len(self.points),)).copy()
        pad = float(self.radii_mm.max()) + self.smooth_mm
        self.bounds = _box(self.points.min(axis=0) - pad, self.points.max(axis=0) + pad)

    def sdf(self, x, y, z):
        result = None
        lo = np.array([x.min(), y.min(), z.min()])
        hi = np.array([x.max(), y.max(), z.max()])
        pad = float(self.radii_mm.max()) + self.smooth_mm + self.exact_mm + 1.0
        for i in range(len(self.points) - 1):
            a, b = self.points[i], self.points[i + 1]
            if np.any(np.minimum(a, b) - pad > hi) or np.any(np.maximum(a, b) + pad < lo):
                continue
            seg = b - a
            length2 = float(seg @ seg)
            dx, dy, dz = x - float(a[0]), y - float(a[1]), z - float(a[2])
            t = (dx * float(seg[0]) + dy * float(seg[1]) + dz * float(seg[2])) * (1.0 / max(length2, _EPS))
            t = np.clip(t, 0.0, 1.0)
            ex, ey, ez = dx - t * float(seg[0]), dy - t * float(seg[1]), dz - t * float(seg[2])
            r = float(self.radii_mm[i]) + t * float(self.radii_mm[i + 1] - self.radii_mm[i])
            d = np.sqrt(ex * ex + ey * ey + ez * ez) - r
            result = d if result is None else smooth_min(result, d, self.smooth_mm)
        if result is None:
            return np.full(np.shape(x), pad, dtype=np.float32)
        return result


@dataclass
class Slab(Shape):
    """The slab ``|(p - c) . n| <= thickness/2`` limited to given bounds (a septum, a plane layer)."""

    center: np.ndarray
    normal: np.ndarray
    thickness_mm: float
    bounds: Bounds = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.center = np.asarray(self.center, dtype=float)
        self.normal = np.asarray(self.normal, dtype=float) / np.linalg.norm(self.normal)
        if self.bounds is None:
            self.bounds = _box(self.center - 1e4, self.center + 1e4)

    def sdf(self, x, y, z):
        n, c = self.normal, self.center
        d = (x - float(c[0])) * float(n[0]) + (y - float(c[1])) * float(n[1]) + (z - float(c[2])) * float(n[2])
        return np.abs(d) - float(self.thickness_mm) / 2.0


@dataclass
class Union(Shape):
    """Union of shapes, optionally smooth (blend radius ``smooth_mm``)."""

    shapes: Sequence[Shape]
    smooth_mm: float = 0.0
    exact_mm: float = 0.0

    def need_exact_within(self, mm: float) -> None:
        self.exact_mm = max(self.exact_mm, float(mm))
        for shape in self.shapes:
            shape.need_exact_within(mm + self.smooth_mm)

    def __post_init__(self) -> None:
        for shape in self.shapes:
            shape.need_exact_within(self.smooth_mm)
        self.bounds = _box(np.min([s.bounds[0] for s in self.shapes], axis=0) - self.smooth_mm,
                           np.max([s.bounds[1] for s in self.shapes], axis=0) + self.smooth_mm)

    def sdf(self, x, y, z):
        margin = self.smooth_mm + self.exact_mm + 1.0
        lo = np.array([x.min(), y.min(), z.min()]) - margin
        hi = np.array([x.max(), y.max(), z.max()]) + margin
        result = None
        for shape in self.shapes:
            if result is not None and (np.any(shape.bounds[0] > hi) or np.any(shape.bounds[1] < lo)):
                continue
            d = shape.sdf(x, y, z)
            result = d if result is None else smooth_min(result, d, self.smooth_mm)
        return result


@dataclass
class Intersection(Shape):
    """Points inside both shapes."""

    first: Shape
    second: Shape

    def need_exact_within(self, mm: float) -> None:
        self.first.need_exact_within(mm)
        self.second.need_exact_within(mm)

    def __post_init__(self) -> None:
        self.bounds = _box(np.maximum(self.first.bounds[0], self.second.bounds[0]),
                           np.minimum(self.first.bounds[1], self.second.bounds[1]))

    def sdf(self, x, y, z):
        return np.maximum(self.first.sdf(x, y, z), self.second.sdf(x, y, z))


@dataclass
class Difference(Shape):
    """Points of ``first`` outside ``second`` (smoothly carved when ``smooth_mm`` > 0)."""

    first: Shape
    second: Shape
    smooth_mm: float = 0.0

    def need_exact_within(self, mm: float) -> None:
        self.first.need_exact_within(mm + self.smooth_mm)

    def __post_init__(self) -> None:
        self.second.need_exact_within(self.smooth_mm + 1.0)
        self.bounds = self.first.bounds

    def sdf(self, x, y, z):
        return smooth_max(self.first.sdf(x, y, z), -self.second.sdf(x, y, z), self.smooth_mm)


@dataclass
class Offset(Shape):
    """A shape grown by ``mm`` (shrunk when negative)."""

    inner: Shape
    mm: float

    def need_exact_within(self, mm: float) -> None:
        self.inner.need_exact_within(mm + max(self.mm, 0.0))

    def __post_init__(self) -> None:
        self.inner.need_exact_within(max(self.mm, 0.0))
        grow = max(self.mm, 0.0)
        self.bounds = _box(self.inner.bounds[0] - grow, self.inner.bounds[1] + grow)

    def sdf(self, x, y, z):
        return self.inner.sdf(x, y, z) - float(self.mm)


@dataclass
class Displaced(Shape):
    """A shape whose surface is pushed along its normal by a smooth field (``field`` in mm, + = outward)."""

    inner: Shape
    field: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    max_mm: float

    def need_exact_within(self, mm: float) -> None:
        self.inner.need_exact_within(mm + self.max_mm)

    def __post_init__(self) -> None:
        self.inner.need_exact_within(self.max_mm)
        self.bounds = _box(self.inner.bounds[0] - self.max_mm, self.inner.bounds[1] + self.max_mm)

    def sdf(self, x, y, z):
        return self.inner.sdf(x, y, z) - self.field(x, y, z)


def displaced(shape: Shape, wave_field) -> Shape:
    """Shortcut: ``shape`` displaced by a :class:`~gynai.heldout.fields.PlaneWaves` field."""
    return Displaced(shape, wave_field, wave_field.max_abs_mm)
