"""Segmentation in a child process, for the GUI: progress events, Cancel, scene changed only on success.

The input volume is written to a private temporary folder, ``gynai --json-progress segment`` runs in a
child Python (Slicer's ``PythonSlicer``), and its ``.seg.nrrd`` is imported with the same
:func:`~GynAISegmentLib.logic.apply_result` as the in-process path. A GUI calls :meth:`SegmentationJob.poll`
from a timer; a script calls :meth:`SegmentationJob.wait`. :meth:`SegmentationJob.cancel` kills the child's
process tree and removes the temporary folder; the scene is left as it was.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from GynAILib.child_process import child_environment, default_python_executable

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]


class SegmentationJob:
    """One segmentation run in a child process.

    Args:
        volume_node: Input volume.
        task: Task id.
        segmentation_node: Node to fill on success (a new one when None).
        device: ``auto``, ``cpu`` or ``cuda``.
        progress: Optional ``progress(fraction, message)`` called from :meth:`poll`.
        overwrite_edited: Replace a segmentation the user made or edited.
        python_executable: Interpreter for the child (default: PythonSlicer or this one).
        command: Replaces the child's command line (tests use fake children); ``{input}``, ``{output}``,
            ``{task}`` and ``{device}`` in it are filled in.
        model: Name of an installed model for the task (default: the shipped one).
        log: Optional ``log(message)`` called from :meth:`poll` with each line the child writes that is
            not a progress event (e.g. library messages), for a log panel.

    Raises:
        gynai.errors.GynAIError: Bad input or an edited output segmentation (before anything starts).
    """

    def __init__(self, volume_node: Any, task: str, segmentation_node: Any = None, device: str = "auto",
                 progress: Optional[ProgressCallback] = None, overwrite_edited: bool = False,
                 python_executable: Optional[str] = None, command: Optional[Sequence[str]] = None,
                 model: Optional[str] = None, log: Optional[Callable[[str], None]] = None,
                 modality: Optional[str] = None) -> None:
        from gynai.io.images import write_image
        from gynai.cli.runner import ChildProcess, gynai_command
        from gynai.tasks import get_task
        from GynAILib.volumes import volume_node_to_image
        from GynAISegmentLib.logic import check_output_node
        from GynAISegmentLib.model_info import input_modality

        get_task(task)
        check_output_node(segmentation_node, overwrite_edited)
        self.volume_node, self.task, self.segmentation_node = volume_node, task, segmentation_node
        self.progress = progress
        self.log = log
        self.result_node: Any = None
        self._folder = Path(tempfile.mkdtemp(prefix="gynai-job-"))
        try:
            input_path = self._folder / "input.nrrd"
            output_path = self._folder / "segmentation.seg.nrrd"
            write_image(volume_node_to_image(volume_node), input_path)
            fields = {"input": str(input_path), "output": str(output_path), "task": task, "device": device}
            if command is None:
                arguments = ["segment", str(input_path), "--task", task, "-o", str(output_path), "--device", device]
                arguments += ["--model", model] if model else []
                stated = input_modality(volume_node, modality)
                arguments += ["--modality", stated] if stated in ("MR", "US") else []
                argv = gynai_command(arguments, python_executable or default_python_executable())
            else:
                argv = [part.format(**fields) for part in command]
            self._output_path = output_path
            self._child = ChildProcess(argv, env=child_environment())
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    @property
    def running(self) -> bool:
        """True until the child has finished and its output has been handled."""
        return self.result_node is None and not self._child.finished

    @property
    def fraction(self) -> float:
        """Last reported progress fraction."""
        return self._child.fraction

    def poll(self) -> bool:
        """Forward new progress events; when the child has ended, import its result.

        Returns:
            True while the job is still running.

        Raises:
            gynai.errors.CancelledError: The job was cancelled.
            gynai.errors.ProcessFailedError: The child failed (its error message is given).
        """
        for event in self._child.poll():
            if event.kind == "progress" and self.progress is not None:
                self.progress(event.fraction, event.message)
            elif event.kind == "log":
                logger.debug("child: %s", event.message)
                if self.log is not None and event.message:
                    self.log(event.message)
        if not self._child.finished:
            return True
        if self.result_node is None:
            self._finish()
        return False

    def _finish(self) -> None:
        from gynai.io.segnrrd import read_seg_file
        from gynai.labels.spec import to_task_labels
        from GynAISegmentLib.logic import apply_result

        try:
            outcome = self._child.outcome()
            labels, provenance = read_seg_file(self._output_path)
            self.result_node = apply_result(to_task_labels(labels, self.task), self.volume_node, self.task,
                                            self.segmentation_node, list(outcome.get("warnings", [])), provenance)
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def wait(self, timeout_s: Optional[float] = None) -> Any:
        """Block until done and return the segmentation node (see :meth:`poll` for the errors)."""
        import time

        from gynai.errors import ProcessFailedError

        start = time.monotonic()
        while self.poll():
            if timeout_s is not None and time.monotonic() - start > timeout_s:
                self.cancel()
                raise ProcessFailedError(f"segmentation took longer than {timeout_s:g} s and was stopped")
            time.sleep(0.05)
        return self.result_node

    def cancel(self) -> None:
        """Kill the child process tree and remove the temporary files; the scene is not changed."""
        self._child.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)
