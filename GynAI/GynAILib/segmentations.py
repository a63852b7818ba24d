"""Core :class:`~gynai.image.LabelImage` ⇄ segmentation node (segments share one labelmap layer).

A label image becomes one segment per entry of its label table (segment ID = label id, name and
colour from the table, label value kept), all sharing one binary-labelmap layer on the reference
volume's grid, so that Slicer saves it as a 3D ``.seg.nrrd`` that the core reader understands.
Back from Slicer, segments are matched to the label table by name or ID (case-insensitive) and
exported onto the reference volume's grid; overlapping segments are refused (labels are exclusive).

Only vtk, slicer and gynai are used (no Qt).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any, Optional, Sequence

import numpy as np

from gynai.errors import GeometryError, LabelError
from gynai.image import Geometry, LabelImage, LabelInfo
from GynAILib.volumes import check_no_parent_transform, volume_node_ijk_to_ras, volume_node_geometry

logger = logging.getLogger(__name__)

GRID_TOLERANCE_MM = 1e-3
"""Largest voxel-centre distance (mm) at which two grids count as the same grid."""

_TEMP_NAME = "__gynai_export__"


def _reference_grid(reference_volume_node: Any) -> tuple[Geometry, tuple[int, int, int]]:
    """Geometry and array shape [k, j, i] of the reference volume; refuses missing or transformed ones."""
    geometry = volume_node_geometry(reference_volume_node)
    if geometry is None:
        raise GeometryError("a reference volume with image data is needed; select the segmented volume")
    check_no_parent_transform(reference_volume_node)
    dims = reference_volume_node.GetImageData().GetDimensions()
    return geometry, (dims[2], dims[1], dims[0])


def _on_grid(array: np.ndarray, geometry: Geometry, target: Geometry,
             target_shape: tuple[int, int, int]) -> Optional[np.ndarray]:
    """``array`` re-indexed onto ``target`` when both grids have the same voxel centres, else None.

    Only axis permutations and flips are allowed (e.g. the slice order Slicer reverses when it reads a
    left-handed file); voxels are never interpolated.
    """
    source_to_target = np.linalg.inv(target.ijk_to_lps()) @ geometry.ijk_to_lps()
    rotation = np.round(source_to_target[:3, :3])
    shift = np.round(source_to_target[:3, 3])
    if not (np.abs(rotation).sum(axis=0) == 1).all() or not (np.abs(rotation).sum(axis=1) == 1).all():
        return None
    size_ijk = np.array(array.shape[::-1])
    corners = np.array(list(itertools.product(*[(0, n - 1) for n in size_ijk])), dtype=float)
    exact = corners @ source_to_target[:3, :3].T + source_to_target[:3, 3]
    rounded = corners @ rotation.T + shift
    error_mm = np.linalg.norm((exact - rounded) @ (target.direction_matrix @ np.diag(target.spacing_mm)).T, axis=1)
    if error_mm.max() > GRID_TOLERANCE_MM:
        return None
    source_axes = np.argmax(np.abs(rotation), axis=1)          # target axis r <- source axis source_axes[r]
    signs = rotation[np.arange(3), source_axes]
    target_size = np.array(target_shape[::-1])
    if not (size_ijk[source_axes] == target_size).all():
        return None
    if not all(shift[r] == (0 if signs[r] > 0 else target_size[r] - 1) for r in range(3)):
        return None
    out_ijk = np.transpose(array.transpose(2, 1, 0), source_axes)
    out_ijk = out_ijk[tuple(slice(None, None, -1) if s < 0 else slice(None) for s in signs)]
    return np.ascontiguousarray(out_ijk.transpose(2, 1, 0))


def _label_array_on_reference(label_image: LabelImage, geometry: Geometry,
                              shape: tuple[int, int, int]) -> np.ndarray:
    unknown = label_image.unknown_values()
    if unknown:
        raise LabelError(f"label values {unknown} have no entry in the label table; name them or remove them")
    array = label_image.array
    if array.shape == shape and label_image.geometry.allclose(geometry, GRID_TOLERANCE_MM):
        on_grid: Optional[np.ndarray] = array
    else:
        on_grid = _on_grid(array, label_image.geometry, geometry, shape)
    if on_grid is None:
        raise GeometryError(
            f"the label image (shape {array.shape}) is not on the voxel grid of the reference volume "
            f"(shape {shape}); resample it onto the reference volume first")
    return on_grid.astype(np.uint8 if max((lab.value for lab in label_image.labels), default=0) < 256
                          else np.uint16)


def _labelmap_node(array: np.ndarray, ijk_to_ras: np.ndarray) -> Any:
    """A scene-less labelmap volume node holding a copy of ``array`` [k, j, i]."""
    import slicer
    import vtk
    from vtk.util import numpy_support

    image = vtk.vtkImageData()
    image.SetDimensions(array.shape[2], array.shape[1], array.shape[0])
    image.GetPointData().SetScalars(numpy_support.numpy_to_vtk(array.ravel(), deep=True))
    node = slicer.vtkMRMLLabelMapVolumeNode()
    node.SetAndObserveImageData(image)
    node.SetIJKToRASMatrix(slicer.util.vtkMatrixFromArray(ijk_to_ras))
    return node


def label_image_to_segmentation_node(label_image: LabelImage, reference_volume_node: Any, node: Any = None,
                                     name: Optional[str] = None,
                                     terminology: Optional[dict[str, str]] = None) -> Any:
    """Create (or refill) a segmentation node from a label image on the reference volume's grid.

    Every label of the table gets a segment, empty ones too: ID = ``label.id``, name, colour and label
    value from the table, terminology string (Slicer's ``"Segmentation category and type - ..."``
    format) from ``terminology[label.id]`` when given. The segmentation's reference geometry is the
    reference volume; display nodes are created.

    Args:
        label_image: Labels on the reference grid (or on the same voxel centres with axes permuted or
            flipped, e.g. a left-handed file that Slicer read with reversed slices).
        reference_volume_node: The volume the labels belong to.
        node: Existing segmentation node whose segments are replaced; a new node when None.
        name: Node name (default "<reference name> segmentation" for a new node).
        terminology: Optional terminology string per label id.

    Returns:
        The segmentation node.

    Raises:
        GeometryError: Missing or transformed reference volume, or labels on another grid.
        LabelError: Voxel values without an entry in the label table.
    """
    import slicer
    import vtk

    geometry, shape = _reference_grid(reference_volume_node)
    array = _label_array_on_reference(label_image, geometry, shape)
    if node is None:
        scene = reference_volume_node.GetScene() or slicer.mrmlScene
        node = scene.AddNewNodeByClass("vtkMRMLSegmentationNode",
                                       name or f"{reference_volume_node.GetName()} segmentation")
    else:
        check_no_parent_transform(node)
        if name:
            node.SetName(name)
    was_modifying = node.StartModify()
    try:
        node.CreateDefaultDisplayNodes()
        node.SetReferenceImageGeometryParameterFromVolumeNode(reference_volume_node)
        segmentation = node.GetSegmentation()
        segmentation.RemoveAllSegments()
        segmentation.SetSourceRepresentationName(slicer.vtkSegmentationConverter.GetBinaryLabelmapRepresentationName())
        value_to_id = vtk.vtkStringArray()
        value_to_id.SetNumberOfValues(max((label.value for label in label_image.labels), default=0))
        for label in label_image.labels:
            segment_id = segmentation.AddEmptySegment(label.id, label.name, tuple(label.color_rgb))
            value_to_id.SetValue(label.value - 1, segment_id)
            segment = segmentation.GetSegment(segment_id)
            segment.SetNameAutoGenerated(False)    # deliberate names/colours: a terminology change keeps them
            segment.SetColorAutoGenerated(False)
            if terminology and label.id in terminology:
                segment.SetTerminology(terminology[label.id])
        labelmap = _labelmap_node(array, volume_node_ijk_to_ras(reference_volume_node))
        if label_image.labels and not slicer.vtkSlicerSegmentationsModuleLogic.ImportLabelmapToSegmentationNode(
                labelmap, node, value_to_id):
            raise LabelError(f"Slicer could not import the labels into segmentation '{node.GetName()}'")
    finally:
        node.EndModify(was_modifying)
    logger.debug("segmentation '%s' <- %d labels", node.GetName(), len(label_image.labels))
    return node


def _match_segments(segmentation: Any, labels: Sequence[LabelInfo]) -> dict[str, list[str]]:
    """Label id -> segment IDs, by the rules of :mod:`gynai.labels.matching` (name, then segment ID):
    ``Fibroid``, ``Fibroid 1``, ``Fibroid 2`` … or a synonym such as ``Leiomyoma`` all become fibroid."""
    from gynai.labels.matching import label_for_segment, reference_for_segment

    matches: dict[str, list[str]] = {}
    unmatched = []
    for n in range(segmentation.GetNumberOfSegments()):
        segment_id, name = segmentation.GetNthSegmentID(n), segmentation.GetNthSegment(n).GetName() or ""
        label = label_for_segment(name, labels) or label_for_segment(segment_id, labels)
        if label is not None:
            matches.setdefault(label.id, []).append(segment_id)
        elif reference_for_segment(name, [lab.id for lab in labels]) is None:
            unmatched.append(name)
    if unmatched:
        logger.warning("segments not in the label table are left out: %s", ", ".join(sorted(unmatched)))
    return matches


def _export_segment_mask(segmentation_node: Any, segment_id: str, reference_volume_node: Any,
                         shape: tuple[int, int, int]) -> np.ndarray:
    """Boolean mask [k, j, i] of one segment on the reference grid (temporary nodes are removed)."""
    import slicer

    scene = segmentation_node.GetScene() or reference_volume_node.GetScene()
    before = {scene.GetNthNode(n).GetID() for n in range(scene.GetNumberOfNodes())}
    temporary = slicer.vtkMRMLLabelMapVolumeNode()
    temporary.SetName(_TEMP_NAME)
    temporary.SetHideFromEditors(True)
    scene.AddNode(temporary)
    try:
        ok = slicer.vtkSlicerSegmentationsModuleLogic.ExportSegmentsToLabelmapNode(
            segmentation_node, [segment_id], temporary, reference_volume_node,
            slicer.vtkSegmentation.EXTENT_REFERENCE_GEOMETRY)
        if not ok or temporary.GetImageData() is None:
            raise LabelError(f"Slicer could not export segment '{segment_id}' onto the reference volume")
        mask = slicer.util.arrayFromVolume(temporary) != 0
    finally:
        added = [scene.GetNthNode(n) for n in range(scene.GetNumberOfNodes())]
        for extra in reversed([n for n in added if n.GetID() not in before]):
            scene.RemoveNode(extra)
    if mask.shape != shape:
        raise GeometryError(f"segment '{segment_id}' was exported with shape {mask.shape}, expected {shape}")
    return mask


def segmentation_node_to_label_image(segmentation_node: Any, reference_volume_node: Any,
                                     labels: Sequence[LabelInfo]) -> LabelImage:
    """Export the segments that match ``labels`` onto the reference volume's grid as one label image.

    Segments are matched by name, then by ID, with the rules of :mod:`gynai.labels.matching` (case,
    spaces and a trailing number ignored, synonyms accepted; several segments may form one label);
    labels without a segment stay empty and other segments are left out (both logged).
    The segmentation's parent transform, if any, is applied by Slicer's export.

    Raises:
        GeometryError: No segmentation, or the reference volume is missing/transformed.
        LabelError: Segments of different labels overlap (labels must be exclusive).
    """
    import slicer

    if segmentation_node is None or not segmentation_node.IsA("vtkMRMLSegmentationNode"):
        raise GeometryError("no segmentation was given; select a segmentation node")
    geometry, shape = _reference_grid(reference_volume_node)
    labels = tuple(labels)
    segmentation = segmentation_node.GetSegmentation()
    matches = _match_segments(segmentation, labels)
    missing = [label.id for label in labels if label.id not in matches]
    if missing:
        logger.warning("no segment for labels %s in '%s'; they stay empty", missing, segmentation_node.GetName())
    binary = slicer.vtkSegmentationConverter.GetBinaryLabelmapRepresentationName()
    if matches and not segmentation.ContainsRepresentation(binary):
        segmentation_node.CreateBinaryLabelmapRepresentation()
    for segment_id in itertools.chain.from_iterable(matches.values()):
        if not _on_reference_lattice(segmentation_node, segment_id, geometry):
            logger.warning("segmentation '%s' is stored on another grid than volume '%s' (or transformed); its "
                           "segments are resampled onto the volume's grid (nearest neighbour) before measuring",
                           segmentation_node.GetName(), reference_volume_node.GetName())
            break
    out = np.zeros(shape, np.uint8 if max((lab.value for lab in labels), default=0) < 256 else np.uint16)
    names = {label.value: label.name for label in labels}
    for label in labels:
        if label.id not in matches:
            continue
        mask = np.zeros(shape, bool)
        for segment_id in matches[label.id]:
            mask |= _export_segment_mask(segmentation_node, segment_id, reference_volume_node, shape)
        taken = out[mask]
        if taken.any():
            other = names[int(taken[taken != 0][0])]
            raise LabelError(
                f"segment '{label.name}' overlaps segment '{other}' in {int(np.count_nonzero(taken))} voxels; "
                "make them exclusive (Segment Editor: masking 'Overwrite other segments') and retry")
        out[mask] = label.value
    return LabelImage(out, geometry, labels)


def _on_reference_lattice(segmentation_node: Any, segment_id: str, reference: Geometry) -> bool:
    """Whether a segment's binary labelmap lies on the reference grid's lattice (any extent, no transform),
    so exporting it onto the reference volume copies voxels instead of resampling them."""
    import slicer
    import vtk

    if segmentation_node.GetParentTransformNode() is not None:
        return False
    segment = segmentation_node.GetSegmentation().GetSegment(segment_id)
    labelmap = segment.GetRepresentation(slicer.vtkSegmentationConverter.GetBinaryLabelmapRepresentationName())
    if labelmap is None:
        return True
    matrix = vtk.vtkMatrix4x4()
    labelmap.GetImageToWorldMatrix(matrix)
    source = Geometry.from_ijk_to_ras(np.array([[matrix.GetElement(r, c) for c in range(4)] for r in range(4)]))
    source_to_reference = np.linalg.inv(reference.ijk_to_lps()) @ source.ijk_to_lps()
    if not np.allclose(source_to_reference[:3, :3], np.eye(3), atol=1e-4):
        return False
    shift_mm = (source_to_reference[:3, 3] - np.round(source_to_reference[:3, 3])) * np.array(reference.spacing_mm)
    return bool(np.linalg.norm(shift_mm) <= GRID_TOLERANCE_MM)


def segment_mask_by_name(segmentation_node: Any, names: Sequence[str], reference_volume_node: Any) -> Optional[np.ndarray]:
    """Mask [k, j, i] on the reference grid of the first segment whose name is one of ``names`` (case,
    spaces and underscores ignored), or ``None`` when there is no such segment or it is empty."""
    from gynai.labels.matching import normalise_name

    wanted = {normalise_name(name) for name in names}
    segmentation = segmentation_node.GetSegmentation()
    for n in range(segmentation.GetNumberOfSegments()):
        if normalise_name(segmentation.GetNthSegment(n).GetName() or "") in wanted:
            _, shape = _reference_grid(reference_volume_node)
            import slicer

            binary = slicer.vtkSegmentationConverter.GetBinaryLabelmapRepresentationName()
            if not segmentation.ContainsRepresentation(binary):
                segmentation_node.CreateBinaryLabelmapRepresentation()
            mask = _export_segment_mask(segmentation_node, segmentation.GetNthSegmentID(n), reference_volume_node,
                                        shape)
            return mask if mask.any() else None
    return None
