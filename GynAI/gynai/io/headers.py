"""What an image file's header declares, read without the voxels (NRRD, NIfTI-1/2, MetaImage).

:func:`declared_image` parses the header only, so that :mod:`gynai.io.preflight` can check the declared
size, voxel type, spacing and data file before anything large is allocated. Formats read elsewhere (DICOM)
or unknown to these parsers return ``None`` and are checked from ITK's header information instead.
"""

from __future__ import annotations

import gzip
import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gynai.errors import InputFileError

MAX_HEADER_BYTES = 1 << 20
"""A longer NRRD or MetaImage header is refused (Slicer segmentation headers stay far below)."""

NRRD_TYPE_BYTES = {
    1: ("signed char", "int8", "int8_t", "uchar", "unsigned char", "uint8", "uint8_t"),
    2: ("short", "short int", "signed short", "signed short int", "int16", "int16_t", "ushort", "unsigned short",
        "unsigned short int", "uint16", "uint16_t"),
    4: ("int", "signed int", "int32", "int32_t", "uint", "unsigned int", "uint32", "uint32_t", "float"),
    8: ("longlong", "long long", "long long int", "signed long long", "signed long long int", "int64", "int64_t",
        "ulonglong", "unsigned long long", "unsigned long long int", "uint64", "uint64_t", "double"),
}
NRRD_SPATIAL_KINDS = ("domain", "space", "time")
METAIMAGE_TYPE_BYTES = {"MET_CHAR": 1, "MET_UCHAR": 1, "MET_SHORT": 2, "MET_USHORT": 2, "MET_INT": 4, "MET_UINT": 4,
                        "MET_LONG": 8, "MET_ULONG": 8, "MET_LONG_LONG": 8, "MET_ULONG_LONG": 8, "MET_FLOAT": 4,
                        "MET_DOUBLE": 8}


@dataclass(frozen=True)
class DeclaredImage:
    """An image as its header declares it.

    Attributes:
        sizes: Every axis's length, components included (``sizes`` of NRRD, ``dim`` of NIfTI, ``DimSize``).
        bytes_per_value: Bytes of one stored value.
        spacing_mm: The spacing of each spatial axis as declared (may be 0, negative or NaN: checked later).
        spatial_sizes: The lengths of the spatial axes (without a component axis).
        encoding: ``raw``, ``gzip`` (a gzip stream), ``zlib`` (MetaImage compression) or another NRRD encoding.
        data_path: The file holding the voxels (the header itself, or a detached data file).
        data_offset: Byte offset of the voxel data in ``data_path`` (-1: at the end of the raw file).
        exact: The data must have exactly the declared length (NRRD, MetaImage); NIfTI may have more.
        offset_in_stream: For gzip-compressed single files (``.nii.gz``): the voxels' offset after decompression;
            for a NRRD with ``byte skip: -1`` in the header's own file: the header's length (the voxels, the
            file's last bytes, must lie after it).
    """

    sizes: tuple[int, ...]
    bytes_per_value: int
    spacing_mm: tuple[float, ...]
    spatial_sizes: tuple[int, ...]
    encoding: str
    data_path: Path
    data_offset: int
    exact: bool = True
    offset_in_stream: int = 0

    @property
    def payload_bytes(self) -> int:
        """Length of the uncompressed voxel data the header declares."""
        return math.prod(self.sizes) * self.bytes_per_value


def _bad(path: Path, what: str) -> InputFileError:
    return InputFileError(f"{path.name}: {what}; fix or re-export the file")


def _read_header(path: Path, end: bytes) -> tuple[str, int]:
    with open(path, "rb") as stream:
        head = stream.read(MAX_HEADER_BYTES)
    position = head.find(end)
    if position < 0:
        raise _bad(path, "the header does not end within 1 MB (not an image, or damaged)")
    return head[:position].decode("latin-1"), position + len(end)


def _numbers(path: Path, text: str, kind=float) -> list:
    try:
        return [kind(value) for value in text.split()]
    except ValueError:
        raise _bad(path, f"header value {text.strip()!r} is not a list of numbers") from None


def _beside(header: Path, name: str) -> Path:
    """The detached data file ``name``, which must be a plain file name in the header's own folder."""
    name = name.strip()
    if name.upper().startswith("LIST") or "%" in name or " " in name:
        raise _bad(header, f"data in several files ({name!r}) is not supported")
    data = header.parent / name
    if Path(name).name != name or data.resolve().parent != header.resolve().parent:
        raise InputFileError(f"{header.name}: its data file {name!r} is not beside the header; "
                             "keep the header and its data file together in one folder")
    return data


def _nrrd(path: Path) -> DeclaredImage:
    with open(path, "rb") as stream:
        if stream.read(4) != b"NRRD":
            raise InputFileError(f"{path.name} is not a NRRD file (it does not start with 'NRRD'); "
                                 "give a NRRD, NIfTI, MHA or DICOM image")
    text, offset = _read_header(path, b"\n\n")
    fields = {}
    for line in text.splitlines()[1:]:
        if line.startswith("#") or ":=" in line or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields[key.strip().lower()] = value.strip()
    kind = fields.get("type", "").lower()
    size = next((n for n, names in NRRD_TYPE_BYTES.items() if kind in names), None)
    if size is None or "sizes" not in fields:
        raise _bad(path, f"NRRD header without a usable type ({kind or 'none'}) or sizes")
    sizes = tuple(_numbers(path, fields["sizes"], int))
    kinds = fields.get("kinds", "").lower().split()
    spatial = [i for i in range(len(sizes)) if not kinds or (i < len(kinds) and kinds[i] in NRRD_SPATIAL_KINDS)]
    spacing: list[float] = []
    if "space directions" in fields:
        vectors = re.findall(r"\(([^)]*)\)|none", fields["space directions"])
        spatial = [i for i, vector in enumerate(vectors) if vector and i < len(sizes)]
        spacing = [math.sqrt(sum(v * v for v in _numbers(path, vectors[i].replace(",", " ")))) for i in spatial]
    elif "spacings" in fields:
        values = fields["spacings"].lower().split()
        spacing = [float(values[i]) if i < len(values) else math.nan for i in spatial]
    data_name = fields.get("data file", fields.get("datafile"))
    data = _beside(path, data_name) if data_name else path
    start = 0 if data_name else offset
    skip = int(fields.get("byte skip", "0") or 0)
    start = -1 if skip == -1 else start + skip
    encoding = {"gz": "gzip", "txt": "ascii", "text": "ascii"}.get(fields.get("encoding", "raw").lower(),
                                                                   fields.get("encoding", "raw").lower())
    if int(fields.get("line skip", "0") or 0):
        raise _bad(path, "NRRD 'line skip' is not supported")
    header_bytes = offset if skip == -1 and not data_name else 0     # "byte skip: -1": voxels after the header
    return DeclaredImage(sizes, size, tuple(spacing), tuple(sizes[i] for i in spatial), encoding, data, start,
                         offset_in_stream=header_bytes)


def _nifti(path: Path) -> DeclaredImage:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            header = stream.read(540)
    except (OSError, EOFError):
        raise InputFileError(f"{path.name} is truncated or corrupt (incomplete gzip data); copy the file again") \
            from None
    if len(header) < 348:
        raise _bad(path, "the NIfTI header is incomplete")
    endian = "<" if struct.unpack("<i", header[:4])[0] in (348, 540) else ">"
    version = struct.unpack(endian + "i", header[:4])[0]
    if version == 348:
        dims = struct.unpack(endian + "8h", header[40:56])
        bits = struct.unpack(endian + "h", header[72:74])[0]
        pixdim = struct.unpack(endian + "8f", header[76:108])
        vox_offset = int(struct.unpack(endian + "f", header[108:112])[0])
    elif version == 540 and len(header) >= 540:
        bits = struct.unpack(endian + "h", header[14:16])[0]
        dims = struct.unpack(endian + "8q", header[16:80])
        pixdim = struct.unpack(endian + "8d", header[104:168])
        vox_offset = struct.unpack(endian + "q", header[168:176])[0]
    else:
        raise _bad(path, "not a NIfTI header (its size field is neither 348 nor 540)")
    if not 1 <= dims[0] <= 7 or bits <= 0 or bits % 8:
        raise _bad(path, f"NIfTI header with {dims[0]} dimensions and {bits} bits per value")
    sizes = tuple(max(int(d), 1) for d in dims[1:dims[0] + 1])
    spacing = tuple(float(p) for p in pixdim[1:min(dims[0], 3) + 1])
    if path.name.lower().endswith((".hdr", ".hdr.gz")):
        image = path.with_name(path.name[:-len(".hdr")] + ".img") if path.suffix.lower() == ".hdr" else None
        if image is None or not image.is_file():
            raise _bad(path, "the .img file that goes with this .hdr is missing")
        return DeclaredImage(sizes, bits // 8, spacing, sizes[:3], "raw", image, 0, False)
    if opener is gzip.open:
        return DeclaredImage(sizes, bits // 8, spacing, sizes[:3], "gzip", path, 0, False, max(vox_offset, 348))
    return DeclaredImage(sizes, bits // 8, spacing, sizes[:3], "raw", path, max(vox_offset, 348), False)


def _metaimage(path: Path) -> DeclaredImage:
    with open(path, "rb") as stream:
        head = stream.read(MAX_HEADER_BYTES)
    match = re.search(rb"^ElementDataFile\s*=\s*([^\r\n]*)\r?\n?", head, re.MULTILINE)
    if match is None:
        raise _bad(path, "MetaImage header without ElementDataFile")
    fields = {}
    for line in head[:match.start()].decode("latin-1").splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            fields[key.strip()] = value.strip()
    size = METAIMAGE_TYPE_BYTES.get(fields.get("ElementType", ""))
    if size is None or "DimSize" not in fields:
        raise _bad(path, f"MetaImage header without a usable ElementType ({fields.get('ElementType', 'none')}) "
                         "or DimSize")
    channels = int(fields.get("ElementNumberOfChannels", "1") or 1)
    sizes = tuple(_numbers(path, fields["DimSize"], int)) + ((channels,) if channels > 1 else ())
    spacing = tuple(_numbers(path, fields.get("ElementSpacing", fields.get("ElementSize", "1 1 1"))))
    name = match.group(1).decode("latin-1").strip()
    local = name.upper() == "LOCAL"
    data = path if local else _beside(path, name)
    compressed = fields.get("CompressedData", "False").lower() == "true"
    start = match.end() if local else int(fields.get("HeaderSize", "0") or 0)
    return DeclaredImage(sizes, size, spacing, sizes[:len(spacing)], "zlib" if compressed else "raw", data, start)


def declared_image(path: Path) -> Optional[DeclaredImage]:
    """The header of a NRRD/NHDR, NIfTI (``.nii``, ``.nii.gz``, ``.hdr``) or MetaImage (``.mha``, ``.mhd``) file.

    Returns:
        The declaration, or ``None`` for other file types.

    Raises:
        InputFileError: A header that cannot be parsed, or a data file that is not beside its header.
    """
    name = Path(path).name.lower()
    if name.endswith((".nrrd", ".nhdr")):
        return _nrrd(Path(path))
    if name.endswith((".nii", ".nii.gz", ".hdr")):
        return _nifti(Path(path))
    if name.endswith((".mha", ".mhd")):
        return _metaimage(Path(path))
    return None

