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
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("gynai_planted", HERE / "planted.py")
planted = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gynai_planted", planted)
_spec.loader.exec_module(planted)
logger = logging.getLogger("mutation")

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
    "placenta": ("GynAI/gynai/metrics/placenta.py", ("Testing/core/metrics/test_placenta_metrics.py",
                                                     "Testing/core/metrics/test_placenta_closure.py",
                                                     "Testing/core/metrics/test_placenta_edges.py")),
    "adnexal": ("GynAI/gynai/metrics/adnexal.py", ("Testing/core/metrics/test_adnexal_edges.py",
                                                   "Testing/core/metrics/test_adnexal_lesions.py",
                                                   "Testing/core/metrics/test_adnexal_features.py")),
    "bundle-verification": ("GynAI/gynai/models/bundle.py", ("Testing/core/models/test_bundle_errors.py",
                                                             "Testing/core/models/test_bundle_containment.py",
                                                             "Testing/core/models/test_user_models.py",
                                                             "Testing/core/models/test_modality_selection.py")),
    "sr-values": ("GynAI/gynai/dicom/sr.py", ("Testing/core/dicom",)),
    "input-preflight": ("GynAI/gynai/io/preflight.py", ("Testing/core/io/test_preflight_edges.py",
                                                        "Testing/core/io/test_hostile_headers.py",
                                                        "Testing/core/io/test_io_bad_input.py", "Testing/hostile")),
}
"""Module name → (file, tests that own it)."""



def run_module(name: str, project: Path) -> dict:
    """mutmut over one module in the project copy; returns its counts and the surviving mutants' diffs."""
    path, tests = MODULES[name]
    runner = f"{sys.executable} -m pytest -x -q -p no:cacheprovider " + " ".join(tests)
    environment = {**os.environ, "PYTHONPATH": str(project / "GynAI")}
    cache = project / ".mutmut-cache"
    cache.unlink(missing_ok=True)
    run = [sys.executable, "-m", "mutmut", "run", "--paths-to-mutate", path, "--runner", runner,
           "--tests-dir", "Testing", "--no-progress", "--simple-output"]
    log = Path(tempfile.gettempdir()) / f"gynai-mutmut-{name}.log"       # mutmut's own output, to follow or debug
    with open(log, "w", encoding="utf-8") as stream:
        subprocess.run(run, cwd=project, env=environment, stdout=stream, stderr=subprocess.STDOUT, text=True)
    ids = {}
    for kind in ("killed", "survived", "timeout", "suspicious"):
        listed = subprocess.run([sys.executable, "-m", "mutmut", "result-ids", kind], cwd=project, env=environment,
                                capture_output=True, text=True).stdout.split()
        ids[kind] = [int(i) for i in listed if i.isdigit()]
    diffs = {i: subprocess.run([sys.executable, "-m", "mutmut", "show", str(i)], cwd=project, env=environment,
                               capture_output=True, text=True).stdout for i in ids["survived"]}
    total = sum(len(v) for v in ids.values())
    killed = len(ids["killed"]) + len(ids["timeout"])
    return {"module": path, "tests": list(tests), "mutants": total, "killed": killed,
            "survived": len(ids["survived"]), "suspicious": len(ids["suspicious"]),
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
