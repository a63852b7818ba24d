"""Assembly of a non-pregnant female pelvis: surroundings, bladder, vagina, uterus, fibroids, ovaries.

Painting order (later parts win): couch and body, muscles and bones, bowel, vessels and nodes, bladder,
vagina, uterus, fibroid stalks and fibroids, Nabothian cysts, ovaries. Task labels are passed in, so the
same pelvis serves the fibroid task (uterus labelled) and the adnexal task (uterus label 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from gynai.heldout.body import add_body
from gynai.heldout.bowel import add_large_bowel, add_small_bowel
from gynai.heldout.fibroids import Fibroid, add_fibroid_parts, plan_fibroids, sample_diameters, sample_fibroid_count
from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import random_rotation, unit
from gynai.heldout.organs import (add_bladder, add_free_fluid, add_lymph_nodes, add_small_vessels, add_vagina,
                                  add_vessels)
from gynai.heldout.ovaries import add_ovary, ovary_center
from gynai.heldout.painting import paint_points
from gynai.heldout.scene import HARD_TISSUE, Scene, restrict
from gynai.heldout.shapes import Shape, Superellipsoid
from gynai.heldout.skeleton import add_skeleton
from gynai.heldout.uterus import UterusGeometry, UterusOuter, UterusPart, UterusPlan


@dataclass(frozen=True)
class UterusLabels:
    """Label values given to uterine wall, cavity, fibroids and bladder in a task (0 = unlabelled)."""

    wall: int = 0
    cavity: int = 0
    fibroid: int = 0
    bladder: int = 0


def new_scene(task: str, rng: np.random.Generator) -> Scene:
    """An empty scene with a random patient pose (a few degrees of rotation, table offset)."""
    scene = Scene(task)
    scene.pose_rotation = random_rotation(rng, 6.0)
    scene.pose_translation_mm = np.array([rng.uniform(-20, 20), rng.uniform(-30, 10), rng.uniform(-60, 60)])
    return scene


def add_surroundings(scene: Scene, rng: np.random.Generator, belly: Optional[Shape] = None,
                     bowel_region: tuple[tuple[float, ...], tuple[float, ...]] = ((-100, -75, 25), (100, 30, 220)),
                     cervix: np.ndarray = np.array([0.0, 15.0, 0.0])) -> dict[str, Any]:
    """Body, bones and muscles, large and small bowel, vessels and lymph nodes."""
    add_body(scene, rng, belly)
    facts: dict[str, Any] = dict(add_skeleton_facts(scene, rng, belly is not None))
    facts["large_bowel"] = add_large_bowel(scene, rng)
    facts["small_bowel_loops"] = add_small_bowel(scene, rng, int(rng.integers(6, 15)),
                                                 np.array(bowel_region[0], float), np.array(bowel_region[1], float))
    add_vessels(scene, rng, facts["pelvic_scale"], cervix)
    add_small_vessels(scene, rng, int(rng.integers(15, 36)), np.array(bowel_region[0], float),
                      np.array(bowel_region[1], float))
    facts["lymph_nodes"] = add_lymph_nodes(scene, rng, int(rng.choice(5, p=[0.4, 0.25, 0.15, 0.1, 0.1])))
    if facts["lymph_nodes"]:
        scene.lookalikes.append("pelvic lymph nodes")
    if any(k != "stool" for k in facts["small_bowel_loops"]):
        scene.lookalikes.append("fluid-filled bowel loops")
    return facts


def add_skeleton_facts(scene: Scene, rng: np.random.Generator, pregnant: bool) -> dict[str, Any]:
    """Add bones and muscles (kept separate so the import stays local)."""
    return add_skeleton(scene, rng, pregnant)


def _fit_posture(rng: np.random.Generator, plan: UterusPlan, waves: PlaneWaves) -> UterusGeometry:
    """Reduce flexion until the fundus stays in front of the rectum and behind the abdominal wall."""
    geometry = UterusGeometry.build(plan, waves)
    for _ in range(8):
        top = geometry.fundus_point
        back = top[1] + plan.fundus_half_depth
        front = top[1] - plan.fundus_half_depth
        if back <= 40.0 and front >= -75.0 and top[2] <= 170.0:
            break
        plan.flexion_deg *= 0.7
        plan.version_deg = plan.version_deg * 0.85 + (5.0 if back > 40.0 else 0.0)
        geometry = UterusGeometry.build(plan, waves)
    return geometry


def add_nabothian_cysts(scene: Scene, rng: np.random.Generator, geometry: UterusGeometry, count: int) -> int:
    """Small fluid cysts in the cervical stroma (label 0)."""
    for _ in range(count):
        s = float(rng.uniform(3, max(geometry.internal_os_s - 3, 4)))
        point, _, u, v = geometry.line.frame_at(s)
        angle = rng.uniform(0, 2 * np.pi)
        r = float(rng.uniform(1.5, 5.5))
        at = point + (np.cos(angle) * u + np.sin(angle) * v) * float(rng.uniform(4, 9))
        scene.add_shape("Nabothian cyst", Superellipsoid(at, (r, r, r * 1.2)), "fluid_simple",
                        restriction=restrict(over={"cervix_stroma"}))
    return count


def build_nongravid_pelvis(scene: Scene, rng: np.random.Generator, labels: UterusLabels,
                           fibroid_count: Optional[int] = None,
                           extra_ovary_sides: tuple[int, ...] = (-1, 1)) -> tuple[UterusPart, list[Fibroid]]:
    """Add a whole non-pregnant pelvis to ``scene``; returns the uterus part and its fibroids."""
    count = sample_fibroid_count(rng) if fibroid_count is None else fibroid_count
    diameters = sample_diameters(rng, count)
    enlargement = 1.0 + (0.35 if diameters and diameters[0] > 55 else 0.0) + (0.2 if count >= 4 else 0.0)
    plan = UterusPlan.random(rng, enlargement)
    waves = PlaneWaves.random(rng, float(rng.uniform(0.5, 2.5)), (25, 90), 4)
    geometry = _fit_posture(rng, plan, waves)
    cervix_point = geometry.line.frame_at(geometry.internal_os_s / 2)[0]
    facts = add_surroundings(scene, rng, cervix=cervix_point)
    walls = scene.materials.lut(HARD_TISSUE)

    def blocked(center: np.ndarray, radius: float) -> float:
        directions = rng.normal(size=(128, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        points = center + directions * radius * rng.uniform(0, 1, (128, 1)) ** (1 / 3)
        return float(walls[paint_points(scene, points)[0]].mean())

    fibroids = plan_fibroids(rng, geometry, diameters, blocked)
    m = scene.materials
    ids = {name: m.index(name) for name in ("myometrium", "cervix_stroma", "junctional_zone", "endometrium",
                                            "cervical_mucus")}
    part = UterusPart(geometry, ids, labels.wall, labels.cavity,
                      [(f.shape, f.cover_mm) for f in fibroids if f.cover_mm is not None],
                      [(f.shape, (2.2 if f.figo == "0" else 0.6) * f.radius_mm) for f in fibroids if f.in_cavity],
                      restrict(not_over=set(HARD_TISSUE)))
    facts["bladder"] = add_bladder(scene, rng, labels.bladder, float(rng.uniform(30, 450)), UterusOuter(part))
    add_vagina(scene, rng, plan.external_os, geometry.line.tangents[0])
    scene.add(part)
    add_fibroid_parts(scene, rng, fibroids, labels.fibroid, labels.wall)
    nabothian = add_nabothian_cysts(scene, rng, geometry, int(rng.choice(5, p=[0.45, 0.2, 0.15, 0.1, 0.1])))
    if nabothian:
        scene.lookalikes.append("Nabothian cysts")
    postmenopausal = plan.endometrium_mm < 4.0 and rng.uniform() < 0.6
    facts["ovaries"] = [add_ovary(scene, rng, ovary_center(rng, side), postmenopausal) for side in extra_ovary_sides]
    scene.lookalikes.append("normal ovaries")
    fluid = rng.choice(["none", "small", "moderate"], p=[0.55, 0.35, 0.1])
    if fluid != "none":
        back = geometry.line.frame_at(geometry.internal_os_s)[0] + np.array([0.0, 28.0, 5.0])
        add_free_fluid(scene, rng, back, str(fluid))
        scene.lookalikes.append("free pelvic fluid")
    top = geometry.fundus_point
    scene.target_center_mm = (plan.external_os + top) / 2
    scene.target_axis = unit(top - cervix_point)
    scene.facts.update(facts)
    scene.facts["cervix_mm"] = [round(float(v), 2) for v in plan.external_os]
    scene.facts["uterus"] = {
        "version_deg": round(plan.version_deg, 1), "flexion_deg": round(plan.flexion_deg, 1),
        "lateral_deg": round(plan.lateral_deg, 1), "cervix_length_mm": round(plan.cervix_length, 1),
        "corpus_length_mm": round(plan.body_length, 1), "fundus_width_mm": round(2 * plan.fundus_half_width, 1),
        "endometrium_thickness_mm": round(plan.endometrium_mm, 1),
        "junctional_zone_mm": round(plan.junctional_zone_mm, 1),
        "adenomyosis_like": plan.junctional_zone_mm >= 12, "nabothian_cysts": nabothian,
        "free_fluid": str(fluid)}
    scene.facts["fibroids"] = [f.facts() for f in fibroids]
    return part, fibroids


def build_uterus_fibroid_scene(scene: Scene, rng: np.random.Generator, morphology: Optional[str] = None,
                               placenta_position: Optional[str] = None) -> None:
    """The ``uterus-fibroid`` scene (``Task.heldout.scene``): a non-pregnant pelvis, the uterus labelled
    (wall 1, cavity 2, fibroids 3); ``morphology`` and ``placenta_position`` do not apply."""
    build_nongravid_pelvis(scene, rng, UterusLabels(wall=1, cavity=2, fibroid=3))
