"""Non-pregnant uterus for training scenes: body and cervix along a flexed axis, junctional zone,
endometrium, Nabothian cysts, and 0–12 lobulated fibroids of any FIGO type (5–120 mm).

The uterus is a :class:`~gynai.synth.primitives.Tube` from the external os to the fundus: its axis
bends by the version (cervix against the vertical) and the flexion (body against cervix), anteverted-
anteflexed or retroverted-retroflexed; the radius profile is narrow along the cervix and widens to the
body (pear shape). Size runs from small to grossly enlarged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gynai.synth.canvas import SceneCanvas
from gynai.synth.primitives import Blob, Intersection, Slab, Tube, random_lobes, rotation, smooth_curve, unit

FIGO = ("0", "1", "2", "3", "4", "5", "6", "7", "2-5", "8")
FIGO_WEIGHTS = (0.06, 0.08, 0.1, 0.12, 0.22, 0.12, 0.1, 0.06, 0.08, 0.06)


@dataclass
class UterusShape:
    """The drawn uterus: its outer tube, cavity tube, cervix part and the centre line's landmarks."""

    outer: Tube
    cavity: Tube
    cervix_samples: int
    external_os_lps_mm: np.ndarray
    fundus_lps_mm: np.ndarray


def _profile(count: int, cervix_count: int, cervix_mm: tuple[float, float], body_mm: tuple[float, float],
             ) -> tuple[np.ndarray, np.ndarray]:
    """Radii along the centre line: cervix, a widening isthmus, the body, a rounded fundus."""
    t = np.arange(count, dtype=float)
    body_start = cervix_count
    body_length = max(count - body_start, 2)
    s = np.clip((t - body_start) / body_length, 0.0, 1.0)
    widen = np.clip((t - body_start + 6) / 14.0, 0.0, 1.0)
    shape = widen * (1.0 - 0.35 * np.clip((s - 0.75) / 0.25, 0, 1) ** 2)
    radius_1 = cervix_mm[0] + (body_mm[0] - cervix_mm[0]) * shape
    radius_2 = cervix_mm[1] + (body_mm[1] - cervix_mm[1]) * shape
    return radius_1, radius_2


def draw_uterus(rng: np.random.Generator, scale: float) -> UterusShape:
    """A uterus of relative size ``scale`` (1 ≈ nulliparous adult; 0.7 small … 1.8 enlarged)."""
    external_os = np.array([rng.normal(0, 6), rng.uniform(5, 30), rng.uniform(-70, -50)])
    version = np.radians(rng.uniform(-35, 65))        # + anteverted: the cervix points down and back
    flexion = np.radians(rng.uniform(-50, 80))        # + anteflexed: the body bends forward
    twist = rotation([0, 0, 1], np.radians(rng.normal(0, 12)))
    lateral = rotation([0, 1, 0], np.radians(rng.normal(0, 10)))
    cervix_axis = twist @ lateral @ np.array([0.0, -np.sin(version), np.cos(version)])
    body_axis = rotation(twist @ np.array([1.0, 0.0, 0.0]), -flexion) @ cervix_axis
    cervix_mm = float(rng.uniform(25, 40)) * min(scale, 1.2)
    body_mm = float(rng.uniform(40, 60)) * scale
    internal_os = external_os + cervix_axis * cervix_mm
    middle = internal_os + unit(cervix_axis + 2 * body_axis) * body_mm * 0.45
    fundus = middle + body_axis * body_mm * 0.55
    line = smooth_curve([external_os, internal_os, middle, fundus])
    cervix_count = int(np.argmin(np.linalg.norm(line - internal_os, axis=1)))
    side = twist @ np.array([1.0, 0.0, 0.0])
    radius_1, radius_2 = _profile(len(line), cervix_count,
                                  (float(rng.uniform(11, 16)), float(rng.uniform(10, 14))),
                                  (float(rng.uniform(22, 32)) * scale, float(rng.uniform(16, 25)) * scale))
    outer = Tube(line, radius_1, radius_2, tuple(side))
    cavity_line = line[cervix_count: max(len(line) - int(rng.uniform(6, 11) * scale), cervix_count + 3)]
    thickness_mm = float(rng.choice([rng.uniform(1.5, 6.0), rng.uniform(6.0, 15.0)], p=[0.65, 0.35]))
    s = np.linspace(0.0, 1.0, len(cavity_line))
    cavity = Tube(cavity_line, (0.15 + 0.3 * s) * radius_1[cervix_count:cervix_count + len(cavity_line)],
                  np.full(len(cavity_line), thickness_mm / 2.0), tuple(side))
    return UterusShape(outer, cavity, cervix_count, external_os, fundus)


def _cross_section_distance(tube: Tube, index: int, direction: np.ndarray) -> float:
    """Distance from centre-line point ``index`` to the tube's surface along ``direction`` (in its plane)."""
    n1, n2 = tube._normals_1[index], tube._normals_2[index]
    a, b = float(np.dot(direction, n1)), float(np.dot(direction, n2))
    return 1.0 / np.sqrt((a / tube.radius_1_mm[index]) ** 2 + (b / tube.radius_2_mm[index]) ** 2 + 1e-12)


def place_fibroid(rng: np.random.Generator, shape: UterusShape, figo: str, diameter_mm: float) -> dict:
    """Position, shape and stalk of a fibroid of this FIGO type (type 8: cervical)."""
    outer = shape.outer
    if figo == "8":
        index = int(rng.integers(2, max(shape.cervix_samples, 3)))
    else:
        index = int(rng.integers(shape.cervix_samples + 3, len(outer.centre_line) - 3))
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.cos(angle) * outer._normals_1[index] + np.sin(angle) * outer._normals_2[index]
    centre_line_point = outer.centre_line[index]
    s_out = _cross_section_distance(outer, index, direction)
    cavity_index = index - shape.cervix_samples
    s_in = (_cross_section_distance(shape.cavity, cavity_index, direction)
            if 0 <= cavity_index < len(shape.cavity.centre_line) else 0.0)
    r = diameter_mm / 2.0
    wall = max(s_out - s_in, 4.0)
    stalk = None
    if figo == "0":
        t = s_in * 0.3
        r = min(r, 15.0)
        stalk = (centre_line_point + direction * t, centre_line_point + direction * (s_in + 3.0))
    elif figo == "1":
        t = s_in - 0.3 * r
    elif figo == "2":
        t = s_in + 0.3 * r
    elif figo == "3":
        t = s_in + r + 0.5
    elif figo == "4":
        t = (s_in + s_out) / 2.0 + (r - wall / 2.0 if r > wall / 2.0 - 3.0 else 0.0)
    elif figo == "5":
        t = s_out - 0.3 * r
    elif figo == "6":
        t = s_out + 0.3 * r
    elif figo == "7":
        t = s_out + r + float(rng.uniform(4, 15))
        stalk = (centre_line_point + direction * (s_out - 2.0), centre_line_point + direction * (t - 0.8 * r))
    elif figo == "2-5":
        r = max(r, wall / 2.0 + 4.0)
        t = (s_in + s_out) / 2.0
    else:   # cervical
        t = float(rng.uniform(0.3, 0.9)) * s_out
    radii = tuple(float(r * f) for f in rng.uniform(0.85, 1.15, 3))
    lobes = random_lobes(rng, int(rng.integers(0, 5)), (0.05, 0.3)) if r > 8 else ()
    blob = Blob(tuple(centre_line_point + direction * t), radii, rotation(rng.normal(size=3), rng.uniform(0, np.pi)),
                lobes)
    return {"figo": figo, "blob": blob, "stalk": stalk, "direction": direction, "submucous": figo in ("0", "1", "2", "2-5")}


def random_fibroid_diameter_mm(rng: np.random.Generator) -> float:
    """5–70 mm (log-uniform) nine times in ten, otherwise a large fibroid of 70–120 mm."""
    low, high = (5.0, 70.0) if rng.random() < 0.9 else (70.0, 120.0)
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def random_fibroid_specs(rng: np.random.Generator) -> list[tuple[str, float]]:
    """None (a quarter of the uteri) or 1–12 fibroids, FIGO types by frequency, 5–120 mm."""
    if rng.random() < 0.25:
        return []
    count = int(min(rng.geometric(0.35), 12))
    return [(str(rng.choice(FIGO, p=FIGO_WEIGHTS)), random_fibroid_diameter_mm(rng)) for _ in range(count)]


def paint_uterus(canvas: SceneCanvas, rng: np.random.Generator, scale: float | None = None,
                 fibroids: list[tuple[str, float]] | None = None) -> dict:
    """Paint the uterus with its fibroids; returns a summary (sizes, fibroid types)."""
    scale = float(np.exp(rng.uniform(np.log(0.7), np.log(1.8)))) if scale is None else scale
    shape = draw_uterus(rng, scale)
    specs = random_fibroid_specs(rng) if fibroids is None else fibroids
    outer = shape.outer
    canvas.paint(Tube(smooth_curve([shape.external_os_lps_mm + np.array([0, 15, -45]), shape.external_os_lps_mm]),
                      float(rng.uniform(10, 18)), float(rng.uniform(5, 9)), (1.0, 0.0, 0.0)), "vagina",
                 only=("visceral-fat", "muscle", "fat"))
    canvas.paint(outer, "myometrium", only=None)
    cervix = Tube(outer.centre_line[: shape.cervix_samples + 1], outer.radius_1_mm[: shape.cervix_samples + 1],
                  outer.radius_2_mm[: shape.cervix_samples + 1], outer.reference)
    canvas.paint(cervix, "cervix", only=("myometrium",))
    junction_mm = float(rng.uniform(2.0, 10.0))
    cavity = shape.cavity
    canvas.paint(Tube(cavity.centre_line, cavity.radius_1_mm + junction_mm, cavity.radius_2_mm + junction_mm,
                      cavity.reference), "junctional-zone", only=("myometrium",))
    canvas.paint(cavity, "endometrium")
    for _ in range(int(rng.integers(0, 4))):
        index = int(rng.integers(1, max(shape.cervix_samples, 2)))
        point = outer.centre_line[index] + rng.normal(0, 1, 3) * outer.radius_1_mm[index] * 0.35
        canvas.paint(Blob(tuple(point), (float(rng.uniform(1.5, 6.0)),) * 3), "nabothian-cyst", only=("cervix",))
    placed = [place_fibroid(rng, shape, figo, diameter) for figo, diameter in specs]
    for item in placed:   # myometrium around intramural growth: the uterus bulges with its fibroids
        if item["figo"] in ("2", "3", "4", "5", "2-5", "8"):
            canvas.paint(item["blob"].grown(float(rng.uniform(2.0, 6.0))), "myometrium",
                         only=("visceral-fat", "fat", "bowel-wall", "bowel-content", "gas", "vessel", "muscle",
                               "vagina", "urine", "bladder-wall", "rectum-content"))
        if item["stalk"] is not None:
            start, end = item["stalk"]
            canvas.paint(Tube(smooth_curve([start, end]), 3.0, 3.0), "myometrium",
                         only=None if item["figo"] == "7" else ("endometrium", "junctional-zone", "myometrium"))
    for item in placed:
        blob = item["blob"]
        if item["submucous"]:   # the endometrial lining drapes the cavity side of a submucous fibroid
            rim = Intersection((blob.grown(float(rng.uniform(1.5, 3.5))),
                                Slab(tuple(np.asarray(blob.centre_lps_mm) - item["direction"] * max(blob.radii_mm)),
                                     tuple(item["direction"]), max(blob.radii_mm))))
            canvas.paint(rim, "endometrium", only=("myometrium", "junctional-zone", "endometrium"))
        canvas.paint(blob, "fibroid")
        if rng.random() < 0.25 and max(blob.radii_mm) > 10:   # degeneration: a bright (cystic/red) core
            core = Blob(blob.centre_lps_mm, tuple(r * float(rng.uniform(0.3, 0.8)) for r in blob.radii_mm),
                        blob.rotation, random_lobes(rng, 3, (0.0, 0.3)))
            canvas.paint(core, "fibroid-degenerated", only=("fibroid",))
    return {"scale": scale, "fibroids": [{"figo": item["figo"], "diameter_mm": 2 * float(np.mean(item["blob"].radii_mm))}
                                         for item in placed],
            "fundus_lps_mm": shape.fundus_lps_mm.tolist(), "external_os_lps_mm": shape.external_os_lps_mm.tolist()}
