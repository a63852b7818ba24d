"""Shared fixtures of the I/O tests: a DICOM MR series written slice by slice with pydicom."""

import numpy as np
import pydicom
import pytest
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid


def _write_dicom_series(folder, geometry, array: np.ndarray) -> None:
    """One uncompressed MR file per slice ``array[k]`` (uint16) at ``geometry``'s slice positions."""
    folder.mkdir()
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    matrix = geometry.direction_matrix
    for k in range(array.shape[0]):
        ds = pydicom.Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
        ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.Modality, ds.PatientID, ds.SeriesDescription = "MR", "PHANTOM-1", "T2 sag"
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [float(v) for v in geometry.index_to_lps([0, 0, k])]
        ds.ImageOrientationPatient = [float(v) for v in list(matrix[:, 0]) + list(matrix[:, 1])]
        ds.PixelSpacing = [geometry.spacing_mm[1], geometry.spacing_mm[0]]
        ds.SliceThickness = geometry.spacing_mm[2]
        ds.Rows, ds.Columns = array.shape[1], array.shape[2]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = array[k].astype(np.uint16).tobytes()
        ds.save_as(folder / f"slice{k:03d}.dcm", enforce_file_format=True)


@pytest.fixture
def write_dicom_series():
    """``write_dicom_series(folder, geometry, array)`` writes ``array`` as a DICOM series in a new ``folder``."""
    return _write_dicom_series
