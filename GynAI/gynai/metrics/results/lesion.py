"""A lesion as the follow-up comparison sees it: one item of a task's metrics block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from gynai.metrics.results.base import number


@dataclass(frozen=True)
class Lesion:
    """One lesion of a study, as its metrics document gives it (None where the document has no value).

    ``max_diameter_mm`` is the maximum Feret diameter (largest distance between two voxel centres; it
    does not depend on the lesion's orientation), else the longest oriented-bounding-box diameter.
    """

    id: int
    volume_ml: Optional[float]
    centroid_lps_mm: Optional[tuple[float, float, float]]
    max_diameter_mm: Optional[float]
    figo_type: Optional[str] = None


def _centroid(values: Any) -> Optional[tuple[float, float, float]]:
    if not isinstance(values, (list, tuple)) or len(values) != 3 or any(number(v) is None for v in values):
        return None
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def _largest(values: Optional[Sequence[Any]]) -> Optional[float]:
    numbers = [float(v) for v in values or () if number(v) is not None]
    return max(numbers) if numbers else None


def lesion_from(position: int, values: Mapping[str, Any], diameters: Optional[Sequence[Any]],
                figo_type: Optional[str] = None) -> Lesion:
    """A lesion from a metrics item's figures: ``id`` (else its 1-based position), ``volume_ml``,
    ``centroid_lps_mm``, ``max_feret_diameter_mm`` (else the largest of ``diameters``)."""
    identifier = values.get("id")
    feret = number(values.get("max_feret_diameter_mm"))
    volume = number(values.get("volume_ml"))
    return Lesion(int(identifier) if number(identifier) is not None else position,
                  None if volume is None else float(volume), _centroid(values.get("centroid_lps_mm")),
                  float(feret) if feret is not None else _largest(diameters), figo_type)
