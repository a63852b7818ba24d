"""The body outline: trunk and thighs with subcutaneous fat, the muscular wall and the visceral space.

The trunk's cross-section is a superellipse whose half-width and front/back depths vary with height;
below the hips two thigh cylinders are blended in. Fat and muscle-wall thicknesses vary around the body
(thicker fat over the belly and buttocks, thick muscle behind: gluteal and paraspinal groups, thin in
front: rectus sheath). A pregnant belly is blended in by a smooth union with the grown uterus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.materials import MaterialTable
from gynai.heldout.scene import Restriction, Scene
from gynai.heldout.sdfmath import smooth_min
from gynai.heldout.shapes import Shape, Superellipsoid, Tube

_Z_KNOTS = np.array([-110.0, -60.0, 0.0, 60.0, 150.0, 320.0])


@dataclass
class BodyPlan:
    """Size of the body (mm) and thickness of its layers (section exponent 2 = elliptic, 4 = boxy)."""

    hip_half_width: float
    waist_half_width: float
    front_depth: float
    back_depth: float
    center_y: float
    exponent: float
    fat_front: float
    fat_side: float
    fat_back: float
    muscle_front: float
    muscle_side: float
    muscle_back: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> "BodyPlan":
        """A body from slim to obese (skin-to-skin width about 290-420 mm at the hips)."""
        build = float(rng.uniform(0.0, 1.0))
        fat = 8 + 45 * build ** 1.3 * float(rng.uniform(0.7, 1.3))
        hip = 148 + 55 * build + float(rng.normal(0, 6))
        return cls(
            hip_half_width=hip, waist_half_width=hip * float(rng.uniform(0.8, 0.95)),
            front_depth=95 + fat * float(rng.uniform(0.8, 1.3)), back_depth=95 + 0.6 * fat,
            center_y=float(rng.uniform(10, 25)), exponent=float(rng.choice([2.0, 4.0], p=[0.4, 0.6])),
            fat_front=fat * float(rng.uniform(0.9, 1.4)), fat_side=fat * float(rng.uniform(0.6, 1.0)),
            fat_back=fat * float(rng.uniform(0.7, 1.1)), muscle_front=float(rng.uniform(8, 14)),
            muscle_side=float(rng.uniform(14, 24)), muscle_back=float(rng.uniform(30, 55)))

    def facts(self) -> dict[str, float]:
        """Rounded numbers for the truth record."""
        return {"hip_width_mm": round(2 * self.hip_half_width, 1),
                "subcutaneous_fat_front_mm": round(self.fat_front, 1),
                "front_y_mm": round(self.center_y - self.front_depth, 1),
                "back_y_mm": round(self.center_y + self.back_depth, 1)}


@dataclass
class BodyPart:
    """Composite part painting subcutaneous fat, the muscle wall and visceral fat."""

    plan: BodyPlan
    fat: int
    muscle: int
    visceral: int
    belly: Optional[Shape] = None
    belly_margin_mm: float = 25.0
    waves: Optional[PlaneWaves] = None
    name: str = "body"
    restriction: Restriction = field(default_factory=Restriction)
    bounds: Any = None

    def __post_init__(self) -> None:
        p = self.plan
        half = max(p.hip_half_width, p.waist_half_width) + 60
        lo = np.array([-half, p.center_y - p.front_depth - 20, -460.0])
        hi = np.array([half, p.center_y + p.back_depth + 20, 330.0])
        if self.belly is not None:
            lo = np.minimum(lo, self.belly.bounds[0] - self.belly_margin_mm - 20)
            hi = np.maximum(hi, self.belly.bounds[1] + self.belly_margin_mm + 20)
        self.bounds = (lo, hi)
        self._thighs = [Tube(np.array([[s * 0.5 * p.hip_half_width, p.center_y + 10, -40.0],
                                       [s * 0.47 * p.hip_half_width, p.center_y + 10, -460.0]]),
                             np.array([0.62, 0.5]) * p.hip_half_width) for s in (-1, 1)]

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def sdf(self, x, y, z) -> np.ndarray:
        """Signed distance to the skin (mm, radial approximation)."""
        p = self.plan
        zc = np.clip(z, _Z_KNOTS[0], _Z_KNOTS[-1])
        hw = np.interp(zc, _Z_KNOTS, [0.88, 1.0, 1.0, 0.94, p.waist_half_width / p.hip_half_width,
                                      p.waist_half_width / p.hip_half_width]).astype(np.float32)
        hw = hw * float(p.hip_half_width)
        taper = np.sqrt(np.clip((z + 125.0) / 55.0, 0.05, 1.0)).astype(np.float32)
        dy = y - float(p.center_y)
        depth = np.where(dy < 0, float(p.front_depth), float(p.back_depth)).astype(np.float32) * taper
        hw = hw * taper
        ax, ay = x / hw, dy / depth
        rho = ax * ax + ay * ay
        if p.exponent == 4.0:
            rho = np.sqrt((ax * ax) ** 2 + (ay * ay) ** 2)
        rho = np.sqrt(rho)
        radius = np.sqrt(x * x + dy * dy)
        d = (rho - 1.0) * radius / np.maximum(rho, 1e-6)
        for thigh in self._thighs:
            d = smooth_min(d, thigh.sdf(x, y, z), 30.0)
        if self.belly is not None:
            d = smooth_min(d, self.belly.sdf(x, y, z) - float(self.belly_margin_mm), 40.0)
        if self.waves is not None:
            d = d - self.waves(x, y, z)
        return d

    def paint(self, x, y, z, mat, lab) -> None:
        p = self.plan
        d = self.sdf(x, y, z)
        inside = d <= 0
        mat[inside] = self.fat
        deepest = max(p.fat_front, p.fat_side, p.fat_back) + max(p.muscle_front, p.muscle_side, p.muscle_back)
        deep = d <= -deepest
        mat[deep & (z > -58.0)] = self.visceral
        mat[deep & (z <= -58.0)] = self.muscle
        shell = inside & ~deep
        if not shell.any():
            return
        xs, dy, zs, ds = x[shell], y[shell] - float(p.center_y), z[shell], d[shell]
        sin = dy / np.maximum(np.sqrt(xs * xs + dy * dy), 1e-3)
        front = np.clip(-sin, 0, 1) ** 2
        back = np.clip(sin, 0, 1) ** 2
        fat = p.fat_side + (p.fat_front - p.fat_side) * front + (p.fat_back - p.fat_side) * back
        muscle = p.muscle_side + (p.muscle_front - p.muscle_side) * front + (p.muscle_back - p.muscle_side) * back
        layer = np.full(xs.shape, self.fat, dtype=np.uint8)
        layer[ds <= -fat] = self.muscle
        layer[(ds <= -(fat + muscle)) & (zs > -58.0)] = self.visceral
        mat[shell] = layer


def add_body(scene: Scene, rng: np.random.Generator, belly: Optional[Shape] = None) -> BodyPlan:
    """Add the couch (CT), the body and its layers; returns the body plan."""
    plan = BodyPlan.random(rng)
    table_y = plan.center_y + plan.back_depth + float(rng.uniform(2, 8)) + 7
    scene.add_shape("table", Superellipsoid(np.array([0.0, table_y, 0.0]), (240.0, 7.0, 700.0), 1 / 3, 1 / 3),
                    "table")
    waves = PlaneWaves.random(rng, float(rng.uniform(2, 6)), (80, 200), 2)
    m = scene.materials
    margin = plan.fat_front + plan.muscle_front + float(rng.uniform(2, 10))
    scene.add(BodyPart(plan, m.index("fat_subcut"), m.index("muscle"), m.index("fat_visceral"), belly,
                       margin, waves))
    scene.facts["body"] = plan.facts()
    return plan
