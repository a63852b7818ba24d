"""`gynai batch`: 20 phantom cases with 3 broken ones, cohort table, failure reasons, resume, workers."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from gynai.batch.inputs import discover_cases
from gynai.image import Geometry, Image
from gynai.io.images import write_image
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
        assert (output / "cases" / row["case_id"] / "segmentation.seg.nrrd").is_file()
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
