"""Issue 17, findings 5 and 9: malformed .seg.nrrd header fields, voxels without a segment and a shifted
segmentation are one-line errors that say what is wrong."""

import numpy as np
import pytest

from gynai.cli.main import main
from gynai.errors import GeometryError, InputFileError, LabelError
from gynai.image import Geometry, Image, LabelImage, LabelInfo
from gynai.io.images import write_image
from gynai.io.segnrrd import read_seg_file, read_seg_nrrd, write_seg_nrrd
from gynai.labels.grid import labels_on_image_grid

GEOMETRY = Geometry((1.0, 1.0, 2.0), (-10.0, 5.0, 0.0))
TABLE = (LabelInfo(1, "myometrium", "Myometrium", (1, 0, 0)), LabelInfo(2, "endometrium", "Endometrium", (0, 1, 0)),
         LabelInfo(3, "fibroid", "Fibroid", (0, 0, 1)))


def labels_array():
    array = np.zeros((10, 20, 20), np.uint8)
    array[2:8, 4:16, 4:16] = 1
    array[4:6, 8:12, 8:12] = 2
    array[3, 5:7, 5:7] = 3
    return array


def seg_file(tmp_path, array=None, geometry=GEOMETRY):
    return write_seg_nrrd(LabelImage(labels_array() if array is None else array, geometry, TABLE),
                          tmp_path / "labels.seg.nrrd")


def edit_header(path, old, new):
    data = path.read_bytes()
    header, body = data.split(b"\n\n", 1)
    assert old.encode() in header, old
    path.write_bytes(header.replace(old.encode(), new.encode(), 1) + b"\n\n" + body)


@pytest.mark.parametrize("old, new, field", [
    ("Segment1_LabelValue:=2", "Segment1_LabelValue:=abc", "Segment1_LabelValue"),
    ("Segment1_LabelValue:=2", "Segment1_LabelValue:=-4", "Segment1_LabelValue"),
    ("Segment0_Color:=1 0 0", "Segment0_Color:=red", "Segment0_Color"),
    ("Segment0_Color:=1 0 0", "Segment0_Color:=1 0 nan", "Segment0_Color"),
    ("Segment0_Color:=1 0 0", "Segment0_Color:=255 0 0", "Segment0_Color"),
    ("Segment0_Extent:=4 15", "Segment0_Extent:=x 15", "Segment0_Extent"),
    ("Segment0_Layer:=0", "Segment0_Layer:=top", "Segment0_Layer"),
    ("Segmentation_ReferenceImageExtentOffset:=0 0 0", "Segmentation_ReferenceImageExtentOffset:=0 zero 0",
     "Segmentation_ReferenceImageExtentOffset"),
])
def test_malformed_segment_fields_are_named(tmp_path, old, new, field):
    path = seg_file(tmp_path)
    edit_header(path, old, new)
    with pytest.raises(InputFileError, match=field) as info:
        read_seg_nrrd(path)
    assert "\n" not in str(info.value)


def test_two_segments_with_one_label_value_are_refused(tmp_path):
    path = seg_file(tmp_path)
    edit_header(path, "Segment2_LabelValue:=3", "Segment2_LabelValue:=2")
    with pytest.raises(LabelError, match="share label value 2"):
        read_seg_nrrd(path)


def test_voxels_of_a_value_without_segment_are_not_dropped_silently(tmp_path):
    array = labels_array()
    path = seg_file(tmp_path, array)
    edit_header(path, "Segment2_LabelValue:=3", "Segment2_LabelValue:=7")      # fibroid voxels keep value 3
    with pytest.raises(LabelError, match=r"label value\(s\) \[3\] belong to no segment"):
        read_seg_file(path)


def test_cli_measure_of_a_malformed_segmentation_exits_2(tmp_path, capsys):
    image = Image(np.random.default_rng(0).normal(300, 40, (10, 20, 20)).astype(np.float32), GEOMETRY)
    write_image(image, tmp_path / "image.nrrd")
    path = seg_file(tmp_path)
    edit_header(path, "Segment1_LabelValue:=2", "Segment1_LabelValue:=abc")
    capsys.readouterr()
    code = main(["measure", str(tmp_path / "image.nrrd"), str(path), "--task", "uterus-fibroid",
                 "-o", str(tmp_path / "m.json")])
    error = capsys.readouterr().err
    assert code == 2 and len(error.strip().splitlines()) == 1 and "LabelValue" in error
    assert not (tmp_path / "m.json").exists()


def test_shifted_origin_is_reported_as_a_shift_not_a_spacing_mismatch():
    shifted = Geometry(GEOMETRY.spacing_mm, (-9.6, 5.0, 0.0))
    labels = LabelImage(labels_array(), shifted, TABLE)
    with pytest.raises(GeometryError) as info:
        labels_on_image_grid(labels, GEOMETRY, (10, 20, 20))
    message = str(info.value)
    assert "shifted by (0.4, 0, 0) mm" in message and "spacing (" not in message


def test_other_spacing_is_still_reported_as_spacing():
    labels = LabelImage(labels_array(), Geometry((1.0, 1.0, 3.0), GEOMETRY.origin_lps_mm), TABLE)
    with pytest.raises(GeometryError, match=r"spacing \(1, 1, 3\) vs \(1, 1, 2\) mm"):
        labels_on_image_grid(labels, GEOMETRY, (10, 20, 20))
