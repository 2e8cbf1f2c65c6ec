"""The simulator: the one object that drives libroadrunner for a model.

A :class:`Simulator` owns a model's compiled runners (the full and the reduced system for time
courses, one for steady states; compiled on first use or loaded from saved state) and offers every operation the package
needs: start a run (reset to the model's own values, set a row of values by index, apply a
scenario's pre-equilibration and time-0 changes), integrate through a scenario's phases, find a
steady state, read initial values, save compiled code. Everything above it sees numpy arrays.

Every run starts from the model's own values (``resetToOrigin``), so runs never leak into each
other: running scenario A and then B gives exactly what B alone gives.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import roadrunner

from ..errors import InvalidInputError, SimulationError, SteadyStateError
from ..model import Model
from ..scenario import Scenario, check_scenario
from .rows import Row, RowSetter
from .runner import (
    KINDS,
    compile_runner,
    event_targets,
    has_conserved_pools,
    load_runner,
    set_tolerances,
)

DEFAULT_RTOL = 1e-8
DEFAULT_ATOL = 1e-12
#: relative size of the largest rate of change accepted as a steady state
STEADY_STATE_TOLERANCE = 1e-9
#: how long (s) to integrate before retrying the steady-state solver
STEADY_STATE_PRESIMULATION = 1e7
#: how long (s) a model with events (which Newton cannot handle) is simulated to settle (~3 years);
#: the exported SED-ML pre-equilibrates for as long
SETTLE_TIME = 1e8


class Simulator:
    """Runs of one model. Not shared between processes: each process makes its own.

    Args:
        model: the model to run.
        compiled: ``kind -> bytes`` of :meth:`saved_state` made for the same SBML by the same
            libroadrunner build on the same kind of machine; those runners are loaded (~0.03 s)
            instead of compiled (~0.7 s for the composite model).
    """

    def __init__(self, model: Model, *, compiled: Mapping[str, bytes] | None = None):
        self.model = model
        self._compiled = dict(compiled or {})
        self._runners: dict[str, Any] = {}
        self._saved: dict[str, bytes] = {}
        self._tolerances: dict[str, tuple[float, float]] = {}
        self._selections: dict[str, tuple[str, ...]] = {}
        # kind -> the row setter of the last run when that run changed nothing but the states and
        # that setter's columns (see _reset); absent when the runner may hold other changes
        self._restorable: dict[str, RowSetter | None] = {}
        self._grids: dict[bytes, bool] = {}  # output grid -> evenly spaced (see _evenly_spaced)
        self._course_tolerances = (DEFAULT_RTOL, DEFAULT_ATOL)
        self._reducible: bool | None = None  # see course_kind
        self._setter_kinds: dict[int, tuple[RowSetter, str]] = {}
        self._origins: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}  # see _event_parameters

    @classmethod
    def of(cls, model: Model) -> Simulator:
        """The model's own simulator in this process, made on first use and kept in the
        model's cache, so that every call of :func:`mgsignal.simulation` reuses compiled code."""
        simulator = model._cache.get("simulator")
        if simulator is None:
            simulator = model._cache["simulator"] = cls(model)
        return simulator

    # ------------------------------------------------------------------ compiled code

    def _runner(self, kind: str) -> Any:
        if kind not in self._runners:
            state = self._compiled.pop(kind, None)
            self._runners[kind] = load_runner(state) if state is not None else compile_runner(self.model.sbml, kind)
        return self._runners[kind]

    def saved_state(self, kind: str = "time_course") -> bytes:
        """A freshly compiled runner of ``kind`` (one of :data:`~mgsignal.simulation.runner.KINDS`) as
        libroadrunner saved-state bytes: compiled machine code plus the model's own values, never
        a run's. Only valid under the same libroadrunner build on the same kind of machine
        (:func:`mgsignal.simulation.runner.host_fingerprint`). Made once per simulator."""
        if kind not in KINDS:
            raise InvalidInputError(f"kind must be one of {KINDS}, got {kind!r}")
        if kind not in self._saved:
            self._saved[kind] = compile_runner(self.model.sbml, kind).saveStateS()
        return self._saved[kind]

    def rows(self, columns: Sequence[str]) -> RowSetter:
        """A setter for rows of values of ``columns`` (settable ids), checked against the
        time-course runner now, so that an id that cannot be set fails before any run."""
        setter = RowSetter(self.model, columns)
        setter.resolve(self._runner("time_course"))
        return setter

    def set_tolerances(self, *, rtol: float, atol: float) -> None:
        """Integrator tolerances of time courses (kept until changed)."""
        self._course_tolerances = (rtol, atol)

    def course_kind(self, scenario: Scenario | None, *, columns: Sequence[str] = ()) -> str:
        """The runner that integrates a time course of ``scenario`` with rows of ``columns``:
        ``"reduced"`` (only the independent species; ~30 % faster on the composite model, equal
        to ~1e-8) when the model has conserved pools, no event assigns a species, the scenario
        has no pre-equilibration, no phase after time 0 sets a floating species, and nothing
        sets a compartment size; ``"time_course"`` otherwise. Values set at time 0 (rows,
        changes) are initial values, from which the pools are recomputed at the start."""
        model = self.model
        later = {t for phase in (scenario.phases if scenario else ()) for t in phase.changes}
        starts = set(columns) | set(scenario.changes if scenario else ())
        floating = set(model.species) - set(model.boundary_species)
        if ((scenario is not None and scenario.preequilibration is not None) or later & floating
                or (starts | later) & set(model.compartments) or not self._reducible_model()):
            return "time_course"
        return "reduced"

    def _course_kind(self, scenario: Scenario | None, row: Row | None) -> str:
        """:meth:`course_kind`, remembered per row setter for runs without a scenario (an
        ensemble's rows: the check costs 3 % of a transport-model run)."""
        if scenario is not None or row is None:
            return self.course_kind(scenario, columns=row.setter.columns if row is not None else ())
        known = self._setter_kinds.get(id(row.setter))
        if known is None or known[0] is not row.setter:
            kind = self.course_kind(None, columns=row.setter.columns)
            known = self._setter_kinds[id(row.setter)] = (row.setter, kind)
        return known[1]

    def _reducible_model(self) -> bool:
        """True when the model has conserved pools that the reduced runner integrates as such
        (see :func:`~mgsignal.simulation.runner.use_moiety_analysis`) and no event sets a species."""
        # the pools first: a model without any never compiles a reduced runner
        if self._reducible is None:
            self._reducible = bool(has_conserved_pools(self._runner("time_course"))
                                   and not self._event_targets & set(self.model.species)
                                   and self._runner("reduced").conservedMoietyAnalysis)
        return self._reducible

    def _tolerate(self, kind: str, rtol: float, atol: float) -> None:
        if self._tolerances.get(kind) != (rtol, atol):
            set_tolerances(self._runner(kind), rtol=rtol, atol=atol)
            self._tolerances[kind] = (rtol, atol)

    # ------------------------------------------------------------------ runs

    def time_course(self, scenario: Scenario | None, times: np.ndarray, outputs: Sequence[str], *,
                    row: Row | None = None) -> np.ndarray:
        """Values of ``outputs`` (columns) at ``times`` (rows; from 0, increasing) of one run:
        the row is set, then the scenario's pre-equilibration, time-0 changes and phases apply.
        At a phase start the row holds the state just before the phase's changes."""
        kind = self._course_kind(scenario, row)
        try:
            return self._course(scenario, times, outputs, row, kind)
        except SimulationError:
            if kind != "reduced":
                raise
            # CVODE can fail on the reduced system where the full one does not (tolerances near
            # round-off of the pools' totals): the full runner is the reference
            return self._course(scenario, times, outputs, row, "time_course")

    def _course(self, scenario: Scenario | None, times: np.ndarray, outputs: Sequence[str], row: Row | None,
                kind: str) -> np.ndarray:
        runner = self._start(scenario, row, kind)
        self._select(runner, kind, ("time",) + tuple(self.selection(o) for o in outputs))
        return self._integrate_phases(runner, scenario, np.asarray(times, dtype=float))[:, 1:]

    def start(self, scenario: Scenario | None, *, row: Row | None = None) -> Any:
        """Reset the runner of :meth:`course_kind` to the model's own values, set ``row``, then
        apply the scenario's start: its pre-equilibration (solved on the steady-state runner, whose
        state is then copied over, or simulated for ``preequilibration_time``) and its time-0
        changes. Returns the runner."""
        return self._start(scenario, row, self._course_kind(scenario, row))

    def _start(self, scenario: Scenario | None, row: Row | None, kind: str) -> Any:
        runner = self._reset(kind, row)
        if scenario is None:
            return runner
        self._restorable.clear()
        check_scenario(scenario, self.model)
        if scenario.preequilibration is None:
            self._apply(runner, scenario.changes, initial=True)
            return runner
        self._apply(runner, scenario.preequilibration, initial=True)
        settle = scenario.preequilibration_time
        if settle is None and self.model.events:
            settle = SETTLE_TIME  # Newton cannot handle events: pre-equilibrate by simulation
        if settle is not None:
            # integrate over [0, T], then the run starts again at time 0 from that state (a run
            # over [-T, 0] made CVODE warn "t + h = t": its first steps are too small for |t| ~ T)
            self._integrate(runner, np.array([0.0, settle]), scenario)
            runner.model.setTime(0.0)
            self._apply(runner, scenario.changes, initial=False)
            return runner
        steady = self._solved_steady_state(scenario.preequilibration, scenario, row)
        ids = steady.model.getFloatingSpeciesIds()
        order = np.array([ids.index(sid) for sid in runner.model.getFloatingSpeciesIds()], dtype=np.intp)
        amounts = np.asarray(steady.model.getFloatingSpeciesAmounts(), dtype=float)[order]
        runner.model.setFloatingSpeciesAmounts(np.arange(order.size, dtype=np.int32), amounts)
        for sid in runner.getRateRuleIds():  # states that are not species (e.g. a membrane potential)
            runner[sid] = steady[sid]
        self._apply(runner, scenario.changes, initial=False)
        return runner

    def steady_state(self, scenario: Scenario | None, outputs: Sequence[str], *,
                     row: Row | None = None) -> np.ndarray:
        """Values of ``outputs`` at the steady state of the scenario's final condition (its
        changes, then every phase's, applied to the model's initial values after ``row``)."""
        if scenario is not None:
            check_scenario(scenario, self.model)
        runner = self._solved_steady_state(scenario.final_changes() if scenario else {}, scenario, row)
        return np.array([runner[self.selection(o)] for o in outputs], dtype=float)

    def initial_values(self, ids: Sequence[str]) -> dict[str, float]:
        """The model's own values at time 0 of settable ids."""
        self.model.check_ids(list(ids), settable=True)
        runner = self._reset("time_course", None)
        return {sid: float(runner[self.selection(sid)]) for sid in ids}

    def selection(self, sid: str) -> str:
        """libroadrunner's name of an output: ``[id]`` (concentration) for species that are not
        amount-only, the id itself otherwise."""
        if sid in self.model.species and sid not in self.model.amount_species:
            return f"[{sid}]"
        return sid

    def steady_runner(self, scenario: Scenario | None) -> Any:
        """The steady-state runner at the steady state of the scenario's final condition (for
        :mod:`mgsignal.simulation.linearize`)."""
        return self._solved_steady_state(scenario.final_changes() if scenario else {}, scenario, None)

    # ------------------------------------------------------------------ internals

    def _reset(self, kind: str, row: Row | None) -> Any:
        """The runner of ``kind`` at the model's own values with ``row`` set.

        ``resetToOrigin`` (17 us on the transport model, 0.1 ms on the composite: 2-4 % of a
        run) is skipped when the runner's last run was a plain time course with the same row
        columns: such a run changes only the states (which ``reset`` restores), the values the
        new row overwrites and the parameters events assign (set back to their origin values
        here); a model whose events assign anything else is always reset to its origin. The
        result is bit-identical (tested)."""
        runner = self._runner(kind)
        setter = row.setter if row is not None else None
        restore = self._event_parameters(kind, runner)
        if kind not in self._restorable or self._restorable[kind] is not setter:
            runner.resetToOrigin()
        elif restore is not None and restore[0].size:
            runner.model.setGlobalParameterValues(*restore)
        if row is not None:
            row.apply(runner)
        runner.reset()
        self._restorable.pop(kind, None)
        if kind != "steady" and restore is not None:
            self._restorable[kind] = setter  # until a change is applied (see _apply)
        self._tolerate(kind, *((DEFAULT_RTOL, DEFAULT_ATOL) if kind == "steady" else self._course_tolerances))
        return runner

    @functools.cached_property
    def _event_targets(self) -> frozenset[str]:
        """Ids the model's events assign (read from the SBML once)."""
        return event_targets(self.model.sbml) if self.model.events else frozenset()

    def _event_parameters(self, kind: str, runner: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """(indices, origin values) of the global parameters the model's events assign, read
        from the runner of ``kind`` once at its origin; None when an event assigns anything else."""
        if kind not in self._origins:
            targets = self._event_targets
            names = list(runner.model.getGlobalParameterIds())
            if targets - set(names):
                self._origins[kind] = None
            else:
                runner.resetToOrigin()
                index = np.array([names.index(t) for t in sorted(targets)], dtype=np.int32)
                values = np.asarray(runner.model.getGlobalParameterValues(), dtype=float)[index]
                self._origins[kind] = (index, values)
        return self._origins[kind]

    def _select(self, runner: Any, kind: str, selections: tuple[str, ...]) -> None:
        if self._selections.get(kind) != selections:
            runner.timeCourseSelections = list(selections)
            self._selections[kind] = selections

    def _apply(self, runner: Any, changes: Mapping[str, float], *, initial: bool) -> None:
        """Set values. ``initial`` sets initial values and re-evaluates the initial assignments
        (so bound forms follow a changed free Mg2+ or ligand total); species that have an initial
        assignment of their own are set after it.

        Initial values of floating species are set by index: libroadrunner's ``init(...)`` string
        setter is ~10^4 times slower and changes the values ``resetToOrigin`` returns to.
        """
        model = self.model
        if changes:
            self._restorable.clear()
        late = {}
        floating = runner.model.getFloatingSpeciesIds() if initial else []
        for target, value in changes.items():
            value = float(value)  # libroadrunner's setters take Python floats only (not np.int64)
            selection = self.selection(target)
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

    def _integrate_phases(self, runner: Any, scenario: Scenario | None, times: np.ndarray) -> np.ndarray:
        t_end = float(times[-1])
        phases = [p for p in (scenario.phases if scenario else ()) if p.start < t_end]
        if not phases:
            return self._integrate(runner, times, scenario)
        bounds = [0.0] + [p.start for p in phases] + [t_end]
        for bound in bounds[1:-1]:  # an output time a rounding error off a phase start is on it
            times = np.where(np.abs(times - bound) <= 1e-12 * max(abs(bound), 1.0), bound, times)
        blocks = []
        for index, (t0, t1) in enumerate(zip(bounds[:-1], bounds[1:])):
            if index > 0:
                self._apply(runner, phases[index - 1].changes, initial=False)
            inside = times[((times > t0) | (index == 0)) & (times <= t1)]
            grid = np.unique(np.concatenate([[t0], inside, [t1]]))
            data = self._integrate(runner, grid, scenario)
            blocks.append(data[np.isin(grid, inside)])
        return np.vstack(blocks)

    def _integrate(self, runner: Any, grid: np.ndarray, scenario: Scenario | None) -> np.ndarray:
        """Integrate over ``grid``. An evenly spaced grid goes through libroadrunner's
        (start, end, points) path, ~20 % faster on the composite model than an explicit list of
        times, which stops the integrator at every output time."""
        try:
            if grid.size == 2 or (grid.size > 2 and self._evenly_spaced(grid)):
                result = _simulate_evenly(runner, float(grid[0]), float(grid[-1]), int(grid.size))
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

    def _evenly_spaced(self, grid: np.ndarray) -> bool:
        """:func:`_evenly_spaced`, remembered per grid (an ensemble integrates the same grid
        for every row; the check costs 1 % of a transport-model run)."""
        key = grid.tobytes()
        even = self._grids.get(key)
        if even is None:
            if len(self._grids) >= 64:
                self._grids.clear()
            even = self._grids[key] = _evenly_spaced(grid)
        return even

    def _solved_steady_state(self, changes: Mapping[str, float], scenario: Scenario | None,
                             row: Row | None) -> Any:
        """The steady-state runner reset, given ``row`` and ``changes`` as initial values, and
        driven to steady state: Newton first; if that fails or does not give a true steady state,
        integrate long from the starting state (not from Newton's last iterate), then polish
        with Newton."""
        reason = "the state still changes after the Newton solve"
        for attempt in range(2):
            if attempt:
                # a failed Newton solve leaves libroadrunner's absolute tolerances of the rate-rule
                # states corrupted (216 and 28 instead of 1e-12, kept through resets): set them again
                self._tolerances.pop("steady", None)
            runner = self._reset("steady", row)  # the second attempt starts afresh, not from Newton's iterate
            self._apply(runner, changes, initial=True)
            if attempt:
                try:
                    time = runner.model.getTime()
                    runner.simulate(time, time + STEADY_STATE_PRESIMULATION, 2)
                except RuntimeError as error:
                    reason = f"integration towards it failed: {_first_line(error)}"
                    break
                if _is_steady(runner):
                    return runner
            try:
                runner.steadyState()
            except RuntimeError as error:
                reason = _first_line(error)
                continue
            if _is_steady(runner):
                return runner
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


def _simulate_evenly(runner: Any, start: float, end: float, points: int) -> Any:
    """``runner.simulate(start, end, points)``, bit-identical, without libroadrunner's Python
    wrapper around its C++ ``simulate`` (argument checks, integrator look-ups and settings: ~20 us
    per call, 5 % of a transport-model run in an ensemble)."""
    options = roadrunner.SimulateOptions()
    options.start, options.duration, options.steps = start, end - start, points - 1
    return runner._simulate(options)


def _evenly_spaced(grid: np.ndarray) -> bool:
    step = (grid[-1] - grid[0]) / (grid.size - 1)
    return bool(np.max(np.abs(np.diff(grid) - step)) <= 1e-12 * max(abs(grid[-1]), abs(step)))


def _name(scenario: Scenario | None) -> str | None:
    return scenario.name if scenario else None


def _changed(scenario: Scenario | None) -> dict[str, float]:
    return dict(scenario.all_changes()) if scenario else {}


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
