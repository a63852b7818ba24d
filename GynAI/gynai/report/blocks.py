"""Format-neutral building blocks of a rendered report.

A report is a list of :class:`Section` objects, each a title and a sequence of blocks: paragraphs,
bullet lists, tables, figures (PNG key images) and charts. The HTML and PDF renderers turn the same
sections into their format, so both always show the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Union


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text; ``note`` paragraphs are shown smaller."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Bullets:
    """A bullet list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells; ``numeric`` marks the right-aligned columns."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    caption: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"table row has {len(row)} cells for {len(self.headers)} headers: {row}")


@dataclass(frozen=True)
class Figure:
    """A raster figure (PNG bytes) with its pixel size and caption."""

    title: str
    png: bytes
    size_px: tuple[int, int]
    caption: str
    slice_index: Optional[int] = None


@dataclass(frozen=True)
class BarChart:
    """Bars of one series: ``values`` per ``categories`` in ``unit``."""

    title: str
    categories: tuple[str, ...]
    values: tuple[float, ...]
    unit: str
    caption: str = ""


@dataclass(frozen=True)
class LineChart:
    """Lines over shared x labels (e.g. study dates); ``None`` values are gaps."""

    title: str
    x_labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[Optional[float], ...]], ...]
    unit: str
    caption: str = ""


Block = Union[Paragraph, Bullets, Table, Figure, BarChart, LineChart]


@dataclass(frozen=True)
class Section:
    """A titled part of the report."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def number(value: Optional[float], digits: int = 1, unit: str = "") -> str:
    """``value`` with ``digits`` decimals and a unit, or "not assessed" when it is ``None``."""
    if value is None:
        return "not assessed"
    return f"{value:.{digits}f}{(' ' + unit) if unit else ''}"


def diameters(values: Optional[Sequence[float]]) -> str:
    """Three diameters as ``a × b × c`` (mm), or "not assessed"."""
    if not values:
        return "not assessed"
    return " × ".join(f"{v:.1f}" for v in values)
