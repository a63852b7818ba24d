"""Fixtures for tests against the real MRML libraries of slicer-core."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1] / "GynAI", HERE.parents[1] / "GynAISegment", HERE.parents[1] / "GynAIReport"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import headless_slicer  # noqa: E402


@pytest.fixture(scope="session")
def slicer_ctx():
    return headless_slicer.setup()


@pytest.fixture
def scene(slicer_ctx):
    headless_slicer.reset()
    yield slicer_ctx.scene
    errors = [text for event, text in slicer_ctx.vtk_messages if event == "ErrorEvent"]
    assert not errors, errors
