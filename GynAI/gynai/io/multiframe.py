"""Enhanced (multi-frame) MR and CT images: one file whose frames are the slices of the volume.

Current scanners export a series as one Enhanced MR/CT Image object; GDCM reads it as one 4D image.
:func:`read_multiframe` builds the 3D volume from the per-frame functional groups instead (pydicom decodes
the frames, compressed transfer syntaxes included): each frame's Plane Position, the Plane Orientation and
Pixel Measures (per frame or shared), and the Pixel Value Transformation (rescale). The frames are sorted
along the slice normal and checked like a series of files (:mod:`gynai.io.series_geometry`): one
orientation, no two frames at one position (several echoes or phases: refused as 4D), regular spacing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pydicom
import SimpleITK as sitk

from gynai.errors import GeometryError, ImageDimensionError, InputFileError
from gynai.io.series_geometry import ORIENTATION_TOLERANCE, RESAMPLED_KEY, layout_of_positions, regular_slices

logger = logging.getLogger(__name__)

MULTIFRAME_IMAGE_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.4.1": "Enhanced MR Image",
    "1.2.840.10008.5.1.4.1.1.4.4": "Legacy Converted Enhanced MR Image",
    "1.2.840.10008.5.1.4.1.1.2.1": "Enhanced CT Image",
    "1.2.840.10008.5.1.4.1.1.2.2": "Legacy Converted Enhanced CT Image",
}
"""Multi-frame image objects read as one volume (SOP Class UID → name)."""

NON_IMAGE_MODALITIES = ("SEG", "SR", "DOC", "KO", "PR", "RTSTRUCT", "REG", "PLAN")


def is_multiframe_image(dataset: pydicom.Dataset) -> bool:
    """Whether a header is an enhanced multi-frame MR/CT image."""
    return str(getattr(dataset, "SOPClassUID", "")) in MULTIFRAME_IMAGE_CLASSES


def _group(dataset: pydicom.Dataset, frame: int, sequence: str) -> Optional[Any]:
    """The first item of functional group ``sequence`` for ``frame`` (per-frame first, then shared)."""
    for holder in (dataset.PerFrameFunctionalGroupsSequence[frame],
                   *(dataset.get("SharedFunctionalGroupsSequence") or [])):
        if sequence in holder and len(holder[sequence].value):
            return holder[sequence].value[0]
    return None


def _require(dataset: pydicom.Dataset, frame: int, sequence: str, keyword: str, name: str) -> list[float]:
    item = _group(dataset, frame, sequence)
    if item is None or keyword not in item:
        raise InputFileError(f"{name}: frame {frame + 1} has no {keyword} in its functional groups; "
                             "the file cannot be placed in space: export it again")
    return [float(v) for v in item[keyword].value]


def _pixels(dataset: pydicom.Dataset, name: str, frames: int) -> np.ndarray:
    try:
        array = dataset.pixel_array
    except Exception as error:  # pydicom raises many types (missing decoder, truncated data)
        raise InputFileError(f"{name}: the frames cannot be decoded ({type(error).__name__}); check that the "
                             "file is complete, or install the decoder of its transfer syntax") from None
    if array.ndim != 3 or array.shape[0] != frames:
        raise ImageDimensionError(f"{name}: {frames} frames of shape {array.shape} are not one 3D volume "
                                  "(colour or a single frame); GynAI needs a scalar 3D volume")
    return array


def _rescaled(dataset: pydicom.Dataset, frames: np.ndarray, order: np.ndarray) -> np.ndarray:
    slopes, intercepts = [], []
    for frame in order:
        item = _group(dataset, int(frame), "PixelValueTransformationSequence")
        slopes.append(float(getattr(item, "RescaleSlope", 1.0) if item is not None else 1.0))
        intercepts.append(float(getattr(item, "RescaleIntercept", 0.0) if item is not None else 0.0))
    volume = frames[order]
    if all(s == 1.0 for s in slopes) and all(i == 0.0 for i in intercepts):
        return volume
    scale = np.asarray(slopes, np.float32)[:, None, None]
    return volume.astype(np.float32) * scale + np.asarray(intercepts, np.float32)[:, None, None]


def read_multiframe(path: Path, resample_irregular: bool = False) -> sitk.Image:
    """The 3D volume of an enhanced multi-frame MR/CT file (see the module description).

    Raises:
        InputFileError: Unreadable file, frames that cannot be decoded or lack their position.
        ImageDimensionError: Not one scalar 3D volume.
        GeometryError: Several orientations, two frames at one position (echoes, phases), or (without
            ``resample_irregular``) irregular frame positions.
    """
    name = Path(path).name
    try:
        dataset = pydicom.dcmread(str(path))
    except Exception:  # pydicom raises several types for damaged files
        raise InputFileError(f"{name} is not a readable DICOM file; copy it again") from None
    frames = int(getattr(dataset, "NumberOfFrames", 1) or 1)
    if "PerFrameFunctionalGroupsSequence" not in dataset or len(dataset.PerFrameFunctionalGroupsSequence) != frames:
        raise InputFileError(f"{name}: the per-frame functional groups do not list its {frames} frames; "
                             "export it again")
    orientations = np.array([_require(dataset, k, "PlaneOrientationSequence", "ImageOrientationPatient", name)
                             for k in range(frames)])
    if np.abs(orientations - orientations[0]).max() > ORIENTATION_TOLERANCE:
        raise GeometryError(f"{name}: its frames have several orientations; export each stack on its own")
    positions = np.array([_require(dataset, k, "PlanePositionSequence", "ImagePositionPatient", name)
                          for k in range(frames)])
    spacing = _require(dataset, 0, "PixelMeasuresSequence", "PixelSpacing", name)
    row, column = orientations[0][:3], orientations[0][3:]
    normal = np.cross(row, column)
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    volume = _rescaled(dataset, _pixels(dataset, name, frames), order)
    slice_mm = float(np.median(np.diff(along[order]))) if frames > 1 else float(
        getattr(_group(dataset, 0, "PixelMeasuresSequence"), "SliceThickness", 1.0) or 1.0)
    if frames > 1:
        layout = layout_of_positions(along[order], [f"frame {k + 1}" for k in order], name, "frames")
        if layout.problem and not resample_irregular:
            raise GeometryError(f"{name} {layout.problem}; export the complete series again, or pass "
                                "--resample-irregular-slices to resample it onto a regular "
                                f"{layout.spacing_mm:.3g} mm grid")
        if layout.problem:
            volume = regular_slices(volume, layout)
        slice_mm = layout.spacing_mm
        note = (f"{name} {layout.problem}; its {frames} frames were resampled onto {volume.shape[0]} regular "
                f"slices {slice_mm:.3g} mm apart (linear interpolation), as asked") if layout.problem else ""
    image = sitk.GetImageFromArray(np.ascontiguousarray(volume))
    image.SetSpacing((spacing[1], spacing[0], slice_mm))
    image.SetOrigin(tuple(float(v) for v in positions[order[0]]))
    image.SetDirection(tuple(float(v) for v in np.column_stack([row, column, normal]).ravel()))
    if frames > 1 and note:
        image.SetMetaData(RESAMPLED_KEY, note)
        logger.warning("%s", note)
    logger.debug("%s: %s with %d frames read as one volume", name, MULTIFRAME_IMAGE_CLASSES.get(
        str(dataset.SOPClassUID), "multi-frame image"), frames)
    return image
