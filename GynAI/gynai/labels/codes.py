"""Coded concepts (value, coding scheme, meaning) and the categories and anatomy every task's segments use.

A segment's terminology (:mod:`gynai.labels.terminology`), the DICOM SEG segment descriptions and the SR
measurement concepts (:mod:`gynai.metrics.codes`) are all :class:`Code` values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """A coded concept (value, coding scheme designator, meaning), e.g. ``Code("35039007", "SCT", "Uterus")``."""

    value: str
    scheme: str
    meaning: str


ANATOMICAL_STRUCTURE = Code("91723000", "SCT", "Anatomical Structure")
TISSUE = Code("85756007", "SCT", "Tissue")
ABNORMAL_STRUCTURE = Code("49755003", "SCT", "Morphologically Abnormal Structure")
MYOMETRIUM = Code("GYNAI-0001", "99GYNAI", "Myometrium")
"""Myometrium has no verified standard code: a GynAI private code (Resources/Terminology/GynAI.term.json)."""
UTERUS = Code("35039007", "SCT", "Uterus")
OVARY = Code("15497006", "SCT", "Ovary")
MASS = Code("4147007", "SCT", "Mass")
