"""Issue 17, finding 2: a DICOM series whose slices are not regular is refused (naming the gap), or
resampled onto a regular grid when asked, with a note in the outputs."""

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from gynai.cli.main import main
from gynai.errors import GeometryError, InputFileError
from gynai.image import Geometry
from gynai.io.dicom_series import RESAMPLED_KEY
from gynai.io.images import input_notes, read_image

SLICE_MM = 7.5
GEOMETRY = Geometry((2.0, 2.0, SLICE_MM), (-30.0, -30.0, 10.0))


@pytest.fixture
def ramp_series(tmp_path, write_dicom_series):
    """A series of 9 slices whose value is 10 × slice number (a linear ramp along z: interpolation is exact)."""
    return lambda: _ramp_series(tmp_path, write_dicom_series)


def _ramp_series(tmp_path, write_dicom_series, slices=9):
    array = np.repeat(np.arange(slices, dtype=np.uint16)[:, None, None] * 10, 32 * 32).reshape(slices, 32, 32)
    array[:, 8:24, 8:24] += 500                                 # some contrast for the model checks
    write_dicom_series(tmp_path / "series", GEOMETRY, array)
    return tmp_path / "series", array


def move_slice(path, shift_mm):
    dataset = pydicom.dcmread(path)
    position = [float(v) for v in dataset.ImagePositionPatient]
    position[2] += shift_mm
    dataset.ImagePositionPatient = position
    dataset.save_as(path)


def test_regular_series_reads_with_its_spacing(tmp_path, ramp_series):
    folder, array = ramp_series()
    image = read_image(folder)
    assert image.geometry.spacing_mm[2] == pytest.approx(SLICE_MM) and np.array_equal(image.array, array)
    assert input_notes(image) == ()


def test_a_missing_slice_is_refused_naming_the_gap(tmp_path, ramp_series):
    folder, _ = ramp_series()
    (folder / "slice004.dcm").unlink()
    with pytest.raises(GeometryError) as info:
        read_image(folder)
    message = str(info.value)
    assert "slice003.dcm and slice005.dcm" in message and "15 mm" in message and "1 slice(s) missing" in message
    assert "--resample-irregular-slices" in message and "\n" not in message


def test_irregular_gap_is_refused(tmp_path, ramp_series):
    folder, _ = ramp_series()
    move_slice(folder / "slice006.dcm", 2.0)
    with pytest.raises(GeometryError, match="irregular slice positions"):
        read_image(folder)


def test_duplicate_slice_is_refused(tmp_path, ramp_series):
    folder, _ = ramp_series()
    dataset = pydicom.dcmread(folder / "slice003.dcm")
    dataset.SOPInstanceUID = pydicom.uid.generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.save_as(folder / "slice003b.dcm")
    with pytest.raises(GeometryError, match="two slices at one position"):
        read_image(folder)


def test_mixed_orientations_are_refused(tmp_path, ramp_series):
    folder, _ = ramp_series()
    dataset = pydicom.dcmread(folder / "slice002.dcm")
    dataset.ImageOrientationPatient = [1, 0, 0, 0, 0.8, 0.6]
    dataset.save_as(folder / "slice002.dcm")
    with pytest.raises(GeometryError, match="orientations"):
        read_image(folder)


def test_truncated_slice_is_named(tmp_path, ramp_series):
    folder, _ = ramp_series()
    path = folder / "slice005.dcm"
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(InputFileError, match="slice005.dcm"):
        read_image(folder)


def test_resampling_an_irregular_series_when_asked(tmp_path, ramp_series):
    folder, array = ramp_series()
    (folder / "slice004.dcm").unlink()
    image = read_image(folder, resample_irregular=True)
    assert image.array.shape == array.shape and image.geometry.spacing_mm[2] == pytest.approx(SLICE_MM)
    np.testing.assert_array_equal(image.array, array)               # the ramp: the lost slice interpolated exactly
    assert image.geometry.origin_lps_mm == pytest.approx(GEOMETRY.origin_lps_mm)
    assert "slice(s) missing" in image.metadata[RESAMPLED_KEY] and input_notes(image)
    assert len(image.metadata["gynai.dicom_files"].splitlines()) == 8   # the files read: DICOM output references them


def test_cli_refuses_then_resamples_and_records_it(tmp_path, ramp_series, capsys):
    folder, _ = ramp_series()
    (folder / "slice004.dcm").unlink()
    out = tmp_path / "labels.seg.nrrd"
    assert main(["-q", "segment", str(folder), "--task", "uterus-fibroid", "-o", str(out), "--device", "cpu"]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "slice003.dcm and slice005.dcm" in error and not out.exists()
    assert main(["-q", "segment", str(folder), "--task", "uterus-fibroid", "-o", str(out), "--device", "cpu",
                 "--resample-irregular-slices"]) == 0
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(out))
    reader.ReadImageInformation()
    assert reader.GetSize()[2] == 9 and "slice(s) missing" in reader.GetMetaData("GynAI_InputNote")
