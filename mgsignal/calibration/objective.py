"""The calibration objective: experiments simulated with the package's simulator, compared with
their published numbers.

For a vector ``x`` of estimated parameters (on their scales, see :mod:`.parameters`) every
experiment is simulated run by run (:meth:`~.experiments.Experiment.runs`: pre-equilibration,
then the protocol's phases) with :class:`mgsignal.simulation.Simulator`, the values are set by
index (:class:`~mgsignal.simulation.Row`), and each measurement is predicted through its
observation function (:mod:`.observables`; scales and offsets in closed form per experiment).

The residuals are ``(prediction - measurement) / sd`` for every measurement, then
``(x_i - mean_i) / sd_i`` for every parameter with a prior; the objective is the negative
log-likelihood (log-posterior with priors) up to a constant, ``0.5 * sum(residuals**2)``.
A run the simulator cannot finish contributes :data:`FAILED_RESIDUAL` per measurement, so an
optimiser is pushed away from parameters that break the model instead of stopping.

Pre-equilibration is simulated (:data:`PREEQUILIBRATION_TIME`), not solved: the transport model
has conserved pools and a rate rule (the slow uptake adaptation), for which the Newton solver
fails at every call (~0.2 s each) before the simulator falls back to integration anyway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, SimulationError
from ..model import Model
from ..simulation import DEFAULT_ATOL, DEFAULT_RTOL, Row, Simulator
from .experiments import Experiment
from .observables import compile_observable, fit_observation_parameters, outputs_of, parameter_values
from .parameters import EstimatedParameter

#: how long (s) every run is pre-equilibrated (~116 days; the slowest process, the loss of Mg
#: in Mg-free medium, takes days); the tests check that the state is then steady
PREEQUILIBRATION_TIME = 1e7
#: residual of each measurement of a run that failed (contributes 1e4 to chi2 per measurement)
FAILED_RESIDUAL = 100.0
#: columns of a prediction table, in order
COLUMNS = ("experiment", "split", "observableId", "protocolId", "time", "measurement", "sd", "simulation",
           "observationParameter", "residual", "error")


class CalibrationObjective:
    """Residuals and negative log-likelihood of ``experiments`` as functions of the estimated
    ``parameters`` (one process; pickled copies compile their own simulator).

    Args:
        model: the model the experiments are written for.
        experiments: the experiments whose residuals make the objective (e.g. the train split).
        parameters: the estimated parameters (their order is the order of ``x``).
        rtol, atol: integrator tolerances.
        preequilibration_time: how long each run is pre-equilibrated (s).

    Raises:
        UnknownIdError: a condition target or an observable's symbol is not in the model.
        InvalidInputError: an experiment is written for another model, an observable cannot be
            compiled, or a model value lies outside its parameter's bounds.
    """

    def __init__(self, model: Model, experiments: Sequence[Experiment], parameters: Sequence[EstimatedParameter], *,
                 rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
                 preequilibration_time: float = PREEQUILIBRATION_TIME):
        if not experiments:
            raise InvalidInputError("give at least one experiment")
        for experiment in experiments:
            if experiment.model != model.name:
                raise InvalidInputError(f"experiment {experiment.id!r} is written for model {experiment.model!r}, "
                                        f"not {model.name!r}")
        self.model = model
        self.experiments = tuple(experiments)
        self.parameters = tuple(parameters)
        self.rtol, self.atol = float(rtol), float(atol)
        self.preequilibration_time = float(preequilibration_time)
        self._plans = {e.id: _Plan(model, e, self.preequilibration_time) for e in self.experiments}
        model.check_ids(list(self.ids), settable=True)
        self._simulator: Simulator | None = None
        self._last: tuple[bytes, np.ndarray] | None = None
        self.n_evaluations = 0

    # ------------------------------------------------------------------ parameters

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of the estimated parameters, in the order of ``x``."""
        return tuple(p.id for p in self.parameters)

    @property
    def lower(self) -> np.ndarray:
        """Lower bounds on the parameter scales."""
        return np.array([p.to_scale(p.lower) for p in self.parameters])

    @property
    def upper(self) -> np.ndarray:
        """Upper bounds on the parameter scales."""
        return np.array([p.to_scale(p.upper) for p in self.parameters])

    def nominal(self) -> np.ndarray:
        """The model's own values on the parameter scales (checked against the bounds)."""
        values = self.simulator.initial_values(list(self.ids))
        for p in self.parameters:
            if not p.lower <= values[p.id] <= p.upper:
                raise InvalidInputError(f"{p.id} = {values[p.id]:g} in model {self.model.name!r} lies outside its "
                                        f"bounds [{p.lower:g}, {p.upper:g}]")
        return np.array([p.to_scale(values[p.id]) for p in self.parameters])

    def values(self, x: Sequence[float]) -> dict[str, float]:
        """Parameter id -> linear value of ``x`` (on the parameter scales)."""
        x = np.asarray(x, dtype=float)
        if x.shape != (len(self.parameters),):
            raise InvalidInputError(f"x must have {len(self.parameters)} values ({', '.join(self.ids)}), got shape {x.shape}")
        return {p.id: p.to_linear(v) for p, v in zip(self.parameters, x)}

    # ------------------------------------------------------------------ objective

    def residuals(self, x: Sequence[float]) -> np.ndarray:
        """Residuals of every measurement (experiment order, then measurement order), then of
        every prior. Repeated calls at the same ``x`` reuse the last result."""
        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1].copy()
        table = self.predict(x)
        priors = [(v - p.prior[0]) / p.prior[1] for p, v in zip(self.parameters, x) if p.prior is not None]
        result = np.concatenate([table["residual"].to_numpy(dtype=float), np.asarray(priors, dtype=float)])
        self._last = (key, result)
        return result.copy()

    def __call__(self, x: Sequence[float]) -> float:
        """Negative log-likelihood (with priors: log-posterior) up to a constant: half the sum of
        squared residuals."""
        return 0.5 * float(np.sum(self.residuals(x) ** 2))

    def predict(self, x: Sequence[float] | None = None, *, experiments: Sequence[Experiment] | None = None
                ) -> pd.DataFrame:
        """Simulate experiments at ``x`` (default: the model's own values) and compare.

        Args:
            experiments: other experiments to predict with the same parameters (e.g. the
                held-out split); default: the objective's own.

        Returns:
            One row per measurement with :data:`COLUMNS`: the measurement and its SD, the
            simulation through the observation function, the observation parameter used, the
            residual, and ``error`` (why a run failed, else empty).
        """
        row = self._row(self.nominal() if x is None else x)
        self.n_evaluations += 1
        return pd.concat([self._plan(e).predict(self.simulator, row)
                          for e in (experiments if experiments is not None else self.experiments)], ignore_index=True)

    def _plan(self, experiment: Experiment) -> _Plan:
        if experiment.model != self.model.name:
            raise InvalidInputError(f"experiment {experiment.id!r} is written for model {experiment.model!r}, "
                                    f"not {self.model.name!r}")
        plan = self._plans.get(experiment.id)
        if plan is None or plan.experiment is not experiment:
            plan = self._plans[experiment.id] = _Plan(self.model, experiment, self.preequilibration_time)
        return plan

    def curves(self, x: Sequence[float] | None = None, *, experiments: Sequence[Experiment] | None = None,
               n_points: int = 200) -> pd.DataFrame:
        """Each experiment's observables along its runs on a fine time grid (``n_points`` from 0
        to the run's last measurement, plus the measurement times), through the observation
        functions with the observation parameters fitted to its measurements (for figures).

        Returns:
            Columns ``experiment``, ``protocolId``, ``observableId``, ``time`` (s), ``simulation``.

        Raises:
            SimulationError: a run fails.
        """
        x = self.nominal() if x is None else np.asarray(x, dtype=float)
        row = self._row(x)
        frames = []
        for experiment in experiments if experiments is not None else self.experiments:
            plan = self._plan(experiment)
            frames.append(plan.curves(self.simulator, row, plan.predict(self.simulator, row), int(n_points)))
        return pd.concat(frames, ignore_index=True)

    @property
    def simulator(self) -> Simulator:
        """This process's simulator (compiled on first use)."""
        if self._simulator is None:
            self._simulator = Simulator(self.model)
            self._simulator.set_tolerances(rtol=self.rtol, atol=self.atol)
        return self._simulator

    def _row(self, x: Sequence[float]) -> Row:
        values = self.values(x)
        return Row(self.simulator.rows(list(self.ids)), np.array([values[i] for i in self.ids], dtype=float))

    def __getstate__(self) -> dict[str, Any]:  # compiled code stays in its process
        state = dict(self.__dict__)
        state["_simulator"], state["_last"] = None, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __deepcopy__(self, memo: dict) -> CalibrationObjective:
        """pyPESTO copies its objective: a copy shares the model and experiments (plain data)
        and compiles its own simulator when first used."""
        other = self.__class__.__new__(self.__class__)
        other.__setstate__(self.__getstate__())
        return other


class _Plan:
    """How to simulate one experiment: its runs, the outputs they need, its observables."""

    def __init__(self, model: Model, experiment: Experiment, preequilibration_time: float):
        self.experiment = experiment
        self.preequilibration_time = preequilibration_time
        self.runs = experiment.runs(preequilibration_time=preequilibration_time)
        self.observables = {oid: compile_observable(o) for oid, o in experiment.observables.items()}
        targets = sorted({t for c in experiment.conditions.values() for t in c})
        model.check_ids(targets, settable=True)
        self.outputs = outputs_of(list(self.observables.values()))
        model.check_ids(self.outputs)

    def __getstate__(self) -> dict[str, Any]:  # compiled formulas are rebuilt, not pickled
        state = dict(self.__dict__)
        del state["observables"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.observables = {oid: compile_observable(o) for oid, o in self.experiment.observables.items()}

    def predict(self, simulator: Simulator, row: Row) -> pd.DataFrame:
        table = self.experiment.measurements
        state = pd.DataFrame(np.nan, index=table.index, columns=self.outputs)
        errors = pd.Series("", index=table.index, dtype=object)
        for run in self.runs:
            times = table.loc[list(run.rows), "time"].to_numpy(dtype=float)
            grid = np.unique(np.concatenate([[0.0], times]))
            if grid.size == 1:  # only the pre-equilibrated state: the integrator still needs an interval
                grid = np.array([0.0, 1.0])
            try:
                data = simulator.time_course(run.scenario, grid, self.outputs, row=row)
            except SimulationError as error:
                errors.loc[list(run.rows)] = str(error).splitlines()[0]
                continue
            state.loc[list(run.rows), :] = data[np.searchsorted(grid, times)]
        intercept = np.full(len(table), np.nan)
        slope = np.full(len(table), np.nan)
        ok = (errors == "").to_numpy()
        for oid, compiled in self.observables.items():
            mine = ((table["observableId"] == oid).to_numpy()) & ok
            if mine.any():
                a, b = compiled.terms(state.loc[mine, list(compiled.outputs)])
                intercept[mine], slope[mine] = a, b
        rows = table.assign(intercept=intercept, slope=slope)
        fitted = fit_observation_parameters(rows[ok], self.experiment.observation_parameters)
        parameter = parameter_values(rows, fitted)
        simulation = intercept + slope * parameter
        residual = (simulation - table["measurement"].to_numpy(float)) / table["noiseParameters"].to_numpy(float)
        failed = ~ok | ~np.isfinite(residual)
        residual = np.where(failed, FAILED_RESIDUAL, residual)
        errors[failed & ok] = "prediction is not finite"
        return pd.DataFrame({
            "experiment": self.experiment.id, "split": self.experiment.split,
            "observableId": table["observableId"].to_numpy(), "protocolId": table["protocolId"].to_numpy(),
            "time": table["time"].to_numpy(float), "measurement": table["measurement"].to_numpy(float),
            "sd": table["noiseParameters"].to_numpy(float), "simulation": simulation,
            "observationParameter": np.where(table["observableParameters"].to_numpy() != "", parameter, math.nan),
            "residual": residual, "error": errors.to_numpy()}, columns=list(COLUMNS))

    def curves(self, simulator: Simulator, row: Row, predicted: pd.DataFrame, n_points: int) -> pd.DataFrame:
        """Observables on a fine grid of each run, with the observation parameters of ``predicted``
        (this experiment's rows of :meth:`predict`, in measurement order)."""
        table = self.experiment.measurements
        frames = []
        for run in self.runs:
            rows = list(run.rows)
            times = table.loc[rows, "time"].to_numpy(dtype=float)
            grid = np.unique(np.concatenate([np.linspace(0.0, max(times.max(), 1.0), n_points), times]))
            state = pd.DataFrame(simulator.time_course(run.scenario, grid, self.outputs, row=row), columns=self.outputs)
            for oid in dict.fromkeys(table.loc[rows, "observableId"]):
                first = next(i for i in rows if table.at[i, "observableId"] == oid)
                parameter = predicted["observationParameter"].iloc[first]
                a, b = self.observables[oid].terms(state[list(self.observables[oid].outputs)])
                frames.append(pd.DataFrame({"experiment": self.experiment.id, "protocolId": run.protocol,
                                            "observableId": oid, "time": grid,
                                            "simulation": a + b * (0.0 if math.isnan(parameter) else parameter)}))
        return pd.concat(frames, ignore_index=True)
