"""Termination signals turned into an exception, so that a stopped command removes what it was writing.

Python ends a process on ``SIGTERM`` or ``SIGHUP`` without running ``finally`` blocks: the temporary files
and staged folders of :mod:`gynai.io.safe_write` would stay behind. Inside :func:`stop_on_signals` these
signals raise :class:`StoppedBySignal` instead (a ``BaseException``, as ``KeyboardInterrupt`` is, so that
no ``except Exception`` of a case swallows it); the clean-up runs and the command line exits with
``128 + signal number``. ``SIGKILL`` cannot be caught: its leftovers are removed by the next run
(:mod:`gynai.io.leftovers`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

SIGNAL_NAMES = ("SIGTERM", "SIGHUP")


class StoppedBySignal(BaseException):
    """The process received a termination signal."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``SIGTERM``."""
        return signal.Signals(self.number).name


def _raise(number: int, frame: object) -> None:
    raise StoppedBySignal(number)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, ``SIGTERM`` and ``SIGHUP`` raise :class:`StoppedBySignal` (main thread only; the
    previous handlers are restored afterwards)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in SIGNAL_NAMES:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, _raise)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
