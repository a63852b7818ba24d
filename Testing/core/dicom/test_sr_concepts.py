"""Issue 17, finding 10: every measurement of the TID 1500 SR is distinguishable — no two measurements share
concept, method, derivation, Finding Site and tracking — the uterine volume and the total fibroid volume
are told apart (uterus group vs fibroid group, derivation Total), the uterus's principal diameters and
ellipsoid volume are reported, and the SRs of all three tasks stay dciodvfy-clean."""

from collections import Counter
from types import SimpleNamespace

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.sr.codedict import codes

from gynai.dicom.seg import build_seg
from gynai.dicom.source import synthesize_series
from gynai.dicom.sr import _distinct, build_sr
from gynai.image import LabelImage
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate, generate_uterus_fibroid

CONFIG = PhantomConfig(spacing_mm=(2.4, 2.4, 6.0), size_xyz=(80, 80, 16))
IMAGING_MEASUREMENTS, FINDING_SITE, TRACKING_UID, FINDING = "126010", "363698007", "112040", "121071"
METHOD, DERIVATION = "370129005", "121401"
TOTAL = "255619001"


def _code(item, sequence="ConceptCodeSequence") -> tuple[str, str]:
    code = item[sequence][0] if sequence in item else None
    return (str(code.CodeValue), str(code.CodingSchemeDesignator)) if code is not None else ("", "")


def measurement_groups(sr) -> list[dict]:
    """Each measurement group: tracking UID, finding type, finding sites and its measurements as dicts
    (concept, method, derivation, measurement-level finding sites, value)."""
    container = next(item for item in sr.ContentSequence
                     if _code(item, "ConceptNameCodeSequence")[0] == IMAGING_MEASUREMENTS)
    groups = []
    for group in container.ContentSequence:
        found = {"tracking": "", "finding": ("", ""), "sites": [], "measurements": []}
        for item in group.ContentSequence:
            name = _code(item, "ConceptNameCodeSequence")[0]
            if item.ValueType == "UIDREF" and name == TRACKING_UID:
                found["tracking"] = str(item.UID)
            elif item.ValueType == "CODE" and name == FINDING_SITE:
                found["sites"].append(_code(item))
            elif item.ValueType == "CODE" and name == FINDING:
                found["finding"] = _code(item)
            elif item.ValueType == "NUM":
                modifiers = {_code(m, "ConceptNameCodeSequence")[0]: _code(m)
                             for m in item.get("ContentSequence", []) if m.ValueType == "CODE"}
                found["measurements"].append({
                    "concept": _code(item, "ConceptNameCodeSequence"), "method": modifiers.get(METHOD),
                    "derivation": modifiers.get(DERIVATION), "site": modifiers.get(FINDING_SITE),
                    "value": float(item.MeasuredValueSequence[0].NumericValue)})
        groups.append(found)
    return groups


def _sr_of(case, task, tmp_path):
    source = synthesize_series(case.image)
    document = metrics_document(case.image, case.labels, task)
    seg, entries = build_seg(case.labels, source, task)
    build_sr(document, seg, entries, source).save_as(tmp_path / "sr.dcm", enforce_file_format=True)
    return pydicom.dcmread(tmp_path / "sr.dcm"), document


@pytest.fixture(scope="module")
def fibroid_case():
    return generate_uterus_fibroid(2, [FibroidSpec("2", 16.0), FibroidSpec("4", 12.0)], CONFIG)


@pytest.mark.parametrize("task", ["uterus-fibroid", "placenta", "adnexal-mass"])
def test_no_two_measurements_share_their_codes_site_and_tracking(task, fibroid_case, tmp_path, dciodvfy_errors):
    case = fibroid_case if task == "uterus-fibroid" else generate(task, 3, CONFIG)
    sr, _ = _sr_of(case, task, tmp_path)
    keys = Counter()
    for group in measurement_groups(sr):
        assert group["tracking"], "every group is tracked"
        for m in group["measurements"]:
            keys[(group["tracking"], m["concept"], m["method"], m["derivation"], m["site"],
                  tuple(group["sites"]))] += 1
    repeated = [key for key, count in keys.items() if count > 1]
    assert keys and not repeated, f"measurements that cannot be told apart: {repeated}"
    assert dciodvfy_errors(tmp_path / "sr.dcm") == []


def test_uterus_and_fibroid_summaries_are_distinct_groups_with_the_uterine_diameters(fibroid_case, tmp_path):
    sr, document = _sr_of(fibroid_case, "uterus-fibroid", tmp_path)
    groups = measurement_groups(sr)
    uterus_structure = document["structures"]["uterus"]
    uterus = next(g for g in groups if g["finding"] == ("35039007", "SCT"))
    fibroids = next(g for g in groups if g["finding"] == ("44598004", "SCT") and
                    any(m["derivation"] == (TOTAL, "SCT") for m in g["measurements"]))
    assert uterus["sites"] == [("35039007", "SCT")] and fibroids["sites"] == [("35039007", "SCT")]
    by_concept = {(m["concept"], m["method"]): m["value"] for m in uterus["measurements"]}
    volume = ("118565006", "SCT")
    assert by_concept[(volume, ("126030", "DCM"))] == pytest.approx(document["fibroid_map"]["uterine_volume_ml"])
    assert by_concept[(volume, ("126029", "DCM"))] == pytest.approx(uterus_structure["ellipsoid_volume_ml"])
    axes = [by_concept[(concept, None)] for concept in (("410668003", "SCT"), ("103355008", "SCT"),
                                                        ("121207", "DCM"))]      # Length, Width, Height
    assert axes == pytest.approx(uterus_structure["principal_diameters_mm"], rel=1e-4)
    total = next(m for m in fibroids["measurements"] if m["derivation"] == (TOTAL, "SCT"))
    assert total["concept"] == volume
    assert total["value"] == pytest.approx(document["fibroid_map"]["total_fibroid_volume_ml"])
    count = next(m for m in fibroids["measurements"] if m["concept"] == ("246206008", "SCT"))
    assert count["value"] == 2
    assert not any(m["derivation"] for m in uterus["measurements"]), "the uterine volume is not a total"


def test_a_repeated_figure_is_reported_once_but_two_figures_sharing_codes_both_stay(caplog):
    """A finding that repeats a figure of its group (same codes, same value) is left out; two different
    figures under the same codes would be a coding error: both are kept (none lost) and a warning names them."""
    millilitre = hd.sr.CodedConcept("mL", "UCUM", "milliliter")

    def volume(value):
        return hd.sr.Measurement(name=codes.SCT.Volume, value=value, unit=millilitre)

    first, repeat, other = volume(123.4), volume(123.4), volume(98.7)
    assert _distinct([first, repeat]) == [first]
    with caplog.at_level("WARNING", logger="gynai.dicom.sr"):
        assert _distinct([first, repeat, other]) == [first, other]
    assert [record.getMessage() for record in caplog.records] == [
        "two figures of one SR group share the codes ('118565006', 'SCT', 'mL', ()): 123.4 and 98.7"]


def test_without_myometrium_the_uterus_is_not_reported_as_0_ml(fibroid_case, tmp_path):
    """No myometrium segmented: the uterus is not assessed (the metrics say None), so the SR has no uterus
    group (it reported a uterine volume and ellipsoid volume of 0 mL); the fibroid groups stay."""
    labels = fibroid_case.labels
    without = LabelImage(np.where(labels.array == 1, 0, labels.array).astype(labels.array.dtype), labels.geometry,
                         labels.labels)                                      # myometrium (1) left out
    case = SimpleNamespace(image=fibroid_case.image, labels=without)
    sr, document = _sr_of(case, "uterus-fibroid", tmp_path)
    assert document["fibroid_map"]["uterine_volume_ml"] is None
    groups = measurement_groups(sr)
    assert not any(group["finding"] == ("35039007", "SCT") for group in groups), "a uterus group"
    count = [m["value"] for g in groups for m in g["measurements"] if m["concept"] == ("246206008", "SCT")]
    assert count == [2]
