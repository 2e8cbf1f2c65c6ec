"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each backend maps ``evaluate_chunk`` over chunks and yields finished results as they come.
Only plain data crosses process boundaries.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import platform
import re
import shutil
import signal
import tempfile
import time
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, MgSignalError
from ..simulation import Simulator
from .worker import Job, evaluate_chunk, read_heartbeat, serve

Chunk = tuple[np.ndarray, np.ndarray]  # (sample ids, rows of values)

#: workers that end themselves (exit, crash: not SIGKILL) before they are ready fail the same way
#: each time: stop at this many in a row; at this many deaths of any kind in a row, stop too
STARTUP_FAILURES, STARTUP_DEATHS = 2, 10
#: a chunk whose workers end themselves this many times before its first run (or die this many
#: times of any cause) cannot be loaded: stop
EARLY_FAILURES, EARLY_DEATHS = 3, 10
#: signals that mean a crash inside the process (compiled code), not a kill from outside
CRASH_SIGNALS = ("SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT")

MISSING_MAIN_GUARD = (
    "the ensemble's worker processes die as they start ({detail}). Usually this is a script that calls "
    "run_ensemble (or scan, dose_response, a sensitivity analysis) without the guard: worker processes "
    "import the main script, so they run the call again and die. Put the call under "
    "`if __name__ == \"__main__\":`, or use backend=\"serial\". The workers' own error is printed above.")


def map_chunks(job: Job, chunks: Sequence[Chunk], *, backend: Any, n_workers: int | None,
               simulator: Simulator | None, run_timeout: float | None = None,
               stats: dict[str, int] | None = None) -> Iterator[pd.DataFrame]:
    """Evaluate every chunk on ``backend`` and yield each result when it is done.

    Args:
        backend: ``"serial"``, ``"processes"`` (local worker processes), a
            ``dask.distributed.Client``, or a Dask scheduler address (``"tcp://host:port"``).
        n_workers: number of local processes (default: the number of CPUs).
        simulator: the caller's simulator of the model, used directly by the serial backend.
        run_timeout: a run still going after this many seconds is stopped (its process is killed
            and replaced) and reported as failed. On Dask each chunk then runs in a child process
            of the Dask worker (:func:`guarded_chunk`), which needs non-daemonic workers
            (``dask worker --no-nanny``, or ``distributed.worker.daemon: false``).
        stats: local processes only: counters filled in as the run goes: ``worker_deaths``, of
            which ``deaths_at_start`` (before the worker was ready) and
            ``deaths_before_first_run`` (holding a chunk, no run of it started);
            ``retried_runs`` (lost runs tried again), ``requeued_chunks``.
    """
    if backend == "serial":
        for ids, values in chunks:
            yield evaluate_chunk(job, ids, values, simulator=simulator)
    elif backend == "processes":
        with _heartbeat_folder() as folder:
            pool = _LocalPool(job, folder=folder, size=n_workers or os.cpu_count() or 1, run_timeout=run_timeout,
                              stats=stats if stats is not None else {})
            try:
                yield from pool.run(chunks)
            finally:
                pool.close()
    elif isinstance(backend, str) and "://" in backend:
        from dask.distributed import Client
        with Client(backend) as client:
            yield from _dask(job, chunks, client, run_timeout)
    elif type(backend).__name__ == "Client":
        yield from _dask(job, chunks, backend, run_timeout)
    else:
        raise InvalidInputError(f"backend must be 'serial', 'processes', a dask Client or a scheduler address, got {backend!r}")


@dataclass
class _Task:
    """A chunk to evaluate: sample ids, their rows, runs not to attempt again (position in the
    chunk -> why), whether it tries a lost run again (then only a fresh worker takes it), and
    the exit codes of the workers that died holding it before its first run."""

    ids: np.ndarray
    values: np.ndarray
    skip: dict[tuple[int, int], str] = field(default_factory=dict)
    retry: bool = False
    early_deaths: list[int | None] = field(default_factory=list)


@dataclass
class _Worker:
    """One local worker process: its end of the pipe, whether it said it is ready, the task it
    holds, and the run (task, scenario, row) it was killed for here (``run_timeout``)."""

    process: Any
    connection: Any
    ready: bool = False
    used: bool = False  # it has been given a task
    task: int | None = None
    stopped: tuple[int, int, int] | None = None
    closed: bool = False

    @property
    def idle(self) -> bool:
        """Ready and holding no task."""
        return self.ready and self.task is None and not self.closed


class _LocalPool:
    """Chunks on local worker processes, each result yielded when done; nothing lost.

    The pool knows which worker holds which task, so a worker that dies at any moment gives its
    task back. Its heartbeat file (``folder/<pid>``: task, scenario, row, start) says which run
    was going: the rows before it are queued again as one task, the lost run's row alone, each
    later row alone (neighbouring rows, e.g. of a Sobol' design, often fail alike). A lost run is
    tried once more, on a fresh worker (an idle one makes way for it when needed), before it is
    recorded failed with what killed its worker, except a run
    stopped here for outliving ``run_timeout`` (libroadrunner cannot be interrupted): that one is
    recorded failed at once. Workers that die before they say they are ready (a script without
    the ``__main__`` guard) stop the ensemble with one clear error instead of being replaced
    forever.
    """

    def __init__(self, job: Job, *, folder: str, size: int, run_timeout: float | None, stats: dict[str, int]):
        self.job = pickle.dumps(job)  # pickled once, sent to each worker once it is ready
        self.folder, self.size, self.run_timeout = folder, size, run_timeout
        self.context = _context()
        self.tasks: dict[int, _Task] = {}
        self.queue: deque[int] = deque()
        self.numbers = itertools.count()
        self.workers: list[_Worker] = []
        self.retired: list[_Worker] = []  # sent away to make way for fresh workers
        self.causes: dict[tuple[int, Any], list[str]] = {}  # (scenario, sample) -> what killed its runs
        self.startup_deaths: list[int | None] = []  # exit codes since a worker was last ready
        self.stats = stats
        for key in ("worker_deaths", "deaths_at_start", "deaths_before_first_run", "retried_runs", "requeued_chunks"):
            stats.setdefault(key, 0)

    def run(self, chunks: Sequence[Chunk]) -> Iterator[pd.DataFrame]:
        """Evaluate every chunk; yield each result once."""
        for ids, values in chunks:
            self._add(_Task(ids, values))
        while self.tasks:
            self._start_workers()
            self._hand_out()
            yield from self._receive(timeout=0.1)
            self._bury_dead()
            self._stop_overdue_runs()

    def close(self) -> None:
        """Stop every worker: politely when all is done, else at once (error, interruption)."""
        polite = not self.tasks
        for worker in self.workers:
            if polite:
                with contextlib.suppress(OSError, ValueError):
                    worker.connection.send(None)
            else:
                worker.process.kill()
        for worker in self.workers + self.retired:
            worker.process.join(timeout=2)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers.clear()
        self.retired.clear()

    # ------------------------------------------------------------------ tasks and workers

    def _add(self, task: _Task, *, front: bool = False) -> None:
        number = next(self.numbers)
        self.tasks[number] = task
        self.queue.appendleft(number) if front else self.queue.append(number)

    def _start_workers(self) -> None:
        """Keep one worker per task up to the pool size, with a fresh worker for each retry."""
        retries = sum(self.tasks[number].retry for number in self.queue)
        fresh = sum(not worker.used for worker in self.workers)
        for worker in [w for w in self.workers if w.used and w.idle][:max(0, retries - fresh)]:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
            self.workers.remove(worker)
            self.retired.append(worker)
        while len(self.workers) < min(self.size, len(self.tasks)):
            here, there = self.context.Pipe()
            # the job goes through the pipe once the worker is ready, not as an argument: start()
            # would block until the new process has imported the main script and read it
            process = self.context.Process(target=serve, args=(there, self.folder), daemon=True, name="mgsignal-worker")
            process.start()
            there.close()
            self.workers.append(_Worker(process, here))

    def _hand_out(self) -> None:
        for worker in [w for w in self.workers if w.idle]:
            number = self._next_task(fresh=not worker.used)
            if number is None:
                continue
            task = self.tasks[number]
            try:
                worker.connection.send((number, task.ids, task.values, task.skip))
            except OSError:  # it just died: its death is handled, the task stays queued
                self.queue.appendleft(number)
                worker.closed = True
            else:
                worker.task, worker.used = number, True

    def _next_task(self, *, fresh: bool) -> int | None:
        """Take the first queued task a worker may run: retries of lost runs only go to fresh
        workers, which take them first."""
        retries = [number for number in self.queue if self.tasks[number].retry] if fresh else []
        number = retries[0] if retries else next((n for n in self.queue if not self.tasks[n].retry), None)
        if number is not None:
            self.queue.remove(number)
        return number

    def _receive(self, *, timeout: float) -> Iterator[pd.DataFrame]:
        """Wait up to ``timeout`` for messages or deaths; yield finished results."""
        waiting = [w.connection for w in self.workers if not w.closed] + [w.process.sentinel for w in self.workers]
        ready = set(multiprocessing.connection.wait(waiting, timeout))
        for worker in list(self.workers):
            if worker.closed or not (worker.connection in ready or worker.process.sentinel in ready):
                continue
            while not worker.closed and worker.connection.poll():
                try:
                    message = worker.connection.recv()
                except (EOFError, OSError):  # gone, perhaps mid-message: its death is handled
                    worker.closed = True
                    break
                yield from self._handle(worker, message)

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> Iterator[pd.DataFrame]:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self.startup_deaths.clear()
            try:
                worker.connection.send_bytes(self.job)
            except OSError:  # it just died: its death is handled
                worker.closed = True
        elif kind == "done":
            worker.task = None
            del self.tasks[message[1]]
            yield message[2]
        else:  # "error": an exception the chunk does not contain (e.g. a feature function's bug)
            raise message[2]

    def _bury_dead(self) -> None:
        for worker in [w for w in self.retired if not w.process.is_alive()]:
            self.retired.remove(worker)
            worker.connection.close()
        for worker in [w for w in self.workers if not w.process.is_alive()]:
            self.workers.remove(worker)
            worker.connection.close()
            exitcode = worker.process.exitcode
            self.stats["worker_deaths"] += 1
            if not worker.ready:
                self.stats["deaths_at_start"] += 1
                self._check_startup(exitcode)
            elif worker.task is not None:
                self._give_back(worker, exitcode)

    def _check_startup(self, exitcode: int | None) -> None:
        """Stop when workers keep dying before they are ready."""
        self.startup_deaths.append(exitcode)
        if _too_many(self.startup_deaths, failures=STARTUP_FAILURES, deaths=STARTUP_DEATHS):
            detail = f"{len(self.startup_deaths)} in a row before they were ready, the last: {death_cause(exitcode)}"
            raise MgSignalError(MISSING_MAIN_GUARD.format(detail=detail))

    def _give_back(self, worker: _Worker, exitcode: int | None) -> None:
        """Queue a dead worker's task again, split around the run it was in."""
        number = worker.task
        task = self.tasks.pop(number)
        path = os.path.join(self.folder, str(worker.process.pid))
        beat = read_heartbeat(path)
        with contextlib.suppress(OSError):
            os.remove(path)
        self.stats["requeued_chunks"] += 1
        if beat is None or beat[0] != number:  # no run of the task had started
            self.stats["deaths_before_first_run"] += 1
            task.early_deaths.append(exitcode)
            if _too_many(task.early_deaths, failures=EARLY_FAILURES, deaths=EARLY_DEATHS):
                raise MgSignalError(f"worker processes died {len(task.early_deaths)} times before the first run of a "
                                    f"chunk (the last: {death_cause(exitcode)}): the model cannot be loaded in a "
                                    "worker; backend=\"serial\" shows the error in this process")
            self._add(task, front=True)
            return
        _, scenario, row, _ = beat
        if worker.stopped == beat[:3]:
            reason = (f"run stopped after {self.run_timeout:g} s (run_timeout): it did not finish, "
                      "e.g. an event that fires without end")
        else:
            causes = self.causes.setdefault((scenario, task.ids[row]), [])
            causes.append(death_cause(exitcode))
            reason = (None if len(causes) == 1 else
                      f"the worker process died during this run ({causes[0]}), and again on its retry ({causes[1]})")
            if reason is None:
                self.stats["retried_runs"] += 1
        for piece in reversed(_split(task, scenario, row, reason)):
            self._add(piece, front=True)

    def _stop_overdue_runs(self) -> None:
        """Kill the workers of runs that outlived ``run_timeout`` (their deaths are handled later)."""
        if self.run_timeout is None:
            return
        for worker in self.workers:
            if worker.task is None or worker.stopped is not None:
                continue
            beat = read_heartbeat(os.path.join(self.folder, str(worker.process.pid)))
            if beat is not None and beat[0] == worker.task and time.time() - beat[3] > self.run_timeout:
                worker.stopped = beat[:3]
                worker.process.kill()


def _too_many(exitcodes: list[int | None], *, failures: int, deaths: int) -> bool:
    """True when, of these deaths, ``failures`` were the process ending itself (exit or crash:
    it will do so again) or ``deaths`` happened at all (SIGKILL: from outside, which may stop)."""
    ended_itself = [code for code in exitcodes if _signal_name(code) != "SIGKILL"]
    return len(ended_itself) >= failures or len(exitcodes) >= deaths


def _split(task: _Task, scenario: int, row: int, reason: str | None) -> list[_Task]:
    """The tasks that replace ``task`` after its run (``scenario``, ``row``) was lost: the rows
    before as one task, the row alone (its run skipped with ``reason``, or, when None, a retry
    for a fresh worker), each later row alone; runs already marked to skip stay marked."""

    def skips(at: int) -> dict[tuple[int, int], str]:
        return {(other, 0): why for (other, position), why in task.skip.items() if position == at}

    lost = skips(row) | ({(scenario, 0): reason} if reason is not None else {})
    pieces = [_Task(task.ids[:row], task.values[:row], {k: v for k, v in task.skip.items() if k[1] < row}),
              _Task(task.ids[row:row + 1], task.values[row:row + 1], lost, retry=reason is None)]
    pieces += [_Task(task.ids[at:at + 1], task.values[at:at + 1], skips(at)) for at in range(row + 1, len(task.ids))]
    return [piece for piece in pieces if len(piece.ids)]


def death_cause(exitcode: int | None) -> str:
    """What ended a worker process, from its exit code (negative: the signal that killed it)."""
    if exitcode is None:
        return "it vanished"
    if exitcode >= 0:
        return f"it exited with code {exitcode}"
    name = _signal_name(exitcode)
    if name == "SIGKILL":
        return "killed (SIGKILL: from outside or the out-of-memory killer)"
    if name in CRASH_SIGNALS:
        return f"crash in compiled code ({name})"
    return f"killed ({name})"


def _signal_name(exitcode: int | None) -> str | None:
    """``SIGKILL`` for exit code -9, and so on; None when no signal ended the process."""
    if exitcode is None or exitcode >= 0:
        return None
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


# ---------------------------------------------------------------------- heartbeat folders

def _heartbeat_prefix() -> str:
    """``mgsignal-heartbeats-<host>-``: the pid of the process that made the folder follows."""
    return f"mgsignal-heartbeats-{re.sub(r'[^A-Za-z0-9]+', '_', platform.node())[:40]}-"


@contextlib.contextmanager
def _heartbeat_folder() -> Iterator[str]:
    """A temporary folder for the workers' heartbeat files, removed however the run ends
    (folders left by killed runs of this host are removed first)."""
    _remove_stale_heartbeat_folders()
    folder = tempfile.mkdtemp(prefix=f"{_heartbeat_prefix()}{os.getpid()}-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_heartbeat_folders() -> None:
    """Remove heartbeat folders of this host whose process is gone (it was killed)."""
    pattern = re.compile(re.escape(_heartbeat_prefix()) + r"(\d+)-")
    for path in Path(tempfile.gettempdir()).glob("mgsignal-heartbeats-*"):
        match = pattern.match(path.name)
        with contextlib.suppress(OSError):
            if match and path.is_dir() and path.stat().st_uid == os.getuid() and not _alive(int(match.group(1))):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
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
