"""Volumetrics of every structure of a segmentation (label ids and the task's derived structures).

Per structure: voxel volume, centroid, oriented-bounding-box diameters and axes, ellipsoid volume, maximum
Feret diameter and surface area (definitions in :mod:`gynai.metrics.shape`). Derived structures:
``uterus`` = myometrium ∪ endometrium ∪ fibroid (task ``uterus-fibroid``); ``adnexal-lesion`` = adnexal
mass ∪ solid tissue (``adnexal-mass``). Without myometrium the uterus is not present (``note`` says so).
"""

from __future__ import annotations

import numpy as np

from gynai.image import LabelImage
from gynai.metrics.shape import shape_metrics

DERIVED_STRUCTURES: dict[str, dict[str, tuple[str, ...]]] = {
    "uterus-fibroid": {"uterus": ("myometrium", "endometrium", "fibroid")},
    "adnexal-mass": {"adnexal-lesion": ("adnexal-mass", "solid-tissue")},
}

REQUIRED_PART = {"uterus": "myometrium"}
"""A derived structure is only measured when this part is present: fibroids and endometrium without the
myometrium are not a uterus (its volume would be invented)."""


def mask_volume(mask: np.ndarray, label_image: LabelImage) -> dict:
    """Volumetrics of a boolean mask on the label image's grid (see :func:`gynai.metrics.shape.shape_metrics`)."""
    return shape_metrics(mask, label_image.geometry)


def structure_volumes(label_image: LabelImage, task_id: str) -> dict[str, dict]:
    """Volumes of every label of the table plus the task's derived structures, keyed by structure id."""
    out = {label.id: mask_volume(label_image.array == label.value, label_image) for label in label_image.labels}
    present_ids = {label.id for label in label_image.labels}
    for name, parts in DERIVED_STRUCTURES.get(task_id, {}).items():
        values = [label.value for label in label_image.labels if label.id in parts]
        if not (values and set(parts) & present_ids):
            continue
        required = REQUIRED_PART.get(name)
        if required is not None and not out.get(required, {}).get("present"):
            out[name] = mask_volume(np.zeros(label_image.array.shape, bool), label_image)
            out[name]["note"] = f"not assessed: no {required} segmented"
            continue
        out[name] = mask_volume(np.isin(label_image.array, values), label_image)
    return out
