"""GynAIReport's panel texts and settings (Qt): the automatic update's state line, the PACS configuration file."""

import qt
from slicer.i18n import tr as _

from GynAILib.debounce import UpdateState

PACS_CONFIG_SETTING = "GynAI/PacsConfigFile"
"""Application setting naming the user's PACS (DICOMweb) configuration file; nothing is sent without it."""


def metrics_state_text(state, message):
    """The automatic update's state: "updating…" from the first edit until the metrics are recomputed."""
    if state in (UpdateState.PENDING, UpdateState.RUNNING):
        return _("Segmentation changed: updating the metrics…")
    if state is UpdateState.FAILED:
        return _("Updating the metrics failed: {reason}").format(reason=message)
    return _("Metrics up to date (recomputed after each edit).")


def pacs_config_file():
    """The PACS configuration file set in the application settings, or "" (nothing is ever sent then)."""
    return str(qt.QSettings().value(PACS_CONFIG_SETTING, "") or "")
