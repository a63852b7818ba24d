"""Read a DICOM image series (SimpleITK for voxels and geometry, pydicom for identifying metadata)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional, Sequence

import pydicom
import SimpleITK as sitk

from gynai.errors import GeometryError, InputFileError
from gynai.io.multiframe import NON_IMAGE_MODALITIES, is_multiframe_image, read_multiframe
from gynai.io.series_geometry import (RESAMPLED_KEY, SeriesLayout, missing_from_series, regular_slices,
                                      series_layout)

logger = logging.getLogger(__name__)

DICOM_FILES_KEY = "gynai.dicom_files"
"""Image metadata key listing the files of the DICOM series a volume was read from (one per line)."""

METADATA_TAGS = ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID", "Modality",
                 "SeriesDescription", "StudyDate")


def read_dicom_series_sitk(folder: Path, series_uid: Optional[str] = None,
                           resample_irregular: bool = False) -> sitk.Image:
    """Read one series of a folder as a SimpleITK image (slices sorted by position).

    The slices' geometry is checked first (:mod:`gynai.io.series_geometry`). Irregular slice positions (a
    missing slice, uneven gaps) are refused unless ``resample_irregular``: then the slices are linearly
    interpolated onto a regular grid of the series' slice spacing, and the image's metadata
    :data:`RESAMPLED_KEY` says so (the outputs record it). Identifying tags of the first file are stored as
    ``dicom.<Tag>`` metadata on the image, and the files read (one enhanced multi-frame file, or every file
    of the series, resampled or not) as :data:`DICOM_FILES_KEY`: the DICOM outputs reference these original
    instances (:mod:`gynai.dicom.source`).

    Raises:
        InputFileError: No DICOM series, several series without ``series_uid``, or unreadable, truncated or
            missing files.
        GeometryError: Mixed orientations or matrices, duplicate slices, or (without ``resample_irregular``)
            irregular slice positions; the message names the gap.
    """
    folder = Path(folder)
    for entry in folder.iterdir():                  # GDCM opens every file: a pipe would block it forever
        if not (entry.is_file() or entry.is_dir()):
            raise InputFileError(f"{folder} holds {entry.name}, which is not a regular file (a pipe, device or "
                                 "socket); remove it or give a folder of DICOM files only")
    multiframe = _multiframe_file(folder, series_uid)
    if multiframe is not None:
        image = read_multiframe(multiframe, resample_irregular)
        for key, value in _identifying_metadata(multiframe).items():
            image.SetMetaData(f"dicom.{key}", value)
        image.SetMetaData(DICOM_FILES_KEY, str(multiframe.resolve()))
        return image
    series = sitk.ImageSeriesReader.GetGDCMSeriesIDs(str(folder)) or ()
    if not series:
        raise InputFileError(f"{folder} contains no DICOM image series; give a folder of DICOM slices")
    if series_uid is None:
        if len(series) > 1:
            raise InputFileError(f"{folder} holds {len(series)} DICOM series ({', '.join(series)}); "
                                 "put the series to use in a folder of its own")
        series_uid = series[0]
    elif series_uid not in series:
        raise InputFileError(f"series {series_uid} is not in {folder}; present: {', '.join(series)}")
    files = sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), series_uid)
    missing_from_series(folder, files, series_uid)
    layout = series_layout(files)
    if layout.problem and not resample_irregular:
        raise GeometryError(f"the DICOM series in {folder.name} {layout.problem}; export the complete series "
                            "again, or pass --resample-irregular-slices to resample it onto a regular "
                            f"{layout.spacing_mm:.3g} mm grid")
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(files)
    try:
        image = reader.Execute()
    except RuntimeError:
        raise InputFileError(f"DICOM series {series_uid} in {folder} cannot be read (missing or corrupt slices)") \
            from None
    if layout.problem:
        image = _regular_image(image, layout, folder)
    for key, value in _identifying_metadata(Path(files[0])).items():
        image.SetMetaData(f"dicom.{key}", value)
    image.SetMetaData(DICOM_FILES_KEY, "\n".join(str(Path(f).resolve()) for f in files))   # resampled too
    logger.debug("read DICOM series %s: %d slices", series_uid, len(files))
    return image


def _multiframe_file(folder: Path, series_uid: Optional[str]) -> Optional[Path]:
    """The enhanced multi-frame image of a folder, if it holds one (and no other images).

    Raises:
        InputFileError: Several multi-frame images, or only non-image objects (SEG, SR, ...).
    """
    found, kinds, images = [], set(), 0
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            header = pydicom.dcmread(str(path), stop_before_pixels=True,
                                     specific_tags=["SOPClassUID", "Modality", "SeriesInstanceUID"])
        except Exception:  # not DICOM: GDCM decides
            continue
        if series_uid is not None and str(getattr(header, "SeriesInstanceUID", "")) != series_uid:
            continue
        modality = str(getattr(header, "Modality", ""))
        if is_multiframe_image(header):
            found.append(path)
        elif modality in NON_IMAGE_MODALITIES:
            kinds.add(modality)
        else:
            images += 1
    if len(found) > 1:
        raise InputFileError(f"{folder} holds {len(found)} multi-frame images; put the one to use in a folder of "
                             "its own")
    if found and images:
        raise InputFileError(f"{folder} mixes a multi-frame image with single-frame images; put the series to "
                             "use in a folder of its own")
    if not found and not images and kinds:
        raise InputFileError(f"{folder} holds only DICOM {', '.join(sorted(kinds))} objects, no images; give the "
                             "folder of the image series they belong to")
    return found[0] if found else None


def _regular_image(image: sitk.Image, layout: SeriesLayout, folder: Path) -> sitk.Image:
    """The series resampled onto regular slices (origin and direction kept), the note in its metadata."""
    regular = sitk.GetImageFromArray(regular_slices(sitk.GetArrayViewFromImage(image), layout))
    regular.SetOrigin(image.GetOrigin())
    regular.SetDirection(image.GetDirection())
    regular.SetSpacing(image.GetSpacing()[:2] + (layout.spacing_mm,))
    note = (f"the DICOM series {layout.problem}; its {len(layout.offsets_mm)} slices were resampled onto "
            f"{regular.GetSize()[2]} regular slices {layout.spacing_mm:.3g} mm apart (linear interpolation), "
            "as asked: measurements near the gap are interpolated")
    regular.SetMetaData(RESAMPLED_KEY, note)
    logger.warning("%s: %s", folder.name, note)
    return regular


def _identifying_metadata(path: Path) -> dict[str, str]:
    try:
        dataset = pydicom.dcmread(str(path), stop_before_pixels=True)
    except Exception:  # pydicom raises several types for damaged headers; metadata is optional here
        logger.warning("could not read DICOM metadata of %s", path.name)
        return {}
    return {tag: str(getattr(dataset, tag)) for tag in METADATA_TAGS if getattr(dataset, tag, None) not in (None, "")}


def dicom_files_of(metadata: dict) -> list[Path]:
    """The DICOM files a volume was read from (empty for other formats)."""
    text = metadata.get(DICOM_FILES_KEY, "")
    return [Path(line) for line in text.splitlines() if line]


def dicom_identity(files: Sequence[Path]) -> dict[str, str]:
    """Image metadata that ties a volume to the DICOM files it was read from (as the DICOM reader sets it).

    ``dicom.<Tag>`` identifiers (:data:`METADATA_TAGS`) of the first file and :data:`DICOM_FILES_KEY`;
    the report uses them for its header and for SEG/SR that reference the real series.
    """
    if not files:
        return {}
    identity = {f"dicom.{key}": value for key, value in _identifying_metadata(Path(files[0])).items()}
    identity[DICOM_FILES_KEY] = "\n".join(str(Path(f).resolve()) for f in files)
    return identity
