"""Global sensitivity analysis, shaped like SALib: a problem dict, SALib's samplers, an evaluation
of every sample, SALib's analysers.

The evaluation is either a model (every sample runs through :func:`mgsignal.ensemble.run_ensemble`,
so any backend, checkpoints and resumption apply) or a plain function ``X -> Y`` (for test
functions such as Ishigami's). SALib's types pass through: :func:`problem` returns SALib's problem
dict, and the analysers' results are SALib's numbers in tidy DataFrames.

Failed samples (a run that fails, or a non-finite value) are counted, never hidden. Sobol' and
eFAST estimators need every sample of their structured designs, so a failure raises
:class:`SampleFailureError` (with the evaluated table) instead of silently biasing the indices.
Morris' elementary effects come in independent trajectories, so a trajectory that contains a
failed sample is dropped whole and the number dropped is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import fast as fast_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import fast_sampler
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from ..ensemble import Feature, default_values, run_ensemble
from ..ensemble.features import DoseResponse, feature_columns
from ..errors import InvalidInputError, SampleFailureError
from ..model import Model
from ..scenario import Scenario
from .local import resolve_parameters

DISTRIBUTIONS = {"uniform": None, "loguniform": "logunif", "lognormal": "lognorm"}
Evaluate = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class GlobalResult:
    """Indices of one global analysis and everything needed to check or redo it.

    Attributes:
        method: ``"sobol"``, ``"morris"`` or ``"efast"``.
        problem: the SALib problem dict.
        indices: index (``output``, ``parameter``); columns ``S1, S1_conf, ST, ST_conf``
            (Sobol', eFAST) or ``mu, mu_star, sigma, mu_star_conf`` (Morris), SALib's values.
            ``indices.loc[output]`` is the table of one output.
        second_order: Sobol' ``S2, S2_conf`` by (``output``, ``parameter``, ``other``), or None.
        samples: the SALib sample matrix as a table (index ``sample``, one column per name).
        evaluations: one row per sample: the outputs analysed (and, for models, the ensemble
            table's ``error``), with the ensemble's provenance in ``.attrs``.
        n_failed: samples without a value.
        n_dropped: Morris trajectories dropped because they held a failed sample.
        settings: N, seed and method options.
    """

    method: str
    problem: dict
    indices: pd.DataFrame
    second_order: pd.DataFrame | None
    samples: pd.DataFrame
    evaluations: pd.DataFrame
    n_failed: int = 0
    n_dropped: int = 0
    settings: dict = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        """The outputs analysed, in order."""
        return list(dict.fromkeys(self.indices.index.get_level_values("output")))

    def matrix(self, column: str | None = None) -> pd.DataFrame:
        """One index as parameters x outputs (for heat maps); default ``ST`` or ``mu_star``."""
        column = column or ("mu_star" if self.method == "morris" else "ST")
        if column not in self.indices.columns:
            raise InvalidInputError(f"{column!r} is not one of {list(self.indices.columns)}")
        table = self.indices[column].unstack("output")
        return table.loc[self.problem["names"], self.outputs]

    def ranking(self, output: str, column: str | None = None) -> pd.Series:
        """Parameters of one output sorted by an index, largest first."""
        return self.matrix(column)[output].sort_values(ascending=False)


def problem(model: Model, params: str | Sequence[str] = "all", *,
            bounds: Mapping[str, tuple[float, float]] | None = None,
            relative: float | Mapping[str, float] | None = None,
            distribution: str = "uniform") -> dict:
    """SALib's problem dict for settable ids of a model.

    Args:
        model: the model whose ids are varied.
        params: ``"all"`` (constant parameters except physical constants; see
            :func:`mgsignal.sensitivity.model_parameters`; with ``relative``, those that are 0
            in the model, such as drug inputs, are left out unless ``bounds`` names them) or
            settable ids.
        bounds: id -> (low, high), or for ``lognormal`` SALib's (ln-space mean, ln-space sd);
            wins over ``relative`` for the ids it names.
        relative: r (or id -> r) around the model's value ``p``: ``uniform`` on
            p(1-r)..p(1+r), ``loguniform`` on p/(1+r)..p(1+r), ``lognormal`` with median p and
            geometric standard deviation 1+r.
        distribution: ``"uniform"``, ``"loguniform"`` or ``"lognormal"``.

    Returns:
        ``{"num_vars", "names", "bounds"}``, plus ``"dists"`` for the non-uniform
        distributions (SALib's ``logunif``; ``lognorm`` with bounds [ln-space mean, ln-space sd]).
    """
    if distribution not in DISTRIBUTIONS:
        raise InvalidInputError(f"distribution must be one of {list(DISTRIBUTIONS)}, got {distribution!r}")
    names = resolve_parameters(model, params)
    given = dict(bounds or {})
    model.check_ids(list(given), settable=True)
    extra = sorted(set(given) - set(names))
    if extra:
        raise InvalidInputError(f"bounds given for ids that are not varied: {extra}")
    missing = [sid for sid in names if sid not in given]
    if missing and relative is None:
        raise InvalidInputError(f"give bounds or relative for {missing}")
    defaults = default_values(model, missing) if missing else {}
    if params == "all" and relative is not None:
        # inputs that are off in the model (drug concentrations, switches: value 0) have no
        # relative range; "all" leaves them out unless bounds are given for them
        names = [sid for sid in names if sid in given or defaults[sid] != 0]
    ranges = []
    for sid in names:
        if sid in given:
            low, high = (float(v) for v in given[sid])
        else:
            r = float(relative[sid] if isinstance(relative, Mapping) else relative)
            low, high = _relative_range(sid, defaults[sid], r, distribution)
        if distribution == "lognormal":
            if not (np.isfinite(low) and np.isfinite(high) and high > 0):
                raise InvalidInputError(f"lognormal {sid!r} needs [ln-space mean, ln-space sd > 0], got ({low}, {high})")
        elif not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise InvalidInputError(f"bounds of {sid!r} must be finite with low < high, got ({low}, {high})")
        elif distribution == "loguniform" and low <= 0:
            raise InvalidInputError(f"loguniform bounds of {sid!r} must be positive, got ({low}, {high})")
        ranges.append([low, high])
    result: dict = {"num_vars": len(names), "names": names, "bounds": ranges}
    if DISTRIBUTIONS[distribution]:
        result["dists"] = [DISTRIBUTIONS[distribution]] * len(names)
    return result


def sobol(model: Model | Evaluate, problem: dict, *, n: int, seed: int,
          features: Sequence[Feature | DoseResponse] | None = None, calc_second_order: bool = False,
          scenarios: Sequence[Scenario | None] | None = None, t_end: float | None = None,
          n_points: int = 101, backend: Any = "processes", n_workers: int | None = None,
          checkpoint: str | None = None, progress: bool = True, run_timeout: float | None = 120.0,
          num_resamples: int = 100, conf_level: float = 0.95) -> GlobalResult:
    """Sobol' first-, total- (and optionally second-) order indices (Saltelli design, SALib).

    Args:
        model: a model, or a function taking the sample matrix X (rows = samples, columns =
            ``problem["names"]``) and returning one value per row (array or Series), or one
            column per output (2-D array or DataFrame).
        problem: from :func:`problem` (or any SALib problem dict).
        n: base sample size N, a power of 2; N (D + 2) evaluations, N (2D + 2) with
            ``calc_second_order``.
        seed: seeds the scrambled Sobol' sequence and the bootstrap of the confidence intervals.
        features: what each run is reduced to (models only): :class:`~mgsignal.ensemble.Feature`.
            With several scenarios every feature is analysed per scenario, as ``"scenario:feature"``.
        calc_second_order: also estimate S2 (``result.second_order``).
        scenarios, t_end, n_points, backend, n_workers, checkpoint, progress, run_timeout: passed
            to :func:`mgsignal.ensemble.run_ensemble`.
        num_resamples, conf_level: bootstrap of the confidence intervals (``*_conf`` are
            half-widths).

    Returns:
        A :class:`GlobalResult` with columns ``S1, S1_conf, ST, ST_conf``.

    Raises:
        SampleFailureError: when any sample failed (the estimator needs all of them).
    """
    _check_problem(problem)
    if n < 2 or n & (n - 1):
        raise InvalidInputError(f"n must be a power of 2 (Sobol' sequence balance), got {n}")
    X = sobol_sample.sample(dict(problem), n, calc_second_order=calc_second_order, seed=seed)
    engine = dict(scenarios=scenarios, t_end=t_end, n_points=n_points, backend=backend,
                  n_workers=n_workers, checkpoint=checkpoint, progress=progress, run_timeout=run_timeout)
    samples, evaluations, outputs = _evaluate(model, problem, X, features, engine)
    failed = _failed(outputs)
    _refuse_failures("Sobol'", failed, evaluations)
    frames, pairs = {}, {}
    names = problem["names"]
    for label, Y in outputs.items():
        if _constant(Y):
            frames[label] = pd.DataFrame(np.nan, index=names, columns=["S1", "S1_conf", "ST", "ST_conf"])
            continue
        si = sobol_analyze.analyze(dict(problem), Y, calc_second_order=calc_second_order,
                                   num_resamples=num_resamples, conf_level=conf_level,
                                   seed=np.random.default_rng(seed))
        frames[label] = pd.DataFrame({key: si[key] for key in ("S1", "S1_conf", "ST", "ST_conf")}, index=names)
        if calc_second_order:
            pairs[label] = pd.DataFrame(
                [(names[j], names[k], si["S2"][j, k], si["S2_conf"][j, k])
                 for j in range(len(names)) for k in range(j + 1, len(names))],
                columns=["parameter", "other", "S2", "S2_conf"]).set_index(["parameter", "other"])
    second = pd.concat(pairs, names=["output"]) if pairs else None
    return GlobalResult(method="sobol", problem=dict(problem), indices=_stack(frames), second_order=second,
                        samples=samples, evaluations=evaluations,
                        settings={"n": n, "seed": seed, "calc_second_order": calc_second_order,
                                  "num_resamples": num_resamples, "conf_level": conf_level})


def morris(model: Model | Evaluate, problem: dict, *, n: int, seed: int,
           features: Sequence[Feature | DoseResponse] | None = None, num_levels: int = 4,
           scenarios: Sequence[Scenario | None] | None = None, t_end: float | None = None,
           n_points: int = 101, backend: Any = "processes", n_workers: int | None = None,
           checkpoint: str | None = None, progress: bool = True, run_timeout: float | None = 120.0,
           num_resamples: int = 100, conf_level: float = 0.95) -> GlobalResult:
    """Morris elementary effects (screening): ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf``.

    Args:
        n: number of trajectories; N (D + 1) evaluations.
        num_levels: grid levels (the step is ``num_levels / (2 (num_levels - 1))`` of the range;
            elementary effects are output changes per that step, in units of the whole range).
        Others: as for :func:`sobol`.

    Returns:
        A :class:`GlobalResult`. Trajectories holding a failed sample are dropped whole
        (``n_dropped``); the analysis uses the rest.

    Raises:
        SampleFailureError: when fewer than two trajectories are left.
    """
    _check_problem(problem)
    if n < 2:
        raise InvalidInputError(f"n (trajectories) must be at least 2, got {n}")
    X = morris_sample.sample(dict(problem), n, num_levels=num_levels, seed=seed)
    engine = dict(scenarios=scenarios, t_end=t_end, n_points=n_points, backend=backend,
                  n_workers=n_workers, checkpoint=checkpoint, progress=progress, run_timeout=run_timeout)
    samples, evaluations, outputs = _evaluate(model, problem, X, features, engine)
    failed = _failed(outputs)
    size = problem["num_vars"] + 1
    bad = failed.reshape(-1, size).any(axis=1)  # per trajectory
    if (~bad).sum() < 2:
        raise SampleFailureError(f"Morris: {int(failed.sum())} of {failed.size} samples failed, leaving "
                                 f"{int((~bad).sum())} complete trajectories (need 2)",
                                 evaluations=evaluations, n_failed=int(failed.sum()))
    keep = np.repeat(~bad, size)
    frames = {}
    for label, Y in outputs.items():
        si = morris_analyze.analyze(dict(problem), X[keep], Y[keep], num_resamples=num_resamples,
                                    conf_level=conf_level, num_levels=num_levels,
                                    seed=np.random.default_rng(seed))
        frames[label] = pd.DataFrame({key: np.asarray(si[key], dtype=float)
                                      for key in ("mu", "mu_star", "sigma", "mu_star_conf")},
                                     index=problem["names"])
    return GlobalResult(method="morris", problem=dict(problem), indices=_stack(frames), second_order=None,
                        samples=samples, evaluations=evaluations, n_failed=int(failed.sum()),
                        n_dropped=int(bad.sum()),
                        settings={"n": n, "seed": seed, "num_levels": num_levels,
                                  "num_resamples": num_resamples, "conf_level": conf_level})


def efast(model: Model | Evaluate, problem: dict, *, n: int, seed: int,
          features: Sequence[Feature | DoseResponse] | None = None, m: int = 4,
          scenarios: Sequence[Scenario | None] | None = None, t_end: float | None = None,
          n_points: int = 101, backend: Any = "processes", n_workers: int | None = None,
          checkpoint: str | None = None, progress: bool = True, run_timeout: float | None = 120.0,
          num_resamples: int = 100, conf_level: float = 0.95) -> GlobalResult:
    """Extended FAST first- and total-order indices (SALib's ``fast_sampler`` and ``fast``).

    Args:
        n: samples per search curve, more than ``4 m^2``; N D evaluations.
        m: interference parameter (harmonics summed).
        Others: as for :func:`sobol`.

    Returns:
        A :class:`GlobalResult` with columns ``S1, S1_conf, ST, ST_conf``. SALib estimates the
        eFAST confidence intervals by a bootstrap it calls unreliable: treat them as indicative.

    Raises:
        SampleFailureError: when any sample failed (the Fourier analysis needs every point).
    """
    _check_problem(problem)
    if n <= 4 * m * m:
        raise InvalidInputError(f"eFAST needs n > 4 m^2 = {4 * m * m}, got {n}")
    X = fast_sampler.sample(dict(problem), n, M=m, seed=seed)
    engine = dict(scenarios=scenarios, t_end=t_end, n_points=n_points, backend=backend,
                  n_workers=n_workers, checkpoint=checkpoint, progress=progress, run_timeout=run_timeout)
    samples, evaluations, outputs = _evaluate(model, problem, X, features, engine)
    _refuse_failures("eFAST", _failed(outputs), evaluations)
    frames = {}
    state = np.random.get_state()  # SALib's fast bootstrap reseeds numpy's global generator
    try:
        for label, Y in outputs.items():
            if _constant(Y):
                frames[label] = pd.DataFrame(np.nan, index=problem["names"], columns=["S1", "S1_conf", "ST", "ST_conf"])
                continue
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="FAST confidence intervals")
                si = fast_analyze.analyze(dict(problem), Y, M=m, num_resamples=num_resamples,
                                          conf_level=conf_level, seed=seed + 1)  # SALib ignores seed 0
            frames[label] = pd.DataFrame({key: np.asarray(si[key], dtype=float)
                                          for key in ("S1", "S1_conf", "ST", "ST_conf")}, index=problem["names"])
    finally:
        np.random.set_state(state)
    return GlobalResult(method="efast", problem=dict(problem), indices=_stack(frames), second_order=None,
                        samples=samples, evaluations=evaluations,
                        settings={"n": n, "seed": seed, "m": m, "num_resamples": num_resamples,
                                  "conf_level": conf_level})


def _check_problem(problem: dict) -> None:
    names = problem.get("names")
    if not names or problem.get("num_vars") != len(names) or len(problem.get("bounds", ())) != len(names):
        raise InvalidInputError("a problem needs num_vars, names and bounds of the same length (see problem())")


def _relative_range(sid: str, value: float, r: float, distribution: str) -> tuple[float, float]:
    if not r > 0:
        raise InvalidInputError(f"relative range of {sid!r} must be > 0, got {r}")
    if value == 0:
        raise InvalidInputError(f"{sid!r} is 0 in the model: a relative range is empty, give bounds")
    if distribution == "uniform":
        return tuple(sorted((value * (1 - r), value * (1 + r))))
    if value < 0:
        raise InvalidInputError(f"{distribution} values of {sid!r} must be positive, its value is {value}")
    if distribution == "loguniform":
        return value / (1 + r), value * (1 + r)
    return float(np.log(value)), float(np.log1p(r))


def _evaluate(model: Model | Evaluate, problem: dict, X: np.ndarray,
              features: Sequence[Feature | DoseResponse] | None,
              engine: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """(samples table, evaluations table, output label -> values in sample order)."""
    samples = pd.DataFrame(X, columns=list(problem["names"]), index=pd.RangeIndex(len(X), name="sample"))
    if isinstance(model, Model):
        if not features:
            raise InvalidInputError("give the features to analyse (e.g. Feature('Mg_c', 'steady_state'))")
        engine = dict(engine)
        durations = {s.duration if s is not None else None for s in (engine["scenarios"] or [None])}
        steady_only = all(isinstance(f, Feature) and f.kind == "steady_state" for f in features)
        if engine["t_end"] is None and steady_only and (len(durations) != 1 or None in durations):
            engine["t_end"] = 1.0  # the engine wants a time grid; steady-state features never use it
        table = run_ensemble(model, samples, features=features, **engine)
        columns = feature_columns(features)
        outputs = {}
        if isinstance(table.index, pd.MultiIndex):
            for scenario in dict.fromkeys(table.index.get_level_values("scenario")):
                part = table.xs(scenario, level="scenario").reindex(samples.index)
                outputs.update({f"{scenario}:{c}" if scenario else c: part[c].to_numpy(dtype=float) for c in columns})
            evaluations = table
        else:
            evaluations = table.reindex(samples.index)
            outputs = {c: evaluations[c].to_numpy(dtype=float) for c in columns}
        return samples, evaluations, outputs
    if not callable(model):
        raise InvalidInputError(f"model must be a Model or a function X -> Y, got {type(model).__name__}")
    if features:
        raise InvalidInputError("features apply to models; a function returns its outputs itself")
    values = model(X)
    if isinstance(values, pd.Series):
        values = values.to_frame(values.name or "y")
    if not isinstance(values, pd.DataFrame):
        array = np.asarray(values, dtype=float)
        array = array.reshape(len(X), -1) if array.ndim <= 2 else array
        if array.ndim != 2 or array.shape[0] != len(X):
            raise InvalidInputError(f"the function must return one value (or row) per sample, got shape {array.shape}")
        labels = ["y"] if array.shape[1] == 1 else [f"y{k}" for k in range(array.shape[1])]
        values = pd.DataFrame(array, columns=labels)
    evaluations = values.set_axis(samples.index, axis=0).astype(float)
    return samples, evaluations, {str(c): evaluations[c].to_numpy() for c in evaluations.columns}


def _failed(outputs: dict[str, np.ndarray]) -> np.ndarray:
    """Per sample: True when any output is missing or not finite."""
    return np.any([~np.isfinite(values) for values in outputs.values()], axis=0)


def _refuse_failures(method: str, failed: np.ndarray, evaluations: pd.DataFrame) -> None:
    count = int(failed.sum())
    if not count:
        return
    reasons = ""
    if "error" in evaluations.columns:
        errors = evaluations["error"][evaluations["error"] != ""]
        if len(errors):
            top = errors.value_counts().index[0]
            reasons = f"; most frequent error: {top[:200]}"
    raise SampleFailureError(
        f"{method}: {count} of {failed.size} samples gave no value{reasons}. The estimator needs every sample of "
        "its design, so none is dropped: narrow the bounds or fix the failing runs (see .evaluations; "
        "with checkpoint= the finished runs are kept), or use Morris, which drops whole trajectories",
        evaluations=evaluations, n_failed=count)


def _constant(values: np.ndarray) -> bool:
    """No variance to apportion (the variance-based indices would be 0/0)."""
    spread = float(np.ptp(values))
    return spread <= 1e-12 * max(float(np.max(np.abs(values))), 1e-300)


def _stack(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    table = pd.concat(frames, names=["output", "parameter"])
    return table.astype(float)
