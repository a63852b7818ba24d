"""Benchmark: time of the metrics document (all metrics of a task) by volume size.

Run: ``python benchmarks/metrics_benchmark.py [--slices 30 300] [--tasks uterus-fibroid placenta adnexal-mass]``.
Phantoms of each task on a 512×512 matrix (0.45 mm pixels; slice thickness 120 mm / slices, at least
0.8 mm) are measured with :func:`gynai.metrics.document.metrics_document` (what ``gynai measure`` and
GynAIReport compute: shape metrics of every structure plus the fibroid map, the placenta research metrics
or the adnexal features); prints Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time

from gynai.metrics.document import metrics_document
from gynai.phantom import (FibroidSpec, PhantomConfig, generate_adnexal_mass, generate_placenta,
                           generate_uterus_fibroid)


def _phantom(task: str, config: PhantomConfig):
    if task == "uterus-fibroid":
        fibroids = [FibroidSpec("4", 25.0), FibroidSpec("2", 15.0), FibroidSpec("6", 18.0), FibroidSpec("0", 10.0)]
        return generate_uterus_fibroid(2, fibroids, config)
    if task == "placenta":
        return generate_placenta(2, 0.0, config, bulge_mm=6.0)
    return generate_adnexal_mass(2, config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slices", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--tasks", nargs="+", default=["uterus-fibroid", "placenta", "adnexal-mass"])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("| task | matrix | structures | metrics (s, best of %d) | slowest run (s) |" % args.repeats)
    print("|---|---|---|---|---|")
    for task in args.tasks:
        for slices in args.slices:
            config = PhantomConfig(spacing_mm=(0.45, 0.45, max(0.8, 120.0 / slices)),
                                   size_xyz=(args.size, args.size, slices))
            case = _phantom(task, config)
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                document = metrics_document(case.image, case.labels, task)
                runs.append(time.perf_counter() - start)
            print(f"| {task} | {args.size}×{args.size}×{slices} | {len(document['structures'])} | {min(runs):.2f} "
                  f"| {max(runs):.2f} |", flush=True)


if __name__ == "__main__":
    main()
