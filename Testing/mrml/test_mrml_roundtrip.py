"""NRRD → MRML → core → .seg.nrrd (core writer, no Slicer) → MRML: geometry and voxels identical."""

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.io.images import write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.phantom.shapes import rotation_matrix
from gynai.tasks import get_task

ROTATION = rotation_matrix(np.array([1, 2, 3]), np.radians(35))
CASES = {
    "straight": Geometry((0.8, 0.8, 4.0), (-90.0, -100.0, -30.0)),
    "oblique": Geometry((0.7, 1.1, 2.3), (12.5, -30.25, 7.0), tuple(ROTATION.reshape(-1))),
    "left-handed": Geometry((0.9, 1.0, 3.0), (5.0, 6.0, 7.0), tuple((ROTATION @ np.diag([1, 1, -1])).reshape(-1))),
}


def ellipsoid_labels(shape):
    k, j, i = np.indices(shape)
    centre = np.array(shape) / 2.0
    rho = ((k - centre[0]) / (shape[0] / 2.5)) ** 2 + ((j - centre[1]) / (shape[1] / 2.5)) ** 2 \
        + ((i - centre[2]) / (shape[2] / 2.5)) ** 2
    labels = np.where(rho < 1, 1, 0).astype(np.uint8)
    labels[rho < 0.2] = 2
    labels[(rho > 0.5) & (rho < 1) & (i > centre[2] + 2)] = 3
    return labels


def ras_points_of_label(node_labels, ijk_to_ras, value):
    kji = np.argwhere(node_labels == value)
    ijk1 = np.c_[kji[:, ::-1], np.ones(len(kji))]
    return np.round((ijk1 @ ijk_to_ras.T)[:, :3], 3)


@pytest.mark.parametrize("case", list(CASES))
def test_full_round_trip(scene, tmp_path, case):
    import slicer
    import vtk

    from GynAILib.segmentations import segmentation_node_to_label_image
    from GynAILib.volumes import volume_node_to_image

    geometry = CASES[case]
    shape = (9, 20, 24)
    image = Image(np.random.default_rng(3).normal(500, 80, shape).astype(np.float32), geometry)
    write_image(image, tmp_path / "input.nrrd")
    volume = slicer.util.loadVolume(str(tmp_path / "input.nrrd"))
    core_image = volume_node_to_image(volume)
    labels_array = ellipsoid_labels(shape)
    if case == "left-handed":   # Slicer flips K on reading a left-handed grid: compare physically below
        assert np.array_equal(core_image.array, image.array[::-1])
        labels_array = labels_array[::-1]
    else:
        assert np.array_equal(core_image.array, image.array)
        assert core_image.geometry.allclose(geometry, 1e-5)
    labels = LabelImage(labels_array, core_image.geometry, get_task("uterus-fibroid").labels)
    write_seg_nrrd(labels, tmp_path / "result.seg.nrrd")
    segmentation = slicer.util.loadSegmentation(str(tmp_path / "result.seg.nrrd"))
    names = [segmentation.GetSegmentation().GetNthSegment(i).GetName() for i in range(3)]
    assert names == ["Myometrium", "Endometrium", "Fibroid"]
    back = segmentation_node_to_label_image(segmentation, volume, labels.labels)
    assert np.array_equal(back.array, labels.array)
    matrix = vtk.vtkMatrix4x4()
    volume.GetIJKToRASMatrix(matrix)
    ijk_to_ras = slicer.util.arrayFromVTKMatrix(matrix)
    original = ellipsoid_labels(shape)
    for value in (1, 2, 3):   # the same physical voxels carry the label as in the original grid
        expected = ras_points_of_label(original, geometry.ijk_to_ras(), value)
        got = ras_points_of_label(back.array, ijk_to_ras, value)
        assert len(got) == len(expected) > 0
        assert np.array_equal(np.unique(got, axis=0), np.unique(expected, axis=0))
