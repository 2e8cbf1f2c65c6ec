"""What runs inside a worker: one chunk of parameter rows, reduced to features.

Workers receive plain data only (SBML text, id lists, numpy arrays, scenarios, features) and
make one :class:`~mgsignal.simulation.Simulator` per process (``job_simulator`` caches it). A
worker on the machine that made the job loads the caller's compiled code (libroadrunner saved
state, ~0.03 s) instead of compiling the SBML again (~0.7 s for the composite model); any other
worker compiles the SBML. A sample that fails gives NaN features and its reason; it never stops
the chunk.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import ExceptionWithTraceback
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MgSignalError, SimulationError
from ..model import model_from_sbml
from ..scenario import Scenario
from ..simulation import Row, Simulator
from ..simulation.runner import host_fingerprint
from .features import DoseResponse, Feature, feature_columns, half_maximal_dose, reduce, with_dose

HEARTBEAT_BYTES = 96  # fixed width: each beat overwrites the whole previous one


@dataclass(frozen=True)
class CompiledCode:
    """A model's compiled runners as saved-state bytes (``Simulator.saved_state``), valid on ``host``."""

    host: str
    states: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, simulator: Simulator, *, steady: bool) -> CompiledCode:
        """The time-course runner of a simulator's model, and its steady-state runner when ``steady``."""
        kinds = ("time_course", "steady") if steady else ("time_course",)
        return cls(host=host_fingerprint(), states=tuple((kind, simulator.saved_state(kind)) for kind in kinds))


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides its rows; plain, picklable data."""

    sbml: str
    model_name: str
    columns: tuple[str, ...]
    scenarios: tuple[Scenario | None, ...]
    features: tuple[Feature | DoseResponse, ...]
    times: np.ndarray
    rtol: float
    atol: float
    compiled: CompiledCode | None = None

    @property
    def outputs(self) -> list[str]:
        """The model outputs the features read, in a fixed order."""
        return sorted({f.output for f in self.features if isinstance(f, Feature)}
                      | {f.response.output for f in self.features if isinstance(f, DoseResponse)})


def job_simulator(job: Job) -> Simulator:
    """The process's simulator of the job's model: the caller's compiled code where this process
    runs on the same host, else the SBML compiled here; made once per process."""
    usable = job.compiled if job.compiled is not None and job.compiled.host == host_fingerprint() else None
    return compiled_simulator(job.sbml, job.model_name, usable)


@functools.lru_cache(maxsize=4)
def compiled_simulator(sbml: str, name: str, compiled: CompiledCode | None = None) -> Simulator:
    """The process's simulator of a model (built on first use, then reused)."""
    return Simulator(model_from_sbml(sbml, name=name), compiled=dict(compiled.states) if compiled else None)


@dataclass(frozen=True)
class Heartbeat:
    """Where a worker says which run it is in: ``folder/<pid>`` holds ``chunk scenario row
    start crc`` (positions in the chunk, wall-clock start, CRC-32 of the rest), rewritten in
    place at each run (~3 us; creating a file per run cost ~0.2 ms) and removed when the chunk is
    done. The local-processes backend reads it to stop a run that never ends, and to tell which
    run a worker that died was in (no beat of its chunk: no run had started)."""

    folder: str
    chunk: int

    @contextlib.contextmanager
    def open(self) -> Iterator[Callable[[int, int], None]]:
        """A function ``beat(scenario, row)`` to call as each run starts."""
        path = os.path.join(self.folder, str(os.getpid()))
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

        def beat(scenario: int, row: int) -> None:
            text = f"{self.chunk} {scenario} {row} {time.time()!r}"
            os.pwrite(descriptor, f"{text} {zlib.crc32(text.encode())}".ljust(HEARTBEAT_BYTES).encode(), 0)

        try:
            yield beat
        finally:
            os.close(descriptor)
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


def read_heartbeat(path: str) -> tuple[int, int, int, float] | None:
    """(chunk, scenario, row, start) from a heartbeat file, or None when it is empty or caught
    half-written (its CRC does not match)."""
    try:
        with open(path, encoding="ascii") as handle:
            *fields, crc = handle.read().split()
        text = " ".join(fields)
        if len(fields) != 4 or zlib.crc32(text.encode()) != int(crc):
            return None
        return int(fields[0]), int(fields[1]), int(fields[2]), float(fields[3])
    except (OSError, ValueError):
        return None


def serve(connection: Any, folder: str) -> None:
    """The life of a local worker process (``backend="processes"``).

    It says ``("ready",)`` once started (so the parent can tell workers that die at start-up,
    e.g. re-importing a script without the ``__main__`` guard) and is sent the pickled job. Then
    it evaluates each task it is sent, ``(number, sample ids, rows, skip)``, with a heartbeat in
    ``folder``, and answers ``("done", number, table)``, or ``("error", number, exception)`` for
    an exception the chunk does not contain (also when the job cannot be unpickled here), until
    it is sent None or its parent is gone. Ctrl-C is left to the parent, which stops its workers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection.send(("ready",))
    try:
        job = pickle.loads(connection.recv_bytes())
    except (EOFError, OSError):
        return
    except Exception as error:  # noqa: BLE001 - e.g. a feature function this process cannot import
        connection.send(("error", None, _sendable(error)))
        return
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        number, sample_ids, values, skip = task
        try:
            table = evaluate_chunk(job, sample_ids, values, heartbeat=Heartbeat(folder, number), skip=skip)
        except Exception as error:  # noqa: BLE001 - sent to the parent, which raises it
            connection.send(("error", number, _sendable(error)))
        else:
            connection.send(("done", number, table))


def _sendable(error: Exception) -> Any:
    """``error`` with its traceback as text (raised in the parent as the cause), or a
    RuntimeError saying what it was when it cannot be pickled."""
    try:
        pickle.dumps(error)
    except Exception:  # noqa: BLE001 - any pickling failure
        error = RuntimeError(f"{type(error).__name__}: {error}")
    return ExceptionWithTraceback(error, error.__traceback__)


def evaluate_chunk(job: Job, sample_ids: np.ndarray, values: np.ndarray, *, simulator: Simulator | None = None,
                   heartbeat: Heartbeat | None = None, skip: dict[tuple[int, int], str] | None = None
                   ) -> pd.DataFrame:
    """Evaluate rows ``values`` (samples x columns) under every scenario of ``job``.

    ``simulator`` is the caller's (serial backend); workers make their own. ``heartbeat``
    reports each run as it starts; ``skip`` maps (scenario position, row position) to the reason
    a run is not attempted again (it never ended before). Returns one row per (scenario,
    sample): columns ``scenario``, ``sample``, the feature columns and ``error`` (empty when the
    run succeeded).
    """
    if heartbeat is None:
        return _evaluate(job, sample_ids, values, simulator, None, skip or {})
    with heartbeat.open() as beat:
        return _evaluate(job, sample_ids, values, simulator, beat, skip or {})


def _evaluate(job: Job, sample_ids: np.ndarray, values: np.ndarray, simulator: Simulator | None,
              beat: Callable[[int, int], None] | None, skip: dict[tuple[int, int], str]) -> pd.DataFrame:
    simulator = simulator if simulator is not None else job_simulator(job)
    setter = simulator.rows(job.columns)
    simulator.set_tolerances(rtol=job.rtol, atol=job.atol)
    columns = feature_columns(job.features)
    records = []
    for scenario_position, scenario in enumerate(job.scenarios):
        for row_position, (sample_id, row) in enumerate(zip(sample_ids, values)):
            record = {"scenario": scenario.name if scenario else "", "sample": sample_id}
            try:
                if (scenario_position, row_position) in skip:
                    raise SimulationError(skip[scenario_position, row_position], scenario=record["scenario"] or None)
                if beat is not None:
                    beat(scenario_position, row_position)
                record.update(_features(simulator, job, Row(setter, row), scenario))
                record["error"] = ""
            except (MgSignalError, RuntimeError, ValueError) as error:
                record.update({c: np.nan for c in columns})
                record["error"] = f"{type(error).__name__}: {' '.join(str(error).split())}"[:500]
            records.append(record)
    return pd.DataFrame.from_records(records, columns=["scenario", "sample", *columns, "error"])


def _features(simulator: Simulator, job: Job, row: Row, scenario: Scenario | None) -> dict[str, float]:
    result: dict[str, float] = {}
    outputs = job.outputs
    timed = [f for f in job.features if isinstance(f, Feature) and f.kind != "steady_state"]
    if timed:
        data = simulator.time_course(scenario, job.times, outputs, row=row)
        for feature in timed:
            result[feature.name] = reduce(feature, job.times, data[:, outputs.index(feature.output)])
    steady = [f for f in job.features if isinstance(f, Feature) and f.kind == "steady_state"]
    if steady:
        values = simulator.steady_state(scenario, [f.output for f in steady], row=row)
        result.update({f.name: float(v) for f, v in zip(steady, values)})
    for dose_response in (f for f in job.features if isinstance(f, DoseResponse)):
        responses = []
        for dose in dose_response.doses:
            data = simulator.time_course(with_dose(scenario, dose_response.dose, dose), job.times,
                                         [dose_response.response.output], row=row)
            responses.append(reduce(dose_response.response, job.times, data[:, 0]))
        ec50, top = half_maximal_dose(np.asarray(dose_response.doses), np.asarray(responses))
        result.update(dict(zip(dose_response.columns, (ec50, top))))
    return result
