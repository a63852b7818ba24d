"""Cases of a batch on a Dask cluster (``gynai batch --scheduler tcp://HOST:PORT`` or ``--scheduler local``).

Each case is one Dask task: :func:`gynai.batch.case.process_case` runs on a worker and writes its case folder
into the batch output, which must be a filesystem the workers share with this machine (same path); the rows
come back to this process, which builds the cohort table and summary as for a local batch.

- At most one case per worker thread is in flight, so a worker that dies holds at most its own cases.
- A case whose worker dies is run again on another worker by the scheduler; when that worker dies too, the
  case is recorded as failed (:data:`WORKER_DIED`) and the others continue. ``--scheduler local`` starts a
  :class:`distributed.LocalCluster` configured for exactly one retry; a scheduler started by the user retries
  as often as its ``distributed.scheduler.allowed-failures`` says (README: start it with
  ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1``).
- Every worker verifies the task's model (size and SHA-256) and loads it once, when it joins
  (:class:`ModelPlugin`; also a worker that is restarted later), then reuses it for its cases
  (:mod:`gynai.inference.loaded`).
- Threads: a worker started by ``dask worker`` or ``LocalCluster`` runs torch with the ``OMP_NUM_THREADS``
  its nanny sets (1 by default): one case per worker thread, one core each.
"""

from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Sequence

from distributed.diagnostics.plugin import WorkerPlugin

from gynai.batch.case import failed_row, failure_reason, limit_threads
from gynai.batch.inputs import BatchCase
from gynai.errors import ClusterError, ModelError, OutputPathError, UsageError
from gynai.inference.loaded import load_task_model
from gynai.inference.predict import resolve_device

logger = logging.getLogger(__name__)

LOCAL = "local"
"""``--scheduler local``: a LocalCluster of ``--workers`` single-threaded worker processes on this machine."""

ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/:]+(:\d{1,5})?/?$")
CONNECT_TIMEOUT_S = 30.0
WORKER_WAIT_S = 120.0
RETRIES_AFTER_WORKER_DEATH = 1

WORKER_DIED = ("the Dask workers running this case died, also when it was retried on another worker "
               "(run the batch again to retry it)")
"""Failure reason of a case that killed its workers (Dask's KilledWorker)."""

CaseCall = Callable[[BatchCase], dict]
Collect = Callable[[dict], None]


def check_scheduler(scheduler: str) -> str:
    """``local`` or a scheduler address such as ``tcp://10.0.0.5:8786``.

    Raises:
        UsageError: Anything else (one line saying what is allowed).
    """
    text = str(scheduler).strip()
    if text.lower() == LOCAL:
        return LOCAL
    if not ADDRESS.match(text):
        raise UsageError(f"--scheduler must be 'local' or a Dask scheduler address such as tcp://HOST:8786, "
                         f"got {scheduler!r}")
    return text


class ModelPlugin(WorkerPlugin):
    """Worker plugin: verify (SHA-256) and load the task's model once on every worker, when it joins.

    A failing check on a worker that is already connected stops the batch (:func:`prepare_workers`); a worker
    that joins later with a broken model fails its cases with the model's error.
    """

    name = "gynai-models"
    idempotent = False

    def __init__(self, task: str, modalities: Sequence[str], device: str) -> None:
        self.task, self.modalities, self.device = task, tuple(modalities), device

    def setup(self, worker: Any = None) -> None:
        """Load the model for each modality on this worker (raises :class:`ModelError` when it fails), and
        let SimpleITK use as many threads as torch (``OMP_NUM_THREADS``, set by the worker's nanny)."""
        import torch

        limit_threads(torch.get_num_threads())
        for modality in self.modalities:
            load_task_model(self.task, modality=modality or None, device=resolve_device(self.device))


@contextmanager
def cluster_client(scheduler: str, workers: int = 1) -> Iterator[Any]:
    """A :class:`distributed.Client` of the scheduler at ``scheduler``, or of a new LocalCluster of
    ``workers`` single-threaded processes (``local``); closed (and the LocalCluster stopped) on exit.

    Raises:
        ClusterError: The scheduler cannot be reached, or no worker joins it.
    """
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler == LOCAL:
        settings = {"distributed.scheduler.allowed-failures": RETRIES_AFTER_WORKER_DEATH,
                    "distributed.scheduler.worker-saturation": 1.0}
        with dask.config.set(settings):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S:g}s")
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({' '.join(str(error).split())}); "
                               "start it with `dask scheduler` and check the address and port") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except (OSError, TimeoutError):
            raise ClusterError(f"no Dask worker joined the scheduler at {scheduler} within {WORKER_WAIT_S:g} s; "
                               f"start workers with `dask worker {scheduler}`") from None
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def dashboard_link(client: Any) -> Optional[str]:
    """The scheduler's dashboard address, or None when the scheduler serves none (``bokeh`` not installed)."""
    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        return client.dashboard_link
    except Exception:  # noqa: BLE001 - the link is a convenience; never fail a batch for it
        return None


def _worker_can_write(folder: str) -> bool:
    return os.path.isdir(folder) and os.access(folder, os.W_OK)


def prepare_workers(client: Any, cases_dir: str, plugin: ModelPlugin) -> None:
    """Check that every worker can write ``cases_dir`` (a shared filesystem) and has a working model.

    Raises:
        ClusterError: A worker cannot run GynAI at all (another environment).
        OutputPathError: A worker cannot write into the batch output.
        ModelError: A worker's model is missing or fails its SHA-256 check.
    """
    try:
        writable = client.run(_worker_can_write, cases_dir)
    except Exception as error:  # noqa: BLE001 - e.g. gynai not importable on a worker
        raise ClusterError(f"a Dask worker cannot run GynAI ({failure_reason(error)}); install the same GynAI "
                           "in the workers' environment") from None
    blind = sorted(address for address, ok in writable.items() if not ok)
    if blind:
        raise OutputPathError(f"Dask worker {blind[0]} cannot write into {cases_dir}: put the batch output on a "
                              "filesystem the workers share, at the same path")
    try:
        client.register_plugin(plugin, name=plugin.name)
    except Exception as error:  # noqa: BLE001 - the worker's own error, sent back
        raise ModelError(f"a Dask worker cannot use the model: {failure_reason(error)}") from None


def warn_about_retries(client: Any) -> None:
    """Say when the scheduler retries a case whose worker died more often than once."""
    try:
        allowed = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
    except Exception:  # noqa: BLE001 - a scheduler that refuses to run code: say nothing
        return
    if allowed != RETRIES_AFTER_WORKER_DEATH:
        logger.warning("the scheduler retries a case whose worker died up to %s time(s) "
                       "(distributed.scheduler.allowed-failures); start it with "
                       "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1 to retry once", allowed)


def worker_threads(client: Any) -> int:
    """Threads of all workers now connected (at least 1)."""
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(info.get("nthreads", 1)) for info in workers.values()))


def _outcome(future: Any, case: BatchCase) -> dict[str, Any]:
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return failed_row(case, WORKER_DIED)
    except Exception as error:  # noqa: BLE001 - e.g. a worker without the input file's filesystem
        return failed_row(case, failure_reason(error))


def run_on_cluster(todo: list[BatchCase], client: Any, call: CaseCall, collect: Collect) -> None:
    """Run ``call(case)`` for every case on the cluster of ``client``, at most one case per worker thread in
    flight, and ``collect`` each row as it finishes. Stopped (a signal, an error): the cases in flight are
    cancelled."""
    from distributed import as_completed

    pending = list(todo)
    running: dict[Any, BatchCase] = {}
    finished = as_completed()

    def fill() -> None:
        slots = worker_threads(client)
        while pending and len(running) < slots:
            case = pending.pop(0)
            future = client.submit(call, case, key=f"gynai-case-{case.case_id}-{os.urandom(4).hex()}", pure=False)
            running[future] = case
            finished.add(future)

    try:
        fill()
        for future in finished:
            collect(_outcome(future, running.pop(future)))
            fill()
    except BaseException:
        client.cancel(list(running))
        raise
