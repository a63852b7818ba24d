"""The metrics document of one case (schema ``gynai.metrics/1``) as a typed record.

:class:`MetricsDocument` reads any document of the schema (:meth:`MetricsDocument.from_json`; documents of
earlier versions lack keys, which read as None) and writes exactly what GynAI writes
(:meth:`MetricsDocument.to_json`): the common keys, the task's block (written by the task's results
class, e.g. ``fibroid_map`` and ``fibroids``), reference regions, measurement codes, then keys it does not
know (e.g. ``demo``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

from gynai.metrics.results.base import TaskResults, json_value, parse_value
from gynai.metrics.results.structure import ImageSummary, StructureMetrics
from gynai.tasks import TASKS

SCHEMA = "gynai.metrics/1"
NOTICE = ("Research use only. GynAI's segmentation models were trained only on synthetic phantoms; types and "
          "measurements are automated estimates that a qualified reader must confirm.")
_COMMON = ("schema", "task", "generator", "created", "image", "source", "model", "structures", "notice")
_TRAILING = ("reference_regions", "measurement_codes")


@dataclass(frozen=True)
class MetricsDocument:
    """One case's measurements (docs/metrics-schema.md).

    Attributes:
        task: Task id.
        results: The task's block (``None`` when the document has none).
        model: Provenance of the segmentation (:mod:`gynai.models.provenance`), or None (supplied by the user).
        extra: Keys the schema does not define here (e.g. ``demo``), written last.
    """

    task: str
    generator: Mapping[str, Any] = field(default_factory=dict)
    created: Optional[str] = None
    image: ImageSummary = field(default_factory=ImageSummary)
    source: Mapping[str, Any] = field(default_factory=dict)
    model: Optional[Mapping[str, Any]] = None
    structures: Mapping[str, StructureMetrics] = field(default_factory=dict)
    notice: str = NOTICE
    results: Optional[TaskResults] = None
    reference_regions: tuple[str, ...] = ()
    measurement_codes: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    schema: str = SCHEMA

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "MetricsDocument":
        """Read a metrics document (any version of the schema; its task's block by the task's results class)."""
        task = data.get("task")
        results_type = TASKS[task].results.load() if task in TASKS else None
        results = results_type.from_document(data) if results_type is not None else None
        block_keys = {key for key, _ in results.document_items()} if results is not None else set()
        known = set(_COMMON) | set(_TRAILING) | block_keys
        image = data.get("image")
        return cls(task=str(task), generator=dict(data.get("generator") or {}), created=data.get("created"),
                   image=ImageSummary.from_json(image) if isinstance(image, Mapping) else ImageSummary(),
                   source=dict(data.get("source") or {}),
                   model=dict(data["model"]) if isinstance(data.get("model"), Mapping) else None,
                   structures=parse_value(Mapping[str, StructureMetrics], data.get("structures")) or {},
                   notice=str(data.get("notice", NOTICE)), results=results,
                   reference_regions=tuple(data.get("reference_regions") or ()),
                   measurement_codes=dict(data.get("measurement_codes") or {}),
                   extra={key: value for key, value in data.items() if key not in known},
                   schema=str(data.get("schema", SCHEMA)))

    def to_json(self) -> dict[str, Any]:
        """The document as written by GynAI (key order and values as in the file)."""
        document: dict[str, Any] = {"schema": self.schema, "task": self.task, "generator": dict(self.generator),
                                    "created": self.created, "image": self.image.to_json(),
                                    "source": dict(self.source), "model": json_value(self.model),
                                    "structures": json_value(self.structures), "notice": self.notice}
        if self.results is not None:
            document.update(self.results.document_items())
        document["reference_regions"] = list(self.reference_regions)
        document["measurement_codes"] = json_value(self.measurement_codes)
        document.update(self.extra)
        return document

    def with_extra(self, **items: Any) -> "MetricsDocument":
        """A copy with further keys written last (e.g. ``demo``)."""
        return replace(self, extra={**self.extra, **items})

    @property
    def modality(self) -> str:
        """The modality the intensities were read as (``MR`` for documents that do not say)."""
        return self.image.modality or "MR"

    @property
    def notes(self) -> tuple[str, ...]:
        """Why figures of the task's block are not assessed."""
        return tuple(self.results.notes) if self.results is not None else ()

    def structure(self, structure_id: str) -> StructureMetrics:
        """The figures of a structure (an absent one, all None, when the document has none)."""
        return self.structures.get(structure_id) or StructureMetrics()
