"""Check a freshly written image file before it replaces its target (a full disk may leave a short file).

ITK does not always report a failed write: on a full disk it can leave an empty or truncated file and
return normally. :func:`check_written_image` reads the header back (the size must be the one written)
and checks that the voxel payload is complete, without decompressing it: raw data must have its exact
length; a gzip stream (NRRD ``encoding: gzip``, ``.nii.gz``) must end with the uncompressed length in its
trailer; compressed MetaImage data must have the ``CompressedDataSize`` its header declares.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Optional, Sequence

import SimpleITK as sitk

from gynai.errors import OutputPathError

NIFTI1_DATA_OFFSET_BYTES = 352
"""Where the voxels of a single-file NIfTI-1 start (header 348 bytes + 4 bytes of extension flags)."""

MAX_HEADER_BYTES = 1 << 22
"""How far a NRRD or MetaImage header is looked for (Slicer segmentation headers can be long)."""


def _incomplete(target: Path, why: str) -> OutputPathError:
    return OutputPathError(f"writing {target.name} failed: {why} (disk full or storage error?); "
                           "free some space or choose another place, then run again")


def _header(data_path: Path, terminator: bytes) -> tuple[bytes, Optional[int]]:
    """The header text of a NRRD/MetaImage file and the offset of its first voxel byte (None: no terminator)."""
    with open(data_path, "rb") as stream:
        head = stream.read(MAX_HEADER_BYTES)
    end = head.find(terminator)
    if end < 0:
        return head, None
    return head[:end], end + len(terminator)


def _gzip_trailer_size(data_path: Path, start: int) -> Optional[int]:
    """The uncompressed length (mod 2**32) a gzip stream from ``start`` to the end of the file declares."""
    with open(data_path, "rb") as stream:
        stream.seek(start)
        if stream.read(2) != b"\x1f\x8b":
            return None
        stream.seek(-4, 2)
        return struct.unpack("<I", stream.read(4))[0]


def _nrrd_payload_ok(path: Path, payload_bytes: int) -> bool:
    header, offset = _header(path, b"\n\n")
    if offset is None:
        return False
    match = re.search(rb"^encoding:\s*(\S+)", header, re.MULTILINE)
    encoding = match.group(1).lower() if match else b"raw"
    if encoding == b"raw":
        return path.stat().st_size - offset == payload_bytes
    if encoding in (b"gzip", b"gz"):
        return _gzip_trailer_size(path, offset) == payload_bytes % (1 << 32)
    return True                                           # other encodings are not written by GynAI


def _metaimage_payload_ok(path: Path, payload_bytes: int) -> bool:
    header, offset = _header(path, b"ElementDataFile = LOCAL\n")
    if offset is None:
        return False
    compressed = re.search(rb"^CompressedData\s*=\s*True", header, re.MULTILINE)
    declared = re.search(rb"^CompressedDataSize\s*=\s*(\d+)", header, re.MULTILINE)
    expected = int(declared.group(1)) if compressed and declared else payload_bytes
    return path.stat().st_size - offset == expected


def _payload_ok(path: Path, name: str, payload_bytes: int) -> bool:
    """Whether the voxel data in a single-file image is complete; a detached header (``.nhdr``, ``.mhd``, which
    GynAI never writes) keeps its voxels in another file, so only its header is checked."""
    if name.endswith(".nrrd"):
        return _nrrd_payload_ok(path, payload_bytes)
    if name.endswith(".nii.gz"):
        declared = _gzip_trailer_size(path, 0)          # header + voxels; the header is 348 bytes or more
        return declared is not None and 348 <= (declared - payload_bytes) % (1 << 32) < (1 << 20)
    if name.endswith(".nii"):
        return path.stat().st_size >= NIFTI1_DATA_OFFSET_BYTES + payload_bytes
    if name.endswith(".mha"):
        return _metaimage_payload_ok(path, payload_bytes)
    return True


def check_written_image(path: Path, target: Path, size_xyz: Sequence[int], payload_bytes: int) -> None:
    """Refuse a written image file whose header or voxel payload is not the one written.

    Args:
        path: The file as written (the temporary file that will replace ``target``).
        target: The name the user asked for (the file type is taken from it; named in messages).
        size_xyz: The image size that was written (x, y, z).
        payload_bytes: The length of the uncompressed voxel data written.

    Raises:
        OutputPathError: Empty file, unreadable header, another size, or incomplete voxel data.
    """
    path, target = Path(path), Path(target)
    if path.stat().st_size == 0:
        raise _incomplete(target, "the file written is empty")
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
    except RuntimeError:
        raise _incomplete(target, "the header written cannot be read back") from None
    if tuple(reader.GetSize()) != tuple(int(n) for n in size_xyz):
        raise _incomplete(target, f"the header read back says size {reader.GetSize()}, not {tuple(size_xyz)}")
    if not _payload_ok(path, target.name.lower(), int(payload_bytes)):
        raise _incomplete(target, "the voxel data written is incomplete")


def check_written_bytes(path: Path, target: Path, expected_bytes: int) -> None:
    """Refuse a written text or binary file whose length is not the one written.

    Raises:
        OutputPathError: The file is shorter or longer than ``expected_bytes``.
    """
    size = Path(path).stat().st_size
    if size != expected_bytes:
        raise _incomplete(Path(target), f"{size} of {expected_bytes} bytes were written")


def write_sitk_checked(image: sitk.Image, path: Path, target: Path, compress: bool) -> None:
    """``sitk.WriteImage`` to ``path`` followed by :func:`check_written_image`; ITK errors become typed.

    Raises:
        OutputPathError: ITK could not write the file, or what it wrote is incomplete.
    """
    try:
        sitk.WriteImage(image, str(path), useCompression=compress)
    except RuntimeError as error:
        reason = "no space left on device" if "space" in str(error).lower() else "the image writer failed"
        raise _incomplete(Path(target), reason) from None
    payload = sitk.GetArrayViewFromImage(image).nbytes
    check_written_image(path, target, image.GetSize(), payload)
