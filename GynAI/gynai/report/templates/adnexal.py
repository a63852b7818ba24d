"""Adnexal-mass template: the O-RADS inputs a segmentation can measure, per lesion, without a score.

O-RADS MRI (Sadowski et al., Radiology 2022) scores each lesion from the solid tissue's enhancement curve,
diffusion, fat and fluid type and peritoneal disease, none of which a T2 segmentation shows; O-RADS US
needs colour Doppler, shadowing and the inner-wall and solid-contour assessment of the examiner. So no
score is given. On ultrasound (the metrics' ``adnexal.modality`` is ``US``) the table is headed "O-RADS US
input" and leaves out the T2 rows. The lesion table has one column per lesion (numbered by decreasing
volume, as in the metrics).
"""

from __future__ import annotations

from typing import Callable, Optional

from gynai.metrics.findings import NOT_ASSESSED
from gynai.metrics.results.adnexal import AdnexalLesion, AdnexalResults
from gynai.metrics.results.document import MetricsDocument
from gynai.report.blocks import Paragraph, Section, Table, diameters, number
from gynai.report.figures import ReportFigures

NO_SCORE = ("No O-RADS MRI score is assigned: it needs the solid tissue's contrast enhancement (time–intensity "
            "curve), diffusion-weighted and T1/fat-suppressed imaging and the peritoneum, which GynAI does not "
            "assess. The inputs above are for the reader's scoring.")
NO_SCORE_US = ("No O-RADS US score is assigned: it needs the colour Doppler flow (colour score), acoustic shadowing and "
               "the examiner's assessment of the inner wall and of the solid tissue's contour, which GynAI does not "
               "assess. The inputs above are for the reader's scoring.")


def _locules(count, ultrasound: bool = False) -> str:
    """Locule count with its lexicon word (O-RADS US also names two locules: bilocular)."""
    if count is None:
        return NOT_ASSESSED
    word = ("no fluid locule" if count < 1 else "unilocular" if count == 1
            else "bilocular" if count == 2 and ultrasound else "multilocular")
    return f"{count} ({word})"


def _mean_diameter(lesion: AdnexalLesion) -> str:
    values = lesion.shape.principal_diameters_mm
    return NOT_ASSESSED if not values else number(sum(values) / len(values), unit="mm")


def _ratio(value) -> str:
    return NOT_ASSESSED if value is None else f"{value:.2f}"


def _solid(value) -> str:
    return NOT_ASSESSED if value is None else ("present" if value > 0 else "none segmented")


def _fraction(value) -> str:
    return NOT_ASSESSED if value is None else f"{100 * value:.1f} %"


def _centroid(values) -> str:
    return NOT_ASSESSED if not values else ", ".join(f"{v:.1f}" for v in values)


Cell = Callable[[AdnexalLesion], str]
ROWS: tuple[tuple[str, Cell], ...] = (
    ("Lesion volume", lambda lesion: number(lesion.volume_ml, unit="mL")),
    ("Maximal diameter", lambda lesion: number(lesion.features.max_diameter_mm, unit="mm")),
    ("Three diameters", lambda lesion: f"{diameters(lesion.shape.principal_diameters_mm)} mm"),
    ("Centre (x, y, z LPS mm)", lambda lesion: _centroid(lesion.shape.centroid_lps_mm)),
    ("Solid tissue", lambda lesion: _solid(lesion.features.solid_volume_ml)),
    ("Solid tissue volume", lambda lesion: number(lesion.features.solid_volume_ml, 2, "mL")),
    ("Solid tissue fraction", lambda lesion: _fraction(lesion.features.solid_fraction)),
    ("Fluid volume", lambda lesion: number(lesion.features.fluid_volume_ml, unit="mL")),
    ("Locules", lambda lesion: _locules(lesion.features.locule_count)),
    ("Wall thickness (median / maximum)", lambda lesion: f"{number(lesion.features.wall_thickness_mm)} / "
                                                          f"{number(lesion.features.max_wall_thickness_mm, unit='mm')}"),
    ("Septal thickness (mean / maximum)", lambda lesion: f"{number(lesion.features.septal_thickness_mm)} / "
                                                         f"{number(lesion.features.max_septal_thickness_mm, unit='mm')}"),
    ("Solid tissue T2 ratio to fluid", lambda lesion: _ratio(lesion.features.solid_t2_ratio_to_fluid)),
    ("Solid tissue T2 ratio to myometrium", lambda lesion: _ratio(lesion.features.solid_t2_ratio_to_myometrium)),
)
"""Rows of the lesion table: the O-RADS MRI input and how a lesion's value is written."""


ULTRASOUND_ROWS: tuple[tuple[str, Cell], ...] = tuple(
    ("Locules", lambda lesion: _locules(lesion.features.locule_count, True)) if name == "Locules" else (name, cell)
    for name, cell in ROWS if "T2" not in name) + (("Mean of three diameters", _mean_diameter),)
"""O-RADS US rows: no T2 rows, bilocular named, and the mean of three diameters (its follow-up size)."""


def lesion_table(lesions: tuple[AdnexalLesion, ...], ultrasound: bool = False) -> Table:
    """One row per O-RADS input (MRI, or US), one column per lesion."""
    rows = tuple((name, *(cell(lesion) for lesion in lesions)) for name, cell in
                 (ULTRASOUND_ROWS if ultrasound else ROWS))
    caption = ("Lesions are the connected parts of mass ∪ solid tissue, numbered by decreasing volume. Solid tissue "
               + ("as segmented on B-mode; O-RADS US also weighs its Doppler flow." if ultrasound else
                  "as segmented; O-RADS counts only enhancing solid tissue, which needs contrast."))
    return Table((f"O-RADS {'US' if ultrasound else 'MRI'} input",
                  *(f"Lesion {lesion.id if lesion.id is not None else n}" for n, lesion in enumerate(lesions, 1))),
                 rows, (False,) + (True,) * len(lesions), caption)


def _total_ml(adnexal: AdnexalResults, lesions: tuple[AdnexalLesion, ...]) -> Optional[float]:
    """The total lesion volume (documents before lesions were separated: the one lesion's volume)."""
    return adnexal.total_volume_ml if adnexal.total_volume_ml is not None else lesions[0].volume_ml


def adnexal_sections(document: MetricsDocument, figures: Optional[ReportFigures] = None) -> list[Section]:
    """The lesion table of an ``adnexal-mass`` metrics document."""
    adnexal = document.results if isinstance(document.results, AdnexalResults) else AdnexalResults()
    lesions = adnexal.present_lesions()
    if not lesions:
        return [Section("Adnexal lesion", (Paragraph("No adnexal lesion segmented."),))]
    ultrasound = adnexal.modality == "US"
    total = _total_ml(adnexal, lesions)
    lead = (f"{len(lesions)} adnexal lesions, total volume {number(total, unit='mL')}; each is scored separately "
            f"in O-RADS {'US' if ultrasound else 'MRI'}." if len(lesions) > 1
            else f"One adnexal lesion, {number(total, unit='mL')}.")
    return [Section("Adnexal lesions" if len(lesions) > 1 else "Adnexal lesion",
                    (Paragraph(lead), lesion_table(lesions, ultrasound),
                     Paragraph(NO_SCORE_US if ultrasound else NO_SCORE)))]


def _described(lesion: AdnexalLesion) -> str:
    solid, diameter = lesion.features.solid_fraction, lesion.features.max_diameter_mm
    return (f"{lesion.volume_ml:.1f} mL, maximal diameter {NOT_ASSESSED if diameter is None else f'{diameter:.1f} mm'}, "
            f"solid tissue {NOT_ASSESSED if solid is None else f'{100 * solid:.1f} %'} of the lesion")


def adnexal_summary(adnexal: AdnexalResults) -> list[str]:
    """The summary line: ``1 adnexal lesion: 80.0 mL, …`` or ``2 adnexal lesions, total …: lesion 1 …; …``."""
    lesions = adnexal.present_lesions()
    if not lesions:
        return ["No adnexal lesion segmented."]
    if len(lesions) == 1:
        return [f"1 adnexal lesion: {_described(lesions[0])}."]
    total = (sum(lesion.volume_ml or 0.0 for lesion in lesions) if adnexal.total_volume_ml is None
             else adnexal.total_volume_ml)
    return [f"{len(lesions)} adnexal lesions, total {total:.1f} mL: "
            + "; ".join(f"lesion {lesion.id} {_described(lesion)}" for lesion in lesions) + "."]
