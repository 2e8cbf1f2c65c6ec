"""Parameter scans and dose-responses on top of the ensemble engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model
from ..scenario import Scenario
from .engine import run_ensemble
from .features import Feature, half_maximal_dose, with_dose
from .options import EnsembleOptions


def scan(model: Model, values: Mapping[str, Sequence[float]], *, features: Sequence[Feature],
         scenarios: Sequence[Scenario | None] | None = None, options: EnsembleOptions | None = None,
         **settings: Any) -> pd.DataFrame:
    """Scan one or two settable ids over a grid (every combination) and compute features.

    The scanned values replace the model's own values (as ensemble rows do), so they hold
    through any pre-equilibration; to apply a value at a moment of a scenario instead, use
    :func:`dose_response`.

    Args:
        values: id -> values; one id gives a 1-D scan, two ids a 2-D grid.
        features: what to compute for each grid point.
        scenarios, options, **settings: as for :func:`run_ensemble`.

    Returns:
        One row per grid point, indexed by the scanned ids (a MultiIndex for two), one column per
        feature plus ``error``.
    """
    if not 1 <= len(values) <= 2:
        raise InvalidInputError(f"scan one or two ids at a time, got {list(values)}")
    axes = {sid: np.asarray(list(v), dtype=float) for sid, v in values.items()}
    if any(axis.size == 0 for axis in axes.values()):
        raise InvalidInputError("every scanned id needs at least one value")
    grid = np.meshgrid(*axes.values(), indexing="ij")
    samples = pd.DataFrame({sid: g.ravel() for sid, g in zip(axes, grid)})
    table = run_ensemble(model, samples, features=features, scenarios=scenarios, options=options, **settings)
    index = pd.MultiIndex.from_frame(samples) if len(axes) == 2 else pd.Index(samples.iloc[:, 0], name=samples.columns[0])
    if isinstance(table.index, pd.MultiIndex):  # several scenarios: keep them as the outer level
        table.index = pd.MultiIndex.from_arrays(
            [table.index.get_level_values("scenario")] + [np.tile(samples[c].to_numpy(), len(table) // len(samples)) for c in samples],
            names=["scenario", *samples.columns])
    else:
        table.index = index
    return table


def dose_response(model: Model, *, dose: str, doses: Sequence[float], response: Feature | Sequence[Feature],
                  scenario: Scenario | None = None, at: float = 0.0, parameters: Mapping[str, float] | None = None,
                  options: EnsembleOptions | None = None, **settings: Any) -> pd.DataFrame:
    """Responses to a range of doses of one settable id, each with its EC50 and maximum.

    Each dose is applied at time ``at`` of ``scenario`` (after its pre-equilibration; see
    :func:`mgsignal.ensemble.features.with_dose`), one run per dose, on the ensemble engine.
    The EC50 is the package's one definition (:func:`half_maximal_dose`: half-way from the
    response at the lowest dose to the maximum, interpolated in log dose).

    Args:
        dose: the settable id that is dosed.
        doses: increasing positive doses (EC50s need at least two; more give a finer EC50).
        response: one :class:`Feature` or several (time-course features or ``steady_state``).
        scenario: the protocol (default: the model as it is).
        at: when the dose is applied (s).
        parameters: id -> value replacing the model's own values for every run.
        options, **settings: as for :func:`run_ensemble`.

    Returns:
        A DataFrame indexed by dose (named after ``dose``), one column per response feature
        plus ``error``; ``.attrs["ec50"]`` and ``.attrs["max"]`` map each feature's name to its
        EC50 and maximum.
    """
    values = np.asarray(list(doses), dtype=float)
    if values.size < 1 or np.any(values <= 0) or np.any(np.diff(values) <= 0):
        raise InvalidInputError(f"dose-response of {dose!r}: need increasing positive doses, got {list(values)}")
    model.check_ids([dose], settable=True)
    features = [response] if isinstance(response, Feature) else list(response)
    base = scenario or Scenario(name="dose_response")
    scenarios = [replace(with_dose(base, dose, value, at=at), name=f"{dose}={value:g}") for value in values]
    samples = pd.DataFrame([dict(parameters or {})], index=pd.Index([0], name="sample"))
    table = run_ensemble(model, samples, features=features, scenarios=scenarios, options=options, **settings)
    table.index = pd.Index(values, name=dose)  # one sample: rows are the doses in order
    table.attrs["ec50"], table.attrs["max"] = {}, {}
    for feature in features:
        ec50, top = half_maximal_dose(values, table[feature.name].to_numpy(dtype=float))
        table.attrs["ec50"][feature.name], table.attrs["max"][feature.name] = ec50, top
    table.attrs.update({"dose": dose, "at": at})
    return table
