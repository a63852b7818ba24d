"""Volume node ⇄ core :class:`~gynai.image.Image`, with exact geometry.

Slicer stores a volume's placement as an IJK→RAS matrix; the core types use LPS (like ITK, NRRD and
DICOM). The conversion negates the first two rows of that matrix (``Geometry.ijk_to_ras`` /
``Geometry.from_ijk_to_ras``) and is exact up to floating-point rounding. Voxel arrays are indexed
``[k, j, i]`` on both sides (``slicer.util.arrayFromVolume`` order), so no axis is reordered.

A volume loaded by Slicer's DICOM module carries the SOP Instance UIDs of its files in the node attribute
``DICOM.instanceUIDs``; :func:`volume_node_to_image_with_identity` finds those files (through Slicer's DICOM
database, or a lookup the caller gives) and adds the DICOM identity that ``gynai`` gives a series read from
disk, so reports reference the real patient, study and series.

Only vtk, slicer and gynai are used (no Qt): these functions run in Slicer and in headless tests.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from gynai.errors import GeometryError, ImageDimensionError, InputFileError, InvalidVoxelDataError
from gynai.image import Geometry, Image, declared_modality

logger = logging.getLogger(__name__)

_DEFAULT_NAME = "GynAI volume"
DICOM_UIDS_ATTRIBUTE = "DICOM.instanceUIDs"

FileForInstance = Callable[[str], str]
"""Maps a SOP Instance UID to its file path ("" when unknown), like ``slicer.dicomDatabase.fileForInstance``."""


def _vtk_friendly(array: np.ndarray) -> np.ndarray:
    """``array`` as a C-contiguous array of a voxel type that Slicer volumes support (converted if needed)."""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    elif array.dtype == np.float16:
        array = array.astype(np.float32)
    elif array.dtype.kind in "iu" and array.dtype.itemsize == 8:
        # slicer.util refuses 64-bit integers (they do not render); narrow them when the values fit.
        low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
        for candidate in (np.int32, np.uint32):
            info = np.iinfo(candidate)
            if info.min <= low and high <= info.max:
                array = array.astype(candidate)
                break
        else:
            raise InvalidVoxelDataError(
                f"voxel values {low}..{high} do not fit a 32-bit integer; convert the image to float first")
    return np.ascontiguousarray(array)


def image_to_volume_node(image: Image, name: str = "", node: Any = None, scene: Any = None) -> Any:
    """Put a core image into a scalar volume node (voxels deep-copied, geometry exact).

    Args:
        image: Core image (array [k, j, i], LPS geometry).
        name: Node name; for a new node the default is "GynAI volume", an existing node is renamed
            only when a name is given.
        node: Existing ``vtkMRMLScalarVolumeNode`` (or labelmap volume node) to update in place;
            its display node and references are kept.
        scene: Scene for a new node (default ``slicer.mrmlScene``).

    Returns:
        The new or updated volume node.

    Raises:
        InvalidVoxelDataError: 64-bit integer voxels that do not fit 32 bits.
    """
    import slicer

    array = _vtk_friendly(image.array)
    ijk_to_ras = slicer.util.vtkMatrixFromArray(image.geometry.ijk_to_ras())
    if node is None:
        scene = scene if scene is not None else slicer.mrmlScene
        node = scene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", name or _DEFAULT_NAME)
        node.CreateDefaultDisplayNodes()
    elif name:
        node.SetName(name)
    was_modifying = node.StartModify()
    try:
        node.SetIJKToRASMatrix(ijk_to_ras)
        slicer.util.updateVolumeFromArray(node, array)
    finally:
        node.EndModify(was_modifying)
    logger.debug("volume node '%s' <- image %s", node.GetName(), array.shape)
    return node


def volume_node_ijk_to_ras(node: Any) -> np.ndarray:
    """The 4x4 IJK→RAS matrix of a volume node that has image data (parent transforms not applied).

    When the image data extent does not start at 0 the origin is moved so that index (0, 0, 0) is
    element ``[0, 0, 0]`` of ``slicer.util.arrayFromVolume(node)``.
    """
    import slicer
    import vtk

    matrix = vtk.vtkMatrix4x4()
    node.GetIJKToRASMatrix(matrix)
    ijk_to_ras = slicer.util.arrayFromVTKMatrix(matrix)
    start = np.array(node.GetImageData().GetExtent()[::2], dtype=float)
    if start.any():  # arrayFromVolume's [0, 0, 0] is voxel (i0, j0, k0)
        ijk_to_ras[:3, 3] = ijk_to_ras[:3, :3] @ start + ijk_to_ras[:3, 3]
    return ijk_to_ras


def check_no_parent_transform(node: Any) -> None:
    """Refuse a node under a parent transform: its voxels are not where its own matrix places them.

    Raises:
        GeometryError: The node is under a linear or non-linear transform (the message says to harden it).
    """
    transform = node.GetParentTransformNode()
    if transform is None:
        return
    kind = "linear" if transform.IsTransformToWorldLinear() else "non-linear"
    raise GeometryError(
        f"'{node.GetName()}' is under the {kind} transform '{transform.GetName()}'; harden the transform "
        "first (Data module: right-click the node, 'Harden transform') so that voxel positions are final")


def volume_node_geometry(node: Any) -> Optional[Geometry]:
    """The core geometry (LPS) of a volume node's voxel grid, or None when it has no image data.

    Parent transforms are not applied (see :func:`volume_node_to_image`).
    """
    if node is None or node.GetImageData() is None:
        return None
    return Geometry.from_ijk_to_ras(volume_node_ijk_to_ras(node))


MODALITY_TAG = "0008,0060"


def volume_node_to_image(node: Any, modality: Optional[str] = None) -> Image:
    """A core image (voxels deep-copied, geometry exact) from a scalar or labelmap volume node.

    ``metadata`` holds ``{"node_name": <node name>}``; ``modality`` is the image's modality as the caller
    decided it (e.g. :func:`volume_node_modality`, or what the user chose), '' or None when unknown.

    Raises:
        GeometryError: No node / no image data, or the node is under a (linear or non-linear)
            parent transform (the message says to harden it), or its axes are sheared.
        ImageDimensionError: Vector/RGB (multi-component) volume.
    """
    import slicer

    if node is None or not node.IsA("vtkMRMLVolumeNode") or node.GetImageData() is None:
        raise GeometryError("no volume with image data was given; select or load a volume first")
    check_no_parent_transform(node)
    components = node.GetImageData().GetNumberOfScalarComponents()
    if components != 1 or not node.IsA("vtkMRMLScalarVolumeNode"):
        raise ImageDimensionError(
            f"volume '{node.GetName()}' has {components} components per voxel ({node.GetClassName()}); "
            "use a scalar (grey-level) volume, e.g. convert it with the Vector to Scalar Volume module")
    try:
        geometry = Geometry.from_ijk_to_ras(volume_node_ijk_to_ras(node))
    except GeometryError as error:
        raise GeometryError(f"volume '{node.GetName()}': {error}") from None
    array = np.array(slicer.util.arrayFromVolume(node), copy=True)
    return Image(array, geometry, {"node_name": node.GetName()}, modality or "")


def _database_lookup() -> Optional[FileForInstance]:
    import slicer

    database = getattr(slicer, "dicomDatabase", None)
    return database.fileForInstance if database is not None else None


def volume_node_modality(node: Any, dicom_database: Any = None) -> Optional[str]:
    """The DICOM Modality (0008,0060) of a volume loaded from DICOM, from its first instance in the DICOM
    database (default ``slicer.dicomDatabase``); ``None`` when unknown (e.g. a volume read from a file)."""
    import slicer

    uids = (node.GetAttribute(DICOM_UIDS_ATTRIBUTE) or "").split()
    database = dicom_database if dicom_database is not None else getattr(slicer, "dicomDatabase", None)
    if not uids or database is None:
        return None
    path = database.fileForInstance(uids[0])
    value = database.fileValue(path, MODALITY_TAG) if path else ""
    return value.strip().upper() or None


def volume_node_dicom_files(node: Any, file_for_instance: Optional[FileForInstance] = None) -> list[Path]:
    """The DICOM files a volume was loaded from, in the order of its ``DICOM.instanceUIDs`` attribute.

    Args:
        node: A volume node.
        file_for_instance: UID → file path lookup; default ``slicer.dicomDatabase.fileForInstance``.

    Returns:
        The files; empty for a volume not loaded from DICOM (no attribute).

    Raises:
        InputFileError: The volume was loaded from DICOM but its files cannot be found (no DICOM database,
            instances no longer in it, or files moved or deleted).
    """
    uids = list(dict.fromkeys((node.GetAttribute(DICOM_UIDS_ATTRIBUTE) or "").split()))
    if not uids:
        return []
    lookup = file_for_instance or _database_lookup()
    if lookup is None:
        raise InputFileError(f"volume '{node.GetName()}' was loaded from DICOM but no DICOM database is open to "
                             "find its files; open the DICOM database it was loaded from")
    files = [Path(lookup(uid) or "") for uid in uids]
    missing = sum(1 for path in files if not str(path) or not path.is_file())
    if missing:
        raise InputFileError(f"{missing} of the {len(uids)} DICOM files of volume '{node.GetName()}' are not in the "
                             "DICOM database or no longer on disk; re-import the series into the DICOM database")
    return files


def volume_node_to_image_with_identity(node: Any, file_for_instance: Optional[FileForInstance] = None,
                                       strict: bool = True) -> Image:
    """:func:`volume_node_to_image` plus, for a volume loaded from DICOM, its DICOM identity.

    The metadata then holds the ``dicom.<Tag>`` identifiers (patient, study, series) and the file list
    (``gynai.dicom_files``), exactly as for a DICOM series read by ``gynai``: DICOM SEG and SR reference
    the original series and study.

    Args:
        node: A scalar volume node.
        file_for_instance: UID → file path lookup; default ``slicer.dicomDatabase.fileForInstance``.
        strict: Raise when the DICOM files cannot be found; otherwise log a warning and return the image
            without identity (it is then reported as de-identified).

    Raises:
        InputFileError: With ``strict``, the volume came from DICOM but its files cannot be found.
    """
    from gynai.io.dicom_series import dicom_identity

    image = volume_node_to_image(node)
    try:
        files = volume_node_dicom_files(node, file_for_instance)
    except InputFileError as error:
        if strict:
            raise
        logger.warning("%s; reported without patient and study identity", error)
        return image
    image.metadata.update(dicom_identity(files))
    image.state_modality(declared_modality(image.metadata), strict=False)     # the files' Modality, when known
    return image
