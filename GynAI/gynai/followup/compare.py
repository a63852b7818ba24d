"""Follow-up comparison (schema ``gynai.followup/1``): what changed between a prior study and this one.

Lesions are the fibroids (uterus-fibroid), the placenta, or the adnexal lesion. Prior lesion centroids
are mapped into the current study by the rigid alignment (:mod:`gynai.followup.align`) and matched one
to one by minimum total distance (Hungarian assignment); a pair is accepted only within the gate
``max(15 mm, 0.75 × the larger of the two maximum diameters)``, so a lesion that shrank still matches
while a new lesion elsewhere is not mistaken for an old one. Unmatched current lesions are *new*,
unmatched prior lesions *disappeared*. Changes are current − prior, in mL and in % of the prior value.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from gynai.errors import UsageError
from gynai.followup.align import Alignment, align_organs, centroid_alignment
from gynai.image import LabelImage

logger = logging.getLogger(__name__)

SCHEMA = "gynai.followup/1"
GATE_MIN_MM = 15.0
GATE_DIAMETER_FRACTION = 0.75
ORGAN_STRUCTURE = {"uterus-fibroid": "uterus", "placenta": "placenta", "adnexal-mass": "adnexal-lesion"}
"""The structure whose volume is followed as the organ."""


def _lesions(document: dict) -> list[dict[str, Any]]:
    task = document["task"]
    if task == "uterus-fibroid":
        source = (document.get("fibroid_map") or {}).get("fibroids") or []
        return [{"id": f["id"], "volume_ml": f["volume_ml"], "centroid_lps_mm": f.get("centroid_lps_mm"),
                 "max_diameter_mm": max(f.get("diameters_mm") or [0.0]), "figo_type": f.get("figo_type")}
                for f in source]
    key, block = ("placenta", "placenta") if task == "placenta" else ("lesion", "adnexal")
    structure = ((document.get(block) or {}).get(key) or {})
    if not structure.get("present"):
        return []
    return [{"id": 1, "volume_ml": structure["volume_ml"], "centroid_lps_mm": structure.get("centroid_lps_mm"),
             "max_diameter_mm": max(structure.get("obb_diameters_mm") or [0.0])}]


def _change(prior: Optional[float], current: Optional[float]) -> dict[str, Optional[float]]:
    if prior is None or current is None:
        return {"prior_ml": prior, "current_ml": current, "change_ml": None, "change_percent": None}
    return {"prior_ml": prior, "current_ml": current, "change_ml": current - prior,
            "change_percent": 100.0 * (current - prior) / prior if prior > 0 else None}


def match_lesions(prior: list[dict], current: list[dict], alignment: Alignment) -> list[tuple[int, int]]:
    """Index pairs (prior, current) of matched lesions (see the module docstring for the gate)."""
    usable_prior = [i for i, lesion in enumerate(prior) if lesion.get("centroid_lps_mm") is not None]
    usable_current = [j for j, lesion in enumerate(current) if lesion.get("centroid_lps_mm") is not None]
    if not usable_prior or not usable_current:
        return []
    mapped = alignment.apply([prior[i]["centroid_lps_mm"] for i in usable_prior])
    here = np.array([current[j]["centroid_lps_mm"] for j in usable_current], float)
    distance = np.linalg.norm(mapped[:, None, :] - here[None, :, :], axis=-1)
    gate = np.array([[max(GATE_MIN_MM, GATE_DIAMETER_FRACTION * max(prior[i]["max_diameter_mm"],
                                                                      current[j]["max_diameter_mm"]))
                      for j in usable_current] for i in usable_prior])
    cost = np.where(distance <= gate, distance, 1e6)
    rows, columns = linear_sum_assignment(cost)
    return [(usable_prior[r], usable_current[c]) for r, c in zip(rows, columns) if distance[r, c] <= gate[r, c]]


def _trend_point(label: str, document: dict) -> dict[str, Any]:
    organ = (document["structures"].get(ORGAN_STRUCTURE[document["task"]]) or {})
    lesions = _lesions(document)
    return {"label": label, "organ_volume_ml": organ.get("volume_ml") if organ.get("present") else None,
            "lesion_volume_ml": float(sum(lesion["volume_ml"] for lesion in lesions)), "lesion_count": len(lesions)}


def compare_studies(current: dict, prior: dict, current_labels: Optional[LabelImage] = None,
                    prior_labels: Optional[LabelImage] = None, current_label: str = "current",
                    prior_label: str = "prior", earlier: Sequence[tuple[str, dict]] = ()) -> dict[str, Any]:
    """Compare a study's metrics document with a prior one of the same task.

    Args:
        current, prior: ``gynai.metrics/1`` documents.
        current_labels, prior_labels: Both segmentations, for a rigid alignment of the organ masks;
            without them the organ centroids are aligned by translation only.
        current_label, prior_label: Names of the two studies in the result (e.g. study dates).
        earlier: Older studies ``(label, document)``, oldest first, for the trend only.

    Raises:
        UsageError: The prior is of another task.
    """
    task = current["task"]
    for label, document in [(prior_label, prior), *earlier]:
        if document.get("task") != task:
            raise UsageError(f"prior study {label!r} is a {document.get('task')!r} measurement, not {task!r}; "
                             "compare studies of the same task")
    organ = ORGAN_STRUCTURE[task]
    prior_organ, current_organ = prior["structures"].get(organ) or {}, current["structures"].get(organ) or {}
    if current_labels is not None and prior_labels is not None:
        alignment = align_organs(prior_labels, current_labels, task)
    else:
        alignment = centroid_alignment(prior_organ.get("centroid_lps_mm"), current_organ.get("centroid_lps_mm"))
    prior_lesions, current_lesions = _lesions(prior), _lesions(current)
    pairs = match_lesions(prior_lesions, current_lesions, alignment)
    matched = []
    for i, j in pairs:
        before, after = prior_lesions[i], current_lesions[j]
        entry = {"prior_id": before["id"], "current_id": after["id"], **_change(before["volume_ml"], after["volume_ml"]),
                 "prior_max_diameter_mm": before["max_diameter_mm"], "current_max_diameter_mm": after["max_diameter_mm"],
                 "max_diameter_change_mm": after["max_diameter_mm"] - before["max_diameter_mm"],
                 "distance_after_alignment_mm": float(np.linalg.norm(
                     alignment.apply(before["centroid_lps_mm"]) - np.asarray(after["centroid_lps_mm"], float)))}
        matched.append(entry)
    matched_prior, matched_current = {i for i, _ in pairs}, {j for _, j in pairs}
    total = _change(float(sum(lesion["volume_ml"] for lesion in prior_lesions)),
                    float(sum(lesion["volume_ml"] for lesion in current_lesions)))
    organ_change = _change(prior_organ.get("volume_ml") if prior_organ.get("present") else None,
                           current_organ.get("volume_ml") if current_organ.get("present") else None)
    result = {"schema": SCHEMA, "task": task, "prior_label": prior_label, "current_label": current_label,
              "organ": {"structure": organ, **organ_change}, "alignment": alignment.to_dict(),
              "matched_lesions": matched,
              "new_lesions": [{"current_id": current_lesions[j]["id"], "volume_ml": current_lesions[j]["volume_ml"]}
                              for j in range(len(current_lesions)) if j not in matched_current],
              "disappeared_lesions": [{"prior_id": prior_lesions[i]["id"], "volume_ml": prior_lesions[i]["volume_ml"]}
                                      for i in range(len(prior_lesions)) if i not in matched_prior],
              "total_lesion_volume": total,
              "trend": [_trend_point(label, document) for label, document in earlier]
              + [_trend_point(prior_label, prior), _trend_point(current_label, current)]}
    logger.info("follow-up: %d lesion(s) matched, %d new, %d disappeared", len(matched), len(result["new_lesions"]),
                len(result["disappeared_lesions"]))
    return result
