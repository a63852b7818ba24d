"""Rotations and small vector helpers for placing held-out phantom parts in the body frame.

The body frame has the axes of patient LPS (x to the patient's left, y posterior, z superior) in
millimetres; its origin is the midline at the upper border of the pubic symphysis. A patient pose (a small
rotation and a translation) maps body-frame points to scanner LPS coordinates.
"""

from __future__ import annotations

import numpy as np


def unit(vector: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """The vector scaled to length 1 (float64)."""
    v = np.asarray(vector, dtype=float)
    return v / np.linalg.norm(v)


def rotation_matrix(axis: np.ndarray | tuple[float, ...], angle_deg: float) -> np.ndarray:
    """Rotation by ``angle_deg`` about ``axis`` (right-hand rule), as a 3x3 matrix (Rodrigues)."""
    k = unit(axis)
    a = np.radians(angle_deg)
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(a) * cross + (1.0 - np.cos(a)) * cross @ cross


def random_rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """A rotation about a random axis by an angle drawn uniformly in [0, max_deg]."""
    axis = rng.normal(size=3)
    return rotation_matrix(axis, float(rng.uniform(0.0, max_deg)))


def frame_from_axis(axis: np.ndarray | tuple[float, ...], lateral_hint=(1.0, 0.0, 0.0)) -> np.ndarray:
    """An orthonormal frame (columns u, v, w) whose w column is ``axis``.

    ``u`` is the hint direction made perpendicular to the axis (the patient's left by default), so that a
    frame built for an organ's long axis keeps its first axis roughly left-right.
    """
    w = unit(axis)
    hint = np.asarray(lateral_hint, dtype=float)
    if abs(float(hint @ w)) > 0.95:
        hint = np.array([0.0, 1.0, 0.0])
    u = unit(hint - (hint @ w) * w)
    v = np.cross(w, u)
    return np.stack([u, v, w], axis=1)


def random_unit_vector(rng: np.random.Generator) -> np.ndarray:
    """A direction drawn uniformly on the unit sphere."""
    return unit(rng.normal(size=3))


def to_local(x: np.ndarray, y: np.ndarray, z: np.ndarray, center: np.ndarray,
             rotation: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates of body-frame points in a local frame (origin ``center``, axes = ``rotation`` columns)."""
    dx = x - float(center[0])
    dy = y - float(center[1])
    dz = z - float(center[2])
    r = [[float(v) for v in row] for row in rotation]
    xl = r[0][0] * dx + r[1][0] * dy + r[2][0] * dz
    yl = r[0][1] * dx + r[1][1] * dy + r[2][1] * dz
    zl = r[0][2] * dx + r[1][2] * dy + r[2][2] * dz
    return xl, yl, zl
