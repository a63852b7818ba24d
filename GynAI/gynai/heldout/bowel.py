"""Bowel: rectum, sigmoid and colon, and small-bowel loops as walled tubes with gas, fluid or stool.

The patient lies supine, so gas rises anteriorly: inside each loop, lumen points anterior to a gas
level (a coronal plane, y = constant) are gas, the rest fluid or stool. Stool is mottled with small gas
bubbles (where a short-wavelength random field is high). Walls of all pieces of a segment are painted
before their contents, so joints stay open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import unit
from gynai.heldout.materials import MaterialTable
from gynai.heldout.scene import HARD_TISSUE, Restriction, Scene, inside_where, restrict
from gynai.heldout.shapes import Tube


@dataclass
class BowelContent:
    """Lumen content of one bowel piece: gas above the level, fluid or stool below (bubbly stool)."""

    name: str
    lumen: Tube
    content: int
    gas: int
    gas_level_y: float
    bubbles: Optional[PlaneWaves] = None
    restriction: Restriction = field(default_factory=Restriction)
    bounds: Any = None

    def __post_init__(self) -> None:
        self.bounds = self.lumen.bounds

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def paint(self, x, y, z, mat, lab) -> None:
        lumen = inside_where(self.lumen.sdf, x, y, z, self.restriction.allowed(mat))
        if not lumen.any():
            return
        mat[lumen] = self.content
        gas = lumen & (y < float(self.gas_level_y))
        if self.bubbles is not None:
            gas |= lumen & (self.bubbles(x, y, z) > 0.5 * self.bubbles.max_abs_mm)
        mat[gas] = self.gas


def _random_walk(rng: np.random.Generator, start: np.ndarray, steps: int, step_mm: float,
                 box_lo: np.ndarray, box_hi: np.ndarray) -> np.ndarray:
    points = [start]
    direction = unit(rng.normal(size=3))
    for _ in range(steps):
        direction = unit(direction + rng.normal(scale=0.7, size=3))
        nxt = points[-1] + step_mm * direction
        outside = (nxt < box_lo) | (nxt > box_hi)
        direction[outside] *= -1
        points.append(np.clip(nxt, box_lo, box_hi))
    return np.array(points)


def _add_segment(scene: Scene, rng: np.random.Generator, name: str, tube: Tube, stool: bool,
                 wall_mm: float) -> str:
    """Add a walled bowel segment: all wall pieces first, then the content of every piece."""
    m = scene.materials
    kind = rng.choice(["fluid", "gas-fluid", "stool"], p=[0.2, 0.3, 0.5] if stool else [0.55, 0.3, 0.15])
    content = m.index("feces" if kind == "stool" else "bowel_fluid")
    top = float(tube.bounds[0][1])
    depth = float(tube.bounds[1][1] - tube.bounds[0][1])
    level = top + depth * (float(rng.uniform(0.15, 0.5)) if kind == "gas-fluid" else 0.0) - 1.0
    bubbles = PlaneWaves.random(rng, 1.0, (4.0, 10.0), 8) if kind == "stool" else None
    scene.add_shape(name, tube, "bowel_wall", restriction=restrict(not_over=set(HARD_TISSUE) - {"muscle"}))
    lumen = Tube(tube.points, np.maximum(tube.radii_mm - wall_mm, 1.0))
    for piece in lumen.pieces():
        scene.add(BowelContent(name, piece, content, m.index("gas"), level, bubbles,
                               restrict(over={"bowel_wall"})))
    return str(kind)


def add_large_bowel(scene: Scene, rng: np.random.Generator) -> dict[str, Any]:
    """Rectum, sigmoid loop and descending colon (left), caecum and ascending colon (right)."""
    r_rectum = float(rng.uniform(10, 22))
    sig = np.array([rng.uniform(15, 40), rng.uniform(-25, 10), rng.uniform(55, 80)])
    rectum = np.array([(0, 24, -75), (0, 38, -45), (0, 48, -15), (rng.uniform(-5, 5), 50, 12),
                       (rng.uniform(0, 10), 42, 40), (sig[0] * 0.5, 25, sig[2] - 10), tuple(sig),
                       (sig[0] + rng.uniform(15, 35), rng.uniform(0, 30), sig[2] + rng.uniform(10, 30)),
                       (rng.uniform(85, 100), 35, 150), (rng.uniform(90, 105), 40, 260)], float)
    radii = np.array([5, 0.7 * r_rectum, r_rectum, r_rectum, 0.85 * r_rectum, 14, 14, 15, 18, 18])
    facts = {"rectum_radius_mm": round(r_rectum, 1),
             "rectosigmoid": _add_segment(scene, rng, "rectum and sigmoid", Tube(rectum, radii), True,
                                          float(rng.uniform(2, 4)))}
    caecum = np.array([(-rng.uniform(55, 80), rng.uniform(-20, 10), rng.uniform(30, 60)),
                       (-rng.uniform(80, 95), 20, 110), (-rng.uniform(85, 100), 30, 260)])
    facts["caecum"] = _add_segment(scene, rng, "caecum and colon", Tube(caecum, np.array([28.0, 22.0, 20.0]) *
                                                                        float(rng.uniform(0.7, 1.1))),
                                   True, 2.5)
    return facts


def add_small_bowel(scene: Scene, rng: np.random.Generator, count: int, region_lo: np.ndarray,
                    region_hi: np.ndarray) -> list[str]:
    """Small-bowel loops wandering inside a box (mm); returns their contents."""
    kinds = []
    for _ in range(count):
        start = rng.uniform(region_lo, region_hi)
        path = _random_walk(rng, start, int(rng.integers(4, 9)), float(rng.uniform(14, 22)), region_lo, region_hi)
        tube = Tube(path, np.full(len(path), float(rng.uniform(9, 15))))
        kinds.append(_add_segment(scene, rng, "small bowel", tube, False, float(rng.uniform(1.5, 3.0))))
    return kinds
