"""Sensitivity problems: which ids vary, over which ranges (SALib's problem dict)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..ensemble import default_values, relative_range
from ..errors import InvalidInputError
from ..model import Model

#: SALib's names of the supported distributions
DISTRIBUTIONS = {"uniform": None, "loguniform": "logunif", "lognormal": "lognorm"}


def model_parameters(model: Model) -> list[str]:
    """The ids that ``parameters="all"`` stands for: the model's constant global parameters
    except those the model marks as fixed (constants of nature, valences, stoichiometries and
    switches are not uncertain in the sense a sensitivity analysis asks about; see
    :attr:`mgsignal.Model.fixed`)."""
    return [pid for pid in model.parameters if pid not in model.fixed]


def resolve_parameters(model: Model, parameters: str | Sequence[str]) -> list[str]:
    """``"all"`` -> :func:`model_parameters`; otherwise the given settable ids, checked."""
    if isinstance(parameters, str):
        if parameters != "all":
            raise InvalidInputError(f"parameters must be 'all' or a list of ids, got {parameters!r}")
        return model_parameters(model)
    ids = list(parameters)
    if not ids or len(set(ids)) != len(ids):
        raise InvalidInputError(f"give at least one parameter id, each once; got {ids}")
    model.check_ids(ids, settable=True)
    return ids


def problem(model: Model, parameters: str | Sequence[str] = "all", *,
            bounds: Mapping[str, tuple[float, float]] | None = None,
            relative: float | Mapping[str, float] | None = None,
            distribution: str = "uniform") -> dict:
    """SALib's problem dict for settable ids of a model.

    Args:
        model: the model whose ids are varied.
        parameters: ``"all"`` (see :func:`model_parameters`; with ``relative``, those that are
            0 in the model, such as drug inputs, are left out unless ``bounds`` names them) or
            settable ids.
        bounds: id -> (low, high), or for ``lognormal`` SALib's (ln-space mean, ln-space sd);
            wins over ``relative`` for the ids it names.
        relative: r (or id -> r) around the model's value ``p``: ``uniform`` on
            p(1-r)..p(1+r) (r < 1), ``loguniform`` on p/(1+r)..p(1+r), ``lognormal`` with median
            p and geometric standard deviation 1+r.
        distribution: ``"uniform"``, ``"loguniform"`` or ``"lognormal"``.

    Returns:
        ``{"num_vars", "names", "bounds"}``, plus ``"dists"`` for the non-uniform
        distributions (SALib's ``logunif``; ``lognorm`` with bounds [ln-space mean, ln-space sd]).

    Raises:
        InvalidInputError: for inverted or infinite bounds, or bounds that let a positive
            parameter become negative (each naming the parameter).
    """
    if distribution not in DISTRIBUTIONS:
        raise InvalidInputError(f"distribution must be one of {list(DISTRIBUTIONS)}, got {distribution!r}")
    names = resolve_parameters(model, parameters)
    given = dict(bounds or {})
    model.check_ids(list(given), settable=True)
    extra = sorted(set(given) - set(names))
    if extra:
        raise InvalidInputError(f"bounds given for ids that are not varied: {extra}")
    missing = [sid for sid in names if sid not in given]
    if missing and relative is None:
        raise InvalidInputError(f"give bounds or relative for {missing}")
    defaults = default_values(model, names)
    if parameters == "all" and relative is not None:
        # inputs that are off in the model (drug concentrations, switches: value 0) have no
        # relative range; "all" leaves them out unless bounds are given for them
        names = [sid for sid in names if sid in given or defaults[sid] != 0]
    ranges = []
    for sid in names:
        if sid in given:
            low, high = (float(v) for v in given[sid])
        else:
            r = float(relative[sid] if isinstance(relative, Mapping) else relative)
            low, high = _relative_bounds(sid, defaults[sid], r, distribution)
        _check_bounds(sid, low, high, distribution, defaults[sid])
        ranges.append([low, high])
    result: dict = {"num_vars": len(names), "names": names, "bounds": ranges}
    if DISTRIBUTIONS[distribution]:
        result["dists"] = [DISTRIBUTIONS[distribution]] * len(names)
    return result


def check_problem(problem: dict) -> None:
    """Raise unless ``problem`` has ``num_vars``, ``names`` and ``bounds`` of one length, and
    every uniform range is finite with low < high (naming the parameter)."""
    if not isinstance(problem, dict):
        raise InvalidInputError(f"a problem is SALib's dict (see problem()), got {type(problem).__name__}")
    names = problem.get("names")
    if not names or problem.get("num_vars") != len(names) or len(problem.get("bounds", ())) != len(names):
        raise InvalidInputError("a problem needs num_vars, names and bounds of the same length (see problem())")
    dists = problem.get("dists") or ["unif"] * len(names)
    for name, pair, dist in zip(names, problem["bounds"], dists):
        if len(pair) != 2:
            raise InvalidInputError(f"bounds of {name!r} must be a pair, got {pair!r}")
        low, high = (float(v) for v in pair)
        if dist in ("unif", "logunif") and not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise InvalidInputError(f"bounds of {name!r} must be finite with low < high, got ({low:g}, {high:g})")


def _relative_bounds(sid: str, value: float, r: float, distribution: str) -> tuple[float, float]:
    if distribution == "lognormal":
        if not r > 0 or not value > 0:
            raise InvalidInputError(f"lognormal {sid!r} needs r > 0 and a positive value, got r={r}, value={value}")
        return float(np.log(value)), float(np.log1p(r))
    return relative_range(sid, value, r, log=distribution == "loguniform")


def _check_bounds(sid: str, low: float, high: float, distribution: str, value: float) -> None:
    if distribution == "lognormal":
        if not (np.isfinite(low) and np.isfinite(high) and high > 0):
            raise InvalidInputError(f"lognormal {sid!r} needs [ln-space mean, ln-space sd > 0], got ({low}, {high})")
        return
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise InvalidInputError(f"bounds of {sid!r} must be finite with low < high, got ({low}, {high})")
    if distribution == "loguniform" and low <= 0:
        raise InvalidInputError(f"loguniform bounds of {sid!r} must be positive, got ({low}, {high})")
    if value > 0 and low < 0:
        raise InvalidInputError(f"bounds of {sid!r} ({low:g}, {high:g}) cross zero, but its value in the model is "
                                f"positive ({value:g}): negative values are not physical")
