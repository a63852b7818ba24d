"""Pregnant uterus: an egg-like wall of varying thickness, cervix, placenta, amniotic fluid.

The corpus is a displaced superellipsoid blended into a swept cervix (the lower uterine segment forms in
the blend). The cavity is the corpus shrunk by a wall thickness that varies over the surface and may
thin to 1-2 mm in a patch (as over an abnormally adherent placenta). The placenta fills the cavity up
to a thickness that falls off like a lens with the angle from its centre direction: anterior, posterior,
fundal, left or right lateral, or low-lying / praevia (over the internal os). Inside it, thin lobular
septa and, sometimes, T2-dark bands. Labels: wall and cervix = myometrium, placenta = placenta.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import frame_from_axis, rotation_matrix, to_local, unit
from gynai.heldout.materials import MaterialTable
from gynai.heldout.scene import Restriction
from gynai.heldout.sdfmath import smooth_min
from gynai.heldout.shapes import Superellipsoid, displaced
from gynai.heldout.sweep import Centerline, SweptSection

PLACENTA_POSITIONS = ("anterior", "posterior", "fundal", "left-lateral", "right-lateral", "low-lying", "praevia")


@dataclass
class GravidPlan:
    """Random size, posture, wall and placenta of a pregnant uterus (mm, body frame)."""

    ga_weeks: float
    internal_os: np.ndarray
    axis: np.ndarray
    radii: tuple[float, float, float]
    wall_mm: float
    thin_mm: float | None
    placenta_position: str
    placenta_direction_local: np.ndarray
    placenta_thickness_mm: float
    placenta_half_angle_rad: float
    cervix_length: float

    @classmethod
    def random(cls, rng: np.random.Generator, position: str | None = None) -> "GravidPlan":
        """A second- or third-trimester uterus (18-37 weeks); ``position`` forces the placenta site."""
        ga = float(rng.uniform(18, 37))
        length = ga * 9.0 + float(rng.uniform(-10, 25))
        radii = (length * float(rng.uniform(0.36, 0.44)), length * float(rng.uniform(0.32, 0.38)), length / 2)
        tilt = float(rng.uniform(5, 25))
        axis = rotation_matrix((0, 1, 0), float(rng.uniform(-10, 10))) @ np.array(
            [0.0, -np.sin(np.radians(tilt)), np.cos(np.radians(tilt))])
        os_point = np.array([rng.uniform(-6, 6), rng.uniform(0, 15), rng.uniform(5, 25)])
        position = position or str(rng.choice(PLACENTA_POSITIONS, p=[0.27, 0.27, 0.12, 0.08, 0.08, 0.1, 0.08]))
        direction = {"anterior": (0, -1, 0.1), "posterior": (0, 1, 0.1), "fundal": (0, 0, 1),
                     "left-lateral": (1, 0, 0.1), "right-lateral": (-1, 0, 0.1),
                     "low-lying": (0, float(rng.choice([-1, 1])), -1.0),
                     "praevia": (0, float(rng.uniform(-0.4, 0.4)), -1)}
        d = unit(np.array(direction[position], float) + rng.normal(0, 0.12, 3))
        half_angle = float(rng.uniform(0.7, 1.05))
        if position == "praevia":
            half_angle = max(half_angle, float(np.arccos(np.clip(-d[2], -1, 1))) + 0.35)
        thin = float(rng.uniform(0.8, 2.0)) if rng.uniform() < 0.35 else None
        return cls(ga, os_point, axis, radii, float(rng.uniform(3.5, 9.0)), thin, position, d,
                   float(rng.uniform(15, 25) + 0.8 * (ga - 18)), half_angle, float(rng.uniform(25, 42)))


@dataclass
class GravidPart:
    """Composite part painting the pregnant uterus (wall, cervix, canal, cavity, placenta)."""

    plan: GravidPlan
    corpus: Any
    rotation: np.ndarray
    center: np.ndarray
    cervix: SweptSection
    canal: SweptSection
    wall_waves: PlaneWaves
    placenta_waves: PlaneWaves
    septa_waves: PlaneWaves
    ids: dict[str, int]
    label_wall: int
    label_placenta: int
    restriction: Restriction = field(default_factory=Restriction)
    name: str = "pregnant uterus"
    bounds: Any = None

    def __post_init__(self) -> None:
        lo = np.minimum(self.corpus.bounds[0], self.cervix.bounds[0])
        hi = np.maximum(self.corpus.bounds[1], self.cervix.bounds[1])
        self.bounds = (lo, hi)

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def outer_sdf(self, x, y, z) -> np.ndarray:
        """Signed distance to the serosa (corpus blended with the cervix)."""
        return smooth_min(self.corpus.sdf(x, y, z), self.cervix.sdf(x, y, z), 18.0)

    def wall(self, xl, yl, zl, x, y, z) -> np.ndarray:
        """Local wall thickness (mm), thinned in a patch under the placenta when planned."""
        p = self.plan
        w = p.wall_mm + 0.35 * p.wall_mm * self.wall_waves(x, y, z) / max(self.wall_waves.max_abs_mm, 1e-6)
        if p.thin_mm is not None:
            cos = self._cos_to(xl, yl, zl, p.placenta_direction_local)
            w = w - (w - p.thin_mm) * np.exp(-((1 - cos) / 0.04) ** 2)
        return w

    def _cos_to(self, xl, yl, zl, direction) -> np.ndarray:
        a, b, c = self.plan.radii
        qx, qy, qz = xl / a, yl / b, zl / c
        norm = np.sqrt(qx * qx + qy * qy + qz * qz) + 1e-6
        return (qx * float(direction[0]) + qy * float(direction[1]) + qz * float(direction[2])) / norm

    def paint(self, x, y, z, mat, lab) -> None:
        p, ids = self.plan, self.ids
        d_corpus = self.corpus.sdf(x, y, z)
        d_cervix = self.cervix.sdf(x, y, z)
        inside = smooth_min(d_corpus, d_cervix, 18.0) <= 0
        allowed = self.restriction.allowed(mat)
        if allowed is not None:
            inside &= allowed
        if not inside.any():
            return
        mat[inside] = ids["myometrium"]
        mat[inside & (d_cervix < d_corpus - 8.0)] = ids["cervix_stroma"]
        lab[inside] = self.label_wall
        xl, yl, zl = to_local(x, y, z, self.center, self.rotation)
        wall = self.wall(xl, yl, zl, x, y, z)
        cavity = inside & (d_corpus <= -wall)
        mat[cavity] = ids["amniotic_fluid"]
        lab[cavity] = 0
        cos = self._cos_to(xl, yl, zl, p.placenta_direction_local)
        angle = np.arccos(np.clip(cos, -1.0, 1.0)) / p.placenta_half_angle_rad
        thick = p.placenta_thickness_mm * np.sqrt(np.clip(1.0 - angle * angle, 0.0, 1.0))
        thick = thick * (1.0 + self.placenta_waves(x, y, z))
        placenta = cavity & (-(d_corpus + wall) <= thick)
        mat[placenta] = ids["placenta"]
        lab[placenta] = self.label_placenta
        septa = placenta & (np.abs(self.septa_waves(x, y, z)) < 0.06 * self.septa_waves.max_abs_mm)
        mat[septa] = ids["placenta_septa"]
        canal = inside & ~cavity & (self.canal.sdf(x, y, z) <= 0)
        mat[canal] = ids["cervical_mucus"]
        lab[canal] = self.label_wall


def build_gravid(rng: np.random.Generator, materials: MaterialTable, label_wall: int, label_placenta: int,
                 restriction: Restriction, position: str | None = None) -> GravidPart:
    """Plan and assemble a pregnant uterus part."""
    plan = GravidPlan.random(rng, position)
    a, b, c = plan.radii
    center = plan.internal_os + plan.axis * (c - 6.0)
    if center[1] + b > 28.0:
        center[1] = 28.0 - b
    rotation = frame_from_axis(plan.axis)
    roundness = float(rng.choice([1.0, 2 / 3], p=[0.75, 0.25]))
    corpus = displaced(Superellipsoid(center, (a, b, c), roundness, 1.0, rotation),
                       PlaneWaves.random(rng, float(rng.uniform(2, 7)), (60, 220), 4))
    os_top = center - plan.axis * (c - 10.0)
    down = unit(-plan.axis + np.array([0.0, 0.35, 0.0]))
    line = Centerline(np.array([os_top + down * plan.cervix_length, os_top + down * plan.cervix_length / 2,
                                os_top]))
    L = line.length_mm
    cervix = SweptSection(line, np.array([0.0, L / 2, L]), [14.0, 16.0, 22.0], [13.0, 15.0, 20.0], (0.0, L),
                          (8.0, 8.0))
    canal = SweptSection(line, np.array([0.0, L]), [3.0, 2.0], [1.5, 1.2], (-2.0, L - 6), (2.0, 2.0))
    ids = {n: materials.index(n) for n in ("myometrium", "cervix_stroma", "amniotic_fluid", "placenta",
                                           "cervical_mucus")}
    ids["placenta_septa"] = materials.add("placenta:septa", "placenta", t2_ms=120.0, hu_enhance=70.0, echo=1.3)
    return GravidPart(plan, corpus, rotation, center, cervix, canal,
                      PlaneWaves.random(rng, 1.0, (40, 120), 3),
                      PlaneWaves.random(rng, float(rng.uniform(0.1, 0.3)), (50, 150), 3),
                      PlaneWaves.random(rng, 1.0, (25, 45), 5), ids, label_wall, label_placenta, restriction)


def gravid_facts(part: GravidPart) -> dict[str, Any]:
    """JSON-ready description of the pregnant uterus."""
    p = part.plan
    return {"gestational_age_weeks": round(p.ga_weeks, 1), "placenta_position": p.placenta_position,
            "placenta_max_thickness_mm": round(p.placenta_thickness_mm, 1),
            "placenta_half_angle_deg": round(float(np.degrees(p.placenta_half_angle_rad)), 1),
            "wall_mm": round(p.wall_mm, 1), "thinned_myometrium_mm": None if p.thin_mm is None else round(p.thin_mm, 2),
            "uterus_radii_mm": [round(float(r), 1) for r in p.radii],
            "center_mm": [round(float(v), 1) for v in part.center]}
