"""What runs inside a worker: one chunk of parameter rows, reduced to features.

Workers receive plain data only (SBML text, id lists, numpy arrays, scenarios, features) and
build the model once per process (``compiled_model`` caches it). A worker on the machine that
made the job loads the caller's compiled code (libroadrunner saved state, ~0.03 s) instead of
compiling the SBML again (~0.7 s for the composite model); any other worker compiles the SBML.
A sample that fails gives NaN features and its reason; it never stops the chunk.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import MgSignalError, SimulationError
from ..model import Model, model_from_sbml, species_selection
from ..scenario import Scenario
from ..simulate import (integrate_time_course, set_absolute_tolerance, solve_steady_state, start_run,
                        start_steady_state)
from .features import DoseResponse, Feature, feature_columns, half_maximal_dose, reduce
from .samples import RowSetter


HEARTBEAT_BYTES = 96  # fixed width: each beat overwrites the whole previous one


@dataclass(frozen=True)
class CompiledCode:
    """A model's compiled runners as saved-state bytes (``Model.saved_state``), valid on ``host``."""

    host: str
    states: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, model: Model, *, steady: bool) -> CompiledCode:
        """The time-course runner of ``model``, and its steady-state runner when ``steady``."""
        kinds = ("time_course", "steady") if steady else ("time_course",)
        return cls(host=host_fingerprint(), states=tuple((kind, model.saved_state(kind)) for kind in kinds))


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


def host_fingerprint() -> str:
    """What compiled code depends on: machine, Python and libroadrunner build."""
    import roadrunner
    return f"{platform.node()}|{platform.machine()}|{sys.version}|{roadrunner.__version__}"


def job_model(job: Job) -> Model:
    """The process's copy of the job's model: the caller's compiled code where this process
    runs on the same host, else the SBML compiled here; made once per process."""
    usable = job.compiled if job.compiled is not None and job.compiled.host == host_fingerprint() else None
    return compiled_model(job.sbml, job.model_name, usable)


@functools.lru_cache(maxsize=4)
def compiled_model(sbml: str, name: str, compiled: CompiledCode | None = None) -> Model:
    """The process's compiled copy of a model (built on first use, then reused)."""
    return model_from_sbml(sbml, name=name, compiled=dict(compiled.states) if compiled else None)


@dataclass(frozen=True)
class Heartbeat:
    """Where a worker says which run it is in: ``folder/<pid>`` holds ``chunk scenario row
    start crc`` (positions in the chunk, wall-clock start, CRC-32 of the rest), rewritten in
    place at each run (~3 us; creating a file per run cost ~0.2 ms) and removed when the chunk is
    done. The local-processes backend reads it to stop a run that never ends."""

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


def evaluate_chunk(job: Job, sample_ids: np.ndarray, values: np.ndarray, *, model: Model | None = None,
                   heartbeat: Heartbeat | None = None, skip: dict[tuple[int, int], str] | None = None
                   ) -> pd.DataFrame:
    """Evaluate rows ``values`` (samples x columns) under every scenario of ``job``.

    ``heartbeat`` reports each run as it starts; ``skip`` maps (scenario position, row
    position) to the reason a run is not attempted again (it never ended before).
    Returns one row per (scenario, sample): columns ``scenario``, ``sample``, the feature
    columns and ``error`` (empty when the run succeeded).
    """
    if heartbeat is None:
        return _evaluate(job, sample_ids, values, model, None, skip or {})
    with heartbeat.open() as beat:
        return _evaluate(job, sample_ids, values, model, beat, skip or {})


def _evaluate(job: Job, sample_ids: np.ndarray, values: np.ndarray, model: Model | None,
              beat: Callable[[int, int], None] | None, skip: dict[tuple[int, int], str]) -> pd.DataFrame:
    model = model if model is not None else job_model(job)
    setter = RowSetter.for_columns(model, job.columns)
    model.runner.integrator.relative_tolerance = job.rtol  # once per chunk, not per sample
    set_absolute_tolerance(model.runner, job.atol)
    outputs = sorted({f.output for f in job.features if isinstance(f, Feature)}
                     | {f.response.output for f in job.features if isinstance(f, DoseResponse)})
    selections = ["time"] + [species_selection(o, model.amount_species) if o in model.species else o
                             for o in outputs]
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
                record.update(_features(model, job, setter, row, scenario, outputs, selections))
                record["error"] = ""
            except (MgSignalError, RuntimeError, ValueError) as error:
                record.update({c: np.nan for c in columns})
                record["error"] = f"{type(error).__name__}: {' '.join(str(error).split())}"[:500]
            records.append(record)
    return pd.DataFrame.from_records(records, columns=["scenario", "sample", *columns, "error"])


def _features(model: Model, job: Job, setter: RowSetter, row: np.ndarray, scenario: Scenario | None,
              outputs: list[str], selections: list[str]) -> dict[str, float]:
    result: dict[str, float] = {}
    timed = [f for f in job.features if isinstance(f, Feature) and f.kind != "steady_state"]
    if timed:
        data = _time_course(model, job, setter, row, scenario, selections)
        for feature in timed:
            result[feature.name] = reduce(feature, job.times, data[:, 1 + outputs.index(feature.output)])
    steady = [f for f in job.features if isinstance(f, Feature) and f.kind == "steady_state"]
    if steady:
        runner = start_steady_state(model, scenario.final_changes() if scenario else {}, sample=setter.bind(row))
        solve_steady_state(runner, scenario)
        for feature in steady:
            result[feature.name] = float(runner[selections[1 + outputs.index(feature.output)]])
    for dose_response in (f for f in job.features if isinstance(f, DoseResponse)):
        responses = []
        for dose in dose_response.doses:
            base = scenario or Scenario(name="dose_response")
            dosed = replace(base, changes={**base.changes, dose_response.dose: dose})
            data = _time_course(model, job, setter, row, dosed, selections)
            column = 1 + outputs.index(dose_response.response.output)
            responses.append(reduce(dose_response.response, job.times, data[:, column]))
        ec50, top = half_maximal_dose(np.asarray(dose_response.doses), np.asarray(responses))
        result.update(dict(zip(dose_response.columns, (ec50, top))))
    return result


def _time_course(model: Model, job: Job, setter: RowSetter, row: np.ndarray,
                 scenario: Scenario | None, selections: list[str]) -> np.ndarray:
    runner = start_run(model, scenario, rtol=None, atol=None, sample=setter.bind(row))
    runner.timeCourseSelections = selections
    return integrate_time_course(runner, model, scenario, job.times)
