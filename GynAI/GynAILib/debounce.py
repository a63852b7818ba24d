"""Run a computation once edits pause: the Qt-free timing of GynAIReport's automatic metric update.

A paint stroke in Segment Editor modifies the segmentation many times a second; recomputing every metric
each time stalls Slicer on a large volume. :class:`DebouncedCall` waits until the requests stop for
``delay_ms`` and then runs the work once, never two at a time, and reports its state (so the panel can show
"updating…" from the first edit until the result is there). The timer is injected: Slicer's module gives a
``qt.QTimer`` adapter, tests a fake one, and :class:`ImmediateTimer` (no event loop) runs at once.
"""

from __future__ import annotations

import enum
import logging
from typing import Callable, Optional, Protocol

logger = logging.getLogger(__name__)

DEFAULT_DELAY_MS = 500
"""Pause after the last edit before the metrics are recomputed."""


class UpdateState(enum.Enum):
    """Where an automatic update stands."""

    UP_TO_DATE = "up to date"
    PENDING = "pending"        # edits seen, waiting for the pause
    RUNNING = "running"
    FAILED = "failed"


class OneShotTimer(Protocol):
    """A restartable single-shot timer."""

    def start(self, delay_ms: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` once after ``delay_ms``, replacing any earlier start."""

    def stop(self) -> None:
        """Forget a pending call."""


class ImmediateTimer:
    """Runs the callback at once: for scripts and headless use, where there is no event loop to wait in."""

    def start(self, delay_ms: int, callback: Callable[[], None]) -> None:
        callback()

    def stop(self) -> None:
        pass


StateCallback = Callable[[UpdateState, str], None]


class DebouncedCall:
    """Run ``work`` once ``delay_ms`` after the last :meth:`request`, never twice at the same time.

    Args:
        work: The computation (runs in the caller's thread, from the timer).
        timer: When to run it (:class:`OneShotTimer`).
        delay_ms: Pause after the last request.
        on_state: Called with each new :class:`UpdateState` and a message (the error of a failed run).

    Requests made while ``work`` runs come from the work itself (the GUI is blocked meanwhile), e.g. a
    representation it converts: they are ignored, so a computation never schedules itself again. A failing
    ``work`` is logged and reported as ``FAILED``; the next request tries again.
    """

    def __init__(self, work: Callable[[], None], timer: OneShotTimer, delay_ms: int = DEFAULT_DELAY_MS,
                 on_state: Optional[StateCallback] = None) -> None:
        self.work, self.timer, self.delay_ms, self.on_state = work, timer, int(delay_ms), on_state
        self.state = UpdateState.UP_TO_DATE
        self.runs = 0

    def _set(self, state: UpdateState, message: str = "") -> None:
        self.state = state
        if self.on_state is not None:
            self.on_state(state, message)

    def request(self) -> None:
        """Something changed: run the work after the pause (restarting the wait)."""
        if self.state is UpdateState.RUNNING:
            return
        if self.state is not UpdateState.PENDING:
            self._set(UpdateState.PENDING)
        self.timer.start(self.delay_ms, self._run)

    def _run(self) -> None:
        if self.state is not UpdateState.PENDING:          # cancelled, or re-entered from inside the work
            return
        self._set(UpdateState.RUNNING)
        self.runs += 1
        try:
            self.work()
        except Exception as error:   # reported in the panel; the watcher keeps going
            logger.exception("GynAI: the automatic update failed")
            self._set(UpdateState.FAILED, str(error))
            return
        self._set(UpdateState.UP_TO_DATE)

    def cancel(self) -> None:
        """Drop a pending run for good (the caller stops watching; ``on_state`` is not called)."""
        self.timer.stop()
        if self.state is UpdateState.PENDING:
            self.state = UpdateState.UP_TO_DATE
