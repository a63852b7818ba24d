"""Follow-up comparison (schema ``gynai.followup/1``): what changed between a prior study and this one.

Steps: the prior is aligned rigidly to the current study (:mod:`gynai.followup.align`), its lesions
(:mod:`gynai.followup.lesions`) are matched one to one with the current ones (:mod:`gynai.followup.matching`:
by mask overlap when both segmentations are given and agree with their metrics documents, else by
centroid distance within a size gate), and the volumes are compared. Changes are current − prior, in mL
and in % of the prior value (None when the prior value is 0 or unknown). Unmatched current lesions are
*new*, unmatched prior lesions *disappeared*. ``trend`` gives organ and total lesion volume per study.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Sequence

import numpy as np

from gynai.errors import StudyMismatchError
from gynai.followup import dates
from gynai.followup.align import Alignment, align_organs, centroid_alignment, map_labels
from gynai.followup.lesions import (Lesion, document_lesions, instances_agree, lesion_instance_map,
                                    organ_centroid_lps_mm, organ_volume_ml)
from gynai.followup.matching import (GATE_DIAMETER_FRACTION, GATE_MIN_MM, MASK_GAP_MM, Match, match_by_centroid,
                                     match_by_overlap)
from gynai.image import Geometry, LabelImage
from gynai.progress import ProgressCallback, report
from gynai.tasks import TASKS, get_task

logger = logging.getLogger(__name__)

SCHEMA = "gynai.followup/1"
METRICS_SCHEMA = "gynai.metrics/1"


def _check(document: Any, label: str, task: Optional[str]) -> str:
    """The document's task, after checking it is a metrics document (of ``task`` when given)."""
    if not isinstance(document, dict):
        raise StudyMismatchError(f"study {label!r} is not a metrics document; give its metrics.json")
    schema = document.get("schema", METRICS_SCHEMA)
    if schema != METRICS_SCHEMA:
        raise StudyMismatchError(f"study {label!r} has schema {schema!r}, not {METRICS_SCHEMA!r}; give its metrics.json")
    found = document.get("task")
    if task is None and found not in TASKS:
        raise StudyMismatchError(f"study {label!r} has task {found!r}; follow-up needs one of {sorted(TASKS)}")
    if task is not None and found != task:
        raise StudyMismatchError(f"prior study {label!r} is a {found!r} measurement, not {task!r}; "
                                 "compare studies of the same task")
    return found


def _change(prior: Optional[float], current: Optional[float], unit: str = "ml") -> dict[str, Optional[float]]:
    difference = None if prior is None or current is None else current - prior
    percent = 100.0 * difference / prior if difference is not None and prior > 0 else None
    return {f"prior_{unit}": prior, f"current_{unit}": current, f"change_{unit}": difference, "change_percent": percent}


def _total_ml(lesions: Sequence[Lesion]) -> Optional[float]:
    if any(lesion.volume_ml is None for lesion in lesions):
        return None
    return float(sum(lesion.volume_ml for lesion in lesions))  # type: ignore[misc]


def _in_field_of_view(point: np.ndarray, document: dict) -> Optional[bool]:
    """Whether an LPS point lies inside the document's image grid (None when the grid is not recorded)."""
    image = document.get("image") if isinstance(document.get("image"), dict) else {}
    try:
        geometry = Geometry(tuple(image["spacing_mm"]), tuple(image["origin_lps_mm"]), tuple(image["direction"]))
        size = np.asarray(image["size_xyz"], float)
    except (KeyError, TypeError, ValueError):
        return None
    index = geometry.lps_to_index(point)
    return bool(np.all(index >= -0.5) and np.all(index <= size - 0.5))


def _mask_matches(prior_labels: LabelImage, current_labels: LabelImage, task: str, prior: list[Lesion],
                  current: list[Lesion], alignment: Alignment) -> Optional[tuple[list[Match], np.ndarray]]:
    """Overlap matches and the mapped prior voxel count per lesion, or None when the masks do not agree
    with the documents' lesions (then centroids are used)."""
    prior_map, current_map = lesion_instance_map(prior_labels, task), lesion_instance_map(current_labels, task)
    if not (instances_agree(prior_map, prior_labels.geometry, prior)
            and instances_agree(current_map, current_labels.geometry, current)):
        logger.warning("follow-up: the lesions of a segmentation differ from its metrics document; "
                       "matching by centroid distance instead of mask overlap")
        return None
    mapped = map_labels(prior_map, prior_labels.geometry, current_labels.geometry, current_map.shape, alignment)
    mapped_voxels = np.bincount(mapped.ravel(), minlength=len(prior) + 1)[1:]
    return match_by_overlap(mapped, current_map, current_labels.geometry.spacing_mm), mapped_voxels


def _matched_entry(before: Lesion, after: Lesion, match: Match, alignment: Alignment) -> dict[str, Any]:
    diameter = _change(before.max_diameter_mm, after.max_diameter_mm, "max_diameter_mm")
    distance = (None if before.centroid_lps_mm is None or after.centroid_lps_mm is None else
                float(np.linalg.norm(alignment.apply(before.centroid_lps_mm) - np.asarray(after.centroid_lps_mm))))
    return {"prior_id": before.id, "current_id": after.id, **_change(before.volume_ml, after.volume_ml),
            "prior_volume_ml": before.volume_ml, "current_volume_ml": after.volume_ml,
            "prior_max_diameter_mm": before.max_diameter_mm, "current_max_diameter_mm": after.max_diameter_mm,
            "max_diameter_change_mm": diameter["change_max_diameter_mm"],
            "max_diameter_change_percent": diameter["change_percent"],
            "prior_figo_type": before.figo_type, "current_figo_type": after.figo_type,
            "match_basis": match.basis, "overlap_fraction": match.overlap_fraction, "mask_gap_mm": match.gap_mm,
            "distance_after_alignment_mm": distance}


def _lesion_entry(lesion: Lesion, key: str) -> dict[str, Any]:
    return {key: lesion.id, "volume_ml": lesion.volume_ml, "max_diameter_mm": lesion.max_diameter_mm,
            "centroid_lps_mm": None if lesion.centroid_lps_mm is None else list(lesion.centroid_lps_mm),
            "figo_type": lesion.figo_type}


def _trend(points: list[tuple[str, dict, Any]]) -> list[dict[str, Any]]:
    """Trend points, oldest first (sorted by date when every study has one, else in the order given)."""
    trend = []
    for label, document, date in points:
        lesions = document_lesions(document)
        trend.append({"label": label, "date": dates.iso(date), "organ_volume_ml": organ_volume_ml(document),
                      "lesion_volume_ml": _total_ml(lesions), "lesion_count": len(lesions)})
    if all(point["date"] for point in trend):
        trend.sort(key=lambda point: point["date"])
    return trend


def compare_studies(current: dict, prior: dict, current_labels: Optional[LabelImage] = None,
                    prior_labels: Optional[LabelImage] = None, current_label: str = "current",
                    prior_label: str = "prior", earlier: Sequence[tuple] = (), *,
                    current_date: Optional[str] = None, prior_date: Optional[str] = None,
                    progress: Optional[ProgressCallback] = None) -> dict[str, Any]:
    """Compare a study's metrics document with a prior one of the same task.

    Args:
        current: The current study's ``gynai.metrics/1`` document.
        prior: The prior study's ``gynai.metrics/1`` document.
        current_labels: The current segmentation; with ``prior_labels``, the organs are registered
            rigidly and lesions matched by mask overlap. Without both, the organ centroids are aligned
            by translation only and lesions matched by centroid distance.
        prior_labels: The prior segmentation (any grid; it is resampled into the current study).
        current_label: Name of the current study in the result (e.g. its date or file name).
        prior_label: Name of the prior study.
        earlier: Older studies for the trend only, oldest first: ``(label, document)`` or
            ``(label, document, date)``.
        current_date: Date of the current study (``YYYY-MM-DD`` or ``YYYYMMDD``); else found in the
            document or the label (:mod:`gynai.followup.dates`).
        prior_date: Date of the prior study, likewise.
        progress: Optional callback ``progress(fraction, message)``.

    Returns:
        The ``gynai.followup/1`` comparison (JSON-serialisable; see docs/followup.md).

    Raises:
        StudyMismatchError: A study is not a metrics document, or is of another task than the current one.
        UsageError: A given date is not a date.
    """
    task = _check(current, current_label, None)
    _check(prior, prior_label, task)
    older = []
    for item in earlier:
        label, document = str(item[0]), item[1]
        _check(document, label, task)
        given = dates.checked_date(item[2], f"date of {label!r}") if len(item) > 2 else None
        older.append((label, document, given or dates.document_date(document, label)))
    when_current = dates.checked_date(current_date, "current_date") or dates.document_date(current, current_label)
    when_prior = dates.checked_date(prior_date, "prior_date") or dates.document_date(prior, prior_label)
    report(progress, 0.0, "aligning the prior study")
    with_masks = current_labels is not None and prior_labels is not None
    if with_masks:
        alignment = align_organs(prior_labels, current_labels, task)  # type: ignore[arg-type]
    else:
        alignment = centroid_alignment(organ_centroid_lps_mm(prior), organ_centroid_lps_mm(current))
    report(progress, 0.7, "matching lesions")
    prior_lesions, current_lesions = document_lesions(prior), document_lesions(current)
    by_masks = (_mask_matches(prior_labels, current_labels, task, prior_lesions, current_lesions, alignment)  # type: ignore[arg-type]
                if with_masks and prior_lesions and current_lesions else None)
    matches = by_masks[0] if by_masks is not None else match_by_centroid(prior_lesions, current_lesions, alignment)
    matched_prior, matched_current = {m.prior_index for m in matches}, {m.current_index for m in matches}
    disappeared = []
    for index, lesion in enumerate(prior_lesions):
        if index in matched_prior:
            continue
        inside = (bool(by_masks[1][index] > 0) if by_masks is not None else
                  None if lesion.centroid_lps_mm is None else
                  _in_field_of_view(alignment.apply(lesion.centroid_lps_mm), current))
        disappeared.append({**_lesion_entry(lesion, "prior_id"), "in_current_field_of_view": inside})
    result = {
        "schema": SCHEMA, "task": task, "lesion_kind": get_task(task).lesions.kind,
        "prior_label": str(prior_label), "current_label": str(current_label),
        "prior_date": dates.iso(when_prior), "current_date": dates.iso(when_current),
        "interval_days": dates.interval_days(when_prior, when_current),
        "organ": {"structure": get_task(task).lesions.organ_structure,
                  **_change(organ_volume_ml(prior), organ_volume_ml(current))},
        "alignment": alignment.to_dict(),
        "matching": {"method": "mask overlap" if by_masks is not None else "centroid distance"
                     if prior_lesions and current_lesions else "none (no lesion in one of the studies)",
                     "gate_min_mm": GATE_MIN_MM, "gate_diameter_fraction": GATE_DIAMETER_FRACTION,
                     "mask_gap_mm": MASK_GAP_MM},
        "matched_lesions": [_matched_entry(prior_lesions[m.prior_index], current_lesions[m.current_index], m, alignment)
                            for m in sorted(matches, key=lambda m: prior_lesions[m.prior_index].id)],
        "new_lesions": [_lesion_entry(lesion, "current_id") for j, lesion in enumerate(current_lesions)
                        if j not in matched_current],
        "disappeared_lesions": disappeared,
        "total_lesion_volume": {**_change(_total_ml(prior_lesions), _total_ml(current_lesions)),
                                "prior_count": len(prior_lesions), "current_count": len(current_lesions)},
        "trend": _trend([*older, (str(prior_label), prior, when_prior), (str(current_label), current, when_current)]),
    }
    report(progress, 1.0, "follow-up comparison done")
    logger.info("follow-up: %d lesion(s) matched (%s), %d new, %d disappeared", len(matches),
                result["matching"]["method"], len(result["new_lesions"]), len(disappeared))
    return result
