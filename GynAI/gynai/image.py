"""Core image types: a zyx voxel array plus exact patient geometry (LPS millimetres).

Conventions (the same as ITK/SimpleITK and DICOM):
- ``array`` is indexed ``[k, j, i]`` (slice, row, column), i.e. z, y, x.
- ``spacing_mm`` and ``origin_lps_mm`` are given in ``(i, j, k)`` / ``(x, y, z)`` order.
- ``direction`` is a 3x3 matrix whose *columns* are the unit vectors of the i, j and k axes in LPS.
- Physical point of voxel index (i, j, k): ``origin + direction @ diag(spacing) @ (i, j, k)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

import numpy as np

from gynai.errors import GeometryError, ImageDimensionError, InvalidVoxelDataError, LabelError, ModelError

_ORTHO_TOL = 1e-4


@dataclass(frozen=True)
class Geometry:
    """Voxel grid placement in patient LPS space.

    Attributes:
        spacing_mm: Voxel size along i, j, k in millimetres; all > 0.
        origin_lps_mm: LPS position of voxel (0, 0, 0) centre in millimetres.
        direction: 3x3 direction cosines, columns = i, j, k axes in LPS, stored row-major as 9 floats.
    """

    spacing_mm: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin_lps_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)

    def __post_init__(self) -> None:
        spacing = tuple(float(s) for s in self.spacing_mm)
        origin = tuple(float(o) for o in self.origin_lps_mm)
        direction = tuple(float(d) for d in np.asarray(self.direction, dtype=float).reshape(-1))
        if len(spacing) != 3 or len(origin) != 3 or len(direction) != 9:
            raise GeometryError(
                f"geometry needs 3 spacings, 3 origin values and a 3x3 direction, got {len(spacing)}, "
                f"{len(origin)}, {len(direction)} values; use a 3D image"
            )
        if not all(np.isfinite(spacing)) or min(spacing) <= 0:
            raise GeometryError(
                f"voxel spacing must be positive, got {spacing} mm; fix the spacing in the image header"
            )
        if not all(np.isfinite(origin)) or not all(np.isfinite(direction)):
            raise GeometryError("image origin or direction contains NaN/inf; fix the image header")
        matrix = np.reshape(direction, (3, 3))
        if not np.allclose(matrix.T @ matrix, np.eye(3), atol=_ORTHO_TOL):
            raise GeometryError(
                "image direction cosines are not orthonormal; fix the image header (shear is not supported)"
            )
        object.__setattr__(self, "spacing_mm", spacing)
        object.__setattr__(self, "origin_lps_mm", origin)
        object.__setattr__(self, "direction", direction)

    @property
    def direction_matrix(self) -> np.ndarray:
        """The 3x3 direction matrix (columns = i, j, k axes in LPS)."""
        return np.reshape(self.direction, (3, 3))

    @property
    def voxel_volume_mm3(self) -> float:
        """Volume of one voxel in cubic millimetres."""
        return float(np.prod(self.spacing_mm))

    def ijk_to_lps(self) -> np.ndarray:
        """4x4 homogeneous matrix mapping voxel index (i, j, k) to LPS millimetres."""
        matrix = np.eye(4)
        matrix[:3, :3] = self.direction_matrix @ np.diag(self.spacing_mm)
        matrix[:3, 3] = self.origin_lps_mm
        return matrix

    def ijk_to_ras(self) -> np.ndarray:
        """4x4 homogeneous matrix mapping voxel index (i, j, k) to RAS millimetres (Slicer's space)."""
        return np.diag([-1.0, -1.0, 1.0, 1.0]) @ self.ijk_to_lps()

    def index_to_lps(self, ijk: Sequence[float] | np.ndarray) -> np.ndarray:
        """Map one index (3,) or many indices (N, 3) in (i, j, k) order to LPS millimetres."""
        points = np.asarray(ijk, dtype=float)
        return points @ (self.direction_matrix @ np.diag(self.spacing_mm)).T + np.asarray(self.origin_lps_mm)

    def lps_to_index(self, lps_mm: Sequence[float] | np.ndarray) -> np.ndarray:
        """Map LPS millimetres (3,) or (N, 3) to continuous (i, j, k) indices."""
        points = np.asarray(lps_mm, dtype=float) - np.asarray(self.origin_lps_mm)
        inverse = np.linalg.inv(self.direction_matrix @ np.diag(self.spacing_mm))
        return points @ inverse.T

    @classmethod
    def from_ijk_to_ras(cls, matrix: np.ndarray) -> "Geometry":
        """Build a geometry from a Slicer-style 4x4 IJK-to-RAS matrix."""
        lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ np.asarray(matrix, dtype=float)
        columns = lps[:3, :3]
        spacing = np.linalg.norm(columns, axis=0)
        if np.any(spacing <= 0):
            raise GeometryError(f"IJK-to-RAS matrix has a zero-length axis (spacing {spacing.tolist()} mm)")
        return cls(tuple(spacing), tuple(lps[:3, 3]), tuple((columns / spacing).reshape(-1)))

    def allclose(self, other: "Geometry", tol_mm: float = 1e-4) -> bool:
        """True when both geometries place voxels at the same positions (within ``tol_mm``)."""
        return bool(np.allclose(self.ijk_to_lps(), other.ijk_to_lps(), atol=tol_mm))


MODALITY_KEYS = ("dicom.Modality", "modality", "gynai.modality")
"""Metadata keys that declare an image's modality, in precedence order: the DICOM header, a reader's or
generator's statement, the ``gynai.modality`` header field of a NRRD written by GynAI."""


def declared_modality(metadata: dict[str, Any]) -> str:
    """The modality the metadata declares (upper case), '' when none (:data:`MODALITY_KEYS`)."""
    for key in MODALITY_KEYS:
        value = str(metadata.get(key, "")).strip().upper()
        if value:
            return value
    return ""


@dataclass
class Image:
    """A 3D scalar image: ``array`` indexed [k, j, i] plus its :class:`Geometry` and modality.

    Attributes:
        array: Voxel values, shape (nk, nj, ni).
        geometry: Placement in patient LPS space.
        metadata: Free-form key/value metadata (e.g. DICOM identifiers, series description).
        modality: The modality the image declares (``MR``, ``US``, ``CT`` …; '' when unknown), decided once
            where the image is read or made: given, else from its metadata (:func:`declared_modality`),
            else stated by the user (:meth:`state_modality`).
    """

    array: np.ndarray
    geometry: Geometry = field(default_factory=Geometry)
    metadata: dict[str, Any] = field(default_factory=dict)
    modality: str = ""

    def __post_init__(self) -> None:
        self.modality = (str(self.modality or "").strip() or declared_modality(self.metadata)).upper()
        self.array = np.asarray(self.array)
        if self.array.ndim != 3:
            raise ImageDimensionError(
                f"a 3D image is needed, got an array with {self.array.ndim} dimensions "
                f"(shape {self.array.shape}); load a 3D volume"
            )
        if min(self.array.shape) < 1:
            raise ImageDimensionError(f"image has an empty axis (shape {self.array.shape}); load a 3D volume")
        if self.array.dtype.kind == "f" and not np.isfinite(self.array).all():
            bad = int(np.count_nonzero(~np.isfinite(self.array)))
            raise InvalidVoxelDataError(
                f"image contains {bad} NaN/infinite voxels; replace them (e.g. with 0) before processing"
            )
        if self.array.dtype.kind not in "biuf":
            raise InvalidVoxelDataError(f"voxel type {self.array.dtype} is not a real number type")

    @property
    def shape_zyx(self) -> tuple[int, int, int]:
        """Array shape (nk, nj, ni)."""
        return tuple(int(n) for n in self.array.shape)  # type: ignore[return-value]

    @property
    def size_xyz(self) -> tuple[int, int, int]:
        """Grid size in (i, j, k) order, as ITK reports it."""
        return tuple(int(n) for n in self.array.shape[::-1])  # type: ignore[return-value]

    def with_array(self, array: np.ndarray) -> "Image":
        """A new image on the same geometry and modality with other voxels."""
        return Image(array, self.geometry, dict(self.metadata), self.modality)

    def state_modality(self, stated: Optional[str], strict: bool = True) -> str:
        """Record the modality a user states for an image whose file declares none (NRRD, NIfTI).

        Args:
            stated: ``MR``, ``US`` …; None or '' states nothing.
            strict: A different declared modality is an error (a statement about this one image); otherwise
                the declared one is kept (a batch's statement about the files that declare none).

        Returns:
            The stated modality when it was recorded, '' when nothing was stated or the image's own was kept.

        Raises:
            ModelError: With ``strict``, the image declares another modality.
        """
        stated = (stated or "").strip().upper()
        if not stated or self.modality == stated:
            return ""
        if self.modality:
            if strict:
                raise ModelError(f"the image's header says its modality is {self.modality}, not {stated}; "
                                 "leave out --modality or choose the right series")
            return ""
        self.modality = stated
        return stated


@dataclass(frozen=True)
class LabelInfo:
    """One entry of a label table.

    Attributes:
        value: Voxel value (1..255).
        id: Lower-case identifier used in JSON (e.g. ``"myometrium"``).
        name: Display name (e.g. ``"Myometrium"``).
        color_rgb: Display colour, three floats in [0, 1].
    """

    value: int
    id: str
    name: str
    color_rgb: tuple[float, float, float] = (0.5, 0.5, 0.5)


@dataclass
class LabelImage:
    """A labelmap (integer voxels) with its label table, on an exact geometry."""

    array: np.ndarray
    geometry: Geometry
    labels: tuple[LabelInfo, ...]

    def __post_init__(self) -> None:
        self.array = np.asarray(self.array)
        if self.array.ndim != 3:
            raise ImageDimensionError(f"a 3D labelmap is needed, got shape {self.array.shape}")
        if self.array.dtype.kind not in "biu":
            if self.array.dtype.kind == "f" and np.all(np.mod(self.array, 1) == 0):
                self.array = self.array.astype(np.int32)
            else:
                raise LabelError(f"labelmap voxels must be integers, got {self.array.dtype}")
        if self.array.dtype.kind == "i" and self.array.size and self.array.min() < 0:
            raise LabelError(f"labelmap voxels must be 0 (background) or a label value > 0, got {self.array.min()}: "
                             "relabel the segmentation without negative values")
        self.labels = tuple(self.labels)
        values = [label.value for label in self.labels]
        if len(set(values)) != len(values) or any(v <= 0 for v in values):
            raise LabelError(f"label values must be unique and > 0, got {values}")
        ids = [label.id for label in self.labels]
        if len(set(ids)) != len(ids):
            raise LabelError(f"label ids must be unique, got {ids}")

    def label(self, label_id: str) -> LabelInfo:
        """Look up a label by its id."""
        for info in self.labels:
            if info.id == label_id:
                return info
        raise LabelError(f"no label '{label_id}' in this labelmap; present: {[x.id for x in self.labels]}")

    def mask(self, label_id: str) -> np.ndarray:
        """Boolean mask of one label (by id)."""
        return self.array == self.label(label_id).value

    def unknown_values(self) -> list[int]:
        """Non-zero voxel values that have no entry in the label table."""
        present = set(np.unique(self.array).tolist()) - {0}
        return sorted(present - {label.value for label in self.labels})

    def with_geometry(self, geometry: Geometry) -> "LabelImage":
        """Same voxels and labels, another geometry (e.g. after a reader round trip)."""
        return replace(self, geometry=geometry)
