"""Structure volumetrics by voxel counting (the reference method; ellipsoid formulas come later).

Definitions: ``volume_ml`` = voxel count × voxel volume (mm³) / 1000; ``centroid_lps_mm`` = mean LPS
position of the structure's voxel centres. Derived structures: ``uterus`` = myometrium ∪ endometrium
∪ fibroid (task ``uterus-fibroid``); ``adnexal-lesion`` = adnexal mass ∪ solid tissue (``adnexal-mass``).
"""

from __future__ import annotations

import numpy as np

from gynai.image import LabelImage

DERIVED_STRUCTURES: dict[str, dict[str, tuple[str, ...]]] = {
    "uterus-fibroid": {"uterus": ("myometrium", "endometrium", "fibroid")},
    "adnexal-mass": {"adnexal-lesion": ("adnexal-mass", "solid-tissue")},
}


def mask_volume(mask: np.ndarray, label_image: LabelImage) -> dict:
    """Voxel count, volume (mL) and centroid (LPS mm, None when empty) of a boolean mask on the image grid."""
    count = int(np.count_nonzero(mask))
    result: dict = {"voxel_count": count, "volume_ml": count * label_image.geometry.voxel_volume_mm3 / 1000.0,
                    "present": count > 0, "centroid_lps_mm": None}
    if count:
        kji = np.argwhere(mask).mean(axis=0)
        result["centroid_lps_mm"] = [float(v) for v in label_image.geometry.index_to_lps(kji[::-1])]
    return result


def structure_volumes(label_image: LabelImage, task_id: str) -> dict[str, dict]:
    """Volumes of every label of the table plus the task's derived structures, keyed by structure id."""
    out = {label.id: mask_volume(label_image.array == label.value, label_image) for label in label_image.labels}
    present_ids = {label.id for label in label_image.labels}
    for name, parts in DERIVED_STRUCTURES.get(task_id, {}).items():
        values = [label.value for label in label_image.labels if label.id in parts]
        if values and set(parts) & present_ids:
            out[name] = mask_volume(np.isin(label_image.array, values), label_image)
    return out
