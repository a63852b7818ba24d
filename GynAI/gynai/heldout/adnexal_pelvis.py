"""Assembly of a pelvis with one or two adnexal lesions (adnexal-mass task).

The non-pregnant pelvis is built with the uterus unlabelled (fibroids, even pedunculated ones, are label 0
look-alikes here). Lesions are placed in the adnexa, or above the uterus when large, pushed away from
the uterus until they clear it; on a lesion's side the ovary is either engulfed or left as a crescent
beside it. Lesions never paint over bone, muscle, bladder or uterus, so neighbours dent them.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gynai.heldout.adnexa import build_lesion, sample_morphology
from gynai.heldout.frames import random_unit_vector, unit
from gynai.heldout.ovaries import add_ovary
from gynai.heldout.pelvis import UterusLabels, build_nongravid_pelvis
from gynai.heldout.painting import paint_points
from gynai.heldout.scene import HARD_TISSUE, Scene, restrict
from gynai.heldout.uterus import UterusOuter, UterusPart

LABEL_LESION, LABEL_SOLID = 1, 2
_AVOID = set(HARD_TISSUE) | {"myometrium", "cervix_stroma", "junctional_zone", "endometrium", "cervical_mucus",
                             "fibroid", "bladder_wall", "urine", "blood"}


def _diameter(rng: np.random.Generator, morphology: str) -> float:
    high = 100.0 if morphology in ("solid", "dermoid") else 150.0
    return float(np.exp(rng.uniform(np.log(20.0), np.log(high))))


def _blocked_fraction(scene: Scene, rng: np.random.Generator, center: np.ndarray, radius: float) -> float:
    """Fraction of a lesion's volume that neighbours it may not paint over (bone, muscle, uterus...)."""
    directions = rng.normal(size=(256, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    points = center + directions * radius * rng.uniform(0, 1, (256, 1)) ** (1 / 3)
    mat, _ = paint_points(scene, points)
    return float(scene.materials.lut(frozenset(_AVOID))[mat].mean())


def place_lesion(rng: np.random.Generator, scene: Scene, uterus: UterusPart, side: int, radius: float) -> np.ndarray:
    """Lesion centre beside (small) or above (large) the uterus, where neighbours leave it most room."""
    outer = UterusOuter(uterus)
    top = uterus.geometry.fundus_point
    best, best_score = None, np.inf
    for _ in range(10):
        if radius < 35:
            center = np.array([side * rng.uniform(30, 60), rng.uniform(-25, 25), rng.uniform(15, 60)])
        else:
            center = np.array([side * rng.uniform(10, 50), rng.uniform(-40, 5),
                               top[2] + rng.uniform(0.1, 0.6) * radius])
        push = unit(np.array([side * 1.0, -0.3, 0.6]))
        for _ in range(30):
            d = float(outer.sdf(*(np.array([v], dtype=np.float32) for v in center))[0])
            if d >= 0.8 * radius:
                break
            center = center + push * 4.0
        score = _blocked_fraction(scene, rng, center, radius)
        if score < best_score:
            best, best_score = center, score
        if score < 0.05:
            break
    return best  # type: ignore[return-value]


def build_adnexal_pelvis(scene: Scene, rng: np.random.Generator, morphology: Optional[str] = None) -> None:
    """Add a pelvis with adnexal lesions (``morphology`` forces the first lesion's morphology)."""
    count = 2 if rng.uniform() < 0.2 else 1
    first_side = int(rng.choice([-1, 1]))
    sides = [first_side] if count == 1 else [first_side, -first_side if rng.uniform() < 0.7 else first_side]
    free_sides = tuple(s for s in (-1, 1) if s not in sides)
    uterus, _ = build_nongravid_pelvis(scene, rng, UterusLabels(), int(rng.choice(3, p=[0.6, 0.25, 0.15])),
                                       free_sides)
    lesions: list[dict[str, Any]] = []
    for index, side in enumerate(sides):
        kind = morphology if (index == 0 and morphology) else sample_morphology(rng)
        diameter = _diameter(rng, kind)
        center = place_lesion(rng, scene, uterus, side, diameter / 2)
        if rng.uniform() < 0.6 and not (index == 1 and sides[0] == side):
            direction = unit(random_unit_vector(rng) * np.array([1.0, 1.0, 0.5]))
            add_ovary(scene, rng, center + direction * (diameter / 2 + 6.0), postmenopausal=False)
            scene.lookalikes.append("ovarian crescent beside lesion")
        part, facts = build_lesion(rng, scene.materials, center, diameter, kind, index, LABEL_LESION, LABEL_SOLID,
                                   restrict(not_over=_AVOID))
        scene.add(part)
        facts["side"] = "left" if side > 0 else "right"
        lesions.append(facts)
    scene.target_center_mm = np.array(lesions[0]["center_mm"], float)
    scene.target_axis = np.array([0.0, 0.0, 1.0])
    scene.facts["adnexal_lesions"] = lesions
    if scene.facts.get("fibroids"):
        scene.lookalikes.append("uterine fibroids (unlabelled here)")


def build_adnexal_scene(scene: Scene, rng: np.random.Generator, morphology: Optional[str] = None,
                        placenta_position: Optional[str] = None) -> None:
    """The ``adnexal-mass`` scene (``Task.heldout.scene``): a pelvis with adnexal lesions (``morphology`` forces
    the first one's; ``placenta_position`` does not apply)."""
    build_adnexal_pelvis(scene, rng, morphology)
