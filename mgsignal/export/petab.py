"""PEtab (version 1) problems: scenarios and measurements out, and back in to run them here.

A PEtab v1 condition is a set of changes applied at time 0, with an optional pre-equilibration
condition driven to steady state first: exactly a mgsignal scenario without phases. Scenarios
with phases (time-dependent changes) cannot be written in PEtab v1 and are refused (export
them as SED-ML/OMEX instead). Observables are model outputs (``obs_<id> = <id>``) with a normal
noise model whose standard deviation is given per measurement (``noiseParameters``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import petab.v1 as petab

from ..ensemble import default_values
from ..errors import InvalidInputError
from ..model import Model, model_from_sbml
from ..scenario import Scenario
from ..simulation import simulate, steady_state

OBSERVABLE_PREFIX = "obs_"


def write_petab(model: Model, scenarios: Sequence[Scenario], folder: str | Path, *,
                measurements: pd.DataFrame | None = None, outputs: Sequence[str] | None = None,
                times: Sequence[float] | None = None, relative_noise: float = 0.05,
                estimate: Sequence[str] = ()) -> Path:
    """Write a PEtab v1 problem; returns the path of its YAML file.

    Args:
        scenarios: scenarios without phases (one PEtab condition each, plus a pre-equilibration
            condition when the scenario has one).
        measurements: columns ``scenario``, ``output``, ``time`` (s), ``value`` and ``sd``;
            default: the model's own simulation of every scenario at ``times`` (a template to
            replace by data), with ``sd`` = ``relative_noise`` x |value| (at least 1e-12).
        outputs: observed ids when ``measurements`` is not given (default: the scenarios'
            outputs, else the model's readouts).
        times: measurement times when ``measurements`` is not given (default: 11 times over the
            scenario's duration).
        estimate: parameter ids marked for estimation (bounds: value / 10 .. value x 10, log10).
    """
    for scenario in scenarios:
        if scenario.phases:
            raise InvalidInputError(f"scenario {scenario.name!r} has phases: PEtab v1 conditions apply at time 0 "
                                    "only; export it as SED-ML/OMEX (mgsignal export omex)")
    if not scenarios:
        raise InvalidInputError("give at least one scenario")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if measurements is None:
        measurements = simulated_measurements(model, scenarios, outputs=outputs, times=times,
                                              relative_noise=relative_noise)
    conditions = _conditions(scenarios)
    observed = sorted(set(measurements["output"]))
    model.check_ids(observed)
    observables = pd.DataFrame({petab.OBSERVABLE_ID: [OBSERVABLE_PREFIX + o for o in observed],
                                petab.OBSERVABLE_FORMULA: observed,
                                petab.NOISE_FORMULA: [f"noiseParameter1_{OBSERVABLE_PREFIX}{o}" for o in observed]})
    by_name = {s.name: s for s in scenarios}
    table = pd.DataFrame({
        petab.OBSERVABLE_ID: OBSERVABLE_PREFIX + measurements["output"].astype(str),
        petab.PREEQUILIBRATION_CONDITION_ID: [f"{n}__preequilibration" if by_name[n].preequilibration is not None else ""
                                              for n in measurements["scenario"]],
        petab.SIMULATION_CONDITION_ID: measurements["scenario"].astype(str),
        petab.TIME: measurements["time"].astype(float),
        petab.MEASUREMENT: measurements["value"].astype(float),
        petab.NOISE_PARAMETERS: measurements["sd"].astype(float)})
    parameters = _parameters(model, estimate)
    sbml_name = f"{model.name}.xml"
    (folder / sbml_name).write_text(model.sbml, encoding="utf-8")
    petab.write_condition_df(conditions, folder / "conditions.tsv")
    petab.write_measurement_df(table, folder / "measurements.tsv")
    petab.write_observable_df(observables, folder / "observables.tsv")
    petab.write_parameter_df(parameters, folder / "parameters.tsv")
    yaml = folder / "problem.yaml"
    yaml.write_text(
        "format_version: 1\nparameter_file: parameters.tsv\nproblems:\n"
        f"- sbml_files: [{sbml_name}]\n  condition_files: [conditions.tsv]\n"
        "  measurement_files: [measurements.tsv]\n  observable_files: [observables.tsv]\n", encoding="utf-8")
    return yaml


def simulated_measurements(model: Model, scenarios: Sequence[Scenario], *, outputs: Sequence[str] | None = None,
                           times: Sequence[float] | None = None, relative_noise: float = 0.05) -> pd.DataFrame:
    """The model's own values as a measurement table (``scenario, output, time, value, sd``)."""
    rows = []
    for scenario in scenarios:
        ids = list(outputs or scenario.outputs or model.readouts)
        grid = np.asarray(times if times is not None else np.linspace(0.0, scenario.duration or 3600.0, 11))
        table = simulate(model, scenario, t_end=float(grid[-1]), n_points=len(grid), outputs=ids)
        table.index = grid  # the requested times (simulate spaces them evenly)
        for output in ids:
            for time, value in table[output].items():
                rows.append({"scenario": scenario.name, "output": output, "time": float(time), "value": float(value),
                             "sd": max(relative_noise * abs(float(value)), 1e-12)})
    return pd.DataFrame(rows)


def lint(yaml: str | Path) -> bool:
    """True when the PEtab linter finds no error in the problem."""
    problem = petab.Problem.from_yaml(str(yaml))
    return not petab.lint_problem(problem)


def read_petab(yaml: str | Path) -> tuple[Model, list[Scenario], pd.DataFrame]:
    """A PEtab v1 problem as a model, one scenario per (pre-equilibration, simulation)
    condition pair, and its measurements (``scenario, output, time, value, sd``)."""
    problem = petab.Problem.from_yaml(str(yaml))
    if problem.model is None or problem.model.type_id != "sbml":
        raise InvalidInputError(f"{yaml}: mgsignal runs PEtab problems whose model is SBML")
    model = model_from_sbml(problem.model.to_sbml_str(), name=Path(yaml).parent.name, source=Path(yaml))
    conditions = problem.condition_df
    observables = problem.observable_df
    formulas = observables[petab.OBSERVABLE_FORMULA].to_dict()
    table = problem.measurement_df.fillna({petab.PREEQUILIBRATION_CONDITION_ID: ""})
    scenarios, rows = {}, []
    for (pre, sim), part in table.groupby([petab.PREEQUILIBRATION_CONDITION_ID, petab.SIMULATION_CONDITION_ID],
                                          sort=False):
        name = sim if not pre else f"{pre}->{sim}"
        scenarios[name] = Scenario(
            name=name, changes=_row(conditions, sim), duration=float(part[petab.TIME].max()) or None,
            preequilibration=_row(conditions, pre) if pre else None)
        for _, m in part.iterrows():
            formula = formulas[m[petab.OBSERVABLE_ID]]
            model.check_ids([formula])  # observables must be plain model ids here
            noise = m.get(petab.NOISE_PARAMETERS, np.nan)
            rows.append({"scenario": name, "output": formula, "time": float(m[petab.TIME]),
                         "value": float(m[petab.MEASUREMENT]), "sd": float(noise) if noise == noise else np.nan})
    return model, list(scenarios.values()), pd.DataFrame(rows)


def simulate_measurements(model: Model, scenarios: Sequence[Scenario], measurements: pd.DataFrame) -> pd.DataFrame:
    """``measurements`` with a ``simulation`` column: the model's value at each measured time
    (pre-equilibration by steady state, as PEtab prescribes; time 0 of a steady-state-only
    measurement is the steady state)."""
    by_name = {s.name: s for s in scenarios}
    result = measurements.copy()
    result["simulation"] = np.nan
    for name, part in measurements.groupby("scenario", sort=False):
        scenario = by_name[name]
        outputs = sorted(set(part["output"]))
        if np.isinf(part["time"]).any():
            state = steady_state(model, scenario, outputs=outputs)
            result.loc[part.index[np.isinf(part["time"])], "simulation"] = [state[o] for o in part.loc[np.isinf(part["time"]), "output"]]
        finite = part[np.isfinite(part["time"])]
        if len(finite):
            times = np.unique(finite["time"].to_numpy())
            grid = np.union1d(np.linspace(0.0, times[-1], 2), times)
            table = _on_grid(model, scenario, grid, outputs)
            result.loc[finite.index, "simulation"] = [table.loc[t, o] for t, o in zip(finite["time"], finite["output"])]
    return result


def _on_grid(model: Model, scenario: Scenario, grid: np.ndarray, outputs: list[str]) -> pd.DataFrame:
    """Values at arbitrary times: an evenly spaced grid fine enough to hold them all, when it
    exists; otherwise one run per time."""
    end = float(grid[-1]) if grid[-1] > 0 else 1.0
    step = np.gcd.reduce(np.round(grid * 1e6).astype(np.int64)) / 1e6 if grid.size > 1 else end
    n_points = int(round(end / step)) + 1 if step > 0 else 2
    if 2 <= n_points <= 100_001:
        table = simulate(model, scenario, t_end=end, n_points=n_points, outputs=outputs)
        table.index = np.round(table.index.to_numpy() / step) * step
        return table.reindex(grid, method="nearest")
    rows = {t: simulate(model, scenario, t_end=max(t, 1e-9), n_points=2, outputs=outputs).iloc[-1] for t in grid}
    return pd.DataFrame(rows).T


def _conditions(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    rows = {}
    for scenario in scenarios:
        rows[scenario.name] = dict(scenario.changes)
        if scenario.preequilibration is not None:
            rows[f"{scenario.name}__preequilibration"] = dict(scenario.preequilibration)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = petab.CONDITION_ID
    if table.shape[1] == 0:  # PEtab wants at least one condition column
        table["placeholder_no_change"] = np.nan
    return table


def _parameters(model: Model, estimate: Sequence[str]) -> pd.DataFrame:
    model.check_ids(list(estimate), settable=True)
    values = default_values(model, list(estimate) or [model.parameters[0]])
    rows = []
    for pid in estimate:
        value = values[pid]
        rows.append({petab.PARAMETER_ID: pid, petab.PARAMETER_SCALE: petab.LOG10, petab.LOWER_BOUND: value / 10,
                     petab.UPPER_BOUND: value * 10, petab.NOMINAL_VALUE: value, petab.ESTIMATE: 1})
    if not rows:  # a parameter table needs a row: the first model parameter, fixed
        pid = model.parameters[0]
        value = values[pid]
        rows.append({petab.PARAMETER_ID: pid, petab.PARAMETER_SCALE: petab.LIN, petab.LOWER_BOUND: value,
                     petab.UPPER_BOUND: value, petab.NOMINAL_VALUE: value, petab.ESTIMATE: 0})
    return pd.DataFrame(rows).set_index(petab.PARAMETER_ID)


def _row(conditions: pd.DataFrame, condition: str) -> dict[str, float]:
    if condition not in conditions.index:
        raise InvalidInputError(f"condition {condition!r} is not in the condition table")
    row = conditions.loc[condition].drop(labels=[c for c in (petab.CONDITION_NAME,) if c in conditions.columns])
    return {k: float(v) for k, v in row.items() if isinstance(v, (int, float, np.number)) and v == v
            and k != "placeholder_no_change"}
