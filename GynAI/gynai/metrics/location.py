"""Position of a lesion or of the placenta relative to the uterine centre, in patient terms.

The offset of the structure's centroid from the uterine centroid (both LPS mm) is named by its
dominant patient axes: anterior/posterior (−y/+y), superior/inferior (+z/−z; "fundal" and "lower" for
the uterus) and left/right (+x/−x). An axis is named when its offset is at least half of the largest
component and at least ``min_offset_mm``; a structure closer than that to the centre is "central".
Patient axes are used, not the uterine axes: for a strongly ante- or retroflexed uterus "fundal" and
"anterior" may both describe the same wall, so the report shows the centroid too.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

_TERMS = ((1, ("anterior", "posterior")), (2, ("lower", "fundal")), (0, ("right", "left")))
"""(LPS axis, (term for a negative offset, term for a positive offset)), in reporting order."""


def relative_position(centroid_lps_mm: Optional[Sequence[float]], uterus_centroid_lps_mm: Optional[Sequence[float]],
                      min_offset_mm: float = 5.0) -> Optional[str]:
    """Words for where ``centroid`` lies relative to the uterine centre, e.g. ``"posterior, left"``.

    Args:
        centroid_lps_mm: Centroid of the structure (LPS mm).
        uterus_centroid_lps_mm: Centroid of the uterus (LPS mm).
        min_offset_mm: Offsets shorter than this are not named.

    Returns:
        The description, ``"central"``, or ``None`` when either centroid is missing.
    """
    if centroid_lps_mm is None or uterus_centroid_lps_mm is None:
        return None
    offset = np.asarray(centroid_lps_mm, float) - np.asarray(uterus_centroid_lps_mm, float)
    largest = float(np.abs(offset).max())
    if largest < min_offset_mm:
        return "central"
    words = [terms[int(offset[axis] > 0)] for axis, terms in _TERMS
             if abs(offset[axis]) >= max(0.5 * largest, min_offset_mm)]
    return ", ".join(words)
