"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each backend maps ``evaluate_chunk`` over chunks and yields finished results as they come.
Only plain data crosses process boundaries.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, MgSignalError
from ..model import Model
from .worker import Heartbeat, Job, evaluate_chunk

Chunk = tuple[np.ndarray, np.ndarray]  # (sample ids, rows of values)


def map_chunks(job: Job, chunks: Sequence[Chunk], *, backend: Any, n_workers: int | None,
               model: Model, run_timeout: float | None = None) -> Iterator[pd.DataFrame]:
    """Evaluate every chunk on ``backend`` and yield each result when it is done.

    Args:
        backend: ``"serial"``, ``"processes"`` (local worker processes), a
            ``dask.distributed.Client``, or a Dask scheduler address (``"tcp://host:port"``).
        n_workers: number of local processes (default: the number of CPUs).
        model: the caller's compiled model, used directly by the serial backend.
        run_timeout: local processes only: a run still going after this many seconds is
            stopped (its worker is killed and replaced) and reported as failed.
    """
    if backend == "serial":
        for ids, values in chunks:
            yield evaluate_chunk(job, ids, values, model=model)
    elif backend == "processes":
        yield from _processes(job, chunks, n_workers or os.cpu_count() or 1, run_timeout)
    elif isinstance(backend, str) and "://" in backend:
        from dask.distributed import Client
        with Client(backend) as client:
            yield from _dask(job, chunks, client)
    elif type(backend).__name__ == "Client":
        yield from _dask(job, chunks, backend)
    else:
        raise InvalidInputError(f"backend must be 'serial', 'processes', a dask Client or a scheduler address, got {backend!r}")


def _processes(job: Job, chunks: Sequence[Chunk], n_workers: int,
               run_timeout: float | None) -> Iterator[pd.DataFrame]:
    """Chunks on a pool of local processes. A run that outlives ``run_timeout`` (libroadrunner
    cannot be interrupted: an event that fires without end, for instance) gets its worker
    killed; the pool is then started again for the unfinished chunks, which skip that run."""
    context = _context()
    todo = dict(enumerate(chunks))
    skips: dict[int, dict[tuple[int, int], str]] = {}
    while todo:
        with tempfile.TemporaryDirectory(prefix="mgsignal-") as folder, \
                ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
            futures = {pool.submit(evaluate_chunk, job, ids, values, heartbeat=Heartbeat(folder, number),
                                   skip=skips.get(number)): number for number, (ids, values) in todo.items()}
            stopped: list[tuple[int, int, int]] = []
            try:
                for future in _as_completed(futures, folder, run_timeout, stopped):
                    result = future.result()
                    del todo[futures[future]]
                    yield result
            except BrokenProcessPool as error:
                if not stopped:
                    raise MgSignalError(f"a worker process died, not stopped by run_timeout, with chunks "
                                        f"{sorted(todo)} unfinished: {error}") from error
                for number, scenario, row in stopped:
                    skips.setdefault(number, {})[scenario, row] = (
                        f"run stopped after {run_timeout:g} s (run_timeout): it did not finish, e.g. an event "
                        f"that fires without end")
            finally:
                for future in futures:
                    future.cancel()


def _context() -> Any:
    # forkserver: workers are forked from a clean server process that imported mgsignal once and
    # never compiled a model (no libroadrunner state is inherited from the caller); later runs
    # in the same session start in ~0.2 s instead of ~1 s. Spawn where forkserver is missing.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mgsignal.ensemble.worker"])
        return context
    return multiprocessing.get_context("spawn")


def _as_completed(futures: dict, folder: str, run_timeout: float | None,
                  stopped: list[tuple[int, int, int]]) -> Iterator[Any]:
    """Finished futures as they come; meanwhile, kill any worker whose current run (read from
    its heartbeat file) started more than ``run_timeout`` seconds ago, noting that run."""
    pending = set(futures)
    unfinished = set(futures.values())
    while pending:
        done, pending = wait(pending, timeout=0.5 if run_timeout else None, return_when=FIRST_COMPLETED)
        for future in done:
            unfinished.discard(futures[future])
            yield future
        if run_timeout is None:
            continue
        for path in Path(folder).glob("[0-9]*[0-9]"):
            try:
                number, scenario, row, started = path.read_text(encoding="ascii").split()
            except (OSError, ValueError):
                continue  # the chunk just ended
            if int(number) in unfinished and time.time() - float(started) > run_timeout:
                stopped.append((int(number), int(scenario), int(row)))
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(path.name), signal.SIGKILL)
                path.unlink(missing_ok=True)


def _dask(job: Job, chunks: Sequence[Chunk], client: Any) -> Iterator[pd.DataFrame]:
    from dask.distributed import as_completed as dask_completed
    # a key of its own for each run (hash=False): with the content hash as key, a run started
    # right after an identical one lost its job while the scheduler released the previous copy
    shared = client.scatter(job, broadcast=True, hash=False)
    futures = [client.submit(evaluate_chunk, shared, ids, values, pure=False) for ids, values in chunks]
    try:
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.cancel([*futures, shared])
