"""The oldest 3D Slicer GynAI runs on, and the check each module file makes before anything else.

Slicer 5.10 is the minimum, for two reasons read from Slicer's source (see docs/slicer-compatibility.md):

- Python: Slicer 5.8 ships Python 3.9.10, Slicer 5.10 Python 3.12.10 (``Slicer_REQUIRED_PYTHON_VERSION``
  in Slicer's top ``CMakeLists.txt`` at tags v5.8.1 and v5.10.0); the core library needs
  Python >= 3.10 (``pyproject.toml``), and so do pydicom 3, highdicom >= 0.23, monai 1.6 and torch 2.8+.
- ``vtkSegment::SetTerminology``, which GynAILib.segmentations calls, first appears in v5.10.0 (Slicer
  commit 49a251067d, "Add convenience methods to get/set terminology in segments").

This file must stay importable on old Slicer (Python 3.9) so that the refusal is the error users see.
"""

from __future__ import annotations

import sys
from typing import Any, Optional, Sequence

MINIMUM_SLICER = (5, 10)
"""Oldest supported Slicer (major, minor)."""
MINIMUM_PYTHON = (3, 10)
"""Oldest Python the code runs on (the ``requires-python`` floor of ``pyproject.toml``)."""


class UnsupportedSlicerError(RuntimeError):
    """This Slicer (or its Python) is older than GynAI supports; the message is one sentence for the user."""


def unsupported_reason(slicer_version: Sequence[int], python_version: Sequence[int]) -> Optional[str]:
    """One sentence saying why this Slicer cannot run GynAI, or None when it can.

    Args:
        slicer_version: ``(major, minor)`` of the running Slicer.
        python_version: ``(major, minor, ...)`` of its Python.
    """
    slicer_ok = tuple(slicer_version[:2]) >= MINIMUM_SLICER
    python_ok = tuple(python_version[:2]) >= MINIMUM_PYTHON
    if slicer_ok and python_ok:
        return None
    return ("GynAI needs 3D Slicer {need} or newer (with Python {python} or newer), but this is Slicer {major}.{minor} "
            "with Python {py_major}.{py_minor}: install a newer Slicer from https://download.slicer.org."
            ).format(need="{}.{}".format(*MINIMUM_SLICER), python="{}.{}".format(*MINIMUM_PYTHON),
                     major=slicer_version[0], minor=slicer_version[1], py_major=python_version[0],
                     py_minor=python_version[1])


def require_supported_slicer(app: Any, python_version: Optional[Sequence[int]] = None) -> None:
    """Refuse to load on a Slicer older than :data:`MINIMUM_SLICER` (called first by each module file).

    Args:
        app: ``slicer.app`` (its ``majorVersion`` and ``minorVersion`` are read).
        python_version: For tests; default ``sys.version_info``.

    Raises:
        UnsupportedSlicerError: With one sentence naming the versions needed and found.
    """
    reason = unsupported_reason((int(app.majorVersion), int(app.minorVersion)),
                                tuple(python_version or sys.version_info))
    if reason is not None:
        raise UnsupportedSlicerError(reason)
