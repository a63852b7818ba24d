"""``gynai report``: the report of one case in several formats, written atomically into one folder.

Formats: ``json`` (the report model, schema ``gynai.report/1``: header, template, findings, the metrics
document, the follow-up comparison when a prior is given, notice), ``html`` and ``pdf`` (readable report
with key images and charts), ``dicom`` (``dicom/seg.dcm``, ``dicom/sr.dcm``, ``dicom/report-pdf.dcm`` (the
PDF as Encapsulated PDF, with ``pdf``) and, when the input was not DICOM, the generated source series in
``dicom/source/``). The SEG is marked AUTOMATIC, SEMIAUTOMATIC (model output edited) or MANUAL
(segmentation supplied by the user) from the ``model`` provenance (:mod:`gynai.models.provenance`). An empty
segmentation still gets its HTML/PDF/JSON report; the SEG and SR are then left out (there is no segment
to store and nothing for the SR to reference), with a logged warning and a note in the report.
Everything is written into a temporary sibling folder and renamed into place at the end, so a failure
leaves no partial output.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from gynai.errors import OutputPathError, UsageError
from gynai.image import Image, LabelImage
from gynai.metrics.results.document import MetricsDocument
from gynai.report.model import build_report_model

logger = logging.getLogger(__name__)

FORMATS = ("json", "html", "pdf", "dicom")


def parse_formats(text: str) -> tuple[str, ...]:
    """``json,html,dicom`` → a tuple of known formats."""
    formats = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise UsageError(f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    return formats


def _check_output(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputPathError(f"{folder} exists and is not an empty folder; choose a new output folder")


EMPTY_SEGMENTATION_NOTE = ("No DICOM SEG or SR was written: the segmentation is empty, so there is no segment "
                           "to store and no measurement to reference.")
NON_DICOM_ULTRASOUND_NOTE = ("No DICOM objects were written: the ultrasound volume was not read from DICOM, and the "
                             "source series GynAI generates for non-DICOM input are MR images, which would misstate "
                             "the modality. Give the ultrasound's DICOM series to get SEG, SR and PDF objects.")


def _write_dicom(folder: Path, image: Image, labels: LabelImage, task_id: str, document: dict,
                 model: Optional[dict], pdf_path: Optional[Path] = None, with_seg: bool = True) -> dict:
    from gynai.dicom.seg import build_seg
    from gynai.dicom.source import source_for
    from gynai.dicom.sr import build_sr
    from gynai.io.dicom_series import dicom_files_of
    from gynai.models.provenance import algorithm_type

    if not with_seg and pdf_path is None:
        return {}
    source = source_for(image, dicom_files_of(image.metadata))
    dicom_folder = folder / "dicom"
    dicom_folder.mkdir()
    written: dict = {"source_generated": source.generated}
    if with_seg:
        seg, entries = build_seg(labels, source, task_id, model, algorithm_type(model))
        sr = build_sr(document, seg, entries, source, model)
        seg.save_as(dicom_folder / "seg.dcm", enforce_file_format=True)
        sr.save_as(dicom_folder / "sr.dcm", enforce_file_format=True)
        written.update(seg="dicom/seg.dcm", sr="dicom/sr.dcm")
    if pdf_path is not None:
        from gynai.dicom.pdf import build_encapsulated_pdf

        build_encapsulated_pdf(pdf_path.read_bytes(), source).save_as(dicom_folder / "report-pdf.dcm",
                                                                      enforce_file_format=True)
        written["pdf_dicom"] = "dicom/report-pdf.dcm"
    if source.generated:
        (dicom_folder / "source").mkdir()
        for number, dataset in enumerate(source.datasets, start=1):
            dataset.save_as(dicom_folder / "source" / f"mr{number:04d}.dcm", enforce_file_format=True)
        written["source"] = "dicom/source"
        logger.warning("the input is not DICOM: a source MR series was generated (new UIDs, de-identified "
                       "placeholders) in dicom/source; send it together with the report's other DICOM objects")
    return written


def write_report(image: Image, labels: LabelImage, task_id: str, output: Path, formats: Sequence[str],
                 document: dict, model: Optional[dict] = None,
                 progress: Optional[Callable[[float, str], None]] = None, prior: Optional[dict] = None) -> dict:
    """Write the report of one case into ``output`` (a new or empty folder).

    ``prior``: a follow-up comparison's inputs, ``{"metrics": prior document, "labels": prior LabelImage or
    None, "label": name of the prior study, "earlier": [(name, document), ...] oldest first}``.

    ``model``: the segmentation's provenance (:mod:`gynai.models.provenance`); ``None`` means supplied by the user.

    Returns:
        What was written, relative to ``output`` (``json``, ``html``, ``pdf``, ``seg``, ``sr``, ``pdf_dicom``,
        ``source``), ``source_generated`` (the input was not DICOM) and ``notes`` (what was left out and why).
    """
    output = Path(output)
    _check_output(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    written: dict = {}
    notes: list[str] = []
    with_seg = True
    with_dicom = "dicom" in formats
    if with_dicom and (document.get("image") or {}).get("modality") == "US":
        from gynai.io.dicom_series import dicom_files_of

        if not dicom_files_of(image.metadata):
            logger.warning("%s", NON_DICOM_ULTRASOUND_NOTE)
            notes.append(NON_DICOM_ULTRASOUND_NOTE)
            with_dicom = False
    if with_dicom:
        from gynai.dicom.seg import has_segments

        with_seg = has_segments(labels, task_id)
        if not with_seg:
            logger.warning("%s", EMPTY_SEGMENTATION_NOTE)
            notes.append(EMPTY_SEGMENTATION_NOTE)
    try:
        followup = None
        if prior is not None:
            from gynai.followup import compare_studies

            current_label = image.metadata.get("dicom.StudyDate") or "current"
            followup = compare_studies(document, prior["metrics"], labels if prior.get("labels") is not None else None,
                                       prior.get("labels"), current_label, prior.get("label") or "prior",
                                       prior.get("earlier") or ())
        model_doc = build_report_model(MetricsDocument.from_json(document), image, followup, notes)
        if "json" in formats:
            (staging / "report.json").write_text(json.dumps(model_doc.to_json(), indent=2), encoding="utf-8")
            written["json"] = "report.json"
        figures = None
        if {"html", "pdf"} & set(formats):
            from gynai.report.figures import report_figures

            figures = report_figures(image, labels, task_id)
        if "html" in formats:
            from gynai.report.html_report import render_report_html

            (staging / "report.html").write_text(render_report_html(model_doc, figures), encoding="utf-8")
            written["html"] = "report.html"
        if "pdf" in formats:
            from gynai.report.pdf import render_report_pdf

            render_report_pdf(model_doc, figures, staging / "report.pdf")
            written["pdf"] = "report.pdf"
        if progress:
            progress(0.5, "report written")
        if with_dicom:
            written.update(_write_dicom(staging, image, labels, task_id, document, model,
                                        staging / "report.pdf" if "pdf" in formats else None, with_seg))
        if output.exists():
            output.rmdir()
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if progress:
        progress(1.0, "done")
    return {**written, "notes": notes}
