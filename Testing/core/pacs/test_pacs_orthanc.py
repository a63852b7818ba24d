"""PACS exchange over DICOMweb against a real Orthanc (started on loopback by these tests), plus the
configuration and Encapsulated PDF pieces on their own."""

import hashlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from reportlab.pdfgen import canvas

from gynai.dicom.pdf import ENCAPSULATED_PDF_STORAGE, build_encapsulated_pdf
from gynai.dicom.seg import build_seg
from gynai.dicom.source import synthesize_series
from gynai.dicom.sr import build_sr
from gynai.errors import InputFileError, OutputPathError, PacsConfigError, PacsError, UsageError
from gynai.io.images import read_image
from gynai.metrics.document import metrics_document
from gynai.pacs.client import DicomWebClient, check_study_date
from gynai.pacs.config import PacsConfig, config_from_dict, load_pacs_config
from gynai.pacs.records import store_outcomes
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

_spec = importlib.util.spec_from_file_location("gynai_test_orthanc_server", Path(__file__).with_name("orthanc_server.py"))
orthanc_server = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = orthanc_server
_spec.loader.exec_module(orthanc_server)

PATIENT_ID = "GYNAI-PACS-0001"
TINY = PhantomConfig(spacing_mm=(4.0, 4.0, 6.0), size_xyz=(48, 48, 8))


def gynai(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def write_config(path: Path, **values) -> Path:
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def save_series(series, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for number, dataset in enumerate(series.datasets):
        dataset.save_as(folder / f"{number:03d}.dcm", enforce_file_format=True)
    return folder


def small_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "GynAI test report - research use only")
    page.showPage()
    page.save()
    return buffer.getvalue()


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("gynai: error:")]


def fingerprint(folder: Path) -> dict:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    with orthanc_server.orthanc_or_fail(tmp_path_factory.mktemp("orthanc")) as server:
        yield server


@pytest.fixture(scope="module")
def config(orthanc, tmp_path_factory) -> Path:
    return write_config(tmp_path_factory.mktemp("pacs") / "pacs.json", url=orthanc.dicomweb_url,
                        username=orthanc_server.USERNAME, password=orthanc_server.PASSWORD, timeout_s=30)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A phantom and its generated MR series, saved in a folder (not yet on the PACS)."""
    phantom = generate_uterus_fibroid(1, [FibroidSpec("2", 14.0)], TINY)
    series = synthesize_series(phantom.image, patient_id=PATIENT_ID, patient_name="Test^Pacs",
                               series_description="T2 sagittal")
    return phantom, series, save_series(series, tmp_path_factory.mktemp("case") / "t2")


@pytest.fixture(scope="module")
def stored(case, config):
    """The case's series stored on the PACS."""
    with DicomWebClient(load_pacs_config(config)) as client:
        report = client.store([case[2]])
    assert len(report.stored) == len(case[1].datasets) and not report.failed
    return case


def test_query_finds_stored_study_and_retrieve_gives_same_volume(stored, config, tmp_path):
    phantom, series, folder = stored
    with DicomWebClient(load_pacs_config(config)) as client:
        studies = client.search_studies(patient_id=PATIENT_ID)
        assert [s.study_instance_uid for s in studies] == [series.study_instance_uid]
        assert studies[0].patient_name == "Test^Pacs" and "MR" in studies[0].modalities
        assert client.search_studies(patient_id=PATIENT_ID, modality="CT") == []
        assert client.search_studies(patient_id="NOBODY-0000") == []
        mr = [s for s in client.search_series(series.study_instance_uid) if s.modality == "MR"]
        assert len(mr) == 1 and mr[0].number_of_instances == len(series.datasets)
        assert mr[0].series_description == "T2 sagittal"
        files = client.retrieve_series(series.study_instance_uid, mr[0].series_instance_uid, tmp_path / "back")
    assert len(files) == len(series.datasets)
    assert {f.name for f in files} == {f"{ds.SOPInstanceUID}.dcm" for ds in series.datasets}
    back, local = read_image(tmp_path / "back"), read_image(folder)
    assert np.array_equal(back.array, local.array) and back.array.shape == phantom.image.array.shape
    assert np.allclose(back.geometry.ijk_to_lps(), phantom.image.geometry.ijk_to_lps(), atol=1e-3)
    assert [p.name for p in tmp_path.iterdir()] == ["back"]  # no staging folder left


def test_seg_sr_and_pdf_are_stored_into_the_study(stored, config, tmp_path):
    phantom, series, _ = stored
    seg, entries = build_seg(phantom.labels, series, "uterus-fibroid")
    sr = build_sr(metrics_document(phantom.image, phantom.labels, "uterus-fibroid"), seg, entries, series)
    pdf_bytes = small_pdf()
    pdf = build_encapsulated_pdf(pdf_bytes, series, also_references=[seg, sr])
    results = tmp_path / "dicom"
    results.mkdir()
    for name, dataset in (("seg.dcm", seg), ("sr.dcm", sr), ("report.pdf.dcm", pdf)):
        dataset.save_as(results / name, enforce_file_format=True)
    before = fingerprint(results)
    with DicomWebClient(load_pacs_config(config)) as client:
        report = client.store([results], study_uid=series.study_instance_uid)
        assert len(report.stored) == 3 and not report.failed
        found = {s.modality: s for s in client.search_series(series.study_instance_uid)}
        assert {"MR", "SEG", "SR", "DOC"} <= set(found)
        assert found["DOC"].series_instance_uid == pdf.SeriesInstanceUID
        client.retrieve_series(series.study_instance_uid, pdf.SeriesInstanceUID, tmp_path / "pdf")
    assert fingerprint(results) == before
    back = pydicom.dcmread(next((tmp_path / "pdf").iterdir()))
    assert back.SOPClassUID == ENCAPSULATED_PDF_STORAGE and back.PatientID == PATIENT_ID
    assert bytes(back.EncapsulatedDocument)[:back.EncapsulatedDocumentLength] == pdf_bytes


def test_instances_refused_by_the_pacs_are_reported_each(stored, config, tmp_path):
    phantom, series, _ = stored
    other = synthesize_series(phantom.image, patient_id="GYNAI-PACS-OTHER")
    folder = tmp_path / "mixed"
    folder.mkdir()
    series.datasets[0].save_as(folder / "same-study.dcm", enforce_file_format=True)
    other.datasets[0].save_as(folder / "other-study.dcm", enforce_file_format=True)
    with DicomWebClient(load_pacs_config(config)) as client:
        report = client.store([folder], study_uid=series.study_instance_uid)
    assert [Path(o.path).name for o in report.stored] == ["same-study.dcm"]
    assert [Path(o.path).name for o in report.failed] == ["other-study.dcm"]
    assert report.failed[0].sop_instance_uid == other.datasets[0].SOPInstanceUID and "0x" in report.failed[0].reason
    result = gynai("pacs", "store", "--config", config, "--study", series.study_instance_uid, folder)
    assert result.returncode == 2 and "refused 1 of 2" in result.stderr
    assert len(error_lines(result)) == 1 and "stored 1 of 2" in result.stdout


def test_cli_query_retrieve_and_store(stored, config, tmp_path):
    _, series, folder = stored
    listed = gynai("pacs", "query", "--config", config, "--patient-id", PATIENT_ID, "--modality", "MR",
                   "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    studies = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [s["study_instance_uid"] for s in studies] == [series.study_instance_uid]
    mr = [s for s in studies[0]["series"] if s["modality"] == "MR"]
    assert mr[0]["series_instance_uid"] == series.datasets[0].SeriesInstanceUID
    table = gynai("pacs", "query", "--config", config, "--patient-id", PATIENT_ID, "--study-date",
                  f"{series.datasets[0].StudyDate}-")
    assert table.returncode == 0 and series.study_instance_uid in table.stdout and "T2 sagittal" in table.stdout
    out = tmp_path / "retrieved"
    got = gynai("pacs", "retrieve", "--config", config, series.study_instance_uid,
                series.datasets[0].SeriesInstanceUID, "-o", out)
    assert got.returncode == 0, got.stderr
    assert len(list(out.glob("*.dcm"))) == len(series.datasets)
    again = gynai("pacs", "store", "--config", config, folder / "000.dcm", folder / "001.dcm")
    assert again.returncode == 0, again.stderr
    assert "stored 2 of 2" in again.stdout


def test_wrong_password_is_a_clear_error(orthanc, tmp_path):
    secret = "wrong-password-123"
    path = write_config(tmp_path / "bad.json", url=orthanc.dicomweb_url, username=orthanc_server.USERNAME,
                        password=secret)
    with DicomWebClient(load_pacs_config(path)) as client, pytest.raises(PacsError, match="HTTP 401") as error:
        client.search_studies()
    assert "credentials" in str(error.value) and str(path) in str(error.value) and secret not in str(error.value)
    result = gynai("-v", "pacs", "query", "--config", path)
    assert result.returncode == 2 and "refused the credentials" in result.stderr
    assert secret not in result.stderr + result.stdout


def test_unreachable_pacs_keeps_local_files(case, tmp_path):
    _, series, folder = case
    path = write_config(tmp_path / "down.json", url=f"http://127.0.0.1:{orthanc_server.free_port()}/dicom-web",
                        timeout_s=5)
    before = fingerprint(folder)
    with DicomWebClient(load_pacs_config(path)) as client, pytest.raises(PacsError, match="cannot reach"):
        client.store([folder])
    result = gynai("pacs", "store", "--config", path, folder)
    assert result.returncode == 2 and "connection refused" in result.stderr and "unchanged" in result.stderr
    assert len(error_lines(result)) == 1 and "cannot reach" in error_lines(result)[0]
    assert fingerprint(folder) == before
    out = tmp_path / "never"
    result = gynai("pacs", "retrieve", "--config", path, series.study_instance_uid,
                   series.datasets[0].SeriesInstanceUID, "-o", out)
    assert result.returncode == 2 and "cannot reach" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["down.json"]


def test_retrieve_refuses_a_non_empty_folder(stored, config, tmp_path):
    _, series, _ = stored
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("user data")
    with DicomWebClient(load_pacs_config(config)) as client, pytest.raises(OutputPathError, match="not an empty"):
        client.retrieve_series(series.study_instance_uid, series.datasets[0].SeriesInstanceUID, out)
    result = gynai("pacs", "retrieve", "--config", config, series.study_instance_uid,
                   series.datasets[0].SeriesInstanceUID, "-o", out)
    assert result.returncode == 2 and "not an empty folder" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"] and (out / "keep.txt").read_text() == "user data"
    with DicomWebClient(load_pacs_config(config)) as client, pytest.raises(PacsError, match="HTTP 404|no instances"):
        client.retrieve_series(series.study_instance_uid, "1.2.3.4.5", tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


def test_environment_proxy_is_ignored(stored, config, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with DicomWebClient(load_pacs_config(config)) as client:
        assert len(client.search_studies(patient_id=PATIENT_ID)) == 1


def test_encapsulated_pdf_is_valid_dicom(case, tmp_path):
    _, series, _ = case
    dciodvfy = shutil.which("dciodvfy")
    if dciodvfy is None:
        pytest.fail("dciodvfy (Debian package dicom3tools) is needed; .ci/run installs it")
    document = small_pdf()
    document += b" " * (1 - len(document) % 2)  # odd length: padded in DICOM, true length kept
    pdf = build_encapsulated_pdf(document, series)
    pdf.save_as(tmp_path / "report.dcm", enforce_file_format=True)
    check = subprocess.run([dciodvfy, str(tmp_path / "report.dcm")], capture_output=True, text=True)
    lines = (check.stdout + check.stderr).splitlines()
    assert [line for line in lines if line.startswith("Error")] == [] and "EncapsulatedPDF" in lines[0]
    back = pydicom.dcmread(tmp_path / "report.dcm")
    assert back.StudyInstanceUID == series.study_instance_uid and back.Modality == "DOC"
    assert back.SeriesInstanceUID != series.datasets[0].SeriesInstanceUID
    assert back.EncapsulatedDocumentLength == len(document) and len(back.EncapsulatedDocument) == len(document) + 1
    assert bytes(back.EncapsulatedDocument)[:len(document)] == document
    with pytest.raises(InputFileError, match="not a PDF"):
        build_encapsulated_pdf(b"<html></html>", series)


@pytest.mark.parametrize("values, message", [
    ({}, "'url' is required"), ({"url": "ftp://pacs/dicom-web"}, "http:// or https://"),
    ({"url": "http://user:pw@pacs/dicom-web"}, "must not contain credentials"),
    ({"url": "http://pacs", "username": "u"}, "together"),
    ({"url": "http://pacs", "token": "t", "username": "u", "password": "p"}, "not both"),
    ({"url": "http://pacs", "timeout_s": 0}, "positive number"), ({"url": "http://pacs", "timeout_s": "5"}, "positive"),
    ({"url": "http://pacs", "verify_tls": "yes"}, "true or false"), ({"url": "http://pacs", "pasword": "x"}, "pasword"),
    ({"url": "https://pacs", "ca_bundle": "/no/such/ca.pem"}, "not a file")])
def test_config_is_validated(values, message):
    with pytest.raises(PacsConfigError, match=message):
        config_from_dict(values)


def test_config_file_errors_and_secrets(tmp_path):
    with pytest.raises(PacsConfigError, match="does not exist"):
        load_pacs_config(tmp_path / "none.json")
    (tmp_path / "broken.json").write_text("{url: x}")
    with pytest.raises(PacsConfigError, match="not valid JSON"):
        load_pacs_config(tmp_path / "broken.json")
    config = load_pacs_config(write_config(tmp_path / "ok.json", url="https://pacs.example.org/dicom-web/",
                                           username="me", password="s3cret", timeout_s=12))
    assert config.url == "https://pacs.example.org/dicom-web" and config.timeout_s == 12.0 and config.verify_tls
    assert "s3cret" not in repr(config) and config.auth_kind == "basic"
    assert PacsConfig("http://localhost:8042/dicom-web", token="abc").auth_kind == "token"


def test_store_outcomes_and_filters():
    answer = {"00081199": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.1"]}}]},
              "00081198": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.2"]},
                                                  "00081197": {"vr": "US", "Value": [0xA900]}}]}}
    outcomes = store_outcomes(answer, {"1.2.1": "a.dcm", "1.2.2": "b.dcm", "1.2.3": "c.dcm"})
    assert [(o.stored, o.reason) for o in outcomes] == [
        (True, None), (False, "data set does not match SOP class (0xA900)"),
        (False, "the PACS did not report on this instance")]
    assert check_study_date("20240101-20241231") == "20240101-20241231"
    for bad in ("2024", "20241301", "20240101-2024", "", "-"):
        with pytest.raises(UsageError):
            check_study_date(bad)


@pytest.mark.parametrize("pattern", ["{prefix}*", "{prefix}?{rest}", "*"])
def test_wildcard_patient_search_finds_the_study(stored, config, pattern):
    """Issue 17, finding 7: DICOM wildcards in the patient ID match on the real server."""
    _, series, _ = stored
    text = pattern.format(prefix=PATIENT_ID[:4], rest=PATIENT_ID[5:])
    with DicomWebClient(load_pacs_config(config)) as client:
        studies = client.search_studies(patient_id=text)
    assert series.study_instance_uid in [study.study_instance_uid for study in studies], text
