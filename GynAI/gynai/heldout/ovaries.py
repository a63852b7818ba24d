"""Normal ovaries: stroma with peripheral follicles, sometimes a dominant follicle or a corpus luteum.

Follicles and a corpus luteum are label 0 in every task (O-RADS 1: normal premenopausal findings); they
are the usual look-alikes of small cystic adnexal lesions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gynai.heldout.frames import random_rotation, random_unit_vector
from gynai.heldout.scene import HARD_TISSUE, Scene, restrict
from gynai.heldout.shapes import Superellipsoid


def ovary_center(rng: np.random.Generator, side: int) -> np.ndarray:
    """A usual ovary position (ovarian fossa, by the pelvic side wall), body frame mm."""
    return np.array([side * rng.uniform(42, 62), rng.uniform(0, 30), rng.uniform(22, 55)])


def add_ovary(scene: Scene, rng: np.random.Generator, center: np.ndarray, postmenopausal: bool,
              label: int = 0) -> dict[str, Any]:
    """Add one ovary at ``center``; returns its facts (volume, follicle count, corpus luteum)."""
    size = 0.6 if postmenopausal else 1.0
    radii = tuple(float(r) * size for r in (rng.uniform(14, 21), rng.uniform(8, 12), rng.uniform(10, 14)))
    rotation = random_rotation(rng, 40)
    ovary = Superellipsoid(center, radii, 1.0, 1.0, rotation)
    scene.add_shape("ovary", ovary, "ovary_stroma", label,
                    restriction=restrict(not_over=set(HARD_TISSUE) | {"myometrium", "cervix_stroma"}))
    facts: dict[str, Any] = {"side": "left" if center[0] > 0 else "right",
                             "volume_ml": round(ovary.volume_mm3 / 1000, 2), "follicles": 0}
    if postmenopausal:
        return facts
    inside = restrict(over={"ovary_stroma"})
    count = int(rng.integers(3, 14))
    for _ in range(count):
        direction = random_unit_vector(rng)
        r = float(rng.uniform(1.5, 4.5))
        local = direction * np.array(radii) * float(rng.uniform(0.45, 0.85))
        scene.add_shape("follicle", Superellipsoid(center + rotation @ local, (r, r, r)), "follicle", label,
                        restriction=inside)
    facts["follicles"] = count
    extra = rng.uniform()
    if extra < 0.25:
        r = float(rng.uniform(7, 13))
        at = center + rotation @ (random_unit_vector(rng) * np.array(radii) * 0.5)
        scene.add_shape("dominant follicle", Superellipsoid(at, (r, r * 0.9, r)), "follicle", label,
                        restriction=restrict(over={"ovary_stroma", "fat_visceral", "follicle"}))
        facts["dominant_follicle_mm"] = round(2 * r, 1)
    elif extra < 0.45:
        r = float(rng.uniform(8, 14))
        at = center + rotation @ (random_unit_vector(rng) * np.array(radii) * 0.5)
        wall = Superellipsoid(at, (r, r * 0.85, r * 0.9), 1.0, 1.0, random_rotation(rng, 90))
        scene.add_shape("corpus luteum", wall, "corpus_luteum", label,
                        restriction=restrict(over={"ovary_stroma", "fat_visceral", "follicle"}))
        core = str(rng.choice(["fluid_simple", "fluid_hemorrhagic"]))
        scene.add_shape("corpus luteum cyst", wall.offset(-float(rng.uniform(2, 4))), core, label,
                        restriction=restrict(over={"corpus_luteum"}))
        facts["corpus_luteum_mm"] = round(2 * r, 1)
    return facts
