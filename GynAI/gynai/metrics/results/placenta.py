"""The ``placenta`` block: research metrics for the SAR-ESUR signs of placenta accreta spectrum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from gynai.image import Image, LabelImage
from gynai.metrics.findings import Finding, block_findings
from gynai.metrics.placenta import placenta_metrics
from gynai.metrics.results.base import JsonRecord, extra_field
from gynai.metrics.results.lesion import Lesion, lesion_from
from gynai.metrics.results.structure import StructureMetrics

PLACENTA_KEYS = ("volume_ml", "max_thickness_mm", "min_myometrial_thickness_mm", "median_myometrial_thickness_mm",
                 "bed_fraction_thin", "thin_myometrium_area_cm2", "dark_band_volume_ml", "dark_band_fraction",
                 "bulge_depth_mm", "bladder_interface_length_mm", "bladder_contact", "bladder_contact_area_cm2")
"""The coded findings of the placenta, in report order."""


@dataclass(frozen=True)
class PlacentaResults(JsonRecord):
    """Placenta research metrics (:mod:`gynai.metrics.placenta`); figures not assessable are None."""

    present: Optional[bool] = None
    volume_ml: Optional[float] = None
    placenta: Optional[StructureMetrics] = None
    max_thickness_mm: Optional[float] = None
    min_myometrial_thickness_mm: Optional[float] = None
    median_myometrial_thickness_mm: Optional[float] = None
    bed_fraction_thin: Optional[float] = None
    thin_myometrium_area_cm2: Optional[float] = None
    dark_band_volume_ml: Optional[float] = None
    dark_band_fraction: Optional[float] = None
    bulge_depth_mm: Optional[float] = None
    bladder_contact: Optional[bool] = None
    bladder_contact_area_cm2: Optional[float] = None
    bladder_interface_length_mm: Optional[float] = None
    notice: Optional[str] = None
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = extra_field()

    @classmethod
    def measure(cls, labels: LabelImage, image: Optional[Image], references: Mapping[str, np.ndarray],
                modality: str, structures: Mapping[str, StructureMetrics]) -> "PlacentaResults":
        """The placenta metrics of a segmentation (the placenta's shape figures reused from ``structures``)."""
        shape = structures.get("placenta")
        return cls.from_json(placenta_metrics(labels, image, shape.to_json() if shape is not None else None))

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Optional["PlacentaResults"]:
        """The block of a document, or None."""
        block = document.get("placenta")
        return cls.from_json(block) if isinstance(block, Mapping) else None

    def document_items(self) -> list[tuple[str, Any]]:
        """``placenta``."""
        return [("placenta", self.to_json())]

    def findings(self) -> list[Finding]:
        """The placenta's findings (none without a placenta)."""
        return block_findings("placenta", self.to_json(), PLACENTA_KEYS) if self.present else []

    def tracked_lesions(self) -> list[Lesion]:
        """The placenta, the one lesion followed (none when absent)."""
        shape = self.placenta
        if shape is None or not shape.present:
            return []
        return [lesion_from(1, {**shape.to_json(), "id": 1}, shape.principal_diameters_mm)]

    def instance_values(self, number: int) -> dict[str, Any]:
        """No SEG segment is a placenta instance: nothing."""
        return {}

    def cohort_row(self) -> dict[str, Any]:
        """Volume, maximum thickness, myometrial thinning, dark bands, bulge and bladder contact."""
        return {"placenta_volume_ml": self.volume_ml, "placenta_max_thickness_mm": self.max_thickness_mm,
                "min_myometrial_thickness_mm": self.min_myometrial_thickness_mm,
                "thin_myometrium_area_cm2": self.thin_myometrium_area_cm2,
                "dark_band_fraction": self.dark_band_fraction, "bulge_depth_mm": self.bulge_depth_mm,
                "bladder_contact": self.bladder_contact}
