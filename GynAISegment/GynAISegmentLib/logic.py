"""Qt-free logic of GynAISegment: run a bundled model on a volume node, fill a segmentation node.

Two ways to run: :func:`segment_volume_node` in this process (console, batch, tests), and
:class:`~GynAISegmentLib.job.SegmentationJob` in a child process (the GUI: responsive, cancellable).
Both end in :func:`apply_result`, so they fill the scene identically.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)


def check_output_node(segmentation_node: Any, overwrite_edited: bool) -> None:
    """Refuse to replace a segmentation the user made or edited, unless ``overwrite_edited``.

    Raises:
        gynai.errors.OutputPathError: The node holds segments GynAI did not write as they are now.
    """
    from gynai.errors import OutputPathError
    from GynAILib.segment_state import edited_since_generated

    if segmentation_node is not None and not overwrite_edited and edited_since_generated(segmentation_node):
        raise OutputPathError(f"segmentation '{segmentation_node.GetName()}' was edited or made by hand; "
                              "choose a new output segmentation or confirm overwriting it")


WARNINGS_ATTRIBUTE = "GynAI.warnings"


def apply_result(labels, volume_node: Any, task: str, segmentation_node: Any = None,
                 warnings: Optional[list[str]] = None, model: Optional[dict] = None) -> Any:
    """Put a task's label image into the scene: segments with names, colours and terminology.

    The node's reference geometry is the input volume; it is placed under the input's study and marked
    as GynAI output (so a later run knows whether the user edited it), with the ``model`` that made it
    (attributes ``GynAI.ModelName``/``GynAI.ModelVersion``, read by reports). Warnings about the input or
    the result are kept in the node attribute ``GynAI.warnings`` (one per line).
    """
    from gynai.tasks import get_task
    from gynai.labels.terminology import task_terminology
    from GynAILib.segment_state import mark_as_generated, place_under_study
    from GynAILib.segmentations import label_image_to_segmentation_node

    name = f"{volume_node.GetName()} {task}"
    node = label_image_to_segmentation_node(labels, volume_node, segmentation_node, name,
                                            task_terminology(get_task(task)))
    mark_as_generated(node, task, model)
    node.SetAttribute(WARNINGS_ATTRIBUTE, "\n".join(warnings or []))
    place_under_study(node, volume_node)
    logger.info("segmented %s with task %s", volume_node.GetName(), task)
    return node


def segment_volume_node(volume_node: Any, task: str, segmentation_node: Any = None, device: str = "auto",
                        progress: Optional[Callable[[float, str], None]] = None,
                        overwrite_edited: bool = False, model: Optional[str] = None,
                        modality: Optional[str] = None) -> Any:
    """Segment ``volume_node`` in-process and return the (new or updated) segmentation node.

    Args:
        volume_node: Input vtkMRMLScalarVolumeNode.
        task: Task id, e.g. ``"uterus-fibroid"``.
        segmentation_node: Node to fill; a new one named "<volume> <task>" when None.
        device: ``auto``, ``cpu`` or ``cuda``.
        progress: Optional callback ``progress(fraction, message)``; raising
            :class:`gynai.errors.CancelledError` from it stops the run and leaves the scene unchanged.
        overwrite_edited: Replace a segmentation the user made or edited.
        model: Name of an installed model for the task (default: the one trained for the input's modality).
        modality: ``MR`` or ``US`` for a volume whose modality is not in its DICOM header (``auto`` or None:
            from the DICOM database, else the task's default model).

    Raises:
        gynai.errors.GynAIError: On bad input or a model problem (one-line message).
    """
    from gynai.inference.predict import segment_image
    from gynai.tasks import get_task
    from GynAILib.volumes import volume_node_to_image
    from GynAISegmentLib.model_info import input_modality

    get_task(task)
    check_output_node(segmentation_node, overwrite_edited)
    image = volume_node_to_image(volume_node, input_modality(volume_node, modality))
    warnings: list[str] = []
    provenance: dict = {}
    labels = segment_image(image, task, device, progress=progress, model=model, warnings=warnings,
                           provenance=provenance)
    return apply_result(labels, volume_node, task, segmentation_node, warnings, provenance)
