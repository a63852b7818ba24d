"""Qt-free logic of GynAISegment: run a bundled model on a volume node, fill a segmentation node."""

from __future__ import annotations

import logging
from typing import Callable, Optional

logger = logging.getLogger(__name__)

EDITED_TAG = "GynAI.edited"
"""Segmentation-node attribute a user edit sets; such nodes are not overwritten unless asked."""


def segment_volume_node(volume_node, task: str, segmentation_node=None, device: str = "auto",
                        progress: Optional[Callable[[float, str], None]] = None, overwrite_edited: bool = False):
    """Segment ``volume_node`` in-process and return the (new or updated) segmentation node.

    Args:
        volume_node: Input vtkMRMLScalarVolumeNode.
        task: Task id, e.g. ``"uterus-fibroid"``.
        segmentation_node: Node to fill; a new one named "<volume> <task>" when None.
        device: ``auto``, ``cpu`` or ``cuda``.
        progress: Optional callback ``progress(fraction, message)``.
        overwrite_edited: Replace a segmentation marked as edited by the user.

    Raises:
        gynai.errors.GynAIError: On bad input or a model problem (one-line message).
    """
    from gynai.errors import OutputPathError
    from gynai.inference.predict import segment_image
    from GynAILib.segmentations import label_image_to_segmentation_node, place_under_study
    from GynAILib.volumes import volume_node_to_image

    if segmentation_node is not None and segmentation_node.GetAttribute(EDITED_TAG) == "true" \
            and not overwrite_edited:
        raise OutputPathError(f"segmentation '{segmentation_node.GetName()}' was edited by hand; "
                              "choose a new output segmentation or confirm overwriting it")
    image = volume_node_to_image(volume_node)
    labels = segment_image(image, task, device, progress=progress)
    name = f"{volume_node.GetName()} {task}"
    node = label_image_to_segmentation_node(labels, volume_node, segmentation_node, name)
    node.SetAttribute("GynAI.task", task)
    place_under_study(node, volume_node)
    logger.info("segmented %s with task %s", volume_node.GetName(), task)
    return node
