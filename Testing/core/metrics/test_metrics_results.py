"""Typed results: every metrics document GynAI writes reads back and writes again byte for byte, and documents
of earlier versions of schema gynai.metrics/1 (keys added later missing) load."""

import copy
import json
from pathlib import Path

import pytest

from gynai.metrics.results.adnexal import AdnexalResults
from gynai.metrics.results.document import MetricsDocument
from gynai.metrics.results.fibroid import FibroidMap
from gynai.metrics.results.placenta import PlacentaResults

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "expected"
WRITTEN = sorted(p for p in GOLDEN.rglob("*metrics.json.txt"))


def test_the_golden_documents_cover_every_task():
    tasks = {json.loads(path.read_text())["task"] for path in WRITTEN}
    assert tasks == {"uterus-fibroid", "placenta", "adnexal-mass"} and len(WRITTEN) >= 8


@pytest.mark.parametrize("path", WRITTEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_written_documents_round_trip_byte_for_byte(path):
    text = path.read_text(encoding="utf-8")
    document = MetricsDocument.from_json(json.loads(text))
    assert json.dumps(document.to_json(), indent=2) + "\n" == text
    assert document.results is not None and document.task in ("uterus-fibroid", "placenta", "adnexal-mass")


def _golden(case: str) -> dict:
    return json.loads((GOLDEN / case / "metrics.json.txt").read_text())


def test_an_adnexal_document_from_before_lesions_were_separated_has_one_lesion():
    old = _golden("phantom-adnexal-dicom")
    for key in ("lesion_count", "total_volume_ml", "lesions", "modality"):
        old["adnexal"].pop(key)
    old["image"].pop("modality")
    document = MetricsDocument.from_json(old)
    results = document.results
    assert isinstance(results, AdnexalResults) and document.modality == "MR"
    [lesion] = results.present_lesions()
    assert lesion.id == 1 and lesion.volume_ml == old["adnexal"]["volume_ml"]
    assert lesion.shape.centroid_lps_mm == tuple(old["adnexal"]["lesion"]["centroid_lps_mm"])
    assert results.cohort_row()["lesion_count"] == 1
    assert [row.group for row in results.findings()][-1] == "adnexal lesion 1"
    [tracked] = results.tracked_lesions()
    assert tracked.id == 1 and tracked.max_diameter_mm == old["adnexal"]["lesion"]["max_feret_diameter_mm"]


def test_a_fibroid_document_without_keys_added_later_loads():
    old = _golden("sample-pelvis")
    old["model"] = {"name": "uterus-fibroid", "version": "0.1.0"}          # before provenance had task/modality
    for fibroid in old["fibroid_map"]["fibroids"]:
        for key in ("t2_ratio_to_muscle", "max_feret_diameter_mm", "surface_area_mm2"):
            fibroid.pop(key)
    del old["fibroid_map"]["muscle_reference"], old["measurement_codes"]
    document = MetricsDocument.from_json(old)
    assert isinstance(document.results, FibroidMap) and document.model == old["model"]
    first = document.results.fibroids[0]
    assert first.t2_ratio_to_muscle is None and first.shape.max_feret_diameter_mm is None
    assert document.results.tracked_lesions()[0].max_diameter_mm == max(first.diameters_mm)
    assert document.structure("uterus").volume_ml == old["structures"]["uterus"]["volume_ml"]


def test_fibroids_only_at_the_top_level_and_unknown_keys_are_kept():
    old = _golden("sample-pelvis")
    fibroids = old["fibroid_map"].pop("fibroids")
    old["future_key"] = {"kept": True}
    old["fibroid_map"]["future_figure"] = 1.5
    document = MetricsDocument.from_json(old)
    assert [f.id for f in document.results.fibroids] == [f["id"] for f in fibroids]
    written = document.to_json()
    assert written["future_key"] == {"kept": True} and list(written)[-1] == "future_key"
    assert written["fibroid_map"]["future_figure"] == 1.5


def test_minimal_and_partial_documents_read_as_not_assessed():
    bare = MetricsDocument.from_json({"schema": "gynai.metrics/1", "task": "placenta"})
    assert bare.results is None and bare.structures == {} and bare.structure("placenta").volume_ml is None
    partial = MetricsDocument.from_json({"task": "placenta", "placenta": {"present": True, "volume_ml": 12}})
    assert isinstance(partial.results, PlacentaResults) and partial.results.volume_ml == 12
    assert isinstance(partial.results.volume_ml, int)                        # numbers keep their JSON kind
    assert partial.results.tracked_lesions() == []                          # no shape figures: nothing to track
    odd = copy.deepcopy(_golden("sample-placenta"))
    odd["placenta"]["bladder_contact"] = "yes"                              # a value of the wrong kind
    assert MetricsDocument.from_json(odd).results.bladder_contact is None
