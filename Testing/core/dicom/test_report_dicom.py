"""`gynai report`: JSON/HTML report and DICOM SEG + SR that pass dciodvfy and read back with the truth."""

import json
import subprocess
import sys

import highdicom as hd
import numpy as np
import pydicom
import pytest

from gynai.dicom.seg import build_seg
from gynai.dicom.source import synthesize_series
from gynai.dicom.sr import build_sr
from gynai.io.images import read_image, write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate, generate_uterus_fibroid

SMALL = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))


def report(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "report", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def fibroid_case():
    return generate_uterus_fibroid(1, [FibroidSpec("2", 14.0), FibroidSpec("6", 12.0)], SMALL)


def test_seg_frames_and_codes_match_the_labels(fibroid_case, tmp_path, dciodvfy_errors):
    case = fibroid_case
    source = synthesize_series(case.image)
    seg, entries = build_seg(case.labels, source, "uterus-fibroid", {"name": "uterus-fibroid", "version": "0.1.0"})
    seg.save_as(tmp_path / "seg.dcm")
    assert dciodvfy_errors(tmp_path / "seg.dcm") == []
    back = hd.seg.segread(tmp_path / "seg.dcm")
    names = [entries[n - 1].name for n in back.segment_numbers]
    assert names[:2] == ["Myometrium", "Endometrium"] and names[2:] == ["Fibroid 1", "Fibroid 2"]
    assert back.get_segment_description(3).segmented_property_type.value == "44598004"
    assert back.get_segment_description(1).segmented_property_type.scheme_designator == "99GYNAI"
    # voxels: each segment's frames, stacked in source order, equal the label masks
    uids = [ds.SOPInstanceUID for ds in source.datasets]
    volume = back.get_pixels_by_source_instance(uids, combine_segments=True, relabel=False)
    fibroids = volume >= 3
    assert np.array_equal(volume == 1, case.labels.array == 1)
    assert np.array_equal(fibroids, case.labels.array == 3)
    assert {int(v) for v in np.unique(volume[fibroids])} == {3, 4}


@pytest.mark.parametrize("task", ["uterus-fibroid", "placenta", "adnexal-mass"])
def test_sr_measurements_read_back(task, tmp_path, dciodvfy_errors):
    case = generate(task, 2, PhantomConfig(spacing_mm=(1.5, 1.5, 4.0), size_xyz=(128, 128, 24)))
    source = synthesize_series(case.image)
    seg, entries = build_seg(case.labels, source, task)
    document = metrics_document(case.image, case.labels, task)
    sr = build_sr(document, seg, entries, source)
    sr.save_as(tmp_path / "sr.dcm")
    assert dciodvfy_errors(tmp_path / "sr.dcm") == []
    back = hd.sr.srread(tmp_path / "sr.dcm")
    groups = back.content.get_volumetric_roi_measurement_groups()
    assert len(groups) == len(entries)
    first = groups[0]
    volume = [m for m in first.get_measurements() if m.name.value == "118565006"
              and m.method is not None and m.method.value == "126030"][0]
    expected = document["structures"][entries[0].label_id]["volume_ml"]
    assert volume.value == pytest.approx(expected, rel=1e-6) and volume.unit.value == "ml"
    ellipsoid = [m for m in first.get_measurements() if m.name.value == "118565006"
                 and m.method is not None and m.method.value == "126029"]            # LWH ellipsoid method
    assert len(ellipsoid) == 1
    assert ellipsoid[0].value == pytest.approx(document["structures"][entries[0].label_id]["ellipsoid_volume_ml"],
                                               rel=1e-6)
    lengths = {m.name.value: m.value for m in first.get_measurements() if m.unit.value == "mm"}
    diameters = document["structures"][entries[0].label_id]["principal_diameters_mm"]
    assert [lengths["410668003"], lengths["103355008"], lengths["121207"]] == pytest.approx(diameters, rel=1e-6)
    assert first.referenced_segment.referenced_sop_instance_uid == seg.SOPInstanceUID
    schemes = {item.CodingSchemeDesignator for item in back.CodingSchemeIdentificationSequence}
    assert "99GYNAI" in schemes


def test_sr_fibroid_groups_carry_figo_types(fibroid_case, tmp_path):
    case = fibroid_case
    source = synthesize_series(case.image)
    seg, entries = build_seg(case.labels, source, "uterus-fibroid")
    document = metrics_document(case.image, case.labels, "uterus-fibroid")
    build_sr(document, seg, entries, source).save_as(tmp_path / "sr.dcm")
    groups = hd.sr.srread(tmp_path / "sr.dcm").content.get_volumetric_roi_measurement_groups()
    fibroid_groups = [g for g in groups if g.finding_type.value == "44598004"]
    assert len(fibroid_groups) == document["fibroid_map"]["count"] == 2
    for group, fibroid in zip(fibroid_groups, document["fibroids"]):
        evaluations = {e.name.value: e.value.meaning for e in group.get_qualitative_evaluations()}
        assert evaluations["GYNAI-0100"] == f"FIGO type {fibroid['figo_type']}"
        distances = {m.name.value: m.value for m in group.get_measurements()}
        if fibroid["distance_to_serosa_mm"] is not None:
            assert distances["GYNAI-0122"] == pytest.approx(fibroid["distance_to_serosa_mm"])


def test_report_command_writes_all_formats(fibroid_case, tmp_path, dciodvfy_errors):
    case = fibroid_case
    write_image(case.image, tmp_path / "img.nrrd")
    write_seg_nrrd(case.labels, tmp_path / "seg.seg.nrrd")
    out = tmp_path / "report"
    result = report(tmp_path / "img.nrrd", tmp_path / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "not DICOM" in result.stderr
    model = json.loads((out / "report.json").read_text())
    assert model["schema"] == "gynai.report/1" and model["template"] == "fibroid-mapping"
    assert model["header"]["patient_id"] == "de-identified" and "research use" in model["notice"].lower()
    figo = [row for row in model["findings"] if row["key"] == "figo_type"]
    assert [row["value"] for row in figo] == [f["figo_type"] for f in model["metrics"]["fibroids"]]
    html = (out / "report.html").read_text()
    assert "Fibroid mapping" in html and "FIGO type" in html and "data:image/png;base64," in html
    sources = sorted((out / "dicom" / "source").iterdir())
    assert len(sources) == case.image.array.shape[0]
    for path in (out / "dicom" / "seg.dcm", out / "dicom" / "sr.dcm", sources[0]):
        assert dciodvfy_errors(path) == []
    seg = pydicom.dcmread(out / "dicom" / "seg.dcm")
    assert seg.StudyInstanceUID == pydicom.dcmread(sources[0]).StudyInstanceUID
    # the generated source series reads back as the same volume
    back = read_image(out / "dicom" / "source")
    assert back.array.shape == case.image.array.shape
    assert np.allclose(back.geometry.ijk_to_lps(), case.image.geometry.ijk_to_lps(), atol=1e-3)


def test_report_refuses_bad_output_and_formats(fibroid_case, tmp_path):
    case = fibroid_case
    write_image(case.image, tmp_path / "img.nrrd")
    write_seg_nrrd(case.labels, tmp_path / "seg.seg.nrrd")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("user data")
    busy = report(tmp_path / "img.nrrd", tmp_path / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o", tmp_path / "full")
    assert busy.returncode == 2 and "not an empty folder" in busy.stderr
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    bad = report(tmp_path / "img.nrrd", tmp_path / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o",
                 tmp_path / "new", "--format", "html,docx")
    assert bad.returncode == 2 and "docx" in bad.stderr and not (tmp_path / "new").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_report_on_dicom_input_references_the_real_series(fibroid_case, tmp_path, dciodvfy_errors):
    case = fibroid_case
    series = synthesize_series(case.image, patient_id="PAT-0042", patient_name="Doe^Jane",
                               series_description="T2 sagittal")
    folder = tmp_path / "t2"
    folder.mkdir()
    for number, dataset in enumerate(series.datasets):
        dataset.save_as(folder / f"{number:03d}.dcm", enforce_file_format=True)
    write_seg_nrrd(case.labels, tmp_path / "seg.seg.nrrd")
    out = tmp_path / "report"
    result = report(folder, tmp_path / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o", out)
    assert result.returncode == 0, result.stderr
    assert not (out / "dicom" / "source").exists() and "not DICOM" not in result.stderr
    seg = pydicom.dcmread(out / "dicom" / "seg.dcm")
    assert seg.StudyInstanceUID == series.study_instance_uid and seg.PatientID == "PAT-0042"
    referenced = {item.ReferencedSOPInstanceUID for item in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    assert referenced <= {ds.SOPInstanceUID for ds in series.datasets}
    assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == series.datasets[0].SeriesInstanceUID
    model = json.loads((out / "report.json").read_text())
    assert model["header"]["patient_id"] == "PAT-0042" and model["header"]["input_is_dicom"]
    assert dciodvfy_errors(out / "dicom" / "sr.dcm") == []


def test_sr_states_the_synthetic_training_and_the_reader(tmp_path, dciodvfy_errors):
    """Issue 16: the SR says the models were trained only on synthetic phantoms and that the figures are
    automated estimates to be confirmed by a reader."""
    case = generate("uterus-fibroid", 2, PhantomConfig(spacing_mm=(1.5, 1.5, 4.0), size_xyz=(128, 128, 24)))
    source = synthesize_series(case.image)
    seg, entries = build_seg(case.labels, source, "uterus-fibroid")
    sr = build_sr(metrics_document(case.image, case.labels, "uterus-fibroid"), seg, entries, source)
    sr.save_as(tmp_path / "sr.dcm")
    assert dciodvfy_errors(tmp_path / "sr.dcm") == []
    back = hd.sr.srread(tmp_path / "sr.dcm")
    texts = [item.TextValue for container in back.ContentSequence if container.ValueType == "CONTAINER"
             for item in getattr(container, "ContentSequence", []) if item.ValueType == "TEXT"]
    assert any("trained only on synthetic phantoms" in text and "confirm" in text for text in texts)
    assert len(back.content.get_volumetric_roi_measurement_groups()) == len(entries)
