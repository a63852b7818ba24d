"""Pelvic bones and the muscles around them.

Bones are tubes, bent plates (superellipsoids with a bend) and a swept sacrum, each painted as cortex
over marrow. Muscles are painted first: envelopes grown around the bones (iliacus and gluteal muscles
around the iliac wing, obturator and adductor groups around the rami, thigh muscles around the femur),
plus psoas, paraspinal muscles, gluteus maximus, obturator internus and the levator ani bowl. Landmark
positions (mm, body frame) are rounded adult female values, scaled per case.
"""

from __future__ import annotations

import numpy as np

from gynai.heldout.frames import rotation_matrix, unit
from gynai.heldout.scene import Scene, restrict
from gynai.heldout.shapes import Shape, Superellipsoid, Tube, Union
from gynai.heldout.sweep import Centerline, SweptSection

_SOFT = {"fat_visceral", "muscle"}


def _mirror(points: list[tuple[float, float, float]], side: int, scale: float) -> np.ndarray:
    return np.array([[side * p[0], p[1], p[2]] for p in points]) * scale


def _iliac_wing(side: int, scale: float, rng: np.random.Generator) -> Shape:
    along = unit((-side * 0.55, 1.0, 0.05))
    normal = unit(np.cross(along, (0.0, 0.0, 1.0)))
    flare = rotation_matrix(along, side * float(rng.uniform(18, 30)))
    vertical = flare @ unit(np.cross(normal, along))
    normal = flare @ normal
    rot = np.stack([along, vertical, normal], axis=1)
    center = np.array([side * 86.0, 14.0, 82.0]) * scale
    return Superellipsoid(center, (72 * scale, 45 * scale, 7.5), 2 / 3, 2 / 3, rot, bend_per_mm=side * 0.0015)


def _side_bones(side: int, s: float, rng: np.random.Generator) -> dict[str, Shape]:
    m = lambda pts: _mirror(pts, side, s)  # noqa: E731
    return {
        "iliac wing": _iliac_wing(side, s, rng),
        "acetabular body": Tube(m([(80, -10, -12), (84, 4, 35), (74, 30, 60)]), np.array([21, 20, 16]) * s),
        "femoral head": Superellipsoid(m([(88, -12, -22)])[0], (22.5 * s,) * 3),
        "femoral neck": Tube(m([(90, -11, -24), (120, -2, -46)]), np.array([15, 17]) * s),
        "femur": Tube(m([(124, 0, -38), (121, 0, -62), (104, 6, -300)]), np.array([21, 16, 13.5]) * s),
        "superior ramus": Tube(m([(10, -58, -9), (42, -46, -6), (74, -22, -10)]), np.array([9, 9.5, 13]) * s),
        "pubic body": Superellipsoid(m([(14, -57, -23)])[0], (8 * s, 10 * s, 19 * s), 2 / 3, 1.0),
        "inferior ramus": Tube(m([(12, -52, -40), (34, -26, -56), (52, 4, -63)]), np.array([8, 7, 10]) * s),
        "ischium": Tube(m([(52, 8, -64), (66, 2, -38), (80, -8, -16)]), np.array([14, 13, 15]) * s),
    }


def _sacrum(s: float) -> tuple[Centerline, SweptSection]:
    line = Centerline(np.array([(0, 52, 98), (0, 60, 68), (0, 69, 38), (0, 72, 12), (0, 66, -12),
                                (0, 54, -38)], float) * s)
    L = line.length_mm
    knots = np.array([0, 0.22, 0.45, 0.68, 0.85, 1.0]) * L
    shape = SweptSection(line, knots, np.array([52, 46, 32, 20, 12, 7]) * s, np.array([19, 16, 12, 9, 7, 5]) * s,
                         (0.0, L), (10.0, 6.0), exponent=3.0)
    return line, shape


def _spine(s: float) -> tuple[list[Shape], list[Shape], Shape]:
    bodies, discs, arches = [], [], []
    centers = [(0, 38, 121), (0, 28, 155), (0, 24, 190), (0, 25, 225), (0, 30, 260)]
    for i, c in enumerate(centers):
        c = np.array(c, float) * np.array([1, 1, s])
        bodies.append(Superellipsoid(c, (24 * s, 18 * s, 13 * s), 1 / 3, 1.0))
        below = np.array(centers[i - 1] if i else (0, 48, 100), float) * np.array([1, 1, s])
        mid = (c + below) / 2 - np.array([0, 0, 0.0])
        discs.append(Superellipsoid(mid, (22 * s, 16 * s, 5.5), 0.5, 1.0))
        for side in (-1, 1):
            arches.append(Tube(np.array([c + (side * 13, 14, 0), c + (side * 8, 38, -2), c + (0, 44, -4)]),
                               np.array([6.0, 5.0, 5.0])))
        arches.append(Tube(np.array([c + (0, 44, -4), c + (0, 66, -10)]), np.array([5.0, 4.0])))
    canal = Tube(np.array([(0, 66, 280), (0, 56, 160), (0, 66, 100), (0, 74, 55)], float) * np.array([1, 1, s]),
                 np.array([9.0, 9.0, 7.0, 3.0]))
    return bodies + arches, discs, canal


def add_skeleton(scene: Scene, rng: np.random.Generator, pregnant: bool = False) -> dict[str, float]:
    """Add muscles and bones of the pelvis, lower spine and hips; returns the pelvic scale."""
    s = float(rng.uniform(0.92, 1.08))
    m = scene.materials
    cortex_mm = float(rng.uniform(1.2, 2.5))
    sides = {side: _side_bones(side, s, rng) for side in (-1, 1)}
    _, sacrum = _sacrum(s)
    spine_bones, discs, canal = _spine(s)
    soft = restrict(over=_SOFT)
    for side in (-1, 1):
        b = sides[side]
        psoas_r = float(rng.uniform(14, 22)) * (0.85 if pregnant else 1.0)
        scene.add_shape("psoas", Tube(_mirror([(24, 36, 280), (34, 32, 160), (52, 16, 70), (70, -22, 5),
                                               (80, -28, -30), (90, -10, -75)], side, s),
                                      np.array([0.55, 0.8, 1.0, 0.85, 0.75, 0.6]) * psoas_r,
                                      ), "muscle", restriction=soft)
        scene.add_shape("paraspinal", Superellipsoid(np.array([side * 32 * s, 88 * s, 200.0]),
                                                     (26 * s, 24.0, 120.0), 2 / 3, 2 / 3), "muscle", restriction=soft)
        gluteal = Superellipsoid(np.array([side * 78 * s, 100 * s, -15.0]), (58 * s, 32.0, 78 * s), 1.0, 1.0,
                                 rotation_matrix((0, 0, 1), side * 25))
        scene.add_shape("gluteus maximus", gluteal, "muscle", restriction=soft)
        scene.add_shape("iliac muscles", b["iliac wing"].offset(float(rng.uniform(12, 22))), "muscle",
                        restriction=soft)
        scene.add_shape("hip muscles", Union([b["femur"].offset(28.0), b["femoral neck"].offset(24.0)]),
                        "muscle", restriction=soft)
        scene.add_shape("obturator muscles", Union([b["superior ramus"].offset(9.0), b["inferior ramus"].offset(11.0),
                                                    b["ischium"].offset(12.0)]), "muscle", restriction=soft)
        scene.add_shape("obturator internus", Superellipsoid(_mirror([(63, 2, -24)], side, s)[0],
                                                             (8.0, 38 * s, 28 * s), 1.0, 1.0,
                                                             rotation_matrix((0, 0, 1), side * 12)),
                        "muscle", restriction=soft)
        scene.add_shape("piriformis", Tube(_mirror([(22, 66, 40), (70, 60, 10), (118, 8, -36)], side, s),
                                           np.array([9.0, 11.0, 7.0])), "muscle", restriction=soft)
    levator = Superellipsoid(np.array([0.0, 18.0, -44.0 * s]), (52 * s, 55 * s, 3.5), 1.0, 1.0,
                             bend_per_mm=0.007)
    scene.add_shape("levator ani", levator, "muscle", restriction=restrict(over={"fat_visceral"}))
    scene.add_shape("thecal sac", canal, "csf")
    for disc in discs:
        scene.add_shape("intervertebral disc", disc, "disc")
    bone_layers = [(0.0, "bone_cortex"), (cortex_mm, "marrow")]
    for shape in [sacrum] + spine_bones + [shape for side in (-1, 1) for shape in sides[side].values()]:
        scene.add_layered("bone", shape, bone_layers)
    return {"pelvic_scale": round(s, 3)}
