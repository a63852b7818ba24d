"""Planted mutants: one-line bugs that once survived the suite (issue 19) or would reach a patient report.

Each entry plants one bug in a source file, runs the tests that must catch it, and restores the file. A
mutant is *killed* when those tests fail (pytest exit code 1); a collection error (exit code 2) means the
plant itself is broken and is reported as such. Run from the repository root::

    python Testing/mutation/planted.py            # all of them (a few minutes on 2 cores)
    python Testing/mutation/planted.py figo-serosal-cut-off atomic-write-direct

Exit code 0 when every mutant is killed, 1 otherwise. CI runs it after the test suite (the fast, fixed
sample of the mutation check; the broad mutmut run is Testing/mutation/run_mutmut.py).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
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


def run_mutant(mutant: Mutant, python: str = sys.executable) -> str:
    """Plant ``mutant``, run its tests, restore the file; returns ``killed``, ``survived`` or ``broken``."""
    path = ROOT / mutant.path
    source = path.read_text(encoding="utf-8")
    if source.count(mutant.original) != 1:
        raise SystemExit(f"{mutant.name}: the original text is not found exactly once in {mutant.path}; "
                         "update Testing/mutation/planted.py after the code change")
    try:
        path.write_text(source.replace(mutant.original, mutant.mutated), encoding="utf-8")
        command = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutant.tests]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    finally:
        path.write_text(source, encoding="utf-8")
    return {0: "survived", 1: "killed"}.get(completed.returncode, "broken")


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
    for mutant in chosen:
        start = time.monotonic()
        outcomes[mutant.name] = run_mutant(mutant)
        logger.info("%-40s %-8s %5.1f s", mutant.name, outcomes[mutant.name], time.monotonic() - start)
    bad = [name for name, outcome in outcomes.items() if outcome != "killed"]
    logger.info("%d of %d planted mutants killed%s", len(outcomes) - len(bad), len(outcomes),
                f"; not killed: {', '.join(bad)}" if bad else "")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
