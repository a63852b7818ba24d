"""Fibroid-mapping template (before myomectomy, uterine artery embolisation or HIFU)."""

from __future__ import annotations

from typing import Optional

from gynai.metrics.location import relative_position
from gynai.report.blocks import BarChart, Paragraph, Section, Table, diameters, number

FIGO_DESCRIPTIONS = {
    "0": "submucous, pedunculated intracavitary", "1": "submucous, < 50 % intramural",
    "2": "submucous, ≥ 50 % intramural", "3": "intramural, contacts the endometrium",
    "4": "intramural", "5": "subserous, ≥ 50 % intramural", "6": "subserous, < 50 % intramural",
    "7": "subserous, pedunculated", "8": "other (cervical, ligamentous or parasitic)",
}
"""FIGO (PALM-COEIN) leiomyoma types in words; hybrid types X-Y combine two of them."""


def figo_text(figo_type: Optional[str]) -> str:
    """``"2 (submucous, ≥ 50 % intramural)"``; hybrids as ``"2-5 (hybrid: …; …)"``."""
    if figo_type is None:
        return "not assessed"
    parts = figo_type.split("-")
    if len(parts) == 2:
        return f"{figo_type} (hybrid: {FIGO_DESCRIPTIONS.get(parts[0], '?')}; {FIGO_DESCRIPTIONS.get(parts[1], '?')})"
    return f"{figo_type} ({FIGO_DESCRIPTIONS.get(figo_type, 'unknown type')})"


def _fibroid_rows(document: dict) -> tuple[tuple[str, ...], ...]:
    uterus = document["structures"].get("uterus", {}).get("centroid_lps_mm")
    rows = []
    for fibroid in document["fibroid_map"]["fibroids"]:
        ratio = fibroid.get("t2_ratio_to_myometrium")
        signal = "not assessed" if ratio is None else f"{ratio:.2f} / {fibroid.get('funaki_class') or 'not assessed'}"
        if fibroid.get("t2_ratio_to_muscle") is not None:
            signal += f" ({fibroid['t2_ratio_to_muscle']:.2f} × muscle)"
        rows.append((str(fibroid["id"]), relative_position(fibroid.get("centroid_lps_mm"), uterus) or "not assessed",
                     figo_text(fibroid.get("figo_type")), diameters(fibroid.get("diameters_mm")),
                     number(fibroid["volume_ml"]), number(fibroid.get("distance_to_endometrium_mm")),
                     number(fibroid.get("distance_to_serosa_mm")), signal))
    return tuple(rows)


def fibroid_sections(document: dict) -> list[Section]:
    """Uterus and fibroid sections of a ``uterus-fibroid`` metrics document."""
    fibroid_map = document.get("fibroid_map") or {}
    uterus = document["structures"].get("uterus", {})
    if uterus.get("present"):
        uterus_blocks = [Paragraph(f"Uterine volume {number(uterus.get('volume_ml'), unit='mL')} (voxel count), "
                                   f"ellipsoid estimate {number(uterus.get('ellipsoid_volume_ml'), unit='mL')}; "
                                   f"diameters {diameters(uterus.get('obb_diameters_mm'))} mm.")]
    else:
        uterus_blocks = [Paragraph("Uterus not segmented (no myometrium): uterine volume and diameters not assessed.")]
    sections = [Section("Uterus", tuple(uterus_blocks))]
    count = fibroid_map.get("count", 0)
    notes = tuple(Paragraph(f"Note: {note}.") for note in fibroid_map.get("notes", []))
    if not count:
        sections.append(Section("Fibroids", (Paragraph("No fibroid segmented."), *notes)))
        return sections
    dominant = fibroid_map["fibroids"][0]
    burden = fibroid_map.get("burden_percent")
    blocks = [Paragraph(f"{count} fibroid(s), total volume {number(fibroid_map['total_fibroid_volume_ml'], unit='mL')}"
                        f" ({number(burden, unit='%')} of the uterine volume). Dominant fibroid: no. {dominant['id']}, "
                        f"FIGO type {figo_text(dominant.get('figo_type'))}, {number(dominant['volume_ml'], unit='mL')}."),
              Table(("No.", "Location", "FIGO type", "Diameters (mm)", "Volume (mL)", "To endometrium (mm)",
                     "To serosa (mm)", "T2 ratio / Funaki"), _fibroid_rows(document),
                    (False, False, False, True, True, True, True, False),
                    "Location relative to the uterine centre in patient axes. Distances are the shortest gaps "
                    "to the endometrium and to the serosa (FIGO asks the outer free margin for types 2-4). "
                    "T2 ratio: fibroid to myometrium signal; Funaki class " +
                    ("against the skeletal-muscle reference." if fibroid_map.get("muscle_reference")
                     else "without a skeletal-muscle reference: I/II (darker than myometrium) or III (not darker).")),
              BarChart("Fibroid volumes", tuple(f"{f['id']} (FIGO {f.get('figo_type') or '?'})"
                                                for f in fibroid_map["fibroids"]),
                       tuple(float(f["volume_ml"]) for f in fibroid_map["fibroids"]), "mL"), *notes]
    sections.append(Section("Fibroids", tuple(blocks)))
    return sections
