"""Features: what each simulation is reduced to inside the workers.

A feature is plain data naming an output and a reduction. Reductions run on the time course of
one run (times and one column per output) and return one number, so the memory of an ensemble
grows with the number of samples, never with trajectory length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import InvalidInputError
from ..scenario import Phase, Scenario

KINDS = ("end", "peak", "min", "time_to_peak", "auc", "mean", "steady_state", "function")


@dataclass(frozen=True)
class Feature:
    """One number per run.

    Attributes:
        output: the id whose time course is reduced (any output of the model).
        kind: ``end`` (last value), ``peak`` (maximum), ``min``, ``time_to_peak`` (time of the
            maximum), ``auc`` (trapezoidal integral over the simulated time), ``mean``
            (``auc`` / duration), ``steady_state`` (value at the steady state of the scenario's
            final condition), or ``function`` (``function(times, values)`` with ``values`` the
            output's time course; must be a picklable, module-level function).
        name: column name of the result; defaults to ``"{kind}_{output}"``.
        function: the reduction for ``kind="function"``.
    """

    output: str
    kind: str = "end"
    name: str = ""
    function: Callable[[np.ndarray, np.ndarray], float] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInputError(f"feature kind {self.kind!r} is not one of {KINDS}")
        if (self.kind == "function") != (self.function is not None):
            raise InvalidInputError("a feature has a function exactly when its kind is 'function'")
        if not self.name:
            object.__setattr__(self, "name", f"{self.kind}_{self.output}")


@dataclass(frozen=True)
class DoseResponse:
    """EC50 and maximum of a dose-response, computed per sample inside the worker.

    For each dose the scenario is run with ``dose`` (a settable id) set to that value at time 0
    (see :func:`with_dose`), and the response is ``feature`` (a :class:`Feature`, e.g. the peak
    of an output). The result columns are ``{name}_ec50`` (see :func:`half_maximal_dose`) and
    ``{name}_max``.
    """

    name: str
    dose: str
    doses: tuple[float, ...]
    response: Feature

    def __post_init__(self) -> None:
        doses = tuple(float(d) for d in self.doses)
        if len(doses) < 3 or any(d <= 0 for d in doses) or list(doses) != sorted(doses):
            raise InvalidInputError(f"dose-response {self.name!r}: need >= 3 increasing positive doses")
        if self.response.kind == "steady_state":
            raise InvalidInputError("a dose-response response must be a time-course feature")
        object.__setattr__(self, "doses", doses)

    @property
    def columns(self) -> tuple[str, str]:
        return (f"{self.name}_ec50", f"{self.name}_max")


def feature_columns(features: Sequence[Feature | DoseResponse]) -> list[str]:
    """Result column names of a list of features, checked for duplicates."""
    columns: list[str] = []
    for feature in features:
        columns += list(feature.columns) if isinstance(feature, DoseResponse) else [feature.name]
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise InvalidInputError(f"feature names must be unique; repeated: {duplicates}")
    return columns


def reduce(feature: Feature, times: np.ndarray, values: np.ndarray) -> float:
    """Apply a time-course feature to one output's values."""
    if feature.kind == "end":
        return float(values[-1])
    if feature.kind == "peak":
        return float(np.max(values))
    if feature.kind == "min":
        return float(np.min(values))
    if feature.kind == "time_to_peak":
        return float(times[int(np.argmax(values))])
    if feature.kind == "auc":
        return float(np.trapezoid(values, times))
    if feature.kind == "mean":
        return float(np.trapezoid(values, times) / (times[-1] - times[0]))
    if feature.kind == "function":
        return float(feature.function(times, values))
    raise InvalidInputError(f"feature kind {feature.kind!r} is not a time-course reduction")


def half_maximal_dose(doses: np.ndarray, responses: np.ndarray) -> tuple[float, float]:
    """(EC50, maximum) of a response rising with dose: the package's one EC50.

    The EC50 is the dose at which the response first reaches half-way from its value at the
    lowest dose to its maximum, interpolated linearly in log(dose) between the two doses that
    bracket it (no curve is fitted, so it holds for any monotone shape; its accuracy is that of
    the dose grid). NaN when the response does not rise. A response that falls with dose
    (e.g. an inward current) is given negated.
    """
    baseline, top = float(responses[0]), float(np.max(responses))
    if not np.all(np.isfinite(responses)) or top <= baseline:
        return float("nan"), top
    half = baseline + 0.5 * (top - baseline)
    above = np.nonzero(responses >= half)[0]
    i = int(above[0])
    if i == 0:
        return float(doses[0]), top
    low, high = responses[i - 1], responses[i]
    fraction = (half - low) / (high - low)
    log_dose = np.log(doses[i - 1]) + fraction * (np.log(doses[i]) - np.log(doses[i - 1]))
    return float(np.exp(log_dose)), top


def with_dose(scenario: Scenario | None, dose: str, value: float, *, at: float = 0.0) -> Scenario:
    """``scenario`` (or an empty one) with ``dose`` set to ``value`` at time ``at`` (s): in its
    time-0 changes when ``at`` is 0 (after any pre-equilibration), else in the phase starting
    then (added when there is none)."""
    base = scenario or Scenario(name="dose_response")
    if at == 0:
        return replace(base, changes={**base.changes, dose: float(value)})
    phases = list(base.phases)
    for k, phase in enumerate(phases):
        if phase.start == at:
            phases[k] = Phase(start=at, changes={**phase.changes, dose: float(value)})
            break
    else:
        phases = sorted(phases + [Phase(start=at, changes={dose: float(value)})], key=lambda p: p.start)
    return replace(base, phases=tuple(phases))
