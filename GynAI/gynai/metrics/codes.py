"""DICOM concept, unit and method codes of every measurement key (for the structured report, TID 1500).

Standard codes (SCT, DCM, UCUM, IBSI) where one exists; GynAI private codes (scheme ``99GYNAI``) for the
figures no standard names (FIGO type, volume fractions, PAS research metrics, Funaki class) and where
one standard concept would name two figures of the same lesion (distance to endometrium / to serosa,
the two solid-tissue T2 ratios, an adnexal lesion's volume / its solid tissue volume / its fluid volume),
so that each stays distinguishable in the structured report. Figures of one quantity that differ in how
they are derived from their region keep the standard concept and add a *Derivation* modifier (DCM 121401,
values from CID 7464 "General Region of Interest Measurement Modifiers", :data:`MEASUREMENT_DERIVATIONS`):
the total volume of several lesions, the median and the maximum wall thickness. The SR tells the rest
apart by its measurement group (tracking identifier, finding type and Finding Site, see
:mod:`gynai.dicom.sr`): the uterine volume (uterus group) and the total fibroid volume (fibroid group).
The metrics JSON carries this table under ``measurement_codes`` for the keys it contains, and GynAIReport
puts the concept and unit on each table column.

Sources, checkable in pydicom (``pydicom.sr.codedict.codes``, generated from DICOM PS3.16) and PS3.16:
SCT / DCM / LN concepts in the CIDs named beside each; UCUM units from CID 7181 / 82; IBSI codes from
CID 7469 / 7470 (PS3.16 lists the IBSI scheme); ``99GYNAI`` is GynAI's own scheme, declared in each
object's Coding Scheme Identification Sequence (:mod:`gynai.dicom.codes`).
"""

from __future__ import annotations

from typing import Optional

from gynai.labels.codes import Code

VOLUME = Code("118565006", "SCT", "Volume")                      # codes.SCT.Volume, CID 7469 / 7472
DIAMETER = Code("81827009", "SCT", "Diameter")                   # codes.SCT.Diameter, CID 7470
MAX_3D_DIAMETER = Code("L0JK", "IBSI", "Maximum 3D diameter")    # codes.IBSI.Maximum3DDiameterOfAMesh, CID 7470
WALL_THICKNESS = Code("122445", "DCM", "Wall Thickness")         # codes.DCM.WallThickness, PS3.16 Annex D
NUMBER_OF_LESIONS = Code("246206008", "SCT", "Number of lesions")  # codes.SCT.NumberOfLesions (observable entity)
VOXEL_SUM = Code("126030", "DCM", "Sum of segmented voxel volumes")   # codes.DCM.SumOfSegmentedVoxel…, CID 7474
ELLIPSOID = Code("126029", "DCM", "LWH method for volume of ellipsoid")  # codes.DCM.LWHMethod…, CID 7474
TOTAL = Code("255619001", "SCT", "Total")                        # codes.SCT.Total, CID 7464 (Derivation)
MEDIAN = Code("373099004", "SCT", "Median")                      # codes.SCT.Median, CID 7464 (Derivation)
MAXIMUM = Code("56851009", "SCT", "Maximum")                     # codes.SCT.Maximum, CID 7464 (Derivation)
MEAN = Code("373098007", "SCT", "Mean")                           # codes.SCT.Mean, CID 7464 (Derivation)
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
    "max_diameter_mm": (MAX_3D_DIAMETER, MM, None),     # the lesion's maximum Feret diameter (O-RADS "largest")
    "max_feret_diameter_mm": (MAX_3D_DIAMETER, MM, None),
    "surface_area_mm2": (Code("C0JK", "IBSI", "Surface area"), MM2, None),
    "distance_to_endometrium_mm": (_private(121, "Distance to endometrium"), MM, None),
    "distance_to_serosa_mm": (_private(122, "Distance to serosa"), MM, None),
    "wall_thickness_mm": (WALL_THICKNESS, MM, None),    # derivation: median
    "t2_ratio_to_myometrium": (_private(136, "Fibroid T2 signal ratio to myometrium"), RATIO_UNIT, None),
    "solid_t2_ratio_to_fluid": (_private(123, "Solid tissue T2 signal ratio to fluid"), RATIO_UNIT, None),
    "solid_t2_ratio_to_myometrium": (_private(124, "Solid tissue T2 signal ratio to myometrium"), RATIO_UNIT, None),
    "figo_type": (_private(100, "FIGO leiomyoma type"), NO_UNITS, None),
    "funaki_class": (_private(101, "Funaki T2 signal class"), NO_UNITS, None),
    "fraction_in_cavity": (_private(102, "Fibroid fraction in the endometrial cavity"), RATIO_UNIT, None),
    "fraction_intramural": (_private(103, "Fibroid intramural fraction"), RATIO_UNIT, None),
    "fraction_outside_uterus": (_private(104, "Fibroid fraction outside the uterine contour"), RATIO_UNIT, None),
    "burden_percent": (_private(105, "Fibroid burden of uterine volume"), PERCENT, None),
    "count": (NUMBER_OF_LESIONS, NO_UNITS, None),       # of fibroids: the SR's fibroid group (was GYNAI-0106)
    "total_fibroid_volume_ml": (VOLUME, ML, VOXEL_SUM),  # derivation: total; the SR's fibroid group
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
    "lesion_count": (NUMBER_OF_LESIONS, NO_UNITS, None),  # of adnexal lesions (was GYNAI-0126)
    "total_volume_ml": (VOLUME, ML, VOXEL_SUM),          # derivation: total
    "depth_into_cavity_mm": (_private(129, "Fibroid protrusion depth into the endometrial cavity"), MM, None),
    "depth_beyond_serosa_mm": (_private(130, "Fibroid protrusion depth beyond the expected serosa"), MM, None),
    "diameter_fraction_in_cavity": (_private(131, "Fraction of fibroid diameter in the endometrial cavity"),
                                    RATIO_UNIT, None),
    "diameter_fraction_outside_uterus": (_private(132, "Fraction of fibroid diameter beyond the expected serosa"),
                                         RATIO_UNIT, None),
    "neck_width_mm": (_private(133, "Width of the fibroid's attachment to the wall"), MM, None),
    "pedunculated": (_private(134, "Pedunculated (attached by a narrow stalk)"), NO_UNITS, None),
    "max_wall_thickness_mm": (WALL_THICKNESS, MM, None),  # derivation: maximum (was GYNAI-0135)
    "max_septal_thickness_mm": (_private(120, "Septal thickness"), MM, None),  # derivation: maximum
}
"""Concept, unit and method of each measurement key. Retired private codes (GYNAI-0106, 0126, 0135: a standard
code replaced them) are not reused. The fibroid's T2 ratio to myometrium was the generic SCT "Ratio", which
does not say of what: it has a private code beside its ratio to muscle."""

MEASUREMENT_DERIVATIONS: dict[str, Code] = {
    "total_fibroid_volume_ml": TOTAL,
    "total_volume_ml": TOTAL,
    "wall_thickness_mm": MEDIAN,
    "max_wall_thickness_mm": MAXIMUM,
    "septal_thickness_mm": MEAN,
    "max_septal_thickness_mm": MAXIMUM,
}
"""The Derivation modifier (DCM 121401, CID 7464) of keys whose concept is shared with another figure."""


def _as_dict(code: Optional[Code]) -> Optional[dict]:
    return None if code is None else {"value": code.value, "scheme": code.scheme, "meaning": code.meaning}


def codes_for(keys) -> dict[str, dict]:
    """``measurement_codes`` entries (concept, unit, method, and derivation where one is set) for the given
    measurement keys."""
    entries = {}
    for key in sorted(set(keys)):
        if key in MEASUREMENT_CODES:
            concept, unit, method = MEASUREMENT_CODES[key]
            entries[key] = {"concept": _as_dict(concept), "unit": _as_dict(unit), "method": _as_dict(method)}
            if key in MEASUREMENT_DERIVATIONS:
                entries[key]["derivation"] = _as_dict(MEASUREMENT_DERIVATIONS[key])
    return entries


def document_keys(node) -> set[str]:
    """All dictionary keys found anywhere in a (nested) metrics document."""
    if isinstance(node, dict):
        return set(node).union(*(document_keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(document_keys(value) for value in node)) if node else set()
    return set()
