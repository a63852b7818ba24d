"""Worker processes of a batch: a pool for many cases, or one process per case when cases have a deadline.

Workers never outlive the batch: each watches its parent and ends itself when the parent is gone (``kill
-9`` of ``gynai batch``), and a batch stopped by a signal or an error kills the workers it started. The
folders of cases they were writing are staged folders that the next run removes
(:func:`gynai.io.leftovers.remove_leftovers`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from typing import Any, Callable, Optional

from gynai.batch.case import failed_row, failure_reason
from gynai.batch.inputs import BatchCase

logger = logging.getLogger(__name__)

CRASHED = "worker process crashed (run the batch again to retry this case)"
"""Failure reason of the cases a dying worker process was running."""

PARENT_CHECK_S = 0.5
"""How often a worker checks that the batch that started it still runs."""

ORPHAN_EXIT_CODE = 70

CaseCall = Callable[[BatchCase], dict]
Collect = Callable[[dict], None]


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            os._exit(ORPHAN_EXIT_CODE)                  # the batch is gone: stop at once, no clean-up to wait for


def watch_parent(parent_pid: int) -> None:
    """Start a daemon thread that ends this (worker) process when ``parent_pid`` is no longer its parent."""
    threading.Thread(target=_watch, args=(parent_pid,), name="gynai-parent-watch", daemon=True).start()


def _outcome(future: Future, case: BatchCase) -> tuple[dict[str, Any], bool]:
    """The row of a finished future (its result, or the case's failure) and whether its worker crashed."""
    try:
        return future.result(), False
    except BrokenProcessPool:
        return failed_row(case, CRASHED), True
    except Exception as error:  # noqa: BLE001 - e.g. a result that could not be sent back
        return failed_row(case, failure_reason(error)), False


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())   # the executor has no public way to kill
    for process in processes:
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def run_in_pools(todo: list[BatchCase], workers: int, call: CaseCall, collect: Collect) -> None:
    """Run ``call(case)`` in ``workers`` processes, at most one case per worker at a time.

    When a worker dies the pool breaks: the cases in flight are collected as crashed and the rest continue
    in a fresh pool. When this process is stopped (a signal, an error), the workers are killed.
    """
    pending = list(todo)
    while pending:
        pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=watch_parent,
                                   initargs=(os.getpid(),))
        try:
            running: dict[Future, BatchCase] = {}
            broken = False
            while (pending or running) and not broken:
                while pending and len(running) < workers and not broken:
                    try:
                        running[pool.submit(call, pending[0])] = pending[0]
                        pending.pop(0)
                    except BrokenProcessPool:
                        broken = True
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    row, crashed = _outcome(future, running.pop(future))
                    broken = broken or crashed
                    collect(row)
            for future in wait(running).done:          # a broken pool fails every future still in flight
                collect(_outcome(future, running[future])[0])
        except BaseException:
            _kill_pool(pool)
            raise
        pool.shutdown(wait=True)
        if broken:
            logger.warning("a worker process crashed; %d case(s) left continue in a fresh pool", len(pending))


def _case_child(call: CaseCall, case: BatchCase, send: Connection, parent_pid: int) -> None:
    watch_parent(parent_pid)
    send.send(call(case))
    send.close()


def timed_out_reason(timeout_s: float) -> str:
    """Failure reason of a case stopped at its deadline."""
    return (f"stopped after {timeout_s:g} s (--case-timeout-s); check the input (a huge or unreadable image?) "
            "or give more time")


def _finish(process, receive: Connection, case: BatchCase) -> dict:
    try:
        row = receive.recv() if receive.poll() else failed_row(case, CRASHED)
    except (EOFError, OSError):
        row = failed_row(case, CRASHED)
    process.join()
    receive.close()
    return row


def run_with_deadlines(todo: list[BatchCase], workers: int, call: CaseCall, collect: Collect,
                       timeout_s: float, poll_s: Optional[float] = None) -> None:
    """Run every case in a process of its own, at most ``workers`` at a time; a case still running after
    ``timeout_s`` seconds is killed and collected as failed. Killed too when this process is stopped."""
    context = get_context("spawn")
    pending = list(todo)
    running: dict[Any, tuple[BatchCase, Connection, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                case = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_case_child, args=(call, case, send, os.getpid()), daemon=True)
                process.start()
                send.close()
                running[process] = (case, receive, time.monotonic())
            waiting = [process.sentinel for process in running] + [entry[1] for entry in running.values()]
            wait_for(waiting, timeout=poll_s or min(1.0, timeout_s / 10))
            for process, (case, receive, started) in list(running.items()):
                if receive.poll() or not process.is_alive():
                    collect(_finish(process, receive, case))
                elif time.monotonic() - started > timeout_s:
                    process.kill()
                    process.join()
                    receive.close()
                    logger.warning("case %s stopped after %g s", case.case_id, timeout_s)
                    collect(failed_row(case, timed_out_reason(timeout_s), time.monotonic() - started))
                else:
                    continue
                del running[process]
    finally:
        for process in running:
            process.kill()
            process.join()
