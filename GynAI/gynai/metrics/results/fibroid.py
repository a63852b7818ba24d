"""The ``uterus-fibroid`` block: the fibroid map (``fibroid_map``, and its fibroids again as ``fibroids``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from gynai.image import Image, LabelImage
from gynai.metrics.fibroid_map import fibroid_map
from gynai.metrics.findings import Finding, block_findings
from gynai.metrics.results.base import FLATTEN, JsonRecord, extra_field
from gynai.metrics.results.lesion import Lesion, lesion_from
from gynai.metrics.results.structure import StructureMetrics

FIBROID_KEYS = ("figo_type", "depth_into_cavity_mm", "depth_beyond_serosa_mm", "diameter_fraction_in_cavity",
                "diameter_fraction_outside_uterus", "neck_width_mm", "pedunculated", "volume_ml", "ellipsoid_volume_ml",
                "max_feret_diameter_mm", "distance_to_endometrium_mm", "distance_to_serosa_mm", "t2_ratio_to_myometrium", "t2_ratio_to_muscle",
                "funaki_class")
"""The coded findings of each fibroid, in report order."""
SUMMARY_KEYS = ("count", "uterine_volume_ml", "total_fibroid_volume_ml", "burden_percent")
"""The coded findings of the uterus."""


@dataclass(frozen=True)
class FibroidMetrics(JsonRecord):
    """One fibroid (numbered by decreasing volume): its shape figures, FIGO type, distances and T2 signal."""

    id: Optional[int] = None
    shape: StructureMetrics = dataclasses.field(default_factory=StructureMetrics, metadata=FLATTEN)
    diameters_mm: Optional[tuple[float, ...]] = None
    figo_type: Optional[str] = None
    figo_note: Optional[str] = None
    fraction_in_cavity: Optional[float] = None
    fraction_intramural: Optional[float] = None
    fraction_outside_uterus: Optional[float] = None
    touches_endometrium: Optional[bool] = None
    depth_into_cavity_mm: Optional[float] = None
    depth_beyond_serosa_mm: Optional[float] = None
    diameter_fraction_in_cavity: Optional[float] = None
    diameter_fraction_outside_uterus: Optional[float] = None
    neck_width_mm: Optional[float] = None
    pedunculated: Optional[bool] = None
    distance_to_endometrium_mm: Optional[float] = None
    distance_to_serosa_mm: Optional[float] = None
    t2_ratio_to_myometrium: Optional[float] = None
    t2_ratio_to_muscle: Optional[float] = None
    funaki_class: Optional[str] = None
    extra: Mapping[str, Any] = extra_field()


@dataclass(frozen=True)
class FibroidMap(JsonRecord):
    """The fibroid map of a ``uterus-fibroid`` segmentation (:mod:`gynai.metrics.fibroid_map`)."""

    count: Optional[int] = None
    fibroids: tuple[FibroidMetrics, ...] = ()
    dominant_fibroid_id: Optional[int] = None
    total_fibroid_volume_ml: Optional[float] = None
    uterine_volume_ml: Optional[float] = None
    burden_percent: Optional[float] = None
    muscle_reference: Optional[bool] = None
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = extra_field()

    @classmethod
    def measure(cls, labels: LabelImage, image: Optional[Image], references: Mapping[str, np.ndarray],
                modality: str, structures: Mapping[str, StructureMetrics]) -> "FibroidMap":
        """The fibroid map of a segmentation; a ``muscle`` reference region gives the Funaki class its scale."""
        return cls.from_json(fibroid_map(labels, image, references.get("muscle")))

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Optional["FibroidMap"]:
        """The block of a document (its ``fibroids`` when ``fibroid_map`` lacks them), or None."""
        block = document.get("fibroid_map")
        if not isinstance(block, Mapping):
            return cls.from_json({"fibroids": document["fibroids"]}) if isinstance(document.get("fibroids"), list) \
                else None
        if "fibroids" not in block and isinstance(document.get("fibroids"), list):
            block = {**block, "fibroids": document["fibroids"]}
        return cls.from_json(block)

    def document_items(self) -> list[tuple[str, Any]]:
        """``fibroid_map``, and ``fibroids`` (the same list object: DESIGN.md's minimum key)."""
        block = self.to_json()
        return [("fibroid_map", block), ("fibroids", block["fibroids"])]

    def findings(self) -> list[Finding]:
        """The uterus summary, then each fibroid's findings."""
        rows = block_findings("uterus", self.to_json(), SUMMARY_KEYS)
        for item in self.fibroids:
            rows += block_findings(f"fibroid {item.id}", item.to_json(), FIBROID_KEYS)
        return rows

    def tracked_lesions(self) -> list[Lesion]:
        """Each fibroid as a lesion."""
        return [lesion_from(number, item.to_json(), item.diameters_mm, item.figo_type)
                for number, item in enumerate(self.fibroids, start=1)]

    def instance_values(self, number: int) -> dict[str, Any]:
        """The figures of fibroid ``number``."""
        return self.fibroids[number - 1].to_json()

    @property
    def dominant(self) -> Optional[FibroidMetrics]:
        """The largest fibroid, or None."""
        return self.fibroids[0] if self.fibroids else None

    def cohort_row(self) -> dict[str, Any]:
        """Uterine volume, fibroid count and burden, the dominant fibroid's volume and FIGO type."""
        dominant = self.dominant
        return {"uterine_volume_ml": self.uterine_volume_ml,
                "fibroid_count": self.count if self.count is not None else 0,
                "total_fibroid_volume_ml": self.total_fibroid_volume_ml, "fibroid_burden_percent": self.burden_percent,
                "dominant_fibroid_volume_ml": dominant.shape.volume_ml if dominant else None,
                "dominant_fibroid_figo_type": dominant.figo_type if dominant else None}
