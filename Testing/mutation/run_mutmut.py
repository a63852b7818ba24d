"""The broad mutation check: mutmut over the modules whose mistakes reach a report or lose data.

Each module in :data:`MODULES` is mutated by mutmut (every operator, comparison, constant and return it
knows) in a copy of the project, and the tests that own the module run against each mutant. The score per
module (killed / all) is printed and written as JSON; surviving mutants are listed with their diff so
that each is either killed by a new test or recorded as equivalent in docs/testing.md.

    python -m pip install "mutmut==2.5.1"
    python Testing/mutation/run_mutmut.py io-atomic-writes -o mutation.json     # one module
    python Testing/mutation/run_mutmut.py -o mutation.json                      # all (hours on 2 cores)

mutmut 2 mutates files in place, which is why it runs in a copy (planted.copy_project).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("gynai_planted", HERE / "planted.py")
planted = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gynai_planted", planted)
_spec.loader.exec_module(planted)
logger = logging.getLogger("mutation")

DICOM_OBJECT_TESTS = ("Testing/core/dicom/test_report_dicom.py", "Testing/core/dicom/test_dicom_identity_and_links.py",
                      "Testing/core/dicom/test_dicom_original_references.py")
"""Tests that build whole SEG and SR objects (slower; after each module's own code tests)."""

MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "io-atomic-writes": ("GynAI/gynai/io/safe_write.py",
                         ("Testing/core/io/test_safe_write.py", "Testing/core/io/test_failed_writes.py",
                          "Testing/core/io/test_leftovers.py")),
    "io-verified-writes": ("GynAI/gynai/io/written.py", ("Testing/core/io/test_written.py",
                                                         "Testing/core/io/test_failed_writes.py",
                                                         "Testing/core/io/test_safe_write.py")),
    "figo": ("GynAI/gynai/metrics/figo.py", ("Testing/core/metrics/test_figo.py",)),
    "shape": ("GynAI/gynai/metrics/shape.py", ("Testing/core/metrics/test_shape_metrics.py",
                                               "Testing/core/metrics/test_diameters.py",
                                               "Testing/core/test_geometry_properties.py")),
    "placenta": ("GynAI/gynai/metrics/placenta.py", ("Testing/core/metrics/test_placenta_units.py",
                                                     "Testing/core/metrics/test_placenta_edges.py",
                                                     "Testing/core/metrics/test_placenta_previa.py",
                                                     "Testing/core/metrics/test_placenta_closure.py",
                                                     "Testing/core/metrics/test_placenta_metrics.py")),
    "adnexal": ("GynAI/gynai/metrics/adnexal.py", ("Testing/core/metrics/test_adnexal_edges.py",
                                                   "Testing/core/metrics/test_adnexal_lesions.py",
                                                   "Testing/core/metrics/test_fluid_level.py",
                                                   "Testing/core/metrics/test_adnexal_features.py")),
    "bundle-verification": ("GynAI/gynai/models/bundle.py", ("Testing/core/models/test_bundle_errors.py",
                                                             "Testing/core/models/test_bundle_containment.py",
                                                             "Testing/core/models/test_user_models.py",
                                                             "Testing/core/models/test_modality_selection.py")),
    "sr-values": ("GynAI/gynai/dicom/sr.py", ("Testing/core/dicom/test_sr_codes.py",
                                              "Testing/core/dicom/test_sr_concepts.py", *DICOM_OBJECT_TESTS)),
    "seg-values": ("GynAI/gynai/dicom/seg.py", ("Testing/core/dicom/test_seg_codes.py", *DICOM_OBJECT_TESTS,
                                                "Testing/core/metrics/test_adnexal_lesions.py")),
    "volumes": ("GynAI/gynai/metrics/volumes.py", ("Testing/core/metrics/test_volumes_report.py",
                                                   "Testing/core/report/test_report_rendering.py",
                                                   "Testing/core/metrics/test_placenta_metrics.py")),
    "input-preflight": ("GynAI/gynai/io/preflight.py", ("Testing/core/io/test_preflight_limits.py",
                                                        "Testing/core/io/test_preflight_edges.py",
                                                        "Testing/core/io/test_hostile_headers.py",
                                                        "Testing/core/io/test_io_bad_input.py", "Testing/hostile")),
}
"""Module name → (file, tests that own it). The fast unit tests come first: pytest stops at the first
failure (``-x``), so a mutant they kill costs seconds."""


CRASH_MARK = "Traceback (most recent call last):"
"""What mutmut 2.5.1 logs when it fails on some mutants (``Attribute Mutant.line is required``, in its main
or its checking process); it then waits for ever, so the run is stopped and the mutants it left are checked
by hand."""
HAND_TIMEOUT_S = 600


def _mutmut(project: Path, environment: dict, *arguments: str) -> str:
    return subprocess.run([sys.executable, "-m", "mutmut", *arguments], cwd=project, env=environment,
                          capture_output=True, text=True).stdout


def _run_mutmut(run: list[str], project: Path, environment: dict, log: Path) -> None:
    """Run mutmut until it ends, or stop it when it has failed (a traceback in its log)."""
    with open(log, "w", encoding="utf-8") as stream:
        process = subprocess.Popen(run, cwd=project, env=environment, stdout=stream, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        while process.poll() is None:
            time.sleep(5)
            if CRASH_MARK in log.read_text(encoding="utf-8", errors="replace"):
                logger.warning("mutmut failed (see %s); the mutants it left are checked by hand", log)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _check_by_hand(ids: list[int], project: Path, path: str, tests: tuple[str, ...],
                   environment: dict) -> dict[str, list[int]]:
    """Each mutant taken from ``mutmut apply`` (the file restored at once), the owning tests run against it
    (:func:`planted.run_tests_with`); any failure counts as killed, as in mutmut."""
    source = project / path
    original = source.read_text(encoding="utf-8")
    if planted.run_tests_with(project, path, original, tests) != 0:
        raise RuntimeError(f"the tests of {path} fail without any mutant; fix them before checking mutants")
    outcome: dict[str, list[int]] = {"killed": [], "survived": [], "timeout": []}
    for done, mutant in enumerate(ids, start=1):
        logger.info("by hand %d/%d: mutant %d", done, len(ids), mutant)
        _mutmut(project, environment, "apply", str(mutant))
        mutated = source.read_text(encoding="utf-8")
        source.write_text(original, encoding="utf-8")
        if mutated == original:
            continue                                        # mutmut could not apply it: left untested
        try:
            code = planted.run_tests_with(project, path, mutated, tests, timeout_s=HAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            outcome["timeout"].append(mutant)
            continue
        outcome["survived" if code == 0 else "killed"].append(mutant)
        if code == 0:
            logger.info("mutant %d survived", mutant)
    return outcome


def run_module(name: str, project: Path) -> dict:
    """mutmut over one module in the project copy; returns its counts and the surviving mutants' diffs."""
    path, tests = MODULES[name]
    runner = f"{sys.executable} -m pytest -x -q -p no:cacheprovider " + " ".join(tests)
    environment = {**os.environ, "PYTHONPATH": str(project / "GynAI")}
    (project / ".mutmut-cache").unlink(missing_ok=True)
    run = [sys.executable, "-m", "mutmut", "run", "--paths-to-mutate", path, "--runner", runner,
           "--tests-dir", "Testing", "--no-progress", "--simple-output"]
    log = Path(tempfile.gettempdir()) / f"gynai-mutmut-{name}.log"       # mutmut's own output, to follow or debug
    _run_mutmut(run, project, environment, log)
    ids = {kind: [int(i) for i in _mutmut(project, environment, "result-ids", kind).split() if i.isdigit()]
           for kind in ("killed", "survived", "timeout", "suspicious", "untested")}
    if ids["untested"]:
        by_hand = _check_by_hand(ids["untested"], project, path, tests, environment)
        for kind, found in by_hand.items():
            ids[kind] += found
        ids["untested"] = sorted(set(ids["untested"]) - {i for found in by_hand.values() for i in found})
    diffs = {i: _mutmut(project, environment, "show", str(i)) for i in ids["survived"]}
    total = sum(len(v) for v in ids.values())
    killed = len(ids["killed"]) + len(ids["timeout"])
    return {"module": path, "tests": list(tests), "mutants": total, "killed": killed,
            "survived": len(ids["survived"]), "suspicious": len(ids["suspicious"]), "untested": ids["untested"],
            "score": round(killed / total, 3) if total else None, "survivors": diffs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"modules (default: all of {', '.join(MODULES)})")
    parser.add_argument("-o", "--output", type=Path, default=None, help="write the scores and survivors as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    unknown = set(args.names) - set(MODULES)
    if unknown:
        parser.error(f"unknown modules: {', '.join(sorted(unknown))}; choose from {', '.join(MODULES)}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="gynai-mutmut-") as folder:
        project = planted.copy_project(Path(folder) / "project")
        for name in args.names or list(MODULES):
            results[name] = run_module(name, project)
            r = results[name]
            logger.info("%-20s %4d mutants, %4d killed, %3d survived  score %s", name, r["mutants"], r["killed"],
                        r["survived"], r["score"])
    if args.output:
        args.output.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
