"""Pelvic organs around the uterus: bladder, urethra, vagina, iliac and uterine vessels, lymph nodes and
free fluid.

The bladder is a displaced superellipsoid sized from its filling volume; its dome is smoothly carved by
the uterus (the uterus rests on it). Vessels are tubes of flowing blood: a flow void on spin-echo
images, bright on balanced steady-state free precession, enhancing on contrast CT.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import random_rotation, unit
from gynai.heldout.scene import HARD_TISSUE, LayeredPart, Scene, restrict
from gynai.heldout.shapes import Difference, Shape, Superellipsoid, Tube, displaced
from gynai.heldout.sweep import Centerline, SweptSection

_NOT_HARD = restrict(not_over=set(HARD_TISSUE) - {"muscle"})


def _overlap(core: Superellipsoid, cut: Shape, rng: np.random.Generator) -> float:
    """Fraction of ``core`` inside ``cut`` (estimated from random points)."""
    points = core.center + rng.uniform(-1, 1, (400, 3)) * np.array(core.radii_mm).max()
    p = [points[:, c].astype(np.float32) for c in range(3)]
    inside = core.sdf(*p) <= 0
    return float(np.mean(cut.sdf(*p)[inside] <= 0)) if inside.any() else 0.0


def bladder_shape(rng: np.random.Generator, volume_ml: float, cut: Optional[Shape]) -> tuple[Shape, dict]:
    """Bladder outer surface for a filling volume (mL), carved by ``cut`` (the uterus) when given.

    A bladder that would hold much of the uterus is emptied a little until the uterus only dents its dome.
    """
    for _ in range(8):
        shape, facts, core = _bladder_once(rng, volume_ml, cut)
        if cut is None or _overlap(core, cut, rng) < 0.1:
            break
        volume_ml *= 0.75
    return shape, facts


def _bladder_once(rng: np.random.Generator, volume_ml: float, cut: Optional[Shape]):
    fill = float(np.clip(volume_ml / 500.0, 0.0, 1.0))
    aspect = np.array([1.25 + 0.3 * (1 - fill), 1.0, 0.55 + 0.4 * fill]) * rng.uniform(0.92, 1.08, 3)
    scale = (volume_ml * 1000.0 / (4.0 / 3.0 * np.pi * np.prod(aspect))) ** (1 / 3)
    a, b, c = (float(v) for v in aspect * scale)
    center = np.array([float(rng.uniform(-8, 8)), -50.0 + b, -34.0 + c])
    core = Superellipsoid(center, (a, b, c), float(rng.choice([1.0, 2 / 3])), 1.0,
                          random_rotation(rng, 8.0))
    shape: Shape = displaced(core, PlaneWaves.random(rng, float(rng.uniform(1, 4)), (40, 120), 3))
    if cut is not None:
        shape = Difference(shape, cut.offset(2.5), smooth_mm=6.0)
    facts = {"filling_ml": round(volume_ml, 1), "radii_mm": [round(a, 1), round(b, 1), round(c, 1)],
             "ellipsoid_volume_ml": round(core.volume_mm3 / 1000.0, 2)}
    return shape, facts, core


def add_bladder(scene: Scene, rng: np.random.Generator, label: int, volume_ml: float,
                cut: Optional[Shape]) -> dict[str, Any]:
    """Add the bladder (wall + urine, both labelled ``label``) and the urethra."""
    shape, facts = bladder_shape(rng, volume_ml, cut)
    wall = float(np.interp(volume_ml, [30, 500], [5.5, 2.0]) * rng.uniform(0.8, 1.2))
    m = scene.materials
    scene.add(LayeredPart("bladder", shape, [(0.0, m.index("bladder_wall")), (wall, m.index("urine"))], label,
                          _NOT_HARD))
    scene.add_shape("urethra", Tube(np.array([(0, -44, -30), (0, -48, -60), (0, -46, -90)], float),
                                    np.array([5.0, 4.5, 4.0])), "bladder_wall", restriction=_NOT_HARD)
    facts["wall_mm"] = round(wall, 1)
    return facts


def add_vagina(scene: Scene, rng: np.random.Generator, external_os: np.ndarray, cervix_axis: np.ndarray) -> None:
    """Vagina from the fornices around the cervix down to the introitus: wall and a thin mucus slit."""
    top = external_os + 14.0 * unit(cervix_axis)
    mid = np.array([0.0, external_os[1] - 6.0, external_os[2] - 35.0])
    low = np.array([0.0, mid[1] - 10.0, -95.0])
    line = Centerline(np.array([low, mid, top]))
    length = line.length_mm
    knots = np.array([0.0, 0.5, 1.0]) * length
    half_width = float(rng.uniform(14, 20))
    wall = SweptSection(line, knots, [10, half_width, half_width + 4], [5, 6.5, 9], (0.0, length), (4.0, 10.0))
    slit = SweptSection(line, knots, [6, half_width - 4, half_width], [1.0, 1.2, 3.0], (0.0, length - 4),
                        (2.0, 4.0))
    scene.add_shape("vaginal wall", wall, "vaginal_wall", restriction=_NOT_HARD)
    scene.add_shape("vaginal lumen", slit, "vaginal_mucus", restriction=restrict(over={"vaginal_wall"}))


def _side_vessels(side: int, s: float) -> list[tuple[str, np.ndarray, np.ndarray]]:
    m = np.array([side, 1.0, 1.0])
    artery = np.array([(12, 22, 175), (30, 28, 110), (48, 18, 60), (64, -14, 12), (75, -42, -14)]) * m
    vein = np.array([(12 if side < 0 else -4, 30, 175), (26, 36, 110), (42, 27, 60), (58, -6, 10),
                     (70, -36, -16)]) * m
    internal_a = np.array([(30, 28, 110), (40, 44, 72), (46, 50, 35), (44, 40, 5)]) * m
    internal_v = np.array([(26, 36, 110), (36, 52, 72), (44, 56, 35), (42, 46, 2)]) * m
    return [("external iliac artery", artery * [s, 1, 1], np.array([6.0, 5.0, 4.5, 4.0, 4.0])),
            ("external iliac vein", vein * [s, 1, 1], np.array([8.0, 7.0, 6.5, 6.0, 6.0])),
            ("internal iliac artery", internal_a * [s, 1, 1], np.array([4.5, 4.0, 3.0, 2.5])),
            ("internal iliac vein", internal_v * [s, 1, 1], np.array([6.0, 5.5, 4.5, 3.5]))]


def add_vessels(scene: Scene, rng: np.random.Generator, pelvic_scale: float, cervix: np.ndarray) -> None:
    """Aorta, vena cava, iliac vessels, gonadal veins and the parametrial (uterine) venous plexus."""
    restriction = restrict(not_over={"bone_cortex", "marrow", "table", "air", "fat_subcut"})
    scene.add_shape("aorta", Tube(np.array([(10, 20, 400), (8, 22, 175)], float), np.array([10.0, 9.0])), "blood",
                    restriction=restriction)
    scene.add_shape("vena cava", Tube(np.array([(-20, 28, 400), (-12, 30, 175)], float), np.array([11.0, 10.0])),
                    "blood", restriction=restriction)
    for side in (-1, 1):
        for name, points, radii in _side_vessels(side, pelvic_scale):
            scene.add_shape(name, Tube(points, radii), "blood", restriction=restriction)
        gonadal = np.array([(side * 50, 12, 45), (side * 45, 18, 120), (side * 38, 22, 250)], float)
        scene.add_shape("gonadal vein", Tube(gonadal, np.array([2.5, 2.5, 2.0])), "blood", restriction=_NOT_HARD)
        for _ in range(int(rng.integers(3, 8))):
            start = cervix + np.array([side * rng.uniform(18, 35), rng.uniform(-12, 12), rng.uniform(-10, 25)])
            path = start + np.cumsum(rng.normal(0, 6, (4, 3)), axis=0)
            scene.add_shape("uterine vessel", Tube(path, np.full(4, float(rng.uniform(1.2, 3.0)))), "blood",
                            restriction=_NOT_HARD)


def add_small_vessels(scene: Scene, rng: np.random.Generator, count: int, lo: np.ndarray, hi: np.ndarray) -> None:
    """Short wandering mesenteric and pelvic vessels in the visceral fat (flow voids on spin echo)."""
    for _ in range(count):
        start = rng.uniform(lo, hi)
        path = start + np.cumsum(rng.normal(0, 9, (4, 3)), axis=0)
        scene.add_shape("small vessel", Tube(path, np.full(4, float(rng.uniform(1.0, 2.5)))), "blood",
                        restriction=restrict(over={"fat_visceral"}))


def add_lymph_nodes(scene: Scene, rng: np.random.Generator, count: int) -> int:
    """Small oval nodes along the external iliac vessels (label 0 look-alikes of solid tissue)."""
    for _ in range(count):
        side = int(rng.choice([-1, 1]))
        t = float(rng.uniform(0.3, 0.9))
        base = np.array([side * (48 + 25 * t), 18 - 55 * t, 60 - 70 * t]) + rng.normal(0, 4, 3)
        radii = (float(rng.uniform(3, 7)), float(rng.uniform(3, 5)), float(rng.uniform(5, 10)))
        scene.add_shape("lymph node", Superellipsoid(base + [side * 8, 6, 0], radii, 1.0, 1.0,
                                                     random_rotation(rng, 30)), "lymph_node",
                        restriction=restrict(over={"fat_visceral"}))
    return count


def add_free_fluid(scene: Scene, rng: np.random.Generator, pouch: np.ndarray, amount: str) -> None:
    """Fluid in the pouch of Douglas (``amount`` "small" or "moderate"), only where there is fat."""
    size = (25.0, 8.0, 14.0) if amount == "small" else (55.0, 22.0, 35.0)
    core = Superellipsoid(pouch, size, 1.0, 1.0, random_rotation(rng, 15))
    scene.add_shape("free fluid", displaced(core, PlaneWaves.random(rng, 4.0, (20, 60), 3)), "fluid_simple",
                    restriction=restrict(over={"fat_visceral"}))
