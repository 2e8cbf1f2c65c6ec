"""Calibration results as plain data: fit quality per experiment (train and held-out), parameter
values before and after with profile intervals and what the data fix, JSON in and out.

Fit quality of an experiment: ``chi2`` (sum of squared residuals), ``n`` measurements, the
share of measurements within 1 and 2 reported SDs, and ``reproduced``: every measurement within
2 SDs (:data:`WITHIN`) and no failed run.

Identifiability of a parameter, from its profile (see :mod:`.estimate`):

- ``identified``: the 95 % interval is closed on both sides and, for a parameter with a prior,
  narrower than half the prior's own 95 % interval (the data, not the prior, fix it);
- ``prior-dominated``: closed, but about as wide as the prior (the prior fixes it);
- ``not identifiable``: the profile stays above the threshold up to a bound on at least one side;
- ``not profiled``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from .parameters import EstimatedParameter

#: a measurement is reproduced when the model lies within this many reported SDs of it
WITHIN = 2.0
#: z of the 95 % interval of a normal prior
Z95 = 1.959964
#: ratio of profile to prior interval width above which the prior, not the data, fixes a parameter
PRIOR_DOMINATED = 0.5
IDENTIFIABILITY = ("identified", "prior-dominated", "not identifiable", "not profiled")


@dataclass(frozen=True)
class ParameterEstimate:
    """One estimated parameter before and after the calibration (linear values), its 95 %
    profile interval (``None`` on an open side or when not profiled), and what fixes it."""

    id: str
    scale: str
    lower: float
    upper: float
    prior: tuple[float, float] | None
    before: float
    after: float
    ci_lower: float | None
    ci_upper: float | None
    identifiability: str
    note: str = ""


@dataclass(frozen=True, eq=False)  # holds DataFrames: compare fields, not objects
class CalibrationResult:
    """What a calibration found, and how (see :func:`mgsignal.calibration.calibrate`).

    Attributes:
        model, model_sha256: the calibrated model and the hash of its SBML before calibration.
        train, held_out: experiment ids fitted, and predicted only.
        parameters: one :class:`ParameterEstimate` per estimated parameter.
        fit: fit quality per experiment, before and after (:func:`fit_quality` columns with
            suffixes ``_before`` and ``_after``), train and held-out.
        predictions: one row per measurement after the calibration (the objective's table).
        starts: the optimiser runs (dicts of :class:`~.estimate.Start`), best first.
        profiles: per profiled parameter: ``id``, ``x`` and ``ratio`` paths (parameter scale),
            ``lower``/``upper`` (parameter scale, ``None`` if open).
        settings: how it was run (starts, seed, optimiser, budgets, processes).
        wall_time: seconds for the whole calibration.
        provenance: package versions and date.
    """

    model: str
    model_sha256: str
    train: tuple[str, ...]
    held_out: tuple[str, ...]
    parameters: tuple[ParameterEstimate, ...]
    fit: pd.DataFrame
    predictions: pd.DataFrame
    starts: tuple[dict[str, Any], ...] = ()
    profiles: tuple[dict[str, Any], ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    wall_time: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, float]:
        """Parameter id -> calibrated value (linear)."""
        return {p.id: p.after for p in self.parameters}

    def parameter_table(self) -> pd.DataFrame:
        """Parameters before and after, with bounds, prior, 95 % interval and identifiability."""
        rows = [{"parameter": p.id, "before": p.before, "after": p.after, "ci_lower": p.ci_lower,
                 "ci_upper": p.ci_upper, "lower_bound": p.lower, "upper_bound": p.upper,
                 "prior": "" if p.prior is None else f"log10 N({p.prior[0]:.3g}, {p.prior[1]:.3g})",
                 "identifiability": p.identifiability} for p in self.parameters]
        return pd.DataFrame(rows).set_index("parameter")

    def summary(self) -> pd.DataFrame:
        """Chi2 (and measurements within 2 SD) summed over train and held-out, before and after."""
        table = self.fit.groupby("split", sort=False).agg(
            experiments=("experiment", "size"), n=("n_after", "sum"), chi2_before=("chi2_before", "sum"),
            chi2_after=("chi2_after", "sum"), reproduced_after=("reproduced_after", "sum"))
        return table

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (what :meth:`write` stores)."""
        return {"model": self.model, "model_sha256": self.model_sha256, "train": list(self.train),
                "held_out": list(self.held_out), "parameters": [asdict(p) for p in self.parameters],
                "fit": _records(self.fit), "predictions": _records(self.predictions), "starts": list(self.starts),
                "profiles": list(self.profiles), "settings": self.settings, "wall_time": self.wall_time,
                "provenance": self.provenance}

    def write(self, path: str | Path) -> Path:
        """Write the result as JSON (numbers to full precision); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, allow_nan=True) + "\n", encoding="utf-8")
        return path


def read_result(path: str | Path) -> CalibrationResult:
    """Read a result written by :meth:`CalibrationResult.write`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parameters = tuple(ParameterEstimate(**{**p, "prior": tuple(p["prior"]) if p["prior"] else None})
                           for p in data["parameters"])
        return CalibrationResult(model=data["model"], model_sha256=data["model_sha256"], train=tuple(data["train"]),
                                 held_out=tuple(data["held_out"]), parameters=parameters,
                                 fit=pd.DataFrame(data["fit"]), predictions=pd.DataFrame(data["predictions"]),
                                 starts=tuple(data["starts"]), profiles=tuple(data["profiles"]),
                                 settings=data["settings"], wall_time=float(data["wall_time"]),
                                 provenance=data["provenance"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidInputError(f"{path}: not a calibration result ({error})") from error


def load_result(model_name: str = "mg_transport") -> CalibrationResult:
    """The committed calibration of a model (``mgsignal/calibration/results/<model>.json``)."""
    path = Path(str(resources.files("mgsignal.calibration") / "results" / f"{model_name}.json"))
    if not path.is_file():
        raise InvalidInputError(f"no committed calibration result for model {model_name!r} ({path.name})")
    return read_result(path)


def fit_quality(predictions: pd.DataFrame) -> pd.DataFrame:
    """Fit quality per experiment from a prediction table (:mod:`.objective` columns): ``split``,
    ``n``, ``chi2``, ``chi2_per_point``, ``within_1sd``, ``within_2sd`` (shares), ``failed``
    (runs that did not finish), ``reproduced`` (every point within :data:`WITHIN` SDs)."""
    rows = []
    for experiment, group in predictions.groupby("experiment", sort=False):
        z = group["residual"].to_numpy(dtype=float)
        failed = int((group["error"].astype(str) != "").sum())
        rows.append({"experiment": experiment, "split": group["split"].iloc[0], "n": len(z),
                     "chi2": float(np.sum(z ** 2)), "chi2_per_point": float(np.mean(z ** 2)),
                     "within_1sd": float(np.mean(np.abs(z) <= 1.0)), "within_2sd": float(np.mean(np.abs(z) <= WITHIN)),
                     "failed": failed, "reproduced": bool(failed == 0 and np.all(np.abs(z) <= WITHIN))})
    return pd.DataFrame(rows)


def compare_fits(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Fit quality before and after side by side (one row per experiment, train first)."""
    a, b = fit_quality(before), fit_quality(after)
    table = a.merge(b, on=["experiment", "split"], suffixes=("_before", "_after"))
    table["order"] = table["split"].map({"train": 0, "held-out": 1})
    return table.sort_values(["order", "experiment"]).drop(columns="order").reset_index(drop=True)


def identifiability(parameter: EstimatedParameter, profile: Mapping[str, Any] | None) -> str:
    """What fixes a parameter, from its profile interval (see the module docstring)."""
    if profile is None:
        return "not profiled"
    lower, upper = profile.get("lower"), profile.get("upper")
    if lower is None or upper is None:
        return "not identifiable"
    if parameter.prior is not None and (upper - lower) > PRIOR_DOMINATED * 2 * Z95 * parameter.prior[1]:
        return "prior-dominated"
    return "identified"


def estimates(parameters: Sequence[EstimatedParameter], before: Sequence[float], after: Sequence[float],
              profiles: Mapping[str, Mapping[str, Any]]) -> tuple[ParameterEstimate, ...]:
    """:class:`ParameterEstimate` per parameter from values on the parameter scales and profiles."""
    out = []
    for p, x0, x1 in zip(parameters, before, after):
        profile = profiles.get(p.id)
        lower = profile.get("lower") if profile else None
        upper = profile.get("upper") if profile else None
        out.append(ParameterEstimate(id=p.id, scale=p.scale, lower=p.lower, upper=p.upper, prior=p.prior,
                                     before=p.to_linear(x0), after=p.to_linear(x1),
                                     ci_lower=None if lower is None else p.to_linear(lower),
                                     ci_upper=None if upper is None else p.to_linear(upper),
                                     identifiability=identifiability(p, profile), note=p.note))
    return tuple(out)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(table.to_json(orient="records", double_precision=15))
