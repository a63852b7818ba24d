"""The full round trip: NRRD → MRML → core → .seg.nrrd (core writer, no Slicer) → MRML, and back.

Geometry and voxels must be identical at every step, for an axis-aligned, an oblique and a left-handed
grid (Slicer's reader reverses the slice order of the latter, so it is compared in physical space).
"""

from __future__ import annotations

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.io.images import read_image, write_image
from gynai.io.segnrrd import read_seg_nrrd, write_seg_nrrd
from gynai.phantom.shapes import rotation_matrix
from gynai.tasks import get_task

ROTATION = rotation_matrix(np.array([1.0, 2.0, 3.0]), np.radians(35))
CASES = {
    "axis-aligned": Geometry((0.8, 0.8, 4.0), (-90.0, -100.0, -30.0)),
    "oblique": Geometry((0.7, 1.1, 2.3), (12.5, -30.25, 7.0), tuple(ROTATION.reshape(-1))),
    "left-handed": Geometry((0.9, 1.0, 3.0), (5.0, 6.0, 7.0), tuple((ROTATION @ np.diag([1, 1, -1])).reshape(-1))),
}
SHAPE_KJI = (9, 20, 24)
LABELS = get_task("uterus-fibroid").labels
TERMINOLOGY = {"endometrium": "Segmentation category and type - 3D Slicer General Anatomy list"
                              "~SCT^123037004^Anatomical Structure~SCT^2739003^Endometrium~^^~~^^~^^"}


def labels_in_space(geometry: Geometry) -> np.ndarray:
    """Labels defined by physical position (LPS), so that any grid over the same voxels agrees."""
    kji = np.indices(SHAPE_KJI).reshape(3, -1).T
    lps = geometry.index_to_lps(kji[:, ::-1])
    centre = geometry.index_to_lps((np.array(SHAPE_KJI[::-1]) - 1) / 2.0)
    local = (lps - centre) @ geometry.direction_matrix   # along the grid axes, whatever their signs
    rho = ((local / (np.array(SHAPE_KJI[::-1]) * geometry.spacing_mm / 2.6)) ** 2).sum(axis=1)
    out = np.where(rho < 1, 1, 0)
    out[rho < 0.2] = 2
    out[(rho >= 0.5) & (rho < 1) & (local[:, 0] > 2.0)] = 3
    return out.reshape(SHAPE_KJI).astype(np.uint8)


def ijk_to_ras(obj) -> np.ndarray:
    import slicer
    import vtk

    matrix = vtk.vtkMatrix4x4()
    (obj.GetImageToWorldMatrix if obj.IsA("vtkOrientedImageData") else obj.GetIJKToRASMatrix)(matrix)
    return slicer.util.arrayFromVTKMatrix(matrix)


def positions_of(labels: LabelImage, value: int) -> np.ndarray:
    """Sorted LPS positions (µm-rounded) of the voxels that carry ``value``."""
    points = labels.geometry.index_to_lps(np.argwhere(labels.array == value)[:, ::-1])
    return np.unique(np.round(points, 3), axis=0)


@pytest.mark.parametrize("case", list(CASES))
def test_nrrd_mrml_core_segnrrd_mrml(scene, tmp_path, case):
    import slicer

    from GynAILib.segmentations import segmentation_node_to_label_image
    from GynAILib.volumes import volume_node_to_image

    geometry = CASES[case]
    image = Image(np.random.default_rng(3).normal(500, 80, SHAPE_KJI).astype(np.float32), geometry)
    write_image(image, tmp_path / "input.nrrd")

    # NRRD -> MRML (Slicer's reader) -> core
    volume = slicer.util.loadVolume(str(tmp_path / "input.nrrd"))
    core_image = volume_node_to_image(volume)
    if case == "left-handed":       # Slicer flips K to get a right-handed IJK->RAS; same voxel centres
        flipped_k = geometry.index_to_lps([0, 0, SHAPE_KJI[0] - 1])
        assert np.allclose(core_image.geometry.origin_lps_mm, flipped_k, atol=1e-6)
        assert np.allclose(core_image.geometry.direction_matrix, geometry.direction_matrix @ np.diag([1, 1, -1]),
                           atol=1e-9)
        assert np.array_equal(core_image.array, image.array[::-1])
    else:
        assert core_image.geometry.allclose(geometry, 1e-6)
        assert np.array_equal(core_image.array, image.array)

    # core -> .seg.nrrd with the core writer (no Slicer involved) -> MRML (Slicer's reader)
    labels = LabelImage(labels_in_space(core_image.geometry), core_image.geometry, LABELS)
    write_seg_nrrd(labels, tmp_path / "result.seg.nrrd", terminology=TERMINOLOGY)
    node = slicer.util.loadSegmentation(str(tmp_path / "result.seg.nrrd"))
    segmentation = node.GetSegmentation()
    assert [(segmentation.GetNthSegmentID(n), segmentation.GetNthSegment(n).GetName())
            for n in range(segmentation.GetNumberOfSegments())] == [(label.id, label.name) for label in LABELS]
    for label in LABELS:
        segment = segmentation.GetSegment(label.id)
        assert np.allclose(segment.GetColor(), label.color_rgb, atol=1e-6)
        assert segment.GetLabelValue() == label.value
        internal = segment.GetRepresentation(slicer.vtkSegmentationConverter.GetBinaryLabelmapRepresentationName())
        assert np.allclose(ijk_to_ras(internal), ijk_to_ras(volume), atol=1e-6)    # same grid as the volume
    assert segmentation.GetSegment("endometrium").GetTerminology() == TERMINOLOGY["endometrium"]

    # MRML -> core on the volume's grid: identical voxels and geometry
    back = segmentation_node_to_label_image(node, volume, LABELS)
    assert back.geometry.allclose(labels.geometry, 1e-6)
    assert np.array_equal(back.array, labels.array)
    original = LabelImage(labels_in_space(geometry), geometry, LABELS)     # on the file's own grid
    for label in LABELS:
        assert len(positions_of(back, label.value)) > 0
        assert np.array_equal(positions_of(back, label.value), positions_of(original, label.value))


def test_left_handed_labels_written_by_core_open_on_slicers_flipped_grid(scene, tmp_path):
    """Core reads a left-handed file as is, Slicer flips it: a core .seg.nrrd still lands on the right voxels."""
    import slicer

    from GynAILib.segmentations import segmentation_node_to_label_image

    geometry = CASES["left-handed"]
    write_image(Image(np.zeros(SHAPE_KJI, np.int16), geometry), tmp_path / "input.nrrd")
    core_image = read_image(tmp_path / "input.nrrd")
    assert core_image.geometry.allclose(geometry, 1e-6)
    labels = LabelImage(labels_in_space(geometry), geometry, LABELS)
    write_seg_nrrd(labels, tmp_path / "result.seg.nrrd")
    volume = slicer.util.loadVolume(str(tmp_path / "input.nrrd"))
    node = slicer.util.loadSegmentation(str(tmp_path / "result.seg.nrrd"))
    back = segmentation_node_to_label_image(node, volume, LABELS)
    assert np.array_equal(back.array, labels.array[::-1])
    for label in LABELS:
        assert np.array_equal(positions_of(back, label.value), positions_of(labels, label.value))


@pytest.mark.parametrize("case", ["axis-aligned", "oblique"])
def test_segmentation_saved_by_slicer_is_read_by_core(scene, tmp_path, case):
    """The other direction: GynAILib node -> slicer.util.saveNode -> gynai.io.segnrrd.read_seg_nrrd."""
    import slicer

    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node

    geometry = CASES[case]
    labels = LabelImage(labels_in_space(geometry), geometry, LABELS)
    volume = image_to_volume_node(Image(np.zeros(SHAPE_KJI, np.float32), geometry), "T2")
    node = label_image_to_segmentation_node(labels, volume)
    assert slicer.util.saveNode(node, str(tmp_path / "by-slicer.seg.nrrd"))
    read = read_seg_nrrd(tmp_path / "by-slicer.seg.nrrd")
    assert read.geometry.allclose(geometry, 1e-6)
    assert np.array_equal(read.array, labels.array)
    assert [(label.value, label.id, label.name) for label in read.labels] == \
        [(label.value, label.id, label.name) for label in LABELS]
    assert np.allclose([label.color_rgb for label in read.labels], [label.color_rgb for label in LABELS], atol=1e-6)
