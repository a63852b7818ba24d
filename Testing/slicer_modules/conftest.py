"""Fixtures for running the module files against stand-ins for Slicer's Qt side (standin_slicer.py).

``slicer_gui`` installs the stand-ins on top of the real slicer-core scene (headless_slicer.py) for one test
and fails the test when VTK/MRML logged an error meanwhile; ``slicer_gui_factory(version)`` does the same
with another Slicer version (for the refusal of unsupported versions).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# --import-mode=importlib does not put test folders on sys.path: the stand-ins, the headless harness and the
# module folders (GynAI holds GynAILib; each module file imports its own Lib package).
for _path in (HERE, ROOT / "Testing" / "mrml", ROOT / "GynAI", ROOT / "GynAISegment", ROOT / "GynAIReport"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


@pytest.fixture()
def slicer_gui_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """``factory(version=(5, 10))`` → a :class:`standin_slicer.StandInSlicer` on an empty headless scene."""
    import headless_slicer
    import standin_slicer

    context = headless_slicer.setup()
    headless_slicer.reset()

    def factory(version: tuple[int, int] = (5, 10)) -> Any:
        return standin_slicer.install(monkeypatch, version)

    yield factory
    errors = [text for event, text in context.vtk_messages if event == "ErrorEvent"]
    headless_slicer.reset()
    assert not errors, f"VTK logged errors: {errors}"


@pytest.fixture()
def slicer_gui(slicer_gui_factory: Callable[..., Any]) -> Any:
    """Stand-ins for a supported Slicer (5.10)."""
    return slicer_gui_factory()
