"""The outer myometrium: the myometrial T2 reference without the junctional zone.

On T2-weighted MRI the junctional zone (JZ) is the inner myometrium next to the endometrium, darker
than the outer myometrium (lower free water; T2 about 70 ms against 140 ms). Its normal thickness is up to
8 mm, and 12 mm or more suggests adenomyosis (Reinhold C et al., Radiology 1996;199:151-8; Novellas S et
al., AJR 2011;196:1206-13). Funaki's classes compare a fibroid's T2 signal with the (outer) myometrium, so
a reference that includes the dark JZ is pulled down and a fibroid reads relatively brighter.

:func:`outer_myometrium` is the myometrium farther than :data:`JUNCTIONAL_ZONE_MM` (the upper limit of a
normal JZ) from the endometrium. Without an endometrium, or when less than :data:`MIN_REFERENCE_ML` is
left (a thin wall), the whole myometrium is the reference and a note says so.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import ndimage

JUNCTIONAL_ZONE_MM = 8.0
MIN_REFERENCE_ML = 1.0


def outer_myometrium(myometrium: np.ndarray, endometrium: np.ndarray,
                     spacing_zyx: np.ndarray) -> tuple[np.ndarray, Optional[str]]:
    """The myometrium without its inner :data:`JUNCTIONAL_ZONE_MM`, and a note when it could not be excluded.

    Args:
        myometrium: Myometrium mask [k, j, i].
        endometrium: Endometrium mask, same grid.
        spacing_zyx: Voxel size (mm), z-y-x.

    Returns:
        The reference mask and None, or the whole myometrium and the reason the JZ stays in.
    """
    if not endometrium.any():
        return myometrium, "no endometrium segmented: the junctional zone is not excluded from the myometrial T2 reference"
    reach = np.ceil(JUNCTIONAL_ZONE_MM / spacing_zyx).astype(int) + 1
    found = np.argwhere(endometrium)
    low, high = np.maximum(found.min(axis=0) - reach, 0), np.minimum(found.max(axis=0) + reach + 1, endometrium.shape)
    box = tuple(slice(int(a), int(b)) for a, b in zip(low, high))
    near = np.zeros_like(myometrium)
    near[box] = ndimage.distance_transform_edt(~endometrium[box], sampling=spacing_zyx) <= JUNCTIONAL_ZONE_MM
    outer = myometrium & ~near
    if outer.sum() * float(np.prod(spacing_zyx)) / 1000.0 < MIN_REFERENCE_ML:
        return myometrium, (f"myometrium thinner than the junctional zone ({JUNCTIONAL_ZONE_MM:g} mm): the whole "
                            "myometrium is the T2 reference")
    return outer, None
