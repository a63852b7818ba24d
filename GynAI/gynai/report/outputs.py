"""The files of one report, written into one folder at once (I/O: the report model is built before).

Formats: ``json`` (the report model, schema ``gynai.report/1``), ``html`` and ``pdf`` (readable report with
key images and charts, rendered here from the image and the segmentation), ``dicom`` (``dicom/seg.dcm``,
``dicom/sr.dcm``, ``dicom/report-pdf.dcm`` (the PDF as Encapsulated PDF, with ``pdf``) and, when the input
was not DICOM, the generated source series in ``dicom/source/``). The SEG is marked AUTOMATIC,
SEMIAUTOMATIC (model output edited) or MANUAL (segmentation supplied by the user) from the ``model``
provenance (:mod:`gynai.models.provenance`). An empty segmentation still gets its HTML/PDF/JSON report; the
SEG and SR are then left out (there is no segment to store and nothing for the SR to reference), and an
ultrasound volume not read from DICOM gets no DICOM objects: :func:`plan_outputs` decides this, and the
report model carries its notes. Everything is written into a staged folder
(:func:`gynai.io.safe_write.staged_folder`), so a failure leaves no partial output.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from gynai.dicom.pdf import build_encapsulated_pdf
from gynai.dicom.source import source_for
from gynai.errors import UsageError
from gynai.image import Image, LabelImage
from gynai.io.dicom_series import dicom_files_of
from gynai.io.safe_write import staged_folder
from gynai.io.series_geometry import RESAMPLED_KEY
from gynai.models.provenance import algorithm_type
from gynai.progress import ProgressCallback, report
from gynai.report.figures import report_figures
from gynai.report.html_report import render_report_html
from gynai.report.model import ReportModel
from gynai.tasks import get_task

logger = logging.getLogger(__name__)

FORMATS = ("json", "html", "pdf", "dicom")
EMPTY_SEGMENTATION_NOTE = ("No DICOM SEG or SR was written: the segmentation is empty, so there is no segment "
                           "to store and no measurement to reference.")
NON_DICOM_ULTRASOUND_NOTE = ("No DICOM objects were written: the ultrasound volume was not read from DICOM, and the "
                             "source series GynAI generates for non-DICOM input are MR images, which would misstate "
                             "the modality. Give the ultrasound's DICOM series to get SEG, SR and PDF objects.")
RESAMPLED_REFERENCES_NOTE = ("The DICOM SEG and SR reference the {count} original DICOM image(s) read at series "
                             "level: the segmentation lies on the regular grid the irregular input was resampled "
                             "onto, whose slices are not the source images' frames, so its frames carry no "
                             "per-frame source references.")


def parse_formats(text: str) -> tuple[str, ...]:
    """``json,html,dicom`` → a tuple of known formats.

    Raises:
        UsageError: An unknown format, or none.
    """
    formats = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise UsageError(f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    return formats


@dataclass(frozen=True)
class OutputPlan:
    """What a report will write: its formats, whether DICOM objects and a SEG + SR are written, and why not."""

    formats: tuple[str, ...]
    dicom: bool
    seg: bool
    notes: tuple[str, ...]


def has_segments(labels: LabelImage, task_id: str) -> bool:
    """True when at least one label of the task has a voxel, i.e. there is a segment to store as SEG."""
    task_ids = set(get_task(task_id).label_ids)
    return any(bool((labels.array == label.value).any()) for label in labels.labels if label.id in task_ids)


def plan_outputs(image: Image, labels: LabelImage, task_id: str, modality: str, formats: Sequence[str]) -> OutputPlan:
    """The outputs of a report in ``formats`` (``modality``: how the intensities were read, the metrics')."""
    notes: list[str] = []
    dicom = "dicom" in formats
    if dicom and modality == "US" and not dicom_files_of(image.metadata):
        notes.append(NON_DICOM_ULTRASOUND_NOTE)
        dicom = False
    seg = dicom and has_segments(labels, task_id)
    if dicom and not seg:
        notes.append(EMPTY_SEGMENTATION_NOTE)
    files = dicom_files_of(image.metadata)
    if seg and files and image.metadata.get(RESAMPLED_KEY):
        notes.append(RESAMPLED_REFERENCES_NOTE.format(count=len(files)))
    return OutputPlan(tuple(formats), dicom, seg, tuple(notes))


def check_identity(identity: Mapping[str, str], from_dicom: bool) -> dict[str, str]:
    """The patient identity stated for a generated source series, checked (DICOM LO/PN: at most 64
    characters, no backslash or control characters).

    Raises:
        UsageError: Given for an image read from DICOM, an unknown key, or a malformed value.
    """
    given = {key: value for key, value in identity.items() if value}
    if not given:
        return {}
    if from_dicom:
        raise UsageError("--patient-id/--patient-name apply to non-DICOM input only; a DICOM series keeps its "
                         "own patient")
    for key, value in given.items():
        if key not in ("patient_id", "patient_name"):
            raise UsageError(f"unknown identity field {key!r}")
        if len(value) > 64 or "\\" in value or any(ord(c) < 32 for c in value):
            option = "--" + key.replace("_", "-")
            raise UsageError(f"{option} must be at most 64 characters without backslashes or control characters, "
                             f"got {value!r}")
    return given


def _write_dicom(folder: Path, image: Image, labels: LabelImage, model: ReportModel,
                 pdf_path: Optional[Path], with_seg: bool, identity: Mapping[str, str]) -> dict[str, Any]:
    from gynai.dicom.seg import build_seg              # highdicom, an optional heavy import
    from gynai.dicom.sr import build_sr

    if not with_seg and pdf_path is None:
        return {}
    task_id, provenance = model.metrics.task, model.metrics.model
    source = source_for(image, dicom_files_of(image.metadata), **identity)
    dicom_folder = folder / "dicom"
    dicom_folder.mkdir()
    written: dict[str, Any] = {"source_generated": source.generated}
    made_from = []                                      # the PDF reports on the SEG and SR too
    if with_seg:
        seg, entries = build_seg(labels, source, task_id, provenance, algorithm_type(provenance))
        sr = build_sr(model.metrics.to_json(), seg, entries, source, provenance)
        seg.save_as(dicom_folder / "seg.dcm", enforce_file_format=True)
        sr.save_as(dicom_folder / "sr.dcm", enforce_file_format=True)
        written.update(seg="dicom/seg.dcm", sr="dicom/sr.dcm")
        made_from = [seg, sr]
    if pdf_path is not None:
        build_encapsulated_pdf(pdf_path.read_bytes(), source, document_title=model.title or "GynAI report",
                               also_references=made_from).save_as(dicom_folder / "report-pdf.dcm",
                                                                  enforce_file_format=True)
        written["pdf_dicom"] = "dicom/report-pdf.dcm"
    if source.generated:
        (dicom_folder / "source").mkdir()
        for number, dataset in enumerate(source.datasets, start=1):
            dataset.save_as(dicom_folder / "source" / f"mr{number:04d}.dcm", enforce_file_format=True)
        written["source"] = "dicom/source"
        logger.warning("the input is not DICOM: a source MR series was generated (a pseudonymous patient and "
                       "UIDs derived from the voxels) in dicom/source; send it together with the report's other "
                       "DICOM objects")
    return written


def write_outputs(model: ReportModel, image: Image, labels: LabelImage, folder: Path, formats: Sequence[str],
                  progress: Optional[ProgressCallback] = None,
                  identity: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    """Write the report files of ``model`` into ``folder`` (a new or empty folder).

    Args:
        model: The report model (:func:`gynai.case.build_report`).
        image: The measured image (key images, the DICOM source series).
        labels: Its segmentation on the task's table (key images, the SEG).
        folder: Output folder; nothing is written there unless every format succeeds.
        formats: Any of :data:`FORMATS`.
        progress: ``progress(fraction, message)``.
        identity: ``patient_id`` and/or ``patient_name`` of the DICOM source series generated for non-DICOM
            input (instead of the pseudonym derived from the voxels).

    Returns:
        What was written, relative to ``folder`` (``json``, ``html``, ``pdf``, ``seg``, ``sr``, ``pdf_dicom``,
        ``source``), ``source_generated`` (the input was not DICOM) and ``notes`` (what was left out and why).

    Raises:
        OutputPathError: ``folder`` is not new or empty.
        UsageError: ``identity`` is given for an image read from DICOM (it has its own), or is malformed.
    """
    from gynai.report.pdf import render_report_pdf               # reportlab, an optional heavy import

    identity = check_identity(identity or {}, bool(dicom_files_of(image.metadata)))
    plan = plan_outputs(image, labels, model.metrics.task, model.metrics.modality, formats)
    for note in plan.notes:
        logger.warning("%s", note)
    written: dict[str, Any] = {}
    with staged_folder(Path(folder)) as staging:
        if "json" in formats:
            (staging / "report.json").write_text(json.dumps(model.to_json(), indent=2), encoding="utf-8")
            written["json"] = "report.json"
        figures = report_figures(image, labels, model.metrics.task) if {"html", "pdf"} & set(formats) else None
        if "html" in formats:
            (staging / "report.html").write_text(render_report_html(model, figures), encoding="utf-8")
            written["html"] = "report.html"
        if "pdf" in formats:
            render_report_pdf(model, figures, staging / "report.pdf")
            written["pdf"] = "report.pdf"
        report(progress, 0.5, "report written")
        if plan.dicom:
            written.update(_write_dicom(staging, image, labels, model, staging / "report.pdf" if "pdf" in formats
                                        else None, plan.seg, identity))
    report(progress, 1.0, "done")
    return {**written, "notes": list(plan.notes)}
