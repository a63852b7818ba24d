"""Findings: the metrics document flattened into coded rows, values exactly those of the document."""

import pytest

from gynai.metrics.codes import MEASUREMENT_CODES
from gynai.metrics.document import metrics_document
from gynai.metrics.findings import LABELS, findings
from gynai.phantom import FibroidSpec, PhantomConfig, generate, generate_uterus_fibroid

SMALL = PhantomConfig(spacing_mm=(1.2, 1.2, 4.0), size_xyz=(160, 160, 30))


@pytest.mark.parametrize("task, block, group", [("placenta", "placenta", "placenta"),
                                                ("adnexal-mass", "adnexal", "adnexal lesion 1")])
def test_rows_carry_the_document_values_and_units(task, block, group):
    case = generate(task, 3, SMALL)
    document = metrics_document(case.image, case.labels, task)
    rows = [row for row in findings(document) if row.group == group]
    assert rows, "no findings"
    for row in rows:
        assert row.value == document[block][row.key]
        assert row.unit == MEASUREMENT_CODES[row.key][1].value and row.name == LABELS[row.key]
    units = {row.key: row.unit for row in rows}
    assert units["volume_ml"] == "ml"
    if task == "placenta":
        assert units["thin_myometrium_area_cm2"] == "cm2" and units["bladder_contact"] == "1"


def test_fibroid_rows_per_instance_and_not_assessed_values():
    case = generate_uterus_fibroid(4, [FibroidSpec("2", 14.0), FibroidSpec("6", 12.0)], SMALL)
    document = metrics_document(case.image, case.labels, "uterus-fibroid")
    rows = findings(document)
    groups = {row.group for row in rows}
    assert groups == {"uterus"} | {f"fibroid {n}" for n in range(1, document["fibroid_map"]["count"] + 1)}
    figo = [row.value for row in rows if row.key == "figo_type"]
    assert figo == [f["figo_type"] for f in document["fibroids"]]
    document["fibroid_map"]["fibroids"][0]["funaki_class"] = None       # e.g. no image given
    first = [row for row in findings(document) if row.group == "fibroid 1" and row.key == "funaki_class"]
    assert first[0].value is None


def test_absent_blocks_give_no_rows():
    assert findings({"task": "placenta", "placenta": {"present": False}}) == []
    assert findings({"task": "uterus-fibroid"}) == []
