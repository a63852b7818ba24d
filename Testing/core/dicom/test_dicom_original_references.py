"""Issue 17, finding 10: DICOM output of an enhanced multi-frame input or of an irregular series resampled
with ``--resample-irregular-slices`` references the ORIGINAL input instances (the SOP instance UIDs of the
files read), never made-up or resampled-slice UIDs: per frame where the SEG's frames are the source frames,
at series level (with a note in the report) where they are not. The objects stay dciodvfy-clean."""

import json

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from gynai.case import load_case, report_case
from gynai.dicom.source import synthesize_series
from gynai.dicom.uids import new_uid
from gynai.io.segnrrd import write_seg_nrrd
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

TINY = PhantomConfig(spacing_mm=(4.0, 4.0, 6.0), size_xyz=(48, 48, 8))
ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
FRAME_ORDER = [3, 0, 6, 1, 5, 2, 7, 4]


@pytest.fixture(scope="module")
def phantom():
    return generate_uterus_fibroid(1, [FibroidSpec("2", 14.0)], TINY)


def _item(**values) -> Dataset:
    dataset = Dataset()
    for keyword, value in values.items():
        setattr(dataset, keyword, value)
    return dataset


def write_enhanced_mr(image, path, order):
    """An Enhanced MR file of ``image`` whose frame f is slice ``order[f]`` (attributes from a generated series)."""
    slices = synthesize_series(image, patient_id="MF-PATIENT").datasets
    first = slices[0]
    ds = Dataset()
    for keyword in ("SpecificCharacterSet", "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                    "StudyInstanceUID", "StudyDate", "StudyTime", "StudyID", "AccessionNumber",
                    "ReferringPhysicianName", "FrameOfReferenceUID", "PositionReferenceIndicator", "Manufacturer"):
        setattr(ds, keyword, getattr(first, keyword))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.TransferSyntaxUID = ENHANCED_MR, ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = new_uid()
    ds.SOPClassUID, ds.Modality, ds.SeriesInstanceUID, ds.SeriesNumber = ENHANCED_MR, "MR", new_uid(), 5
    ds.InstanceNumber, ds.ContentDate, ds.ContentTime = 1, first.ContentDate, first.ContentTime
    ds.Rows, ds.Columns, ds.NumberOfFrames = first.Rows, first.Columns, len(order)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.SharedFunctionalGroupsSequence = [_item(
        PixelMeasuresSequence=[_item(PixelSpacing=first.PixelSpacing, SliceThickness=first.SliceThickness)],
        PlaneOrientationSequence=[_item(ImageOrientationPatient=first.ImageOrientationPatient)])]
    ds.PerFrameFunctionalGroupsSequence = [
        _item(PlanePositionSequence=[_item(ImagePositionPatient=slices[k].ImagePositionPatient)]) for k in order]
    ds.PixelData = b"".join(slices[k].PixelData for k in order)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return ds


def write_irregular_series(image, folder, drop):
    """The generated single-frame series of ``image`` without slice ``drop``: the SOP instance UIDs written."""
    folder.mkdir(parents=True)
    uids = []
    for number, dataset in enumerate(synthesize_series(image, patient_id="IRREGULAR").datasets, start=1):
        if number - 1 != drop:
            dataset.save_as(folder / f"{number:03d}.dcm", enforce_file_format=True)
            uids.append(str(dataset.SOPInstanceUID))
    return set(uids)


def _report(image_folder, labels, tmp_path, resample=False):
    write_seg_nrrd(labels, tmp_path / "labels.seg.nrrd")
    case = load_case(image_folder, tmp_path / "labels.seg.nrrd", "uterus-fibroid", resample_irregular=resample)
    _, model, written = report_case(case, tmp_path / "report", ("json", "dicom"))
    assert not written["source_generated"] and "source" not in written
    folder = tmp_path / "report" / "dicom"
    return (pydicom.dcmread(folder / "seg.dcm"), pydicom.dcmread(folder / "sr.dcm"),
            json.loads((tmp_path / "report" / "report.json").read_text()))


def _sr_evidence(sr) -> set[str]:
    return {str(instance.ReferencedSOPInstanceUID)
            for sequence in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence")
            for study in sr.get(sequence, []) for series in study.ReferencedSeriesSequence
            for instance in series.ReferencedSOPSequence}


def _referenced(seg) -> set[str]:
    return {str(item.ReferencedSOPInstanceUID) for item in seg.SourceImageSequence} | {
        str(item.ReferencedSOPInstanceUID) for series in seg.ReferencedSeriesSequence
        for item in series.ReferencedInstanceSequence}


def test_enhanced_multiframe_input_is_referenced_frame_by_frame(phantom, tmp_path, dciodvfy_errors):
    source = write_enhanced_mr(phantom.image, tmp_path / "mf" / "enhanced.dcm", FRAME_ORDER)
    seg, sr, report = _report(tmp_path / "mf", phantom.labels, tmp_path)
    assert seg.PatientID == "MF-PATIENT" and seg.StudyInstanceUID == source.StudyInstanceUID
    assert _referenced(seg) == {source.SOPInstanceUID}
    assert [str(s.SeriesInstanceUID) for s in seg.ReferencedSeriesSequence] == [source.SeriesInstanceUID]
    assert seg.FrameOfReferenceUID == source.FrameOfReferenceUID
    # every SEG frame points at the source frame at its position
    source_z = {f + 1: float(frame.PlanePositionSequence[0].ImagePositionPatient[2])
                for f, frame in enumerate(source.PerFrameFunctionalGroupsSequence)}
    for frame in seg.PerFrameFunctionalGroupsSequence:
        reference = frame.DerivationImageSequence[0].SourceImageSequence[0]
        assert reference.ReferencedSOPInstanceUID == source.SOPInstanceUID
        assert source_z[int(reference.ReferencedFrameNumber)] == pytest.approx(
            float(frame.PlanePositionSequence[0].ImagePositionPatient[2]))
    assert source.SOPInstanceUID in _sr_evidence(sr) and seg.SOPInstanceUID in _sr_evidence(sr)
    sr_series = {str(series.SeriesInstanceUID) for study in sr.CurrentRequestedProcedureEvidenceSequence
                 for series in study.ReferencedSeriesSequence}
    assert source.SeriesInstanceUID in sr_series
    for name, dataset in (("seg.dcm", seg), ("sr.dcm", sr)):
        dataset.save_as(tmp_path / name, enforce_file_format=True)
        assert dciodvfy_errors(tmp_path / name) == [], name


def test_resampled_irregular_series_is_referenced_at_series_level(phantom, tmp_path, dciodvfy_errors):
    originals = write_irregular_series(phantom.image, tmp_path / "series", drop=3)
    seg, sr, report = _report(tmp_path / "series", phantom.labels, tmp_path, resample=True)
    assert _referenced(seg) == originals, "the files read, not resampled or made-up slices"
    assert originals <= _sr_evidence(sr)
    assert all(len(frame.DerivationImageSequence) == 0 for frame in seg.PerFrameFunctionalGroupsSequence)
    notes = " ".join(report["output_notes"])
    assert "resampled" in notes and "series level" in notes
    for name, dataset in (("seg.dcm", seg), ("sr.dcm", sr)):
        dataset.save_as(tmp_path / name, enforce_file_format=True)
        assert dciodvfy_errors(tmp_path / name) == [], name


def test_resampled_multiframe_input_references_its_one_instance(phantom, tmp_path, dciodvfy_errors):
    source = write_enhanced_mr(phantom.image, tmp_path / "mf" / "enhanced.dcm", [k for k in FRAME_ORDER if k != 3])
    seg, sr, report = _report(tmp_path / "mf", phantom.labels, tmp_path, resample=True)
    assert _referenced(seg) == {source.SOPInstanceUID}
    assert all(len(frame.DerivationImageSequence) == 0 for frame in seg.PerFrameFunctionalGroupsSequence)
    assert source.SOPInstanceUID in _sr_evidence(sr)
    assert any("series level" in note for note in report["output_notes"])
    seg.save_as(tmp_path / "seg.dcm", enforce_file_format=True)
    assert dciodvfy_errors(tmp_path / "seg.dcm") == []
