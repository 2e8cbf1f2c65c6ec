"""Parameter rows: the model's own values, and rows drawn by Latin hypercube sampling.

A sample table is a DataFrame, one row per sample, one column per settable id of the model
(global parameters, species values such as transporter expression levels, compartment sizes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..errors import InvalidInputError
from ..model import Model
from ..simulation import Simulator


def default_values(model: Model, ids: Sequence[str]) -> dict[str, float]:
    """The model's own values (at time 0) of settable ids."""
    return Simulator.of(model).initial_values(ids)


def relative_range(sid: str, value: float, r: float, *, log: bool = False) -> tuple[float, float]:
    """Bounds ``value (1 - r) .. value (1 + r)`` (``log``: ``value / (1 + r) .. value (1 + r)``).

    Raises:
        InvalidInputError: when ``r`` is not positive, when a linear range would cross zero
            (``r >= 1``: a rate constant would become negative), or for a zero value.
    """
    if not r > 0:
        raise InvalidInputError(f"relative range of {sid!r} must be > 0, got {r}")
    if value == 0:
        raise InvalidInputError(f"{sid!r} is 0 in the model: a relative range is empty, give bounds")
    if log:
        if value < 0:
            raise InvalidInputError(f"log ranges of {sid!r} need a positive value, its value is {value}")
        return value / (1 + r), value * (1 + r)
    if r >= 1:
        raise InvalidInputError(f"relative range {r} of {sid!r} would cross zero ({value * (1 - r):g} .. "
                                f"{value * (1 + r):g}); use r < 1, or log sampling")
    low, high = sorted((value * (1 - r), value * (1 + r)))
    return low, high


def sample_parameters(model: Model, *, n: int, seed: int, bounds: Mapping[str, tuple[float, float]] | None = None,
                      relative: Mapping[str, float] | float | None = None, ids: Sequence[str] | None = None,
                      log: bool = False) -> pd.DataFrame:
    """Draw ``n`` parameter rows by Latin hypercube sampling (scipy's ``qmc.LatinHypercube``).

    Args:
        model: the model whose settable ids are sampled.
        n: number of rows.
        seed: seed of the sampler; the same seed gives the same rows.
        bounds: id -> (low, high), low < high.
        relative: fraction r (or id -> r) giving bounds default*(1-r) .. default*(1+r) for
            ``ids`` (log: default/(1+r) .. default*(1+r)); see :func:`relative_range`.
        ids: ids sampled with ``relative`` bounds.
        log: sample uniformly in log space (bounds must be positive).

    Returns:
        A DataFrame with one row per sample (index ``sample``) and one column per id.
    """
    ranges = {sid: tuple(float(v) for v in pair) for sid, pair in (bounds or {}).items()}
    if relative is not None:
        chosen = list(ids or [])
        if not chosen:
            raise InvalidInputError("relative bounds need the ids to vary")
        defaults = default_values(model, chosen)
        for sid in chosen:
            r = relative[sid] if isinstance(relative, Mapping) else float(relative)
            ranges[sid] = relative_range(sid, defaults[sid], r, log=log)
    if not ranges or n < 1:
        raise InvalidInputError("sample_parameters needs bounds (or relative with ids) and n >= 1")
    model.check_ids(list(ranges), settable=True)
    low, high = np.array([r[0] for r in ranges.values()]), np.array([r[1] for r in ranges.values()])
    for sid, a, b in zip(ranges, low, high):
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise InvalidInputError(f"bounds of {sid!r} must be finite with low < high, got ({a:g}, {b:g})")
        if log and a <= 0:
            raise InvalidInputError(f"log sampling of {sid!r} needs positive bounds, got {a:g}")
    unit = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)).random(n)
    values = np.exp(qmc.scale(unit, np.log(low), np.log(high))) if log else qmc.scale(unit, low, high)
    return pd.DataFrame(values, columns=list(ranges), index=pd.RangeIndex(n, name="sample"))


def check_bounds(model: Model, samples: pd.DataFrame) -> None:
    """Raise :class:`InvalidInputError` for the first value of a sample table below its physical
    bound (:attr:`mgsignal.Model.lower_bounds`), naming the column, the row and the bound."""
    for column in samples.columns:
        bound = model.lower_bounds.get(column)
        if bound is None:
            continue
        low, strict, _ = bound
        values = samples[column].to_numpy(dtype=float)
        bad = np.nonzero((values <= low) if strict else (values < low))[0]
        if bad.size:
            model.check_values({column: float(values[bad[0]])}, where=f"sample {samples.index[bad[0]]!r}")
