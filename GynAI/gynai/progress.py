"""Progress reporting: long operations take an optional callback ``progress(fraction, message)``."""

from __future__ import annotations

import logging
from typing import Callable, Optional

ProgressCallback = Callable[[float, str], None]
"""Called with a fraction in [0, 1] and a short human-readable message."""

logger = logging.getLogger(__name__)


def report(progress: Optional[ProgressCallback], fraction: float, message: str) -> None:
    """Send one progress update (clamped to [0, 1]) to ``progress`` if given, and log it at debug level."""
    fraction = min(max(float(fraction), 0.0), 1.0)
    logger.debug("%3.0f%% %s", 100 * fraction, message)
    if progress is not None:
        progress(fraction, message)


def scaled(progress: Optional[ProgressCallback], start: float, stop: float) -> Optional[ProgressCallback]:
    """A callback that maps a sub-step's [0, 1] onto [start, stop] of ``progress``."""
    if progress is None:
        return None
    return lambda fraction, message: progress(start + (stop - start) * fraction, message)
