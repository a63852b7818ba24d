"""Child-process runner: JSON-line events, failures with reasons, Cancel kills the whole process tree."""

import os
import sys
import time
from pathlib import Path

import pytest

from gynai.errors import CancelledError, ProcessFailedError
from gynai.cli.runner import ChildProcess, gynai_command, parse_event

FAKE = str(Path(__file__).resolve().parents[2] / "fixtures" / "fake_child.py")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent) counts as gone
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_parse_event_kinds():
    assert parse_event('{"event": "progress", "fraction": 0.5, "message": "m"}').fraction == 0.5
    assert parse_event("plain text").kind == "log"
    assert parse_event('{"event": "unknown"}').kind == "log"
    assert parse_event('[1, 2]').kind == "log"


def test_events_and_result_in_order():
    child = ChildProcess([sys.executable, FAKE, "ok"])
    events = []
    result = child.wait(on_event=events.append, timeout_s=30)
    assert result["output"] == "fake.seg.nrrd"
    assert [e.kind for e in events] == ["log", "progress", "progress", "progress", "done"]
    assert [round(e.fraction, 3) for e in events if e.kind == "progress"] == [0.333, 0.667, 1.0]
    assert child.returncode == 0


def test_crash_reports_last_stderr_line():
    child = ChildProcess([sys.executable, FAKE, "crash"])
    with pytest.raises(ProcessFailedError, match="exit code 1.*simulated crash"):
        child.wait(timeout_s=30)


def test_error_event_message_is_the_reason():
    child = ChildProcess([sys.executable, FAKE, "error"])
    with pytest.raises(ProcessFailedError, match="exit code 2.*is 2D; give a 3D volume"):
        child.wait(timeout_s=30)


def test_exit_without_result_is_a_failure():
    with pytest.raises(ProcessFailedError, match="no result reported"):
        ChildProcess([sys.executable, FAKE, "silent"]).wait(timeout_s=30)


@pytest.mark.skipif(os.name != "posix", reason="process-group check uses POSIX signals")
def test_cancel_kills_child_and_grandchild(tmp_path):
    pid_file = tmp_path / "pids"
    child = ChildProcess([sys.executable, FAKE, "slow", str(pid_file)])
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text().strip()) or not child.poll():
        assert time.monotonic() < deadline, "fake child did not start"
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    assert _alive(child.pid) and _alive(grandchild)
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child.pid) and not _alive(grandchild)
    with pytest.raises(CancelledError):
        child.outcome()


def test_cancelling_from_the_event_callback():
    child = ChildProcess([sys.executable, FAKE, "slow", os.devnull])

    def on_event(event):
        if event.kind == "progress" and event.fraction > 0.005:
            raise CancelledError("user pressed Cancel")

    with pytest.raises(CancelledError):
        child.wait(on_event=on_event, timeout_s=30)
    assert not child.running


def test_real_cli_child_reports_bad_input(tmp_path):
    child = ChildProcess(gynai_command(["segment", str(tmp_path / "missing.nrrd"), "--task", "uterus-fibroid",
                                        "-o", str(tmp_path / "out.seg.nrrd")]))
    with pytest.raises(ProcessFailedError, match="missing.nrrd does not exist"):
        child.wait(timeout_s=120)
    assert not (tmp_path / "out.seg.nrrd").exists()
