"""The GynAI module's batch panel job (GynAILib.batch_job): the real `gynai batch` in a child process."""

import sys
import time
from pathlib import Path

import pytest

from gynai.errors import CancelledError, ProcessFailedError
from gynai.io.images import write_image
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "GynAI"))
from GynAILib.batch_job import BatchJob  # noqa: E402

GRID = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel") / "in"
    folder.mkdir()
    for seed in range(4):
        write_image(generate_uterus_fibroid(seed, [FibroidSpec("4", 14.0)], GRID).image, folder / f"c{seed}.nrrd")
    (folder / "broken.nrrd").write_bytes(b"NRRD0004\n")
    return folder


def test_batch_job_reports_progress_and_failures(cases, tmp_path):
    job = BatchJob(cases, tmp_path / "out", "uterus-fibroid", report_formats=("json",), python_executable=sys.executable)
    summary = job.wait(timeout_s=600)
    assert (summary["done"], summary["failed"]) == (4, 1)
    assert summary["failures"][0]["case_id"] == "broken" and job.fraction == pytest.approx(1.0)
    with pytest.raises(ProcessFailedError, match="not a GynAI batch output"):
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "x.txt").write_text("mine")
        BatchJob(cases, busy, "uterus-fibroid", python_executable=sys.executable).wait(timeout_s=120)


def test_cancel_then_resume(cases, tmp_path):
    job = BatchJob(cases, tmp_path / "out", "uterus-fibroid", report_formats=(), python_executable=sys.executable)
    deadline = time.monotonic() + 300
    while job.poll() < 0.4 and not job.finished and time.monotonic() < deadline:   # the broken case and one good case done
        time.sleep(0.05)
    job.cancel()
    with pytest.raises(CancelledError, match="resume"):
        job.summary()
    finished = [p.name for p in (tmp_path / "out" / "cases").iterdir() if (p / "case.json").is_file()]
    assert 1 <= len(finished) < 5
    resumed = BatchJob(cases, tmp_path / "out", "uterus-fibroid", report_formats=(),
                       python_executable=sys.executable).wait(timeout_s=600)
    assert resumed["done"] == 4 and resumed["resumed"] == len(finished)


def test_a_batch_on_a_local_dask_cluster_from_the_panel_job(cases, tmp_path):
    job = BatchJob(cases, tmp_path / "out", "uterus-fibroid", workers=2, report_formats=(),
                   python_executable=sys.executable, scheduler="local")
    deadline = time.monotonic() + 600
    messages = set()
    while not job.finished and time.monotonic() < deadline:            # what the panel's timer does
        job.poll()
        messages.add(job.message)
        time.sleep(0.05)
    summary = job.summary()
    assert (summary["done"], summary["failed"]) == (4, 1) and job.fraction == pytest.approx(1.0)
    assert any("4 done, 1 failed, 0 running" in message for message in messages)   # the cluster's tally
    with pytest.raises(ProcessFailedError, match="--scheduler must be 'local' or a Dask scheduler address"):
        BatchJob(cases, tmp_path / "bad", "uterus-fibroid", python_executable=sys.executable,
                 scheduler="localhost:8786").wait(timeout_s=120)
