"""Generalised cylinders: superelliptic cross-sections swept along a curved centre line.

A :class:`Centerline` is a polyline with a cross-section frame per segment (``u`` kept close to the
patient's left, ``v`` = tangent x ``u``). Projecting a point gives its arc length ``s``, its in-section
coordinates ``(u, v)`` and, beyond the ends, an along-axis excess ``w``. A :class:`SweptSection` turns that
projection into a signed distance for a half-width / half-depth profile over an arc-length range with
domed (half-ellipsoid) ends. Several sections can share one projection, which is how the uterus, its
cavity and junctional zone are evaluated together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from gynai.heldout.frames import unit
from gynai.heldout.shapes import Shape

Projection = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Centerline:
    """A polyline centre line with per-segment frames.

    Attributes:
        points: (N, 3) body-frame vertices, from the start (s = 0) to the end (s = length).
        lateral_hint: Direction the section's ``u`` axis is kept close to.
    """

    points: np.ndarray
    lateral_hint: tuple[float, float, float] = (1.0, 0.0, 0.0)
    tangents: np.ndarray = field(init=False)
    lengths: np.ndarray = field(init=False)
    starts_s: np.ndarray = field(init=False)
    u_axes: np.ndarray = field(init=False)
    v_axes: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, dtype=float)
        seg = np.diff(self.points, axis=0)
        self.lengths = np.linalg.norm(seg, axis=1)
        self.tangents = seg / self.lengths[:, None]
        self.starts_s = np.concatenate([[0.0], np.cumsum(self.lengths)[:-1]])
        hint = np.asarray(self.lateral_hint, dtype=float)
        self.u_axes = np.stack([unit(hint - (hint @ t) * t) for t in self.tangents])
        self.v_axes = np.cross(self.tangents, self.u_axes)

    @property
    def length_mm(self) -> float:
        """Total arc length."""
        return float(self.lengths.sum())

    def frame_at(self, s_mm: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Point and (tangent, u, v) axes at arc length ``s_mm`` (clamped to the line)."""
        s = float(np.clip(s_mm, 0.0, self.length_mm))
        i = int(np.clip(np.searchsorted(self.starts_s, s, side="right") - 1, 0, len(self.lengths) - 1))
        point = self.points[i] + (s - self.starts_s[i]) * self.tangents[i]
        return point, self.tangents[i], self.u_axes[i], self.v_axes[i]

    def project(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> Projection:
        """Arc length, section coordinates (u, v) and along-axis excess w of the nearest line point."""
        best = s_out = u_out = v_out = w_out = None
        for i in range(len(self.lengths)):
            a, t = self.points[i], self.tangents[i]
            dx, dy, dz = x - float(a[0]), y - float(a[1]), z - float(a[2])
            q = dx * float(t[0]) + dy * float(t[1]) + dz * float(t[2])
            lo = 0.0 if i > 0 else -np.inf
            hi = float(self.lengths[i]) if i < len(self.lengths) - 1 else np.inf
            tc = np.clip(q, 0.0, float(self.lengths[i]))
            ex, ey, ez = dx - tc * float(t[0]), dy - tc * float(t[1]), dz - tc * float(t[2])
            d2 = ex * ex + ey * ey + ez * ez
            ua, va = self.u_axes[i], self.v_axes[i]
            u = ex * float(ua[0]) + ey * float(ua[1]) + ez * float(ua[2])
            v = ex * float(va[0]) + ey * float(va[1]) + ez * float(va[2])
            w = np.clip(q, lo, hi) - tc
            s = tc + float(self.starts_s[i])
            if best is None:
                best, s_out, u_out, v_out, w_out = d2, s, u, v, w
                continue
            closer = d2 < best
            for target, value in ((best, d2), (s_out, s), (u_out, u), (v_out, v), (w_out, w)):
                np.copyto(target, value, where=closer)
        return s_out, u_out, v_out, w_out


@dataclass
class SweptSection(Shape):
    """A superelliptic section swept along part of a centre line, with domed ends.

    Attributes:
        line: The centre line.
        s_knots_mm: Arc lengths where the profile is given (increasing).
        half_width_mm: Half-extent along ``u`` at each knot.
        half_depth_mm: Half-extent along ``v`` at each knot.
        s_range_mm: Part of the line the solid covers (before the end domes).
        cap_mm: (start, end) semi-axis of the domes along the line.
        exponent: Section superellipse exponent (2 = ellipse, larger = boxier).
        v_shift_mm: Optional shift of the section centre along ``v`` at each knot.
        field: Optional surface displacement field (mm, + outward).
    """

    line: Centerline
    s_knots_mm: np.ndarray
    half_width_mm: np.ndarray
    half_depth_mm: np.ndarray
    s_range_mm: tuple[float, float]
    cap_mm: tuple[float, float] = (5.0, 5.0)
    exponent: float = 2.0
    v_shift_mm: Optional[np.ndarray] = None
    field: Optional[Callable] = None
    field_max_mm: float = 0.0

    def __post_init__(self) -> None:
        knots = np.asarray(self.s_knots_mm, dtype=float)
        self.s_knots_mm = knots
        self.half_width_mm = np.asarray(self.half_width_mm, dtype=float)
        self.half_depth_mm = np.asarray(self.half_depth_mm, dtype=float)
        shift = 0.0 if self.v_shift_mm is None else float(np.max(np.abs(self.v_shift_mm)))
        reach = float(max(self.half_width_mm.max(), self.half_depth_mm.max(), *self.cap_mm)) + shift
        reach += self.field_max_mm + 1.0
        lo_s, hi_s = self.s_range_mm
        inside = (self.line.starts_s + self.line.lengths >= lo_s - 1) & (self.line.starts_s <= hi_s + 1)
        idx = np.flatnonzero(inside)
        pts = np.concatenate([self.line.points[idx], self.line.points[idx + 1]])
        self.bounds = (pts.min(axis=0) - reach, pts.max(axis=0) + reach)

    def sdf(self, x, y, z):
        return self.sdf_projected(self.line.project(x, y, z), x, y, z)

    def sdf_projected(self, proj: Projection, x, y, z) -> np.ndarray:
        """Signed distance from a precomputed projection on ``self.line``."""
        s, u, v, w = proj
        lo, hi = self.s_range_mm
        sc = np.clip(s, lo, hi)
        excess = (s - sc) + w
        a = np.interp(sc, self.s_knots_mm, self.half_width_mm).astype(np.float32)
        b = np.interp(sc, self.s_knots_mm, self.half_depth_mm).astype(np.float32)
        if self.v_shift_mm is not None:
            v = v - np.interp(sc, self.s_knots_mm, self.v_shift_mm).astype(np.float32)
        cap = np.where(excess < 0, float(self.cap_mm[0]), float(self.cap_mm[1])).astype(np.float32)
        au, bv = np.abs(u) / a, np.abs(v) / b
        if self.exponent == 2.0:
            cross2 = au * au + bv * bv
        else:
            cross2 = (au ** self.exponent + bv ** self.exponent) ** (2.0 / self.exponent)
        ex = excess / cap
        rho = np.sqrt(cross2 + ex * ex)
        radius = np.sqrt(u * u + v * v + excess * excess)
        surface = np.where(rho > 1e-3, radius / np.maximum(rho, 1e-6), np.minimum(a, b))
        d = (rho - 1.0) * surface
        if self.field is not None:
            d = d - self.field(x, y, z)
        return d
