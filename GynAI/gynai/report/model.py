"""The report model (schema ``gynai.report/1``): what a radiologist signs after review, format-neutral.

One template per clinical question, named by the task's record (``Task.report``: *fibroid mapping*,
*placenta accreta assessment*, *adnexal mass*). The model holds a header (patient and study identifiers
from the DICOM input, or "de-identified"), the technique, the coded findings (:mod:`gynai.metrics.findings`;
figures not assessed say so), a short summary, the full metrics document, the follow-up comparison when a
prior was given, and the notice. HTML, PDF and the structured report are renderings of it;
:meth:`ReportModel.to_json` is ``report.json``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Union

from gynai import __version__
from gynai.image import Image
from gynai.metrics.findings import NOT_ASSESSED, display_value
from gynai.metrics.results.base import JsonRecord, extra_field
from gynai.metrics.results.document import MetricsDocument
from gynai.models.provenance import segmentation_origin
from gynai.tasks import get_task

SCHEMA = "gynai.report/1"
NOTICE = ("GynAI's segmentation models were trained only on synthetic phantoms; types (such as FIGO) and "
          "measurements are automated estimates to be confirmed by a qualified reader. Research use only; not a "
          "medical device and not a diagnosis.")

__all__ = ["NOTICE", "NOT_ASSESSED", "SCHEMA", "FindingRow", "ReportHeader", "ReportModel", "as_report_model",
           "build_report_model", "display_value", "report_model"]


@dataclass(frozen=True)
class ReportHeader(JsonRecord):
    """Who and what the report is about, and who made it."""

    patient_id: Optional[str] = None
    study_instance_uid: Optional[str] = None
    series_instance_uid: Optional[str] = None
    series_description: Optional[str] = None
    study_date: Optional[str] = None
    input: Optional[str] = None
    input_is_dicom: Optional[bool] = None
    model: Optional[Mapping[str, Any]] = None
    generator: Optional[str] = None
    report_date: Optional[str] = None
    extra: Mapping[str, Any] = extra_field()


@dataclass(frozen=True)
class FindingRow(JsonRecord):
    """One coded finding as the report lists it, with its display text."""

    group: Optional[str] = None
    key: Optional[str] = None
    name: Optional[str] = None
    value: Any = None
    unit: Optional[str] = None
    display: Optional[str] = None
    extra: Mapping[str, Any] = extra_field()


@dataclass(frozen=True)
class ReportModel:
    """A report (see the module docstring); ``followup`` is a ``gynai.followup/1`` comparison."""

    template: str
    title: str
    header: ReportHeader
    technique: str
    summary: tuple[str, ...]
    findings: tuple[FindingRow, ...]
    metrics: MetricsDocument
    notice: str = NOTICE
    output_notes: tuple[str, ...] = ()
    followup: Optional[Mapping[str, Any]] = None
    schema: str = SCHEMA

    def to_json(self) -> dict[str, Any]:
        """``report.json``."""
        return {"schema": self.schema, "template": self.template, "title": self.title,
                "header": self.header.to_json(), "technique": self.technique, "summary": list(self.summary),
                "findings": [row.to_json() for row in self.findings], "metrics": self.metrics.to_json(),
                "notice": self.notice, "output_notes": list(self.output_notes),
                **({"followup": dict(self.followup)} if self.followup else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ReportModel":
        """Read ``report.json``."""
        return cls(str(data.get("template")), str(data.get("title")), ReportHeader.from_json(data.get("header") or {}),
                   str(data.get("technique", "")), tuple(data.get("summary") or ()),
                   tuple(FindingRow.from_json(row) for row in data.get("findings") or () if isinstance(row, Mapping)),
                   MetricsDocument.from_json(data.get("metrics") or {}), str(data.get("notice", NOTICE)),
                   tuple(data.get("output_notes") or ()), data.get("followup") or None, str(data.get("schema", SCHEMA)))


def as_report_model(model: Union[ReportModel, Mapping[str, Any]]) -> ReportModel:
    """A report model, read from its JSON form when given as ``report.json``'s mapping."""
    return model if isinstance(model, ReportModel) else ReportModel.from_json(model)


def _header(document: MetricsDocument, image: Optional[Image]) -> ReportHeader:
    meta = image.metadata if image is not None else {}
    from_dicom = "dicom.StudyInstanceUID" in meta
    return ReportHeader(meta.get("dicom.PatientID", "de-identified") if from_dicom else "de-identified",
                        meta.get("dicom.StudyInstanceUID"), meta.get("dicom.SeriesInstanceUID"),
                        meta.get("dicom.SeriesDescription"), meta.get("dicom.StudyDate"),
                        document.source.get("image"), from_dicom, document.model, f"gynai {__version__}",
                        _dt.date.today().isoformat())


def _summary(document: MetricsDocument) -> list[str]:
    if not any(values.is_present for values in document.structures.values()):
        return [f"No segmented structure: the segmentation is empty, so every measurement is {NOT_ASSESSED}."]
    if document.results is None:
        return []
    return list(get_task(document.task).report.summary.load()(document.results))


def _technique(document: MetricsDocument, image_is_dicom: bool) -> str:
    size, spacing = document.image.size_xyz or (), document.image.spacing_mm or ()
    return (f"{'DICOM' if image_is_dicom else 'Non-DICOM'} volume of {' × '.join(str(n) for n in size)} voxels "
            f"({' × '.join(f'{s:.2f}' for s in spacing)} mm); segmentation "
            + segmentation_origin(document.model) + f"; measurements by gynai {__version__}.")


def build_report_model(document: MetricsDocument, image: Optional[Image] = None,
                       followup: Optional[Mapping[str, Any]] = None, notes: Sequence[str] = ()) -> ReportModel:
    """The report model of a metrics document (see the module docstring).

    Args:
        document: The case's metrics.
        image: The measured image; its DICOM attributes (when read from DICOM) identify patient and study.
        followup: A ``gynai.followup/1`` comparison with a prior study, shown in its own section.
        notes: Lines about the report itself (e.g. DICOM objects left out and why), kept as ``output_notes``.
    """
    metadata = image.metadata if image is not None else {}
    template = get_task(document.task).report
    results = document.results
    rows = tuple(FindingRow(row.group, row.key, row.name, row.value, row.unit, display_value(row))
                 for row in (results.findings() if results is not None else ()))
    return ReportModel(template.id, template.title_for(document.modality), _header(document, image),
                       _technique(document, "dicom.StudyInstanceUID" in metadata), tuple(_summary(document)), rows,
                       document, NOTICE, tuple(notes), followup or None)


def report_model(document: Mapping[str, Any], image: Optional[Image] = None, followup: Optional[dict] = None,
                 notes: Sequence[str] = ()) -> dict[str, Any]:
    """The report model of a metrics document as JSON (``report.json``; :func:`build_report_model`)."""
    return build_report_model(MetricsDocument.from_json(document), image, followup, notes).to_json()
