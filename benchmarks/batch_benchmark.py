"""Throughput of ``gynai batch`` with 1 and 2 workers on uterus phantoms (wall clock, one run each).

Usage: ``python benchmarks/batch_benchmark.py [--cases 8] [--slices 30]``. Each phantom is a 256×256 T2
matrix at 0.9 mm in-plane (``--slices`` slices of 4 mm); every case is segmented, measured and reported
(JSON + HTML). Prints a Markdown table row per worker count.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_cases(folder: Path, cases: int, slices: int) -> None:
    from gynai.io.images import write_image
    from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

    config = PhantomConfig(spacing_mm=(0.9, 0.9, 4.0), size_xyz=(256, 256, slices))
    for seed in range(cases):
        case = generate_uterus_fibroid(seed, [FibroidSpec("4", 20.0), FibroidSpec("2", 14.0)], config)
        write_image(case.image, folder / f"case{seed:02d}.nrrd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--slices", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch:
        inputs = Path(scratch) / "in"
        inputs.mkdir()
        make_cases(inputs, args.cases, args.slices)
        print(f"{os.cpu_count()} CPU cores, {args.cases} cases of 256×256×{args.slices}")
        print("| workers | wall time (s) | cases per minute |\n|---|---|---|")
        for workers in (1, 2):
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "-q", "batch", str(inputs),
                                     str(Path(scratch) / f"out{workers}"), "--task", "uterus-fibroid",
                                     "--workers", str(workers)], capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if result.returncode != 0:
                raise SystemExit(f"batch failed ({result.returncode}): {result.stderr.strip()}")
            print(f"| {workers} | {seconds:.1f} | {60 * args.cases / seconds:.1f} |")


if __name__ == "__main__":
    main()
