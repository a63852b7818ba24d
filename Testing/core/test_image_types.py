"""Geometry, Image and LabelImage: index/physical mapping and validation."""

import numpy as np
import pytest

from gynai.errors import GeometryError, ImageDimensionError, InvalidVoxelDataError, LabelError
from gynai.image import Geometry, Image, LabelImage, LabelInfo


def rotation(axis, degrees):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    a = np.radians(degrees)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * k @ k


def test_index_to_lps_matches_hand_computation():
    direction = rotation((1, 2, 3), 30)
    geometry = Geometry((0.7, 1.1, 2.3), (10.0, -20.0, 5.0), direction.reshape(-1))
    expected = np.array([10.0, -20.0, 5.0]) + direction @ (np.array([2, 3, 4]) * [0.7, 1.1, 2.3])
    assert np.allclose(geometry.index_to_lps([2, 3, 4]), expected)
    assert np.allclose(geometry.lps_to_index(expected), [2, 3, 4])


def test_ras_matrix_round_trip():
    geometry = Geometry((0.7, 1.1, 2.3), (1.0, 2.0, 3.0), rotation((0, 1, 1), 40).reshape(-1))
    back = Geometry.from_ijk_to_ras(geometry.ijk_to_ras())
    assert back.allclose(geometry, 1e-9)
    assert geometry.ijk_to_ras()[0, 3] == -1.0 and geometry.ijk_to_ras()[1, 3] == -2.0


@pytest.mark.parametrize("spacing", [(0.0, 1.0, 1.0), (1.0, -2.0, 1.0)])
def test_bad_spacing_is_refused(spacing):
    with pytest.raises(GeometryError, match="spacing must be positive"):
        Geometry(spacing)


def test_non_orthonormal_direction_is_refused():
    with pytest.raises(GeometryError, match="orthonormal"):
        Geometry(direction=(1, 0, 0, 1, 1, 0, 0, 0, 1))


def test_image_validation():
    with pytest.raises(ImageDimensionError, match="3D image"):
        Image(np.zeros((4, 4)))
    with pytest.raises(ImageDimensionError):
        Image(np.zeros((2, 4, 4, 3)))
    data = np.zeros((2, 3, 4), np.float32)
    data[1, 1, 1] = np.nan
    with pytest.raises(InvalidVoxelDataError, match="1 NaN"):
        Image(data)
    assert Image(np.zeros((2, 3, 4))).size_xyz == (4, 3, 2)


def test_label_image_lookup_and_validation():
    labels = (LabelInfo(1, "myometrium", "Myometrium"), LabelInfo(3, "fibroid", "Fibroid"))
    array = np.zeros((2, 2, 2), np.uint8)
    array[0, 0, 0], array[1, 1, 1], array[1, 0, 0] = 1, 3, 7
    image = LabelImage(array, Geometry(), labels)
    assert image.mask("fibroid").sum() == 1
    assert image.unknown_values() == [7]
    with pytest.raises(LabelError, match="no label 'placenta'"):
        image.label("placenta")
    with pytest.raises(LabelError, match="unique"):
        LabelImage(array, Geometry(), labels + (LabelInfo(1, "x", "X"),))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.float32])
def test_a_negative_label_voxel_is_refused(dtype):
    """No voxel is below 0, so no voxel can match the -1 that stands for a label the table does not name."""
    array = np.zeros((2, 2, 3), dtype)
    array[1, 1, 2] = -1
    with pytest.raises(LabelError, match="^labelmap voxels must be 0 \\(background\\) or a label value > 0, got -1: "
                       "relabel the segmentation without negative values$"):
        LabelImage(array, Geometry(), (LabelInfo(1, "myometrium", "Myometrium"),))
    array[1, 1, 2] = 0
    assert LabelImage(array, Geometry(), ()).unknown_values() == []
