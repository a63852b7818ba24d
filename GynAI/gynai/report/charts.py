"""Charts of a report as reportlab drawings: vector graphics in the PDF, inline SVG in the HTML.

One drawing serves both formats, so the figures in the two renderings are identical. reportlab, an optional
heavy import, is imported when a chart is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gynai.report.blocks import BarChart, LineChart

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

WIDTH_PT, HEIGHT_PT = 480.0, 190.0
_SERIES_COLOURS = ("#3a7ca5", "#d8634f", "#6a994e", "#8e6c8a")


def _axis_maximum(values) -> float:
    finite = [v for v in values if v is not None]
    top = max(finite) if finite else 1.0
    return top * 1.15 if top > 0 else 1.0


def bar_drawing(chart: BarChart) -> "Drawing":
    """A vertical bar chart of one series, values printed above the bars."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(WIDTH_PT, HEIGHT_PT)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 50, 36, WIDTH_PT - 70, HEIGHT_PT - 66
    bars.data = [list(chart.values)]
    bars.categoryAxis.categoryNames = list(chart.categories)
    bars.categoryAxis.labels.fontSize = 7
    bars.categoryAxis.labels.angle = 0 if len(chart.categories) <= 8 else 30
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = _axis_maximum(chart.values)
    bars.valueAxis.labels.fontSize = 7
    bars.bars[0].fillColor = colors.HexColor(_SERIES_COLOURS[0])
    bars.barLabelFormat = "%.1f"
    bars.barLabels.fontSize = 6.5
    bars.barLabels.nudge = 6
    drawing.add(bars)
    drawing.add(String(50, HEIGHT_PT - 16, f"{chart.title} ({chart.unit})", fontSize=9, fontName="Helvetica-Bold"))
    return drawing


def line_drawing(chart: LineChart) -> "Drawing":
    """A line chart with markers, one line per series, and a legend line under the title."""
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    drawing = Drawing(WIDTH_PT, HEIGHT_PT)
    lines = HorizontalLineChart()
    lines.x, lines.y, lines.width, lines.height = 50, 36, WIDTH_PT - 70, HEIGHT_PT - 80
    lines.data = [list(values) for _, values in chart.series]
    lines.categoryAxis.categoryNames = list(chart.x_labels)
    lines.categoryAxis.labels.fontSize = 7
    lines.valueAxis.valueMin = 0
    lines.valueAxis.valueMax = _axis_maximum([v for _, values in chart.series for v in values])
    lines.valueAxis.labels.fontSize = 7
    legend = []
    for index, (name, _) in enumerate(chart.series):
        colour = colors.HexColor(_SERIES_COLOURS[index % len(_SERIES_COLOURS)])
        lines.lines[index].strokeColor = colour
        lines.lines[index].strokeWidth = 1.5
        lines.lines[index].symbol = makeMarker("FilledCircle", size=4, fillColor=colour)
        legend.append((name, colour))
    drawing.add(lines)
    drawing.add(String(50, HEIGHT_PT - 16, f"{chart.title} ({chart.unit})", fontSize=9, fontName="Helvetica-Bold"))
    x = 50.0
    for name, colour in legend:
        drawing.add(Rect(x, HEIGHT_PT - 31, 7, 7, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 10, HEIGHT_PT - 30, name, fontSize=7.5))
        x += 24 + 4.2 * len(name)
    return drawing


def chart_drawing(chart: BarChart | LineChart) -> "Drawing":
    """The drawing of a chart block."""
    return bar_drawing(chart) if isinstance(chart, BarChart) else line_drawing(chart)


def chart_svg(chart: BarChart | LineChart) -> str:
    """SVG text of a chart block (without the XML declaration, ready to inline in HTML)."""
    from reportlab.graphics import renderSVG

    text = renderSVG.drawToString(chart_drawing(chart))
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
