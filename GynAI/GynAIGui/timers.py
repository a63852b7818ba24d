"""Timers on Slicer's event loop: polling a background job, and a single-shot delay."""

import qt
import slicer
from slicer.i18n import tr as _


class JobPoller:
    """Calls ``tick()`` every ``interval_ms`` until it returns False or raises; a raised error is shown (as
    ``slicer.util.tryWithErrorDisplay`` shows an action's error, with ``error_message``) and stops the polling.

    Args:
        interval_ms: Time between two calls.
        tick: Polls the job; True while it runs.
        error_message: First line of the error shown when ``tick`` raises.
    """

    def __init__(self, interval_ms, tick, error_message):
        self._tick = tick
        self._error_message = error_message
        self._timer = qt.QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.connect("timeout()", self._timeout)

    @property
    def active(self):
        """True while polling."""
        return self._timer.isActive()

    def start(self):
        """Start polling."""
        self._timer.start()

    def stop(self):
        """Stop polling."""
        self._timer.stop()

    def _timeout(self):
        with slicer.util.tryWithErrorDisplay(self._error_message):
            try:
                running = self._tick()
            except Exception:
                self.stop()
                raise
            if not running:
                self.stop()


class QtOneShotTimer:
    """``GynAILib.debounce.OneShotTimer`` on a single-shot ``qt.QTimer`` (Slicer's event loop)."""

    def __init__(self):
        self._callback = None
        self._timer = qt.QTimer()
        self._timer.setSingleShot(True)
        self._timer.connect("timeout()", self._timeout)

    def start(self, delay_ms, callback):
        """Call ``callback`` once, ``delay_ms`` from now (a restart replaces the pending call)."""
        self._callback = callback
        self._timer.start(delay_ms)

    def stop(self):
        """Drop the pending call."""
        self._timer.stop()

    def _timeout(self):
        if self._callback is not None:
            self._callback()


class JobPanel:
    """A background job run from a panel's button: the button reads ``busy_text`` and cancels while the job
    runs, the job is polled from Slicer's event loop (:class:`JobPoller`), its progress goes to a progress bar,
    a status line and a log, and so does the message it ends with.

    Args:
        button: The push button that starts the job and then cancels it.
        idle_text: The button's text when no job runs.
        busy_text: Its text while a job runs.
        poll: ``poll(job)``: one poll; None while the job runs, else the message to show (raise on failure).
        error_message: First line of the error shown when a poll raises.
        can_start: Whether the button may start a job now (e.g. an input is selected).
        progress_bar, status_label: Where progress and the end message are shown.
        log: ``log(line)`` adds a line to the panel's log.
        interval_ms: Polling interval.
    """

    def __init__(self, button, idle_text, busy_text, poll, error_message, can_start=None, progress_bar=None,
                 status_label=None, log=None, interval_ms=200):
        self.job = None
        self._button, self._texts, self._poll, self._can_start = button, (idle_text, busy_text), poll, can_start
        self._bar, self._status, self._log = progress_bar, status_label, log
        self._last_message = None
        self._poller = JobPoller(interval_ms, self._tick, error_message)
        if progress_bar is not None:
            progress_bar.setValue(0)

    @property
    def running(self):
        """A job was started and has not ended."""
        return self.job is not None

    def start(self, job):
        """Follow ``job`` until it ends."""
        self.job = job
        if self._bar is not None:
            self._bar.setValue(0)
        self._poller.start()
        self.refresh()

    def cancel(self, message):
        """Cancel the running job (if any) and end it with ``message``."""
        if self.job is not None:
            self.job.cancel()
            self._end(message)

    def refresh(self):
        """The button's text and whether it is enabled."""
        self._button.text = self._texts[self.running]
        self._button.enabled = self.running or self._can_start is None or bool(self._can_start())

    def showProgress(self, fraction, message):
        """Progress of the running job (its ``progress`` callback): bar, status line and, when it changes, log."""
        if self._bar is not None:
            self._bar.setValue(int(100 * fraction))
        if self._status is not None:
            self._status.text = message
        if message and message != self._last_message and self._log is not None:
            self._log(f"{int(100 * fraction):3d} %  {message}")
        self._last_message = message

    def _end(self, message, error=None):
        self._poller.stop()
        self.job, self._last_message = None, None
        self.refresh()
        text = message if error is None else _("Failed: {reason}").format(reason=message)
        if self._status is not None:
            self._status.text = text
        if self._log is not None:
            self._log(text)

    def _tick(self):
        if self.job is None:
            return False
        try:
            message = self._poll(self.job)
        except Exception as error:
            self._end(str(error), error)
            raise
        if message is None:
            return True
        self._end(message)
        return False
