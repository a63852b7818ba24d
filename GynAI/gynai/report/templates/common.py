"""Sections every report template shares: identification, technique, summary, structures, key images,
coded measurements and the notice."""

from __future__ import annotations

from typing import Optional

from gynai.metrics.findings import NOT_ASSESSED
from gynai.metrics.results.document import MetricsDocument
from gynai.models.provenance import model_label
from gynai.report.blocks import Bullets, Paragraph, Section, Table, diameters, number
from gynai.report.figures import ReportFigures
from gynai.report.model import ReportModel
from gynai.tasks import get_task

__all__ = ["NOT_ASSESSED", "identification_section", "key_images_section", "measurements_section", "notes_section",
           "structures_table", "summary_section", "technique_section"]


def identification_section(model: ReportModel) -> Section:
    """Patient and study identifiers (or "de-identified"), series, models and dates."""
    header = model.header
    model_text = model_label(header.model) or "none (segmentation supplied by the user)"
    rows = [("Patient ID", str(header.patient_id)),
            ("Study date", str(header.study_date or NOT_ASSESSED if header.input_is_dicom else "—")),
            ("Series", str(header.series_description or header.input or "—")),
            ("Input is DICOM", "yes" if header.input_is_dicom else "no (DICOM objects get new UIDs)"),
            ("Segmentation model", model_text), ("Software", str(header.generator)),
            ("Report date", str(header.report_date))]
    return Section("Identification", (Table(("Item", "Value"), tuple(rows)),))


def technique_section(model: ReportModel) -> Section:
    """How the figures were obtained."""
    return Section("Technique", (Paragraph(model.technique),))


def summary_section(model: ReportModel) -> Section:
    """The impression-style summary lines of the report model."""
    lines = tuple(model.summary) or ("No structures were segmented.",)
    return Section("Summary", (Bullets(lines),))


def structures_table(document: MetricsDocument, ids: Optional[tuple[str, ...]] = None) -> Table:
    """Volumes (voxel and ellipsoid), three diameters and maximum 3D diameter per structure."""
    names = {label.id: label.name for label in get_task(document.task).labels}
    rows = []
    for structure_id, values in document.structures.items():
        if ids is not None and structure_id not in ids:
            continue
        name = names.get(structure_id, structure_id.replace("-", " ").capitalize())
        if not values.is_present:
            rows.append((name, "not present", "—", "—", "—"))
            continue
        rows.append((name, number(values.volume_ml), number(values.ellipsoid_volume_ml),
                     diameters(values.principal_diameters_mm), number(values.max_feret_diameter_mm)))
    return Table(("Structure", "Volume (mL)", "Ellipsoid volume (mL)", "Diameters (mm)", "Max 3D diameter (mm)"),
                 tuple(rows), (False, True, True, True, True),
                 "Volume by voxel counting; diameters: the three orthogonal diameters along the principal axes "
                 "(of the ellipsoid with the same second moments); ellipsoid volume = π/6 × their product.")


def key_images_section(figures: ReportFigures) -> Optional[Section]:
    """The 3D overview and the key slices, or ``None`` when there are none."""
    blocks = ([figures.overview] if figures.overview is not None else []) + list(figures.key_slices)
    if not blocks:
        return None
    return Section("Key images", tuple(blocks) + (Paragraph(
        "Slices are shown in the image's voxel order (rows and columns as stored) at their true aspect ratio; "
        "outlines in the segment colours, the lesion of each slice outlined in white.", note=True),))


def measurements_section(model: ReportModel) -> Section:
    """Every coded finding of the structured report, with its value or "not assessed"."""
    rows = tuple((str(row.group), str(row.name), str(row.display)) for row in model.findings)
    if not rows:
        return Section("Coded measurements", (Paragraph("No coded measurements beyond the structure volumes."),))
    return Section("Coded measurements", (Table(("Group", "Measurement", "Value"), rows, (False, False, True),
                                                "The values sent in the DICOM structured report."),))


def notes_section(notes: list[str]) -> Optional[Section]:
    """Why figures were not assessed (as the metrics recorded it) and what the report left out."""
    if not notes:
        return None
    return Section("Notes", (Bullets(tuple(f"{note[0].upper()}{note[1:]}." if not note.endswith(".") else note
                                           for note in notes)),))
