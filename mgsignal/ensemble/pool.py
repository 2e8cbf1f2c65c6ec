"""Local worker processes that run chunks of an ensemble and may outlive it.

:class:`LocalWorkers` keeps its processes (and the compiled models they loaded) from one
ensemble to the next: ``backend="processes"`` starts a pool for one ensemble and stops it after,
a pool passed as ``backend`` is reused, so that a session running many ensembles (scans,
sensitivity analyses, a benchmark) pays for starting workers and loading a model once.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import shutil
import signal
import tempfile
import time
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, MgSignalError
from .heartbeats import heartbeat_prefix, read_heartbeat, remove_stale_heartbeat_folders
from .worker import Job, serve

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
    """One local worker process: its end of the pipe, whether it said it is ready, the job
    (ensemble) it was last sent, the task it holds, and the run (task, scenario, row) it was
    killed for here (``run_timeout``)."""

    process: Any
    connection: Any
    ready: bool = False
    used: bool = False  # it has been given a task in this ensemble
    job: int | None = None
    task: int | None = None
    stopped: tuple[int, int, int] | None = None
    closed: bool = False

    @property
    def idle(self) -> bool:
        """Ready and holding no task."""
        return self.ready and self.task is None and not self.closed


class LocalWorkers:
    """Worker processes on this machine, kept for as many ensembles as are run on them.

    Pass it as ``backend`` (``run_ensemble(..., backend=workers)``, or in
    :class:`~mgsignal.ensemble.EnsembleOptions`); close it (or use it as a context manager) when
    done. Processes start when the first ensemble needs them and keep the compiled models they
    loaded, so a later ensemble of the same model starts at once (``backend="processes"`` starts
    and stops a pool for each ensemble: ~0.1 s for the transport model, ~0.3 s for the
    composite). A pool runs one ensemble at a time.

    Nothing is lost when a worker dies: the pool knows which worker holds which task, and its
    heartbeat file (``folder/<pid>``: task, scenario, row, start) says which run was going: the
    rows before it are queued again as one task, the lost run's row alone, each later row alone
    (neighbouring rows, e.g. of a Sobol' design, often fail alike). A lost run is tried once
    more, on a fresh worker (an idle one makes way for it when needed), before it is recorded
    failed with what killed its worker, except a run stopped here for outliving ``run_timeout``
    (libroadrunner cannot be interrupted): that one is recorded failed at once. Workers that die
    before they say they are ready (a script without the ``__main__`` guard) stop the ensemble
    with one clear error instead of being replaced forever.

    Args:
        n_workers: number of processes (default: the number of CPUs).
    """

    def __init__(self, n_workers: int | None = None):
        if n_workers is not None and n_workers < 1:
            raise InvalidInputError(f"n_workers must be at least 1, got {n_workers}")
        self.size = n_workers or os.cpu_count() or 1
        self.context = _context()
        self._folder: list[str] = []  # the heartbeat folder, once made (in a list, for the finalizer)
        self.workers: list[_Worker] = []
        self.retired: list[_Worker] = []  # sent away to make way for fresh workers
        # a pool dropped without close() stops its workers when it is garbage-collected
        weakref.finalize(self, _stop, self.workers, self.retired, self._folder)
        self.jobs = itertools.count()
        self.job_number = -1
        self.job = b""
        self.tasks: dict[int, _Task] = {}
        self.queue: deque[int] = deque()
        self.numbers = itertools.count()
        self.run_timeout: float | None = None
        self.causes: dict[tuple[int, Any], list[str]] = {}  # (scenario, sample) -> what killed its runs
        self.startup_deaths: list[int | None] = []  # exit codes since a worker was last ready
        self.stats: dict[str, int] = {}
        self.running = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalWorkers(n_workers={self.size}, running={sum(w.process.is_alive() for w in self.workers)})"

    def run(self, job: Job, chunks: Sequence[Chunk], *, run_timeout: float | None = None,
            stats: dict[str, int] | None = None) -> Iterator[pd.DataFrame]:
        """Evaluate every chunk of ``job``; yield each result once, as it is done.

        ``stats`` is filled in as the run goes: ``worker_deaths``, of which ``deaths_at_start``
        (before the worker was ready) and ``deaths_before_first_run`` (holding a chunk, no run
        of it started); ``retried_runs`` (lost runs tried again), ``requeued_chunks``. When the
        caller stops early (an error, an interruption), the workers still busy are stopped; the
        idle ones stay for the next ensemble.
        """
        if self.running:
            raise InvalidInputError("a LocalWorkers pool runs one ensemble at a time")
        if not self._folder:
            remove_stale_heartbeat_folders()
            self._folder.append(tempfile.mkdtemp(prefix=f"{heartbeat_prefix()}{os.getpid()}-"))
        self.running = True
        self.job_number, self.job = next(self.jobs), pickle.dumps(("job", job))  # pickled once for all workers
        self.run_timeout, self.causes, self.startup_deaths = run_timeout, {}, []
        self.stats = stats if stats is not None else {}
        for key in ("worker_deaths", "deaths_at_start", "deaths_before_first_run", "retried_runs", "requeued_chunks"):
            self.stats.setdefault(key, 0)
        for worker in self.workers:
            worker.used = False
        try:
            for ids, values in chunks:
                self._add(_Task(ids, values))
            while self.tasks:
                self._start_workers()
                self._hand_out()
                yield from self._receive(timeout=0.1)
                self._bury_dead()
                self._stop_overdue_runs()
        finally:
            self.running = False
            if self.tasks:
                self._abandon()

    @property
    def folder(self) -> str | None:
        """Where the workers' heartbeat files are (made by the first ensemble)."""
        return self._folder[0] if self._folder else None

    def close(self) -> None:
        """Stop every worker (politely when idle, else at once) and remove the heartbeat folder;
        a later ensemble starts new workers."""
        _stop(self.workers, self.retired, self._folder)
        self.tasks.clear()
        self.queue.clear()

    # ------------------------------------------------------------------ tasks and workers

    def _abandon(self) -> None:
        """After a run stopped early: stop the workers that hold a task (their answers are of
        no use), forget the tasks."""
        for worker in [w for w in self.workers if w.task is not None]:
            worker.process.kill()
            worker.process.join()
            worker.connection.close()
            self.workers.remove(worker)
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.folder, str(worker.process.pid)))
        self.tasks.clear()
        self.queue.clear()

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
                if worker.job != self.job_number:  # the job first, once per worker and ensemble
                    worker.connection.send_bytes(self.job)
                    worker.job = self.job_number
                worker.connection.send(("task", number, task.ids, task.values, task.skip))
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


def _stop(workers: list[_Worker], retired: list[_Worker], folder: list[str]) -> None:
    """Stop the workers (politely when idle, else at once), remove the heartbeat folder."""
    for worker in workers:
        if worker.task is None:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(None)
        else:
            worker.process.kill()
    for worker in workers + retired:
        worker.process.join(timeout=2)
        if worker.process.exitcode is None:
            worker.process.kill()
            worker.process.join()
        worker.connection.close()
    workers.clear()
    retired.clear()
    for path in folder:
        shutil.rmtree(path, ignore_errors=True)
    folder.clear()


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


def _context() -> Any:
    # forkserver: workers are forked from a clean server process that imported mgsignal once and
    # never compiled a model (no libroadrunner state is inherited from the caller); later runs
    # in the same session start in ~0.2 s instead of ~1 s. Spawn where forkserver is missing.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mgsignal.ensemble.worker"])
        return context
    return multiprocessing.get_context("spawn")
