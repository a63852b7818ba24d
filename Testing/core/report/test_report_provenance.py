"""Segmentation provenance: `gynai segment` records its model in the .seg.nrrd, `gynai report` reports it
(DICOM SEG algorithm type AUTOMATIC / SEMIAUTOMATIC after editing / MANUAL for a user's segmentation)."""

import json
import subprocess
import sys

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from gynai.image import Image
from gynai.models.bundle import read_bundle
from gynai.models.selection import find_entry
from gynai.io.images import write_image
from gynai.io.segnrrd import read_seg_provenance, write_seg_nrrd
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid
from gynai.models.provenance import model_provenance

SMALL = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))
TASK = "uterus-fibroid"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def case():
    return generate_uterus_fibroid(5, [FibroidSpec("4", 16.0)], SMALL)


def report_of(tmp_path, image, segmentation):
    out = tmp_path / "report"
    result = cli("report", image, segmentation, "--task", TASK, "-o", out, "--format", "json,html,dicom")
    assert result.returncode == 0, result.stderr
    return out, json.loads((out / "report.json").read_text()), pydicom.dcmread(out / "dicom" / "seg.dcm")


def test_segment_records_the_model_and_report_names_it(case, tmp_path, dciodvfy_errors):
    write_image(case.image, tmp_path / "img.nrrd")
    result = cli("segment", tmp_path / "img.nrrd", "--task", TASK, "-o", tmp_path / "auto.seg.nrrd", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    shipped = read_bundle(find_entry(TASK).path)          # the shipped model's own name and version
    assert read_seg_provenance(tmp_path / "auto.seg.nrrd") == model_provenance(shipped.name, shipped.version, TASK,
                                                                           modality="MR")

    out, model, seg = report_of(tmp_path, tmp_path / "img.nrrd", tmp_path / "auto.seg.nrrd")
    assert model["header"]["model"]["name"] == shipped.name and model["header"]["model"]["version"] == shipped.version
    assert f"segmentation by the model {shipped.name} {shipped.version};" in model["technique"]
    assert model["metrics"]["model"]["edited"] is False
    assert f"{shipped.name} {shipped.version}" in (out / "report.html").read_text()
    for segment in seg.SegmentSequence:
        assert segment.SegmentAlgorithmType == "AUTOMATIC"
        algorithm = segment.SegmentationAlgorithmIdentificationSequence[0]
        assert algorithm.AlgorithmName == shipped.name and algorithm.AlgorithmVersion == shipped.version
    assert dciodvfy_errors(out / "dicom" / "seg.dcm") == []


def test_model_output_changed_after_writing_is_semiautomatic(case, tmp_path):
    write_image(case.image, tmp_path / "img.nrrd")
    path = tmp_path / "edited.seg.nrrd"
    write_seg_nrrd(case.labels, path, model=model_provenance("GynAI uterus-fibroid", "0.1.0", TASK))
    assert read_seg_provenance(path)["edited"] is False
    # another tool that keeps the header fields: one slice of myometrium painted over
    image = sitk.ReadImage(str(path))
    array = sitk.GetArrayFromImage(image)
    array[10][array[10] == 0] = 1
    edited = sitk.GetImageFromArray(array)
    edited.CopyInformation(image)
    for key in image.GetMetaDataKeys():
        edited.SetMetaData(key, image.GetMetaData(key))
    sitk.WriteImage(edited, str(path), True)
    assert read_seg_provenance(path)["edited"] is True

    _, model, seg = report_of(tmp_path, tmp_path / "img.nrrd", path)
    assert "by the model GynAI uterus-fibroid 0.1.0, then edited by the user" in model["technique"]
    assert {segment.SegmentAlgorithmType for segment in seg.SegmentSequence} == {"SEMIAUTOMATIC"}
    assert seg.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0].AlgorithmName == "GynAI uterus-fibroid"


@pytest.mark.parametrize("kind", ["seg.nrrd", "labelmap"])
def test_segmentation_without_provenance_is_manual(case, tmp_path, kind, dciodvfy_errors):
    write_image(case.image, tmp_path / "img.nrrd")
    if kind == "seg.nrrd":
        path = tmp_path / "user.seg.nrrd"
        write_seg_nrrd(case.labels, path)
        assert read_seg_provenance(path) is None
        out, model, seg = report_of(tmp_path, tmp_path / "img.nrrd", path)
    else:
        write_image(Image(case.labels.array.astype(np.uint8), case.labels.geometry), tmp_path / "labels.nrrd")
        out = tmp_path / "report"
        result = cli("report", tmp_path / "img.nrrd", tmp_path / "labels.nrrd", "--task", TASK, "-o", out,
                     "--format", "json,html,dicom", "--labels", "1=myometrium,2=endometrium,3=fibroid")
        assert result.returncode == 0, result.stderr
        model, seg = json.loads((out / "report.json").read_text()), pydicom.dcmread(out / "dicom" / "seg.dcm")
    assert model["header"]["model"] is None
    assert "segmentation supplied by the user;" in model["technique"]
    assert "none (segmentation supplied by the user)" in (out / "report.html").read_text()
    for segment in seg.SegmentSequence:
        assert segment.SegmentAlgorithmType == "MANUAL"
        assert "SegmentationAlgorithmIdentificationSequence" not in segment
    assert dciodvfy_errors(out / "dicom" / "seg.dcm") == []
