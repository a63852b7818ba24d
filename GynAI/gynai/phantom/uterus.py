"""Non-pregnant uterus phantom: myometrium, junctional zone, endometrium and fibroids at FIGO positions.

Fibroid placement (uterine frame; ``s_in``/``s_out`` = distance from the uterine centre to the cavity and
to the serosa along the fibroid's direction, ``r`` = fibroid radius):

| FIGO | centre distance | notes |
|---|---|---|
| 0 | cavity centre | fully surrounded by (distended) endometrium, thin stalk to the wall |

For types 0–2 and 2-5 the endometrial lining (2.5 mm) drapes the fibroid's cavity side (type 0: all of it).
| 1 | s_in − 0.3 r | mostly in the distended cavity |
| 2 | s_in + 0.3 r | mostly in the wall, bulging into the cavity |
| 3 | s_in + r + 0.5 mm, moved out until it no longer cuts into the cavity | intramural, touching the endometrium |
| 4 | (s_in + s_out) / 2 | intramural, ≥ 4 mm from cavity and serosa (radius capped to fit the wall) |
| 5 | s_out − 0.3 r | subserosal, mostly intramural |
| 6 | s_out + 0.3 r | subserosal, mostly outside |
| 7 | s_out + r + 6 mm | pedunculated subserosal, stalk to the serosa |
| 2-5 | (s_in + s_out) / 2 | hybrid: radius = half the wall + 0.5 r, bulging into cavity and beyond serosa |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from gynai.phantom.pelvis import Canvas
from gynai.phantom.shapes import Ellipsoid, cylinder_mask, rotation_matrix

FIGO_TYPES = ("0", "1", "2", "3", "4", "5", "6", "7", "2-5")
MYOMETRIUM, ENDOMETRIUM, FIBROID = 1, 2, 3


@dataclass
class FibroidSpec:
    """A fibroid to place: its FIGO type and diameter (mm)."""

    figo_type: str
    diameter_mm: float


def random_fibroids(rng: np.random.Generator) -> list[FibroidSpec]:
    """One to three fibroids of random FIGO types and sizes (12–40 mm)."""
    count = int(rng.integers(1, 4))
    return [FibroidSpec(str(rng.choice(FIGO_TYPES)), float(rng.uniform(12, 40))) for _ in range(count)]


def uterus_shapes(rng: np.random.Generator, centre: np.ndarray) -> tuple[Ellipsoid, Ellipsoid, Ellipsoid]:
    """Uterine envelope, junctional-zone envelope and endometrium, anteverted by 20–50°."""
    tilt = rotation_matrix(np.array([1.0, 0, 0]), np.radians(rng.uniform(20, 50)))
    twist = rotation_matrix(np.array([0, 0, 1.0]), np.radians(rng.uniform(-15, 15)))
    rotation = tuple((twist @ tilt).reshape(-1))
    outer = tuple(float(v) for v in np.array([26, 22, 42]) * rng.uniform(0.9, 1.12, 3))
    cavity = tuple(float(v) for v in np.array([10, 3.5, 19]) * rng.uniform(0.85, 1.15, 3))
    junction = tuple(c + 6.0 for c in cavity)
    return (Ellipsoid(tuple(centre), outer, rotation), Ellipsoid(tuple(centre), junction, rotation),
            Ellipsoid(tuple(centre), cavity, rotation))


def _direction(rng: np.random.Generator, figo_type: str) -> np.ndarray:
    """A unit direction in the uterine frame, mostly anterior/posterior/lateral (where the walls are)."""
    if figo_type in ("0",):
        base = np.array([0.0, 1.0, 0.0])
    else:
        base = np.array([rng.uniform(-1, 1), rng.choice([-1.0, 1.0]), rng.uniform(-0.4, 0.6)])
    return base / np.linalg.norm(base)


def place_fibroid(spec: FibroidSpec, outer: Ellipsoid, cavity: Ellipsoid, rng: np.random.Generator) -> dict:
    """Centre, radius and stalk of one fibroid in LPS (see the module table)."""
    if spec.figo_type not in FIGO_TYPES:
        raise ValueError(f"unknown FIGO type {spec.figo_type!r}; use one of {FIGO_TYPES}")
    d = _direction(rng, spec.figo_type)
    s_in, s_out = cavity.surface_distance_along(d), outer.surface_distance_along(d)
    r = spec.diameter_mm / 2.0
    wall = s_out - s_in
    stalk = None
    kind = spec.figo_type
    if kind == "0":
        t = 0.0
        stalk = (cavity.to_lps(d * r * 0.8), cavity.to_lps(d * (s_in + 3.0)))
    elif kind == "1":
        t = s_in - 0.3 * r
    elif kind == "2":
        t = s_in + 0.3 * r
    elif kind == "3":
        r = min(r, wall / 2.0 - 1.5)
        t = s_in + r + 0.5
    elif kind == "4":
        r = min(r, wall / 2.0 - 4.0)      # at least 4 mm of myometrium to the cavity and the serosa
        t = (s_in + s_out) / 2.0
    elif kind == "5":
        t = s_out - 0.3 * r
    elif kind == "6":
        t = s_out + 0.3 * r
    elif kind == "7":
        t = s_out + r + 6.0
        stalk = (cavity.to_lps(d * (s_out - 2.0)), cavity.to_lps(d * (t - r * 0.8)))
    else:  # hybrid 2-5
        t = (s_in + s_out) / 2.0
        r = wall / 2.0 + 0.5 * r
    r = max(r, 3.0)
    radii = tuple(float(r * f) for f in rng.uniform(0.92, 1.08, 3))
    shape = Ellipsoid(tuple(cavity.to_lps(d * t)), radii, outer.rotation)
    if kind == "3":
        shape = _clear_of(shape, cavity, d, t)
    return {"shape": shape, "stalk": stalk, "figo_type": kind, "direction": d, "cavity_distance_mm": s_in}


def _surface_samples(shape: Ellipsoid, count: int = 2000) -> np.ndarray:
    """LPS points spread evenly over an ellipsoid's surface (a Fibonacci lattice of directions)."""
    index = np.arange(count) + 0.5
    polar = np.arccos(1.0 - 2.0 * index / count)
    azimuth = np.pi * (1.0 + 5 ** 0.5) * index
    unit = np.stack([np.cos(azimuth) * np.sin(polar), np.sin(azimuth) * np.sin(polar), np.cos(polar)], axis=1)
    return np.asarray(shape.centre_lps_mm) + (unit * np.asarray(shape.radii_mm)) @ shape.matrix.T


def _clear_of(shape: Ellipsoid, cavity: Ellipsoid, direction: np.ndarray, t: float, gap_mm: float = 0.0,
              step_mm: float = 0.25) -> Ellipsoid:
    """A type 3 fibroid moved outwards along ``direction`` until it no longer cuts into the cavity (clears it
    by ``gap_mm``).

    Placed at ``s_in + r + gap`` along a direction oblique to the cavity's surface, the fibroid would cut
    into the (flat) cavity and be, geometrically, a type 2.
    """
    grown = Ellipsoid(cavity.centre_lps_mm, tuple(r + gap_mm for r in cavity.radii_mm), cavity.rotation)
    while grown.contains(_surface_samples(shape).astype(np.float32)).any():
        t += step_mm
        shape = Ellipsoid(tuple(cavity.to_lps(direction * t)), shape.radii_mm, shape.rotation)
    return shape


def _apart(a: Ellipsoid, b: Ellipsoid, margin_mm: float = 3.0) -> bool:
    distance = np.linalg.norm(np.subtract(a.centre_lps_mm, b.centre_lps_mm))
    return bool(distance > max(a.radii_mm) + max(b.radii_mm) + margin_mm)


def paint_uterus(canvas: Canvas, rng: np.random.Generator, fibroids: Optional[Sequence[FibroidSpec]],
                 centre: np.ndarray) -> tuple[dict, np.ndarray]:
    """Paint the uterus and its fibroids; return the truth dict and the fibroid instance map."""
    outer, junction, cavity = uterus_shapes(rng, centre)
    specs = list(fibroids) if fibroids is not None else random_fibroids(rng)
    placed: list[dict] = []
    for spec in specs:
        for _attempt in range(30):   # fibroids do not overlap, so each keeps its analytic shape
            item = place_fibroid(spec, outer, cavity, rng)
            if all(_apart(item["shape"], other["shape"]) for other in placed):
                break
        placed.append(item)
    points = canvas.points
    inside = outer.contains(points)
    canvas.paint(inside, "myometrium", MYOMETRIUM)
    canvas.paint(junction.contains(points) & inside, "junctional-zone", MYOMETRIUM)
    canvas.paint(cavity.contains(points), "endometrium", ENDOMETRIUM)
    for item in placed:
        if item["figo_type"] in ("0", "1", "2", "2-5"):   # distended cavity: the lining drapes the cavity side
            shape = item["shape"]
            rim = Ellipsoid(shape.centre_lps_mm, tuple(r + 2.5 for r in shape.radii_mm), shape.rotation)
            depth = cavity.local(points) @ item["direction"].astype(np.float32)
            cavity_side = depth < item["cavity_distance_mm"] + (np.inf if item["figo_type"] == "0" else 2.5)
            canvas.paint(rim.contains(points) & inside & cavity_side, "endometrium", ENDOMETRIUM)
    instances = np.zeros(canvas.labels.shape, np.uint8)
    truth_fibroids = []
    for number, item in enumerate(placed, start=1):
        shape = item["shape"]
        if item["stalk"] is not None:
            stalk = cylinder_mask(points, item["stalk"][0], item["stalk"][1], 2.5)
            canvas.paint(stalk, "myometrium", MYOMETRIUM)
        mask = shape.contains(points)
        canvas.paint(mask, "fibroid", FIBROID)
        instances[mask] = number
        truth_fibroids.append({"id": number, "figo_type": item["figo_type"],
                               "center_lps_mm": [float(c) for c in shape.centre_lps_mm],
                               "radii_mm": list(shape.radii_mm), "volume_ml": shape.volume_ml})
    truth = {"uterus_envelope": {"center_lps_mm": list(outer.centre_lps_mm), "radii_mm": list(outer.radii_mm),
                                 "rotation": list(outer.rotation), "volume_ml": outer.volume_ml},
             "cavity": {"radii_mm": list(cavity.radii_mm), "volume_ml": cavity.volume_ml},
             "fibroids": truth_fibroids}
    return truth, instances
