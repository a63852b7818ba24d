"""Where a GynAI segmentation sits and whether the user changed it since GynAI wrote it.

GynAI stores a fingerprint of the segments it wrote (IDs, names, label values and labelmap voxels) as a
node attribute. A later run compares it with the node's current content: a segmentation edited in the
Segment Editor, or with renamed segments, is not overwritten unless the user asks.

The model that wrote the segments is kept in the attributes ``GynAI.ModelName``, ``GynAI.ModelVersion`` and
``GynAI.ModelModality`` (the input modality it was trained for);
:func:`segmentation_provenance` turns them, with the fingerprint, into the provenance record of
:mod:`gynai.models.provenance` (model output, model output edited since, or supplied by the user).

Only vtk, slicer and gynai are used (no Qt).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Optional

logger = logging.getLogger(__name__)

FINGERPRINT_ATTRIBUTE = "GynAI.fingerprint"
TASK_ATTRIBUTE = "GynAI.task"
MODEL_NAME_ATTRIBUTE = "GynAI.ModelName"
MODEL_VERSION_ATTRIBUTE = "GynAI.ModelVersion"
MODEL_MODALITY_ATTRIBUTE = "GynAI.ModelModality"


def segmentation_fingerprint(node: Any) -> str:
    """SHA-1 over segment IDs, names, label values and the voxels and extents of their labelmaps."""
    import slicer
    from vtk.util.numpy_support import vtk_to_numpy

    digest = hashlib.sha1()
    segmentation = node.GetSegmentation()
    representation = slicer.vtkSegmentationConverter.GetBinaryLabelmapRepresentationName()
    seen_layers: set[int] = set()
    for index in range(segmentation.GetNumberOfSegments()):
        segment_id = segmentation.GetNthSegmentID(index)
        segment = segmentation.GetSegment(segment_id)
        digest.update(f"{segment_id}|{segment.GetName()}|{segment.GetLabelValue()}|".encode())
        labelmap = segment.GetRepresentation(representation)
        if labelmap is None:
            digest.update(b"no-labelmap|")
            continue
        layer = segmentation.GetLayerIndex(segment_id)
        digest.update(f"layer{layer}|{labelmap.GetExtent()}|".encode())
        if layer in seen_layers:
            continue
        seen_layers.add(layer)
        scalars = labelmap.GetPointData().GetScalars()
        if scalars is not None:
            digest.update(vtk_to_numpy(scalars).tobytes())
    return digest.hexdigest()


def mark_as_generated(node: Any, task: str, model: Optional[dict] = None) -> None:
    """Record that GynAI produced the node's current content (task, fingerprint and model attributes).

    Args:
        node: The segmentation node just filled.
        task: Task id.
        model: Provenance of the model that produced it (``name``, ``version``, ``modality``); without it the model
            attributes are removed, and the segmentation is reported as supplied by the user.
    """
    node.SetAttribute(TASK_ATTRIBUTE, task)
    node.SetAttribute(FINGERPRINT_ATTRIBUTE, segmentation_fingerprint(node))
    if model and model.get("name"):
        node.SetAttribute(MODEL_NAME_ATTRIBUTE, str(model["name"]))
        node.SetAttribute(MODEL_VERSION_ATTRIBUTE, str(model.get("version", "")))
        node.SetAttribute(MODEL_MODALITY_ATTRIBUTE, str(model.get("modality", "")))
    else:
        for attribute in (MODEL_NAME_ATTRIBUTE, MODEL_VERSION_ATTRIBUTE, MODEL_MODALITY_ATTRIBUTE):
            node.RemoveAttribute(attribute)


def segmentation_provenance(node: Any) -> Optional[dict]:
    """The provenance record of a segmentation node (``None``: no model recorded, supplied by the user).

    ``edited`` is True when the segments differ from what GynAI wrote (:func:`edited_since_generated`).
    """
    from gynai.models.provenance import model_provenance

    name = node.GetAttribute(MODEL_NAME_ATTRIBUTE) if node is not None else None
    if not name:
        return None
    return model_provenance(name, node.GetAttribute(MODEL_VERSION_ATTRIBUTE) or "",
                            node.GetAttribute(TASK_ATTRIBUTE) or "", edited_since_generated(node),
                            node.GetAttribute(MODEL_MODALITY_ATTRIBUTE) or "")


def edited_since_generated(node: Any) -> bool:
    """True if the node holds segments GynAI did not write as they are now (hand-made or edited)."""
    stored = node.GetAttribute(FINGERPRINT_ATTRIBUTE)
    if not stored:
        return node.GetSegmentation().GetNumberOfSegments() > 0
    return stored != segmentation_fingerprint(node)


def place_under_study(node: Any, reference_volume_node: Any) -> None:
    """Put ``node`` in the subject hierarchy under the same parent (e.g. study) as the reference volume.

    Nothing happens when the reference volume has no subject-hierarchy item.
    """
    import slicer

    scene = node.GetScene() or reference_volume_node.GetScene()
    hierarchy = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(scene)
    reference_item = hierarchy.GetItemByDataNode(reference_volume_node) if hierarchy else 0
    if not reference_item:
        logger.debug("'%s' has no subject-hierarchy item; '%s' left in place",
                     reference_volume_node.GetName(), node.GetName())
        return
    item = hierarchy.GetItemByDataNode(node) or hierarchy.CreateItem(hierarchy.GetSceneItemID(), node)
    hierarchy.SetItemParent(item, hierarchy.GetItemParent(reference_item))
