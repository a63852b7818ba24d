"""The ``adnexal-mass`` block: the O-RADS inputs of every lesion; the dominant (largest) one's at its top level."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from gynai.image import Image, LabelImage
from gynai.metrics.adnexal import adnexal_features
from gynai.metrics.findings import Finding, block_findings
from gynai.metrics.results.base import FLATTEN, JsonRecord, extra_field, number
from gynai.metrics.results.lesion import Lesion, lesion_from
from gynai.metrics.results.structure import StructureMetrics

LESION_KEYS = ("volume_ml", "max_diameter_mm", "solid_volume_ml", "solid_fraction", "fluid_volume_ml",
               "locule_count", "wall_thickness_mm", "max_wall_thickness_mm", "septal_thickness_mm",
               "max_septal_thickness_mm", "solid_t2_ratio_to_fluid", "solid_t2_ratio_to_myometrium")
"""The coded findings of each lesion, in report order."""
SUMMARY_KEYS = ("lesion_count", "total_volume_ml")
"""The coded findings of the lesions together."""


@dataclass(frozen=True)
class AdnexalFeatures(JsonRecord):
    """The O-RADS input features of one lesion (:func:`gynai.metrics.adnexal.lesion_features`)."""

    lesion: Optional[StructureMetrics] = None
    max_diameter_mm: Optional[float] = None
    solid_volume_ml: Optional[float] = None
    solid_fraction: Optional[float] = None
    locule_count: Optional[int] = None
    wall_thickness_mm: Optional[float] = None
    max_wall_thickness_mm: Optional[float] = None
    septal_thickness_mm: Optional[float] = None
    max_septal_thickness_mm: Optional[float] = None
    fluid_volume_ml: Optional[float] = None
    solid_t2_ratio_to_fluid: Optional[float] = None
    solid_t2_ratio_to_myometrium: Optional[float] = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdnexalLesion(JsonRecord):
    """One lesion of ``adnexal.lesions`` (numbered by decreasing volume)."""

    id: Optional[int] = None
    volume_ml: Optional[float] = None
    centroid_lps_mm: Optional[tuple[float, ...]] = None
    features: AdnexalFeatures = dataclasses.field(default_factory=AdnexalFeatures, metadata=FLATTEN)
    extra: Mapping[str, Any] = extra_field()

    @property
    def shape(self) -> StructureMetrics:
        """The lesion's shape figures."""
        return self.features.lesion or StructureMetrics()

    def values(self) -> dict[str, Any]:
        """Its shape figures and its own, as metrics keys (its own win)."""
        return {**self.shape.to_json(), **self.to_json()}


@dataclass(frozen=True)
class AdnexalResults(JsonRecord):
    """Every adnexal lesion; the single-lesion keys describe the dominant one (:mod:`gynai.metrics.adnexal`)."""

    modality: Optional[str] = None
    present: Optional[bool] = None
    volume_ml: Optional[float] = None
    features: AdnexalFeatures = dataclasses.field(default_factory=AdnexalFeatures, metadata=FLATTEN)
    lesion_count: Optional[int] = None
    total_volume_ml: Optional[float] = None
    lesions: tuple[AdnexalLesion, ...] = ()
    extra: Mapping[str, Any] = extra_field()

    @property
    def notes(self) -> tuple[str, ...]:
        """The dominant lesion's notes, then the segmentation's, then other lesions' own."""
        return self.features.notes

    @classmethod
    def measure(cls, labels: LabelImage, image: Optional[Image], references: Mapping[str, np.ndarray],
                modality: str, structures: Mapping[str, StructureMetrics]) -> "AdnexalResults":
        """The lesions of a segmentation; a ``myometrium`` reference region gives the solid tissue's T2 ratio."""
        return cls.from_json(adnexal_features(labels, image, references.get("myometrium"), modality))

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Optional["AdnexalResults"]:
        """The block of a document, or None; a block written before lesions were separated (no ``lesions``)
        has one lesion, id 1, = its top level."""
        block = document.get("adnexal")
        if not isinstance(block, Mapping):
            return None
        results = cls.from_json(block)
        if isinstance(block.get("lesions"), list):
            return results
        shape = results.features.lesion or StructureMetrics()
        centroid = block.get("centroid_lps_mm", shape.centroid_lps_mm)
        lesions = (AdnexalLesion(1, results.volume_ml, tuple(centroid) if isinstance(centroid, list) else centroid,
                                 results.features),) if results.present else ()
        count = number(block.get("lesion_count"))
        return dataclasses.replace(results, lesions=lesions, lesion_count=len(lesions) if count is None else count)

    def document_items(self) -> list[tuple[str, Any]]:
        """``adnexal``."""
        return [("adnexal", self.to_json())]

    def findings(self) -> list[Finding]:
        """Lesion count and total volume, then each lesion's findings (none without a lesion)."""
        if not self.present:
            return []
        rows = block_findings("adnexal lesions", self.to_json(), SUMMARY_KEYS)
        for lesion in self.present_lesions():
            rows += block_findings(f"adnexal lesion {lesion.id}", lesion.to_json(), LESION_KEYS)
        return rows

    def present_lesions(self) -> tuple[AdnexalLesion, ...]:
        """The lesions, largest first (none when no lesion is present)."""
        return self.lesions if self.present else ()

    def tracked_lesions(self) -> list[Lesion]:
        """Each lesion, its shape figures under its own."""
        return [lesion_from(number, lesion.values(), lesion.shape.principal_diameters_mm)
                for number, lesion in enumerate(self.present_lesions(), start=1)]

    def instance_values(self, number: int) -> dict[str, Any]:
        """The figures of lesion ``number`` (its whole-lesion SEG segment's SR group)."""
        lesions = self.present_lesions()
        return lesions[number - 1].values() if number <= len(lesions) else {}

    def cohort_row(self) -> dict[str, Any]:
        """Lesion count, and the largest lesion's volume, diameter, solid tissue and locules."""
        return {"lesion_count": self.lesion_count if self.lesion_count is not None else int(bool(self.present)),
                "lesion_volume_ml": self.volume_ml, "max_diameter_mm": self.features.max_diameter_mm,
                "solid_volume_ml": self.features.solid_volume_ml, "solid_fraction": self.features.solid_fraction,
                "locule_count": self.features.locule_count}
