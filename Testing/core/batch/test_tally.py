"""Batch progress: counts, throughput and time left (hand-computed), and the terminal bar."""

import io

from gynai.batch.tally import BatchTally
from gynai.cli.progress_bar import bar_line, batch_progress


class Clock:
    def __init__(self):
        self.now_s = 100.0

    def __call__(self):
        return self.now_s


def test_counts_throughput_and_time_left():
    clock = Clock()
    tally = BatchTally(total=20, resumed=5, parallel=2, clock=clock)
    assert tally.line() == "5 done, 0 failed, 2 running"              # nothing processed yet: no rate
    clock.now_s += 60.0
    tally.add("done")
    tally.add("failed")
    tally.add("done")                                                  # 3 cases in 1 min by this run
    assert (tally.done, tally.failed, tally.finished, tally.running) == (7, 1, 8, 2)
    assert tally.cases_per_min() == 3.0
    assert tally.line() == "7 done, 1 failed, 2 running; 3.0 cases/min; about 4 min left"   # 12 left / 3 per min
    for _ in range(11):
        tally.add("done")
    clock.now_s += 4 * 60.0                                            # 14 cases in 5 min
    assert tally.running == 1 and tally.line() == "18 done, 1 failed, 1 running; 2.8 cases/min; about 21 s left"
    tally.add("done")
    assert tally.line() == "19 done, 1 failed, 0 running; 3.0 cases/min"


def test_fast_batches_and_long_waits_read_well():
    clock = Clock()
    tally = BatchTally(total=20000, parallel=16, clock=clock)
    clock.now_s += 30.0
    for _ in range(10):
        tally.add("done")
    assert tally.line() == "10 done, 0 failed, 16 running; 20 cases/min; about 16.7 h left"


def test_the_bar_redraws_in_place_on_a_terminal_and_logs_otherwise(caplog):
    assert bar_line(0.25, "case 1/4: a done", width=8) == "batch [##......]  25% case 1/4: a done"

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    draw = batch_progress(screen)
    draw(0.5, "case 1/2: a done")
    draw(1.0, "case 2/2: b done")
    assert screen.getvalue() == ("\r\x1b[K" + bar_line(0.5, "case 1/2: a done") + "\r\x1b[K"
                                 + bar_line(1.0, "case 2/2: b done") + "\n")
    piped = io.StringIO()
    with caplog.at_level("INFO"):
        batch_progress(piped)(0.5, "case 1/2: a done")
    assert piped.getvalue() == "" and "batch  50% case 1/2: a done" in caplog.text
