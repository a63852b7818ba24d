"""A real Dask cluster on loopback for the tests: ``dask scheduler`` and ``dask worker`` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).parent


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH", "")]))  # batch_fakes
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "1"      # as the README starts the scheduler
    env["DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION"] = "1.0"
    return env


def connected_workers(address: str) -> int:
    from distributed import Client

    with Client(address, timeout="10s") as client:
        return len(client.scheduler_info()["workers"])


def wait_for_workers(address: str, count: int, timeout_s: float = 120.0) -> None:
    """Until ``count`` workers are connected (a killed worker is restarted by its nanny)."""
    deadline = time.monotonic() + timeout_s
    while connected_workers(address) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} Dask workers after {timeout_s} s")
        time.sleep(0.5)


@contextmanager
def dask_cluster(folder: Path, workers: int = 2) -> Iterator[str]:
    """Start ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes; yield the address."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    env = _environment()
    processes = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file():
            if time.monotonic() > deadline or processes[0].poll() is not None:
                raise RuntimeError("the Dask scheduler did not start")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for number in range(workers):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--nworkers", "1",
                 "--host", "127.0.0.1", "--name", f"w{number}", "--local-directory", str(folder / f"w{number}")],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_workers(address, workers)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
