"""Label image ⇄ segmentation node: one named, coloured segment per label, reference = input volume."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from gynai.errors import GeometryError, LabelError
from gynai.image import LabelImage, LabelInfo
from GynAILib.volumes import volume_node_geometry


def label_image_to_segmentation_node(label_image: LabelImage, reference_volume_node, node=None,
                                     name: Optional[str] = None, terminology: Optional[dict[str, str]] = None):
    """Create (or refill) a segmentation node from a label image on the reference volume's grid.

    Segment IDs are the label ids, names and colours come from the label table; labels without voxels
    still get a (empty) segment so that users see every structure of the task.

    Raises:
        GeometryError: The label image is not on the reference volume's grid.
    """
    import slicer

    geometry = volume_node_geometry(reference_volume_node)
    if geometry is None or not geometry.allclose(label_image.geometry, 1e-3) \
            or tuple(slicer.util.arrayFromVolume(reference_volume_node).shape) != label_image.array.shape:
        raise GeometryError("the segmentation is not on the grid of the reference volume; "
                            "resample it onto the input volume first")
    if node is None:
        node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", name or "GynAI segmentation")
    elif name:
        node.SetName(name)
    node.CreateDefaultDisplayNodes()
    node.SetReferenceImageGeometryParameterFromVolumeNode(reference_volume_node)
    segmentation = node.GetSegmentation()
    segmentation.RemoveAllSegments()
    for label in label_image.labels:
        segment_id = segmentation.AddEmptySegment(label.id, label.name, tuple(label.color_rgb))
        mask = (label_image.array == label.value).astype(np.uint8)
        if mask.any():
            slicer.util.updateSegmentBinaryLabelmapFromArray(mask, node, segment_id, reference_volume_node)
        if terminology and label.id in terminology:
            segmentation.GetSegment(segment_id).SetTerminology(terminology[label.id])
    return node


def _find_segment(segmentation, label: LabelInfo) -> Optional[str]:
    wanted = {label.id.lower(), label.name.lower()}
    for index in range(segmentation.GetNumberOfSegments()):
        segment_id = segmentation.GetNthSegmentID(index)
        if segment_id.lower() in wanted or segmentation.GetNthSegment(index).GetName().lower() in wanted:
            return segment_id
    return None


def segmentation_node_to_label_image(segmentation_node, reference_volume_node,
                                     labels: Sequence[LabelInfo]) -> LabelImage:
    """Export the segments matching ``labels`` (by name or ID, case-insensitive) onto the reference grid.

    Missing segments give empty labels.

    Raises:
        LabelError: Two matched segments overlap.
        GeometryError: No reference volume.
    """
    import slicer

    geometry = volume_node_geometry(reference_volume_node)
    if geometry is None:
        raise GeometryError("a reference volume with image data is needed to export the segmentation")
    shape = slicer.util.arrayFromVolume(reference_volume_node).shape
    out = np.zeros(shape, np.uint8)
    segmentation = segmentation_node.GetSegmentation()
    for label in labels:
        segment_id = _find_segment(segmentation, label)
        if segment_id is None:
            continue
        mask = slicer.util.arrayFromSegmentBinaryLabelmap(segmentation_node, segment_id, reference_volume_node) > 0
        if (out[mask] != 0).any():
            raise LabelError(f"segment '{label.name}' overlaps another segment; make segments exclusive "
                             "(Segment Editor: masking 'outside all segments')")
        out[mask] = label.value
    return LabelImage(out, geometry, tuple(labels))


def place_under_study(node, reference_volume_node) -> None:
    """Put ``node`` in the subject hierarchy next to the reference volume (same study/parent)."""
    import slicer

    hierarchy = slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(node.GetScene())
    reference_item = hierarchy.GetItemByDataNode(reference_volume_node)
    item = hierarchy.GetItemByDataNode(node)
    if not reference_item:
        return
    if not item:
        item = hierarchy.CreateItem(hierarchy.GetSceneItemID(), node)
    hierarchy.SetItemParent(item, hierarchy.GetItemParent(reference_item))
