"""Parameter scans and dose-responses on top of the ensemble engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model
from .engine import run_ensemble
from .features import Feature, half_maximal_dose


def scan(model: Model, values: Mapping[str, Sequence[float]], *, features: Sequence[Feature],
         **engine: Any) -> pd.DataFrame:
    """Scan one or two settable ids over a grid (every combination) and compute features.

    Args:
        values: id -> values; one id gives a 1-D scan, two ids a 2-D grid.
        features: what to compute for each grid point.
        **engine: passed to :func:`run_ensemble` (scenarios, t_end, n_points, backend, ...).

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
    table = run_ensemble(model, samples, features=features, **engine)
    index = pd.MultiIndex.from_frame(samples) if len(axes) == 2 else pd.Index(samples.iloc[:, 0], name=samples.columns[0])
    if isinstance(table.index, pd.MultiIndex):  # several scenarios: keep them as the outer level
        table.index = pd.MultiIndex.from_arrays(
            [table.index.get_level_values("scenario")] + [np.tile(samples[c].to_numpy(), len(table) // len(samples)) for c in samples],
            names=["scenario", *samples.columns])
    else:
        table.index = index
    return table


def dose_response(model: Model, *, dose: str, doses: Sequence[float], response: Feature,
                  **engine: Any) -> pd.DataFrame:
    """Response to a range of doses of one settable id, with EC50 and maximum in ``.attrs``.

    The EC50 is the dose of half-maximal response above the response at the lowest dose,
    interpolated in log dose (see :func:`mgsignal.ensemble.features.half_maximal_dose`).
    """
    table = scan(model, {dose: doses}, features=[response], **engine)
    if isinstance(table.index, pd.MultiIndex):
        raise InvalidInputError("dose_response takes one scenario; call it once per scenario")
    ec50, top = half_maximal_dose(table.index.to_numpy(), table[response.name].to_numpy())
    table.attrs.update({"ec50": ec50, "max": top, "dose": dose, "response": response.name})
    return table
