"""Where a running batch stands: cases done, failed and running, throughput and time left, as one line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1.0):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass
class BatchTally:
    """Counts of a batch run; ``line()`` after each finished case.

    Args:
        total: Cases of the batch (resumed ones included).
        resumed: Cases kept from an earlier run (done before this run started; not part of the throughput).
        parallel: Cases in flight at once (workers of the pool, or worker threads of the cluster).
        clock: Seconds since some fixed point (tests pass their own).
    """

    total: int
    resumed: int = 0
    parallel: int = 1
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    failed: int = 0
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.done = self.resumed
        self.started = self.clock()

    def add(self, status: str) -> None:
        """Count one finished case (``done`` or ``failed``)."""
        if status == "done":
            self.done += 1
        else:
            self.failed += 1

    @property
    def finished(self) -> int:
        """Cases done or failed, resumed ones included."""
        return self.done + self.failed

    @property
    def running(self) -> int:
        """Cases in flight now: as many as run in parallel, while cases are left."""
        return min(self.parallel, self.total - self.finished)

    def cases_per_min(self) -> float:
        """Cases finished by this run per minute of its wall time (0 before the first)."""
        elapsed_s = self.clock() - self.started
        processed = self.finished - self.resumed
        return 60.0 * processed / elapsed_s if processed and elapsed_s > 0 else 0.0

    def line(self) -> str:
        """e.g. ``12 done, 1 failed, 2 running; 3.4 cases/min; about 2 min left``."""
        text = f"{self.done} done, {self.failed} failed, {self.running} running"
        rate = self.cases_per_min()
        if rate > 0:
            text += f"; {rate:.0f} cases/min" if rate >= 10 else f"; {rate:.1f} cases/min"
            left = self.total - self.finished
            if left:
                text += f"; about {_duration(60.0 * left / rate)} left"
        return text
