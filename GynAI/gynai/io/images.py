"""Read and write 3D images (NRRD, NIfTI, MHA/MHD, DICOM series) with exact LPS geometry.

All readers return core :class:`~gynai.image.Image` objects; every failure becomes a typed
:mod:`gynai.errors` exception with a one-line message (never a raw SimpleITK ``RuntimeError``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import numpy as np
import SimpleITK as sitk

from gynai.errors import GeometryError, ImageDimensionError, InputFileError
from gynai.image import Geometry, Image
from gynai.io.dicom_series import read_dicom_series_sitk
from gynai.io.series_geometry import RESAMPLED_KEY
from gynai.io.preflight import check_input_file
from gynai.io.safe_write import atomic_output
from gynai.io.sitk_bridge import geometry_from_sitk, image_to_sitk
from gynai.io.written import write_sitk_checked

MODALITY_KEY = "gynai.modality"
"""Header field in which NRRD and MetaImage files written by GynAI record the image's modality."""

logger = logging.getLogger(__name__)

WRITE_SUFFIXES = (".nrrd", ".nii", ".nii.gz", ".mha")
"""Single-file formats that can be written atomically."""


def _read_sitk(path: Path, resample_irregular: bool = False) -> sitk.Image:
    if not path.exists():
        raise InputFileError(f"{path} does not exist; check the path")
    if path.is_dir():
        return read_dicom_series_sitk(path, resample_irregular=resample_irregular)
    check_input_file(path)              # before ITK allocates anything: header, spacing, size, data length
    if path.suffix.lower() == ".dcm":
        return read_dicom_series_sitk(path.parent, resample_irregular=resample_irregular)
    try:
        return sitk.ReadImage(str(path))
    except RuntimeError as error:
        text = str(error)
        if "spacing" in text.lower() or "zero" in text.lower() and "direction" in text.lower():
            raise GeometryError(f"{path.name} has invalid voxel spacing/direction; fix the image header") from None
        raise InputFileError(f"{path.name} is not a readable image (NRRD, NIfTI, MHA or DICOM); "
                             "check that the file is complete and of a supported type") from None


def _to_image(image: sitk.Image, path: Path) -> Image:
    dimension = image.GetDimension()
    if dimension != 3:
        raise ImageDimensionError(f"{path.name} is a {dimension}D image; GynAI needs a 3D volume")
    components = image.GetNumberOfComponentsPerPixel()
    if components != 1:
        raise ImageDimensionError(f"{path.name} has {components} components per voxel (colour or vector image); "
                                  "GynAI needs a scalar 3D volume")
    if not all(np.isfinite(image.GetSpacing())) or min(image.GetSpacing()) <= 0:
        raise GeometryError(f"{path.name}: voxel spacing {image.GetSpacing()} must be finite and positive; "
                            "fix the header")
    try:
        geometry = geometry_from_sitk(image)
    except GeometryError as error:
        raise GeometryError(f"{path.name}: {error}") from None
    array = sitk.GetArrayFromImage(image)
    metadata = {"source_path": str(path)}
    metadata.update({key: image.GetMetaData(key) for key in image.GetMetaDataKeys()
                     if key.startswith("gynai.") or key.startswith("dicom.")})
    return Image(array, geometry, metadata)


def read_image(path: str | Path, modality: Optional[str] = None, resample_irregular: bool = False) -> Image:
    """Read a 3D scalar image: NRRD/NHDR, NIfTI, MHA/MHD, a DICOM series folder or one of its files.

    The image's modality is decided here: the one its file declares (DICOM ``Modality``, or the
    ``gynai.modality`` header field of a NRRD written by GynAI), else ``modality`` as the user states it
    (:meth:`gynai.image.Image.state_modality`), else unknown ('').

    A DICOM series with irregular slice positions is refused unless ``resample_irregular``
    (:func:`gynai.io.dicom_series.read_dicom_series_sitk`).

    Raises:
        InputFileError: Missing, unreadable or non-image file.
        ImageDimensionError: 2D, 4D or multi-component image.
        GeometryError: Zero/negative spacing, invalid direction, or an irregular DICOM series.
        InvalidVoxelDataError: NaN or infinite voxels.
        ModelError: ``modality`` differs from the one the file declares.
    """
    path = Path(path)
    image = _to_image(_read_sitk(path, resample_irregular), path)
    image.state_modality(modality)
    return image


def input_notes(image: Image) -> tuple[str, ...]:
    """Notes on how an image was read that its outputs must record (an irregular DICOM series resampled)."""
    note = image.metadata.get(RESAMPLED_KEY, "")
    return (note,) if note else ()


def read_label_array(path: str | Path) -> tuple[np.ndarray, Geometry]:
    """Read a labelmap file as an integer array [k, j, i] and its geometry.

    Raises:
        InputFileError: The voxels are not whole numbers (not a labelmap).
    """
    image = read_image(path)
    array = image.array
    if array.dtype.kind == "f":
        if not np.all(np.mod(array, 1) == 0):
            raise InputFileError(f"{Path(path).name} has non-integer voxels; it is not a labelmap")
        array = array.astype(np.int32)
    return array, image.geometry


def write_image(image: Image, path: str | Path, overwrite: bool = False, compress: bool = True) -> Path:
    """Write an image atomically (format from the extension); never overwrites unless ``overwrite``.

    The image's modality is kept in NRRD and MetaImage headers (field ``gynai.modality``), so that reading the
    file back declares it again; NIfTI has no such field.

    Raises:
        OutputPathError: The file exists (and not ``overwrite``), the folder is not writable, or the file
            written is incomplete (checked before it replaces the target).
        InputFileError: Unsupported extension.
    """
    path = Path(path)
    if not path.name.lower().endswith(WRITE_SUFFIXES):
        raise InputFileError(f"cannot write {path.name}: use one of {', '.join(WRITE_SUFFIXES)}")
    output = image_to_sitk(image)
    modality = image.modality
    if modality and path.name.lower().endswith((".nrrd", ".nhdr", ".mha", ".mhd")):
        output.SetMetaData(MODALITY_KEY, modality)      # read back as the image's declared modality
    with atomic_output(path, overwrite) as temporary:
        write_sitk_checked(output, temporary, path, compress)
    logger.debug("wrote %s", path)
    return path
