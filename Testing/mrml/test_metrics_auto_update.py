"""The automatic metric update waits for a pause in the edits (issue 13): the Qt-free timing of
GynAILib.debounce with a fake timer, then MetricsAutoUpdate on the real MRML scene, where one paint
stroke modifies the segmentation many times."""

from __future__ import annotations

import pytest

from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

SMALL = PhantomConfig(spacing_mm=(1.5, 1.5, 4.0), size_xyz=(96, 96, 24))


class FakeTimer:
    """A ``OneShotTimer`` whose time passes only when the test says so."""

    def __init__(self):
        self.callback, self.delay_ms, self.starts = None, None, 0

    def start(self, delay_ms, callback):
        self.callback, self.delay_ms = callback, delay_ms
        self.starts += 1

    def stop(self):
        self.callback = None

    def elapse(self):
        """The delay passed without a new start: fire once."""
        callback, self.callback = self.callback, None
        assert callback is not None, "nothing was scheduled"
        callback()


def test_many_requests_make_one_run_after_the_pause():
    from GynAILib.debounce import DebouncedCall, UpdateState

    runs, states, timer = [], [], FakeTimer()
    call = DebouncedCall(lambda: runs.append(1), timer, 500, lambda state, message: states.append(state))
    for _ in range(25):                     # one paint stroke
        call.request()
    assert runs == [] and timer.starts == 25 and timer.delay_ms == 500
    assert call.state is UpdateState.PENDING and states == [UpdateState.PENDING]   # "updating…" at once
    timer.elapse()
    assert runs == [1] and call.runs == 1
    assert states == [UpdateState.PENDING, UpdateState.RUNNING, UpdateState.UP_TO_DATE]
    call.request()
    timer.elapse()
    assert runs == [1, 1]


def test_never_two_runs_at_once():
    from GynAILib.debounce import DebouncedCall, UpdateState

    timer, depth, deepest = FakeTimer(), [0], [0]

    def work():
        depth[0] += 1
        deepest[0] = max(deepest[0], depth[0])
        call.request()                      # e.g. a representation converted by the computation itself
        call._run()                         # a timer firing inside the work (processEvents)
        depth[0] -= 1

    call = DebouncedCall(work, timer)
    call.request()
    timer.elapse()
    assert deepest == [1] and call.runs == 1 and call.state is UpdateState.UP_TO_DATE
    assert timer.callback is None           # the work did not schedule itself again


def test_a_failing_run_is_reported_and_the_next_edit_tries_again():
    from GynAILib.debounce import DebouncedCall, UpdateState

    outcomes, states, timer = [ValueError("no endometrium")], [], FakeTimer()

    def work():
        if outcomes:
            raise outcomes.pop()

    call = DebouncedCall(work, timer, on_state=lambda state, message: states.append((state, message)))
    call.request()
    timer.elapse()
    assert states[-1] == (UpdateState.FAILED, "no endometrium")
    call.request()
    timer.elapse()
    assert states[-1] == (UpdateState.UP_TO_DATE, "") and call.runs == 2


def test_cancel_drops_the_pending_run():
    from GynAILib.debounce import DebouncedCall, UpdateState

    runs, timer = [], FakeTimer()
    call = DebouncedCall(lambda: runs.append(1), timer)
    call.request()
    pending = timer.callback
    call.cancel()
    pending()                               # a timeout already queued still arrives
    assert runs == [] and call.state is UpdateState.UP_TO_DATE


def test_watcher_recomputes_once_after_a_stroke(scene):
    import slicer

    from GynAILib.volumes import image_to_volume_node
    from GynAILib.debounce import UpdateState
    from GynAIReportLib.logic import MetricsAutoUpdate
    from GynAISegmentLib.logic import apply_result

    case = generate_uterus_fibroid(5, [FibroidSpec("4", 16.0)], SMALL)
    volume = image_to_volume_node(case.image, "phantom")
    segmentation = apply_result(case.labels, volume, "uterus-fibroid")
    updates, states, timer = [], [], FakeTimer()
    watcher = MetricsAutoUpdate(volume, segmentation, "uterus-fibroid", on_update=updates.append, timer=timer,
                                on_state=lambda state, message: states.append(state))
    before = watcher.metrics["structures"]["fibroid"]["volume_ml"]
    mask = slicer.util.arrayFromSegmentBinaryLabelmap(segmentation, "fibroid", volume)
    nonzero = mask.nonzero()
    for k in range(5):                      # five strokes of erasing, each modifying the segment
        mask[nonzero[0][k::5], nonzero[1][k::5], nonzero[2][k::5]] = 0
        slicer.util.updateSegmentBinaryLabelmapFromArray(mask, segmentation, "fibroid", volume)
    assert updates == [] and watcher.computations == 0 and timer.starts >= 5
    assert watcher.state is UpdateState.PENDING and states == [UpdateState.PENDING]
    timer.elapse()
    assert len(updates) == 1 and watcher.computations == 1 and watcher.state is UpdateState.UP_TO_DATE
    assert before > 0 and watcher.metrics["structures"]["fibroid"]["volume_ml"] == pytest.approx(0.0, abs=1e-9)
    watcher.stop()
    slicer.util.updateSegmentBinaryLabelmapFromArray(mask, segmentation, "endometrium", volume)
    assert timer.callback is None and len(updates) == 1
