"""Run a GynAI command in a child process and follow its JSON-line events; cancel kills its process tree.

The Slicer GUI runs inference this way so that the application stays responsive and Cancel is
immediate. The child (``gynai --json-progress segment ...``) writes one JSON object per stdout line::

    {"event": "progress", "fraction": 0.42, "message": "window 12/30"}
    {"event": "done", "output": "/tmp/.../segmentation.seg.nrrd"}
    {"event": "error", "message": "input.nrrd is 2D; ..."}

Other stdout lines become ``log`` events; stderr is kept (last lines) to explain a crash. The runner is
Qt-free: a GUI calls :meth:`ChildProcess.poll` from a timer, a script calls :meth:`ChildProcess.wait`.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from gynai.errors import CancelledError, ProcessFailedError

logger = logging.getLogger(__name__)

STDERR_LINES_KEPT = 40


@dataclass
class JobEvent:
    """One event of the child: ``progress``, ``log``, ``done`` or ``error``."""

    kind: str
    fraction: float = 0.0
    message: str = ""
    data: dict = field(default_factory=dict)


def parse_event(line: str) -> JobEvent:
    """Turn one stdout line into an event (non-JSON lines are ``log`` events)."""
    text = line.strip()
    try:
        item = json.loads(text)
    except ValueError:
        return JobEvent("log", message=text)
    if not isinstance(item, dict) or item.get("event") not in ("progress", "done", "error", "log"):
        return JobEvent("log", message=text)
    fraction = item.get("fraction", 0.0)
    return JobEvent(item["event"], float(fraction) if isinstance(fraction, (int, float)) else 0.0,
                    str(item.get("message", "")), item)


SW_HIDE = 0
"""``wShowWindow`` value that hides a window (Windows ``ShowWindow`` constants)."""


def popen_options(os_name: Optional[str] = None, subprocess_module: Any = subprocess) -> dict[str, Any]:
    """Platform keyword arguments of ``subprocess.Popen`` for a child that can be cancelled as a whole.

    POSIX: a new session (the child leads a process group that :meth:`ChildProcess.cancel` signals). Windows:
    a new process group, and the console window hidden with ``STARTUPINFO`` (``STARTF_USESHOWWINDOW``,
    ``SW_HIDE``), as Slicer's ``slicer.util.launchConsoleProcess`` does (Slicer v5.10.0,
    ``Base/Python/slicer/util.py``), so that no console flashes up next to Slicer.

    Args:
        os_name: ``os.name`` (default: this platform's).
        subprocess_module: The ``subprocess`` module (tests pass a stand-in with the Windows names).
    """
    if (os_name or os.name) == "posix":
        return {"start_new_session": True}
    startupinfo = subprocess_module.STARTUPINFO()
    startupinfo.dwFlags |= subprocess_module.STARTF_USESHOWWINDOW
    startupinfo.wShowWindow = SW_HIDE
    return {"startupinfo": startupinfo, "creationflags": subprocess_module.CREATE_NEW_PROCESS_GROUP}


def gynai_command(arguments: Sequence[str], python_executable: Optional[str] = None) -> list[str]:
    """Command line running the ``gynai`` CLI with JSON progress in a (given or this) Python interpreter."""
    return [python_executable or sys.executable, "-m", "gynai.cli.main", "--json-progress", *arguments]


class ChildProcess:
    """A child process whose stdout events are collected by a reader thread.

    Args:
        command: Program and arguments.
        env: Environment (default: this process's).
        cwd: Working folder.
    """

    def __init__(self, command: Sequence[str], env: Optional[dict] = None, cwd: Optional[str] = None) -> None:
        self.command = list(command)
        self._events: "queue.Queue[JobEvent]" = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES_KEPT)
        self.cancelled = False
        self.error_message = ""
        self.result: dict = {}
        self.fraction = 0.0
        self._process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         stdin=subprocess.DEVNULL, env=env, cwd=cwd, text=True, bufsize=1,
                                         encoding="utf-8", errors="replace", **popen_options())
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()
        logger.debug("started child %d: %s", self._process.pid, " ".join(self.command))

    @property
    def pid(self) -> int:
        """Process id of the child (the leader of its process group on POSIX)."""
        return self._process.pid

    def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.strip():
                self._events.put(parse_event(line))

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip())

    @property
    def running(self) -> bool:
        """True while the child has not exited."""
        return self._process.poll() is None

    @property
    def finished(self) -> bool:
        """True once the child has exited and all its output has been read."""
        return not self.running and not any(reader.is_alive() for reader in self._readers) and self._events.empty()

    @property
    def returncode(self) -> Optional[int]:
        """Exit status (None while running)."""
        return self._process.poll()

    def poll(self) -> list[JobEvent]:
        """Events received since the last call (never blocks)."""
        events = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return events
            if event.kind == "progress":
                self.fraction = event.fraction
            elif event.kind == "done":
                self.result = event.data
            elif event.kind == "error":
                self.error_message = event.message
            events.append(event)

    def cancel(self, grace_s: float = 3.0) -> None:
        """Stop the child and everything it started: terminate, then kill after ``grace_s`` seconds."""
        self.cancelled = True
        if not self.running:
            return
        self._signal_tree(signal.SIGTERM)
        try:
            self._process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self._signal_tree(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
            self._process.wait(timeout=grace_s)
        if os.name == "posix":  # grandchildren may outlive the leader: make sure the group is gone
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        logger.info("cancelled child %d", self._process.pid)

    def _signal_tree(self, signal_number: int) -> None:
        if os.name == "posix":
            try:
                os.killpg(self._process.pid, signal_number)
            except ProcessLookupError:
                pass
        else:  # pragma: no cover - Windows
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(self._process.pid)], capture_output=True,
                           check=False)

    def wait(self, on_event: Optional[Callable[[JobEvent], None]] = None, timeout_s: Optional[float] = None,
             interval_s: float = 0.05) -> dict:
        """Block until the child ends, passing events to ``on_event``; return its ``done`` event data.

        Raises:
            CancelledError: If the job was cancelled (also when ``on_event`` raises it).
            ProcessFailedError: If the child failed; the message is its error event or its last stderr line.
        """
        start = time.monotonic()
        try:
            while not self.finished:
                for event in self.poll():
                    if on_event is not None:
                        on_event(event)
                if timeout_s is not None and time.monotonic() - start > timeout_s:
                    self.cancel()
                    raise ProcessFailedError(f"child process took longer than {timeout_s:g} s and was stopped")
                time.sleep(interval_s)
            for event in self.poll():
                if on_event is not None:
                    on_event(event)
        except CancelledError:
            self.cancel()
            raise
        return self.outcome()

    def outcome(self) -> dict:
        """The ``done`` data of a finished child.

        Raises:
            CancelledError: If it was cancelled.
            ProcessFailedError: If it failed.
        """
        if self.cancelled:
            raise CancelledError("cancelled; nothing was changed")
        code = self.returncode
        if code != 0 or not self.result:
            reason = self.error_message or (self._stderr[-1] if self._stderr else "") or "no result reported"
            raise ProcessFailedError(f"segmentation process failed (exit code {code}): {reason}")
        return self.result

    @property
    def stderr_tail(self) -> list[str]:
        """The child's last stderr lines."""
        return list(self._stderr)
