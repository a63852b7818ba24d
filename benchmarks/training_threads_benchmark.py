"""Training-step time of the bundled network on the CPU, by thread setting, alone or beside a busy process.

Each setting runs in a fresh Python process (OpenMP reads OMP_WAIT_POLICY once, when torch loads it):

    python benchmarks/training_threads_benchmark.py --steps 5 --load 1

``--load N`` starts N processes that keep one core each busy (a stand-in for tests, a second training
or the Slicer GUI) while the settings are timed. Results go to stdout as a Markdown table.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time

CHILD = """
import sys, time, torch
from monai.losses import DiceCELoss
from gynai.models.bundle import network_from_definition
from gynai.training.train import task_config
torch.set_num_threads(int(sys.argv[1]))
config = task_config("uterus-fibroid")
network = network_from_definition(config.network_def(4))
optimizer = torch.optim.AdamW(network.parameters(), 1e-3)
loss_function = DiceCELoss(to_onehot_y=True, softmax=True)
x = torch.randn(config.batch_size, 1, *config.patch_size_zyx)
y = torch.randint(0, 4, (config.batch_size, 1, *config.patch_size_zyx))
steps = int(sys.argv[2])
for step in range(steps + 1):
    if step == 1:
        start = time.perf_counter()
    optimizer.zero_grad()
    loss_function(network(x), y).backward()
    optimizer.step()
print((time.perf_counter() - start) / steps)
"""


def _spin(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


def time_setting(threads: int, wait_policy: str | None, steps: int) -> float:
    """Seconds per training step in a fresh process with this thread count and OpenMP wait policy."""
    environment = dict(os.environ)
    environment.pop("OMP_WAIT_POLICY", None)
    if wait_policy:
        environment["OMP_WAIT_POLICY"] = wait_policy
    result = subprocess.run([sys.executable, "-c", CHILD, str(threads), str(steps)], env=environment,
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, help="busy processes beside the training")
    args = parser.parse_args()
    settings = [(1, None), (2, None), (2, "PASSIVE")]
    busy = [multiprocessing.Process(target=_spin, args=(time.time() + 3600,)) for _ in range(args.load)]
    for process in busy:
        process.start()
    try:
        print(f"| torch threads | OMP_WAIT_POLICY | busy processes | s per step ({args.steps} steps) |")
        print("|---|---|---|---|")
        for threads, policy in settings:
            seconds = time_setting(threads, policy, args.steps)
            print(f"| {threads} | {policy or 'default'} | {args.load} | {seconds:.2f} |", flush=True)
    finally:
        for process in busy:
            process.terminate()


if __name__ == "__main__":
    main()
