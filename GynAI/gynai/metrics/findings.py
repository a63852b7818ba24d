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

Value = Union[float, int, str, bool, None]

LABELS: dict[str, str] = {
    "volume_ml": "Volume", "ellipsoid_volume_ml": "Ellipsoid volume (L×W×H×π/6)",
    "max_feret_diameter_mm": "Maximum 3D diameter", "max_diameter_mm": "Maximum diameter",
    "figo_type": "FIGO type", "distance_to_endometrium_mm": "Distance to endometrium",
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
    "bladder_contact": "Placenta-bladder contact", "bladder_contact_area_cm2": "Placenta-bladder contact area",
    "bladder_interface_length_mm": "Placenta-bladder interface length",
    "solid_volume_ml": "Solid tissue volume", "solid_fraction": "Solid tissue fraction",
    "fluid_volume_ml": "Fluid volume", "locule_count": "Number of locules",
    "wall_thickness_mm": "Wall thickness", "septal_thickness_mm": "Septal thickness",
    "solid_t2_ratio_to_fluid": "Solid tissue T2 ratio to fluid",
    "solid_t2_ratio_to_myometrium": "Solid tissue T2 ratio to myometrium",
    "lesion_count": "Number of adnexal lesions", "total_volume_ml": "Total adnexal lesion volume",
}
"""Display names of the measurement keys."""

FIBROID_KEYS = ("figo_type", "volume_ml", "ellipsoid_volume_ml", "max_feret_diameter_mm",
                "distance_to_endometrium_mm", "distance_to_serosa_mm", "t2_ratio_to_myometrium", "t2_ratio_to_muscle",
                "funaki_class")
FIBROID_SUMMARY_KEYS = ("count", "uterine_volume_ml", "total_fibroid_volume_ml", "burden_percent")
PLACENTA_KEYS = ("volume_ml", "max_thickness_mm", "min_myometrial_thickness_mm", "median_myometrial_thickness_mm",
                 "bed_fraction_thin", "thin_myometrium_area_cm2", "dark_band_volume_ml", "dark_band_fraction",
                 "bulge_depth_mm", "bladder_interface_length_mm", "bladder_contact", "bladder_contact_area_cm2")
ADNEXAL_KEYS = ("volume_ml", "max_diameter_mm", "solid_volume_ml", "solid_fraction", "fluid_volume_ml",
                "locule_count", "wall_thickness_mm", "septal_thickness_mm", "solid_t2_ratio_to_fluid",
                "solid_t2_ratio_to_myometrium")
ADNEXAL_SUMMARY_KEYS = ("lesion_count", "total_volume_ml")


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


def _finding(group: str, key: str, value: Any) -> Finding:
    unit = MEASUREMENT_CODES[key][1].value if key in MEASUREMENT_CODES else "1"
    if isinstance(value, (list, tuple)):
        raise TypeError(f"{key} is not a scalar measurement")
    return Finding(group, key, LABELS.get(key, key), value, unit)


def _block(group: str, values: Optional[dict], keys: tuple[str, ...]) -> list[Finding]:
    if not values:
        return []
    return [_finding(group, key, values.get(key)) for key in keys if key in values]


def findings(document: dict) -> list[Finding]:
    """All reportable findings of a ``gynai.metrics/1`` document, in report order."""
    rows: list[Finding] = []
    fibroid_map = document.get("fibroid_map")
    if fibroid_map is not None:
        rows += _block("uterus", fibroid_map, FIBROID_SUMMARY_KEYS)
        for fibroid in fibroid_map.get("fibroids", []):
            rows += _block(f"fibroid {fibroid['id']}", fibroid, FIBROID_KEYS)
    placenta = document.get("placenta")
    if placenta is not None and placenta.get("present"):
        rows += _block("placenta", placenta, PLACENTA_KEYS)
    adnexal = document.get("adnexal")
    if adnexal is not None and adnexal.get("present"):
        rows += _block("adnexal lesions", adnexal, ADNEXAL_SUMMARY_KEYS)
        for lesion in adnexal_lesions(adnexal):
            rows += _block(f"adnexal lesion {lesion['id']}", lesion, ADNEXAL_KEYS)
    return rows


def adnexal_lesions(adnexal: dict) -> list[dict]:
    """The lesions of an ``adnexal`` block, largest first; a document written before lesions were
    separated (no ``lesions`` key) gives its one lesion as lesion 1."""
    if not adnexal.get("present"):
        return []
    if isinstance(adnexal.get("lesions"), list):
        return [lesion for lesion in adnexal["lesions"] if isinstance(lesion, dict)]
    return [{**adnexal, "id": 1}]
