"""``simulate`` and ``steady_state``: a model under a scenario, as pandas objects."""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model
from ..provenance import provenance
from ..scenario import Scenario
from .simulator import DEFAULT_ATOL, DEFAULT_RTOL, SETTLE_TIME, Simulator


def simulate(model: Model, scenario: Scenario | None = None, *, t_end: float | None = None,
             n_points: int = 101, outputs: list[str] | None = None,
             rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL) -> pd.DataFrame:
    """Simulate a time course.

    Args:
        model: from :func:`mgsignal.load_model`.
        scenario: what to change and when; ``None`` runs the model as it is.
        t_end: end time in seconds; defaults to the scenario's ``duration``.
        n_points: number of output times, evenly spaced from 0 to ``t_end``.
        outputs: ids to report (species concentrations, readouts, reaction rates, parameters);
            defaults to all species and readouts.
        rtol, atol: CVODE relative and absolute tolerances (``atol`` on every state's amount).

    Returns:
        A DataFrame with a ``time`` index (s) and one column per output id. At a phase start the
        row shows the state just before the phase's changes. ``.attrs`` holds the provenance
        (model, model hash, scenario, tolerances, package versions) and the units.

    Raises:
        UnknownIdError: an output or scenario target is not in the model.
        SimulationError: the integrator failed; the message names scenario and parameters.
    """
    check_scenario_type(scenario)
    t_end = _end_time(t_end, scenario)
    if isinstance(n_points, bool) or not isinstance(n_points, numbers.Integral) or n_points < 2:
        raise InvalidInputError(f"n_points must be at least 2, got {n_points}")
    ids = _outputs(model, outputs)
    times = np.linspace(0.0, t_end, n_points)
    simulator = Simulator.of(model)
    simulator.set_tolerances(rtol=rtol, atol=atol)
    data = simulator.time_course(scenario, times, ids)
    table = pd.DataFrame(data, index=pd.Index(times, name="time"), columns=ids)
    table.attrs.update(_attrs(model, scenario, ids, rtol=rtol, atol=atol))
    return table


def steady_state(model: Model, scenario: Scenario | None = None, *,
                 outputs: list[str] | None = None, settle: float = SETTLE_TIME) -> pd.Series:
    """Find the steady state of the condition a scenario ends in.

    The scenario's pre-equilibration is irrelevant here; its ``changes`` and then every phase's
    changes are applied to the model's initial values, and the state is driven to steady state
    (Newton, else a long integration then Newton). Newton cannot handle events: for a model
    with events the state is found by simulating ``settle`` seconds instead, and
    ``.attrs["method"]`` says so, with how much the state still changed over the last tenth of
    that time (``.attrs["still_changing"]``, the largest relative change of an output).

    Returns:
        A Series indexed by output id (defaults: all species and readouts), with provenance in
        ``.attrs`` (``method``: "Newton" or "simulation").

    Raises:
        SteadyStateError: when no steady state is found (message names scenario and parameters).
    """
    check_scenario_type(scenario)
    ids = _outputs(model, outputs)
    if model.events:
        return _settled(model, scenario, ids, settle)
    values = Simulator.of(model).steady_state(scenario, ids)
    state = pd.Series(values, index=ids, dtype=float)
    state.attrs.update(_attrs(model, scenario, ids, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL), method="Newton")
    return state


def _settled(model: Model, scenario: Scenario | None, ids: list[str], settle: float) -> pd.Series:
    """The state after ``settle`` seconds in the scenario's final condition (a model with events)."""
    final = Scenario(name=f"{scenario.name if scenario else model.name} settled", changes=scenario.final_changes()
                     if scenario else {})
    simulator = Simulator.of(model)
    simulator.set_tolerances(rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL)
    data = simulator.time_course(final, np.linspace(0.0, settle, 11), ids)
    change = np.abs(data[-1] - data[-2]) / np.maximum(np.abs(data[-1]), 1e-12)
    state = pd.Series(data[-1], index=ids, dtype=float)
    state.attrs.update(_attrs(model, scenario, ids, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL), method="simulation",
                       settle_s=settle, still_changing=float(np.max(change, initial=0.0)),
                       note=f"model {model.name!r} has events, which the Newton solver cannot handle: state after "
                            f"{settle:g} s of simulation (largest relative change over the last {settle / 10:g} s: "
                            f"{float(np.max(change, initial=0.0)):.2g})")
    return state


def check_scenario_type(scenario: object) -> None:
    """A scenario must be a :class:`Scenario` or None; a name is refused with the fix."""
    if scenario is not None and not isinstance(scenario, Scenario):
        raise InvalidInputError(f"scenario must be a Scenario or None (load one by name with "
                                f"mgsignal.load_scenario({scenario!r})), got {type(scenario).__name__}")


def _outputs(model: Model, outputs: list[str] | None) -> list[str]:
    if outputs is None:
        return list(model.species + model.readouts)
    ids = list(outputs)
    model.check_ids(ids)
    return ids


def _end_time(t_end: float | None, scenario: Scenario | None) -> float:
    if t_end is None:
        t_end = scenario.duration if scenario is not None else None
    if t_end is None or isinstance(t_end, bool) or not isinstance(t_end, numbers.Real) \
            or not math.isfinite(t_end) or t_end <= 0:
        raise InvalidInputError(f"t_end must be a positive number of seconds (or the scenario must set a duration), got {t_end!r}")
    return float(t_end)


def _attrs(model: Model, scenario: Scenario | None, ids: list[str], *, rtol: float, atol: float) -> dict:
    attrs = provenance(model, scenario)
    attrs.update({"tolerances": {"rtol": rtol, "atol": atol},
                  "units": {"time": "second", **{sid: model.units.get(sid, "") for sid in ids}}})
    return attrs
