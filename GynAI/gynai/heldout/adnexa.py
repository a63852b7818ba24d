"""Adnexal lesions of varied O-RADS morphology.

A lesion is a displaced superellipsoid with a wall. Its inside depends on the morphology:

- ``unilocular``: one fluid compartment (simple, haemorrhagic, endometriotic or mucinous fluid);
- ``unilocular-solid``: the same with 1-6 papillary projections or a mural nodule (solid tissue);
- ``multilocular``: complete and incomplete septa (planar slabs) dividing locules of different fluids;
- ``multilocular-solid``: septated with projections, an irregular solid portion or both;
- ``solid``: solid tissue throughout (intermediate or T2-dark), with a few small cystic or necrotic foci;
- ``dermoid``: fat (sebum) with a fat-fluid level and a Rokitansky protuberance (no solid tissue).

Labels: the whole lesion (wall, septa, fluid, fat) = 1, solid tissue = 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import random_rotation, random_unit_vector
from gynai.heldout.materials import MaterialTable
from gynai.heldout.scene import Restriction
from gynai.heldout.shapes import Shape, Superellipsoid, Union, displaced

MORPHOLOGIES = ("unilocular", "unilocular-solid", "multilocular", "multilocular-solid", "solid", "dermoid")
_MORPHOLOGY_WEIGHTS = (0.22, 0.16, 0.2, 0.16, 0.14, 0.12)
FLUIDS = ("fluid_simple", "fluid_hemorrhagic", "fluid_endometriotic", "fluid_mucinous")


@dataclass
class Septum:
    """A planar septum: normal, a point on it, thickness; incomplete when ``limit`` is set."""

    point: np.ndarray
    normal: np.ndarray
    thickness_mm: float
    limit: Optional[tuple[np.ndarray, np.ndarray]] = None


@dataclass
class LesionPart:
    """Composite part painting one adnexal lesion."""

    morphology: str
    core: Superellipsoid
    outer: Shape
    wall_mm: float
    septa: list[Septum]
    solid: Optional[Shape]
    ids: dict[str, Any]
    label_lesion: int
    label_solid: int
    fluid_level_y: Optional[float] = None
    foci: Optional[Shape] = None
    restriction: Restriction = field(default_factory=Restriction)
    name: str = "adnexal lesion"
    bounds: Any = None

    def __post_init__(self) -> None:
        self.bounds = self.outer.bounds

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def paint(self, x, y, z, mat, lab) -> None:
        ids = self.ids
        d = self.outer.sdf(x, y, z)
        inside = d <= 0
        allowed = self.restriction.allowed(mat)
        if allowed is not None:
            inside &= allowed
        if not inside.any():
            return
        if self.morphology == "solid":
            mat[inside] = ids["solid"]
            lab[inside] = self.label_solid
            if self.foci is not None:
                focus = inside & (self.foci.sdf(x, y, z) <= 0)
                mat[focus] = ids["fluids"][0]
                lab[focus] = self.label_lesion
            return
        lab[inside] = self.label_lesion
        mat[inside] = ids["wall"]
        lumen = inside & (d <= -self.wall_mm)
        locule = np.zeros(np.shape(x), dtype=np.int32)
        septum_mask = np.zeros(np.shape(x), dtype=bool)
        for bit, s in enumerate(self.septa):
            side = ((x - float(s.point[0])) * float(s.normal[0]) + (y - float(s.point[1])) * float(s.normal[1])
                    + (z - float(s.point[2])) * float(s.normal[2]))
            present = np.abs(side) <= s.thickness_mm / 2
            if s.limit is not None:
                p, n = s.limit
                present &= ((x - float(p[0])) * float(n[0]) + (y - float(p[1])) * float(n[1])
                            + (z - float(p[2])) * float(n[2])) > 0
            septum_mask |= present
            locule += (side > 0).astype(np.int32) << bit
        fluids = np.asarray(ids["fluids"], dtype=np.uint8)
        mat[lumen] = fluids[locule[lumen] % len(fluids)]
        if self.fluid_level_y is not None:
            mat[lumen & (y > self.fluid_level_y)] = ids["dependent"]
        mat[lumen & septum_mask] = ids["wall"]
        if self.solid is not None:
            solid = inside & (self.solid.sdf(x, y, z) <= 0)
            mat[solid] = ids["solid"]
            lab[solid] = self.label_solid if self.morphology != "dermoid" else self.label_lesion


def sample_morphology(rng: np.random.Generator) -> str:
    """Draw an O-RADS-style morphology."""
    return str(rng.choice(MORPHOLOGIES, p=np.array(_MORPHOLOGY_WEIGHTS) / sum(_MORPHOLOGY_WEIGHTS)))


def _septa(rng: np.random.Generator, core: Superellipsoid, count: int) -> list[Septum]:
    septa = []
    r = min(core.radii_mm)
    for _ in range(count):
        normal = random_unit_vector(rng)
        point = core.center + random_unit_vector(rng) * r * float(rng.uniform(0, 0.5))
        limit = None
        if rng.uniform() < 0.3:
            limit = (point + random_unit_vector(rng) * r * 0.2, random_unit_vector(rng))
        septa.append(Septum(point, normal, float(rng.uniform(1.0, 3.0)), limit))
    return septa


def _surface_point(core: Superellipsoid, direction: np.ndarray, depth_mm: float) -> np.ndarray:
    """Point ``depth_mm`` inside the core surface along ``direction`` from its centre."""
    probe = (core.center + direction).astype(np.float32)
    d = float(core.sdf(*(np.array([v]) for v in probe))[0])
    radius = 1.0 - d
    return core.center + direction * max(radius - depth_mm, 0.0)


def _projections(rng: np.random.Generator, core: Superellipsoid, wall: float, count: int) -> Shape:
    blobs = []
    for _ in range(count):
        r = float(rng.uniform(2.5, max(3.5, min(18.0, 0.3 * min(core.radii_mm)))))
        at = _surface_point(core, random_unit_vector(rng), wall + 0.4 * r)
        blobs.append(Superellipsoid(at, (r, r * float(rng.uniform(0.7, 1.0)), r * float(rng.uniform(0.8, 1.3))),
                                    1.0, 1.0, random_rotation(rng, 180)))
    return Union(blobs, 1.0) if len(blobs) > 1 else blobs[0]


def build_lesion(rng: np.random.Generator, materials: MaterialTable, center: np.ndarray, diameter_mm: float,
                 morphology: str, index: int, label_lesion: int = 1, label_solid: int = 2,
                 restriction: Optional[Restriction] = None) -> tuple[LesionPart, dict[str, Any]]:
    """Build one lesion part and its facts."""
    r = diameter_mm / 2
    radii = tuple(float(r * f) for f in rng.uniform(0.78, 1.0, 3))
    core = Superellipsoid(center, radii, float(rng.choice([1.0, 2 / 3], p=[0.7, 0.3])), 1.0,
                          random_rotation(rng, 180))
    bumps = float(rng.uniform(0.5, 2.0) if morphology != "solid" else rng.uniform(2.0, 0.08 * r + 2.5))
    outer = displaced(core, PlaneWaves.random(rng, bumps, (0.6 * r + 10, 2 * r + 20), 4))
    wall = float(rng.uniform(1.0, 3.0))
    n_fluids = 1 if morphology.startswith("unilocular") else int(rng.integers(1, 4))
    fluid_names = [str(v) for v in rng.choice(FLUIDS, size=n_fluids, p=[0.45, 0.2, 0.15, 0.2])]
    ids: dict[str, Any] = {
        "wall": materials.add(f"cyst_wall:{index}", "ovary_stroma", t2_ms=float(rng.uniform(50, 90))),
        "fluids": [materials.index(name) for name in fluid_names],
        "solid": materials.add(f"solid_tissue:{index}", str(rng.choice(["solid_tissue", "solid_dark"], p=[0.75, 0.25])),
                               t2_ms=float(rng.uniform(40, 130))),
    }
    facts: dict[str, Any] = {"morphology": morphology, "center_mm": [round(float(v), 1) for v in center],
                             "nominal_diameter_mm": round(diameter_mm, 1), "fluids": fluid_names,
                             "wall_mm": round(wall, 1)}
    septa: list[Septum] = []
    solid: Optional[Shape] = None
    foci: Optional[Shape] = None
    level = None
    if morphology.startswith("multilocular"):
        septa = _septa(rng, core, int(rng.integers(2, 7)))
        facts["septa"] = len(septa)
    if morphology.endswith("-solid"):
        if rng.uniform() < 0.6 or r < 20:
            count = int(rng.integers(1, 7))
            solid = _projections(rng, core, wall, count)
            facts["papillary_projections"] = count
        else:
            big = r * float(rng.uniform(0.35, 0.6))
            at = _surface_point(core, random_unit_vector(rng), 0.5 * big)
            solid = displaced(Superellipsoid(at, (big, big * 0.8, big)),
                              PlaneWaves.random(rng, 0.15 * big, (big, 3 * big), 3))
            facts["solid_portion_mm"] = round(2 * big, 1)
    if morphology == "solid":
        count = int(rng.integers(0, 4))
        if count:
            foci = Union([Superellipsoid(center + random_unit_vector(rng) * r * float(rng.uniform(0, 0.5)),
                                         (r * float(rng.uniform(0.06, 0.18)),) * 3) for _ in range(count)], 0.0)
        facts["cystic_foci"] = count
        ids["fluids"] = [materials.index("fluid_simple")]
    if morphology == "dermoid":
        ids["fluids"] = [materials.index("sebum")]
        ids["solid"] = materials.add(f"rokitansky:{index}", "calcification", pd=0.3)
        ids["dependent"] = materials.index("fluid_simple")
        level = float(center[1] + rng.uniform(-0.3, 0.6) * radii[1])
        nodule = float(rng.uniform(5, max(6, 0.35 * r)))
        solid = Superellipsoid(_surface_point(core, random_unit_vector(rng), wall + 0.5 * nodule), (nodule,) * 3)
        facts["fat_fluid_level"] = True
    part = LesionPart(morphology, core, outer, wall, septa, solid, ids, label_lesion, label_solid, level, foci,
                      restriction or Restriction())
    facts["core_volume_ml"] = round(core.volume_mm3 / 1000.0, 2)
    return part, facts
