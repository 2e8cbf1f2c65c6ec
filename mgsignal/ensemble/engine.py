"""``run_ensemble``: many parameter rows x scenarios, reduced to features, on any backend."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import numbers
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm  # text bars (on stderr): they work in terminals and in Jupyter alike

from ..errors import InvalidInputError
from ..model import Model
from ..provenance import provenance
from ..scenario import Scenario, check_scenario
from ..simulation import Simulator
from .backends import map_chunks
from .checkpoint import CheckpointStore
from .features import DoseResponse, Feature, feature_columns, with_dose
from .options import EnsembleOptions, resolve_options
from .pool import LocalWorkers
from .samples import check_bounds
from .worker import CompiledCode, Job


def run_ensemble(model: Model, samples: pd.DataFrame, *, features: Sequence[Feature | DoseResponse],
                 scenarios: Sequence[Scenario | None] | None = None, options: EnsembleOptions | None = None,
                 **settings: Any) -> pd.DataFrame:
    """Run every sample under every scenario and reduce each run to features.

    Args:
        model: the model (its SBML text and, on this host, its compiled code go to workers).
        samples: one row per sample, one column per settable id (parameters, species values,
            compartments; no columns: the model's own values); the index names the samples.
            A row's values replace the model's own values before anything else, so initial
            assignments and pre-equilibration follow them.
        features: what to keep of each run (:class:`Feature`, :class:`DoseResponse`).
        scenarios: the scenarios to run each sample under (default: the model as it is).
        options: how to run (:class:`EnsembleOptions`: time grid, backend, workers, chunks,
            checkpoint, progress bar, tolerances, run timeout).
        **settings: single :class:`EnsembleOptions` fields that override ``options``
            (e.g. ``backend="serial"``).

    Returns:
        One row per run: indexed by sample (or by (scenario, sample) when there are several
        scenarios), with one column per feature and ``error`` ('' when the run succeeded, else
        the reason; its features are NaN). ``.attrs`` holds provenance and run statistics
        (``n_failed``; ``n_retried``: runs lost with their worker process and tried again once;
        ``worker_faults``: counts of worker deaths; ``checkpoint_set_aside``: unreadable
        checkpoint files set aside, whose samples were run again).

    Raises:
        InvalidInputError: before any run, for a sample value that is not a finite number, or
            a checkpoint that is a file, cannot be written, is on a full disk or belongs to
            another run.
        MgSignalError: worker processes die as they start (a script without the
            ``if __name__ == "__main__":`` guard), or a checkpoint file cannot be written
            (what is stored stays usable: run again to resume).
    """
    options = resolve_options(options, settings)
    backend = options.backend
    scenarios = tuple(scenarios) if scenarios else (None,)
    job = _job(model, samples, features, scenarios, options)
    store = None
    if options.checkpoint:
        store = CheckpointStore(options.checkpoint, key=_run_key(model, samples, job),
                                columns=feature_columns(job.features))
    stored = store.load() if store else None
    done = set(stored["sample"]) if stored is not None else set()
    todo = np.array([i for i, sample in enumerate(samples.index) if sample not in done], dtype=np.intp)
    if isinstance(backend, LocalWorkers):
        workers = backend.size
    else:
        workers = 1 if backend == "serial" else (options.n_workers or os.cpu_count() or 1)
    values = samples.to_numpy(dtype=float)
    ids = samples.index.to_numpy()
    bounds = chunk_bounds(len(todo), workers=workers, chunk_size=options.chunk_size)
    chunks = [(ids[todo[start:stop]], values[todo[start:stop]]) for start, stop in bounds]
    started = time.perf_counter()
    parts = [stored] if stored is not None else []
    stats: dict[str, int] = {}
    results = map_chunks(job, chunks, backend=backend, n_workers=options.n_workers, simulator=Simulator.of(model),
                         run_timeout=options.run_timeout, stats=stats)
    with tqdm(total=len(todo) * len(scenarios), unit="run", disable=not options.progress, desc=model.name) as bar, \
            contextlib.closing(results):  # workers stop at once when anything here fails
        for part in results:
            if store:
                store.write(part)
            parts.append(part)
            bar.update(len(part))
    table = _assemble(parts, samples, scenarios, job)
    failed = int((table["error"] != "").sum())
    table.attrs.update(provenance(model, None, scenarios=[s.to_dict() if s else None for s in scenarios],
                                  n_runs=len(table), n_failed=failed, resumed=len(done),
                                  backend=str(backend) if isinstance(backend, str) else type(backend).__name__,
                                  n_chunks=len(chunks), wall_time_s=time.perf_counter() - started,
                                  tolerances={"rtol": options.rtol, "atol": options.atol},
                                  t_end=float(job.times[-1]),
                                  n_retried=stats.get("retried_runs", 0), worker_faults=dict(stats),
                                  checkpoint_set_aside=store.set_aside if store else []))
    return table


def chunk_bounds(n: int, *, workers: int, chunk_size: int | None = None) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of ``n`` rows: ``chunk_size`` rows each when given, else
    guided self-scheduling: each chunk takes a quarter of a worker's share of what is left, at
    most 256 and at least 4 rows, so that chunks shrink towards the end and all workers finish
    together (equal chunks left one worker idle for up to a whole chunk at the end)."""
    if chunk_size is not None and chunk_size < 1:
        raise InvalidInputError(f"chunk_size must be a positive number of rows, got {chunk_size}")
    bounds, start = [], 0
    while start < n:
        size = chunk_size or min(256, max(4, math.ceil((n - start) / (4 * workers))))
        bounds.append((start, min(n, start + size)))
        start += size
    return bounds


def _job(model: Model, samples: pd.DataFrame, features: Sequence[Feature | DoseResponse],
         scenarios: tuple[Scenario | None, ...], options: EnsembleOptions) -> Job:
    if not isinstance(samples, pd.DataFrame) or len(samples.index) == 0:
        raise InvalidInputError("samples must be a DataFrame with at least one row (rows = samples, columns = ids)")
    if not samples.index.is_unique:
        raise InvalidInputError("sample index values must be unique")
    check_sample_values(samples)
    if not features:
        raise InvalidInputError("give at least one feature")
    simulator = Simulator.of(model)
    simulator.rows(list(samples.columns))  # unknown or unsettable ids fail here
    check_bounds(model, samples)  # physically impossible values fail here, with column and row
    feature_columns(features)
    for feature in features:
        if isinstance(feature, DoseResponse):
            model.check_ids([feature.response.output])
            model.check_ids([feature.dose], settable=True)
        else:
            model.check_ids([feature.output])
    names = [s.name if s else "" for s in scenarios]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"scenario names must be unique, got {names}")
    for scenario in scenarios:
        if scenario is not None:
            check_scenario(scenario, model)
    t_end, n_points = options.t_end, options.n_points
    if t_end is None and all(isinstance(f, Feature) and f.kind == "steady_state" for f in features):
        t_end = 1.0  # steady-state features only: no time course is integrated
    if t_end is None:
        durations = {s.duration for s in scenarios if s is not None}
        if len(durations) != 1 or None in durations:
            raise InvalidInputError("give t_end (the scenarios have no common duration)")
        t_end = durations.pop()
    if not t_end > 0 or n_points < 2:
        raise InvalidInputError(f"need t_end > 0 and n_points >= 2, got {t_end}, {n_points}")
    steady = any(isinstance(f, Feature) and f.kind == "steady_state" for f in features) or any(
        s is not None and s.preequilibration is not None and s.preequilibration_time is None for s in scenarios)
    runs = list(scenarios) + [with_dose(s, f.dose, f.doses[0]) for f in features if isinstance(f, DoseResponse)
                              for s in scenarios]
    kinds = [simulator.course_kind(s, columns=list(samples.columns)) for s in runs] + (["steady"] if steady else [])
    return Job(model=model, columns=tuple(samples.columns), scenarios=scenarios,
               features=tuple(features), times=np.linspace(0.0, float(t_end), n_points), rtol=options.rtol,
               atol=options.atol,
               compiled=None if options.backend == "serial" else CompiledCode.of(simulator, kinds=kinds))


def check_sample_values(samples: pd.DataFrame) -> None:
    """Refuse a sample table with a value that is not a finite number (NaN, inf, text, None),
    naming its column and row; numbers of any kind (Python, numpy integer or float) pass."""
    for column in samples.columns:
        values = samples[column]
        if values.dtype.kind in "biuf":
            bad = ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        else:
            bad = np.array([not isinstance(v, numbers.Real) or not math.isfinite(float(v)) for v in values], dtype=bool)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            row, value = (v.item() if isinstance(v, np.generic) else v for v in (samples.index[position],
                                                                                 values.iloc[position]))
            raise InvalidInputError(f"samples column {column!r}, row {row!r}: {value!r} is not a finite number "
                                    f"({int(bad.sum())} such value(s) in that column)")


def _run_key(model: Model, samples: pd.DataFrame, job: Job) -> str:
    digest = hashlib.sha256()
    digest.update(model.sha256.encode())
    digest.update(json.dumps([list(map(str, samples.columns)), list(map(str, samples.index))]).encode())
    digest.update(np.ascontiguousarray(samples.to_numpy(dtype=float)).tobytes())
    digest.update(json.dumps([s.to_dict() if s else None for s in job.scenarios], sort_keys=True).encode())
    digest.update(repr([(f, getattr(getattr(f, "function", None), "__qualname__", None)) for f in job.features]).encode())
    digest.update(job.times.tobytes() + repr((job.rtol, job.atol)).encode())
    return digest.hexdigest()


def _assemble(parts: list[pd.DataFrame], samples: pd.DataFrame, scenarios: tuple[Scenario | None, ...],
              job: Job) -> pd.DataFrame:
    """One row per (scenario, sample) in input order; rows never run say so in ``error``.
    Rows are placed by position with numpy (a pandas MultiIndex reindex cost ~1 ms per row)."""
    columns = feature_columns(job.features)
    if not parts:
        raise InvalidInputError("nothing was run")
    rows = pd.concat(parts, ignore_index=True)
    names = [s.name if s else "" for s in scenarios]
    scenario_position = rows["scenario"].map({name: i for i, name in enumerate(names)}).to_numpy(dtype=np.intp)
    sample_position = samples.index.get_indexer(rows["sample"])
    position = scenario_position * len(samples) + sample_position
    values = np.full((len(names) * len(samples), len(columns)), np.nan)
    errors = np.full(len(names) * len(samples), "not run", dtype=object)
    values[position] = rows[columns].to_numpy(dtype=float)  # later rows (a rerun) win
    errors[position] = rows["error"].astype(str).to_numpy()
    if len(scenarios) == 1:
        index = samples.index if samples.index.name else samples.index.rename("sample")
    else:
        index = pd.MultiIndex.from_product([names, samples.index], names=["scenario", samples.index.name or "sample"])
    table = pd.DataFrame(values, index=index, columns=columns)
    table["error"] = errors
    return table
