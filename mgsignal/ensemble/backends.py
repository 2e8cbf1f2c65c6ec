"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each backend maps ``evaluate_chunk`` over chunks and yields finished results as they come.
Only plain data crosses process boundaries.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..simulation import Simulator
from .worker import Heartbeat, Job, evaluate_chunk, read_heartbeat

Chunk = tuple[np.ndarray, np.ndarray]  # (sample ids, rows of values)


def map_chunks(job: Job, chunks: Sequence[Chunk], *, backend: Any, n_workers: int | None,
               simulator: Simulator, run_timeout: float | None = None) -> Iterator[pd.DataFrame]:
    """Evaluate every chunk on ``backend`` and yield each result when it is done.

    Args:
        backend: ``"serial"``, ``"processes"`` (local worker processes), a
            ``dask.distributed.Client``, or a Dask scheduler address (``"tcp://host:port"``).
        n_workers: number of local processes (default: the number of CPUs).
        simulator: the caller's simulator of the model, used directly by the serial backend.
        run_timeout: local processes only: a run still going after this many seconds is
            stopped (its worker is killed and replaced) and reported as failed.
    """
    if backend == "serial":
        for ids, values in chunks:
            yield evaluate_chunk(job, ids, values, simulator=simulator)
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
    """Chunks on a pool of local processes, each yielded when done.

    libroadrunner cannot be interrupted, so a run that outlives ``run_timeout`` (an event that
    fires without end, for instance) gets its worker killed; a worker that dies (killed, or a
    crash in compiled code) is replaced by the pool. Its chunk is queued again, split: the rows
    before the lost run as one chunk, the lost run's row with that run marked failed, and each
    later row alone (neighbouring rows, e.g. of a Sobol' design, often fail alike, and a lost
    chunk costs all its finished rows). The other workers go on.
    """
    todo: dict[int, tuple[np.ndarray, np.ndarray, dict[tuple[int, int], str]]] = {
        number: (ids, values, {}) for number, (ids, values) in enumerate(chunks)}
    numbers = itertools.count(len(todo))
    with tempfile.TemporaryDirectory(prefix="mgsignal-") as folder, _context().Pool(n_workers) as pool:
        def submit(number: int) -> Any:
            ids, values, skip = todo[number]
            return pool.apply_async(evaluate_chunk, (job, ids, values),
                                    {"heartbeat": Heartbeat(folder, number), "skip": skip})

        running = {number: submit(number) for number in todo}
        while running:
            for number in [n for n, result in running.items() if result.ready()]:
                part = running.pop(number).get()  # an exception in the worker is raised here
                del todo[number]
                yield part
            for number, scenario, row, reason in _lost_runs(folder, set(running), run_timeout):
                ids, values, skip = todo.pop(number)
                del running[number]  # its result never comes: the worker is gone
                same_row = {(other, 0): why for (other, at), why in skip.items() if at == row}
                pieces = [(slice(0, row), skip), (slice(row, row + 1), {**same_row, (scenario, 0): reason})]
                pieces += [(slice(later, later + 1), {}) for later in range(row + 1, len(ids))]
                for rows, piece_skip in pieces:
                    if len(ids[rows]):
                        todo[next_number := next(numbers)] = (ids[rows], values[rows], piece_skip)
                        running[next_number] = submit(next_number)
            if running:
                time.sleep(0.1)


def _lost_runs(folder: str, running: set[int], run_timeout: float | None) -> list[tuple[int, int, int, str]]:
    """Runs whose worker died, or was killed here because the run outlived ``run_timeout``,
    read from the heartbeat files ``folder/<pid>`` (chunk, scenario, row, start)."""
    lost = []
    for path in Path(folder).glob("[0-9]*[0-9]"):
        beat = read_heartbeat(str(path))
        if beat is None or beat[0] not in running:
            continue  # no run yet, caught mid-write, or the chunk just ended
        number, scenario, row, started = beat
        pid, position = int(path.name), (number, scenario, row)
        if run_timeout is not None and time.time() - started > run_timeout:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            reason = f"run stopped after {run_timeout:g} s (run_timeout): it did not finish, e.g. an event that fires without end"
        elif not _alive(pid):
            reason = "the worker process died during this run (a crash in compiled code)"
        else:
            continue
        path.unlink(missing_ok=True)
        lost.append((*position, reason))
    return lost


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _context() -> Any:
    # forkserver: workers are forked from a clean server process that imported mgsignal once and
    # never compiled a model (no libroadrunner state is inherited from the caller); later runs
    # in the same session start in ~0.2 s instead of ~1 s. Spawn where forkserver is missing.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mgsignal.ensemble.worker"])
        return context
    return multiprocessing.get_context("spawn")


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
