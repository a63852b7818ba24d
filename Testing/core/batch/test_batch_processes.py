"""Issue 17, finding 8: batch workers end with their parent, and a case can have a deadline."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gynai.batch import run as run_module

HERE = Path(__file__).parent


def fake_inputs(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(f"stand-in image {name}".encode())
    return folder


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return "\nState:\tZ" not in state


def test_a_case_past_its_deadline_is_stopped_and_the_others_finish(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))                          # the case processes import the stand-in
    import batch_fakes

    monkeypatch.setattr(run_module, "process_case", batch_fakes.slow_or_done)
    start = time.monotonic()
    result = run_module.run_batch(fake_inputs(tmp_path / "in", "a.nrrd", "slow.nrrd", "z.nrrd"), tmp_path / "out",
                                  "uterus-fibroid", workers=1, report_formats=(), case_timeout_s=20)
    assert time.monotonic() - start < 120
    assert [row["case_id"] for row in result.failed] == ["slow"]
    assert "--case-timeout-s" in result.failed[0]["reason"]
    assert sorted(row["case_id"] for row in result.done) == ["a", "z"]


def test_a_bad_deadline_is_refused(tmp_path):
    from gynai.errors import UsageError

    with pytest.raises(UsageError, match="--case-timeout-s"):
        run_module.run_batch(fake_inputs(tmp_path / "in", "a.nrrd"), tmp_path / "out", "uterus-fibroid",
                             case_timeout_s=-3)


BATCH_PARENT = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    import batch_fakes
    from gynai.batch import run as run_module
    run_module.process_case = batch_fakes.record_pid_then_hang
    run_module.run_batch(sys.argv[2], sys.argv[3], "uterus-fibroid", workers=2, report_formats=(),
                         case_timeout_s=float(sys.argv[4]) if len(sys.argv) > 4 else None)
""")


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 of a process tree: POSIX")
@pytest.mark.parametrize("deadline", [None, "300"], ids=["pool", "per-case-processes"])
def test_workers_end_when_the_batch_is_killed(tmp_path, deadline):
    inputs = fake_inputs(tmp_path / "in", "a.nrrd", "b.nrrd", "c.nrrd")
    out = tmp_path / "out"
    command = [sys.executable, "-c", BATCH_PARENT, str(HERE), str(inputs), str(out)] + ([deadline] if deadline else [])
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline_s = time.monotonic() + 120
        while len(list(tmp_path.glob("*.worker"))) < 2 and time.monotonic() < deadline_s:
            time.sleep(0.2)
        workers = [int(path.stem) for path in tmp_path.glob("*.worker")]
        assert len(workers) == 2, "the workers did not start"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        ended = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < ended:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), "batch workers outlived their parent"
    finally:
        parent.kill()
        for path in tmp_path.glob("*.worker"):
            try:
                os.kill(int(path.stem), signal.SIGKILL)
            except ProcessLookupError:
                pass
    leftovers = [path.name for path in (out / "cases").iterdir()]
    assert leftovers, "the killed cases should have left staging folders for the next run to clean"
    from gynai.batch.run import prepare_output

    prepare_output(out, "uterus-fibroid")                           # the next run's start
    assert [path.name for path in (out / "cases").iterdir()] == []
