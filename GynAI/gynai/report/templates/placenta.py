"""Placenta-accreta assessment template: research metrics as measured evidence for the SAR-ESUR signs.

The seven MRI features recommended by the SAR-ESUR joint consensus (Jha et al., Eur Radiol 2020) are
listed with what GynAI measured for each, or "not assessed" where a segmentation cannot show it. Normal
placentas show dark bands and thin myometrium too, so no sign is flagged and no grade is suggested.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from gynai.metrics.findings import NOT_ASSESSED
from gynai.metrics.location import relative_position
from gynai.metrics.results.document import MetricsDocument
from gynai.metrics.results.placenta import PlacentaResults
from gynai.metrics.results.structure import StructureMetrics
from gynai.report.blocks import Paragraph, Section, Table, number
from gynai.report.figures import ReportFigures

_CAUTION = ("Research metrics, not a diagnosis: dark bands and undetectable myometrium also occur in normal "
            "third-trimester placentas (Lo et al.: dark bands > 6 mm in 20 %, undetectable myometrium in 38 % of "
            "normal placentas); no sign should be read in isolation. The < 1 mm cut-off is the EW-AIP "
            "ultrasound descriptor (Collins et al., Ultrasound Obstet Gynecol 2016); the dark-band threshold "
            "(0.6 of the bright reference) and minimum size (0.1 mL) are GynAI's own.")


def _yes_no(value) -> str:
    return NOT_ASSESSED if value is None else ("yes" if value else "no")


def _percent(fraction) -> str:
    return NOT_ASSESSED if fraction is None else f"{100.0 * fraction:.1f} %"


def _uterine_centre(document: MetricsDocument):
    """Volume-weighted centroid of myometrium and placenta (the gravid uterus)."""
    parts = [document.structure(key) for key in ("myometrium", "placenta")]
    parts = [p for p in parts if p.present and p.centroid_lps_mm is not None]
    if not parts:
        return None
    weights = np.array([p.volume_ml for p in parts])
    return (np.array([p.centroid_lps_mm for p in parts]) * weights[:, None]).sum(axis=0) / weights.sum()


def signs_table(placenta: PlacentaResults) -> Table:
    """The consensus signs with the measured evidence for each."""
    thinning = (f"minimum {number(placenta.min_myometrial_thickness_mm, unit='mm')}, median "
                f"{number(placenta.median_myometrial_thickness_mm, unit='mm')}; bed with < 1 mm: "
                f"{_percent(placenta.bed_fraction_thin)}, {number(placenta.thin_myometrium_area_cm2, unit='cm²')}")
    bands = f"{number(placenta.dark_band_volume_ml, 2, 'mL')} ({_percent(placenta.dark_band_fraction)} of the placenta)"
    rows = (("Intraplacental T2-dark bands",
             "volume of tissue darker than 0.6 × the placenta's bright reference (GynAI's threshold)", bands),
            ("Uterine or placental bulge", "depth beyond the expected (ellipsoid) uterine contour",
             number(placenta.bulge_depth_mm, unit="mm")),
            ("Loss of the T2-hypointense retroplacental interface", "—", NOT_ASSESSED),
            ("Myometrial thinning (< 1 mm or undetectable)", "retroplacental myometrial thickness", thinning),
            ("Bladder wall interruption", "— (the bladder wall is not segmented)", NOT_ASSESSED),
            ("Focal exophytic mass", "—", NOT_ASSESSED),
            ("Abnormal vascularisation of the placental bed", "— (needs vascular imaging)", NOT_ASSESSED))
    return Table(("Consensus sign (SAR-ESUR 2020)", "What GynAI measures", "Measured evidence"), rows,
                 (False, False, False), _CAUTION)


def bladder_table(placenta: PlacentaResults) -> Table:
    """Placenta–bladder proximity: a research figure, not the SAR-ESUR sign (the bladder wall is not assessed)."""
    rows = (("Placenta–bladder proximity (research)",
             f"myometrium < 1 mm between placenta and bladder: {_yes_no(placenta.bladder_contact)} "
             f"({number(placenta.bladder_contact_area_cm2, 2, 'cm²')}); extent of the placental bed facing the "
             f"bladder {number(placenta.bladder_interface_length_mm, unit='mm')}"),)
    return Table(("Research figure", "Measured"), rows, (False, False),
                 "Where the placenta lies nearest the bladder. The SAR-ESUR sign 'bladder wall interruption' needs "
                 "the T2-dark bladder wall, which is not segmented: it is not assessed.")


def placenta_sections(document: MetricsDocument, figures: Optional[ReportFigures] = None) -> list[Section]:
    """Placenta, myometrium and consensus-sign sections of a ``placenta`` metrics document (with the thickness
    map of ``figures``)."""
    placenta = document.results if isinstance(document.results, PlacentaResults) else PlacentaResults()
    if not placenta.present:
        return [Section("Placenta", (Paragraph("No placenta segmented; placenta metrics not assessed."),))]
    shape = placenta.placenta or StructureMetrics()
    location = relative_position(shape.centroid_lps_mm, _uterine_centre(document)) or NOT_ASSESSED
    thickness = placenta.max_thickness_mm
    overview = Paragraph(f"Placental location: {location} (centroid relative to the uterine centre, patient axes). "
                         f"Volume {number(placenta.volume_ml, unit='mL')}; maximum thickness "
                         f"{number(thickness, unit='mm')} (largest inscribed ball).")
    myometrium_blocks: list = [Paragraph(
        f"Retroplacental myometrium: minimum {number(placenta.min_myometrial_thickness_mm, unit='mm')}, median "
        f"{number(placenta.median_myometrial_thickness_mm, unit='mm')}; "
        f"{_percent(placenta.bed_fraction_thin)} of the placental bed "
        f"({number(placenta.thin_myometrium_area_cm2, unit='cm²')}) under 1 mm or absent.")]
    if figures is not None and figures.thickness_map is not None:
        myometrium_blocks.append(figures.thickness_map)
    return [Section("Placenta", (overview,)),
            Section("Myometrium under the placenta", tuple(myometrium_blocks)),
            Section("Consensus signs: measured evidence", (signs_table(placenta), bladder_table(placenta),
                                                           Paragraph(placenta.notice or "", note=True)))]


def placenta_summary(placenta: PlacentaResults) -> list[str]:
    """The summary line: placental volume and minimum retroplacental myometrial thickness."""
    if not placenta.present:
        return ["No placenta segmented; placenta metrics not assessed."]
    thickness = placenta.min_myometrial_thickness_mm
    return [f"Placental volume {placenta.volume_ml:.1f} mL; minimum retroplacental myometrial "
            f"thickness {NOT_ASSESSED if thickness is None else f'{thickness:.1f} mm'}."]
