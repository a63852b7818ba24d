"""Every measurement in the metrics JSON carries DICOM concept and unit codes; standard ones are real."""

import re

import pytest
from pydicom.sr.codedict import codes

from gynai.metrics.codes import MEASUREMENT_CODES, document_keys
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate

MEASUREMENT = re.compile(r"(_ml|_mm|_mm2|_cm2|bladder_contact|_percent|_fraction|fraction_.*|.*ratio.*|.*_count|^count|figo_type|funaki_class)$")
NOT_MEASUREMENTS = {"centroid_lps_mm", "voxel_count", "ground_truth_volume_ml", "origin_lps_mm", "spacing_mm"}
SMALL = PhantomConfig(spacing_mm=(1.2, 1.2, 4.0), size_xyz=(160, 160, 30))


@pytest.mark.parametrize("task", ["uterus-fibroid", "placenta", "adnexal-mass"])
def test_every_measurement_key_is_coded(task):
    case = generate(task, 3, SMALL)
    document = metrics_document(case.image, case.labels, task)
    keys = {key for key in document_keys(document) if MEASUREMENT.search(key)} - NOT_MEASUREMENTS
    assert keys, "no measurements found"
    missing = sorted(keys - set(MEASUREMENT_CODES))
    assert not missing, f"measurements without codes: {missing}"
    assert set(document["measurement_codes"]) >= keys
    volume = document["measurement_codes"]["volume_ml"]
    assert volume["concept"]["value"] == "118565006" and volume["method"]["value"] == "126030"
    assert volume["unit"] == {"value": "ml", "scheme": "UCUM", "meaning": "milliliter"}


def test_standard_codes_match_dicom_tables():
    from pydicom.sr.codedict import codes

    expected = {"volume_ml": codes.SCT.Volume, "obb_diameters_mm": codes.SCT.Diameter,
                "wall_thickness_mm": codes.DCM.WallThickness, "count": codes.SCT.NumberOfLesions}
    for key, code in expected.items():
        concept = MEASUREMENT_CODES[key][0]
        assert (concept.value, concept.scheme) == (code.value, code.scheme_designator)
        assert concept.meaning in code.meaning
    ellipsoid = MEASUREMENT_CODES["ellipsoid_volume_ml"][2]
    assert ellipsoid.value == codes.DCM.LWHMethodForVolumeOfEllipsoid.value
    assert MEASUREMENT_CODES["surface_area_mm2"][1].value == codes.UCUM.SquareMillimeter.value
    from gynai.metrics.codes import MEASUREMENT_DERIVATIONS

    # a private code names one figure, or one concept told apart by its derivation (mean / maximum septum)
    private = [(c.value, MEASUREMENT_DERIVATIONS.get(key)) for key, (c, _, _) in MEASUREMENT_CODES.items()
               if c.scheme == "99GYNAI"]
    assert len(set(private)) == len(private)
    assert len({c.meaning for c, _, _ in MEASUREMENT_CODES.values() if c.scheme == "99GYNAI"}) == len(
        {c.value for c, _, _ in MEASUREMENT_CODES.values() if c.scheme == "99GYNAI"})   # one meaning per code


def test_every_standard_code_is_in_the_dicom_tables():
    """Issue 17, finding 10: each standard concept, method and derivation is one that DICOM PS3.16 lists
    (pydicom's code dictionary is generated from it); only ``99GYNAI`` codes are GynAI's own."""
    from pydicom.sr._concepts_dict import concepts

    from gynai.metrics.codes import MEASUREMENT_DERIVATIONS

    used = [code for triple in MEASUREMENT_CODES.values() for code in triple if code is not None]
    used += list(MEASUREMENT_DERIVATIONS.values())
    for code in used:
        if code.scheme in ("99GYNAI", "UCUM"):
            continue
        known = {value for entries in concepts[code.scheme].values() for value in entries}
        assert code.value in known, f"{code} is not in DICOM PS3.16 (pydicom.sr._concepts_dict)"
    derivations = {(c.value, c.scheme) for c in MEASUREMENT_DERIVATIONS.values()}
    assert derivations <= {(c.value, c.scheme_designator) for c in
                           (codes.SCT.Total, codes.SCT.Median, codes.SCT.Maximum, codes.SCT.Mean)}   # CID 7464


def test_volume_figures_of_one_finding_kind_differ():
    """The total of several lesions' volumes is not coded like one segment's volume."""
    from gynai.metrics.codes import codes_for

    entries = codes_for(["volume_ml", "total_fibroid_volume_ml", "total_volume_ml", "uterine_volume_ml"])
    assert entries["total_fibroid_volume_ml"]["derivation"]["value"] == "255619001"       # SCT Total
    assert entries["total_volume_ml"]["derivation"]["value"] == "255619001"
    assert "derivation" not in entries["volume_ml"] and "derivation" not in entries["uterine_volume_ml"]
