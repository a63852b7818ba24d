"""Volumetrics of every structure of a segmentation (label ids and the task's derived structures).

Per structure: voxel volume, centroid, oriented-bounding-box diameters and axes, ellipsoid volume, maximum
Feret diameter and surface area (definitions in :mod:`gynai.metrics.shape`). Derived structures are the
task's (``Task.derived``), e.g. ``uterus`` = myometrium ∪ endometrium ∪ fibroid; without its required part
(the myometrium) the uterus is not present (``note`` says so).
"""

from __future__ import annotations

import numpy as np

from gynai.image import LabelImage
from gynai.metrics.shape import shape_metrics
from gynai.tasks import get_task


def mask_volume(mask: np.ndarray, label_image: LabelImage) -> dict:
    """Volumetrics of a boolean mask on the label image's grid (see :func:`gynai.metrics.shape.shape_metrics`)."""
    return shape_metrics(mask, label_image.geometry)


def structure_volumes(label_image: LabelImage, task_id: str) -> dict[str, dict]:
    """Volumes of every label of the table plus the task's derived structures (``Task.derived``; one whose
    required part is absent is not assessed), keyed by structure id."""
    out = {label.id: mask_volume(label_image.array == label.value, label_image) for label in label_image.labels}
    for derived in get_task(task_id).derived:
        values = [label.value for label in label_image.labels if label.id in derived.parts]
        if not values:        # no part of it in the table
            continue
        if derived.required is not None and not out.get(derived.required, {}).get("present"):
            out[derived.id] = mask_volume(np.zeros(label_image.array.shape, bool), label_image)
            out[derived.id]["note"] = f"not assessed: no {derived.required} segmented"
            continue
        out[derived.id] = mask_volume(np.isin(label_image.array, values), label_image)
    return out
