"""Fixtures for tests against the real MRML libraries of slicer-core (see headless_slicer.py).

``slicer_ctx`` (session) builds the headless Slicer context once; ``scene`` closes the scene before
each test and makes the test fail when VTK/MRML logged an ErrorEvent during it (most C++ failures only
log). A test that provokes VTK errors on purpose clears ``slicer_ctx.vtk_messages`` afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# --import-mode=importlib does not put test folders on sys.path: add the harness and the module folders
# (GynAI holds GynAILib; the other modules' *Lib packages are used by their own tests here).
for _path in (HERE, ROOT / "GynAI", ROOT / "GynAISegment", ROOT / "GynAIReport"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import headless_slicer  # noqa: E402


def _vtk_errors(context: Any) -> list[str]:
    return [text for event, text in context.vtk_messages if event == "ErrorEvent"]


@pytest.fixture(scope="session")
def slicer_ctx() -> Any:
    """The process-wide headless Slicer context (slicer.mrmlScene, slicer.app, slicer.modules)."""
    return headless_slicer.setup()


@pytest.fixture
def scene(slicer_ctx: Any) -> Iterator[Any]:
    """An empty ``slicer.mrmlScene`` (default nodes kept); VTK errors during the test fail it."""
    headless_slicer.reset()
    yield slicer_ctx.scene


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail (not just error at teardown) a ``scene`` test during which VTK logged an ErrorEvent."""
    result = yield
    if "scene" in getattr(item, "fixturenames", ()):
        errors = _vtk_errors(headless_slicer.setup())
        if errors:
            raise AssertionError(f"VTK logged {len(errors)} error(s) during the test: {errors}")
    return result
