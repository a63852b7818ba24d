"""Report templates: the sections of a report model, per clinical question.

``report_sections(model, figures)`` gives the same format-neutral sections to the HTML and the PDF
renderer: identification, technique, summary, the template's own sections (named by the task's record,
``Task.report.sections``: fibroid mapping, placenta accreta assessment or adnexal mass), follow-up when a
prior was given, key images, notes and the coded measurements.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Union

from gynai.report.blocks import Section
from gynai.report.figures import ReportFigures
from gynai.report.model import ReportModel, as_report_model
from gynai.report.templates.common import (identification_section, key_images_section, measurements_section,
                                           notes_section, structures_table, summary_section, technique_section)
from gynai.report.templates.followup import followup_section
from gynai.tasks import get_task

__all__ = ["ReportFigures", "report_sections"]


def report_sections(model: Union[ReportModel, Mapping[str, Any]], figures: Optional[ReportFigures] = None) -> list[Section]:
    """All sections of a report model (or its ``report.json`` mapping) in reading order."""
    model = as_report_model(model)
    figures = figures or ReportFigures()
    document = model.metrics
    template = get_task(document.task).report
    sections = [identification_section(model), technique_section(model), summary_section(model)]
    sections += template.sections.load()(document, figures)
    if model.followup:
        sections.append(followup_section(dict(model.followup)))
    sections.append(Section("Structures", (structures_table(document),)))
    notes = list(document.notes) if template.notes_in_notes_section else []
    optional = [key_images_section(figures), notes_section(notes + list(model.output_notes))]
    sections += [section for section in optional if section is not None]
    sections.append(measurements_section(model))
    return sections
