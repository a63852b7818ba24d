"""The shape figures of one structure (``structures.<id>`` of the metrics document) and the image summary."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from gynai.metrics.results.base import OMIT_NONE, JsonRecord, extra_field


@dataclass(frozen=True)
class StructureMetrics(JsonRecord):
    """Volumetrics of one structure (definitions in :mod:`gynai.metrics.shape`); figures are None (ellipsoid
    volume 0) when the structure is absent. ``note`` says why a derived structure was not assessed."""

    present: Optional[bool] = None
    voxel_count: Optional[int] = None
    volume_ml: Optional[float] = None
    centroid_lps_mm: Optional[tuple[float, ...]] = None
    obb_diameters_mm: Optional[tuple[float, ...]] = None
    obb_axes_lps: Optional[tuple[tuple[float, ...], ...]] = None
    principal_diameters_mm: Optional[tuple[float, ...]] = None
    principal_axes_lps: Optional[tuple[tuple[float, ...], ...]] = None
    ellipsoid_volume_ml: Optional[float] = None
    max_feret_diameter_mm: Optional[float] = None
    surface_area_mm2: Optional[float] = None
    note: Optional[str] = dataclasses.field(default=None, metadata=OMIT_NONE)
    extra: Mapping[str, Any] = extra_field()

    @property
    def is_present(self) -> bool:
        """Present, by its flag (documents without one: by its voxel count)."""
        return bool(self.present) if self.present is not None else (self.voxel_count or 0) > 0


@dataclass(frozen=True)
class ImageSummary(JsonRecord):
    """The grid of the measured image (``image``) and the modality its intensities were read as."""

    size_xyz: Optional[tuple[int, ...]] = None
    spacing_mm: Optional[tuple[float, ...]] = None
    origin_lps_mm: Optional[tuple[float, ...]] = None
    direction: Optional[tuple[float, ...]] = None
    modality: Optional[str] = dataclasses.field(default=None, metadata=OMIT_NONE)
    extra: Mapping[str, Any] = extra_field()
