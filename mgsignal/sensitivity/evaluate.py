"""Evaluate a sample matrix: every row through the ensemble engine (a model) or a function.

The middle step of SALib's sample -> evaluate -> analyze: the method modules never touch a
simulator, and a plain function ``X -> Y`` (Ishigami's, say) is evaluated the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..ensemble import EnsembleOptions, Feature, run_ensemble
from ..ensemble.features import DoseResponse, feature_columns
from ..ensemble.options import resolve_options
from ..errors import InvalidInputError
from ..model import Model
from ..scenario import Scenario
from .problem import check_problem

Function = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class Evaluation:
    """What a sample matrix gave.

    Attributes:
        samples: the sample matrix as a table (index ``sample``, one column per name).
        table: one row per sample: the outputs (and, for models, the ensemble table's ``error``),
            with the ensemble's provenance in ``.attrs``.
        outputs: output label -> values in sample order (``"scenario:feature"`` when several
            scenarios were run).
    """

    samples: pd.DataFrame
    table: pd.DataFrame
    outputs: dict[str, np.ndarray]

    @property
    def failed(self) -> np.ndarray:
        """Per sample: True when any output is missing or not finite."""
        return np.any([~np.isfinite(values) for values in self.outputs.values()], axis=0)


def evaluate(model: Model | Function, problem: dict, X: np.ndarray, *,
             features: Sequence[Feature | DoseResponse] | None = None,
             scenarios: Sequence[Scenario | None] | None = None, options: EnsembleOptions | None = None,
             **settings: Any) -> Evaluation:
    """Evaluate every row of ``X`` (columns = ``problem["names"]``).

    Args:
        model: a model (each row runs through :func:`mgsignal.ensemble.run_ensemble`, so any
            backend, checkpoints and resumption apply), or a function taking X and returning one
            value per row (array or Series) or one column per output (2-D array or DataFrame).
        features: what each run is reduced to (models only).
        scenarios, options, **settings: as for :func:`mgsignal.ensemble.run_ensemble`.
    """
    check_problem(problem)
    X = np.asarray(X, dtype=float)
    samples = pd.DataFrame(X, columns=list(problem["names"]), index=pd.RangeIndex(len(X), name="sample"))
    if isinstance(model, Model):
        return _evaluate_model(model, samples, features, scenarios, resolve_options(options, settings))
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
    table = values.set_axis(samples.index, axis=0).astype(float)
    return Evaluation(samples, table, {str(c): table[c].to_numpy() for c in table.columns})


def _evaluate_model(model: Model, samples: pd.DataFrame, features: Sequence[Feature | DoseResponse] | None,
                    scenarios: Sequence[Scenario | None] | None, options: EnsembleOptions) -> Evaluation:
    if not features:
        raise InvalidInputError("give the features to analyse (e.g. Feature('Mg_c', 'steady_state'))")
    durations = {s.duration if s is not None else None for s in (scenarios or [None])}
    steady_only = all(isinstance(f, Feature) and f.kind == "steady_state" for f in features)
    if options.t_end is None and steady_only and (len(durations) != 1 or None in durations):
        options = options.but(t_end=1.0)  # the engine wants a time grid; steady-state features never use it
    table = run_ensemble(model, samples, features=features, scenarios=scenarios, options=options)
    columns = feature_columns(features)
    if not isinstance(table.index, pd.MultiIndex):
        table = table.reindex(samples.index)
        return Evaluation(samples, table, {c: table[c].to_numpy(dtype=float) for c in columns})
    outputs = {}
    for scenario in dict.fromkeys(table.index.get_level_values("scenario")):
        part = table.xs(scenario, level="scenario").reindex(samples.index)
        outputs.update({f"{scenario}:{c}" if scenario else c: part[c].to_numpy(dtype=float) for c in columns})
    return Evaluation(samples, table, outputs)
