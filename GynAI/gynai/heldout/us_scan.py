"""Geometry of a 3D transvaginal ultrasound sweep: a sector (cone) from the probe tip in the fornix.

Beam directions are ``d(theta, phi) = sin(theta) u + cos(theta) (cos(phi) w + sin(phi) v)``: ``theta``
steers within the imaging plane (lateral), ``phi`` is the mechanical sweep (elevation), ``w`` the probe
axis. The output volume is a Cartesian grid in the probe frame (i = lateral ``u``, j = depth ``w``,
k = elevation ``v``), stored with its exact LPS geometry; voxels outside the scanned cone are 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gynai.heldout.frames import frame_from_axis, rotation_matrix, unit
from gynai.heldout.scene import Scene
from gynai.image import Geometry

MAX_US_VOXELS = 3_000_000


@dataclass(frozen=True)
class USSweep:
    """A transvaginal 3D sweep (body frame, mm and radians)."""

    apex: np.ndarray
    frame: np.ndarray
    depth_mm: float
    near_mm: float
    lateral_half_rad: float
    sweep_half_rad: float
    frequency_mhz: float

    def describe(self) -> dict[str, Any]:
        """JSON-ready facts."""
        return {"apex_mm": [round(float(v), 1) for v in self.apex], "depth_mm": round(self.depth_mm, 1),
                "lateral_angle_deg": round(float(np.degrees(2 * self.lateral_half_rad)), 1),
                "sweep_angle_deg": round(float(np.degrees(2 * self.sweep_half_rad)), 1),
                "frequency_mhz": round(self.frequency_mhz, 2)}

    def to_polar(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r, theta, phi) of points given in probe coordinates."""
        r = np.sqrt(u * u + v * v + w * w)
        theta = np.arcsin(np.clip(u / np.maximum(r, 1e-6), -1, 1))
        phi = np.arctan2(v, w)
        return r, theta, phi

    def inside(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Points inside the scanned cone."""
        r, theta, phi = self.to_polar(u, v, w)
        return ((r >= self.near_mm) & (r <= self.depth_mm) & (np.abs(theta) <= self.lateral_half_rad)
                & (np.abs(phi) <= self.sweep_half_rad) & (w > 0))


def plan_sweep(rng: np.random.Generator, scene: Scene) -> USSweep:
    """Probe tip in the vaginal fornix on the lesion's side, aimed near the lesion."""
    cervix = np.asarray(scene.facts.get("cervix_mm", [0.0, 15.0, -20.0]), float)
    target = scene.target_center_mm
    side = 1.0 if target[0] > 0 else -1.0
    apex = cervix + np.array([side * rng.uniform(5, 15), rng.uniform(-5, 8), rng.uniform(-22, -12)])
    axis = unit(target - apex)
    axis = rotation_matrix(rng.normal(size=3), float(rng.uniform(0, 10))) @ axis
    distance = float(np.linalg.norm(target - apex))
    radius = float(scene.facts.get("adnexal_lesions", [{}])[0].get("nominal_diameter_mm", 40.0)) / 2
    depth = float(np.clip(distance + radius + rng.uniform(5, 30), 55, 130))
    frame = frame_from_axis(axis, rng.normal(size=3))
    return USSweep(apex, frame, depth, 3.0, np.radians(float(rng.uniform(40, 60))),
                   np.radians(float(rng.uniform(30, 50))), float(rng.uniform(5.0, 9.0)))


def output_geometry(rng: np.random.Generator, scene: Scene, sweep: USSweep,
                    resolution_scale: float = 1.0) -> tuple[Geometry, tuple[int, int, int]]:
    """Cartesian grid (probe frame) holding the cone; spacing 0.4-0.8 mm within a voxel budget."""
    half_u = sweep.depth_mm * np.sin(sweep.lateral_half_rad)
    half_v = sweep.depth_mm * np.sin(sweep.sweep_half_rad)
    extent = np.array([2 * half_u, sweep.depth_mm, 2 * half_v])
    spacing = float(rng.uniform(0.5, 0.8))
    spacing = max(spacing, float((np.prod(extent) / MAX_US_VOXELS) ** (1 / 3))) / resolution_scale
    n = np.maximum(np.ceil(extent / spacing).astype(int), 8)
    frame_lps = scene.pose_rotation @ sweep.frame
    axes = np.stack([frame_lps[:, 0], frame_lps[:, 2], frame_lps[:, 1]], axis=1)
    corner_probe = np.array([-half_u + spacing / 2, spacing / 2, -half_v + spacing / 2])
    origin_body = sweep.apex + sweep.frame @ np.array([corner_probe[0], corner_probe[2], corner_probe[1]])
    origin = scene.body_to_lps(origin_body[None, :])[0]
    geometry = Geometry((spacing, spacing, spacing), tuple(origin), tuple(axes.reshape(-1)))
    return geometry, (int(n[2]), int(n[1]), int(n[0]))
