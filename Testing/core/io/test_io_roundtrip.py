"""Image and .seg.nrrd I/O: exact geometry round trips, DICOM series, overwrite protection."""

import numpy as np
import pytest

from gynai.errors import OutputPathError
from gynai.image import Geometry, Image, LabelImage
from gynai.io.images import read_image, write_image
from gynai.io.segnrrd import read_seg_nrrd, write_seg_nrrd
from gynai.phantom.shapes import rotation_matrix
from gynai.tasks import get_task

OBLIQUE = Geometry((0.7, 1.1, 2.3), (12.5, -30.25, 7.0), tuple(rotation_matrix(np.array([1, 2, 3]),
                                                                                  np.radians(35)).reshape(-1)))
STRAIGHT = Geometry((0.5, 0.5, 3.0), (-100.0, -80.0, 20.0))


def make_image(geometry):
    array = np.random.default_rng(0).normal(300, 50, (6, 9, 11)).astype(np.float32)
    return Image(array, geometry)


@pytest.mark.parametrize("suffix", [".nrrd", ".nii.gz", ".nii", ".mha"])
@pytest.mark.parametrize("geometry", [STRAIGHT, OBLIQUE], ids=["straight", "oblique"])
def test_image_round_trip(tmp_path, suffix, geometry):
    image = make_image(geometry)
    path = write_image(image, tmp_path / f"img{suffix}")
    back = read_image(path)
    assert np.array_equal(back.array, image.array)
    assert back.geometry.allclose(geometry, 1e-5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_write_refuses_to_overwrite(tmp_path):
    path = write_image(make_image(STRAIGHT), tmp_path / "a.nrrd")
    before = path.read_bytes()
    with pytest.raises(OutputPathError, match="exists"):
        write_image(make_image(OBLIQUE), path)
    assert path.read_bytes() == before
    write_image(make_image(OBLIQUE), path, overwrite=True)
    assert read_image(path).geometry.allclose(OBLIQUE, 1e-5)


def test_seg_nrrd_round_trip(tmp_path):
    array = np.zeros((6, 9, 11), np.uint8)
    array[1:4, 2:6, 3:8] = 1
    array[2, 3:5, 4:6] = 3
    labels = LabelImage(array, OBLIQUE, get_task("uterus-fibroid").labels)
    path = write_seg_nrrd(labels, tmp_path / "s.seg.nrrd", {"fibroid": "X~SCT^44598004^Leiomyoma"})
    header = path.read_bytes().split(b"\n\n")[0].decode()
    assert "Segment2_Tags:=TerminologyEntry:X~SCT^44598004^Leiomyoma|" in header
    assert "Segment1_Extent:=0 -1 0 -1 0 -1" in header and "Segment0_Extent:=3 7 2 5 1 3" in header
    back = read_seg_nrrd(path)
    assert back.labels == labels.labels
    assert np.array_equal(back.array, array) and back.geometry.allclose(OBLIQUE, 1e-5)


def test_dicom_series_geometry_and_metadata(tmp_path, write_dicom_series):
    array = np.random.default_rng(1).integers(0, 1000, (5, 8, 10)).astype(np.uint16)
    write_dicom_series(tmp_path / "series", OBLIQUE, array)
    image = read_image(tmp_path / "series")
    assert np.array_equal(image.array, array)
    assert image.geometry.allclose(OBLIQUE, 1e-4)
    assert image.metadata["dicom.PatientID"] == "PHANTOM-1" and image.metadata["dicom.Modality"] == "MR"
    assert read_image(tmp_path / "series" / "slice002.dcm").geometry.allclose(OBLIQUE, 1e-4)
