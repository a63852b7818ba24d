"""HTML rendering of the report model: the template's title, header, technique, summary, findings table,
structure volumes and a key image, with the AI notice first."""

from __future__ import annotations

import html
from typing import Optional

from gynai.image import Image, LabelImage
from gynai.report.html import render_html
from gynai.report.png import encode_png, render_overlay


def _findings_table(model: dict) -> str:
    if not model["findings"]:
        return "<p>No findings beyond the structure volumes.</p>"
    rows = "\n".join(f"<tr><td>{html.escape(row['group'])}</td><td>{html.escape(row['name'])}</td>"
                     f"<td class='num'>{html.escape(row['display'])}</td></tr>" for row in model["findings"])
    return f"<table><tr><th>Group</th><th>Measurement</th><th>Value</th></tr>\n{rows}\n</table>"


def render_report_html(model: dict, image: Optional[Image] = None, labels: Optional[LabelImage] = None) -> str:
    """HTML text of a report model (key image when image and labels are given)."""
    png = encode_png(render_overlay(image, labels)) if image is not None and labels is not None else None
    page = render_html(model["metrics"], png, model["title"])
    header = model["header"]
    identity = (f"<tr><th>Patient ID</th><td>{html.escape(str(header['patient_id']))}</td></tr>"
                f"<tr><th>Study date</th><td>{html.escape(str(header.get('study_date') or '—'))}</td></tr>"
                f"<tr><th>Report date</th><td>{html.escape(header['report_date'])}</td></tr>")
    summary = "".join(f"<li>{html.escape(line)}</li>" for line in model["summary"])
    extra = (f"<h2>Technique</h2><p>{html.escape(model['technique'])}</p>"
             f"<h2>Summary</h2><ul>{summary}</ul><h2>Findings</h2>{_findings_table(model)}"
             f"<p class='small'>Template: {html.escape(model['template'])}. {html.escape(model['notice'])}</p>")
    page = page.replace("<h2>Study</h2>\n<table>", "<h2>Study</h2>\n<table>" + identity, 1)
    return page.replace("<h2>Volumes</h2>", extra + "<h2>Volumes</h2>", 1)
