"""Rewrite ``Testing/golden/expected/`` from the current code (after an intended change of an output).

Usage: ``python Testing/golden/update_golden.py [CASE ...]`` (all cases when none is named, the Slicer-side
cases of golden_slicer_cases.py included: they run in the headless slicer-core context of Testing/mrml);
review the diff before committing it.
"""

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from golden_cases import CASES, EXPECTED, produce  # noqa: E402
from golden_normalise import normalise_folder  # noqa: E402


class _Patch:
    """The part of pytest's ``monkeypatch`` the cases use, undone on exit."""

    def __init__(self) -> None:
        self._undo = []

    def setattr(self, target, name, value) -> None:
        self._undo.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    def undo(self) -> None:
        for target, name, value in reversed(self._undo):
            setattr(target, name, value)
        self._undo.clear()


def _slicer_cases() -> dict:
    """The Slicer-side cases, after setting up the headless Slicer context (as Testing/mrml/conftest.py)."""
    for path in (ROOT / "Testing" / "mrml", ROOT / "GynAI", ROOT / "GynAISegment", ROOT / "GynAIReport"):
        sys.path.insert(0, str(path))
    import headless_slicer
    from golden_slicer_cases import SLICER_CASES

    headless_slicer.setup()
    return SLICER_CASES


def _produce(name: str, work: Path, patch: "_Patch", slicer_cases: dict) -> Path:
    if name in slicer_cases:
        import headless_slicer

        headless_slicer.reset()
        return slicer_cases[name](work)
    return produce(name, work, patch)


def main(names: list[str]) -> None:
    slicer_cases = _slicer_cases() if not names or any(n.startswith("slicer-") for n in names) else {}
    for name in names or sorted(CASES) + sorted(slicer_cases):
        patch = _Patch()
        with tempfile.TemporaryDirectory() as folder:
            try:
                files = normalise_folder(_produce(name, Path(folder) / name, patch, slicer_cases), Path(folder))
            finally:
                patch.undo()
        target = EXPECTED / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for file_name, text in files.items():
            (target / file_name).write_text(text, encoding="utf-8")
        sys.stdout.write(f"{name}: {len(files)} files\n")


if __name__ == "__main__":
    main(sys.argv[1:])
