"""The slice geometry of a DICOM image series, checked before its slices are stacked into a volume.

ITK stacks the slices of a series it is given and takes one spacing for all of them: with a missing slice
a 7.5 mm series reads as 8.04 mm and every volume is wrong. :func:`series_layout` reads each slice's
header (pydicom) and refuses a series whose slices do not share one orientation and one matrix, hold
duplicate positions or truncated pixel data; irregular slice positions are described in
:attr:`SeriesLayout.problem` so that the reader can refuse them or, when asked, resample the slices onto a
regular grid (:func:`regular_slices`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pydicom

from gynai.errors import GeometryError, InputFileError

logger = logging.getLogger(__name__)

GAP_TOLERANCE_FRACTION = 0.05
"""A gap between neighbouring slices may differ from the series' slice spacing by this fraction."""

RESAMPLED_KEY = "gynai.series_resampled"
"""Image metadata key holding the note that an irregular series was resampled onto regular slices."""

MIN_GAP_TOLERANCE_MM = 0.01
ORIENTATION_TOLERANCE = 1e-3
"""Largest difference between direction cosines of slices that count as one orientation."""


@dataclass(frozen=True)
class SeriesLayout:
    """Where the slices of a series lie.

    Attributes:
        offsets_mm: Each slice's distance from the first along the slice normal, in the reader's order.
        spacing_mm: The series' slice spacing (the median gap).
        problem: '' when the slices are regular; otherwise what is irregular, naming the gap.
    """

    offsets_mm: tuple[float, ...]
    spacing_mm: float
    problem: str


def _header(path: Path) -> pydicom.Dataset:
    try:
        return pydicom.dcmread(str(path))
    except Exception:  # pydicom raises many types for damaged files
        raise InputFileError(f"{path.name} of the DICOM series cannot be read (damaged or truncated); "
                             "copy the series again") from None


def _check_pixels(path: Path, dataset: pydicom.Dataset) -> None:
    """Refuse a slice whose uncompressed pixel data is shorter than its matrix (ITK would drop or zero it)."""
    meta = getattr(dataset, "file_meta", None)
    syntax = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    if "PixelData" not in dataset or (syntax is not None and syntax.is_encapsulated):
        return
    frames = int(getattr(dataset, "NumberOfFrames", 1) or 1)
    expected = (int(dataset.Rows) * int(dataset.Columns) * int(getattr(dataset, "SamplesPerPixel", 1))
                * int(dataset.BitsAllocated) * frames + 7) // 8
    if len(dataset.PixelData) < expected:
        raise InputFileError(f"{path.name} of the DICOM series is truncated ({len(dataset.PixelData)} of "
                             f"{expected} bytes of pixel data); copy the series again")


def missing_from_series(folder: Path, files: Sequence[str], series_uid: str) -> None:
    """Refuse a series when a file of the folder belongs to it but was left out by the reader (truncated).

    Raises:
        InputFileError: Such a file exists; it is named.
    """
    included = {Path(name).resolve() for name in files}
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path.resolve() in included:
            continue
        try:
            dataset = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=["SeriesInstanceUID"])
        except Exception:  # not DICOM at all: not part of the series
            continue
        if str(getattr(dataset, "SeriesInstanceUID", "")) == series_uid:
            raise InputFileError(f"{path.name} belongs to the DICOM series but cannot be read as a slice "
                                 "(truncated or damaged); copy the series again")


def _describe_gap(names: Sequence[str], gaps: np.ndarray, spacing: float, index: int) -> str:
    gap = gaps[index]
    where = f"between {names[index]} and {names[index + 1]}"
    ratio = gap / spacing
    if abs(ratio - round(ratio)) < GAP_TOLERANCE_FRACTION and round(ratio) >= 2:
        what = f"{int(round(ratio)) - 1} slice(s) missing"
    else:
        what = "irregular slice positions"
    return f"has a gap of {gap:.3g} mm {where} where the others are {spacing:.3g} mm apart ({what})"


def series_layout(files: Sequence[str]) -> SeriesLayout:
    """Check the slices of a series (in the reader's order) and describe their positions.

    Raises:
        InputFileError: A slice is unreadable or its pixel data truncated.
        GeometryError: Slices of several orientations or matrices, or two slices at one position.
    """
    paths = [Path(name) for name in files]
    datasets = [_header(path) for path in paths]
    for path, dataset in zip(paths, datasets):
        _check_pixels(path, dataset)
    if len(datasets) < 2 or any("ImagePositionPatient" not in d or "ImageOrientationPatient" not in d
                                for d in datasets):
        return SeriesLayout(tuple(0.0 for _ in datasets), 0.0, "")
    orientations = np.array([[float(v) for v in d.ImageOrientationPatient] for d in datasets])
    if np.abs(orientations - orientations[0]).max() > ORIENTATION_TOLERANCE:
        kinds = len({tuple(np.round(row, 3)) for row in orientations})
        raise GeometryError(f"the DICOM series mixes {kinds} slice orientations; put each orientation "
                            "(e.g. localizers) in a series of its own")
    if len({(int(d.Rows), int(d.Columns)) for d in datasets}) > 1:
        raise GeometryError("the slices of the DICOM series have different matrix sizes; export one series "
                            "with one matrix")
    normal = np.cross(orientations[0][:3], orientations[0][3:])
    positions = np.array([[float(v) for v in d.ImagePositionPatient] for d in datasets]) @ normal
    return layout_of_positions(positions, [path.name for path in paths], "the DICOM series", "slices")


def layout_of_positions(positions: np.ndarray, names: Sequence[str], what: str, parts: str) -> SeriesLayout:
    """The layout of slices at ``positions`` (mm along their normal, in reading order).

    Args:
        positions: Each slice's position along the slice normal.
        names: How messages name each slice (file names, ``frame 3``).
        what: How messages name the whole (``the DICOM series``).
        parts: How messages name the slices (``slices``, ``frames``).

    Raises:
        GeometryError: Two slices at one position, or slices not ordered along the normal.
    """
    offsets = np.abs(positions - positions[0])
    gaps = np.diff(offsets)
    tolerance = max(MIN_GAP_TOLERANCE_MM, GAP_TOLERANCE_FRACTION * float(np.median(np.abs(gaps))))
    duplicates = np.flatnonzero(np.abs(gaps) < tolerance)
    if duplicates.size:
        first = int(duplicates[0])
        raise GeometryError(f"{what} has two {parts} at one position ({names[first]} and {names[first + 1]}, "
                            f"{positions[first]:.2f} mm along the normal); remove the duplicate, or export "
                            "each echo, phase or stack as a series of its own")
    if np.any(gaps < 0):
        raise GeometryError(f"the {parts} of {what} are not ordered along their normal (overlapping stacks?); "
                            "export each stack as a series of its own")
    spacing = float(np.median(gaps))
    off = np.flatnonzero(np.abs(gaps - spacing) > tolerance)
    problem = _describe_gap(names, gaps, spacing, int(off[np.argmax(np.abs(gaps[off] - spacing))])) \
        if off.size else ""
    return SeriesLayout(tuple(float(v) for v in offsets), spacing, problem)


def regular_slices(array: np.ndarray, layout: SeriesLayout) -> np.ndarray:
    """Slices [k, j, i] at irregular offsets, linearly interpolated onto a regular grid of the series' spacing
    from the first slice (values of integer types rounded back to their type)."""
    offsets = np.asarray(layout.offsets_mm)
    count = int(round(offsets[-1] / layout.spacing_mm)) + 1
    targets = np.minimum(np.arange(count) * layout.spacing_mm, offsets[-1])
    upper = np.clip(np.searchsorted(offsets, targets, side="right"), 1, len(offsets) - 1)
    lower = upper - 1
    weight = ((targets - offsets[lower]) / (offsets[upper] - offsets[lower]))[:, None, None]
    out = np.empty((count,) + array.shape[1:], dtype=array.dtype)
    for k in range(count):      # slice by slice: no float copy of the whole volume
        value = (1 - weight[k]) * array[lower[k]] + weight[k] * array[upper[k]]
        out[k] = np.rint(value) if array.dtype.kind in "iu" else value
    logger.debug("resampled %d irregular slices onto %d regular ones", len(offsets), count)
    return out
