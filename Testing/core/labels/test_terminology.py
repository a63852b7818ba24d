"""GynAI terminology: the context file, codes per task label, and tags written into .seg.nrrd files."""

import json

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import LabelError
from gynai.image import Geometry, LabelImage
from gynai.io.segnrrd import write_seg_nrrd
from gynai.resources import resource_path
from gynai.tasks import TASKS, Code, get_task
from gynai.labels.terminology import (TERMINOLOGY_FILE, gynai_context, load_context, parse_terminology,
                               segment_terminology, task_terminology)


def test_context_file_is_a_slicer_terminology():
    content = json.loads(resource_path("Terminology", TERMINOLOGY_FILE).read_text())
    assert content["SegmentationCategoryTypeContextName"].startswith("Segmentation category and type - ")
    for category in content["SegmentationCodes"]["Category"]:
        assert {"CodingSchemeDesignator", "CodeValue", "CodeMeaning", "Type"} <= set(category)
        for item in category["Type"]:
            assert len(item["recommendedDisplayRGBValue"]) == 3


def test_standard_codes_match_dicom_tables():
    from pydicom.sr.codedict import codes

    categories = {code.value: code.meaning for code in (codes.SCT.AnatomicalStructure, codes.SCT.Tissue,
                                                        codes.SCT.MorphologicallyAbnormalStructure)}
    for (cat_scheme, cat_value, _, _), (category, type_code, _) in gynai_context().entries.items():
        assert cat_scheme == "SCT" and categories[cat_value] == category.meaning
        assert type_code.scheme in ("SCT", "99GYNAI")
    assert ("SCT", "91723000", "SCT", "35039007") in gynai_context().entries  # uterus
    assert ("SCT", "91723000", "SCT", "78067005") in gynai_context().entries  # placenta
    assert ("SCT", "49755003", "SCT", "44598004") in gynai_context().entries  # leiomyoma


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_every_task_label_has_a_terminology_entry(task_id):
    task = get_task(task_id)
    entries = task_terminology(task)
    assert set(entries) == {label.id for label in task.labels}
    for spec in task.segments:
        parsed = parse_terminology(entries[spec.label.id])
        assert parsed["type"] == spec.type and parsed["category"] == spec.category
        assert parsed["region"] == spec.region


def test_serialised_entry_has_slicer_layout():
    fibroid = get_task("uterus-fibroid").segments[2]
    assert segment_terminology(fibroid) == (
        "Segmentation category and type - GynAI gynecologic imaging~SCT^49755003^Morphologically Abnormal Structure"
        "~SCT^44598004^Leiomyoma~^^~Anatomic codes - DICOM master list~SCT^35039007^Uterus~^^")


def test_codes_missing_from_context_are_refused(tmp_path):
    path = tmp_path / "small.term.json"
    path.write_text(json.dumps({"SegmentationCategoryTypeContextName": "small", "SegmentationCodes": {"Category": [
        {"CodingSchemeDesignator": "SCT", "CodeValue": "85756007", "CodeMeaning": "Tissue", "Type": []}]}}))
    with pytest.raises(LabelError, match="no type 99GYNAI:GYNAI-0001"):
        segment_terminology(get_task("placenta").segments[0], load_context(path))
    (tmp_path / "bad.term.json").write_text("{}")
    with pytest.raises(LabelError, match="not a readable terminology"):
        load_context(tmp_path / "bad.term.json")
    with pytest.raises(LabelError, match="7"):
        parse_terminology("a~b")


def test_seg_nrrd_segments_carry_terminology(tmp_path):
    task = get_task("placenta")
    array = np.zeros((4, 5, 6), np.uint8)
    array[1, 1:3, 1:4] = 2
    labels = LabelImage(array, Geometry(spacing_mm=(1.0, 1.0, 2.0)), task.labels)
    path = write_seg_nrrd(labels, tmp_path / "p.seg.nrrd", task_terminology(task))
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    reader.ReadImageInformation()
    tags = {reader.GetMetaData(f"Segment{i}_ID"): reader.GetMetaData(f"Segment{i}_Tags") for i in range(3)}
    entry = tags["placenta"].split("TerminologyEntry:")[1].rstrip("|")
    assert parse_terminology(entry)["type"] == Code("78067005", "SCT", "Placenta")
    assert "89837001" in tags["bladder"]
