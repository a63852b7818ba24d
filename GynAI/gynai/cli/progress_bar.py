"""The progress of ``gynai batch`` on the terminal: a bar redrawn in place, or one log line per case."""

from __future__ import annotations

import logging
import sys
from typing import Optional, TextIO

from gynai.progress import ProgressCallback

logger = logging.getLogger(__name__)

BAR_WIDTH = 24


def bar_line(fraction: float, message: str, width: int = BAR_WIDTH) -> str:
    """``batch [#########...............]  38% case 8/21: p07 done; 7 done, 1 failed, 2 running; ...``"""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = int(round(fraction * width))
    return f"batch [{'#' * filled}{'.' * (width - filled)}] {int(fraction * 100):3d}% {message}"


def batch_progress(stream: Optional[TextIO] = None) -> ProgressCallback:
    """A callback for :func:`gynai.batch.run_batch`: on a terminal, a bar on ``stream`` (standard error)
    redrawn after every case; otherwise (a file, a pipe, a log) one ``batch NN% message`` log line per case."""
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        return lambda fraction, message: logger.info("batch %3d%% %s", int(fraction * 100), message)

    def draw(fraction: float, message: str) -> None:
        stream.write("\r\033[K" + bar_line(fraction, message) + ("\n" if fraction >= 1.0 else ""))
        stream.flush()

    return draw
