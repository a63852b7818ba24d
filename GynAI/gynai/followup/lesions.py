"""The lesions followed between studies: from a metrics document, and as masks from a segmentation.

Lesions are the fibroid instances (``uterus-fibroid``; ids of ``fibroid_map.fibroids``), the placenta
(``placenta``, id 1) or the adnexal lesions (``adnexal-mass``; ids of ``adnexal.lesions``; a document
written before lesions were separated has one, id 1, = mass ∪ solid tissue). The organ whose volume is
followed is the uterus, the placenta, or all adnexal lesion tissue (``structures.adnexal-lesion``).

With a segmentation, the lesion masks are rebuilt the way the metrics document numbered them (fibroid
instances by :func:`gynai.metrics.instances.split_instances`, adnexal lesions by
:func:`gynai.metrics.adnexal.adnexal_lesion_map`, both numbered by decreasing volume). Whether
they really are the document's lesions is checked (count, volumes, centroids) before they are used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from gynai.image import Geometry, LabelImage
from gynai.metrics.adnexal import adnexal_lesion_map
from gynai.metrics.findings import adnexal_lesions
from gynai.metrics.instances import split_instances

logger = logging.getLogger(__name__)

ORGAN_STRUCTURE = {"uterus-fibroid": "uterus", "placenta": "placenta", "adnexal-mass": "adnexal-lesion"}
"""The structure whose volume is followed as the organ, per task."""
LESION_KIND = {"uterus-fibroid": "fibroid", "placenta": "placenta", "adnexal-mass": "adnexal lesion"}
LESION_LABELS = {"uterus-fibroid": ("fibroid",), "placenta": ("placenta",),
                 "adnexal-mass": ("adnexal-mass", "solid-tissue")}
VOLUME_REL_TOL = 1e-4
CENTROID_TOL_MM = 0.1


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


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _max_diameter(values: Any) -> Optional[float]:
    numbers = [_number(v) for v in values] if isinstance(values, (list, tuple)) else []
    numbers = [v for v in numbers if v is not None]
    return max(numbers) if numbers else None


def _centroid(values: Any) -> Optional[tuple[float, float, float]]:
    if not isinstance(values, (list, tuple)) or len(values) != 3 or any(_number(v) is None for v in values):
        return None
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def _lesion(number: int, item: dict, diameters_key: str) -> Lesion:
    diameter = _number(item.get("max_feret_diameter_mm"))
    return Lesion(int(item.get("id", number)), _number(item.get("volume_ml")), _centroid(item.get("centroid_lps_mm")),
                  diameter if diameter is not None else _max_diameter(item.get(diameters_key)), item.get("figo_type"))


def document_lesions(document: dict) -> list[Lesion]:
    """The lesions of a ``gynai.metrics/1`` document (empty when none is present or recorded)."""
    task = document.get("task")
    if task == "uterus-fibroid":
        block = document.get("fibroid_map") if isinstance(document.get("fibroid_map"), dict) else {}
        items = block.get("fibroids") if "fibroids" in block else document.get("fibroids")
        return [_lesion(n, item, "diameters_mm") for n, item in enumerate(items or [], start=1)
                if isinstance(item, dict)]
    block_key, structure_key = ("placenta", "placenta") if task == "placenta" else ("adnexal", "lesion")
    block = document.get(block_key) if isinstance(document.get(block_key), dict) else {}
    if task == "adnexal-mass" and isinstance(block.get("lesions"), list):
        return [_lesion(n, {**(item.get("lesion") if isinstance(item.get("lesion"), dict) else {}), **item},
                        "obb_diameters_mm") for n, item in enumerate(adnexal_lesions(block), start=1)]
    structure = block.get(structure_key) if isinstance(block.get(structure_key), dict) else {}
    if not structure.get("present"):
        return []
    return [_lesion(1, {**structure, "id": 1}, "obb_diameters_mm")]


def organ_volume_ml(document: dict) -> Optional[float]:
    """Volume of the task's organ structure, or None when it is absent or not recorded."""
    structures = document.get("structures") if isinstance(document.get("structures"), dict) else {}
    organ = structures.get(ORGAN_STRUCTURE.get(document.get("task"), ""))
    if not isinstance(organ, dict) or organ.get("present") is False:
        return None
    return _number(organ.get("volume_ml"))


def organ_centroid_lps_mm(document: dict) -> Optional[tuple[float, float, float]]:
    """Centroid of the task's organ structure, or None."""
    structures = document.get("structures") if isinstance(document.get("structures"), dict) else {}
    organ = structures.get(ORGAN_STRUCTURE.get(document.get("task"), ""))
    if not isinstance(organ, dict) or organ.get("present") is False:
        return None
    return _centroid(organ.get("centroid_lps_mm"))


def lesion_instance_map(labels: LabelImage, task: str) -> np.ndarray:
    """Instance map [k, j, i] of the task's lesions (0 = none; fibroids and adnexal lesions 1..n as in the
    document)."""
    if task == "adnexal-mass":
        return adnexal_lesion_map(labels)[0]
    values = [label.value for label in labels.labels if label.id in LESION_LABELS.get(task, ())]
    mask = np.isin(labels.array, values) if values else np.zeros(labels.array.shape, bool)
    if task == "uterus-fibroid":
        return split_instances(mask, labels.geometry.spacing_mm)
    return mask.astype(np.int32)


def instances_agree(instances: np.ndarray, geometry: Geometry, lesions: list[Lesion]) -> bool:
    """True when instance n of the map is the document's lesion with id n (count, volume, centroid)."""
    count = int(instances.max(initial=0))
    if count != len(lesions) or sorted(lesion.id for lesion in lesions) != list(range(1, count + 1)):
        return False
    voxel_ml = geometry.voxel_volume_mm3 / 1000.0
    voxels = np.bincount(instances.ravel(), minlength=count + 1)
    for lesion in lesions:
        volume_ml = float(voxels[lesion.id]) * voxel_ml
        if lesion.volume_ml is None or abs(volume_ml - lesion.volume_ml) > VOLUME_REL_TOL * max(volume_ml, 1e-9):
            return False
        if lesion.centroid_lps_mm is not None:
            centre = geometry.index_to_lps(np.argwhere(instances == lesion.id)[:, ::-1].mean(axis=0))
            if np.linalg.norm(centre - np.asarray(lesion.centroid_lps_mm)) > CENTROID_TOL_MM:
                return False
    return True
