"""HTML rendering of a report: one self-contained page (inline PNG figures and SVG charts) from the
template sections, with the research-use notice first. Prints on A4 with the browser's print dialog."""

from __future__ import annotations

import base64
import html
from typing import Any, Mapping, Optional, Union

from gynai.image import Image, LabelImage
from gynai.metrics.results.document import MetricsDocument
from gynai.report.blocks import BarChart, Bullets, Figure, LineChart, Paragraph, Section, Table
from gynai.report.charts import chart_svg
from gynai.report.figures import ReportFigures, report_figures
from gynai.report.model import ReportModel, as_report_model, build_report_model
from gynai.report.templates import report_sections

_STYLE = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:62em;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.4em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums}
.notice{background:#fff4d6;border:1px solid #e0b94a;padding:.6em 1em;margin:1em 0}
.small,.caption{color:#555;font-size:.9em} figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #ccc} figcaption{color:#555;font-size:.85em;max-width:24em}
@media print{body{margin:0;max-width:none} h2{break-after:avoid} figure,table{break-inside:avoid}}
"""


def _table(block: Table) -> str:
    numeric = block.numeric or (False,) * len(block.headers)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
    rows = "\n".join("<tr>" + "".join(f"<td{' class=num' if numeric[i] else ''}>{html.escape(cell)}</td>"
                                      for i, cell in enumerate(row)) + "</tr>" for row in block.rows)
    caption = f"<p class='caption'>{html.escape(block.caption)}</p>" if block.caption else ""
    return f"<table><tr>{head}</tr>\n{rows}\n</table>{caption}"


def _figure(block: Figure) -> str:
    encoded = base64.b64encode(block.png).decode("ascii")
    return (f"<figure><img alt='{html.escape(block.title)}' width='{block.size_px[0]}' src='data:image/png;base64,"
            f"{encoded}'/><figcaption>{html.escape(block.caption)}</figcaption></figure>")


def _block(block) -> str:
    if isinstance(block, Paragraph):
        return f"<p{' class=small' if block.note else ''}>{html.escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        return _figure(block)
    if isinstance(block, (BarChart, LineChart)):
        caption = f"<p class='caption'>{html.escape(block.caption)}</p>" if block.caption else ""
        return f"<div class='chart'>{chart_svg(block)}</div>{caption}"
    raise TypeError(f"unknown report block {type(block).__name__}")


def sections_html(sections: list[Section]) -> str:
    """The body HTML of report sections."""
    return "\n".join(f"<h2>{html.escape(section.title)}</h2>\n" + "\n".join(_block(b) for b in section.blocks)
                     for section in sections)


def case_report_html(image: Image, labels: Optional[LabelImage], document: Mapping[str, Any]) -> str:
    """The HTML report of one case (a metrics document as JSON): report model, figures (when ``labels`` are
    given) and page."""
    metrics = MetricsDocument.from_json(document)
    figures = report_figures(image, labels, metrics.task) if labels is not None else None
    return render_report_html(build_report_model(metrics, image), figures)


def render_report_html(model: Union[ReportModel, Mapping[str, Any]], figures: Optional[ReportFigures] = None) -> str:
    """The HTML page of a report model (or its ``report.json`` mapping) with its figures."""
    model = as_report_model(model)
    title = html.escape(model.title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<div class="notice"><b>AI-generated, requires review; research use only.</b> {html.escape(model.notice)}</div>
{sections_html(report_sections(model, figures))}
<p class="small">Template {html.escape(model.template)}, schema {html.escape(model.schema)}.</p>
</body></html>
"""
