"""The hostile-input suite (issue 17): bad, damaged or hostile inputs given to the command line.

Every case must end the same way: exit code 2, exactly one line on stderr (``gynai: error: …``), no
traceback, nothing written at the output, within a time limit. The cases run in-process (``main``) with
``-q`` so that only warnings and errors reach stderr; their peak memory is bounded by the checks before
allocation, which ``Testing/core/io/test_hostile_headers.py`` measures in separate processes.
"""

import time
from pathlib import Path

import numpy as np
import pytest

from gynai.cli.main import main
from gynai.image import Geometry, Image

TIME_LIMIT_S = 60.0


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its content (to prove nothing was written or changed)."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.is_symlink()} if folder.exists() else {}


@pytest.fixture
def image_file(tmp_path):
    """A small valid MR image ``in/image.nrrd`` (for cases whose hostile part is elsewhere)."""
    from gynai.io.images import write_image

    array = np.random.default_rng(3).normal(300, 60, (12, 24, 24)).astype(np.int16)
    path = tmp_path / "in" / "image.nrrd"
    path.parent.mkdir(exist_ok=True)
    return write_image(Image(array, Geometry((1.5, 1.5, 3.0))), path)


@pytest.fixture
def refused(tmp_path, capsys):
    """``refused(argv)`` runs ``gynai -q argv`` and checks the hostile-input contract; returns stderr.

    ``out/`` under ``tmp_path`` is the output location: it must hold after the call exactly what it held
    before (usually nothing).
    """

    def check(argv: list[str]) -> str:
        out = tmp_path / "out"
        before = snapshot(out)
        capsys.readouterr()
        start = time.monotonic()
        code = main(["-q", *[str(argument) for argument in argv]])
        elapsed = time.monotonic() - start
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert code == 2, captured.err
        assert len(lines) == 1 and lines[0].startswith("gynai: error: "), captured.err
        assert "Traceback" not in captured.err + captured.out
        assert snapshot(out) == before, "output written or changed"
        hidden = [path.name for path in out.rglob(".*")] if out.exists() else []
        assert not hidden, f"temporary files left: {hidden}"
        assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f} s"
        return lines[0]

    return check
