"""Leiomyomas placed by FIGO type relative to the cavity and serosa of a swept uterus.

A fibroid is a lobulated solid (a smooth union of a superellipsoid and up to three lobes, with a
low-frequency surface displacement). Its centre is put on a ray from the uterine axis at a radial
position fixed by its type: in the cavity (0, with a stalk), straddling the endometrium (1, 2), touching
it (3), mid-wall (4), at the serosa (5, 6), outside on a stalk (7), in the cervix (8), or spanning the
wall (hybrid 2-5). Intramural and subserosal ones push the serosa out (smooth union with the fibroid
grown by a thin myometrial cover); submucosal ones push the endometrium around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import random_rotation, random_unit_vector
from gynai.heldout.scene import HARD_TISSUE, restrict
from gynai.heldout.shapes import Shape, Superellipsoid, Tube, Union, displaced
from gynai.heldout.uterus import UterusGeometry

FIGO_TYPES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "2-5")
_TYPE_WEIGHTS = np.array([0.05, 0.07, 0.09, 0.1, 0.25, 0.14, 0.1, 0.06, 0.06, 0.08])
APPEARANCES = ("typical", "cellular", "hyaline", "cystic", "calcified", "red")
_APPEARANCE_WEIGHTS = np.array([0.45, 0.15, 0.1, 0.12, 0.08, 0.1])


@dataclass
class Fibroid:
    """One planned fibroid (mm, body frame)."""

    figo: str
    center: np.ndarray
    radius_mm: float
    shape: Shape
    exact_volume_ml: Optional[float]
    appearance: str
    stalk: Optional[Shape] = None
    cover_mm: Optional[float] = None
    in_cavity: bool = False

    def facts(self) -> dict[str, Any]:
        """JSON-ready description."""
        out: dict[str, Any] = {"figo_type": self.figo, "center_mm": [round(float(v), 1) for v in self.center],
                               "nominal_diameter_mm": round(2 * self.radius_mm, 1), "appearance": self.appearance,
                               "pedunculated": self.stalk is not None}
        if self.exact_volume_ml is not None:
            out["analytic_volume_ml"] = round(self.exact_volume_ml, 3)
        return out


def sample_fibroid_count(rng: np.random.Generator) -> int:
    """Number of fibroids of a case: 0-8, most often 1-3."""
    return int(rng.choice(9, p=[0.1, 0.22, 0.18, 0.14, 0.1, 0.08, 0.07, 0.06, 0.05]))


def sample_diameters(rng: np.random.Generator, count: int) -> list[float]:
    """Diameters (mm), log-uniform between 5 and 100 mm, the largest first."""
    return sorted((float(np.exp(rng.uniform(np.log(5), np.log(100)))) for _ in range(count)), reverse=True)


def _lobulated(rng: np.random.Generator, center: np.ndarray, r: float) -> tuple[Shape, Optional[float]]:
    roundness = float(rng.choice([1.0, 2 / 3], p=[0.75, 0.25]))
    core = Superellipsoid(center, tuple(float(r * f) for f in rng.uniform(0.85, 1.1, 3)), roundness, 1.0,
                          random_rotation(rng, 180))
    if r < 6 or rng.uniform() < 0.3:
        return core, core.volume_mm3 / 1000.0
    lobes: list[Shape] = [core]
    for _ in range(int(rng.integers(0, 4))):
        lr = r * float(rng.uniform(0.35, 0.65))
        lobes.append(Superellipsoid(center + random_unit_vector(rng) * r * float(rng.uniform(0.45, 0.7)), (lr,) * 3))
    shape = Union(lobes, 0.3 * r) if len(lobes) > 1 else core
    return displaced(shape, PlaneWaves.random(rng, r * float(rng.uniform(0.03, 0.08)), (r, 3 * r), 3)), None


def _section_radii(geometry: UterusGeometry, s: float, angle: float) -> tuple[float, float]:
    """Outer and cavity radius of the section at arc length ``s`` along direction ``angle``."""
    def ellipse(section, s_mm):
        a = float(np.interp(s_mm, section.s_knots_mm, section.half_width_mm))
        b = float(np.interp(s_mm, section.s_knots_mm, section.half_depth_mm))
        return 1.0 / np.sqrt((np.cos(angle) / a) ** 2 + (np.sin(angle) / b) ** 2)
    cav = geometry.cavity
    s_cav = float(np.clip(s, *cav.s_range_mm))
    return ellipse(geometry.outer, s), ellipse(cav, s_cav)


def place_fibroid(rng: np.random.Generator, geometry: UterusGeometry, figo: str, diameter_mm: float) -> Fibroid:
    """Build one fibroid of FIGO type ``figo`` in ``geometry``."""
    s_io, L = geometry.internal_os_s, geometry.line.length_mm
    r = diameter_mm / 2
    if figo == "8":
        s = float(rng.uniform(4, max(s_io - 4, 5)))
    else:
        s = float(rng.uniform(s_io + 8, max(L - 2, s_io + 9)))
    angle = float(rng.uniform(0, 2 * np.pi))
    point, _, u, v = geometry.line.frame_at(s)
    ray = np.cos(angle) * u + np.sin(angle) * v
    outer, cav = _section_radii(geometry, s, angle)
    stalk_len = float(rng.uniform(5, 25))
    radial = {"0": 0.0, "1": cav - 0.1 * r, "2": cav + 0.4 * r, "3": cav + r + 0.5,
              "4": max((cav + outer) / 2, cav + r + 2.0), "5": max(outer - 0.3 * r, cav + r + 2.0),
              "6": outer + 0.35 * r, "7": outer + r + stalk_len,
              "8": 0.55 * outer, "2-5": (cav + outer) / 2}[figo]
    if figo == "2-5":
        r = max(r, (outer - cav) / 2 + 4.0)
    if figo == "0":
        r = min(r, 15.0)
    if figo == "8":
        r = min(r, 0.8 * outer)
    center = point + ray * radial
    shape, exact = _lobulated(rng, center, r)
    appearance = str(rng.choice(APPEARANCES, p=_APPEARANCE_WEIGHTS))
    fibroid = Fibroid(figo, center, r, shape, exact, appearance)
    if figo in ("4", "5", "8", "2-5"):
        fibroid.cover_mm = float(rng.uniform(1.5, 4.0))
    elif figo == "6":
        fibroid.cover_mm = 0.0
    if figo in ("0", "1", "2", "2-5"):
        fibroid.in_cavity = True
    if figo in ("0", "7"):
        base = point + ray * ((cav if figo == "0" else outer) - 2.0)
        tip = center - ray * r * 0.7
        width = float(rng.uniform(2.5, 6.0)) if figo == "7" else float(rng.uniform(1.5, 3.0))
        fibroid.stalk = Tube(np.array([base, tip]), np.array([width, width * 0.8]))
    return fibroid


def plan_fibroids(rng: np.random.Generator, geometry: UterusGeometry, diameters: list[float],
                  blocked: Optional[Callable[[np.ndarray, float], float]] = None) -> list[Fibroid]:
    """Place fibroids of the given diameters, avoiding heavy overlap with each other and, when
    ``blocked`` (fraction of a ball lying in bone or muscle) is given, with the pelvic walls."""
    fibroids: list[Fibroid] = []
    for diameter in diameters:
        best, best_score = None, np.inf
        for _ in range(12):
            figo = str(rng.choice(FIGO_TYPES, p=_TYPE_WEIGHTS / _TYPE_WEIGHTS.sum()))
            if figo == "0" and diameter > 30:
                continue
            candidate = place_fibroid(rng, geometry, figo, diameter)
            clash = any(np.linalg.norm(candidate.center - f.center) < 0.8 * (candidate.radius_mm + f.radius_mm)
                        for f in fibroids)
            score = float(clash) + (blocked(candidate.center, candidate.radius_mm) if blocked else 0.0)
            if score < best_score:
                best, best_score = candidate, score
            if score < 0.03:
                break
        if best is not None:
            fibroids.append(best)
    return fibroids


def _appearance_changes(rng: np.random.Generator, appearance: str) -> dict[str, float]:
    u = rng.uniform
    if appearance == "cellular":
        return {"t2_ms": float(u(90, 140)), "t1_ms": 1200.0, "hu_enhance": float(u(80, 110)), "echo": 0.7}
    if appearance == "hyaline":
        return {"t2_ms": float(u(28, 40)), "hu_enhance": float(u(10, 30)), "echo": 0.5}
    if appearance == "red":
        return {"t1_ms": float(u(450, 650)), "t2_ms": float(u(80, 150)), "hu_enhance": float(u(0, 5)),
                "hu": float(u(50, 65))}
    return {"t2_ms": float(u(40, 65)), "hu_enhance": float(u(35, 90))}


def add_fibroid_parts(scene, rng: np.random.Generator, fibroids: list[Fibroid], label_fibroid: int,
                      label_wall: int) -> None:
    """Paint stalks (as myometrium), fibroids with their appearance, rims and internal changes."""
    soft = restrict(not_over=set(HARD_TISSUE))
    for i, fibroid in enumerate(fibroids):
        if fibroid.stalk is not None:
            scene.add_shape("fibroid stalk", fibroid.stalk, "myometrium", label_wall, soft)
    for i, fibroid in enumerate(fibroids):
        name = f"fibroid:{i}"
        scene.materials.add(name, "fibroid", **_appearance_changes(rng, fibroid.appearance))
        rim = None
        if fibroid.appearance == "red":
            rim = scene.materials.add(f"fibroid:{i}:rim", "fibroid", t2_ms=20.0, pd=0.5, t1_ms=500.0)
        elif fibroid.appearance == "typical" and rng.uniform() < 0.3:
            rim = scene.materials.add(f"fibroid:{i}:rim", "fibroid", t2_ms=float(rng.uniform(120, 180)))
        if rim is not None and fibroid.radius_mm > 6:
            scene.add_shape("fibroid rim", fibroid.shape, scene.materials.names()[rim], label_fibroid, soft)
            scene.add_shape("fibroid", fibroid.shape.offset(-float(rng.uniform(1.0, 2.0))), name, label_fibroid,
                            restrict(over={f"fibroid:{i}:rim"}))
        else:
            scene.add_shape("fibroid", fibroid.shape, name, label_fibroid, soft)
        inner = restrict(over={name})
        r = fibroid.radius_mm
        if fibroid.appearance == "cystic" and r > 8:
            fluid = str(rng.choice(["fluid_simple", "fluid_mucinous"]))
            for _ in range(int(rng.integers(1, 5))):
                rr = r * float(rng.uniform(0.15, 0.45))
                at = fibroid.center + random_unit_vector(rng) * r * float(rng.uniform(0, 0.5))
                scene.add_shape("fibroid degeneration", Superellipsoid(at, (rr, rr * 0.8, rr), 1.0, 1.0,
                                                                       random_rotation(rng, 90)),
                                fluid, label_fibroid, inner)
        elif fibroid.appearance == "calcified" and r > 5:
            for _ in range(int(rng.integers(2, 7))):
                rr = max(1.0, r * float(rng.uniform(0.05, 0.15)))
                at = fibroid.center + random_unit_vector(rng) * r * float(rng.uniform(0.3, 0.85))
                scene.add_shape("fibroid calcification", Superellipsoid(at, (rr, rr, rr)), "calcification",
                                label_fibroid, inner)
