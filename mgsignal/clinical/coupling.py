"""Body to cell: plasma ionized Mg²⁺ of the body model drives the extracellular Mg²⁺ of a cell model.

The two layers run on time scales six to nine orders of magnitude apart (the neuron's membrane
in milliseconds, the cell's Mg pool in hours, bone in months), and the coupling runs one way: a
single modelled cell (2 pL, ~10⁻³ fmol/s of Mg²⁺ turnover) moves no measurable amount of the
body's ~1000 mmol, whose soft-tissue pool already stands for all cells. So the body scenario is
simulated first, and its plasma ionized Mg becomes a time-varying input of the cell model:

1. :func:`plasma_drive` samples the body's plasma ionized Mg on a fine grid (points at most
   ``max_step``, one hour, apart, and at least 4001 of them) and cuts it into intervals over
   which it stays within ``rel_tol`` (0.1 %) of its mean; each interval carries the interval's
   time-averaged value (trapezoid rule), so the cell receives the same Mg²⁺ dose as from the
   continuous trace.
2. :func:`drive_scenario` turns that into a cell scenario: pre-equilibrated at the body's
   initial plasma ionized Mg (simulated for ``preequilibration_time``), then one phase per
   interval setting ``Mg_e``.

Why this and not one model. ``tests/clinical/test_coupling.py`` compares the drive with the fully
coupled model (body and transport model in one SBML, the cell's ``Mg_e`` an assignment rule of
plasma ionized Mg) on dietary deprivation, the loop diuretic, the Zuspan MgSO₄ regimen and the
Mg-free diet (10 months).
Measured (2 shared cores): cytosolic free and total Mg agree within 1.2·10⁻⁴ and 1.6·10⁻⁵
(relative; under 1 % of the change each scenario causes), matrix free Mg within 7·10⁻⁵; a cell
that follows plasma at once (the neuron's NMDA block) sees interval averages, within 0.3 %. The
fully coupled model is faster per run once compiled (4-110 ms against 0.03-2 s per cell model:
each interval restarts the integrator; stiff integration copes with the ms-to-months span), but it has to be
built and compiled (1-3 s) for every pair of body and cell model, and the composite build cannot
merge the body (litres, mmol) with the cells (picolitres, fmol). The drive keeps every model as it
is, feeds all cell models (and any user module) from one body run, and the main job
(``mgsignal run``: four scenarios, three cell models, an insulin probe per output time) takes ~10 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model
from ..provenance import provenance
from ..scenario import Phase, Scenario

__all__ = ["DEFAULT_MAX_STEP", "DEFAULT_REL_TOL", "PLASMA_IONIZED", "PlasmaDrive", "drive_model", "drive_scenario",
           "plasma_drive"]

#: the body model's readout that sets the cells' extracellular free Mg2+
PLASMA_IONIZED = "plasma_Mg_ionized"
#: largest relative deviation of plasma ionized Mg from an interval's mean (0.1 %)
DEFAULT_REL_TOL = 1e-3
#: longest spacing (s) of the fine grid on which plasma Mg is sampled
DEFAULT_MAX_STEP = 3600.0
#: fewest points of that grid (so short infusion scenarios are sampled every minute or so)
MIN_FINE_POINTS = 4001
#: how long (s, ~3 years) a driven cell is simulated at the initial plasma Mg before time 0
DEFAULT_PREEQUILIBRATION_TIME = 1e8


@dataclass(frozen=True)
class PlasmaDrive:
    """Plasma ionized Mg²⁺ of one body run as a piecewise-constant input.

    Attributes:
        scenario: name of the body scenario it came from.
        initial: plasma ionized Mg²⁺ at time 0 (mM): the value the cell is pre-equilibrated at.
        starts: start of each interval (s; the first is 0).
        values: time-averaged plasma ionized Mg²⁺ over each interval (mM).
        duration: end of the last interval (s).
    """

    scenario: str
    initial: float
    starts: tuple[float, ...]
    values: tuple[float, ...]
    duration: float

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.values) or not self.starts or self.starts[0] != 0.0:
            raise InvalidInputError("a drive needs as many values as interval starts, the first at 0 s")
        if any(b <= a for a, b in zip(self.starts, self.starts[1:])) or self.starts[-1] >= self.duration:
            raise InvalidInputError("interval starts must increase and lie before the drive's duration")
        if not all(np.isfinite(v) and v >= 0 for v in (self.initial, *self.values)):
            raise InvalidInputError(f"plasma Mg values must be finite and >= 0 (drive of {self.scenario!r})")

    def to_frame(self) -> pd.DataFrame:
        """The intervals as a table: ``start`` (s), ``end`` (s), ``Mg_e`` (mM)."""
        ends = list(self.starts[1:]) + [self.duration]
        return pd.DataFrame({"start": self.starts, "end": ends, "Mg_e": self.values})


def plasma_drive(body: Model, scenario: Scenario, *, rel_tol: float = DEFAULT_REL_TOL,
                 max_step: float = DEFAULT_MAX_STEP, output: str = PLASMA_IONIZED) -> PlasmaDrive:
    """Simulate a body scenario and cut its plasma ionized Mg²⁺ into intervals (see the module).

    Args:
        body: the body model (or any model with ``output``).
        scenario: a body scenario with a duration.
        rel_tol: largest relative deviation of plasma Mg from an interval's mean.
        max_step: spacing (s) of the fine sampling grid, at most.
        output: the id read as plasma ionized Mg²⁺ (mM).

    Raises:
        InvalidInputError: the scenario has no duration, or a tolerance is not positive.
    """
    from ..simulation import simulate

    if scenario.duration is None:
        raise InvalidInputError(f"scenario {scenario.name!r} has no duration; a drive needs one")
    if not rel_tol > 0 or not max_step > 0:
        raise InvalidInputError(f"rel_tol and max_step must be > 0, got {rel_tol!r} and {max_step!r}")
    n_points = int(max(MIN_FINE_POINTS, np.ceil(scenario.duration / max_step) + 1))
    run = simulate(body, scenario, n_points=n_points, outputs=[output])
    times, values = run.index.to_numpy(dtype=float), run[output].to_numpy(dtype=float)
    starts, means = _intervals(times, values, rel_tol=rel_tol)
    return PlasmaDrive(scenario=scenario.name, initial=float(values[0]), starts=tuple(starts), values=tuple(means),
                       duration=float(times[-1]))


def _intervals(times: np.ndarray, values: np.ndarray, *, rel_tol: float) -> tuple[list[float], list[float]]:
    """Greedy cut of a sampled trace into intervals whose values stay within ``rel_tol`` of
    their mid-range; each interval's value is its time average."""
    starts, means = [], []
    first, last = 0, len(times) - 1
    while first < last:
        low = high = values[first]
        end = first + 1
        while end <= last:
            low, high = min(low, values[end]), max(high, values[end])
            if high - low > 2 * rel_tol * max(abs(high), 1e-12):
                break
            end += 1
        end = max(end - 1, first + 1)
        span_t, span_v = times[first:end + 1], values[first:end + 1]
        starts.append(float(times[first]))
        means.append(float(np.sum((span_v[1:] + span_v[:-1]) * np.diff(span_t)) / 2 / (span_t[-1] - span_t[0])))
        first = end
    return starts, means


def drive_scenario(drive: PlasmaDrive, *, name: str | None = None, target: str = "Mg_e",
                   conditions: Mapping[str, float] | None = None,
                   preequilibration_time: float = DEFAULT_PREEQUILIBRATION_TIME) -> Scenario:
    """The cell scenario of a drive: ``conditions`` and ``target`` = the drive's initial value,
    simulated for ``preequilibration_time``; then ``target`` follows the drive's intervals.

    Args:
        drive: from :func:`plasma_drive`.
        name: scenario name (default: the body scenario's name with ``" (cell)"``).
        target: the cell model's extracellular free Mg²⁺ (mM).
        conditions: fixed changes of the cell model for the whole run (e.g. ambient glutamate).
        preequilibration_time: simulated pre-equilibration (s).
    """
    conditions = dict(conditions or {})
    if target in conditions:
        raise InvalidInputError(f"conditions may not set {target!r}: the drive sets it")
    phases = tuple(Phase(start=start, changes={target: value})
                   for start, value in zip(drive.starts[1:], drive.values[1:]))
    return Scenario(name=name or f"{drive.scenario} (cell)",
                    description=f"extracellular free Mg2+ following plasma ionized Mg of {drive.scenario!r}",
                    preequilibration={**conditions, target: drive.initial}, preequilibration_time=preequilibration_time,
                    changes={target: drive.values[0]}, phases=phases, duration=drive.duration)


def drive_model(model: Model, drive: PlasmaDrive, *, outputs: list[str], n_points: int = 121,
                target: str = "Mg_e", conditions: Mapping[str, float] | None = None,
                preequilibration_time: float = DEFAULT_PREEQUILIBRATION_TIME) -> pd.DataFrame:
    """Simulate a cell model with its extracellular Mg²⁺ following a drive.

    Runs :func:`drive_scenario`'s scenario with its time axis shifted: the pre-equilibration is
    integrated forward from time 0 and the drive starts at ``preequilibration_time``, instead of
    integrating over [-T, 0]. The two are the same run, but CVODE warns ("t + h = t") when a
    model with sub-nanosecond steps (the cAMP module) starts at t = -10⁸ s, where those steps
    are below the resolution of t.

    Returns:
        A DataFrame with a ``time`` index (s, ``n_points`` evenly spaced over the drive) and one
        column per output; ``.attrs``: provenance (with the unshifted scenario), ``units`` and
        ``drive`` (body scenario, number of intervals, target).
    """
    from ..simulation import DEFAULT_ATOL, DEFAULT_RTOL, Simulator

    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise InvalidInputError(f"n_points must be an integer of at least 2, got {n_points!r}")
    model.check_ids(list(outputs))
    scenario = drive_scenario(drive, target=target, conditions=conditions, preequilibration_time=preequilibration_time)
    settle = float(preequilibration_time)
    shifted = Scenario(name=scenario.name, changes=dict(scenario.preequilibration or {}),
                       phases=(Phase(start=settle, changes=dict(scenario.changes)),)
                       + tuple(Phase(start=settle + phase.start, changes=phase.changes) for phase in scenario.phases),
                       duration=settle + drive.duration)
    times = np.linspace(0.0, drive.duration, n_points)
    simulator = Simulator.of(model)
    simulator.set_tolerances(rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL)
    data = simulator.time_course(shifted, np.concatenate([[0.0], settle + times]), list(outputs))[1:]
    table = pd.DataFrame(data, index=pd.Index(times, name="time"), columns=list(outputs))
    table.attrs.update(provenance(model, scenario))
    table.attrs["units"] = {"time": "second", **{sid: model.units.get(sid, "") for sid in outputs}}
    table.attrs["drive"] = {"scenario": drive.scenario, "intervals": len(drive.starts), "target": target}
    return table
