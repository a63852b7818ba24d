"""Follow-up section: lesion-by-lesion volume change against a prior study, and the volume trend.

Any figure a study's document does not give (e.g. a prior without diameters) reads "not assessed".
"""

from __future__ import annotations

from gynai.report.blocks import LineChart, Paragraph, Section, Table, number


def _percent(value) -> str:
    return "not assessed" if value is None else f"{value:+.1f} %"


def _negated(value):
    return None if value is None else -value


def _degrees(value) -> str:
    return "not assessed" if value is None else f"{value:.1f}°"


def followup_section(followup: dict) -> Section:
    """The section of a ``gynai.followup/1`` comparison."""
    organ = followup["organ"]
    alignment = followup["alignment"]
    blocks: list = [Paragraph(
        f"Compared with {followup['prior_label']}: {organ['structure']} volume {number(organ['prior_ml'], unit='mL')} → "
        f"{number(organ['current_ml'], unit='mL')} ({_percent(organ['change_percent'])}); total lesion volume "
        f"{number(followup['total_lesion_volume']['prior_ml'], unit='mL')} → "
        f"{number(followup['total_lesion_volume']['current_ml'], unit='mL')} "
        f"({_percent(followup['total_lesion_volume']['change_percent'])}).")]
    rows = [(f"{m['prior_id']} → {m['current_id']}", number(m["prior_ml"]), number(m["current_ml"]),
             number(m["change_ml"]), _percent(m["change_percent"]),
             f"{number(m.get('prior_max_diameter_mm'))} → {number(m.get('current_max_diameter_mm'))}")
            for m in followup["matched_lesions"]]
    rows += [(f"new: {n['current_id']}", "—", number(n["volume_ml"]), number(n["volume_ml"]), "new", "—")
             for n in followup["new_lesions"]]
    rows += [(f"gone: {d['prior_id']}", number(d["volume_ml"]), "—", number(_negated(d["volume_ml"])),
              "disappeared", "—") for d in followup["disappeared_lesions"]]
    if rows:
        blocks.append(Table(("Lesion (prior → current)", "Prior (mL)", "Current (mL)", "Change (mL)", "Change",
                             "Max diameter (mm)"), tuple(rows), (False, True, True, True, True, True),
                            "Lesions matched after rigid alignment by the nearest centroid within max(15 mm, 0.75 × "
                            "the larger diameter); unmatched ones are new or disappeared."))
    else:
        blocks.append(Paragraph("No lesion in either study."))
    translation = alignment.get("translation_mm")
    shift = ", ".join(number(v) for v in translation) + " mm (LPS)" if translation else "not assessed"
    blocks.append(Paragraph(f"Alignment: {alignment['method']}, rotation {_degrees(alignment.get('rotation_deg'))}, "
                            f"shift {shift}"
                            + (f"; organ overlap after alignment (Dice) {alignment['organ_dice_after_alignment']:.2f}."
                               if alignment.get("organ_dice_after_alignment") is not None else "."), note=True))
    trend = followup.get("trend") or []
    if len(trend) >= 2:
        blocks.append(LineChart("Volume trend", tuple(p["label"] for p in trend),
                                ((organ["structure"].replace("-", " ").capitalize(),
                                  tuple(p["organ_volume_ml"] for p in trend)),
                                 ("Lesions (total)", tuple(p["lesion_volume_ml"] for p in trend))), "mL"))
    return Section("Follow-up comparison", tuple(blocks))
