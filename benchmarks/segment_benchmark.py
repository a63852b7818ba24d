"""Benchmark: end-to-end `segment_image` time and peak RSS on phantoms of increasing size.

Run: ``python benchmarks/segment_benchmark.py [--slices 30 60] [--device cpu]``; results go to stdout as
Markdown table rows (copy them into docs/benchmarks.md with the machine description).
"""

from __future__ import annotations

import argparse
import resource
import time

from gynai.inference.predict import segment_image
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slices", type=int, nargs="+", default=[30])
    parser.add_argument("--size", type=int, default=512, help="in-plane matrix (pixels)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print("| matrix | spacing (mm) | phantom (s) | segment (s) | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for slices in args.slices:
        config = PhantomConfig(spacing_mm=(0.45, 0.45, 120.0 / slices), size_xyz=(args.size, args.size, slices))
        start = time.perf_counter()
        case = generate_uterus_fibroid(1, [FibroidSpec("4", 20.0)], config)
        generated = time.perf_counter() - start
        start = time.perf_counter()
        segment_image(case.image, "uterus-fibroid", args.device)
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {args.size}×{args.size}×{slices} | 0.45×0.45×{120.0 / slices:.2f} | {generated:.1f} | "
              f"{elapsed:.1f} | {peak_mb:.0f} |")


if __name__ == "__main__":
    main()
