"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each backend maps ``evaluate_chunk`` over chunks and yields finished results as they come.
Only plain data crosses process boundaries.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..simulation import Simulator
from .pool import Chunk, LocalWorkers
from .worker import Job, evaluate_chunk


def map_chunks(job: Job, chunks: Sequence[Chunk], *, backend: Any, n_workers: int | None,
               simulator: Simulator | None, run_timeout: float | None = None,
               stats: dict[str, int] | None = None) -> Iterator[pd.DataFrame]:
    """Evaluate every chunk on ``backend`` and yield each result when it is done.

    Args:
        backend: ``"serial"``, ``"processes"`` (local worker processes started for this call),
            a :class:`~mgsignal.ensemble.LocalWorkers` pool (kept between calls), a
            ``dask.distributed.Client``, or a Dask scheduler address (``"tcp://host:port"``).
        n_workers: number of local processes for ``"processes"`` (default: the number of CPUs).
        simulator: the caller's simulator of the model, used directly by the serial backend.
        run_timeout: a run still going after this many seconds is stopped (its process is killed
            and replaced) and reported as failed. On Dask each chunk then runs in a child process
            of the Dask worker (:func:`guarded_chunk`), which needs non-daemonic workers
            (``dask worker --no-nanny``, or ``distributed.worker.daemon: false``).
        stats: local processes only: counters filled in as the run goes (see
            :meth:`LocalWorkers.run`).
    """
    if backend == "serial":
        for ids, values in chunks:
            yield evaluate_chunk(job, ids, values, simulator=simulator)
    elif backend == "processes":
        with LocalWorkers(n_workers) as pool:
            yield from pool.run(job, chunks, run_timeout=run_timeout, stats=stats)
    elif isinstance(backend, LocalWorkers):
        yield from backend.run(job, chunks, run_timeout=run_timeout, stats=stats)
    elif isinstance(backend, str) and "://" in backend:
        from dask.distributed import Client
        with Client(backend) as client:
            yield from _dask(job, chunks, client, run_timeout)
    elif type(backend).__name__ == "Client":
        yield from _dask(job, chunks, backend, run_timeout)
    else:
        raise InvalidInputError(f"backend must be 'serial', 'processes', a LocalWorkers pool, a dask Client or a "
                                f"scheduler address, got {backend!r}")


def _dask(job: Job, chunks: Sequence[Chunk], client: Any, run_timeout: float | None) -> Iterator[pd.DataFrame]:
    from dask.distributed import as_completed as dask_completed
    # a key of its own for each run (hash=False): with the content hash as key, a run started
    # right after an identical one lost its job while the scheduler released the previous copy
    if run_timeout is not None and any(client.run(_daemonic).values()):
        warnings.warn("run_timeout needs non-daemonic Dask workers (dask worker --no-nanny, or the config "
                      "distributed.worker.daemon: false); on these workers runs are not stopped", RuntimeWarning,
                      stacklevel=3)
        run_timeout = None
    shared = client.scatter(job, broadcast=True, hash=False)
    futures = [client.submit(guarded_chunk, shared, ids, values, run_timeout, pure=False) for ids, values in chunks]
    try:
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.cancel([*futures, shared])


def guarded_chunk(job: Job, ids: np.ndarray, values: np.ndarray, run_timeout: float | None) -> pd.DataFrame:
    """A chunk on a Dask worker. With ``run_timeout`` it runs in one local worker process of its
    own (the ``processes`` backend), so that a run that never ends is stopped instead of holding
    the Dask worker forever (daemonic Dask workers may not start processes: for them the caller
    passes no timeout, and says so once)."""
    if run_timeout is None:
        return evaluate_chunk(job, ids, values)
    parts = list(map_chunks(job, [(ids, values)], backend="processes", n_workers=1, simulator=None,
                            run_timeout=run_timeout))
    return pd.concat(parts, ignore_index=True)


def _daemonic() -> bool:
    """Whether this (Dask worker) process is daemonic, i.e. may not start processes."""
    return multiprocessing.current_process().daemon
