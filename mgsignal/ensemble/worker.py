"""What runs inside a worker: one chunk of parameter rows, reduced to features.

Workers receive plain data only (the model as data with its SBML text, id lists, numpy
arrays, scenarios, features) and make one :class:`~mgsignal.simulation.Simulator` per process
and model (``job_simulator`` caches it, so a pool's workers keep it from one ensemble to the
next). A worker on the machine that made the job loads the caller's compiled code (libroadrunner
saved state, ~0.03 s) instead of compiling the SBML again (~1 s for the composite model); any
other worker compiles the SBML. A sample that fails gives NaN features and its reason; it never
stops the chunk.
"""

from __future__ import annotations

import functools
import pickle
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.pool import ExceptionWithTraceback
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MgSignalError, SimulationError
from ..model import Model
from ..scenario import Scenario
from ..simulation import Row, Simulator
from ..simulation.runner import host_fingerprint
from .features import DoseResponse, Feature, feature_columns, half_maximal_dose, reduce, with_dose
from .heartbeats import Heartbeat


@dataclass(frozen=True)
class CompiledCode:
    """A model's compiled runners as saved-state bytes (``Simulator.saved_state``), valid on ``host``."""

    host: str
    states: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, simulator: Simulator, *, kinds: Sequence[str]) -> CompiledCode:
        """The time-course runner of a simulator's model and its runners of ``kinds``."""
        kinds = ("time_course",) + tuple(k for k in dict.fromkeys(kinds) if k != "time_course")
        return cls(host=host_fingerprint(), states=tuple((kind, simulator.saved_state(kind)) for kind in kinds))


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides its rows; plain, picklable data."""

    model: Model
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
    runs on the same host, else the SBML compiled here; made once per process and model."""
    usable = job.compiled if job.compiled is not None and job.compiled.host == host_fingerprint() else None
    return compiled_simulator(_Loadable(job.model, usable))


@dataclass(frozen=True, eq=False)
class _Loadable:
    """A model and its compiled code, as a cache key: equal when the SBML (hash), the name and
    the compiled code are (a :class:`Model` itself holds dicts, which cannot be hashed)."""

    model: Model
    compiled: CompiledCode | None

    def _key(self) -> tuple[str, str, CompiledCode | None]:
        return self.model.sha256, self.model.name, self.compiled

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Loadable) and self._key() == other._key()


@functools.lru_cache(maxsize=4)
def compiled_simulator(loadable: _Loadable) -> Simulator:
    """The process's simulator of a model (built on first use, then reused)."""
    compiled = loadable.compiled
    return Simulator(loadable.model, compiled=dict(compiled.states) if compiled else None)


def serve(connection: Any, folder: str) -> None:
    """The life of a local worker process (:class:`~mgsignal.ensemble.LocalWorkers`).

    It says ``("ready",)`` once started (so the parent can tell workers that die at start-up,
    e.g. re-importing a script without the ``__main__`` guard). Then it is sent, for each
    ensemble, ``("job", job)`` before its first task, and tasks ``("task", number, sample ids,
    rows, skip)``; it evaluates each with a heartbeat in ``folder`` and answers ``("done", number,
    table)``, or ``("error", number, exception)`` for an exception the chunk does not contain
    (number None when a message cannot be unpickled here, e.g. a feature function this process
    cannot import; it then ends), until it is sent None or its parent is gone. Compiled models
    stay loaded from one ensemble to the next (:func:`compiled_simulator`). Ctrl-C is left to
    the parent, which stops its workers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection.send(("ready",))
    job = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        except Exception as error:  # noqa: BLE001 - e.g. a feature function this process cannot import
            connection.send(("error", None, _sendable(error)))
            return
        if message is None:
            return
        if message[0] == "job":
            job = message[1]
            continue
        _, number, sample_ids, values, skip = message
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
    for scenario in job.scenarios:  # load the runners now, not inside a run that a heartbeat reports
        simulator.course_kind(scenario, columns=job.columns)
    simulator.set_tolerances(rtol=job.rtol, atol=job.atol)
    plan = _Plan.of(job)
    n_rows = len(sample_ids)
    results = np.full((len(job.scenarios) * n_rows, len(plan.columns)), np.nan)
    errors = [""] * len(results)
    for scenario_position, scenario in enumerate(job.scenarios):
        for row_position in range(n_rows):
            at = scenario_position * n_rows + row_position
            try:
                if (scenario_position, row_position) in skip:
                    raise SimulationError(skip[scenario_position, row_position], scenario=_name(scenario))
                if beat is not None:
                    beat(scenario_position, row_position)
                results[at] = plan.features(simulator, Row(setter, values[row_position]), scenario)
            except (MgSignalError, RuntimeError, ValueError) as error:
                results[at] = np.nan
                errors[at] = f"{type(error).__name__}: {' '.join(str(error).split())}"[:500]
    table = {"scenario": np.repeat(np.array([_name(s) or "" for s in job.scenarios], dtype=object), n_rows),
             "sample": np.tile(np.asarray(sample_ids), len(job.scenarios))}
    table.update({column: results[:, k] for k, column in enumerate(plan.columns)})
    table["error"] = np.array(errors, dtype=object)
    return pd.DataFrame(table)


def _name(scenario: Scenario | None) -> str | None:
    return scenario.name if scenario else None


@dataclass(frozen=True)
class _Plan:
    """What each run of a job computes, worked out once per chunk: the outputs of one time
    course, which column of it each time-course feature reduces, the steady-state features and
    the dose-responses, each with the positions of its result columns."""

    job: Job
    columns: tuple[str, ...]
    outputs: tuple[str, ...]
    timed: tuple[tuple[Feature, int, int], ...]  # feature, output column, result column
    steady: tuple[Feature, ...]
    steady_at: np.ndarray
    doses: tuple[tuple[DoseResponse, int], ...]  # dose-response, first of its two result columns

    @classmethod
    def of(cls, job: Job) -> _Plan:
        columns = tuple(feature_columns(job.features))
        outputs = tuple(job.outputs)
        timed = tuple((f, outputs.index(f.output), columns.index(f.name)) for f in job.features
                      if isinstance(f, Feature) and f.kind != "steady_state")
        steady = tuple(f for f in job.features if isinstance(f, Feature) and f.kind == "steady_state")
        doses = tuple((f, columns.index(f.columns[0])) for f in job.features if isinstance(f, DoseResponse))
        return cls(job, columns, outputs, timed, steady, np.array([columns.index(f.name) for f in steady], dtype=np.intp),
                   doses)

    def features(self, simulator: Simulator, row: Row, scenario: Scenario | None) -> np.ndarray:
        """The result columns of one run."""
        job, result = self.job, np.empty(len(self.columns))
        if self.timed:
            data = simulator.time_course(scenario, job.times, self.outputs, row=row)
            for feature, output, column in self.timed:
                result[column] = reduce(feature, job.times, data[:, output])
        if self.steady:
            result[self.steady_at] = simulator.steady_state(scenario, [f.output for f in self.steady], row=row)
        for dose_response, column in self.doses:
            responses = []
            for dose in dose_response.doses:
                data = simulator.time_course(with_dose(scenario, dose_response.dose, dose), job.times,
                                             [dose_response.response.output], row=row)
                responses.append(reduce(dose_response.response, job.times, data[:, 0]))
            result[column:column + 2] = half_maximal_dose(np.asarray(dose_response.doses), np.asarray(responses))
        return result
