"""The translatable sentences of GynAIReport's panel that depend on the logic's state (Qt-free)."""

from slicer.i18n import tr as _

from GynAILib.debounce import UpdateState


def metrics_state_text(state, message):
    """The automatic update's state: "updating…" from the first edit until the metrics are recomputed."""
    if state in (UpdateState.PENDING, UpdateState.RUNNING):
        return _("Segmentation changed: updating the metrics…")
    if state is UpdateState.FAILED:
        return _("Updating the metrics failed: {reason}").format(reason=message)
    return _("Metrics up to date (recomputed after each edit).")
