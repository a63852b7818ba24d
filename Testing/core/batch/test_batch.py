"""`gynai batch`: 20 phantom cases with 3 broken ones, cohort table, failure reasons, resume, workers."""

import csv
import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from gynai.batch.inputs import discover_cases
from gynai.image import Geometry, Image
from gynai.io.images import write_image
from gynai.io.segnrrd import read_seg_provenance
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

GRID = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))
GOOD = 17
CT_LIKE = "patient16"                                   # one of the good cases, with air at -1000 like a CT


def batch(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "batch", *map(str, args)],
                          capture_output=True, text=True, timeout=900)


def read_cohort(path):
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def cohort_input(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch") / "input"
    folder.mkdir()
    truth = {}
    for seed in range(GOOD):
        case = generate_uterus_fibroid(seed, [FibroidSpec("4", 14.0)], GRID)
        image = case.image
        if f"patient{seed:02d}" == CT_LIKE:                                          # mixed modality
            array = image.array.copy()
            array[:, :, :30] = -1000.0
            image = Image(array, image.geometry)
        write_image(image, folder / f"patient{seed:02d}.nrrd")
        truth[f"patient{seed:02d}"] = float((case.labels.array > 0).sum()) * case.image.geometry.voxel_volume_mm3 / 1000
    good = (folder / "patient00.nrrd").read_bytes()
    (folder / "truncated.nrrd").write_bytes(good[: len(good) // 3])                       # corrupt file
    write_image(Image(np.random.default_rng(0).random((1, 64, 64)).astype(np.float32), Geometry()),
                folder / "single-slice.nrrd")                                             # 2D image
    write_image(Image(np.full((20, 96, 96), 7.0, np.float32), Geometry((2.0, 2.0, 4.0))),
                folder / "blank.nrrd")                                                    # no contrast
    (folder / "notes.txt").write_text("not an image")
    return folder, truth


def test_twenty_cases_three_broken_then_resume(cohort_input, tmp_path):
    folder, truth = cohort_input
    output = tmp_path / "out"
    first = batch(folder, output, "--task", "uterus-fibroid")
    assert first.returncode == 3, first.stderr                    # finished, but some cases failed
    summary = json.loads((output / "summary.json").read_text())
    assert (summary["cases"], summary["done"], summary["failed"]) == (20, GOOD, 3)
    reasons = {f["case_id"]: f["reason"] for f in summary["failures"]}
    assert set(reasons) == {"truncated", "single-slice", "blank"}
    assert "not a readable image" in reasons["truncated"] or "incomplete" in reasons["truncated"]
    assert "2D" in reasons["single-slice"] or "slice" in reasons["single-slice"]
    assert "contrast" in reasons["blank"]
    assert all("\n" not in reason for reason in reasons.values())
    assert summary["skipped"] == [{"entry": "notes.txt", "reason": summary["skipped"][0]["reason"]}]
    ct_warned = [case for case, notes in summary["case_warnings"].items() if any("look like CT" in n for n in notes)]
    assert ct_warned == [CT_LIKE]
    rows = read_cohort(output / "cohort.csv")
    done = [r for r in rows if r["status"] == "done"]
    assert len(done) == GOOD and [r["case_id"] for r in rows if r["status"] == "failed"] == sorted(reasons)
    for row in done:
        metrics = json.loads((output / "cases" / row["case_id"] / "metrics.json").read_text())
        assert float(row["uterine_volume_ml"]) == pytest.approx(metrics["fibroid_map"]["uterine_volume_ml"], rel=1e-3)
        if row["case_id"] != CT_LIKE:
            assert float(row["uterine_volume_ml"]) == pytest.approx(truth[row["case_id"]], rel=0.15)   # model output
        assert ("look like CT" in row["warnings"]) is (row["case_id"] == CT_LIKE)
        seg_provenance = read_seg_provenance(output / "cases" / row["case_id"] / "segmentation.seg.nrrd")
        assert seg_provenance["name"] == metrics["model"]["name"] and seg_provenance["edited"] is False
        assert (output / "cases" / row["case_id"] / "report" / "report.html").is_file()
    assert sorted(p.name for p in (output / "cases").iterdir()) == sorted(r["case_id"] for r in done)
    stamps = {p.name: (p / "case.json").stat().st_mtime_ns for p in (output / "cases").iterdir()}

    (folder / "blank.nrrd").unlink()                              # the user fixes one broken case
    generated = generate_uterus_fibroid(99, [FibroidSpec("2", 12.0)], GRID)
    write_image(generated.image, folder / "blank.nrrd")
    second = batch(folder, output, "--task", "uterus-fibroid")
    assert second.returncode == 3 and "resuming: 17 finished case(s) kept, 3 to process" in second.stderr
    summary = json.loads((output / "summary.json").read_text())
    assert (summary["done"], summary["failed"], summary["resumed"]) == (GOOD + 1, 2, GOOD)
    assert {p.name: (p / "case.json").stat().st_mtime_ns for p in (output / "cases").iterdir()
            if p.name in stamps} == stamps                       # finished cases were not recomputed
    assert (output / "cases" / "blank" / "metrics.json").is_file()
    (folder / "blank.nrrd").unlink()


def test_two_workers_give_the_same_results(cohort_input, tmp_path):
    folder, _ = cohort_input
    subset = tmp_path / "subset"
    subset.mkdir()
    for name in ("patient01.nrrd", "patient02.nrrd", "patient03.nrrd", "truncated.nrrd"):
        (subset / name).write_bytes((folder / name).read_bytes())
    one, two = batch(subset, tmp_path / "w1", "--task", "uterus-fibroid", "--report-format", "none"), \
        batch(subset, tmp_path / "w2", "--task", "uterus-fibroid", "--report-format", "none", "--workers", "2")
    assert one.returncode == two.returncode == 3
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("seconds",)} for r in rows]  # noqa: E731
    assert strip(read_cohort(tmp_path / "w1" / "cohort.csv")) == strip(read_cohort(tmp_path / "w2" / "cohort.csv"))
    assert not (tmp_path / "w1" / "cases" / "patient01" / "report").exists()


def test_csv_list_duplicates_and_bad_outputs(cohort_input, tmp_path):
    folder, _ = cohort_input
    listing = tmp_path / "cases.csv"
    listing.write_text("case_id,image\n" + f"a,{folder / 'patient04.nrrd'}\n" + f"a,{folder / 'patient05.nrrd'}\n"
                       + ",missing.nrrd\n")
    inputs = discover_cases(listing)
    assert [c.case_id for c in inputs.cases] == ["a", "a-2", "missing"]
    assert inputs.warnings and "duplicate case name 'a'" in inputs.warnings[0]
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("user data")
    refused = batch(listing, busy, "--task", "uterus-fibroid")
    assert refused.returncode == 2 and "not a GynAI batch output" in refused.stderr
    assert [p.name for p in busy.iterdir()] == ["mine.txt"]
    blocker = tmp_path / "a-file"
    blocker.write_text("")                                        # a folder cannot be made under a file
    unwritable = batch(listing, blocker / "out", "--task", "uterus-fibroid")
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr
    missing = batch(tmp_path / "nothing-here", tmp_path / "o", "--task", "uterus-fibroid")
    assert missing.returncode == 2 and "neither a folder nor a .csv" in missing.stderr


# --- Fast tests: the per-case work (segment, measure, report) replaced by a stand-in -------------------------

@pytest.fixture
def fake_run(monkeypatch):
    """``gynai.batch.case._run`` writes a metrics.json only; returns the list of case ids it ran."""
    from gynai.batch import case as case_module
    from gynai.models.selection import load_task_bundle

    calls = []
    models = {}

    def run(case, task, staging, device, threads, report_formats, stated_modality):
        declared = "US" if case.image.stem.endswith("-us") else ""       # stands for a header that says US
        used = "" if declared else stated_modality
        modality = declared or used
        if (task, modality) not in models:
            info = load_task_bundle(task, modality=modality or None)
            models[task, modality] = {"name": info.name, "version": info.version}
        calls.append(case.case_id)
        document = {"task": task, "model": models[task, modality]}
        (staging / "metrics.json").write_text(json.dumps(document))
        return document, [], modality, used

    monkeypatch.setattr(case_module, "_run", run)
    return calls


def fake_inputs(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(f"stand-in image {name}".encode())
    return folder


def cli(capsys, *args):
    from gynai.cli.main import main

    code = main(["batch", *map(str, args)])
    return code, capsys.readouterr().err


def test_duplicate_names_get_free_ids_and_keep_every_result(fake_run, tmp_path):
    from gynai.batch import run_batch

    folder = fake_inputs(tmp_path / "in", "case-2.nrrd", "case.nii.gz", "case.nrrd")
    inputs = discover_cases(folder)
    assert {c.case_id: c.image.name for c in inputs.cases} == \
        {"case-2": "case-2.nrrd", "case": "case.nii.gz", "case-3": "case.nrrd"}
    assert inputs.warnings == ["duplicate case name 'case': case.nrrd is processed as 'case-3'"]
    result = run_batch(folder, tmp_path / "out", "uterus-fibroid", report_formats=())
    assert len(result.done) == 3 and not result.failed
    for case in inputs.cases:
        recorded = json.loads((tmp_path / "out" / "cases" / case.case_id / "case.json").read_text())
        assert recorded["image"] == str(case.image)
    listing = tmp_path / "list.csv"                               # a CSV's given ids are reserved the same way
    listing.write_text("case_id,image\na,in/case.nrrd\na,in/case-2.nrrd\na-2,in/case.nii.gz\nA,in/case.nrrd\n")
    assert [c.case_id for c in discover_cases(listing).cases] == ["a", "a-3", "a-2", "A-4"]


def test_a_finished_folder_of_another_image_is_never_replaced(fake_run, tmp_path):
    from gynai.batch import run_batch

    first = fake_inputs(tmp_path / "first", "x.nrrd")
    output = tmp_path / "out"
    run_batch(first, output, "uterus-fibroid", report_formats=())
    before = (output / "cases" / "x" / "case.json").read_text()
    other = fake_inputs(tmp_path / "second", "x.nrrd")
    result = run_batch(other, output, "uterus-fibroid", report_formats=())
    assert [row["case_id"] for row in result.failed] == ["x"]
    assert "finished result of another image" in result.failed[0]["reason"]
    assert (output / "cases" / "x" / "case.json").read_text() == before


def test_resume_only_with_the_same_task_model_formats_and_input(fake_run, tmp_path, capsys, monkeypatch):
    folder = fake_inputs(tmp_path / "in", "a.nrrd", "b.nrrd")
    output = tmp_path / "out"
    code, err = cli(capsys, folder, output, "--task", "uterus-fibroid", "--report-format", "none")
    assert code == 0 and fake_run == ["a", "b"]
    settings = json.loads((output / "cases" / "a" / "case.json").read_text())["settings"]
    assert settings["task"] == "uterus-fibroid" and settings["report_formats"] == [] and settings["model"]["name"]
    assert cli(capsys, folder, output, "--task", "uterus-fibroid", "--report-format", "none")[0] == 0
    assert fake_run == ["a", "b"]                                                 # nothing changed: both kept

    fake_run.clear()
    code, err = cli(capsys, folder, output, "--task", "uterus-fibroid", "--report-format", "json")
    assert code == 0 and fake_run == ["a", "b"] and "report formats changed" in err
    (folder / "b.nrrd").write_bytes(b"a new version of the image")
    fake_run.clear()
    assert cli(capsys, folder, output, "--task", "uterus-fibroid", "--report-format", "json")[0] == 0
    assert fake_run == ["b"]

    from gynai.models import selection

    real = selection.load_task_bundle
    fake_run.clear()
    with monkeypatch.context() as patched:
        patched.setattr(selection, "load_task_bundle", lambda task, *a, **k: dataclasses.replace(real(task), version="9"))
        assert cli(capsys, folder, output, "--task", "uterus-fibroid", "--report-format", "json")[0] == 0
    assert fake_run == ["a", "b"]                                                 # another model version

    kept = {p.name: (p / "case.json").read_text() for p in (output / "cases").iterdir()}
    marker = (output / ".gynai-batch").read_text()
    code, err = cli(capsys, folder, output, "--task", "placenta")
    assert code == 2 and err.count("\n") == 1 and "holds a batch of task 'uterus-fibroid'" in err
    assert {p.name: (p / "case.json").read_text() for p in (output / "cases").iterdir()} == kept
    assert (output / ".gynai-batch").read_text() == marker


def test_the_batch_modality_fills_in_only_for_files_without_one(fake_run, tmp_path, capsys):
    folder = fake_inputs(tmp_path / "in", "a.nrrd", "b-us.nrrd")          # b's header declares US (see fake_run)
    output = tmp_path / "out"
    arguments = (folder, output, "--task", "adnexal-mass", "--report-format", "none")

    def settings(case_id):
        return json.loads((output / "cases" / case_id / "case.json").read_text())["settings"]

    assert cli(capsys, *arguments)[0] == 0 and fake_run == ["a", "b-us"]
    assert settings("a")["modality"] == "" and settings("a")["model"]["name"] == "GynAI adnexal-mass"
    assert settings("b-us")["modality"] == "US" and settings("b-us")["model"]["name"] == "GynAI adnexal-mass ultrasound"
    fake_run.clear()
    assert cli(capsys, *arguments)[0] == 0 and fake_run == []               # the US case kept with the US model
    code, err = cli(capsys, *arguments, "--modality", "US")
    assert code == 0 and fake_run == ["a"] and "stated modality changed" in err   # only the file without one
    assert settings("a") | {"input": None} == settings("b-us") | {"input": None, "stated_modality": "US"}
    fake_run.clear()
    assert cli(capsys, *arguments, "--modality", "US")[0] == 0 and fake_run == []
    assert cli(capsys, *arguments)[0] == 0 and fake_run == ["a"]


def test_a_real_batch_of_ultrasound_files_runs_the_ultrasound_model(tmp_path):
    from gynai.batch import run_batch
    from gynai.phantom import UltrasoundConfig, generate_adnexal_mass_us

    folder = tmp_path / "in"
    folder.mkdir()
    case = generate_adnexal_mass_us(1000005, UltrasoundConfig(spacing_mm=1.2, depth_mm=100.0))
    write_image(Image(case.image.array, case.image.geometry), folder / "us.nii.gz")      # NIfTI: no modality
    result = run_batch(folder, tmp_path / "out", "adnexal-mass", report_formats=("json",), modality="US")
    assert len(result.done) == 1 and not result.failed
    recorded = json.loads((tmp_path / "out" / "cases" / "us" / "case.json").read_text())["settings"]
    assert recorded["modality"] == "US" and recorded["stated_modality"] == "US"
    assert recorded["model"]["name"] == "GynAI adnexal-mass ultrasound"
    metrics = json.loads((tmp_path / "out" / "cases" / "us" / "metrics.json").read_text())
    assert metrics["adnexal"]["modality"] == "US" and metrics["adnexal"]["present"]
    assert "output_notes" in json.loads((tmp_path / "out" / "cases" / "us" / "report" / "report.json").read_text())


def test_cli_reports_progress_after_every_case(fake_run, tmp_path, capsys):
    names = [f"c{number:02d}.nrrd" for number in range(12)]                      # several cases per 10 % step
    code, err = cli(capsys, fake_inputs(tmp_path / "in", *names), tmp_path / "out", "--task", "uterus-fibroid")
    assert code == 0
    lines = [line.split("% ", 1)[1] for line in err.splitlines() if line.startswith("batch ")]
    assert [line.split(";")[0] for line in lines] == \
        [f"case {number + 1}/12: c{number:02d} done" for number in range(12)]
    assert [line.split("; ")[1] for line in lines] == \
        [f"{number + 1} done, 0 failed, {min(1, 11 - number)} running" for number in range(12)]
    assert "cases/min; about" in lines[0] and "left" not in lines[-1]


def test_an_unexpected_exception_fails_only_its_case(fake_run, tmp_path, monkeypatch):
    from gynai.batch import case as case_module
    from gynai.batch import run_batch

    stand_in = case_module._run

    def run(case, *args):
        if case.case_id == "b":
            raise KeyError("no such\nkey")
        return stand_in(case, *args)

    monkeypatch.setattr(case_module, "_run", run)
    messages = []
    result = run_batch(fake_inputs(tmp_path / "in", "a.nrrd", "b.nrrd", "c.nrrd"), tmp_path / "out", "uterus-fibroid",
                       report_formats=(), progress=lambda fraction, message: messages.append((fraction, message)))
    assert [row["case_id"] for row in result.done] == ["a", "c"]
    assert [row["reason"] for row in result.failed] == ["KeyError: 'no such\\nkey'"]
    assert [(fraction, message.split(";")[0]) for fraction, message in messages] == \
        [(pytest.approx(1 / 3), "case 1/3: a done"), (pytest.approx(2 / 3), "case 2/3: b failed"),
         (1.0, "case 3/3: c done")]
    assert messages[-1][1].split("; ")[1] == "2 done, 1 failed, 0 running"
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["failed"] == 1
    assert not [p for p in (tmp_path / "out" / "cases").iterdir() if p.name.startswith(".")]   # no staging left


def test_a_dying_worker_fails_its_case_and_the_rest_continue(tmp_path, monkeypatch):
    from pathlib import Path

    from gynai.batch import run as run_module

    monkeypatch.syspath_prepend(str(Path(__file__).parent))         # worker processes import the stand-in
    import batch_fakes

    monkeypatch.setattr(run_module, "process_case", batch_fakes.crash_or_done)
    names = ("a1.nrrd", "a2.nrrd", "crash.nrrd", "z1.nrrd", "z2.nrrd", "z3.nrrd")
    messages = []
    result = run_module.run_batch(fake_inputs(tmp_path / "in", *names), tmp_path / "out", "uterus-fibroid", workers=2,
                                  report_formats=(), progress=lambda fraction, message: messages.append(message))
    failed = {row["case_id"]: row["reason"] for row in result.failed}
    assert "crash" in failed and set(failed) <= {"a1", "a2", "crash", "z1"}   # at most one case ran alongside
    assert all(reason.startswith("worker process crashed") for reason in failed.values())
    assert {"z2", "z3"} <= {row["case_id"] for row in result.done} and len(messages) == len(names)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["done"] + summary["failed"], summary["failed"]) == (6, len(failed))
    assert len(read_cohort(tmp_path / "out" / "cohort.csv")) == 6


def test_disk_full_while_writing_the_cohort_table(fake_run, tmp_path, capsys, monkeypatch):
    import errno
    import pathlib

    real_write_text = pathlib.Path.write_text

    def write_text(self, text, *args, **kwargs):
        if self.name.endswith(".tmp"):
            real_write_text(self, text[:10], *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, text, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    output = tmp_path / "out"
    code, err = cli(capsys, fake_inputs(tmp_path / "in", "a.nrrd"), output, "--task", "uterus-fibroid")
    assert code == 2 and err.endswith("\n") and err.splitlines()[-1].startswith("gynai: error: cannot write")
    assert "No space left on device" in err and "Traceback" not in err
    assert not list(output.glob(".*.tmp")) and not (output / "cohort.csv").exists()
    assert json.loads((output / "cases" / "a" / "case.json").read_text())["status"] == "done"


def test_the_outcome_is_one_line_of_counts_and_a_warning_per_failed_case(tmp_path, caplog):
    """What `gynai batch` (folder, CSV or --from-pacs) prints when it ends."""
    import logging

    from gynai.batch.run import BatchResult

    result = BatchResult(tmp_path / "out", done=[{"case_id": "a"}, {"case_id": "b"}],
                         failed=[{"case_id": "c", "reason": "unreadable image"}], resumed=1,
                         skipped=[("notes.txt", "not an image")])
    with caplog.at_level(logging.INFO, logger="gynai.test"):
        result.log_outcome(logging.getLogger("gynai.test"))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", f"batch: 2 case(s) done (1 resumed), 1 failed, 1 input(s) skipped; cohort table "
                 f"{tmp_path / 'out' / 'cohort.csv'}"),
        ("WARNING", "failed c: unreadable image")]
