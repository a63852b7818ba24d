"""``gynai batch`` in a child process for the GynAI module's batch panel: progress, Cancel, summary.

The child is the same command line users run (``gynai --json-progress batch …``), so the panel never
blocks Slicer and a cancelled batch can be resumed later by running it again on the same output folder.
Exit code 3 (some cases failed) is a finished batch: its summary lists the failures.
:class:`BatchControl` is what the panel's Run/Cancel button and timer do with one job.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

logger = logging.getLogger(__name__)

FINISHED_CODES = (0, 3)


class BatchJob:
    """One batch run.

    Args:
        input_path: Folder of volumes / DICOM series folders, or a CSV list.
        output_folder: New folder, or an earlier batch output (resumed).
        task: Segmentation task.
        workers: Cases processed in parallel.
        report_formats: Report formats per case, e.g. ``("json", "html")``; empty for none.
        python_executable: Interpreter for the child (default: PythonSlicer in Slicer, else this one).
        modality: ``MR`` or ``US`` for inputs whose files do not record their modality (``--modality``).
        scheduler: Run the cases on a Dask cluster (``--scheduler``): a scheduler address such as
            ``tcp://HOST:8786``, or ``local`` for a LocalCluster of ``workers`` processes; None: this machine's
            processes.
    """

    def __init__(self, input_path, output_folder, task: str, workers: int = 1,
                 report_formats: Sequence[str] = ("json", "html"), python_executable: Optional[str] = None,
                 modality: Optional[str] = None, scheduler: Optional[str] = None) -> None:
        from gynai.cli.runner import ChildProcess, gynai_command
        from GynAILib.child_process import child_environment, default_python_executable

        self.output_folder = Path(output_folder)
        arguments = ["batch", str(input_path), str(output_folder), "--task", task, "--workers", str(int(workers)),
                     "--report-format", ",".join(report_formats) if report_formats else "none"]
        arguments += ["--modality", modality] if modality else []
        arguments += ["--scheduler", str(scheduler)] if scheduler else []
        self._child = ChildProcess(gynai_command(arguments, python_executable or default_python_executable()),
                                   env=child_environment())
        self.message = "starting"

    @property
    def fraction(self) -> float:
        """Fraction of the cases finished (done or failed)."""
        return self._child.fraction

    @property
    def finished(self) -> bool:
        """True once the child has ended (finished, failed or cancelled)."""
        return self._child.finished

    def poll(self) -> float:
        """Read new progress events; returns the fraction done."""
        for event in self._child.poll():
            if event.kind == "progress":
                self.message = event.message
        return self.fraction

    def cancel(self) -> None:
        """Stop the batch; finished cases stay and a later run resumes from them."""
        self._child.cancel()

    def summary(self) -> dict:
        """The batch summary (``summary.json``) of a finished run.

        Raises:
            CancelledError: The batch was cancelled.
            ProcessFailedError: The batch could not run (bad input or output folder): the one-line reason.
        """
        from gynai.errors import CancelledError, ProcessFailedError

        self.poll()
        if self._child.cancelled:
            raise CancelledError("batch cancelled; run it again on the same output folder to resume")
        code = self._child.returncode
        summary_path = self.output_folder / "summary.json"
        if code not in FINISHED_CODES or not summary_path.is_file():
            reason = self._child.error_message or (self._child.stderr_tail[-1] if self._child.stderr_tail else "")
            raise ProcessFailedError(f"batch failed (exit code {code}): {reason or 'no summary written'}")
        return json.loads(summary_path.read_text(encoding="utf-8"))

    def wait(self, timeout_s: Optional[float] = None) -> dict:
        """Block until the batch ends and return its summary (for scripts and tests)."""
        from gynai.errors import ProcessFailedError

        try:
            self._child.wait(timeout_s=timeout_s)
        except ProcessFailedError:
            if self._child.returncode not in FINISHED_CODES:
                raise
        return self.summary()


@dataclass(frozen=True)
class BatchStatus:
    """What the batch panel shows after a poll: ``percent`` done, the last progress ``message``, ``finished``."""

    percent: int
    message: str
    finished: bool


class BatchControl:
    """The batch panel's one background batch: the Run button starts it, the same button cancels it.

    Args:
        start: Starts a batch and returns its :class:`BatchJob` (e.g. ``GynAILogic().startBatch``); it
            receives the arguments of :meth:`toggle`.
    """

    def __init__(self, start: Callable[..., BatchJob]) -> None:
        self._start = start
        self.job: Optional[BatchJob] = None

    @property
    def running(self) -> bool:
        """A batch was started and has not ended yet."""
        return self.job is not None and not self.job.finished

    def toggle(self, *args: Any, **kwargs: Any) -> bool:
        """Cancel the running batch, or else start one; True when a batch was started."""
        if self.running:
            self.cancel()
            return False
        self.job = self._start(*args, **kwargs)
        return True

    def cancel(self) -> None:
        """Cancel the running batch (finished cases stay; a later run resumes from them)."""
        if self.running:
            self.job.cancel()

    def poll(self) -> BatchStatus:
        """Read the batch's progress (call it from a timer until ``finished``)."""
        if self.job is None:
            raise RuntimeError("no batch was started")
        fraction = self.job.poll()
        return BatchStatus(int(100 * fraction), self.job.message, self.job.finished)

    def summary(self) -> dict:
        """The summary of the ended batch (see :meth:`BatchJob.summary` for the errors it raises)."""
        if self.job is None:
            raise RuntimeError("no batch was started")
        return self.job.summary()
