"""The source image series that DICOM SEG and SR reference: read from DICOM, or generated for other input.

When the analysed volume came from a DICOM series, its headers are read and sorted into the volume's slice
order, so SEG frames and SR references point at the real images. When it came from NIfTI/NRRD/MHA (no
DICOM identity exists), an MR Image Storage series is generated from the voxels: a pseudonymous patient
(``GYNAI-<digest>``) and UIDs under ``2.25`` derived from the voxels, so every input is a patient and study
of its own and the same input gives the same identity; Patient Identity Removed and De-identification
Method say so, as does the series description. ``generated`` is True and the caller must store/send this
series along with the SEG and SR.

Two DICOM inputs are not one file per slice: an enhanced multi-frame image (one file, frames in any order)
and a series resampled onto a regular grid (``--resample-irregular-slices``). Their source is the original
instances read (``slice_aligned`` False): the SEG then places its frames by position and references the
source frames where they coincide with its slices, else the original instances at series level
(:mod:`gynai.dicom.seg`); nothing references made-up or resampled-slice UIDs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian
from pydicom.valuerep import DSfloat

from gynai import __version__
from gynai.dicom.uids import derived_uid
from gynai.errors import GeometryError, InputFileError
from gynai.image import Image
from gynai.io.multiframe import is_multiframe_image
from gynai.io.series_geometry import RESAMPLED_KEY

logger = logging.getLogger(__name__)

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
GENERATED_DESCRIPTION = "GynAI generated from non-DICOM input"
DEIDENTIFICATION_METHOD = "GynAI: non-DICOM input, pseudonym from voxels"
DEIDENTIFICATION_ATTRIBUTES = ("PatientIdentityRemoved", "DeidentificationMethod")
"""Attributes of a generated source that the objects made from it (SEG, SR, PDF) carry too."""
_POSITION_TOL_MM = 0.05


@dataclass
class SourceSeries:
    """Datasets of the source images, one per slice in the volume's k order.

    Attributes:
        datasets: Headers (with pixel data when generated) in the order of ``image.array`` slices; when not
            ``slice_aligned``, the original instances read (one multi-frame image, or a resampled series'
            files by position).
        generated: True when the series was generated from non-DICOM input (new UIDs, placeholders).
        slice_aligned: True when dataset k is slice k of the volume.
    """

    datasets: list[Dataset]
    generated: bool
    slice_aligned: bool = True

    @property
    def study_instance_uid(self) -> str:
        """The study the series belongs to."""
        return str(self.datasets[0].StudyInstanceUID)


def _pixel_values(array: np.ndarray) -> tuple[np.ndarray, bool, str]:
    """Voxels as 16-bit integers: (values, signed, how they were converted)."""
    if array.dtype.kind in "iu" and array.min() >= 0 and array.max() <= 65535:
        return array.astype(np.uint16), False, "stored unchanged"
    if array.dtype.kind in "iu" and array.min() >= -32768 and array.max() <= 32767:
        return array.astype(np.int16), True, "stored unchanged"
    low, high = float(array.min()), float(array.max())
    scale = 4095.0 / (high - low) if high > low else 0.0
    return np.round((array - low) * scale).astype(np.uint16), False, f"rescaled linearly from [{low:.4g}, {high:.4g}] to [0, 4095]"


def ds_value(value: float) -> DSfloat:
    """A decimal string value that fits DICOM's 16 characters."""
    return DSfloat(float(value), auto_format=True)


def input_digest(image: Image) -> str:
    """SHA-256 of a volume's voxels and geometry: the reproducible identity of a non-DICOM input."""
    digest = hashlib.sha256(np.ascontiguousarray(image.array).tobytes())
    digest.update(repr((image.array.dtype.str, image.array.shape, image.geometry.spacing_mm,
                        image.geometry.origin_lps_mm, image.geometry.direction)).encode())
    return digest.hexdigest()


def pseudonym(digest: str) -> tuple[str, str]:
    """Patient ID and name standing for the unknown patient of a non-DICOM input (from its digest)."""
    return f"GYNAI-{digest[:12].upper()}", f"GynAI^{digest[:8].upper()}"


def synthesize_series(image: Image, patient_id: Optional[str] = None, patient_name: Optional[str] = None,
                      series_description: str = GENERATED_DESCRIPTION) -> SourceSeries:
    """Generate an MR Image Storage series (one instance per slice) from a volume without DICOM identity.

    The patient is a pseudonym (:func:`pseudonym`) unless ``patient_id``/``patient_name`` are given, and every
    UID is derived from the voxels (:func:`gynai.dicom.uids.derived_uid`): the same input gives the same study
    and instances, different inputs different patients and studies. The instances say that they carry no real
    identity (Patient Identity Removed, De-identification Method).
    """
    geometry = image.geometry
    values, signed, how = _pixel_values(np.asarray(image.array))
    logger.info("generating a DICOM source series for non-DICOM input (voxels %s)", how)
    now = _dt.datetime.now()
    digest = input_digest(image)
    own_id, own_name = pseudonym(digest)
    patient_id, patient_name = patient_id or own_id, patient_name or own_name
    key = f"{digest}/{patient_id}"                  # another stated patient: another study, other instances
    study_uid, series_uid, frame_uid = (derived_uid(key, role) for role in ("study", "series", "frame"))
    direction = geometry.direction_matrix
    orientation = [ds_value(v) for v in np.concatenate([direction[:, 0], direction[:, 1]])]
    datasets = []
    for k in range(values.shape[0]):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = MR_IMAGE_STORAGE
        ds.file_meta.MediaStorageSOPInstanceUID = derived_uid(key, f"instance-{k + 1}")
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = MR_IMAGE_STORAGE, ds.file_meta.MediaStorageSOPInstanceUID
        ds.SpecificCharacterSet = "ISO_IR 192"
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = patient_name, patient_id, "", ""
        ds.PatientIdentityRemoved, ds.DeidentificationMethod = "YES", DEIDENTIFICATION_METHOD
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study_uid, series_uid, frame_uid
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = now.strftime("%Y%m%d")
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = now.strftime("%H%M%S")
        ds.StudyID, ds.AccessionNumber, ds.ReferringPhysicianName = digest[:16].upper(), "", ""
        ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "MR", 1, k + 1
        ds.SeriesDescription = series_description
        ds.Manufacturer, ds.ManufacturerModelName, ds.SoftwareVersions = "GynAI", "gynai", __version__
        ds.PositionReferenceIndicator = ""
        ds.ImageType = ["DERIVED", "SECONDARY", "OTHER"]
        ds.ScanningSequence, ds.SequenceVariant, ds.ScanOptions, ds.MRAcquisitionType = "RM", "NONE", "", "3D"
        ds.EchoTime = ds.RepetitionTime = ds.EchoTrainLength = ds.MagneticFieldStrength = None
        ds.SliceThickness = ds_value(geometry.spacing_mm[2])
        ds.PixelSpacing = [ds_value(geometry.spacing_mm[1]), ds_value(geometry.spacing_mm[0])]
        ds.ImageOrientationPatient = orientation
        position = geometry.index_to_lps([0.0, 0.0, float(k)])
        ds.ImagePositionPatient = [ds_value(v) for v in position]
        ds.SliceLocation = ds_value(np.dot(position, np.cross(direction[:, 0], direction[:, 1])))
        ds.Laterality, ds.PatientPosition = "", ""
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = int(values.shape[1]), int(values.shape[2])
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 1 if signed else 0
        ds.ImageComments = f"voxels {how}"
        ds.PixelData = np.ascontiguousarray(values[k]).tobytes()
        datasets.append(ds)
    return SourceSeries(datasets, generated=True)


def as_unicode(dataset: Dataset) -> Dataset:
    """The header with every text decoded and declared UTF-8 (``ISO_IR 192``), in memory only.

    The objects GynAI derives copy the patient and study from the source; a source in a multi-valued or
    ISO 2022 character set (``\\ISO 2022 IR 87``, Japanese) is refused by highdicom, and re-encoding the
    decoded names in UTF-8 keeps every character.
    """
    dataset.decode()
    dataset.SpecificCharacterSet = "ISO_IR 192"
    return dataset


def _read_header(path: Path) -> Dataset:
    try:
        return as_unicode(pydicom.dcmread(str(path), stop_before_pixels=True))
    except Exception:  # pydicom raises several types for damaged files
        raise InputFileError(f"{Path(path).name} is not a readable DICOM file") from None


def _position_along_normal(dataset: Dataset) -> float:
    orientation = np.asarray(dataset.ImageOrientationPatient, float)
    return float(np.dot(np.asarray(dataset.ImagePositionPatient, float), np.cross(orientation[:3], orientation[3:])))


def load_source_series(files: list[Path], image: Image) -> SourceSeries:
    """Headers of the DICOM files ``image`` was read from: ordered like its slices for a series of single-frame
    images on the volume's grid; as read for one enhanced multi-frame image, and by position for a series that
    was resampled onto a regular grid (both not ``slice_aligned``).

    Raises:
        InputFileError: A file is not readable as DICOM.
        GeometryError: The series does not match the image's slices (count or positions).
    """
    datasets = [_read_header(path) for path in files]
    if len(datasets) == 1 and is_multiframe_image(datasets[0]):
        return SourceSeries(datasets, generated=False, slice_aligned=False)
    if image.metadata.get(RESAMPLED_KEY):
        logger.info("the volume was resampled from %d DICOM images: the outputs reference them by position",
                    len(datasets))
        return SourceSeries(sorted(datasets, key=_position_along_normal), generated=False, slice_aligned=False)
    if len(datasets) != image.array.shape[0]:
        raise GeometryError(f"the DICOM series has {len(datasets)} images but the volume {image.array.shape[0]} "
                            "slices; give the series the volume was read from")
    expected = [image.geometry.index_to_lps([0.0, 0.0, float(k)]) for k in range(len(datasets))]
    by_position = []
    for point in expected:
        distances = [np.linalg.norm(np.asarray(ds.ImagePositionPatient, float) - point) for ds in datasets]
        best = int(np.argmin(distances))
        if distances[best] > _POSITION_TOL_MM:
            raise GeometryError("the DICOM series' slice positions do not match the volume; "
                                "give the series the volume was read from")
        by_position.append(datasets[best])
    return SourceSeries(by_position, generated=False)


def mark_deidentified(dataset: Dataset, source: SourceSeries) -> Dataset:
    """Copy a generated source's de-identification attributes onto an object made from it (in place)."""
    if source.generated:
        for keyword in DEIDENTIFICATION_ATTRIBUTES:
            setattr(dataset, keyword, getattr(source.datasets[0], keyword))
    return dataset


def source_for(image: Image, dicom_files: Optional[list[Path]] = None, **identity: str) -> SourceSeries:
    """The source series of a volume: its DICOM files when known, else a generated series."""
    if dicom_files:
        return load_source_series(dicom_files, image)
    return synthesize_series(image, **identity)
