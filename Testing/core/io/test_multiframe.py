"""Issue 17, finding 10: enhanced multi-frame MR is read as one 3D volume from its per-frame functional
groups (compressed too); a folder of only SEG/SR objects gets a message that says so."""

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid

from gynai.errors import GeometryError, InputFileError
from gynai.io.images import read_image

ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
SLICE_MM, FRAMES = 4.0, 7


def item(**values):
    dataset = Dataset()
    for keyword, value in values.items():
        setattr(dataset, keyword, value)
    return dataset


def enhanced_mr(folder, order=None, drop=None, slope=1.0, compress=False):
    """An Enhanced MR file: frame k is slice ``order[k]`` (value 100 + 10 × slice) at z = 4 mm × slice."""
    order = list(range(FRAMES)) if order is None else order
    if drop is not None:
        order = [k for k in order if k != drop]
    folder.mkdir()
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.TransferSyntaxUID = ENHANCED_MR, ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.Modality, ds.PatientID = ENHANCED_MR, "MR", "MF-1"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = generate_uid(), generate_uid(), generate_uid()
    ds.Rows, ds.Columns, ds.NumberOfFrames = 12, 10, len(order)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.SharedFunctionalGroupsSequence = [item(
        PixelMeasuresSequence=[item(PixelSpacing=[1.5, 0.75], SliceThickness=SLICE_MM)],
        PlaneOrientationSequence=[item(ImageOrientationPatient=[1, 0, 0, 0, 1, 0])],
        PixelValueTransformationSequence=[item(RescaleSlope=slope, RescaleIntercept=0, RescaleType="US")])]
    ds.PerFrameFunctionalGroupsSequence = [
        item(PlanePositionSequence=[item(ImagePositionPatient=[-5.0, 8.0, SLICE_MM * k])]) for k in order]
    pixels = np.stack([np.full((12, 10), 100 + 10 * k, np.uint16) for k in order])
    pixels[:, 2, 3] = 7                                              # a marker for the in-plane orientation
    ds.PixelData = pixels.tobytes()
    if compress:
        ds.compress(RLELossless, pixels)
    ds.save_as(folder / "enhanced.dcm", enforce_file_format=True)
    return folder


@pytest.mark.parametrize("compress", [False, True], ids=["uncompressed", "rle"])
def test_enhanced_mr_is_one_volume_in_slice_order(tmp_path, compress):
    folder = enhanced_mr(tmp_path / "mf", order=[3, 0, 6, 1, 5, 2, 4], compress=compress)
    image = read_image(folder)
    assert image.array.shape == (FRAMES, 12, 10)
    assert [int(image.array[k, 0, 0]) for k in range(FRAMES)] == [100 + 10 * k for k in range(FRAMES)]
    assert image.array[0, 2, 3] == 7
    assert image.geometry.spacing_mm == pytest.approx((0.75, 1.5, SLICE_MM))
    assert image.geometry.origin_lps_mm == pytest.approx((-5.0, 8.0, 0.0))
    assert image.metadata["dicom.PatientID"] == "MF-1" and image.modality == "MR"
    assert read_image(folder / "enhanced.dcm").array.shape == (FRAMES, 12, 10)


def test_rescale_is_applied(tmp_path):
    image = read_image(enhanced_mr(tmp_path / "mf", slope=0.5))
    assert float(image.array[1, 0, 0]) == pytest.approx(55.0)


def test_a_missing_frame_is_refused_or_resampled(tmp_path):
    folder = enhanced_mr(tmp_path / "mf", drop=3)
    with pytest.raises(GeometryError, match="frame 3 and frame 4"):
        read_image(folder)
    image = read_image(folder, resample_irregular=True)
    assert image.array.shape[0] == FRAMES and int(image.array[3, 0, 0]) == 130


def test_a_folder_of_only_seg_and_sr_says_so(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    for modality, sop_class in (("SEG", "1.2.840.10008.5.1.4.1.1.66.4"), ("SR", "1.2.840.10008.5.1.4.1.1.88.34")):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.TransferSyntaxUID = sop_class, ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
        ds.SOPClassUID, ds.Modality, ds.SeriesInstanceUID = sop_class, modality, generate_uid()
        ds.save_as(folder / f"{modality.lower()}.dcm", enforce_file_format=True)
    with pytest.raises(InputFileError, match="only DICOM SEG, SR objects, no images"):
        read_image(folder)
    assert pydicom.dcmread(folder / "seg.dcm").Modality == "SEG"
