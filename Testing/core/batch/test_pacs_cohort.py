"""``gynai batch --from-pacs``: the cohort query, then a real Orthanc (started on loopback) holding four phantom
series of which two match: only those are retrieved and processed; ``--store-results`` puts SEG, SR and PDF
into their studies; re-runs store nothing twice and retrieve nothing again."""

import importlib.util
import json
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from gynai.batch.pacs_cohort import run_pacs_batch
from gynai.batch.pacs_query import CohortQuery, parse_cohort_query, series_case_id, wildcard_match
from gynai.dicom.pdf import ENCAPSULATED_PDF_STORAGE
from gynai.dicom.source import synthesize_series
from gynai.errors import InputFileError, PacsError, UsageError
from gynai.pacs.client import DicomWebClient
from gynai.pacs.config import load_pacs_config
from gynai.pacs.records import SeriesRecord, StudyRecord
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

_spec = importlib.util.spec_from_file_location(
    "gynai_test_orthanc_server", Path(__file__).parents[1] / "pacs" / "orthanc_server.py")
orthanc_server = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = orthanc_server
    _spec.loader.exec_module(orthanc_server)

TASK = "uterus-fibroid"
TINY = PhantomConfig(spacing_mm=(4.0, 4.0, 6.0), size_xyz=(48, 48, 8))
QUERY = "StudyDate=20250101-20251231,Modality=MR,SeriesDescription=*T2*SAG*,PatientID=GYNAI-COH-*"
SEG_STORAGE, COMPREHENSIVE_3D_SR = "1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.88.34"
SOP_CLASS, SOP_INSTANCE, REFERENCED_SERIES, SERIES_UID = "00080016", "00080018", "00081115", "0020000E"


# --- the query, on its own -------------------------------------------------------------------------------------

def test_query_is_parsed_into_its_conditions():
    query = parse_cohort_query(" StudyDate=20250101-20251231, modality=mr ,SeriesDescription=*T2*SAG*,"
                               "PatientID=P?01,StudyDescription=Pelvis*")
    assert query == CohortQuery("20250101-20251231", "MR", "*T2*SAG*", "P?01", "Pelvis*")
    assert query.to_dict()["Modality"] == "MR" and parse_cohort_query("StudyDate=20250314-").study_date


@pytest.mark.parametrize("text, message", [
    ("", "the query is empty"), ("Modality", "is not Key=Value"), ("SeriesNumber=3", "unknown key 'SeriesNumber'"),
    ("Modality=MR,Modality=CT", "Modality is given twice"), ("PatientID=", "PatientID has no value"),
    ("StudyDate=2025", "YYYYMMDD"), ("StudyDate=20251301", "not a calendar date"), ("Modality=M R", "modality code"),
    ("SeriesDescription=a\\b", "backslashes")])
def test_malformed_queries_are_refused_in_one_line(text, message):
    with pytest.raises(UsageError, match=message) as error:
        parse_cohort_query(text)
    assert "\n" not in str(error.value) and str(error.value).startswith("--query:")
    if "unknown" in message or "empty" in message:
        assert "StudyDate, Modality, SeriesDescription, PatientID, StudyDescription" in str(error.value)


def test_wildcards_and_series_matching():
    assert wildcard_match("*T2*SAG*", "t2_tse_sag") and not wildcard_match("*T2*SAG*", "T2 TSE AX")
    assert wildcard_match("T?", "t2") and not wildcard_match("T?", "T22") and wildcard_match("[a]*", "[A] x")
    assert not wildcard_match("P1", "p1", ignore_case=False) and not wildcard_match("*", None)
    query = parse_cohort_query("Modality=MR,SeriesDescription=*sag*,StudyDate=20250101-20250131")
    assert query.matches_series(SeriesRecord("1.2", "1.2.3", "MR", 3, "T2 SAG"))
    assert not query.matches_series(SeriesRecord("1.2", "1.2.4", "SEG", 901, "GynAI SEG sag"))
    assert not query.matches_series(SeriesRecord("1.2", "1.2.5", "CT", 4, "sag"))
    assert query.matches_study(StudyRecord("1.2", study_date="20250131"))
    assert not query.matches_study(StudyRecord("1.2", study_date="20250201"))   # a server that ignored the date
    anything = parse_cohort_query("StudyDate=20250101-")
    assert not anything.matches_series(SeriesRecord("1.2", "1.2.6", "SR", 902, "GynAI measurements"))


def test_a_long_search_pages_through_every_study_and_says_where_it_stopped(monkeypatch, caplog):
    from gynai.batch import pacs_cohort

    archive = [StudyRecord(f"1.2.{number}", patient_id=f"P{number}", study_date="20250601", modalities=("MR",))
               for number in range(7)]

    class Paging:
        def search_studies(self, patient_id, study_date, modality, limit, offset):
            return archive[offset:offset + limit]

    monkeypatch.setattr(pacs_cohort, "PAGE_STUDIES", 3)
    query = parse_cohort_query("Modality=MR")
    assert [study.patient_id for study in pacs_cohort._search_studies(Paging(), query)] == \
        [f"P{number}" for number in range(7)]                         # pages of 3, 3 and 1
    assert "stopped" not in caplog.text
    monkeypatch.setattr(pacs_cohort, "MAX_STUDIES", 6)
    assert len(pacs_cohort._search_studies(Paging(), query)) == 6
    assert "the PACS search stopped at 6 studies; split the query" in caplog.text


def test_case_ids_are_readable_stable_and_distinct():
    study = StudyRecord("1.2", patient_id="Doe/Jane 7", study_date="20250314")
    first, second = SeriesRecord("1.2", "1.2.3", "MR", 3), SeriesRecord("1.2", "1.2.4", "MR", 3)
    case_id = series_case_id(study, first)
    assert case_id.startswith("Doe-Jane-7_20250314_s3_") and case_id == series_case_id(study, first)
    assert case_id != series_case_id(study, second)
    assert series_case_id(StudyRecord("1.2"), SeriesRecord("1.2", "1.2.3")).startswith("anon_nodate_s_")


# --- against a real Orthanc ----------------------------------------------------------------------------------

def _series(seed, patient_id, study_date, number, description, study_uid=None):
    phantom = generate_uterus_fibroid(seed, [FibroidSpec("2", 14.0)], TINY)
    series = synthesize_series(phantom.image, patient_id=patient_id, series_description=description)
    series_uid = generate_uid()
    for dataset in series.datasets:
        dataset.StudyDate, dataset.SeriesNumber, dataset.SeriesDescription = study_date, number, description
        dataset.SeriesInstanceUID = series_uid
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        if study_uid:
            dataset.StudyInstanceUID = study_uid
    return series.datasets


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    with orthanc_server.orthanc_or_fail(tmp_path_factory.mktemp("orthanc")) as server:
        yield server


@pytest.fixture(scope="module")
def config(orthanc, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pacs") / "pacs.json"
    path.write_text(json.dumps({"url": orthanc.dicomweb_url, "username": orthanc_server.USERNAME,
                                "password": orthanc_server.PASSWORD, "timeout_s": 30}))
    return path


@pytest.fixture(scope="module")
def cohort(config, tmp_path_factory):
    """Four series on the PACS: two match QUERY (A sagittal, C sagittal), two do not (A axial: description;
    B: study date). Returns {name: first dataset}."""
    sag_a = _series(1, "GYNAI-COH-A", "20250314", 3, "T2 TSE SAG")
    series = {"A-sag": sag_a, "A-ax": _series(1, "GYNAI-COH-A", "20250314", 4, "T2 TSE AX", sag_a[0].StudyInstanceUID),
              "B-sag": _series(2, "GYNAI-COH-B", "20240601", 3, "t2_sag"),
              "C-sag": _series(3, "GYNAI-COH-C", "20251001", 5, "t2 blade sag")}
    folder = tmp_path_factory.mktemp("upload")
    for name, datasets in series.items():
        for number, dataset in enumerate(datasets):
            dataset.save_as(folder / f"{name}-{number:03d}.dcm", enforce_file_format=True)
    with DicomWebClient(load_pacs_config(config)) as client:
        stored = client.store([folder])
    assert len(stored.stored) == sum(len(d) for d in series.values()) and not stored.failed
    return {name: datasets[0] for name, datasets in series.items()}


def _retrieved_series(output: Path) -> set[str]:
    return {pydicom.dcmread(next(folder.iterdir()), stop_before_pixels=True).SeriesInstanceUID
            for folder in (output / "pacs" / "series").iterdir()}


def _results_on_pacs(config, source) -> dict[str, list[dict]]:
    """Modality → metadata of the instances of each GynAI result series in the source's study."""
    found: dict[str, list[dict]] = {}
    with DicomWebClient(load_pacs_config(config)) as client:
        for series in client.search_series(source.StudyInstanceUID):
            if series.modality in ("SEG", "SR", "DOC"):
                found.setdefault(series.modality, []).extend(
                    client.series_metadata(source.StudyInstanceUID, series.series_instance_uid))
    return found


def _value(item, tag):
    return item[tag]["Value"][0]


def test_only_matching_series_are_retrieved_and_processed(cohort, config, tmp_path):
    output = tmp_path / "out"
    messages = []
    result = run_pacs_batch(config, QUERY, output, TASK, progress=lambda f, m: messages.append((f, m)),
                            report_formats=())
    assert result.ok and result.matched == 2 and len(result.retrieved) == 2 and result.batch is not None
    assert len(result.batch.done) == 2 and not result.batch.failed
    assert _retrieved_series(output) == {cohort["A-sag"].SeriesInstanceUID, cohort["C-sag"].SeriesInstanceUID}
    cases = sorted(p.name for p in (output / "cases").iterdir())
    assert cases == sorted(result.retrieved) and cases[0].startswith("GYNAI-COH-A_20250314_s3_")
    assert cases[1].startswith("GYNAI-COH-C_20251001_s5_")
    summary = json.loads((output / "summary.json").read_text())
    assert summary["done"] == 2 and summary["pacs"]["matched"] == 2 and summary["pacs"]["stored"] == 0
    record = json.loads((output / "pacs.json").read_text())
    assert {entry["series_instance_uid"] for entry in record["series"].values()} == _retrieved_series(output)
    assert "password" not in (output / "pacs.json").read_text()
    assert [f for f, _ in messages] == sorted(f for f, _ in messages) and messages[-1][0] == 1.0
    assert _results_on_pacs(config, cohort["A-sag"]) == {}                  # nothing stored without the flag


def test_a_pacs_cohort_runs_on_a_dask_cluster_with_the_same_results(cohort, config, tmp_path):
    import csv

    def rows(output):
        with open(output / "cohort.csv", newline="") as stream:
            return [{k: v for k, v in row.items() if k not in ("seconds", "image")} for row in csv.DictReader(stream)]

    here = run_pacs_batch(config, QUERY, tmp_path / "here", TASK, report_formats=())
    there = run_pacs_batch(config, QUERY, tmp_path / "there", TASK, report_formats=(), scheduler="local", workers=2)
    assert here.ok and there.ok and len(there.batch.done) == 2
    assert [row["case_id"] for row in rows(tmp_path / "there")] == sorted(there.retrieved)
    assert rows(tmp_path / "here") == rows(tmp_path / "there")


def test_store_results_then_re_runs_store_nothing_twice(cohort, config, tmp_path, monkeypatch, capsys):
    output = tmp_path / "out"
    real_store = DicomWebClient.store

    def refuse_study_c(self, paths, study_uid=None, **kwargs):
        if study_uid == cohort["C-sag"].StudyInstanceUID:
            raise PacsError("PACS store of 3 instance(s) failed: the server answered HTTP 500 (test)")
        return real_store(self, paths, study_uid=study_uid, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(DicomWebClient, "store", refuse_study_c)
        first = run_pacs_batch(config, QUERY, output, TASK, store_results=True, report_formats=("json",))
    case_a, case_c = sorted(first.retrieved)
    assert first.stored == [case_a] and [f["case_id"] for f in first.store_failed] == [case_c]
    assert not first.ok and "HTTP 500" in first.store_failed[0]["reason"]
    assert (output / "cases" / case_a / "report" / "report.pdf").is_file()          # pdf and dicom were added
    assert _results_on_pacs(config, cohort["C-sag"]) == {}

    calls = {"retrieve": 0, "store": 0}
    real_retrieve = DicomWebClient.retrieve_series

    def counting(name, real):
        def call(self, *args, **kwargs):
            calls[name] += 1
            return real(self, *args, **kwargs)
        return call

    monkeypatch.setattr(DicomWebClient, "retrieve_series", counting("retrieve", real_retrieve))
    monkeypatch.setattr(DicomWebClient, "store", counting("store", real_store))
    second = run_pacs_batch(config, QUERY, output, TASK, store_results=True, report_formats=("json",))
    assert second.ok and second.stored == [case_c] and second.already_stored == [case_a]
    assert calls == {"retrieve": 0, "store": 1} and sorted(second.reused) == [case_a, case_c]
    assert second.batch.resumed == 2

    record = json.loads((output / "pacs.json").read_text())["series"]
    for name, case_id in (("A-sag", case_a), ("C-sag", case_c)):
        source = cohort[name]
        found = _results_on_pacs(config, source)
        assert {modality: len(items) for modality, items in found.items()} == {"SEG": 1, "SR": 1, "DOC": 1}
        assert [_value(found["SEG"][0], SOP_CLASS), _value(found["SR"][0], SOP_CLASS),
                _value(found["DOC"][0], SOP_CLASS)] == [SEG_STORAGE, COMPREHENSIVE_3D_SR, ENCAPSULATED_PDF_STORAGE]
        assert _value(found["SEG"][0]["00081115"]["Value"][0], SERIES_UID) == source.SeriesInstanceUID
        assert record[case_id]["store"]["status"] == "stored"
        assert record[case_id]["store"]["sop_instance_uids"] == {
            "seg": _value(found["SEG"][0], SOP_INSTANCE), "sr": _value(found["SR"][0], SOP_INSTANCE),
            "pdf": _value(found["DOC"][0], SOP_INSTANCE)}
    assert "SEG" not in _results_on_pacs(config, cohort["B-sag"])                   # a study not matched

    (output / "pacs.json").unlink()                   # without the local record, the PACS says what is stored
    from gynai.cli.main import main                                          # third run, from the command line
    code = main(["batch", "--from-pacs", str(config), "--query", QUERY, str(output), "--task", TASK,
                 "--store-results", "--report-format", "json"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "2 kept from earlier runs" in err and "results stored for 0 case(s), 2 already stored, 0 failed" in err
    assert calls == {"retrieve": 0, "store": 1}
    assert {m: len(items) for m, items in _results_on_pacs(config, cohort["A-sag"]).items()} == \
        {"SEG": 1, "SR": 1, "DOC": 1}
    summary = json.loads((output / "summary.json").read_text())
    assert (summary["pacs"]["already_stored"], summary["pacs"]["stored"], summary["resumed"]) == (2, 0, 2)
    record = json.loads((output / "pacs.json").read_text())["series"]
    assert [record[case]["store"].get("found_on_pacs") for case in (case_a, case_c)] == [True, True]

    fresh = tmp_path / "elsewhere"                                       # another output: nothing to do at all
    elsewhere = run_pacs_batch(config, QUERY, fresh, TASK, store_results=True)
    assert sorted(elsewhere.results_on_pacs) == [case_a, case_c] and elsewhere.batch is None and elsewhere.ok
    assert calls == {"retrieve": 0, "store": 1} and list((fresh / "pacs" / "series").iterdir()) == []


def test_a_series_that_cannot_be_retrieved_is_recorded_and_retried(cohort, config, tmp_path, monkeypatch):
    output = tmp_path / "out"
    real_retrieve = DicomWebClient.retrieve_series

    def fail_study_c(self, study_uid, series_uid, folder):
        if study_uid == cohort["C-sag"].StudyInstanceUID:
            raise PacsError("PACS retrieval of series x failed: the server answered HTTP 503 (test)")
        return real_retrieve(self, study_uid, series_uid, folder)

    with monkeypatch.context() as patched:
        patched.setattr(DicomWebClient, "retrieve_series", fail_study_c)
        first = run_pacs_batch(config, QUERY, output, TASK, report_formats=())
    assert not first.ok and len(first.retrieved) == 1 and len(first.retrieve_failed) == 1
    assert first.retrieve_failed[0]["case_id"].startswith("GYNAI-COH-C_") and len(first.batch.done) == 1
    assert _retrieved_series(output) == {cohort["A-sag"].SeriesInstanceUID}
    summary = json.loads((output / "summary.json").read_text())
    assert "HTTP 503" in summary["pacs"]["retrieve_failures"][0]["reason"] and summary["done"] == 1
    second = run_pacs_batch(config, QUERY, output, TASK, report_formats=())
    assert second.ok and second.retrieved == [first.retrieve_failed[0]["case_id"]] and second.reused == first.retrieved
    assert second.batch.resumed == 1 and len(second.batch.done) == 2


def test_no_match_or_unreachable_pacs_writes_nothing(cohort, config, tmp_path):
    output = tmp_path / "out"
    with pytest.raises(InputFileError, match="no series on the PACS matches"):
        run_pacs_batch(config, "PatientID=GYNAI-COH-*,SeriesDescription=*DIXON*", output, TASK)
    down = tmp_path / "down.json"
    down.write_text(json.dumps({"url": f"http://127.0.0.1:{orthanc_server.free_port()}/dicom-web", "timeout_s": 5}))
    with pytest.raises(PacsError, match="cannot reach"):
        run_pacs_batch(down, QUERY, output, TASK)
    assert not output.exists()


@pytest.mark.parametrize("args, message", [
    (["--query", "Modality=MR", "IN", "OUT"], "--query selects series of a PACS: use it with --from-pacs"),
    (["--store-results", "IN", "OUT"], "--store-results stores results on a PACS"),
    (["--from-pacs", "PACS.json", "--query", "Modality=MR", "IN", "OUT"], "give OUTPUT only, not INPUT (IN) too"),
    (["--from-pacs", "PACS.json", "OUT"], "--from-pacs needs --query"),
    (["--from-pacs", "PACS.json", "--query", "Modality=MR"], "--from-pacs needs OUTPUT"),
    (["OUT"], "gynai batch needs INPUT and OUTPUT"),
    (["--from-pacs", "{config}", "--query", "Colour=red", "OUT"], "--query: unknown key 'Colour'"),
    (["--from-pacs", "{missing}", "--query", "Modality=MR", "OUT"], "does not exist")])
def test_cli_argument_errors_are_one_line(args, message, tmp_path, capsys, monkeypatch):
    from gynai.cli.main import main

    monkeypatch.chdir(tmp_path)
    config = tmp_path / "pacs.json"
    config.write_text(json.dumps({"url": "http://127.0.0.1:9/dicom-web"}))
    args = [a.format(config=config, missing=tmp_path / "none.json") for a in args]
    code = main(["batch", *args, "--task", TASK])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pacs.json"]
