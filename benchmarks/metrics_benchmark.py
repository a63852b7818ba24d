"""Benchmark: time of the metrics document (all structures) by volume size.

Run: ``python benchmarks/metrics_benchmark.py [--slices 30 300]``. A uterus phantom with four fibroids on a
512×512 matrix is measured with :func:`gynai.metrics.document.metrics_document` (what ``gynai measure`` and
GynAIReport compute); prints Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time

from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slices", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("| matrix | structures | metrics (s, best of %d) |" % args.repeats)
    print("|---|---|---|")
    fibroids = [FibroidSpec("4", 25.0), FibroidSpec("2", 15.0), FibroidSpec("6", 18.0), FibroidSpec("0", 10.0)]
    for slices in args.slices:
        config = PhantomConfig(spacing_mm=(0.45, 0.45, max(0.8, 120.0 / slices)),
                               size_xyz=(args.size, args.size, slices))
        case = generate_uterus_fibroid(2, fibroids, config)
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            document = metrics_document(case.image, case.labels, "uterus-fibroid")
            best = min(best, time.perf_counter() - start)
        print(f"| {args.size}×{args.size}×{slices} | {len(document['structures'])} | {best:.2f} |", flush=True)


if __name__ == "__main__":
    main()
