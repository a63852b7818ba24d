"""Checks of an input file before its voxels are read: nothing large is allocated for a hostile file.

:func:`check_input_file` refuses what is not a regular file (a pipe would block the reader forever), a
spacing that is not a finite positive number, an image more than :data:`MAX_EXTENT_MM` across, a declared
size whose voxels would not fit in the memory available, and voxel data shorter or longer than the header
declares (compressed data is counted while it streams, never held). ITK would otherwise turn a NaN spacing
into 1 mm, fill a short file with zeros, or read part of a longer one.
"""

from __future__ import annotations

import gzip
import logging
import math
import os
import stat
import zlib
from pathlib import Path
from typing import BinaryIO, Optional

from gynai.errors import GeometryError, InputFileError
from gynai.io.headers import DeclaredImage, declared_image

logger = logging.getLogger(__name__)

MAX_EXTENT_MM = 2500.0
"""Largest physical extent of an image along an axis; a body scan is well below 2.5 m."""

WORKING_COPIES = 3
"""How many times an image's voxels are held while it is read and converted (ITK, numpy, float copy)."""

CHUNK_BYTES = 1 << 22


def available_memory_bytes() -> Optional[int]:
    """Memory this process can still use: the system's available memory, less under a cgroup limit; None if
    unknown (not Linux)."""
    values = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                values.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            values.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(values) if values else None


def check_memory(needed_bytes: int, what: str) -> None:
    """Refuse an allocation of ``needed_bytes`` that does not fit in the available memory.

    Raises:
        InputFileError: ``needed_bytes`` exceeds :func:`available_memory_bytes`.
    """
    available = available_memory_bytes()
    if available is not None and needed_bytes > available:
        raise InputFileError(f"{what} needs {needed_bytes / 2**30:.1f} GiB of memory but only "
                             f"{available / 2**30:.1f} GiB are available; check the image size in its header, "
                             "or crop or downsample the image")


def check_regular_file(path: Path) -> None:
    """Refuse a missing path, or one that is not a regular file (a pipe, a device or a socket).

    Raises:
        InputFileError: Missing, or not a regular file.
    """
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        raise InputFileError(f"{path} does not exist; check the path") from None
    except OSError as error:
        raise InputFileError(f"{path} cannot be read ({error.strerror}); check the path and its permissions") \
            from None
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{Path(path).name} is not a regular file (a pipe, device or socket); "
                             "give an image file")


def _check_geometry(path: Path, declared: DeclaredImage) -> None:
    spacing = declared.spacing_mm
    if any(not math.isfinite(value) or value <= 0 for value in spacing):
        shown = ", ".join(f"{value:g}" for value in spacing)
        raise GeometryError(f"{path.name}: voxel spacing ({shown}) must be finite and positive; "
                            "fix the spacing in the image header")
    extent = [size * value for size, value in zip(declared.spatial_sizes, spacing)]
    if extent and max(extent) > MAX_EXTENT_MM:
        axis = extent.index(max(extent))
        raise GeometryError(f"{path.name}: {declared.spatial_sizes[axis]} voxels of {spacing[axis]:g} mm make the "
                            f"image {max(extent) / 1000:.1f} m across (more than {MAX_EXTENT_MM / 1000:g} m); "
                            "check the spacing in the image header")


def _stream_length(stream: BinaryIO, limit: int) -> int:
    """Bytes a decompressing stream yields, counted in chunks and stopped after ``limit``."""
    total = 0
    while total <= limit:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            break
        total += len(chunk)
    return total


def _zlib_length(stream: BinaryIO, limit: int) -> int:
    decompressor = zlib.decompressobj()
    total = 0
    while total <= limit and not decompressor.eof:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            raise EOFError("zlib stream ends early")
        total += len(decompressor.decompress(chunk, limit + 1 - total))   # input left over only past the limit
    return total


def _payload_length(declared: DeclaredImage, limit: int) -> Optional[int]:
    """Length of the voxel data present (compressed data counted up to ``limit`` + 1); None if not counted."""
    data = declared.data_path
    if declared.encoding == "raw":
        size = data.stat().st_size
        return size if declared.data_offset < 0 else size - declared.data_offset
    if declared.encoding not in ("gzip", "zlib"):
        return None                                    # text encodings: no larger than the file itself
    with open(data, "rb") as raw:
        raw.seek(max(declared.data_offset, 0))
        if declared.encoding == "zlib":
            return _zlib_length(raw, limit)
        with gzip.GzipFile(fileobj=raw) as stream:
            return _stream_length(stream, limit)


def _check_payload(path: Path, declared: DeclaredImage) -> None:
    if declared.data_path != path:
        check_regular_file(declared.data_path)
    expected = declared.offset_in_stream + declared.payload_bytes
    try:
        present = _payload_length(declared, expected)
    except (EOFError, OSError, zlib.error):
        raise InputFileError(f"{path.name} is truncated or corrupt (incomplete compressed data); "
                             "copy the file again") from None
    if present is None:
        return
    if declared.data_offset < 0 and present >= expected:
        return                                         # NRRD "byte skip: -1": the data are the file's last bytes
    shape = "x".join(str(n) for n in declared.sizes)
    if present < expected:
        raise InputFileError(f"{path.name} is truncated: its header declares {shape} values "
                             f"({declared.payload_bytes} bytes) but the file holds less; copy the file again")
    if present > expected and declared.exact:
        raise InputFileError(f"{path.name}: the file holds more voxel data than its header's sizes ({shape}) "
                             "declare; the sizes in the header are wrong, fix or re-export the file")


def check_input_file(path: str | Path) -> Optional[DeclaredImage]:
    """Check an image file before reading it (see the module description); folders (DICOM) are not checked.

    Returns:
        What the header declares, or None for a folder or a file type checked by ITK alone.

    Raises:
        InputFileError: Missing or non-regular file, unparsable header, data file not beside its header,
            voxel data not of the declared length, or too large for the available memory.
        GeometryError: Spacing not finite and positive, or an implausible physical extent.
    """
    path = Path(path)
    if path.is_dir():
        return None
    check_regular_file(path)
    declared = declared_image(path)
    if declared is None:
        return None
    _check_geometry(path, declared)
    voxels = math.prod(declared.sizes)
    check_memory(WORKING_COPIES * declared.payload_bytes + 4 * voxels, f"{path.name} ({voxels} voxels)")
    _check_payload(path, declared)
    logger.debug("%s: header checked (%s, %d bytes of voxels)", path.name, declared.sizes, declared.payload_bytes)
    return declared
