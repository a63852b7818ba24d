"""Planted mutants: one-line bugs that once survived the suite (issue 19) or would reach a patient report.

Each entry plants one bug in a copy of the project (never in the working tree), runs the tests that must
catch it there, and restores the copy. A mutant is *killed* when those tests fail (pytest exit code 1); a
collection error (exit code 2) means the plant itself is broken and is reported as such. Run::

    python Testing/mutation/planted.py            # all of them (a few minutes on 2 cores)
    python Testing/mutation/planted.py figo-serosal-cut-off atomic-write-direct

Exit code 0 when every mutant is killed, 1 otherwise. The test suite runs the same list
(Testing/mutation/test_planted_mutants.py): the fast, fixed sample of the mutation check that CI runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger("planted")


@dataclass(frozen=True)
class Mutant:
    """One planted bug: ``original`` (exactly once in ``path``) becomes ``mutated``; ``tests`` must fail."""

    name: str
    path: str
    original: str
    mutated: str
    tests: tuple[str, ...]


FIGO = "GynAI/gynai/metrics/figo.py"
FIGO_TESTS = ("Testing/core/metrics/test_figo.py",)
SAFE_WRITE = "GynAI/gynai/io/safe_write.py"
PLACENTA_MINIMUM_TEST = ("Testing/core/metrics/test_placenta_metrics.py::"
                         "test_the_minimum_thickness_is_the_thinnest_point_not_a_percentile")
WRITE_TESTS = ("Testing/core/io/test_failed_writes.py", "Testing/core/io/test_leftovers.py")

MUTANTS: tuple[Mutant, ...] = (
    Mutant("figo-serosal-cut-off", FIGO,
           'def _serosal_code(side: SideGeometry, pedunculated: bool) -> Optional[str]:\n'
           '    if side.diameter_fraction > HALF:',
           'def _serosal_code(side: SideGeometry, pedunculated: bool) -> Optional[str]:\n'
           '    if side.diameter_fraction > 0.75:', FIGO_TESTS),
    Mutant("figo-cavity-cut-off", FIGO,
           'def _cavity_code(side: SideGeometry, touches: bool, pedunculated: bool) -> Optional[str]:\n'
           '    if side.diameter_fraction > HALF:',
           'def _cavity_code(side: SideGeometry, touches: bool, pedunculated: bool) -> Optional[str]:\n'
           '    if side.diameter_fraction > 0.75:', FIGO_TESTS),
    Mutant("figo-cavity-side-direction", FIGO,
           "inner = _side(junction, fibroid_mm, spacing_zyx, cavity=True)",
           "inner = _side(junction, fibroid_mm, spacing_zyx, cavity=False)", FIGO_TESTS),
    Mutant("figo-intramural-ignores-cavity", FIGO,
           "return max(0.0, 1.0 - self.fraction_cavity - self.fraction_outside)",
           "return max(0.0, 1.0 - self.fraction_outside)", FIGO_TESTS),
    Mutant("atomic-write-direct", SAFE_WRITE, "        yield temporary\n", "        yield path\n", WRITE_TESTS),
    Mutant("atomic-write-no-clean-up", SAFE_WRITE, "            temporary.unlink(missing_ok=True)",
           "            pass", WRITE_TESTS),
    Mutant("segment-apply-swaps-task-and-device", "GynAISegment/GynAISegment.py",
           "task, device = self.ui.taskComboBox.currentText, self.ui.deviceComboBox.currentText",
           "device, task = self.ui.taskComboBox.currentText, self.ui.deviceComboBox.currentText",
           ("Testing/slicer_modules/test_widget_handlers.py",)),
    Mutant("placenta-minimum-is-a-percentile", "GynAI/gynai/metrics/placenta.py",
           '"min_myometrial_thickness_mm": float(thickness[closed].min()),',
           '"min_myometrial_thickness_mm": float(np.percentile(thickness[closed], 5)),',
           (PLACENTA_MINIMUM_TEST,)),
)


PROJECT_PARTS = ("GynAI", "GynAISegment", "GynAIReport", "Resources", "Testing", "pyproject.toml", "CMakeLists.txt")
"""What a copy of the project needs for the tests of a planted mutant."""


class PlantError(RuntimeError):
    """A planted mutant no longer matches the code (its original text is not found exactly once)."""


def copy_project(destination: Path) -> Path:
    """Copy the parts of the project the tests need into ``destination`` (a new folder); returns it."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    destination.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, destination / part)
    return destination


def run_tests_with(project: Path, relative: str, text: str, tests: tuple[str, ...] | list[str],
                   python: str = sys.executable, timeout_s: float | None = None) -> int:
    """Write ``text`` into the file ``relative`` of the project copy ``project``, run ``tests`` there (``import
    gynai`` finds the copy's code), restore the file; returns pytest's exit code.

    Raises:
        subprocess.TimeoutExpired: The tests ran longer than ``timeout_s`` (the file is restored).
    """
    path = project / relative
    source = path.read_bytes()
    # the copy's GynAI folder first on the path, so ``import gynai`` finds the planted code
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(project / "GynAI"),
                                                                            os.environ.get("PYTHONPATH")]))}
    try:
        path.write_text(text, encoding="utf-8")
        command = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        return subprocess.run(command, cwd=project, capture_output=True, env=environment,
                              timeout=timeout_s).returncode
    finally:
        path.write_bytes(source)


def run_mutant(mutant: Mutant, project: Path, python: str = sys.executable) -> str:
    """Plant ``mutant`` in the project copy ``project``, run its tests there, restore the file.

    Returns:
        ``killed`` (the tests failed), ``survived`` (they passed) or ``broken`` (pytest could not run them).

    Raises:
        PlantError: The original text is not in the file exactly once.
    """
    source = (project / mutant.path).read_text(encoding="utf-8")
    if source.count(mutant.original) != 1:
        raise PlantError(f"{mutant.name}: the original text is not found exactly once in {mutant.path}; "
                         "update Testing/mutation/planted.py after the code change")
    code = run_tests_with(project, mutant.path, source.replace(mutant.original, mutant.mutated), mutant.tests,
                          python)
    return {0: "survived", 1: "killed"}.get(code, "broken")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"unknown mutants: {', '.join(sorted(unknown))}")
    outcomes = {}
    with tempfile.TemporaryDirectory(prefix="gynai-planted-") as folder:
        project = copy_project(Path(folder) / "project")
        for mutant in chosen:
            start = time.monotonic()
            outcomes[mutant.name] = run_mutant(mutant, project)
            logger.info("%-40s %-8s %5.1f s", mutant.name, outcomes[mutant.name], time.monotonic() - start)
    bad = [name for name, outcome in outcomes.items() if outcome != "killed"]
    logger.info("%d of %d planted mutants killed%s", len(outcomes) - len(bad), len(outcomes),
                f"; not killed: {', '.join(bad)}" if bad else "")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
