"""Tissue properties of the held-out phantom: MR relaxation, CT attenuation and ultrasound echo.

Each voxel of the internal grid holds a material index. A material carries physical properties, not a
display intensity: proton density, T1 and T2 at 1.5 T (ms), fat fraction, whether it is flowing blood,
CT number without and with intravenous contrast (HU), ultrasound backscatter, attenuation and acoustic
impedance, and a texture strength. The renderers turn these into signal with their own equations.

Relaxation values are rounded from published 1.5 T measurements of pelvic tissues (e.g. Takatsu et al.,
Acta Radiol 2015: endometrium T2 about 210 ms, junctional zone about 70 ms, myometrium about 140 ms;
other series report lower values, hence wide per-case jitter) and textbook values for fat, muscle and
fluid. They are approximations, chosen to give the usual T2-weighted order: fluid > endometrium >
myometrium > junctional zone/cervical stroma > muscle, with fat bright on fast spin echo.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gynai.errors import LabelError


@dataclass(frozen=True)
class Material:
    """Physical properties of one tissue (see the module docstring for units)."""

    name: str
    pd: float
    t1_ms: float
    t2_ms: float
    hu: float
    hu_enhance: float = 0.0
    echo: float = 0.8
    atten_db_cm_mhz: float = 0.6
    impedance_mrayl: float = 1.62
    fat_fraction: float = 0.0
    flow: bool = False
    texture: float = 0.05


def _m(name, pd, t1, t2, hu, enh=0.0, echo=0.8, att=0.6, z=1.62, fat=0.0, flow=False, tex=0.05) -> Material:
    return Material(name, pd, t1, t2, hu, enh, echo, att, z, fat, flow, tex)


BASE_MATERIALS: dict[str, Material] = {m.name: m for m in (
    _m("air", 0.0, 1000, 1, -1000, echo=0.0, att=0.0, z=0.0004, tex=0.0),
    _m("table", 0.0, 1000, 1, 180, echo=0.0, att=0.0, z=2.0, tex=0.0),
    _m("fat_subcut", 0.95, 340, 135, -105, echo=0.8, att=0.6, z=1.38, fat=1.0, tex=0.04),
    _m("fat_visceral", 0.95, 340, 135, -95, echo=0.85, att=0.6, z=1.38, fat=1.0, tex=0.07),
    _m("muscle", 0.75, 1000, 45, 50, 15, echo=0.5, att=1.0, z=1.65, tex=0.05),
    _m("bone_cortex", 0.04, 1000, 2, 900, echo=3.0, att=20.0, z=7.8, tex=0.05),
    _m("marrow", 0.85, 550, 110, 220, 10, echo=1.5, att=5.0, z=5.0, fat=0.6, tex=0.10),
    _m("disc", 0.85, 1200, 100, 80, 10, echo=0.9, att=0.8, tex=0.04),
    _m("csf", 1.0, 4000, 1800, 8, echo=0.02, att=0.002, z=1.52, tex=0.0),
    _m("urine", 1.0, 3500, 1500, 6, echo=0.02, att=0.002, z=1.52, tex=0.0),
    _m("bladder_wall", 0.75, 1000, 45, 45, 40, echo=0.8, z=1.63, tex=0.04),
    _m("blood", 0.9, 1500, 220, 45, 140, echo=0.04, att=0.15, z=1.61, flow=True, tex=0.02),
    _m("myometrium", 0.82, 1300, 115, 45, 80, echo=0.8, att=0.7, tex=0.06),
    _m("junctional_zone", 0.78, 1150, 60, 45, 60, echo=0.5, att=0.7, tex=0.05),
    _m("endometrium", 0.88, 1650, 190, 35, 25, echo=1.3, att=0.6, z=1.60, tex=0.05),
    _m("cervix_stroma", 0.78, 1150, 62, 45, 45, echo=0.75, att=0.8, tex=0.05),
    _m("cervical_mucus", 0.95, 2500, 500, 15, echo=0.1, att=0.05, z=1.55, tex=0.02),
    _m("fibroid", 0.75, 1100, 50, 45, 60, echo=0.6, att=1.3, tex=0.12),
    _m("fluid_simple", 1.0, 3500, 1400, 8, echo=0.02, att=0.002, z=1.52, tex=0.0),
    _m("fluid_hemorrhagic", 0.95, 700, 250, 45, echo=0.3, att=0.05, z=1.56, tex=0.25),
    _m("fluid_endometriotic", 0.9, 450, 70, 40, echo=0.35, att=0.1, z=1.57, tex=0.05),
    _m("fluid_mucinous", 0.97, 1800, 600, 20, echo=0.12, att=0.02, z=1.54, tex=0.06),
    _m("sebum", 0.95, 340, 140, -90, echo=1.8, att=3.0, z=1.38, fat=1.0, tex=0.1),
    _m("calcification", 0.05, 1000, 2, 500, echo=3.0, att=25.0, z=5.0, tex=0.05),
    _m("ovary_stroma", 0.8, 1450, 115, 35, 35, echo=0.75, att=0.6, tex=0.06),
    _m("follicle", 1.0, 2300, 600, 8, echo=0.02, att=0.002, z=1.52, tex=0.0),
    _m("corpus_luteum", 0.85, 1100, 80, 40, 90, echo=1.0, att=0.7, tex=0.08),
    _m("solid_tissue", 0.82, 1200, 95, 40, 55, echo=0.85, att=0.8, tex=0.12),
    _m("solid_dark", 0.72, 1000, 45, 38, 20, echo=0.6, att=1.5, tex=0.06),
    _m("bowel_wall", 0.8, 1100, 70, 40, 60, echo=0.9, att=0.7, tex=0.06),
    _m("bowel_fluid", 0.98, 2800, 700, 15, echo=0.08, att=0.02, z=1.54, tex=0.10),
    _m("feces", 0.7, 800, 90, 20, echo=1.6, att=3.0, z=1.5, fat=0.1, tex=0.35),
    _m("gas", 0.0, 1000, 1, -1000, echo=2.5, att=40.0, z=0.0004, tex=0.0),
    _m("vaginal_wall", 0.78, 1100, 65, 45, 45, echo=0.7, att=0.7, tex=0.05),
    _m("vaginal_mucus", 0.95, 2500, 350, 15, echo=0.1, att=0.05, z=1.55, tex=0.02),
    _m("lymph_node", 0.82, 1100, 85, 40, 40, echo=0.5, att=0.6, tex=0.05),
    _m("placenta", 0.92, 1350, 190, 45, 110, echo=1.0, att=0.6, tex=0.08),
    _m("placenta_dark", 0.8, 1100, 60, 45, 40, echo=0.9, att=0.7, tex=0.05),
    _m("amniotic_fluid", 1.0, 3600, 1600, 6, echo=0.02, att=0.002, z=1.52, tex=0.0),
    _m("fetal_brain", 0.97, 2800, 320, 22, 10, echo=0.25, att=0.4, z=1.56, tex=0.04),
    _m("fetal_skull", 0.3, 900, 15, 250, echo=2.5, att=10.0, z=3.0, tex=0.05),
    _m("fetal_body", 0.85, 1400, 110, 30, 40, echo=0.7, att=0.6, tex=0.06),
    _m("fetal_lung", 0.95, 2300, 250, 25, 20, echo=0.9, att=0.6, tex=0.04),
    _m("cord", 0.9, 1500, 150, 40, 80, echo=0.6, att=0.5, tex=0.04),
)}

FAT_T1_MS = 340.0
"""T1 of the fat component of mixed tissues (marrow) at 1.5 T."""
FAT_T2_MS = 135.0
"""Apparent T2 of fat on fast spin echo (J-coupling keeps fat bright)."""


class MaterialTable:
    """The materials of one phantom, indexed 0..N-1 (index 0 is always air)."""

    def __init__(self) -> None:
        self.materials: list[Material] = []
        self._index: dict[str, int] = {}
        self.add("air")

    def add(self, name: str, base: str | None = None, **changes: float) -> int:
        """Register a material (a base one, or a variant of ``base`` with changed properties); its index."""
        if name in self._index:
            return self._index[name]
        source = BASE_MATERIALS.get(base or name)
        if source is None:
            raise LabelError(f"unknown held-out material '{base or name}'")
        if len(self.materials) >= 255:
            raise LabelError("a held-out phantom may hold at most 255 materials")
        self.materials.append(replace(source, name=name, **changes))
        self._index[name] = len(self.materials) - 1
        return self._index[name]

    def index(self, name: str) -> int:
        """Index of a registered material (registered on first use when it is a base material)."""
        return self._index[name] if name in self._index else self.add(name)

    def names(self) -> list[str]:
        """Material names in index order."""
        return [m.name for m in self.materials]

    def property_array(self, attribute: str) -> np.ndarray:
        """One property of all materials as a float32 array indexed by material index."""
        return np.array([float(getattr(m, attribute)) for m in self.materials], dtype=np.float32)

    def lut(self, names: set[str] | frozenset[str]) -> np.ndarray:
        """Boolean look-up table over 256 indices: True for registered materials whose name is in ``names``."""
        table = np.zeros(256, dtype=bool)
        for i, m in enumerate(self.materials):
            table[i] = m.name in names or m.name.split(":")[0] in names
        return table

    def jittered(self, rng: np.random.Generator, relative: float = 0.08) -> "MaterialTable":
        """A copy with every material's properties varied a little (one draw per material)."""
        out = MaterialTable()
        out.materials = []
        for m in self.materials:
            f = np.exp(rng.normal(0.0, relative, 4))
            out.materials.append(replace(
                m, pd=min(m.pd * f[0], 1.0), t1_ms=m.t1_ms * f[1], t2_ms=m.t2_ms * f[2], echo=m.echo * f[3],
                hu=m.hu + (rng.normal(0.0, 6.0) if -300 < m.hu < 300 else 0.0),
                hu_enhance=m.hu_enhance * float(np.exp(rng.normal(0.0, 0.15)))))
        out._index = dict(self._index)
        return out
