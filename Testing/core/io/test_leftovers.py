"""Issue 17, finding 8: temporary files and staged folders of a killed run are removed by the next run,
and a command stopped by SIGTERM removes what it was writing and says so in one line."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from gynai.image import Geometry, Image
from gynai.io.images import write_image
from gynai.io.leftovers import remove_leftovers

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from gynai.io.safe_write import atomic_output, staged_folder
    folder = Path(sys.argv[1])
    with staged_folder(folder / "report") as staging, atomic_output(folder / "labels.seg.nrrd") as temporary:
        (staging / "report.json").write_text("{")
        temporary.write_text("half")
        print("ready", flush=True)
        time.sleep(600)
""")

STOPPED_COMMAND = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from gynai.cli import commands
    from gynai.cli.main import main
    from gynai.io.safe_write import atomic_output, staged_folder

    def slow_phantom(args):
        with staged_folder(args.output.parent / "report") as staging, atomic_output(args.output) as temporary:
            (staging / "a.json").write_text("{")
            temporary.write_text("half")
            print("ready", flush=True)
            time.sleep(600)

    commands.run_phantom = slow_phantom
    sys.exit(main(["phantom", "--task", "placenta", "-o", sys.argv[1]]))
""")


def start_and_wait(script, *arguments):
    process = subprocess.Popen([sys.executable, "-c", script, *map(str, arguments)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_next_write_removes_what_a_killed_run_left(tmp_path):
    process = start_and_wait(WRITER, tmp_path)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    left = sorted(path.name for path in tmp_path.iterdir())
    assert len(left) == 2 and all(name.startswith(".") for name in left)
    write_image(Image(np.zeros((3, 3, 3), np.int16), Geometry()), tmp_path / "image.nrrd")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["image.nrrd"]


def test_entries_of_running_processes_and_other_files_are_kept(tmp_path):
    mine = tmp_path / f".tmp-{os.getpid()}-abcd.nrrd"
    gone = tmp_path / f".tmp-{dead_pid()}-abcd.nrrd"
    gone_folder = tmp_path / f".case.staging-{dead_pid()}-xyz"
    unowned_old = tmp_path / ".tmp-q1w2e3r4.nrrd"                   # written by an earlier GynAI version
    unowned_new = tmp_path / ".tmp-z9x8c7v6.nrrd"
    other = tmp_path / ".hidden-settings"
    for path in (mine, gone, unowned_old, unowned_new, other):
        path.write_text("x")
    gone_folder.mkdir()
    (gone_folder / "metrics.json").write_text("{")
    two_hours_ago = time.time() - 7200
    os.utime(unowned_old, (two_hours_ago, two_hours_ago))
    assert remove_leftovers(tmp_path) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([mine.name, unowned_new.name, other.name])


def test_sigterm_removes_the_files_being_written_and_exits_with_one_line(tmp_path):
    output = tmp_path / "out" / "phantom.nrrd"
    process = start_and_wait(STOPPED_COMMAND, output)
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert len(error.strip().splitlines()) == 1 and "stopped by SIGTERM" in error
    assert list((tmp_path / "out").iterdir()) == []
