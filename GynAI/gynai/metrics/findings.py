"""The metrics document flattened into coded findings: one row per reported measurement.

Used by GynAIReport's findings table, the report templates and the structured report. Each
:class:`Finding` names its group (a structure or lesion), the measurement, its value and unit, and the
metrics key whose DICOM codes (:mod:`gynai.metrics.codes`) describe it. Values the metrics could not
assess stay ``None`` ("not assessed"); nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from gynai.metrics.codes import MEASUREMENT_CODES
from gynai.metrics.results.document import MetricsDocument

Value = Union[float, int, str, bool, None]

LABELS: dict[str, str] = {
    "volume_ml": "Volume", "ellipsoid_volume_ml": "Ellipsoid volume (L×W×H×π/6)",
    "max_feret_diameter_mm": "Maximum 3D diameter", "max_diameter_mm": "Maximum diameter",
    "figo_type": "FIGO type", "distance_to_endometrium_mm": "Distance to endometrium",
    "depth_into_cavity_mm": "Protrusion into the cavity", "depth_beyond_serosa_mm": "Protrusion beyond the serosa",
    "diameter_fraction_in_cavity": "Fraction of diameter in the cavity",
    "diameter_fraction_outside_uterus": "Fraction of diameter beyond the serosa",
    "neck_width_mm": "Attachment (neck) width", "pedunculated": "Pedunculated",
    "distance_to_serosa_mm": "Distance to serosa (outer free margin)",
    "t2_ratio_to_myometrium": "T2 signal ratio to myometrium", "funaki_class": "Funaki class",
    "t2_ratio_to_muscle": "T2 signal ratio to skeletal muscle",
    "count": "Number of fibroids", "total_fibroid_volume_ml": "Total fibroid volume",
    "uterine_volume_ml": "Uterine volume", "burden_percent": "Fibroid burden",
    "max_thickness_mm": "Maximum placental thickness",
    "min_myometrial_thickness_mm": "Minimum retroplacental myometrial thickness",
    "median_myometrial_thickness_mm": "Median retroplacental myometrial thickness",
    "bed_fraction_thin": "Placental bed fraction with myometrium < 1 mm",
    "thin_myometrium_area_cm2": "Placental bed area with myometrium < 1 mm",
    "dark_band_volume_ml": "T2-dark band volume", "dark_band_fraction": "T2-dark band fraction",
    "bulge_depth_mm": "Bulge beyond the expected uterine contour",
    "bladder_contact": "Placenta-bladder proximity < 1 mm (research)",
    "bladder_contact_area_cm2": "Placenta-bladder proximity area (research)",
    "bladder_interface_length_mm": "Placenta-bladder interface extent (research)",
    "solid_volume_ml": "Solid tissue volume", "solid_fraction": "Solid tissue fraction",
    "fluid_volume_ml": "Fluid volume", "locule_count": "Number of locules",
    "wall_thickness_mm": "Wall thickness", "max_wall_thickness_mm": "Maximum wall thickness", "septal_thickness_mm": "Septal thickness",
    "max_septal_thickness_mm": "Maximum septal thickness",
    "solid_t2_ratio_to_fluid": "Solid tissue T2 ratio to fluid",
    "solid_t2_ratio_to_myometrium": "Solid tissue T2 ratio to myometrium",
    "lesion_count": "Number of adnexal lesions", "total_volume_ml": "Total adnexal lesion volume",
}
"""Display names of the measurement keys."""

@dataclass(frozen=True)
class Finding:
    """One reported measurement.

    Attributes:
        group: What was measured, e.g. ``uterus``, ``fibroid 2``, ``placenta``, ``adnexal lesions`` (count
            and total volume), ``adnexal lesion 2``.
        key: The metrics key (its codes are ``MEASUREMENT_CODES[key]``).
        name: Display name of the measurement.
        value: The value; ``None`` when not assessed.
        unit: UCUM unit code (``1`` for counts, classes and yes/no).
    """

    group: str
    key: str
    name: str
    value: Value
    unit: str


def finding(group: str, key: str, value: Any) -> Finding:
    """One finding: the measurement ``key`` of ``group`` with its display name and UCUM unit."""
    unit = MEASUREMENT_CODES[key][1].value if key in MEASUREMENT_CODES else "1"
    if isinstance(value, (list, tuple)):
        raise TypeError(f"{key} is not a scalar measurement")
    return Finding(group, key, LABELS.get(key, key), value, unit)


def block_findings(group: str, values: Optional[dict], keys: tuple[str, ...]) -> list[Finding]:
    """Findings of the ``keys`` that ``values`` (a metrics item as JSON) has, in the order of ``keys``."""
    if not values:
        return []
    return [finding(group, key, values.get(key)) for key in keys if key in values]


def findings(document: dict) -> list[Finding]:
    """All reportable findings of a ``gynai.metrics/1`` document, in report order (none when the document
    has no block of its task)."""
    results = MetricsDocument.from_json(document).results
    return results.findings() if results is not None else []


NOT_ASSESSED = "not assessed"
"""What a figure reads when it could not be measured."""
UNIT_TEXT = {"1": "", "ml": " mL", "{ratio}": "", "cm2": " cm²", "mm2": " mm²"}
"""How a UCUM unit is written after a value (others: a space and the code, e.g. `` mm``)."""


def format_value(value: Value) -> str:
    """A finding's value as the report and GynAIReport's findings table show it: "not assessed" for None,
    yes/no for flags, 2 decimals below 10 and 1 from 10 on."""
    if value is None:
        return NOT_ASSESSED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def display_value(finding: Finding) -> str:
    """A finding's value with its unit (:func:`format_value`; no unit after "not assessed", yes or no)."""
    text = format_value(finding.value)
    if finding.value is None or isinstance(finding.value, bool):
        return text
    return text + UNIT_TEXT.get(finding.unit, f" {finding.unit}")
