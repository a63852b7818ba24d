"""Adnexal-mass template: the O-RADS MRI inputs a segmentation can measure, without a score.

O-RADS MRI (Sadowski et al., Radiology 2022) scores from the solid tissue's enhancement curve, diffusion,
fat and fluid type and peritoneal disease, none of which a T2 segmentation shows, so no score is given.
"""

from __future__ import annotations

from gynai.report.blocks import Paragraph, Section, Table, diameters, number
from gynai.report.templates.common import NOT_ASSESSED

NO_SCORE = ("No O-RADS MRI score is assigned: it needs the solid tissue's contrast enhancement (time–intensity "
            "curve), diffusion-weighted and T1/fat-suppressed imaging and the peritoneum, which GynAI does not "
            "assess. The inputs above are for the reader's scoring.")


def _locules(count) -> str:
    if count is None:
        return NOT_ASSESSED
    return f"{count} ({'unilocular' if count == 1 else 'multilocular' if count > 1 else 'no fluid locule'})"


def _ratio(value) -> str:
    return NOT_ASSESSED if value is None else f"{value:.2f}"


def adnexal_sections(document: dict) -> list[Section]:
    """The lesion table of an ``adnexal-mass`` metrics document."""
    adnexal = document.get("adnexal") or {}
    if not adnexal.get("present"):
        return [Section("Adnexal lesion", (Paragraph("No adnexal lesion segmented."),))]
    lesion = adnexal.get("lesion") or {}
    solid = adnexal.get("solid_volume_ml")
    fraction = adnexal.get("solid_fraction")
    rows = (("Lesion volume", number(adnexal.get("volume_ml"), unit="mL")),
            ("Maximal diameter", number(adnexal.get("max_diameter_mm"), unit="mm")),
            ("Three diameters", f"{diameters(lesion.get('obb_diameters_mm'))} mm"),
            ("Solid tissue", NOT_ASSESSED if solid is None else ("present" if solid > 0 else "none segmented")),
            ("Solid tissue volume", number(solid, 2, "mL")),
            ("Solid tissue fraction", NOT_ASSESSED if fraction is None else f"{100 * fraction:.1f} %"),
            ("Fluid volume", number(adnexal.get("fluid_volume_ml"), unit="mL")),
            ("Locules", _locules(adnexal.get("locule_count"))),
            ("Wall thickness", number(adnexal.get("wall_thickness_mm"), unit="mm")),
            ("Septal thickness", number(adnexal.get("septal_thickness_mm"), unit="mm")),
            ("Solid tissue T2 ratio to fluid", _ratio(adnexal.get("solid_t2_ratio_to_fluid"))),
            ("Solid tissue T2 ratio to myometrium", _ratio(adnexal.get("solid_t2_ratio_to_myometrium"))))
    table = Table(("O-RADS MRI input", "Measured"), rows, (False, True),
                  "Solid tissue as segmented; O-RADS counts only enhancing solid tissue, which needs contrast.")
    return [Section("Adnexal lesion", (table, Paragraph(NO_SCORE)))]
