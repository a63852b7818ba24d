"""The lesions followed between studies: from a metrics document, and as masks from a segmentation.

What a lesion is comes from the task's record (``Task.lesions``): the fibroid instances (``uterus-fibroid``;
ids of ``fibroid_map.fibroids``), the placenta (``placenta``, id 1) or the adnexal lesions (``adnexal-mass``;
ids of ``adnexal.lesions``; a document written before lesions were separated has one, id 1, = mass ∪
solid tissue), read by the task's typed metrics block. The organ whose volume is followed is the uterus,
the placenta, or all adnexal lesion tissue (``structures.adnexal-lesion``).

With a segmentation, the lesion masks are rebuilt the way the metrics document numbered them (the task's
lesion instance map, numbered by decreasing volume). Whether they really are the document's lesions is
checked (count, volumes, centroids) before they are used.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import numpy as np

from gynai.image import Geometry, LabelImage
from gynai.metrics.results.document import MetricsDocument
from gynai.metrics.results.lesion import Lesion, lesion_from
from gynai.metrics.results.structure import StructureMetrics
from gynai.tasks import TASKS, get_task

logger = logging.getLogger(__name__)

__all__ = ["Lesion", "document_lesions", "instances_agree", "lesion_instance_map", "organ_centroid_lps_mm",
           "organ_volume_ml"]

VOLUME_REL_TOL = 1e-4
CENTROID_TOL_MM = 0.1


def _metrics(document: Any) -> Optional[MetricsDocument]:
    return MetricsDocument.from_json(document) if isinstance(document, dict) and document.get("task") in TASKS else None


def document_lesions(document: dict) -> list[Lesion]:
    """The lesions of a ``gynai.metrics/1`` document (empty when none is present or recorded)."""
    metrics = _metrics(document)
    return metrics.results.tracked_lesions() if metrics is not None and metrics.results is not None else []


def _organ(document: dict) -> Optional[StructureMetrics]:
    metrics = _metrics(document)
    if metrics is None:
        return None
    organ = metrics.structures.get(get_task(metrics.task).lesions.organ_structure)
    return None if organ is None or organ.present is False else organ


def organ_volume_ml(document: dict) -> Optional[float]:
    """Volume of the task's organ structure (``Task.lesions.organ_structure``), or None when it is absent or
    not recorded."""
    organ = _organ(document)
    return None if organ is None or organ.volume_ml is None else float(organ.volume_ml)


def organ_centroid_lps_mm(document: dict) -> Optional[tuple[float, float, float]]:
    """Centroid of the task's organ structure, or None."""
    organ = _organ(document)
    return lesion_from(1, organ.to_json(), None).centroid_lps_mm if organ is not None else None


def lesion_instance_map(labels: LabelImage, task: str) -> np.ndarray:
    """Instance map [k, j, i] of the task's lesions (0 = none; 1..n as in the document)."""
    return get_task(task).lesions.instance_map.load()(labels)


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
