"""JSON-line events on stdout for ``gynai --json-progress`` (read by :mod:`gynai.cli.runner`)."""

from __future__ import annotations

import json
import sys
from typing import Any

from gynai.progress import ProgressCallback


def emit(event: str, **fields: Any) -> None:
    """Write one event as a JSON line on stdout and flush it."""
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def json_progress() -> ProgressCallback:
    """A progress callback that emits ``progress`` events (at most one per 1 % step and message)."""
    last: list = [None]

    def progress(fraction: float, message: str) -> None:
        key = (round(fraction, 2), message)
        if key != last[0]:
            last[0] = key
            emit("progress", fraction=round(float(fraction), 4), message=message)

    return progress
