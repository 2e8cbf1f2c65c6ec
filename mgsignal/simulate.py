"""Time courses and steady states of a model under a scenario: the simulation layer that drives
libroadrunner (the ensemble worker and the sensitivity runs start every run through it).

Every run starts from the model's own values (``resetToOrigin``), so runs never leak into each
other: running scenario A and then B gives exactly what B alone gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidInputError, SimulationError, SteadyStateError
from .model import Model, species_selection
from .provenance import provenance
from .scenario import Scenario, check_scenario

DEFAULT_RTOL = 1e-8
DEFAULT_ATOL = 1e-12
#: relative size of the largest rate of change accepted as a steady state
STEADY_STATE_TOLERANCE = 1e-9
#: how long (s) to integrate before retrying the steady-state solver
STEADY_STATE_PRESIMULATION = 1e7


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
    t_end = _end_time(t_end, scenario)
    if n_points < 2:
        raise InvalidInputError(f"n_points must be at least 2, got {n_points}")
    ids = _outputs(model, outputs)
    times = np.linspace(0.0, t_end, n_points)
    runner = start_run(model, scenario, rtol=rtol, atol=atol)
    runner.timeCourseSelections = ["time"] + [_selection(model, sid) for sid in ids]
    data = integrate_time_course(runner, model, scenario, times)
    table = pd.DataFrame(data[:, 1:], index=pd.Index(times, name="time"), columns=ids)
    table.attrs.update(_attrs(model, scenario, ids, rtol=rtol, atol=atol))
    return table


def steady_state(model: Model, scenario: Scenario | None = None, *,
                 outputs: list[str] | None = None) -> pd.Series:
    """Find the steady state of the condition a scenario ends in.

    The scenario's pre-equilibration is irrelevant here; its ``changes`` and then every phase's
    changes are applied to the model's initial values, and the state is driven to steady state.

    Returns:
        A Series indexed by output id (defaults: all species and readouts), with provenance in
        ``.attrs``.

    Raises:
        SteadyStateError: when no steady state is found (message names scenario and parameters).
    """
    ids = _outputs(model, outputs)
    if scenario is not None:
        check_scenario(scenario, model)
    runner = start_steady_state(model, scenario.final_changes() if scenario else {})
    solve_steady_state(runner, scenario)
    values = pd.Series([runner[_selection(model, sid)] for sid in ids], index=ids, dtype=float)
    values.attrs.update(_attrs(model, scenario, ids, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL))
    return values


def start_run(model: Model, scenario: Scenario | None, *, rtol: float | None, atol: float | None,
              sample: Callable[[Any], None] | None = None) -> Any:
    """Reset the time-course runner to the model's own values, let ``sample`` set its values
    (the ensemble engine sets parameters by index here), then apply the scenario's start: its
    pre-equilibration (solved on the steady-state runner, whose state is then copied over) and
    its time-0 changes. Returns the time-course runner. Tolerances of ``None`` are left as they
    are (the ensemble worker sets them once per chunk)."""
    runner = _reset(model.runner, sample, rtol=rtol, atol=atol)
    if scenario is None:
        return runner
    check_scenario(scenario, model)
    if scenario.preequilibration is None:
        _apply(runner, model, scenario.changes, initial=True)
        return runner
    _apply(runner, model, scenario.preequilibration, initial=True)
    if scenario.preequilibration_time is not None:
        # integrate over [-T, 0] so that time (and event state) runs on continuously into the run
        _integrate(runner, np.array([-scenario.preequilibration_time, 0.0]), scenario)
        _apply(runner, model, scenario.changes, initial=False)
        return runner
    steady = start_steady_state(model, scenario.preequilibration, sample=sample)
    solve_steady_state(steady, scenario)
    ids = steady.model.getFloatingSpeciesIds()
    order = np.array([ids.index(sid) for sid in runner.model.getFloatingSpeciesIds()], dtype=np.intp)
    amounts = np.asarray(steady.model.getFloatingSpeciesAmounts(), dtype=float)[order]
    runner.model.setFloatingSpeciesAmounts(np.arange(order.size, dtype=np.int32), amounts)
    for sid in runner.getRateRuleIds():  # states that are not species (e.g. a membrane potential)
        runner[sid] = steady[sid]
    _apply(runner, model, scenario.changes, initial=False)
    return runner


def start_steady_state(model: Model, changes: dict[str, float], *,
                       sample: Callable[[Any], None] | None = None) -> Any:
    """Reset the steady-state runner, let ``sample`` set its values, apply ``changes`` as
    initial values; returns the runner, ready for :func:`solve_steady_state`."""
    steady = _reset(model.steady_runner, sample, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL)
    _apply(steady, model, changes, initial=True)
    return steady


def _reset(runner: Any, sample: Callable[[Any], None] | None, *, rtol: float | None,
           atol: float | None) -> Any:
    runner.resetToOrigin()
    if sample is not None:
        sample(runner)
    runner.reset()
    if rtol is not None:
        runner.integrator.relative_tolerance = rtol
    if atol is not None:
        set_absolute_tolerance(runner, atol)
    return runner


def set_absolute_tolerance(runner: Any, atol: float) -> None:
    """Give every state the same absolute tolerance. A scalar is rescaled by libroadrunner by
    each state's current value at every ``simulate`` call (libroadrunner issue 1349), so states
    near zero got tolerances near 1e-47 and CVODE failed after abrupt changes (insulin steps)."""
    species = (len(runner.getIndependentFloatingSpeciesIds()) if runner.conservedMoietyAnalysis
               else runner.model.getNumFloatingSpecies())
    size = species + runner.model.getNumRateRules()
    runner.integrator.setValue("absolute_tolerance", [float(atol)] * size)


def integrate_time_course(runner: Any, model: Model, scenario: Scenario | None,
                          times: np.ndarray) -> np.ndarray:
    """Integrate from a started run through the scenario's phases; one row per time in
    ``times`` (which starts at 0), columns as ``runner.timeCourseSelections``. At a phase start
    the row holds the state just before the phase's changes."""
    t_end = float(times[-1])
    phases = [p for p in (scenario.phases if scenario else ()) if p.start < t_end]
    if not phases:
        return _integrate(runner, times, scenario)
    bounds = [0.0] + [p.start for p in phases] + [t_end]
    blocks = []
    for index, (t0, t1) in enumerate(zip(bounds[:-1], bounds[1:])):
        if index > 0:
            _apply(runner, model, phases[index - 1].changes, initial=False)
        inside = times[((times > t0) | (index == 0)) & (times <= t1)]
        grid = np.unique(np.concatenate([[t0], inside, [t1]]))
        data = _integrate(runner, grid, scenario)
        blocks.append(data[np.isin(grid, inside)])
    return np.vstack(blocks)


def _apply(runner: Any, model: Model, changes: dict[str, float], *, initial: bool) -> None:
    """Set values. ``initial`` sets initial values and re-evaluates the initial assignments
    (so bound forms follow a changed free Mg2+ or ligand total); species that have an initial
    assignment of their own are set after it.

    Initial values of floating species are set by index: libroadrunner's ``init(...)`` string
    setter is ~10^4 times slower and changes the values ``resetToOrigin`` returns to.
    """
    late = {}
    floating = runner.model.getFloatingSpeciesIds() if initial else []
    for target, value in changes.items():
        selection = _selection(model, target)
        if initial and target in model.assigned_species:
            late[selection] = value
        elif initial and target in floating:
            index = np.array([floating.index(target)], dtype=np.int32)
            if target in model.amount_species:
                runner.model.setFloatingSpeciesInitAmounts(index, np.array([value], dtype=float))
            else:
                runner.model.setFloatingSpeciesInitConcentrations(index, np.array([value], dtype=float))
        else:
            runner[selection] = value
    if initial and changes:
        runner.reset()
        for selection, value in late.items():
            runner[selection] = value


def _integrate(runner: Any, grid: np.ndarray, scenario: Scenario | None) -> np.ndarray:
    """Integrate over ``grid``. An evenly spaced grid goes through libroadrunner's
    (start, end, points) path, ~20 % faster on the composite model than an explicit list of
    times, which stops the integrator at every output time."""
    try:
        if grid.size == 2 or (grid.size > 2 and _evenly_spaced(grid)):
            result = runner.simulate(float(grid[0]), float(grid[-1]), int(grid.size))
        else:
            result = runner.simulate(times=grid.tolist())
    except RuntimeError as error:
        raise SimulationError(f"integration failed between t={grid[0]:g} s and t={grid[-1]:g} s: "
                              f"{_first_line(error)}", scenario=_name(scenario),
                              parameters=_changed(scenario)) from error
    data = np.asarray(result, dtype=float)
    if not np.all(np.isfinite(data)):
        raise SimulationError(f"non-finite values between t={grid[0]:g} s and t={grid[-1]:g} s",
                              scenario=_name(scenario), parameters=_changed(scenario))
    return data


def _evenly_spaced(grid: np.ndarray) -> bool:
    step = (grid[-1] - grid[0]) / (grid.size - 1)
    return bool(np.max(np.abs(np.diff(grid) - step)) <= 1e-12 * max(abs(grid[-1]), abs(step)))


def solve_steady_state(runner: Any, scenario: Scenario | None) -> None:
    """Newton solve; if that fails or does not give a true steady state, integrate long from
    the starting state (not from Newton's last iterate) and check, then polish with Newton."""
    start = np.asarray(runner.model.getFloatingSpeciesAmounts(), dtype=float)
    rate_states = {sid: runner[sid] for sid in runner.getRateRuleIds()}
    reason = "the state still changes after the Newton solve"
    for attempt in range(2):
        if attempt:
            runner.model.setFloatingSpeciesAmounts(np.arange(start.size, dtype=np.int32), start)
            for sid, value in rate_states.items():
                runner[sid] = value
            try:
                time = runner.model.getTime()
                runner.simulate(time, time + STEADY_STATE_PRESIMULATION, 2)
            except RuntimeError as error:
                reason = f"integration towards it failed: {_first_line(error)}"
                break
            if _is_steady(runner):
                return
        try:
            runner.steadyState()
        except RuntimeError as error:
            reason = _first_line(error)
            continue
        if _is_steady(runner):
            return
        reason = "the state still changes after the Newton solve"
    raise SteadyStateError(f"no steady state found ({reason})", scenario=_name(scenario),
                           parameters=_changed(scenario))


def _is_steady(runner: Any) -> bool:
    """True when every independent state changes by less than the tolerance, relatively, per s."""
    named = runner.getRatesOfChangeNamedArray()
    rates = np.asarray(named, dtype=float).ravel()
    states = np.array([runner[name.rstrip("'")] for name in named.colnames], dtype=float)
    species = np.asarray(runner.model.getFloatingSpeciesAmounts(), dtype=float)
    if not (np.all(np.isfinite(rates)) and np.all(species > -1e-12)):  # rate-rule states may be negative
        return False
    scale = np.maximum(np.abs(states), 1e-9)
    return bool(np.max(np.abs(rates) / scale, initial=0.0) < STEADY_STATE_TOLERANCE)


def _outputs(model: Model, outputs: list[str] | None) -> list[str]:
    if outputs is None:
        return list(model.species + model.readouts)
    ids = list(outputs)
    model.check_ids(ids)
    return ids


def _selection(model: Model, sid: str) -> str:
    return species_selection(sid, model.amount_species) if sid in model.species else sid


def _end_time(t_end: float | None, scenario: Scenario | None) -> float:
    if t_end is None:
        t_end = scenario.duration if scenario is not None else None
    if t_end is None or not math.isfinite(t_end) or t_end <= 0:
        raise InvalidInputError(f"t_end must be a positive number of seconds (or the scenario must set a duration), got {t_end!r}")
    return float(t_end)


def _attrs(model: Model, scenario: Scenario | None, ids: list[str], *, rtol: float, atol: float) -> dict:
    attrs = provenance(model, scenario)
    attrs.update({"tolerances": {"rtol": rtol, "atol": atol},
                  "units": {"time": "second", **{sid: model.units.get(sid, "") for sid in ids}}})
    return attrs


def _name(scenario: Scenario | None) -> str | None:
    return scenario.name if scenario else None


def _changed(scenario: Scenario | None) -> dict[str, float]:
    return dict(scenario.all_changes()) if scenario else {}


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
