"""Placenta-accreta assessment template: research metrics as measured evidence for the SAR-ESUR signs.

The seven MRI features recommended by the SAR-ESUR joint consensus (Jha et al., Eur Radiol 2020) are
listed with what GynAI measured for each, or "not assessed" where a segmentation cannot show it. Normal
placentas show dark bands and thin myometrium too, so no sign is flagged and no grade is suggested.
"""

from __future__ import annotations

import numpy as np

from gynai.metrics.location import relative_position
from gynai.report.blocks import Figure, Paragraph, Section, Table, number
from gynai.report.templates.common import NOT_ASSESSED

_CAUTION = ("Research metrics, not a diagnosis: dark bands and undetectable myometrium also occur in normal "
            "third-trimester placentas; no sign should be read in isolation.")


def _yes_no(value) -> str:
    return NOT_ASSESSED if value is None else ("yes" if value else "no")


def _percent(fraction) -> str:
    return NOT_ASSESSED if fraction is None else f"{100.0 * fraction:.1f} %"


def _uterine_centre(document: dict):
    """Volume-weighted centroid of myometrium and placenta (the gravid uterus)."""
    parts = [document["structures"].get(key) or {} for key in ("myometrium", "placenta")]
    parts = [p for p in parts if p.get("present") and p.get("centroid_lps_mm") is not None]
    if not parts:
        return None
    weights = np.array([p["volume_ml"] for p in parts])
    return (np.array([p["centroid_lps_mm"] for p in parts]) * weights[:, None]).sum(axis=0) / weights.sum()


def signs_table(placenta: dict) -> Table:
    """The consensus signs with the measured evidence for each."""
    thinning = (f"minimum {number(placenta.get('min_myometrial_thickness_mm'), unit='mm')}, median "
                f"{number(placenta.get('median_myometrial_thickness_mm'), unit='mm')}; bed with < 1 mm: "
                f"{_percent(placenta.get('bed_fraction_thin'))}, "
                f"{number(placenta.get('thin_myometrium_area_cm2'), unit='cm²')}")
    bands = (f"{number(placenta.get('dark_band_volume_ml'), 2, 'mL')} "
             f"({_percent(placenta.get('dark_band_fraction'))} of the placenta)")
    bladder = (f"contact through myometrium < 1 mm: {_yes_no(placenta.get('bladder_contact'))}"
               f" ({number(placenta.get('bladder_contact_area_cm2'), 2, 'cm²')}); interface length "
               f"{number(placenta.get('bladder_interface_length_mm'), unit='mm')}")
    rows = (("Intraplacental T2-dark bands", "volume of T2-dark tissue relative to the placenta's own signal", bands),
            ("Uterine or placental bulge", "depth beyond the expected (ellipsoid) uterine contour",
             number(placenta.get("bulge_depth_mm"), unit="mm")),
            ("Loss of the T2-hypointense retroplacental interface", "—", NOT_ASSESSED),
            ("Myometrial thinning (< 1 mm or undetectable)", "retroplacental myometrial thickness", thinning),
            ("Bladder wall interruption", "placenta–bladder interface", bladder),
            ("Focal exophytic mass", "—", NOT_ASSESSED),
            ("Abnormal vascularisation of the placental bed", "— (needs vascular imaging)", NOT_ASSESSED))
    return Table(("Consensus sign (SAR-ESUR 2020)", "What GynAI measures", "Measured evidence"), rows,
                 (False, False, False), _CAUTION)


def placenta_sections(document: dict, thickness_map: Figure | None = None) -> list[Section]:
    """Placenta, myometrium and consensus-sign sections of a ``placenta`` metrics document."""
    placenta = document.get("placenta") or {}
    if not placenta.get("present"):
        return [Section("Placenta", (Paragraph("No placenta segmented; placenta metrics not assessed."),))]
    shape = placenta.get("placenta") or {}
    location = relative_position(shape.get("centroid_lps_mm"), _uterine_centre(document)) or NOT_ASSESSED
    thickness = placenta.get("max_thickness_mm")
    overview = Paragraph(f"Placental location: {location} (centroid relative to the uterine centre, patient axes). "
                         f"Volume {number(placenta.get('volume_ml'), unit='mL')}; maximum thickness "
                         f"{number(thickness, unit='mm')}" + (" (above 40 mm)." if thickness and thickness > 40 else "."))
    myometrium_blocks = [Paragraph(
        f"Retroplacental myometrium: minimum {number(placenta.get('min_myometrial_thickness_mm'), unit='mm')}, median "
        f"{number(placenta.get('median_myometrial_thickness_mm'), unit='mm')}; "
        f"{_percent(placenta.get('bed_fraction_thin'))} of the placental bed "
        f"({number(placenta.get('thin_myometrium_area_cm2'), unit='cm²')}) under 1 mm or absent.")]
    if thickness_map is not None:
        myometrium_blocks.append(thickness_map)
    return [Section("Placenta", (overview,)),
            Section("Myometrium under the placenta", tuple(myometrium_blocks)),
            Section("Consensus signs: measured evidence", (signs_table(placenta),
                                                           Paragraph(placenta.get("notice", ""), note=True)))]
