"""GynAIReport on slicer-core: a DICOM-loaded volume keeps its patient, study and series in the report (its
files found through an injected DICOM database lookup), and the SEG records who made the segmentation."""

import json
from pathlib import Path

import pydicom
import pytest

from gynai.dicom.source import synthesize_series
from gynai.errors import InputFileError
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid
from gynai.models.provenance import model_provenance

SMALL = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))
TASK = "uterus-fibroid"
MODEL = model_provenance("GynAI uterus-fibroid", "0.1.0", TASK)


@pytest.fixture(scope="module")
def dicom_case(tmp_path_factory):
    """A phantom written as a DICOM series of a named patient; {SOP Instance UID: file} as the database."""
    case = generate_uterus_fibroid(7, [FibroidSpec("4", 16.0)], SMALL)
    series = synthesize_series(case.image, patient_id="PAT-0042", patient_name="Doe^Jane",
                               series_description="T2 sagittal")
    folder = tmp_path_factory.mktemp("t2")
    database = {}
    for number, dataset in enumerate(series.datasets):
        path = folder / f"{number:03d}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        database[str(dataset.SOPInstanceUID)] = str(path)
    return case, series, folder, database


def loaded_from_dicom(dicom_case):
    """A volume node as Slicer's DICOM module leaves it: voxels of the series, ``DICOM.instanceUIDs`` set."""
    from gynai.io.images import read_image
    from GynAILib.volumes import image_to_volume_node

    _, series, folder, _ = dicom_case
    volume = image_to_volume_node(read_image(folder), "3: T2 sagittal")
    volume.SetAttribute("DICOM.instanceUIDs", " ".join(str(ds.SOPInstanceUID) for ds in reversed(series.datasets)))
    return volume


def test_report_of_a_dicom_loaded_volume_references_the_original_study(scene, dicom_case, tmp_path):
    from GynAIReportLib.report_files import generate_report
    from GynAISegmentLib.logic import apply_result

    case, series, _, database = dicom_case
    volume = loaded_from_dicom(dicom_case)
    segmentation = apply_result(case.labels, volume, TASK, model=MODEL)
    result = generate_report(volume, segmentation, "fibroid-mapping", tmp_path / "report",
                             ("json", "html", "pdf", "dicom"), file_for_instance=database.get)
    files = result["files"]
    assert "source" not in files and not (tmp_path / "report" / "dicom" / "source").exists()
    original = series.datasets[0]
    seg, sr, pdf = (pydicom.dcmread(files[key]) for key in ("seg", "sr", "pdf_dicom"))
    for dataset in (seg, sr, pdf):
        assert dataset.StudyInstanceUID == original.StudyInstanceUID
        assert dataset.PatientID == "PAT-0042" and str(dataset.PatientName) == "Doe^Jane"
    assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == original.SeriesInstanceUID
    referenced = {item.ReferencedSOPInstanceUID for item in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    assert referenced and referenced <= set(database)
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.StudyInstanceUID == original.StudyInstanceUID
    assert original.SeriesInstanceUID in {item.SeriesInstanceUID for item in evidence.ReferencedSeriesSequence}
    header = json.loads(Path(files["json"]).read_text())["header"]
    assert header["patient_id"] == "PAT-0042" and header["input_is_dicom"]
    assert header["study_instance_uid"] == original.StudyInstanceUID
    # model output, unchanged: AUTOMATIC with the model's name
    assert {s.SegmentAlgorithmType for s in seg.SegmentSequence} == {"AUTOMATIC"}
    assert seg.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0].AlgorithmName == MODEL["name"]
    assert result["metrics"]["model"] == MODEL


def test_edited_and_hand_made_segmentations_are_reported_as_such(scene, dicom_case, tmp_path):
    import slicer

    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAIReportLib.report_files import generate_report
    from GynAISegmentLib.logic import apply_result

    case, _, _, database = dicom_case
    volume = loaded_from_dicom(dicom_case)
    edited = apply_result(case.labels, volume, TASK, model=MODEL)
    mask = slicer.util.arrayFromSegmentBinaryLabelmap(edited, "endometrium", volume)
    mask[mask.shape[0] // 2, :4, :4] = 1
    slicer.util.updateSegmentBinaryLabelmapFromArray(mask, edited, "endometrium", volume)
    hand_made = label_image_to_segmentation_node(case.labels, volume, name="drawn by hand")
    expected = {"edited": ("SEMIAUTOMATIC", "by the model GynAI uterus-fibroid 0.1.0, then edited by the user"),
                "hand": ("MANUAL", "segmentation supplied by the user")}
    for key, node in (("edited", edited), ("hand", hand_made)):
        result = generate_report(volume, node, "fibroid-mapping", tmp_path / key, ("json", "dicom"),
                                 file_for_instance=database.get)
        seg = pydicom.dcmread(result["files"]["seg"])
        algorithm_type, technique = expected[key]
        assert {s.SegmentAlgorithmType for s in seg.SegmentSequence} == {algorithm_type}
        assert technique in json.loads(Path(result["files"]["json"]).read_text())["technique"]
    assert "SegmentationAlgorithmIdentificationSequence" not in seg.SegmentSequence[0]


def test_dicom_files_not_found(scene, dicom_case, tmp_path, monkeypatch):
    import slicer

    from GynAIReportLib.report_files import generate_report
    from GynAISegmentLib.logic import apply_result

    case, _, _, database = dicom_case
    volume = loaded_from_dicom(dicom_case)
    segmentation = apply_result(case.labels, volume, TASK, model=MODEL)
    monkeypatch.delattr(slicer, "dicomDatabase", raising=False)
    with pytest.raises(InputFileError, match="no DICOM database is open"):
        generate_report(volume, segmentation, "fibroid-mapping", tmp_path / "a", ("json", "dicom"))
    first = next(iter(database))
    partial = {uid: path for uid, path in database.items() if uid != first}
    with pytest.raises(InputFileError, match="1 of the 20 DICOM files"):
        generate_report(volume, segmentation, "fibroid-mapping", tmp_path / "b", ("json", "dicom"),
                        file_for_instance=lambda uid: partial.get(uid, ""))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    # without DICOM output the report is still written, without identity
    result = generate_report(volume, segmentation, "fibroid-mapping", tmp_path / "c", ("json",),
                             file_for_instance=lambda uid: partial.get(uid, ""))
    assert json.loads(Path(result["files"]["json"]).read_text())["header"]["patient_id"] == "de-identified"
