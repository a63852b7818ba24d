"""Overlap of two masks: the Dice coefficient (one definition for the demo, the follow-up's organ alignment and
model evaluation)."""

from __future__ import annotations

from typing import Optional

import numpy as np

def dice(first: np.ndarray, second: np.ndarray, empty: Optional[float] = None) -> Optional[float]:
    """2 |A ∩ B| / (|A| + |B|) of two boolean masks of one shape; ``empty`` when both are empty."""
    total = int(np.count_nonzero(first)) + int(np.count_nonzero(second))
    if total == 0:
        return empty
    return 2.0 * int(np.count_nonzero(np.logical_and(first, second))) / total
