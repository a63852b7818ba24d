"""DICOM concept, unit and method codes of every measurement key (for the structured report, TID 1500).

Standard codes (SCT, DCM, UCUM, IBSI) where one exists; GynAI private codes (scheme ``99GYNAI``) for the
figures no standard names (FIGO type, volume fractions, PAS research metrics, Funaki class) and where
one standard concept would name two figures of the same lesion (distance to endometrium / to serosa,
the two solid-tissue T2 ratios, an adnexal lesion's volume / its solid tissue volume / its fluid volume),
so that each stays distinguishable in the structured report. The
metrics JSON carries this table under ``measurement_codes`` for the keys it contains, and GynAIReport
puts the concept and unit on each table column.
"""

from __future__ import annotations

from typing import Optional

from gynai.labels.codes import Code

VOLUME = Code("118565006", "SCT", "Volume")
DIAMETER = Code("81827009", "SCT", "Diameter")
DISTANCE = Code("121206", "DCM", "Distance")
RATIO = Code("118586006", "SCT", "Ratio")
VOXEL_SUM = Code("126030", "DCM", "Sum of segmented voxel volumes")
ELLIPSOID = Code("126029", "DCM", "LWH method for volume of ellipsoid")
ML = Code("ml", "UCUM", "milliliter")
MM = Code("mm", "UCUM", "millimeter")
MM2 = Code("mm2", "UCUM", "square millimeter")
CM2 = Code("cm2", "UCUM", "square centimeter")
NO_UNITS = Code("1", "UCUM", "no units")
PERCENT = Code("%", "UCUM", "Percent")
RATIO_UNIT = Code("{ratio}", "UCUM", "ratio")


def _private(number: int, meaning: str) -> Code:
    return Code(f"GYNAI-{number:04d}", "99GYNAI", meaning)


MEASUREMENT_CODES: dict[str, tuple[Code, Code, Optional[Code]]] = {
    "volume_ml": (VOLUME, ML, VOXEL_SUM),
    "ellipsoid_volume_ml": (VOLUME, ML, ELLIPSOID),
    "obb_diameters_mm": (DIAMETER, MM, None),
    "diameters_mm": (DIAMETER, MM, None),
    "principal_diameters_mm": (DIAMETER, MM, None),
    "max_diameter_mm": (DIAMETER, MM, None),
    "max_feret_diameter_mm": (Code("L0JK", "IBSI", "Maximum 3D diameter"), MM, None),
    "surface_area_mm2": (Code("C0JK", "IBSI", "Surface area"), MM2, None),
    "distance_to_endometrium_mm": (_private(121, "Distance to endometrium"), MM, None),
    "distance_to_serosa_mm": (_private(122, "Distance to serosa"), MM, None),
    "wall_thickness_mm": (DISTANCE, MM, None),
    "t2_ratio_to_myometrium": (RATIO, RATIO_UNIT, None),
    "solid_t2_ratio_to_fluid": (_private(123, "Solid tissue T2 signal ratio to fluid"), RATIO_UNIT, None),
    "solid_t2_ratio_to_myometrium": (_private(124, "Solid tissue T2 signal ratio to myometrium"), RATIO_UNIT, None),
    "figo_type": (_private(100, "FIGO leiomyoma type"), NO_UNITS, None),
    "funaki_class": (_private(101, "Funaki T2 signal class"), NO_UNITS, None),
    "fraction_in_cavity": (_private(102, "Fibroid fraction in the endometrial cavity"), RATIO_UNIT, None),
    "fraction_intramural": (_private(103, "Fibroid intramural fraction"), RATIO_UNIT, None),
    "fraction_outside_uterus": (_private(104, "Fibroid fraction outside the uterine contour"), RATIO_UNIT, None),
    "burden_percent": (_private(105, "Fibroid burden of uterine volume"), PERCENT, None),
    "count": (_private(106, "Number of fibroids"), NO_UNITS, None),
    "total_fibroid_volume_ml": (VOLUME, ML, VOXEL_SUM),
    "uterine_volume_ml": (VOLUME, ML, VOXEL_SUM),
    "solid_volume_ml": (_private(127, "Solid tissue volume"), ML, VOXEL_SUM),
    "fluid_volume_ml": (_private(128, "Fluid volume"), ML, VOXEL_SUM),
    "solid_fraction": (_private(107, "Solid tissue fraction of lesion volume"), RATIO_UNIT, None),
    "locule_count": (_private(108, "Number of locules"), NO_UNITS, None),
    "max_thickness_mm": (_private(109, "Maximum placental thickness"), MM, None),
    "min_myometrial_thickness_mm": (_private(110, "Minimum retroplacental myometrial thickness"), MM, None),
    "median_myometrial_thickness_mm": (_private(111, "Median retroplacental myometrial thickness"), MM, None),
    "bed_fraction_thin": (_private(112, "Fraction of placental bed with myometrium under 1 mm"), RATIO_UNIT, None),
    "dark_band_volume_ml": (_private(113, "Volume of T2-dark intraplacental bands"), ML, None),
    "dark_band_fraction": (_private(114, "Fraction of placenta in T2-dark bands"), RATIO_UNIT, None),
    "thin_myometrium_area_cm2": (_private(115, "Placental bed area with myometrium under 1 mm"), CM2, None),
    "bulge_depth_mm": (_private(116, "Placental bulge depth beyond the expected uterine contour"), MM, None),
    "bladder_contact": (_private(117, "Placenta-bladder contact"), NO_UNITS, None),
    "bladder_contact_area_cm2": (_private(118, "Placenta-bladder contact area"), CM2, None),
    "bladder_interface_length_mm": (_private(119, "Placenta-bladder interface length"), MM, None),
    "septal_thickness_mm": (_private(120, "Septal thickness"), MM, None),
    "t2_ratio_to_muscle": (_private(125, "Fibroid T2 signal ratio to skeletal muscle"), RATIO_UNIT, None),
    "lesion_count": (_private(126, "Number of adnexal lesions"), NO_UNITS, None),
    "total_volume_ml": (VOLUME, ML, VOXEL_SUM),
    "depth_into_cavity_mm": (_private(129, "Fibroid protrusion depth into the endometrial cavity"), MM, None),
    "depth_beyond_serosa_mm": (_private(130, "Fibroid protrusion depth beyond the expected serosa"), MM, None),
    "diameter_fraction_in_cavity": (_private(131, "Fraction of fibroid diameter in the endometrial cavity"),
                                    RATIO_UNIT, None),
    "diameter_fraction_outside_uterus": (_private(132, "Fraction of fibroid diameter beyond the expected serosa"),
                                         RATIO_UNIT, None),
    "neck_width_mm": (_private(133, "Width of the fibroid's attachment to the wall"), MM, None),
    "pedunculated": (_private(134, "Pedunculated (attached by a narrow stalk)"), NO_UNITS, None),
    "max_wall_thickness_mm": (_private(135, "Maximum wall thickness"), MM, None),
    "max_septal_thickness_mm": (_private(136, "Maximum septal thickness"), MM, None),
}


def _as_dict(code: Optional[Code]) -> Optional[dict]:
    return None if code is None else {"value": code.value, "scheme": code.scheme, "meaning": code.meaning}


def codes_for(keys) -> dict[str, dict]:
    """``measurement_codes`` entries (concept, unit, method) for the given measurement keys."""
    return {key: {"concept": _as_dict(MEASUREMENT_CODES[key][0]), "unit": _as_dict(MEASUREMENT_CODES[key][1]),
                  "method": _as_dict(MEASUREMENT_CODES[key][2])}
            for key in sorted(set(keys)) if key in MEASUREMENT_CODES}


def document_keys(node) -> set[str]:
    """All dictionary keys found anywhere in a (nested) metrics document."""
    if isinstance(node, dict):
        return set(node).union(*(document_keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(document_keys(value) for value in node)) if node else set()
    return set()
