"""MR contrast: pulse-sequence choice and the signal equation applied to each material.

Sequences: T2-weighted fast spin echo (``T2-FSE``, optionally fat saturated ``T2-FSE-FS``), single-shot
fast spin echo (``T2-SSFSE``, long TR, blurred along the phase direction by T2 decay), balanced
steady-state free precession (``bSSFP``, T2/T1 contrast, bright blood) and a T1-weighted spin echo
(``T1-SE``). The spin-echo signal is ``PD (1 - exp(-TR/T1)) exp(-TE/T2)``; bSSFP uses the on-resonance
steady state ``PD sin(a) (1 - E1) / (1 - (E1 - E2) cos(a) - E1 E2)``. Tissue fat is a separate
component (so that fat saturation and mixed tissues such as marrow behave). Flowing blood gives a flow
void on spin echo and stays bright on bSSFP. At 3 T, T1 is lengthened and T2 slightly shortened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gynai.heldout.materials import FAT_T1_MS, FAT_T2_MS, MaterialTable
from gynai.tasks import get_task

SEQUENCES = ("T2-FSE", "T2-FSE-FS", "T2-SSFSE", "bSSFP", "T1-SE")

@dataclass(frozen=True)
class MRContrast:
    """Sequence parameters of one series."""

    name: str
    tr_ms: float
    te_ms: float
    flip_deg: float
    fat_saturation: bool
    field_tesla: float
    flow_factor: float

    def describe(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def sample_contrast(rng: np.random.Generator, task: str, name: str | None = None) -> MRContrast:
    """Draw a sequence (or use ``name``) and its parameters for a task (T2-weighted most of the time)."""
    weights = np.array(get_task(task).heldout.mr_sequences)
    drawn = str(rng.choice(SEQUENCES, p=weights / weights.sum()))
    name = drawn if name is None else name
    field = float(rng.choice([1.5, 3.0], p=[0.55, 0.45]))
    u = rng.uniform
    if name in ("T2-FSE", "T2-FSE-FS"):
        return MRContrast(name, float(u(2500, 6500)), float(u(80, 130)), 90.0, name.endswith("FS"), field,
                          float(u(0.03, 0.25)))
    if name == "T2-SSFSE":
        return MRContrast(name, 1e6, float(u(75, 110)), 90.0, bool(u() < 0.2), field, float(u(0.02, 0.15)))
    if name == "bSSFP":
        return MRContrast(name, float(u(3.2, 5.0)), 0.0, float(u(45, 75)), False, field, float(u(1.0, 1.4)))
    return MRContrast(name, float(u(420, 700)), float(u(8, 16)), 90.0, False, field, float(u(0.05, 0.3)))


def _relaxed(t1: np.ndarray, t2: np.ndarray, field: float, fat: bool) -> tuple[np.ndarray, np.ndarray]:
    if field >= 3.0:
        return t1 * (1.12 if fat else 1.25), t2 * 0.92
    return t1, t2


def _equation(c: MRContrast, pd: np.ndarray, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    t1 = np.maximum(t1, 1.0)
    t2 = np.maximum(t2, 0.5)
    if c.name == "bSSFP":
        a = np.radians(c.flip_deg)
        e1, e2 = np.exp(-c.tr_ms / t1), np.exp(-c.tr_ms / t2)
        return pd * np.sin(a) * (1 - e1) / (1 - (e1 - e2) * np.cos(a) - e1 * e2)
    return pd * (1 - np.exp(-c.tr_ms / t1)) * np.exp(-c.te_ms / t2)


def signal_tables(contrast: MRContrast, materials: MaterialTable) -> tuple[np.ndarray, np.ndarray]:
    """Water and fat signal of every material (float32 arrays indexed by material index)."""
    pd = materials.property_array("pd").astype(float)
    t1 = materials.property_array("t1_ms").astype(float)
    t2 = materials.property_array("t2_ms").astype(float)
    ff = materials.property_array("fat_fraction").astype(float)
    flow = materials.property_array("flow").astype(bool)
    pure_fat = ff >= 0.99
    wt1, wt2 = _relaxed(t1, t2, contrast.field_tesla, False)
    ft1_own, ft2_own = _relaxed(t1, t2, contrast.field_tesla, True)
    ft1 = np.where(pure_fat, ft1_own, _relaxed(np.array(FAT_T1_MS), np.array(FAT_T2_MS), contrast.field_tesla,
                                               True)[0])
    ft2 = np.where(pure_fat, ft2_own, FAT_T2_MS * (0.92 if contrast.field_tesla >= 3 else 1.0))
    water = _equation(contrast, pd * (1 - ff), wt1, wt2)
    fat = _equation(contrast, pd * ff, ft1, ft2)
    water = np.where(flow, water * contrast.flow_factor, water)
    return water.astype(np.float32), fat.astype(np.float32)
