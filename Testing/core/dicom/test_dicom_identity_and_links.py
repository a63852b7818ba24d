"""Issue 17, finding 10: DICOM output that PACS can keep apart and link up — per-input pseudonymous identity
with de-identification attributes and 2.25 UIDs for non-DICOM input, one tracking UID per segment shared by
SEG and SR, the finding site in the SR, the PDF's title and references; and a source series in a
multi-valued character set (``\\ISO 2022 IR 87``) no longer breaks the report."""

import highdicom as hd
import numpy as np
import pydicom
import pytest

from gynai.case import load_case, report_case
from gynai.dicom.pdf import build_encapsulated_pdf
from gynai.dicom.seg import build_seg
from gynai.dicom.source import synthesize_series
from gynai.dicom.sr import build_sr
from gynai.image import Image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

TINY = PhantomConfig(spacing_mm=(4.0, 4.0, 6.0), size_xyz=(48, 48, 8))
JAPANESE_NAME = "Yamada^Tarou=山田^太郎=やまだ^たろう"


@pytest.fixture(scope="module")
def phantom():
    return generate_uterus_fibroid(1, [FibroidSpec("2", 14.0)], TINY)


def test_non_dicom_inputs_get_their_own_reproducible_pseudonymous_identity(phantom):
    first, again = synthesize_series(phantom.image), synthesize_series(phantom.image)
    other = synthesize_series(Image(phantom.image.array + 1, phantom.image.geometry))
    ds = first.datasets[0]
    assert ds.PatientID.startswith("GYNAI-") and ds.PatientID != "GYNAI-ANON"
    assert ds.PatientIdentityRemoved == "YES" and ds.DeidentificationMethod
    assert (ds.PatientID, ds.StudyInstanceUID) == (again.datasets[0].PatientID, again.datasets[0].StudyInstanceUID)
    assert ds.PatientID != other.datasets[0].PatientID
    assert ds.StudyInstanceUID != other.datasets[0].StudyInstanceUID
    uids = [ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID, ds.SOPInstanceUID]
    assert all(uid.startswith("2.25.") for uid in uids)
    assert len({d.SOPInstanceUID for d in first.datasets}) == len(first.datasets)
    named = synthesize_series(phantom.image, patient_id="STUDY-7", patient_name="Trial^Seven")
    assert (named.datasets[0].PatientID, str(named.datasets[0].PatientName)) == ("STUDY-7", "Trial^Seven")


def test_seg_and_sr_share_tracking_uids_and_the_sr_has_finding_sites(phantom, dciodvfy_errors, tmp_path):
    source = synthesize_series(phantom.image)
    seg, entries = build_seg(phantom.labels, source, "uterus-fibroid")
    sr = build_sr(metrics_document(phantom.image, phantom.labels, "uterus-fibroid"), seg, entries, source)
    pdf = build_encapsulated_pdf(b"%PDF-1.4\n%%EOF\n", source, document_title="Uterine fibroids (MRI)",
                                 also_references=[seg, sr])
    for name, dataset in (("seg.dcm", seg), ("sr.dcm", sr), ("pdf.dcm", pdf)):
        assert dataset.SOPInstanceUID.startswith("2.25.") and dataset.SeriesInstanceUID.startswith("2.25.")
        assert dataset.PatientIdentityRemoved == "YES" and dataset.PatientID == source.datasets[0].PatientID
        dataset.save_as(tmp_path / name, enforce_file_format=True)
        assert dciodvfy_errors(tmp_path / name) == [], name
    seg_back = hd.seg.segread(tmp_path / "seg.dcm")
    sr_back = hd.sr.srread(tmp_path / "sr.dcm")
    seg_tracking = {int(item.SegmentNumber): str(item.TrackingUID) for item in seg_back.SegmentSequence}
    groups = sr_back.content.get_planar_roi_measurement_groups() + \
        sr_back.content.get_volumetric_roi_measurement_groups()
    shared = {str(group.tracking_uid): group for group in groups}
    assert set(seg_tracking.values()) <= set(shared), "every SEG segment is tracked by the SR under its UID"
    sites = [group for group in shared.values() if group.finding_sites]
    assert sites, "the SR names the finding site of the segments that have one in the SEG"
    assert pdf.DocumentTitle == "Uterine fibroids (MRI)"
    referenced = {item.ReferencedSOPInstanceUID for item in pdf.SourceInstanceSequence}
    assert {seg.SOPInstanceUID, sr.SOPInstanceUID} <= referenced


def test_report_of_a_series_in_iso_2022_ir_87(phantom, tmp_path):
    source = synthesize_series(phantom.image, patient_id="JP-0001")
    folder = tmp_path / "series"
    folder.mkdir()
    for number, dataset in enumerate(source.datasets, start=1):
        dataset.SpecificCharacterSet = ["", "ISO 2022 IR 87"]
        dataset.PatientName = JAPANESE_NAME
        del dataset.PatientIdentityRemoved, dataset.DeidentificationMethod
        dataset.save_as(folder / f"{number:03d}.dcm", enforce_file_format=True)
    assert pydicom.dcmread(folder / "001.dcm").SpecificCharacterSet == ["", "ISO 2022 IR 87"]
    write_seg_nrrd(phantom.labels, tmp_path / "labels.seg.nrrd")
    case = load_case(folder, tmp_path / "labels.seg.nrrd", "uterus-fibroid")
    report_case(case, tmp_path / "report", ("json", "dicom"))
    seg = pydicom.dcmread(tmp_path / "report" / "dicom" / "seg.dcm")
    assert str(seg.PatientName) == JAPANESE_NAME and seg.PatientID == "JP-0001"
    assert (tmp_path / "report" / "report.json").is_file()
    assert np.any(seg.pixel_array)


def test_report_identity_options_for_non_dicom_input(phantom, tmp_path, capsys):
    from gynai.cli.main import main
    from gynai.io.images import write_image

    write_image(phantom.image, tmp_path / "image.nrrd")
    write_seg_nrrd(phantom.labels, tmp_path / "labels.seg.nrrd")
    arguments = ["-q", "report", str(tmp_path / "image.nrrd"), str(tmp_path / "labels.seg.nrrd"), "--task",
                 "uterus-fibroid", "--format", "json,dicom"]
    assert main(arguments + ["-o", str(tmp_path / "named"), "--patient-id", "TRIAL-042",
                             "--patient-name", "Doe^Jane"]) == 0
    seg = pydicom.dcmread(tmp_path / "named" / "dicom" / "seg.dcm")
    assert (seg.PatientID, str(seg.PatientName)) == ("TRIAL-042", "Doe^Jane")
    capsys.readouterr()
    assert main(arguments + ["-o", str(tmp_path / "bad"), "--patient-id", "a\\b"]) == 2
    assert "--patient-id" in capsys.readouterr().err and not (tmp_path / "bad").exists()
