"""The path of one case: measure it (pure), build its report (the follow-up computed here), write its files.

    load_case → measure_case → build_report → write_outputs (gynai.report.outputs)

The command line (``gynai measure``, ``gynai report``), ``gynai batch``, ``gynai demo`` and GynAIReport in
Slicer are short callers of these steps.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from gynai.case.record import Case, Prior
from gynai.followup import compare_studies
from gynai.image import Image, LabelImage
from gynai.io.images import input_notes
from gynai.metrics.document import measure
from gynai.metrics.results.document import MetricsDocument
from gynai.progress import ProgressCallback
from gynai.report.model import ReportModel, build_report_model
from gynai.report.outputs import FORMATS, plan_outputs, write_outputs

logger = logging.getLogger(__name__)


def measure_case(case: Case) -> MetricsDocument:
    """The metrics of a case (:func:`gynai.metrics.document.measure`)."""
    return measure(case.image, case.labels, case.task, case.model, case.source, case.references)


def followup_of(case: Case, document: MetricsDocument) -> Optional[dict[str, Any]]:
    """The ``gynai.followup/1`` comparison with the case's prior study (None without one)."""
    prior = case.prior
    if prior is None:
        return None
    current_label = case.image.metadata.get("dicom.StudyDate") or "current"
    return compare_studies(document.to_json(), dict(prior.metrics), case.labels if prior.labels is not None else None,
                           prior.labels, current_label, prior.label or "prior", prior.earlier)


def build_report(case: Case, document: MetricsDocument, formats: Sequence[str] = FORMATS) -> ReportModel:
    """The report model of a measured case: its follow-up comparison, and notes on what the ``formats`` leave
    out (:func:`gynai.report.outputs.plan_outputs`)."""
    notes = input_notes(case.image) + tuple(plan_outputs(case.image, case.labels, case.task, document.modality,
                                                          formats).notes)
    return build_report_model(document, case.image, followup_of(case, document), notes)


def report_case(case: Case, folder: Path, formats: Sequence[str] = FORMATS,
                progress: Optional[ProgressCallback] = None, identity: Optional[Mapping[str, str]] = None
                ) -> tuple[MetricsDocument, ReportModel, dict[str, Any]]:
    """Measure a case, build its report and write its files into ``folder``: the metrics, the report model and
    what was written (:func:`gynai.report.outputs.write_outputs`; ``identity``: the patient of the DICOM
    source series generated for non-DICOM input)."""
    document = measure_case(case)
    model = build_report(case, document, formats)
    return document, model, write_outputs(model, case.image, case.labels, folder, formats, progress, identity)


def write_report(image: Image, labels: LabelImage, task_id: str, output: Path, formats: Sequence[str],
                 document: Mapping[str, Any], model: Optional[dict] = None,
                 progress: Optional[ProgressCallback] = None, prior: Optional[Mapping[str, Any]] = None) -> dict:
    """Build and write the report of a case already measured (``document``, a metrics document as JSON).

    ``prior``: ``{"metrics": prior document, "labels": prior LabelImage or None, "label": name of the prior
    study, "earlier": [(name, document), ...] oldest first}``. ``model``: the segmentation's provenance
    (the document's is used for the report).

    Returns:
        What was written (:func:`gynai.report.outputs.write_outputs`).
    """
    metrics = MetricsDocument.from_json(document)
    case = Case(image, labels, task_id, model=model,
                prior=None if prior is None else Prior(prior["metrics"], prior.get("labels"), prior.get("label") or
                                                       "prior", tuple(prior.get("earlier") or ())))
    report_model = build_report(case, metrics, formats)
    return write_outputs(report_model, image, labels, Path(output), formats, progress)
