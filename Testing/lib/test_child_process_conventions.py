"""The child process follows Slicer's conventions (slicer.util.launchConsoleProcess at Slicer v5.10.0):
Slicer's startup environment instead of Slicer's own ``os.environ`` inside the application, PythonSlicer as
the interpreter, and a hidden console window on Windows. Stand-ins play Slicer and Windows here."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "GynAI"))
from GynAILib import child_process  # noqa: E402
from gynai.cli import runner  # noqa: E402

STARTUP = {"PATH": "/usr/bin", "HOME": "/home/user", "GYNAI_MODELS_DIR": "/models", "PYTHONPATH": "/user/site"}


@pytest.fixture()
def in_slicer(monkeypatch, tmp_path):
    """``slicer`` as inside the Slicer application: ``app.startupEnvironment`` and ``util.startupEnvironment``
    (which returns a dict), and a PythonSlicer next to the application."""
    (tmp_path / "PythonSlicer").write_text("")
    app = types.SimpleNamespace(startupEnvironment=lambda: "QProcessEnvironment",
                                applicationDirPath=lambda: str(tmp_path))
    util = types.SimpleNamespace(startupEnvironment=lambda: dict(STARTUP))
    monkeypatch.setitem(sys.modules, "slicer", types.SimpleNamespace(app=app, util=util))
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/Slicer/lib/Slicer-5.10")        # what Slicer's launcher added
    monkeypatch.setenv("QT_PLUGIN_PATH", "/opt/Slicer/lib/QtPlugins")
    return tmp_path


def test_child_starts_from_slicers_startup_environment(in_slicer):
    env = child_process.child_environment()
    assert "LD_LIBRARY_PATH" not in env and "QT_PLUGIN_PATH" not in env      # Slicer's own additions
    assert env["HOME"] == "/home/user" and env["GYNAI_MODELS_DIR"] == "/models"
    package_root = str(Path(child_process.__file__).resolve().parents[1])
    assert env["PYTHONPATH"].split(os.pathsep) == [package_root, "/user/site"]
    assert env["PYTHONUNBUFFERED"] == "1"
    assert child_process.default_python_executable() == str(in_slicer / "PythonSlicer")


def test_pythonslicer_on_path_when_not_next_to_the_application(in_slicer, monkeypatch, tmp_path_factory):
    (in_slicer / "PythonSlicer").unlink()
    folder = tmp_path_factory.mktemp("bin")
    (folder / "PythonSlicer").write_text("")
    (folder / "PythonSlicer").chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    assert child_process.default_python_executable() == str(folder / "PythonSlicer")


def test_outside_slicer_the_child_inherits_this_environment(monkeypatch):
    monkeypatch.setitem(sys.modules, "slicer", types.SimpleNamespace(util=types.SimpleNamespace()))  # slicer-core
    monkeypatch.setenv("GYNAI_TEST_MARK", "kept")
    env = child_process.child_environment()
    assert env["GYNAI_TEST_MARK"] == "kept"
    assert child_process.default_python_executable() == sys.executable


def test_windows_console_window_is_hidden():
    class StartupInfo:
        def __init__(self):
            self.dwFlags, self.wShowWindow = 0, 5       # SW_SHOW until told otherwise

    windows = types.SimpleNamespace(STARTUPINFO=StartupInfo, STARTF_USESHOWWINDOW=1, CREATE_NEW_PROCESS_GROUP=0x200)
    options = runner.popen_options("nt", windows)
    assert options["startupinfo"].dwFlags & windows.STARTF_USESHOWWINDOW
    assert options["startupinfo"].wShowWindow == 0                           # SW_HIDE, as launchConsoleProcess
    assert options["creationflags"] == windows.CREATE_NEW_PROCESS_GROUP       # Cancel stops the whole tree
    assert runner.popen_options("posix") == {"start_new_session": True}


def test_child_process_uses_the_platform_options(monkeypatch):
    calls = []
    real = runner.popen_options

    def recording(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(runner, "popen_options", recording)
    child = runner.ChildProcess([sys.executable, "-c", "print('{\"event\": \"done\", \"output\": \"x\"}')"])
    assert child.wait(timeout_s=60) == {"event": "done", "output": "x"}
    assert calls == [()]
