"""Console API of GynAISegment, Qt-free: ``GynAISegment.py``'s ``GynAISegmentLogic`` only adds the parameter
node to :class:`SegmentLogic`, so headless tests run the same methods the module and the console use."""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)


def finish_result(segmentation_node: Any) -> list[str]:
    """Prepare a finished job's segmentation for display (3D surface) and return its warnings, one per line.

    The warnings are those :func:`GynAISegmentLib.logic.apply_result` kept in the node (about the input or
    the result), for the module's log panel.
    """
    from GynAISegmentLib.logic import WARNINGS_ATTRIBUTE

    segmentation_node.CreateClosedSurfaceRepresentation()
    return [line for line in (segmentation_node.GetAttribute(WARNINGS_ATTRIBUTE) or "").splitlines() if line]


class SegmentLogic:
    """Usable from the Python console::

        node = slicer.util.getModuleLogic("GynAISegment").segment(getNode("T2"), "uterus-fibroid")
    """

    @staticmethod
    def defaultInputVolume() -> Any:
        """The first volume of the scene that can be segmented (not a label map or vector volume), or None."""
        import slicer

        from GynAISegmentLib.model_info import first_segmentable_volume

        return first_segmentable_volume(slicer.mrmlScene)

    def segment(self, inputVolumeNode: Any, task: str = "uterus-fibroid", outputSegmentationNode: Any = None,
                device: str = "auto", waitForCompletion: bool = True,
                progress: Optional[Callable[[float, str], None]] = None, overwriteEdited: bool = False,
                model: Optional[str] = None, log: Optional[Callable[[str], None]] = None,
                modality: Optional[str] = None) -> Any:
        """Segment ``inputVolumeNode``.

        With ``waitForCompletion`` (console, batch) the model runs in this process and the segmentation node
        is returned. Without it, a child process runs the model and a ``SegmentationJob`` is returned: call
        its ``poll()`` (GUI timer) or ``wait()``; ``cancel()`` leaves the scene unchanged; ``log(message)``
        receives the child's other output lines. ``model`` names an installed model for the task (default:
        the one trained for the input's modality). ``modality`` (``MR``, ``US``) states the modality of a
        volume whose DICOM header does not give it (``auto``/None: from the DICOM database).
        """
        from GynAISegmentLib import job, logic

        logger.info("GynAI: segmenting %s (%s)", inputVolumeNode.GetName(), task)
        if waitForCompletion:
            return logic.segment_volume_node(inputVolumeNode, task, outputSegmentationNode, device, progress,
                                             overwriteEdited, model, modality)
        return job.SegmentationJob(inputVolumeNode, task, outputSegmentationNode, device, progress, overwriteEdited,
                                   model=model, log=log, modality=modality)
