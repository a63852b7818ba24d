"""Ovaries with follicles (background) and adnexal lesions of every O-RADS morphology for training scenes.

Morphologies: unilocular (simple or complex fluid), unilocular with solid tissue (papillary projections),
multilocular (1–6 septa, locules of different fluids), multilocular with solid tissue, solid-cystic
(a large solid component), entirely solid, and dermoid (fat inside). One side, the other, or both.
Label semantics (``gynai.synth.tissues``): lesion wall, fluids and fat are the adnexal mass; solid
components are solid tissue; a normal ovary and its follicles are background.
"""

from __future__ import annotations

import numpy as np

from gynai.synth.canvas import SceneCanvas
from gynai.synth.primitives import Blob, HalfSpace, Intersection, Slab, random_lobes, rotation, unit

MORPHOLOGIES = ("unilocular", "unilocular-solid", "multilocular", "multilocular-solid", "solid-cystic", "solid",
                "dermoid")
MORPHOLOGY_WEIGHTS = (0.2, 0.15, 0.2, 0.15, 0.12, 0.1, 0.08)
SURROUNDINGS = ("visceral-fat", "fat", "bowel-wall", "bowel-content", "gas", "vessel", "free-fluid", "ovary",
                "follicle", "muscle")


def ovary_position(rng: np.random.Generator, side: float, fundus_lps_mm: np.ndarray) -> np.ndarray:
    """Where the ovary of one side lies: lateral to the uterine fundus, at a random depth and height."""
    return np.array([side * rng.uniform(35, 70), fundus_lps_mm[1] + rng.uniform(-10, 35),
                     fundus_lps_mm[2] + rng.uniform(-35, 10)])


def paint_ovary(canvas: SceneCanvas, rng: np.random.Generator, centre: np.ndarray) -> None:
    """A normal ovary with 0–12 follicles of 2–22 mm."""
    radii = tuple(float(v) for v in rng.uniform([8, 6, 10], [17, 12, 22]))
    ovary = Blob(tuple(centre), radii, rotation(rng.normal(size=3), rng.uniform(0, np.pi)), random_lobes(rng, 2, (0, 0.15)))
    canvas.paint(ovary, "ovary", only=SURROUNDINGS)
    for _ in range(int(rng.integers(0, 13))):
        radius = float(np.exp(rng.uniform(np.log(1.0), np.log(11.0))))
        offset = rng.normal(0, 1, 3) * np.asarray(radii) * 0.45
        canvas.paint(Blob(tuple(centre + offset), (radius,) * 3), "follicle", only=("ovary", "follicle"))


def _papillae(canvas: SceneCanvas, rng: np.random.Generator, lesion: Blob, wall_mm: float, count: int,
              tissue: str = "solid") -> None:
    for _ in range(count):
        direction = unit(rng.normal(size=3))
        radius = float(rng.uniform(3, min(16.0, min(lesion.radii_mm) * 0.45)))
        surface = lesion.surface_point(direction)
        centre = surface - (np.asarray(lesion.rotation) @ direction) * (wall_mm + radius * 0.5)
        papilla = Blob(tuple(centre), tuple(radius * f for f in rng.uniform(0.7, 1.3, 3)),
                       rotation(rng.normal(size=3), rng.uniform(0, np.pi)), random_lobes(rng, 3, (0.1, 0.4)))
        canvas.paint(Intersection((papilla, lesion)), tissue)


def paint_lesion(canvas: SceneCanvas, rng: np.random.Generator, anchor: np.ndarray, side: float,
                 morphology: str) -> dict:
    """Paint one adnexal lesion of a morphology growing from ``anchor`` (the ovary's place) away from the
    midline on ``side`` (+1 left, -1 right); returns its summary."""
    diameter = float(np.exp(rng.uniform(np.log(25), np.log(160))))
    centre = np.asarray(anchor) + np.array([side * diameter * rng.uniform(0.2, 0.5), 0.0, diameter * rng.uniform(0, 0.3)])
    radii = tuple(float(diameter / 2 * f) for f in rng.uniform(0.75, 1.15, 3))
    lobes = random_lobes(rng, int(rng.integers(0, 4)), (0.0, 0.2))
    lesion = Blob(tuple(centre), radii, rotation(rng.normal(size=3), rng.uniform(0, np.pi)), lobes)
    wall_mm = float(rng.uniform(1.0, 4.0))
    if morphology == "solid":
        canvas.paint(lesion, "solid")
        for _ in range(int(rng.integers(0, 4))):   # small cystic or necrotic areas inside a solid mass
            spot = np.asarray(centre) + rng.normal(0, 1, 3) * np.asarray(radii) * 0.3
            canvas.paint(Blob(tuple(spot), (float(rng.uniform(3, min(radii) * 0.35)),) * 3), "lesion-fluid",
                         only=("solid",))
        return {"morphology": morphology, "diameter_mm": diameter, "centre_lps_mm": [float(c) for c in centre]}
    canvas.paint(lesion, "lesion-wall")
    lumen = Blob(lesion.centre_lps_mm, tuple(max(r - wall_mm, 2.0) for r in radii), lesion.rotation, lobes)
    fluid = "lesion-fluid" if rng.random() < 0.65 else "lesion-fluid-complex"
    canvas.paint(lumen, fluid)
    if morphology in ("multilocular", "multilocular-solid"):
        septum_mm = float(rng.uniform(0.8, 3.0))
        for _ in range(int(rng.integers(1, 7))):
            point = np.asarray(centre) + rng.normal(0, 1, 3) * np.asarray(radii) * 0.35
            normal = tuple(unit(rng.normal(size=3)))
            if rng.random() < 0.5:   # locules differ in content
                canvas.paint(Intersection((lumen, HalfSpace(tuple(point), normal))),
                             str(rng.choice(["lesion-fluid", "lesion-fluid-complex"])),
                             only=("lesion-fluid", "lesion-fluid-complex"))
            canvas.paint(Intersection((lumen, Slab(tuple(point), normal, septum_mm / 2))), "lesion-wall")
    if morphology == "dermoid":
        fat = Blob(tuple(np.asarray(centre) + rng.normal(0, 1, 3) * np.asarray(radii) * 0.2),
                   tuple(r * float(rng.uniform(0.4, 0.8)) for r in radii), lesion.rotation, random_lobes(rng, 2, (0, 0.3)))
        canvas.paint(Intersection((fat, lumen)), "lesion-fat")
        # the dermoid plug (Rokitansky nodule) is not solid tissue in the O-RADS MRI lexicon: part of the mass
        _papillae(canvas, rng, lesion, wall_mm, 1, tissue="lesion-wall")
    if morphology in ("unilocular-solid", "multilocular-solid"):
        _papillae(canvas, rng, lesion, wall_mm, int(rng.integers(1, 5)))
    if morphology == "solid-cystic":
        direction = unit(rng.normal(size=3))
        component = Blob(tuple(lesion.surface_point(direction) - (np.asarray(lesion.rotation) @ direction) * min(radii) * 0.5),
                         tuple(r * float(rng.uniform(0.4, 0.8)) for r in radii), lesion.rotation,
                         random_lobes(rng, 3, (0.1, 0.4)))
        canvas.paint(Intersection((component, lesion)), "solid")
    return {"morphology": morphology, "diameter_mm": diameter, "centre_lps_mm": [float(c) for c in centre]}


def paint_adnexa(canvas: SceneCanvas, rng: np.random.Generator, fundus_lps_mm: np.ndarray,
                 lesion_probability: float) -> list[dict]:
    """Both ovaries; with ``lesion_probability`` one (sometimes two) adnexal lesions instead of an ovary."""
    lesions = []
    has_lesion = rng.random() < lesion_probability
    lesion_sides = []
    if has_lesion:
        lesion_sides = [-1.0, 1.0] if rng.random() < 0.15 else [float(rng.choice([-1.0, 1.0]))]
    for side in (-1.0, 1.0):
        position = ovary_position(rng, side, np.asarray(fundus_lps_mm))
        if side in lesion_sides:
            morphology = str(rng.choice(MORPHOLOGIES, p=MORPHOLOGY_WEIGHTS))
            lesions.append(paint_lesion(canvas, rng, position, side, morphology))
            if rng.random() < 0.3:   # the ovary is still seen beside the lesion
                paint_ovary(canvas, rng, position + np.array([-side * 10, 25, -25]))
        elif rng.random() < 0.9:
            paint_ovary(canvas, rng, position)
    return lesions
