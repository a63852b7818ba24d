"""Fibroid-mapping template (before myomectomy, uterine artery embolisation or HIFU)."""

from __future__ import annotations

from typing import Optional

from gynai.metrics.findings import NOT_ASSESSED
from gynai.metrics.location import relative_position
from gynai.metrics.results.document import MetricsDocument
from gynai.metrics.results.fibroid import FibroidMap
from gynai.metrics.results.structure import StructureMetrics
from gynai.report.blocks import BarChart, Paragraph, Section, Table, diameters, number
from gynai.report.figures import ReportFigures

FIGO_DESCRIPTIONS = {
    "0": "submucous, pedunculated intracavitary", "1": "submucous, < 50 % intramural",
    "2": "submucous, ≥ 50 % intramural", "3": "intramural, contacts the endometrium",
    "4": "intramural", "5": "subserous, ≥ 50 % intramural", "6": "subserous, < 50 % intramural",
    "7": "subserous, pedunculated", "8": "other (cervical, ligamentous or parasitic)",
}
"""FIGO (PALM-COEIN) leiomyoma types in words; hybrid types X-Y combine two of them."""


UNCLASSIFIED = "unclassified — reader to decide"


def figo_text(figo_type: Optional[str], note: Optional[str] = None) -> str:
    """``"2 (submucous, ≥ 50 % intramural)"``; hybrids as ``"2-5 (hybrid: …; …)"``; a fibroid the
    geometry could not type (``note`` given) as "unclassified — reader to decide"."""
    if figo_type is None:
        return UNCLASSIFIED if note else NOT_ASSESSED
    parts = figo_type.split("-")
    if len(parts) == 2:
        return f"{figo_type} (hybrid: {FIGO_DESCRIPTIONS.get(parts[0], '?')}; {FIGO_DESCRIPTIONS.get(parts[1], '?')})"
    return f"{figo_type} ({FIGO_DESCRIPTIONS.get(figo_type, 'unknown type')})"


def _fibroid_rows(document: MetricsDocument, fibroids: FibroidMap) -> tuple[tuple[str, ...], ...]:
    uterus = document.structure("uterus").centroid_lps_mm
    rows = []
    for fibroid in fibroids.fibroids:
        ratio = fibroid.t2_ratio_to_myometrium
        signal = NOT_ASSESSED if ratio is None else f"{ratio:.2f} / {fibroid.funaki_class or NOT_ASSESSED}"
        if fibroid.t2_ratio_to_muscle is not None:
            signal += f" ({fibroid.t2_ratio_to_muscle:.2f} × muscle)"
        rows.append((str(fibroid.id), relative_position(fibroid.shape.centroid_lps_mm, uterus) or NOT_ASSESSED,
                     figo_text(fibroid.figo_type, fibroid.figo_note), diameters(fibroid.diameters_mm),
                     number(fibroid.shape.volume_ml),
                     number(fibroid.distance_to_endometrium_mm), number(fibroid.distance_to_serosa_mm), signal))
    return tuple(rows)


def _uterus_paragraph(uterus: StructureMetrics) -> Paragraph:
    if uterus.present:
        return Paragraph(f"Uterine volume {number(uterus.volume_ml, unit='mL')} (voxel count), ellipsoid estimate "
                         f"{number(uterus.ellipsoid_volume_ml, unit='mL')}; diameters "
                         f"{diameters(uterus.principal_diameters_mm)} mm.")
    return Paragraph("Uterus not segmented (no myometrium): uterine volume and diameters not assessed.")


def fibroid_sections(document: MetricsDocument, figures: Optional[ReportFigures] = None) -> list[Section]:
    """Uterus and fibroid sections of a ``uterus-fibroid`` metrics document."""
    fibroids = document.results if isinstance(document.results, FibroidMap) else FibroidMap()
    sections = [Section("Uterus", (_uterus_paragraph(document.structure("uterus")),))]
    count = fibroids.count or 0
    notes = tuple(Paragraph(f"Note: {note}.") for note in fibroids.notes) + tuple(
        Paragraph(f"Note: fibroid {f.id}: {f.figo_note}.") for f in fibroids.fibroids if f.figo_note)
    if not count:
        sections.append(Section("Fibroids", (Paragraph("No fibroid segmented."), *notes)))
        return sections
    dominant = fibroids.fibroids[0]
    blocks = [Paragraph(f"{count} fibroid(s), total volume {number(fibroids.total_fibroid_volume_ml, unit='mL')}"
                        f" ({number(fibroids.burden_percent, unit='%')} of the uterine volume). Dominant fibroid: no. "
                        f"{dominant.id}, FIGO type {figo_text(dominant.figo_type, dominant.figo_note)}, "
                        f"{number(dominant.shape.volume_ml, unit='mL')}."),
              Table(("No.", "Location", "FIGO type", "Diameters (mm)", "Volume (mL)", "To endometrium (mm)",
                     "To serosa (mm)", "T2 ratio / Funaki"), _fibroid_rows(document, fibroids),
                    (False, False, False, True, True, True, True, False),
                    "FIGO types are automated estimates from the segmentation's geometry (protrusion into the "
                    "cavity and beyond the serosa against contours fitted across the fibroid, stalk test), to be "
                    "confirmed by a reader. "
                    "Location relative to the uterine centre in patient axes. Distances are the shortest gaps "
                    "to the endometrium and to the serosa (FIGO asks the outer free margin for types 2-4). "
                    "T2 ratio: fibroid to outer myometrium signal (the junctional zone, the inner 8 mm, left out); "
                    "Funaki class " +
                    ("against the skeletal-muscle reference." if fibroids.muscle_reference
                     else "without a skeletal-muscle reference: I/II (darker than myometrium) or III (not darker).")),
              BarChart("Fibroid volumes", tuple(f"{f.id} (FIGO {f.figo_type or '?'})" for f in fibroids.fibroids),
                       tuple(float(f.shape.volume_ml or 0.0) for f in fibroids.fibroids), "mL"), *notes]
    sections.append(Section("Fibroids", tuple(blocks)))
    return sections


def fibroid_summary(fibroids: FibroidMap) -> list[str]:
    """The summary line: uterine volume, fibroid count, the dominant fibroid and the burden."""
    uterine_ml = fibroids.uterine_volume_ml
    line = (f"Uterine volume {NOT_ASSESSED if uterine_ml is None else f'{uterine_ml:.1f} mL'}; "
            f"{fibroids.count} fibroid(s)")
    if fibroids.count:
        dominant = fibroids.fibroids[0]
        figo = dominant.figo_type or (UNCLASSIFIED if dominant.figo_note else NOT_ASSESSED)
        line += (f", dominant fibroid {fibroids.dominant_fibroid_id} (estimated FIGO type {figo}, "
                 f"{dominant.shape.volume_ml:.1f} mL)")
    if fibroids.burden_percent is not None:
        line += f"; burden {fibroids.burden_percent:.1f} % of the uterus"
    return [line + "."]
