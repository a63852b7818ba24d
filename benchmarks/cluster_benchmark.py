"""Throughput of ``gynai batch`` on Dask: one and two single-threaded workers, and the local process pool.

Usage: ``python benchmarks/cluster_benchmark.py [--cases 20] [--slices 30]``. The cohort is ``--cases`` uterus
phantoms (256×256 T2 matrix, 0.9 mm in-plane, ``--slices`` slices of 4 mm); every case is segmented,
measured and reported (JSON + HTML), as ``gynai batch`` does by default. Configurations, each a fresh
``gynai batch`` command on a fresh output folder:

* ``pool-1``: this machine's process pool with one worker (the default, no Dask; torch uses every core);
* ``dask-1`` / ``dask-2``: a ``dask scheduler`` and 1 or 2 ``dask worker --nthreads 1`` processes on
  loopback, started before the batch (as on a real cluster), ``--scheduler tcp://127.0.0.1:PORT``;
* ``local-2``: ``--scheduler local --workers 2`` (a LocalCluster started by the batch itself).

Reported per configuration: wall time of the command (Python start, connecting, model loading included),
cases per minute from that wall time, the batch's own steady rate (its last progress line: from connecting
to the last case), peak RSS of each worker process (Dask configurations started here), and the storage per
case. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Testing" / "core" / "batch"))
from dask_processes import dask_cluster  # noqa: E402  (the tests' loopback cluster: scheduler + workers)


def make_cases(folder: Path, cases: int, slices: int) -> None:
    from gynai.io.images import write_image
    from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

    config = PhantomConfig(spacing_mm=(0.9, 0.9, 4.0), size_xyz=(256, 256, slices))
    for seed in range(cases):
        case = generate_uterus_fibroid(seed, [FibroidSpec("4", 20.0), FibroidSpec("2", 14.0)], config)
        write_image(case.image, folder / f"case{seed:02d}.nrrd")


def worker_peak_rss_mb(address: str) -> list[float]:
    """Peak resident memory of every worker process of the cluster so far, in MB."""
    from distributed import Client

    def peak() -> float:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    with Client(address, timeout="20s") as client:
        return sorted(client.run(peak).values())


def folder_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def run_batch(inputs: Path, output: Path, extra: list[str]) -> tuple[float, str]:
    """Wall seconds of one ``gynai batch`` command and its steady rate (cases/min, from its last line)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "batch", str(inputs), str(output),
                             "--task", "uterus-fibroid", *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"batch {' '.join(extra)} failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    rates = re.findall(r"([\d.]+) cases/min", result.stderr)
    return seconds, rates[-1] if rates else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--slices", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        inputs = root / "in"
        inputs.mkdir()
        make_cases(inputs, args.cases, args.slices)
        seconds, rate = run_batch(inputs, root / "pool-1", ["--workers", "1"])
        rows.append(("pool-1", seconds, rate, "-", folder_mb(root / "pool-1" / "cases") / args.cases))
        for workers in (1, 2):
            name = f"dask-{workers}"
            with dask_cluster(root / f"cluster-{workers}", workers) as address:
                seconds, rate = run_batch(inputs, root / name, ["--scheduler", address])
                peaks = ", ".join(f"{mb:.0f}" for mb in worker_peak_rss_mb(address))
            rows.append((name, seconds, rate, peaks, folder_mb(root / name / "cases") / args.cases))
        seconds, rate = run_batch(inputs, root / "local-2", ["--scheduler", "local", "--workers", "2"])
        rows.append(("local-2", seconds, rate, "-", folder_mb(root / "local-2" / "cases") / args.cases))
    print(f"{os.cpu_count()} CPU cores, {args.cases} cases of 256×256×{args.slices}")
    print("| configuration | wall time (s) | cases/min (wall) | steady cases/min | worker peak RSS (MB) | "
          "storage per case (MB) |\n|---|---|---|---|---|---|")
    for name, seconds, rate, peaks, storage_mb in rows:
        print(f"| {name} | {seconds:.1f} | {60 * args.cases / seconds:.1f} | {rate} | {peaks} | {storage_mb:.2f} |")
    base = next(row for row in rows if row[0] == "dask-1")[1]
    two = next(row for row in rows if row[0] == "dask-2")[1]
    print(f"\nscheduler + 2 workers vs 1 worker: {base / two:.2f}x the throughput (wall time)")


if __name__ == "__main__":
    main()
