"""PDF rendering of a report (reportlab): the template sections on paginated A4 pages.

Every page carries the notice "AI-generated, requires review; research use only" and its page number in
the footer. Long tables continue on the next page with their header row repeated; figures and charts are
kept whole on one page.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping, Optional, Union
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import KeepTogether, ListFlowable, ListItem
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable
from reportlab.platypus import TableStyle

from gynai.report.blocks import BarChart, Bullets, Figure, LineChart, Paragraph, Section, Table
from gynai.report.charts import chart_drawing
from gynai.report.figures import ReportFigures
from gynai.report.model import ReportModel, as_report_model
from gynai.report.templates import report_sections

FOOTER = "GynAI - AI-generated, requires review; research use only - page {page}"
CONTENT_WIDTH_MM = 174.0
FIGURE_WIDTH_MM = 82.0
SHORT_TABLE_ROWS = 20
"""Tables up to this many rows are kept on one page with their caption."""
_TABLE_STYLE = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)])


def _footer(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(18 * mm, 10 * mm, FOOTER.format(page=document.page))
    canvas.restoreState()


def _styles() -> dict:
    sheet = getSampleStyleSheet()
    return {"title": sheet["Title"], "h2": sheet["Heading2"], "body": sheet["BodyText"],
            "note": ParagraphStyle("note", parent=sheet["BodyText"], fontSize=8, textColor=colors.HexColor("#555555")),
            "cell": ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=7.5, leading=9),
            "number": ParagraphStyle("number", parent=sheet["BodyText"], fontSize=7.5, leading=9, alignment=TA_RIGHT),
            "notice": ParagraphStyle("notice", parent=sheet["BodyText"], backColor=colors.HexColor("#fff4d6"),
                                     borderColor=colors.HexColor("#e0b94a"), borderWidth=0.6, borderPadding=4)}


def _text(text: str) -> str:
    """Plain text made safe for reportlab's mini-markup; Helvetica lacks a few glyphs, so spell them."""
    return (escape(text).replace("≥", "&gt;=").replace("≤", "&lt;=").replace("π", "pi").replace("→", "-&gt;")
            .replace("−", "-"))


def _column_widths(block: Table) -> list[float]:
    """Column widths (points) over the page width, in proportion to each column's longest text (clamped),
    wide enough for the longest word of its header (bold) not to break."""
    lengths = [min(max([len(block.headers[c]) * 0.6, max(len(word) for word in block.headers[c].split()) * 1.5]
                       + [len(row[c]) for row in block.rows]), 40) + 4 for c in range(len(block.headers))]
    return [CONTENT_WIDTH_MM * mm * n / sum(lengths) for n in lengths]


def _table(block: Table, styles: dict) -> list:
    numeric = block.numeric or (False,) * len(block.headers)
    cells = [[PdfParagraph(f"<b>{_text(h)}</b>", styles["cell"]) for h in block.headers]]
    cells += [[PdfParagraph(_text(cell), styles["number" if numeric[c] else "cell"]) for c, cell in enumerate(row)]
              for row in block.rows]
    table = PdfTable(cells, repeatRows=1, colWidths=_column_widths(block), hAlign="LEFT")
    table.setStyle(_TABLE_STYLE)
    flowables = [table]
    if block.caption:
        flowables.append(PdfParagraph(_text(block.caption), styles["note"]))
    return flowables + [Spacer(1, 2 * mm)]


def _figure_cell(block: Figure, styles: dict) -> list:
    width = FIGURE_WIDTH_MM * mm
    height = min(width * block.size_px[1] / block.size_px[0], 110 * mm)
    width = height * block.size_px[0] / block.size_px[1]
    return [PdfImage(io.BytesIO(block.png), width=width, height=height),
            PdfParagraph(_text(block.caption), styles["note"])]


def _figure_rows(figures: list[Figure], styles: dict) -> list:
    """Figures two to a row, each row kept on one page."""
    rows = []
    for start in range(0, len(figures), 2):
        pair = [_figure_cell(f, styles) for f in figures[start:start + 2]]
        row = PdfTable([pair + [""] * (2 - len(pair))], colWidths=[CONTENT_WIDTH_MM / 2 * mm] * 2, hAlign="LEFT")
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        rows += [row, Spacer(1, 3 * mm)]
    return rows


def _flowables(block, styles: dict) -> list:
    if isinstance(block, Paragraph):
        return [PdfParagraph(_text(block.text), styles["note" if block.note else "body"])]
    if isinstance(block, Bullets):
        return [ListFlowable([ListItem(PdfParagraph(_text(item), styles["body"])) for item in block.items],
                             bulletType="bullet", leftIndent=12)]
    if isinstance(block, Table):
        return _table(block, styles)
    if isinstance(block, (BarChart, LineChart)):
        caption = [PdfParagraph(_text(block.caption), styles["note"])] if block.caption else []
        return [chart_drawing(block)] + caption
    raise TypeError(f"unknown report block {type(block).__name__}")


def _block_groups(section: Section, styles: dict) -> list[tuple[list, bool]]:
    """Flowables of a section's blocks, one list per block (consecutive figures share one), each with
    whether it is kept whole on one page (all but long tables, which split with a repeated header)."""
    groups: list[tuple[list, bool]] = []
    pending: list[Figure] = []
    for block in section.blocks:
        if isinstance(block, Figure):
            pending.append(block)
            continue
        if pending:
            groups.append((_figure_rows(pending, styles), False))
            pending = []
        groups.append((_flowables(block, styles), not (isinstance(block, Table) and len(block.rows) > SHORT_TABLE_ROWS)))
    if pending:
        groups.append((_figure_rows(pending, styles), False))
    return groups


def _section_flowables(section: Section, styles: dict) -> list:
    """A section's flowables: its heading kept on one page with the start of its first block."""
    story: list = [PdfParagraph(_text(section.title), styles["h2"])]
    for index, (flowables, whole) in enumerate(_block_groups(section, styles)):
        if index == 0:
            head = story.pop()
            kept, rest = (flowables, []) if whole else (flowables[:1], flowables[1:])
            story += [KeepTogether([head] + kept)] + rest
        else:
            story += [KeepTogether(flowables)] if whole else flowables
    return story


def render_report_pdf(model: Union[ReportModel, Mapping[str, Any]], figures: Optional[ReportFigures],
                      path: Path) -> None:
    """Write the PDF of a report model (or its ``report.json`` mapping) and its figures to ``path``."""
    model = as_report_model(model)
    styles = _styles()
    story = [PdfParagraph(_text(model.title), styles["title"]),
             PdfParagraph(f"<b>AI-generated, requires review; research use only.</b> {_text(model.notice)}",
                          styles["notice"]), Spacer(1, 4 * mm)]
    for section in report_sections(model, figures):
        story += _section_flowables(section, styles)
    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                 topMargin=16 * mm, bottomMargin=18 * mm, title=model.title,
                                 author="GynAI", subject=f"GynAI {model.template} report")
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
