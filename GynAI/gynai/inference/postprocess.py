"""Post-processing of predicted labels: drop small islands, fill holes, as a bundle declares.

Bundle metadata ``gynai.postprocessing`` example::

    {"groups": [{"labels": [1, 2, 3], "min_island_ml": 1.0, "fill_holes_with": 1}],
     "labels": {"3": {"min_island_ml": 0.05}}}

A *group* treats several labels as one organ (e.g. the uterus = myometrium ∪ endometrium ∪ fibroid):
connected components of the union smaller than ``min_island_ml`` become background (all but the largest
with ``"keep_largest": true``, for models that find one lesion per image), and background holes fully
enclosed by the union become ``fill_holes_with``. Per-label rules then drop that label's
islands smaller than ``min_island_ml`` (their voxels become background).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

_STRUCTURE = ndimage.generate_binary_structure(3, 1)


def drop_small_islands(mask: np.ndarray, min_voxels: int) -> np.ndarray:
    """Mask without the 6-connected components smaller than ``min_voxels``."""
    if min_voxels <= 1 or not mask.any():
        return mask
    components, count = ndimage.label(mask, structure=_STRUCTURE)
    sizes = np.bincount(components.reshape(-1), minlength=count + 1)
    keep = sizes >= min_voxels
    keep[0] = False
    return keep[components]


def keep_largest_component(mask: np.ndarray) -> np.ndarray:
    """Only the largest 6-connected component of a mask (the mask itself when empty)."""
    if not mask.any():
        return mask
    components, count = ndimage.label(mask, structure=_STRUCTURE)
    sizes = np.bincount(components.reshape(-1), minlength=count + 1)
    sizes[0] = 0
    return components == int(np.argmax(sizes))


def postprocess_labels(labels: np.ndarray, voxel_volume_mm3: float, rules: dict[str, Any]) -> np.ndarray:
    """Apply a bundle's post-processing rules to a label array (returns a new array).

    Args:
        labels: Integer label array [z, y, x].
        voxel_volume_mm3: Volume of one voxel, to turn mL thresholds into voxel counts.
        rules: The bundle's ``postprocessing`` dictionary (see module docstring).
    """
    out = labels.copy()
    to_voxels = lambda volume_ml: int(round(float(volume_ml) * 1000.0 / voxel_volume_mm3))  # noqa: E731
    for group in rules.get("groups", []):
        union = np.isin(out, group["labels"])
        kept = drop_small_islands(union, to_voxels(group.get("min_island_ml", 0)))
        if group.get("keep_largest"):
            kept = keep_largest_component(kept)
        out[union & ~kept] = 0
        if "fill_holes_with" in group:
            filled = ndimage.binary_fill_holes(kept)
            out[filled & ~kept] = int(group["fill_holes_with"])
    for value_text, rule in rules.get("labels", {}).items():
        mask = out == int(value_text)
        kept = drop_small_islands(mask, to_voxels(rule.get("min_island_ml", 0)))
        out[mask & ~kept] = 0
    return out
