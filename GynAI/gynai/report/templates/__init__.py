"""Report templates: the sections of a report model, per clinical question.

``report_sections(model, figures)`` gives the same format-neutral sections to the HTML and the PDF
renderer: identification, technique, summary, the template's own sections (fibroid mapping, placenta
accreta assessment or adnexal mass), follow-up when a prior was given, key images, notes and the coded
measurements.
"""

from __future__ import annotations

from typing import Optional

from gynai.report.blocks import Section
from gynai.report.templates.adnexal import adnexal_sections
from gynai.report.figures import ReportFigures
from gynai.report.templates.common import (identification_section, key_images_section,
                                           measurements_section, notes_section, structures_table,
                                           summary_section, technique_section)
from gynai.report.templates.fibroid import fibroid_sections
from gynai.report.templates.placenta import placenta_sections

__all__ = ["ReportFigures", "report_sections"]


def _template_sections(model: dict, figures: ReportFigures) -> list[Section]:
    document = model["metrics"]
    if model["template"] == "fibroid-mapping":
        return fibroid_sections(document)
    if model["template"] == "placenta-accreta":
        return placenta_sections(document, figures.thickness_map)
    return adnexal_sections(document)


def _notes(document: dict) -> list[str]:
    return [note for key in ("placenta", "adnexal") for note in (document.get(key) or {}).get("notes", [])]


def report_sections(model: dict, figures: Optional[ReportFigures] = None) -> list[Section]:
    """All sections of a report model in reading order."""
    figures = figures or ReportFigures()
    document = model["metrics"]
    sections = [identification_section(model), technique_section(model), summary_section(model)]
    sections += _template_sections(model, figures)
    if model.get("followup"):
        from gynai.report.templates.followup import followup_section

        sections.append(followup_section(model["followup"]))
    sections.append(Section("Structures", (structures_table(document),)))
    optional = [key_images_section(figures), notes_section(_notes(document) + list(model.get("output_notes", ())))]
    sections += [section for section in optional if section is not None]
    sections.append(measurements_section(model))
    return sections
