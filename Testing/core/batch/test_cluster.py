"""`gynai batch --scheduler`: cases on real Dask scheduler and worker processes on loopback, and on a
LocalCluster: the same results as the local pool, a killed worker loses no case, a case that kills its
workers fails alone after one retry, resume, and the errors a user can make."""

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))                      # the test helpers beside this file
from dask_processes import dask_cluster, wait_for_workers  # noqa: E402
from gynai.batch import run as run_module  # noqa: E402
from gynai.batch.cluster import WORKER_DIED, check_scheduler  # noqa: E402
from gynai.errors import ClusterError, UsageError  # noqa: E402
from gynai.io.images import write_image  # noqa: E402
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid  # noqa: E402

GRID = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))


def cli_batch(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "batch", *map(str, args)],
                          capture_output=True, text=True, timeout=900)


def cohort(folder):
    with open(folder / "cohort.csv", newline="") as stream:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(stream)]


def fake_inputs(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"stand-in")                   # the fake cases never read them
    return folder


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_cluster(tmp_path_factory.mktemp("dask")) as address:
        yield address


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))        # LocalCluster workers import the stand-ins
    import batch_fakes

    return batch_fakes


@pytest.fixture(scope="module")
def phantoms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster-input")
    for seed in range(3):
        image = generate_uterus_fibroid(seed, [FibroidSpec("4", 16.0)], GRID).image
        write_image(image, folder / f"p{seed}.nrrd")
    good = (folder / "p0.nrrd").read_bytes()
    (folder / "cut.nrrd").write_bytes(good[: len(good) // 2])       # a broken case fails alone
    return folder


def test_real_scheduler_and_workers_give_the_local_results_then_resume(cluster, phantoms, tmp_path):
    local = cli_batch(phantoms, tmp_path / "local", "--task", "uterus-fibroid", "--report-format", "json")
    on_cluster = cli_batch(phantoms, tmp_path / "dask", "--task", "uterus-fibroid", "--report-format", "json",
                           "--scheduler", cluster)
    assert local.returncode == on_cluster.returncode == 3, on_cluster.stderr          # the broken case failed
    assert f"on 2 Dask worker thread(s) at {cluster}" in on_cluster.stderr
    assert "Dask dashboard: http://127.0.0.1:" in on_cluster.stderr
    assert cohort(tmp_path / "local") == cohort(tmp_path / "dask")
    assert [row["status"] for row in cohort(tmp_path / "dask")] == ["done", "done", "done", "failed"]
    for case in ("p0", "p1", "p2"):
        local_metrics, cluster_metrics = (json.loads((tmp_path / run / "cases" / case / "metrics.json").read_text())
                                          for run in ("local", "dask"))
        assert local_metrics.pop("created") != "" and cluster_metrics.pop("created") != ""
        assert local_metrics == cluster_metrics                    # every figure and note the same
    stamps = {case: (tmp_path / "dask" / "cases" / case / "case.json").stat().st_mtime_ns for case in ("p0", "p1")}
    again = cli_batch(phantoms, tmp_path / "dask", "--task", "uterus-fibroid", "--report-format", "json",
                      "--scheduler", cluster)
    assert again.returncode == 3 and "resuming: 3 finished case(s) kept, 1 to process" in again.stderr
    assert {case: (tmp_path / "dask" / "cases" / case / "case.json").stat().st_mtime_ns for case in stamps} == stamps


def test_a_killed_worker_loses_no_case(cluster, fakes, tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "process_case", fakes.slow_with_pid)
    names = [f"c{number}.nrrd" for number in range(6)]
    source = fake_inputs(tmp_path / "in", *names)
    output = tmp_path / "out"
    results = {}
    runner = threading.Thread(target=lambda: results.update(batch=run_module.run_batch(
        source, output, "uterus-fibroid", report_formats=(), scheduler=cluster)))
    runner.start()
    deadline = time.monotonic() + 60
    while not list(output.glob("*.running")):
        assert time.monotonic() < deadline, "no case started"
        time.sleep(0.05)
    victim = sorted(output.glob("*.running"))[0]
    killed_case, pid = victim.name.split(".")[:2]
    os.kill(int(pid), signal.SIGKILL)                               # the worker dies while it holds the case
    runner.join(timeout=300)
    result = results["batch"]
    assert [row["case_id"] for row in result.failed] == []
    assert sorted(row["case_id"] for row in result.done) == [f"c{number}" for number in range(6)]
    runs = sorted(path.name.split(".")[1] for path in output.glob(f"{killed_case}.*.running"))
    assert len(runs) == 2 and pid in runs                           # it ran again, on another worker process
    wait_for_workers(cluster, 2)                                    # the nanny restarted the killed one


def test_a_case_that_kills_its_workers_fails_alone_after_one_retry(fakes, tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "process_case", fakes.crash_or_done)
    names = ("a.nrrd", "b.nrrd", "crash.nrrd", "d.nrrd", "e.nrrd")
    messages = []
    result = run_module.run_batch(fake_inputs(tmp_path / "in", *names), tmp_path / "out", "uterus-fibroid",
                                  workers=2, report_formats=(), scheduler="local",
                                  progress=lambda fraction, message: messages.append(message))
    assert [(row["case_id"], row["reason"]) for row in result.failed] == [("crash", WORKER_DIED)]
    assert sorted(row["case_id"] for row in result.done) == ["a", "b", "d", "e"]
    assert messages[-1].endswith("4 done, 1 failed, 0 running") or "4 done, 1 failed, 0 running;" in messages[-1]
    rows = {row["case_id"]: row for row in cohort(tmp_path / "out")}
    assert rows["crash"]["status"] == "failed" and rows["crash"]["reason"] == WORKER_DIED


def test_scheduler_errors_are_one_line(tmp_path, monkeypatch, capsys):
    from gynai.batch import cluster
    from gynai.cli.main import main

    source = fake_inputs(tmp_path / "in", "a.nrrd")
    for bad in ("localhost:8786", "http://host:8786", "tcp://", "tcp://a b:1"):
        with pytest.raises(UsageError, match="--scheduler must be 'local' or a Dask scheduler address"):
            check_scheduler(bad)
    assert check_scheduler(" LOCAL ") == "local" and check_scheduler("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    with pytest.raises(UsageError, match="--case-timeout-s works with this machine's processes only"):
        run_module.run_batch(source, tmp_path / "out", "uterus-fibroid", scheduler="local", case_timeout_s=5)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2.0)
    code = main(["batch", str(source), str(tmp_path / "out"), "--task", "uterus-fibroid",
                 "--scheduler", "tcp://127.0.0.1:9"])                # nothing listens on the discard port
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in last and "dask scheduler" in last
    assert not (tmp_path / "out").exists()                          # refused before anything was written
    with pytest.raises(ClusterError, match="cannot reach"):
        run_module.run_batch(source, tmp_path / "out", "uterus-fibroid", scheduler="tcp://127.0.0.1:9")


def test_a_worker_loads_its_model_once_and_uses_as_many_itk_threads_as_torch(monkeypatch):
    import SimpleITK as sitk
    import torch

    from gynai.batch.cluster import ModelPlugin
    from gynai.inference import loaded
    from gynai.models import verified as verified_models

    before = (torch.get_num_threads(), sitk.ProcessObject.GetGlobalDefaultNumberOfThreads())
    verified = []
    real = verified_models.verify_entry
    monkeypatch.setattr(verified_models, "verify_entry", lambda entry: (verified.append(entry.name), real(entry)))
    loaded.forget_loaded()
    try:
        torch.set_num_threads(1)                                    # what a nanny's OMP_NUM_THREADS=1 gives
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(2)
        ModelPlugin("uterus-fibroid", [""], "cpu").setup()
        assert sitk.ProcessObject.GetGlobalDefaultNumberOfThreads() == 1
        assert verified == ["uterus-fibroid"]                      # verified (SHA-256) when the worker joins
        loaded.load_task_model("uterus-fibroid")                   # the worker's cases reuse it
        assert verified == ["uterus-fibroid"]
    finally:
        torch.set_num_threads(before[0])
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(before[1])
        loaded.forget_loaded()


def test_workers_that_cannot_write_the_output_or_use_the_model_stop_the_batch_in_one_line():
    from gynai.batch.cluster import ModelPlugin, prepare_workers
    from gynai.errors import ModelError, OutputPathError

    class Client:
        """What a scheduler answers: per worker whether it can write the folder; the plugin's own error."""

        def __init__(self, writable, plugin_error=None, run_error=None):
            self.writable, self.plugin_error, self.run_error, self.plugins = writable, plugin_error, run_error, []

        def run(self, function, folder):
            if self.run_error:
                raise self.run_error
            return {address: ok for address, ok in self.writable.items()}

        def register_plugin(self, plugin, name):
            if self.plugin_error:
                raise self.plugin_error
            self.plugins.append(name)

    plugin = ModelPlugin("uterus-fibroid", [""], "cpu")
    fine = Client({"tcp://a:1": True, "tcp://b:1": True})
    prepare_workers(fine, "/shared/out/cases", plugin)
    assert fine.plugins == ["gynai-models"]
    with pytest.raises(OutputPathError, match=r"Dask worker tcp://b:1 cannot write into /shared/out/cases: put the "
                                              r"batch output on a filesystem the workers share"):
        prepare_workers(Client({"tcp://a:1": True, "tcp://b:1": False}), "/shared/out/cases", plugin)
    broken = ModelError("model file /x/model.pt fails its SHA-256 check; the file is corrupt or was modified: "
                        "reinstall it")
    with pytest.raises(ModelError, match="a Dask worker cannot use the model: model file /x/model.pt fails its "
                                         "SHA-256 check"):
        prepare_workers(Client({"tcp://a:1": True}, plugin_error=broken), "/shared/out/cases", plugin)
    with pytest.raises(ClusterError, match=r"a Dask worker cannot run GynAI \(ModuleNotFoundError: No module named "
                                           r"'gynai'\); install the same GynAI in the workers' environment"):
        prepare_workers(Client({}, run_error=ModuleNotFoundError("No module named 'gynai'")), "/x", plugin)
