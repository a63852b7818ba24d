"""Volume node ⇄ Image and segmentation node ⇄ LabelImage against the real MRML libraries."""

import numpy as np
import pytest

from gynai.errors import GeometryError
from gynai.image import Geometry, Image, LabelImage
from gynai.phantom.shapes import rotation_matrix
from gynai.tasks import get_task

OBLIQUE = Geometry((0.7, 1.1, 2.3), (12.5, -30.25, 7.0),
                   tuple(rotation_matrix(np.array([1, 2, 3]), np.radians(35)).reshape(-1)))
STRAIGHT = Geometry((0.5, 0.6, 3.0), (-100.0, -80.0, 20.0))


def sample_labels(geometry):
    array = np.zeros((7, 12, 15), np.uint8)
    array[1:6, 2:10, 3:12] = 1
    array[3, 4:7, 5:8] = 2
    array[2:4, 7:9, 9:11] = 3
    return LabelImage(array, geometry, get_task("uterus-fibroid").labels)


@pytest.mark.parametrize("geometry", [STRAIGHT, OBLIQUE], ids=["straight", "oblique"])
def test_volume_round_trip(scene, geometry):
    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    image = Image(np.random.default_rng(0).normal(size=(7, 12, 15)).astype(np.float32), geometry)
    node = image_to_volume_node(image, "t2")
    assert node.GetImageData().GetDimensions() == (15, 12, 7)
    assert np.allclose(node.GetSpacing(), geometry.spacing_mm)
    back = volume_node_to_image(node)
    assert np.array_equal(back.array, image.array) and back.geometry.allclose(geometry, 1e-6)
    assert np.allclose(node.GetOrigin(), [-geometry.origin_lps_mm[0], -geometry.origin_lps_mm[1],
                                          geometry.origin_lps_mm[2]])


def test_transformed_volume_is_refused(scene):
    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    node = image_to_volume_node(Image(np.zeros((2, 3, 4), np.float32), STRAIGHT), "t2")
    transform = scene.AddNewNodeByClass("vtkMRMLLinearTransformNode")
    node.SetAndObserveTransformNodeID(transform.GetID())
    with pytest.raises(GeometryError, match="harden"):
        volume_node_to_image(node)


@pytest.mark.parametrize("geometry", [STRAIGHT, OBLIQUE], ids=["straight", "oblique"])
def test_segmentation_round_trip(scene, geometry, tmp_path):
    import slicer

    from GynAILib.segmentations import label_image_to_segmentation_node, segmentation_node_to_label_image
    from GynAILib.volumes import image_to_volume_node

    labels = sample_labels(geometry)
    volume = image_to_volume_node(Image(labels.array.astype(np.float32), geometry), "t2")
    node = label_image_to_segmentation_node(labels, volume, name="seg")
    segmentation = node.GetSegmentation()
    assert [segmentation.GetNthSegment(i).GetName() for i in range(3)] == ["Myometrium", "Endometrium", "Fibroid"]
    assert np.allclose(segmentation.GetSegment("fibroid").GetColor(), labels.labels[2].color_rgb)
    back = segmentation_node_to_label_image(node, volume, labels.labels)
    assert np.array_equal(back.array, labels.array) and back.geometry.allclose(geometry, 1e-6)
    slicer.util.saveNode(node, str(tmp_path / "s.seg.nrrd"))
    loaded = slicer.util.loadSegmentation(str(tmp_path / "s.seg.nrrd"))
    again = segmentation_node_to_label_image(loaded, volume, labels.labels)
    assert np.array_equal(again.array, labels.array)


def test_overlapping_segments_are_refused(scene):
    import slicer

    from gynai.errors import LabelError
    from GynAILib.segmentations import label_image_to_segmentation_node, segmentation_node_to_label_image
    from GynAILib.volumes import image_to_volume_node

    labels = sample_labels(STRAIGHT)
    volume = image_to_volume_node(Image(labels.array.astype(np.float32), STRAIGHT), "t2")
    node = label_image_to_segmentation_node(labels, volume)
    overlap = (labels.array > 0).astype(np.uint8)
    slicer.util.updateSegmentBinaryLabelmapFromArray(overlap, node, "fibroid", volume)
    with pytest.raises(LabelError, match="overlaps"):
        segmentation_node_to_label_image(node, volume, labels.labels)
