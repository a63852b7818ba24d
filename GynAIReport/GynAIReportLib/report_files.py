"""Qt-free report generation for GynAIReport: the same files as ``gynai report`` from scene nodes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional, Sequence

logger = logging.getLogger(__name__)


def task_of_template(template: str) -> str:
    """The task a report template reports on (``Task.report.id``); task ids map to themselves."""
    from gynai.tasks import task_of_template as registered

    return registered(template).id


def generate_report(volume_node, segmentation_node, template: str, output_dir, formats: Sequence[str],
                    prior_metrics: Optional[dict] = None, prior_volume_node=None, prior_segmentation_node=None,
                    progress: Optional[Callable[[float, str], None]] = None,
                    file_for_instance: Optional[Callable[[str], str]] = None) -> dict:
    """Write the report of a segmentation on a volume into ``output_dir`` (a new or empty folder).

    Args:
        volume_node: The analysed scalar volume. When Slicer's DICOM module loaded it (node attribute
            ``DICOM.instanceUIDs``), its DICOM files are found and the report keeps its patient, study and
            series: SEG, SR and encapsulated PDF join the original study (as ``gynai report`` on a DICOM
            series). Otherwise a source series is generated (new UIDs, de-identified).
        segmentation_node: The segmentation: GynAISegment output (SEG algorithm type AUTOMATIC, or
            SEMIAUTOMATIC once edited) or made by the user (MANUAL).
        template: ``fibroid-mapping``, ``placenta-accreta`` or ``adnexal-mass`` (or the task id).
        output_dir: New or empty folder; nothing is written there unless every format succeeds.
        formats: Any of ``json``, ``html``, ``pdf``, ``dicom``.
        prior_metrics: A prior study's ``gynai.metrics/1`` document (e.g. its metrics.json) for the
            follow-up comparison.
        prior_volume_node, prior_segmentation_node: The prior study in the scene instead (its metrics are
            computed, and its masks enable the rigid alignment).
        progress: ``progress(fraction, message)``.
        file_for_instance: SOP Instance UID → file path lookup for a DICOM-loaded volume; default
            ``slicer.dicomDatabase.fileForInstance``.

    Returns:
        The metrics document, the written files and the report's notes (e.g. why no SEG was written):
        ``{"metrics": ..., "files": {format: path}, "followup": ..., "notes": [...]}``.

    Raises:
        InputFileError: The volume was loaded from DICOM, the DICOM format is asked for and its files
            cannot be found (for the other formats the report is then written without identity).
    """
    from gynai.case import Prior, measure_case, report_case
    from GynAILib.volumes import volume_node_to_image_with_identity
    from GynAIReportLib.logic import case_from_nodes

    task = task_of_template(template)
    image = volume_node_to_image_with_identity(volume_node, file_for_instance, strict="dicom" in formats)
    prior = None
    if prior_volume_node is not None and prior_segmentation_node is not None:
        earlier = case_from_nodes(prior_volume_node, prior_segmentation_node, task)
        prior = Prior(measure_case(earlier).to_json(), earlier.labels)
    elif prior_metrics is not None:
        prior = Prior(prior_metrics)
    case = case_from_nodes(volume_node, segmentation_node, task, image, prior)
    document, model, written = report_case(case, Path(output_dir), tuple(formats), progress)
    logger.info("GynAI report written to %s", output_dir)
    return {"metrics": document.to_json(), "files": {key: str(Path(output_dir) / value) for key, value in
                                                     written.items() if isinstance(value, str)},
            "followup": dict(model.followup) if model.followup else None, "notes": written.get("notes", [])}


def report_dicom_files(files: dict) -> list[Path]:
    """The DICOM objects of a written report (SEG, SR, encapsulated PDF, generated source series)."""
    paths = [Path(files[key]) for key in ("seg", "sr", "pdf_dicom") if key in files]
    if "source" in files:
        paths.append(Path(files["source"]))
    return paths


def send_report_to_pacs(files: dict, config_file) -> int:
    """Store a report's DICOM objects on the DICOMweb server of ``config_file`` (STOW-RS).

    Returns:
        The number of instances stored.

    Raises:
        PacsConfigError: No configuration file was set (nothing is sent by default).
        PacsError: The server is unreachable or refused instances; the local files are kept.
    """
    from gynai.errors import PacsConfigError, PacsError
    from gynai.pacs.client import DicomWebClient
    from gynai.pacs.config import load_pacs_config

    if not config_file:
        raise PacsConfigError("no PACS configuration file is set; nothing was sent (see docs/pacs.md)")
    paths = report_dicom_files(files)
    if not paths:
        raise PacsError("the report has no DICOM objects; generate it with the DICOM format first")
    with DicomWebClient(load_pacs_config(config_file)) as client:
        report = client.store(paths)
    if report.failed:
        first = report.failed[0]
        raise PacsError(f"the PACS refused {len(report.failed)} of {len(report.outcomes)} instance(s) (first: "
                        f"{Path(first.path).name}: {first.reason}); the local files are kept")
    logger.info("GynAI report: %d DICOM instance(s) stored on the PACS", len(report.stored))
    return len(report.stored)
