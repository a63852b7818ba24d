"""Every measurement in the metrics JSON carries DICOM concept and unit codes; standard ones are real."""

import re

import pytest

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
                "wall_thickness_mm": codes.DCM.Distance, "t2_ratio_to_myometrium": codes.SCT.Ratio}
    for key, code in expected.items():
        concept = MEASUREMENT_CODES[key][0]
        assert (concept.value, concept.scheme, concept.meaning) == (code.value, code.scheme_designator, code.meaning)
    ellipsoid = MEASUREMENT_CODES["ellipsoid_volume_ml"][2]
    assert ellipsoid.value == codes.DCM.LWHMethodForVolumeOfEllipsoid.value
    assert MEASUREMENT_CODES["surface_area_mm2"][1].value == codes.UCUM.SquareMillimeter.value
    private = [c for c, _, _ in MEASUREMENT_CODES.values() if c.scheme == "99GYNAI"]
    assert len({c.value for c in private}) == len(private)          # private codes are unique
