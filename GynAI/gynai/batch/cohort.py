"""The cohort table: one row of key metrics per finished case, written as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Optional

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "uterus-fibroid": ("uterine_volume_ml", "fibroid_count", "total_fibroid_volume_ml", "fibroid_burden_percent",
                       "dominant_fibroid_volume_ml", "dominant_fibroid_figo_type"),
    "placenta": ("placenta_volume_ml", "placenta_max_thickness_mm", "min_myometrial_thickness_mm",
                 "thin_myometrium_area_cm2", "dark_band_fraction", "bulge_depth_mm", "bladder_contact"),
    "adnexal-mass": ("lesion_count", "lesion_volume_ml", "max_diameter_mm", "solid_volume_ml", "solid_fraction",
                     "locule_count"),
}
"""Key metrics per task, in column order (units in the names). For ``adnexal-mass`` the lesion figures are
those of the largest lesion (the metrics' top level); ``lesion_count`` counts every lesion."""
COMMON_COLUMNS = ("case_id", "image", "status", "seconds")


def key_metrics(document: dict) -> dict[str, Any]:
    """The task's key metrics of a ``gynai.metrics/1`` document (``None`` where not assessed)."""
    task = document["task"]
    if task == "uterus-fibroid":
        fibroid_map = document.get("fibroid_map") or {}
        fibroids = fibroid_map.get("fibroids") or []
        dominant: dict = fibroids[0] if fibroids else {}
        return {"uterine_volume_ml": fibroid_map.get("uterine_volume_ml"), "fibroid_count": fibroid_map.get("count", 0),
                "total_fibroid_volume_ml": fibroid_map.get("total_fibroid_volume_ml"),
                "fibroid_burden_percent": fibroid_map.get("burden_percent"),
                "dominant_fibroid_volume_ml": dominant.get("volume_ml"),
                "dominant_fibroid_figo_type": dominant.get("figo_type")}
    if task == "placenta":
        placenta = document.get("placenta") or {}
        return {"placenta_volume_ml": placenta.get("volume_ml"), "placenta_max_thickness_mm": placenta.get("max_thickness_mm"),
                **{key: placenta.get(key) for key in ("min_myometrial_thickness_mm", "thin_myometrium_area_cm2",
                                                      "dark_band_fraction", "bulge_depth_mm", "bladder_contact")}}
    adnexal = document.get("adnexal") or {}
    count = adnexal.get("lesion_count", 1 if adnexal.get("present") else 0)   # documents before lesion_count
    return {"lesion_count": count, "lesion_volume_ml": adnexal.get("volume_ml"),
            **{key: adnexal.get(key) for key in ("max_diameter_mm", "solid_volume_ml", "solid_fraction", "locule_count")}}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def cohort_csv(task: str, rows: list[dict[str, Any]], failed: Optional[list[dict[str, Any]]] = None) -> str:
    """CSV text: finished cases with their key metrics and warnings, then failed cases with their reason."""
    columns = COMMON_COLUMNS + KEY_COLUMNS[task] + ("reason", "warnings")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in sorted(rows, key=lambda r: r["case_id"]) + sorted(failed or [], key=lambda r: r["case_id"]):
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()
