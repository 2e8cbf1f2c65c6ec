"""Faults injected into the ensemble engine: worker processes killed at any moment, a script
without the ``__main__`` guard, a disk that fills. Nothing lost, nothing doubled, nothing
silent, no hang: every sample ends up once, with what a serial run gives."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

import mgsignal as mg
from mgsignal.ensemble import Feature, pool, run_ensemble, sample_parameters

from ..conftest import ROOT

IDS = ["P_TRPM7", "Vmax_MagT1", "Vmax_SLC41A1", "P_MRS2"]
OPTIONS = dict(features=[Feature("Mg_c", "end"), Feature("Mg_tot_m", "peak")], t_end=3600, n_points=61,
               progress=False)
#: workers killed in total by the random-kill test, a few per ensemble
N_KILLS, KILLS_PER_ENSEMBLE = 50, 5
#: an ensemble that takes longer than this hangs
HANG = 60


@pytest.fixture(scope="module")
def samples(transport):
    return sample_parameters(transport, n=40, seed=15, relative=0.5, ids=IDS)


@pytest.fixture(scope="module")
def serial(transport, samples):
    return run_ensemble(transport, samples, backend="serial", **OPTIONS)


def worker_pids() -> list[int]:
    """This process's live ensemble workers: the children of its forkserver (or spawned
    children), without the dead ones not yet reaped."""
    workers = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            command = " ".join(child.cmdline())
            if "forkserver" in command:
                workers += child.children()
            elif "spawn_main" in command:
                workers.append(child)
    pids = []
    for worker in workers:
        with contextlib.suppress(psutil.Error):
            if worker.status() != psutil.STATUS_ZOMBIE:
                pids.append(worker.pid)
    return pids


class Killer(threading.Thread):
    """SIGKILLs a random worker at random moments (start-up, waiting, mid-run, sending) until
    ``kills`` are made or it is stopped."""

    def __init__(self, rng: random.Random, *, kills: int):
        super().__init__(daemon=True)
        self.rng, self.limit, self.kills = rng, kills, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while self.kills < self.limit and not self.stopped.wait(self.rng.uniform(0.0, 0.08)):
            pids = worker_pids()
            if pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.rng.choice(pids), signal.SIGKILL)
                    self.kills += 1

    def __enter__(self) -> Killer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.join()


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""
    def hang(*_: object) -> None:
        raise TimeoutError(f"the ensemble hangs: still going after {seconds} s")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def stored_samples(folder: Path) -> list:
    """The samples of every chunk stored in a checkpoint folder, repeats included."""
    return sorted(pd.concat([pd.read_parquet(path) for path in folder.glob("chunk-*.parquet")])["sample"])


def check_complete(table: pd.DataFrame, serial: pd.DataFrame, folder: Path) -> pd.Series:
    """Every sample stored exactly once; those not failed equal the serial run bit for bit.
    Returns which failed (after their retry, with the reason saying so)."""
    stored = Counter(stored_samples(folder))
    assert stored == Counter(serial.index), f"doubled: {+(stored - Counter(serial.index))}, missing: " \
                                            f"{+(Counter(serial.index) - stored)}"
    failed = table["error"] != ""
    lost = table["error"].str.startswith("SimulationError: the worker process died during this run") & \
        table["error"].str.contains("again on its retry")
    assert (lost == failed).all(), table.loc[failed & ~lost, "error"].to_dict()
    pd.testing.assert_frame_equal(table[~failed], serial[~failed], check_exact=True)
    return failed


def test_workers_killed_at_random_moments_lose_and_double_nothing(transport, samples, serial, tmp_path,
                                                                 record_property):
    rng = random.Random(15)
    kills = ensembles = 0
    failed, faults = [], {}
    while kills < N_KILLS:
        ensembles += 1
        folder = tmp_path / f"run{ensembles}"
        with deadline(HANG), Killer(rng, kills=min(KILLS_PER_ENSEMBLE, N_KILLS - kills)) as killer:
            table = run_ensemble(transport, samples, backend="processes", n_workers=2, checkpoint=folder, **OPTIONS)
        kills += killer.kills
        failed += list(table.index[check_complete(table, serial, folder)])
        faults = {key: faults.get(key, 0) + value for key, value in table.attrs["worker_faults"].items()}
        assert ensembles <= 50, f"only {kills} kills in {ensembles} ensembles"
    summary = dict(kills=kills, ensembles=ensembles, **faults, failed=len(failed))
    record_property("faults", summary)
    print(f"\nrandom kills: {summary}")
    assert len(failed) <= 5  # a run fails only when its retry is killed too (0 or 1 in most runs)


def test_a_worker_killed_as_it_takes_a_chunk_costs_nothing(transport, samples, serial, tmp_path, monkeypatch):
    """Killed after it was handed a chunk and before its first heartbeat (the ensemble used to
    wait for that chunk forever), or while it starts: the chunk is run again, whole."""
    hand_out, start = pool.LocalWorkers._hand_out, pool.LocalWorkers._start_workers
    victims = {"taking": 0, "starting": 0}

    def kill_as_they_take(pool):
        idle = [w for w in pool.workers if w.task is None]
        hand_out(pool)
        for worker in idle:
            if worker.task is not None and victims["taking"] < 3:
                worker.process.kill()
                victims["taking"] += 1

    def kill_as_they_start(pool):
        before = list(pool.workers)
        start(pool)
        for worker in pool.workers:
            if worker not in before and victims["starting"] < 3:
                worker.process.kill()
                victims["starting"] += 1

    monkeypatch.setattr(pool.LocalWorkers, "_hand_out", kill_as_they_take)
    monkeypatch.setattr(pool.LocalWorkers, "_start_workers", kill_as_they_start)
    with deadline(HANG):
        table = run_ensemble(transport, samples, backend="processes", n_workers=2, checkpoint=tmp_path, **OPTIONS)
    assert victims == {"taking": 3, "starting": 3}
    assert table.attrs["worker_faults"]["worker_deaths"] == 6
    assert not check_complete(table, serial, tmp_path).any()


def crash_when_large(times, values):
    """A feature that crashes its process as a fault in compiled code would, above 1e-2."""
    if values[-1] > 1e-2:
        os.kill(os.getpid(), signal.SIGSEGV)
    return float(values[-1])


RUNS_HERE: list[float] = []  # values reduced by killed_the_first_time in this process


def killed_the_first_time(times, values):
    """A feature whose process is killed from outside (as by the out-of-memory killer) the first
    time it sees a value above 1e-2 (the marker file is named after the value); when tried
    again it gives how many runs its process had reduced before (0: a fresh worker)."""
    RUNS_HERE.append(float(values[-1]))
    if values[-1] <= 1e-2:
        time.sleep(0.05)  # so that both workers have run samples when the large one comes
        return float(values[-1])
    marker = Path(tempfile.gettempdir()) / f"mgsignal-test-killed-{float(values[-1])!r}"
    if not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return float(len(RUNS_HERE) - 1)


def test_a_lost_run_is_tried_again_once_and_what_killed_it_is_said(transport):
    large = 0.05 + random.random() * 1e-3
    small = [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3]
    samples = pd.DataFrame({"P_TRPM7": [*small[:5], large, small[5]]}, index=pd.Index(list("abcdefg"), name="sample"))
    options = dict(t_end=60, backend="processes", n_workers=2, chunk_size=1, progress=False)
    crashed = run_ensemble(transport, samples, **options,
                           features=[Feature("P_TRPM7", "function", name="p", function=crash_when_large)])
    assert crashed.loc["f", "error"].startswith("SimulationError: the worker process died during this run (crash in "
                                                "compiled code (SIGSEGV)), and again on its retry (crash in compiled "
                                                "code (SIGSEGV))")
    assert crashed.drop(index="f")["p"].tolist() == small and crashed.attrs["n_retried"] == 1
    try:  # killed once from outside: tried again on a fresh worker (not on the other, which ran samples)
        killed = run_ensemble(transport, samples, **options,
                              features=[Feature("P_TRPM7", "function", name="p", function=killed_the_first_time)])
    finally:
        (Path(tempfile.gettempdir()) / f"mgsignal-test-killed-{large!r}").unlink(missing_ok=True)
    assert killed["error"].eq("").all() and killed["p"].tolist() == [*small[:5], 0.0, small[5]]
    assert killed.attrs["n_retried"] == 1 and killed.attrs["n_failed"] == 0


def test_a_disk_that_fills_stops_clearly_and_the_rerun_resumes(transport, samples, serial, tmp_path, monkeypatch):
    write_table, calls = pq.write_table, []

    def fill_the_disk(table, where, **options):
        calls.append(1)
        if len(calls) == 3:
            where.write(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_table(table, where, **options)

    monkeypatch.setattr(pq, "write_table", fill_the_disk)
    options = dict(backend="processes", n_workers=2, chunk_size=8, checkpoint=tmp_path, **OPTIONS)
    with deadline(HANG), pytest.raises(mg.MgSignalError, match="No space left on device.*run again to resume"):
        run_ensemble(transport, samples, **options)
    assert len(list(tmp_path.glob("chunk-*.parquet"))) == 2 and not list(tmp_path.glob(".*.tmp"))
    time.sleep(0.2)
    assert not worker_pids()  # the workers were stopped with the run
    with deadline(HANG):
        resumed = run_ensemble(transport, samples, **options)
    assert resumed.attrs["resumed"] == 16
    assert not check_complete(resumed, serial, tmp_path).any()


def test_a_script_without_the_main_guard_stops_with_one_clear_error(tmp_path):
    """Worker processes import the main script; without the guard they run the ensemble again
    and die as they start. The pool used to replace them forever (270 tracebacks in 120 s)."""
    script = tmp_path / "no_guard.py"
    script.write_text(textwrap.dedent("""
        import mgsignal as mg
        from mgsignal.ensemble import Feature, run_ensemble
        import pandas as pd

        model = mg.load_model("mg_transport")
        samples = pd.DataFrame({"P_TRPM7": [1e-3, 2e-3, 3e-3]})
        run_ensemble(model, samples, features=[Feature("Mg_c", "end")], t_end=10, backend="processes",
                     n_workers=2, progress=False)
        """), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0 and time.perf_counter() - started < 60
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("mgsignal.errors.MgSignalError: the ensemble's worker processes die as they start")
    assert 'if __name__ == "__main__":' in last and 'backend="serial"' in last
    assert done.stderr.count("Traceback") <= 4  # the parent's and one per worker that died
