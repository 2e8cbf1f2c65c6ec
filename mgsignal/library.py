"""The scenario library: describe, compare and plot the built-in scenarios (and scenario files).

::

    from mgsignal.library import clinical, compare, describe, plot_comparison
    describe("body_thiazide")                           # plain data: model, changes, phases, ...
    table = compare(["body_loop_diuretic", "body_thiazide"])
    table.attrs["end"]                                  # wide: scenario x output, end values
    clinical(table)                                     # adds rows in mg/dL, mmol/L, mg/day, %
    plot_comparison(table).savefig("compare.png")

``compare`` runs each scenario over its own duration and returns a tidy (long) table with
columns ``scenario, time, output, value, unit`` (time in seconds, units as the model writes them,
e.g. ``mM``, ``mmol_per_day``, ``percent``). It works on scenarios of one model at a time: the
body layer is not yet coupled to the cell models, so scenarios of different models are refused.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .errors import InvalidInputError
from .model import Model, load_model
from .scenario import Scenario, load_scenario

__all__ = ["CLINICAL_UNITS", "ClinicalUnit", "clinical", "compare", "describe", "end_table", "plot_comparison",
           "scenario_model"]

#: the model a scenario runs on when it names none (as in ``mgsignal run``)
DEFAULT_MODEL = "mg_transport"
#: simulated length of a scenario that sets no duration (as in ``mgsignal run``), s
DEFAULT_DURATION = 12 * 3600.0
#: molar mass of Mg, g/mol (IUPAC standard atomic weight of magnesium, 24.305)
MOLAR_MASS_MG = 24.305
_MOLAR_MASS_SOURCE = "molar mass of Mg 24.305 g/mol (IUPAC standard atomic weight of magnesium)"


@dataclass(frozen=True)
class ClinicalUnit:
    """One conversion of a model readout to a unit clinical laboratories report:
    ``value in unit = factor x value in the model's unit``."""

    output: str
    model_unit: str
    unit: str
    factor: float
    source: str


#: readouts of the body model that have clinical units, with the conversion and its source
CLINICAL_UNITS: tuple[ClinicalUnit, ...] = (
    ClinicalUnit("plasma_Mg_total", "mM", "mmol/L", 1.0, "definition: 1 mM = 1 mmol/L"),
    ClinicalUnit("plasma_Mg_total", "mM", "mg/dL", MOLAR_MASS_MG / 10,
                 f"1 mmol/L x 24.305 mg/mmol = 24.305 mg/L = 2.4305 mg/dL; {_MOLAR_MASS_SOURCE}"),
    ClinicalUnit("plasma_Mg_ionized", "mM", "mmol/L", 1.0, "definition: 1 mM = 1 mmol/L"),
    ClinicalUnit("plasma_Mg_ionized", "mM", "mg/dL", MOLAR_MASS_MG / 10,
                 f"1 mmol/L x 24.305 mg/mmol = 24.305 mg/L = 2.4305 mg/dL; {_MOLAR_MASS_SOURCE}"),
    ClinicalUnit("urinary_Mg_excretion", "mmol_per_day", "mg/day", MOLAR_MASS_MG,
                 f"1 mmol/d x 24.305 mg/mmol = 24.305 mg/day; {_MOLAR_MASS_SOURCE}"),
    ClinicalUnit("FEMg", "percent", "%", 1.0, "fractional excretion of Mg, already in percent"),
)

#: time units of the figures: (seconds per unit, unit), largest first
_TIME_UNITS = ((86400.0, "d"), (3600.0, "h"), (60.0, "min"), (1.0, "s"))
_TIME_WORDS = {"d": "days", "h": "h", "min": "min", "s": "s"}
#: model unit ids an axis shows in clinical form
_UNIT_DISPLAY = {"percent": "%", "mmol_per_day": "mmol/day"}


def scenario_model(scenario: Scenario) -> str:
    """The model a scenario runs on: its own ``model``, else the transport model."""
    return scenario.model or DEFAULT_MODEL


def describe(name: str) -> dict[str, Any]:
    """A scenario as plain data: name, model, description, source, duration (s), changes at
    time 0, phases (``[{"start": s, "changes": {...}}]``), outputs (the scenario's own; empty
    means the model's readouts), and its pre-equilibration.

    Raises:
        UnknownIdError: no such built-in scenario (with near matches).
    """
    scenario = load_scenario(name)
    return {"name": scenario.name, "model": scenario_model(scenario), "description": scenario.description,
            "source": scenario.source, "duration": scenario.duration, "changes": dict(scenario.changes),
            "phases": [{"start": phase.start, "changes": dict(phase.changes)} for phase in scenario.phases],
            "outputs": list(scenario.outputs),
            "preequilibration": None if scenario.preequilibration is None else dict(scenario.preequilibration),
            "preequilibration_time": scenario.preequilibration_time}


def compare(names: Sequence[str | Scenario], *, outputs: Sequence[str] | None = None,
            n_points: int = 121, model: Model | None = None) -> pd.DataFrame:
    """Run scenarios of one model and return their readouts over time, as a tidy table.

    Args:
        names: built-in scenario names, scenario files or :class:`Scenario` objects; all for the
            same model.
        outputs: ids to report; default: the union of the scenarios' ``outputs``, else the
            model's readouts.
        n_points: output times per scenario, evenly spaced over its own duration (scenarios
            without a duration run 12 h).
        model: the model, when already loaded (else it is built from the scenarios' model name).

    Returns:
        A long DataFrame with columns ``scenario, time, output, value, unit`` (time in s, units
        as the model writes them). ``.attrs``: ``model``, ``scenarios``, ``outputs``, ``units``
        and ``names`` (output id -> unit, display name) and ``end``, a wide table (scenario x
        output) of the values at each scenario's end.

    Raises:
        InvalidInputError: no scenario, a scenario named twice, or scenarios of different models.
        UnknownIdError: an unknown scenario or output (with near matches).
    """
    from .simulation import simulate

    if isinstance(names, (str, Scenario)):
        names = [names]
    scenarios = [load_scenario(name) for name in names]
    if not scenarios:
        raise InvalidInputError("compare needs at least one scenario")
    seen = [s.name for s in scenarios]
    repeated = sorted({name for name in seen if seen.count(name) > 1})
    if repeated:
        raise InvalidInputError(f"scenario {repeated[0]!r} is named twice; compare each scenario once")
    models = {s.name: scenario_model(s) for s in scenarios}
    if len(set(models.values())) > 1:
        first = scenarios[0]
        other = next(s for s in scenarios if models[s.name] != models[first.name])
        raise InvalidInputError(
            f"compare works on scenarios of one model at a time: {first.name!r} is for model "
            f"{models[first.name]!r}, {other.name!r} for model {models[other.name]!r} (the body model is not "
            f"yet coupled to the cell models)")
    model_name = models[first_name := scenarios[0].name]
    if model is None:
        model = load_model(model_name)
    elif model.name != model_name:
        raise InvalidInputError(f"scenario {first_name!r} is for model {model_name!r}, not {model.name!r}")
    if outputs is None:
        outputs = list(dict.fromkeys(o for s in scenarios for o in s.outputs)) or list(model.readouts)
    else:
        outputs = list(dict.fromkeys(outputs))
        if not outputs:
            raise InvalidInputError("outputs is empty; give ids, or None for the scenarios' outputs")
    model.check_ids(outputs)
    units = {sid: model.units.get(sid, "") for sid in outputs}
    parts, ends = [], {}
    for scenario in scenarios:
        duration = scenario.duration or DEFAULT_DURATION
        run = simulate(model, scenario, t_end=duration, n_points=n_points, outputs=outputs)
        values = run.to_numpy(dtype=float)
        times = run.index.to_numpy(dtype=float)
        parts.append(pd.DataFrame({"scenario": scenario.name, "time": np.repeat(times, len(outputs)),
                                   "output": np.tile(outputs, len(times)), "value": values.ravel(),
                                   "unit": np.tile([units[sid] for sid in outputs], len(times))}))
        ends[scenario.name] = values[-1]
    table = pd.concat(parts, ignore_index=True)
    end = pd.DataFrame.from_dict(ends, orient="index", columns=outputs)
    end.index.name, end.columns.name = "scenario", "output"
    table.attrs.update({"model": model.name, "scenarios": [s.name for s in scenarios], "outputs": outputs,
                        "units": units, "names": {sid: model.names.get(sid, sid) for sid in outputs},
                        "end": end})
    return table


def clinical(table: pd.DataFrame) -> pd.DataFrame:
    """Add, to a table from :func:`compare`, rows in clinical units for the outputs that have
    them (:data:`CLINICAL_UNITS`: plasma total and ionized Mg in mmol/L and mg/dL, urinary Mg in
    mg/day, FEMg in %). The model's rows stay; each added row has the same scenario, time and
    output, the converted value and the clinical unit. ``.attrs["end"]`` becomes the end values
    of every row, with columns (output, unit); ``.attrs["conversions"]`` lists the conversions
    used, with their sources.

    Raises:
        InvalidInputError: ``table`` lacks the columns of a :func:`compare` table.
    """
    missing = {"scenario", "time", "output", "value", "unit"} - set(table.columns)
    if missing:
        raise InvalidInputError(f"clinical needs a table from compare(), with columns scenario, time, output, "
                                f"value, unit; missing: {sorted(missing)}")
    base = pd.DataFrame({column: table[column].to_numpy() for column in table.columns})  # without attrs
    added = []
    for conversion in CLINICAL_UNITS:
        rows = base[(base["output"] == conversion.output) & (base["unit"] == conversion.model_unit)]
        if not rows.empty:
            added.append(rows.assign(value=rows["value"] * conversion.factor, unit=conversion.unit))
    result = pd.concat([base, *added], ignore_index=True) if added else base
    used = [conversion for conversion in CLINICAL_UNITS
            if any(((part["output"] == conversion.output) & (part["unit"] == conversion.unit)).any() for part in added)]
    result.attrs.update({key: value for key, value in table.attrs.items() if key != "end"})
    result.attrs["end"] = end_table(result)
    result.attrs["conversions"] = [vars(conversion).copy() for conversion in used]
    return result


def end_table(table: pd.DataFrame) -> pd.DataFrame:
    """The value of every (output, unit) at each scenario's last time: scenario x (output, unit),
    in the order of the table."""
    last = table.groupby("scenario", sort=False)["time"].transform("max")
    rows = table[table["time"] == last]
    end = rows.pivot_table(index="scenario", columns=["output", "unit"], values="value", aggfunc="last", sort=False)
    end = end.reindex(index=list(dict.fromkeys(table["scenario"])),
                      columns=pd.MultiIndex.from_tuples(list(dict.fromkeys(zip(table["output"], table["unit"]))),
                                                        names=["output", "unit"]))
    end.attrs = {}
    return end


def plot_comparison(table: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                    title: str | None = None) -> Figure:
    """One panel per output (per output and unit, for a table from :func:`clinical`, leaving out
    units that only rename the model's, such as mmol/L for mM), one line per scenario; time in days, hours, minutes or seconds to suit the longest scenario; every
    axis labelled "quantity (unit)" from the model's names and units.

    Args:
        table: from :func:`compare` (or :func:`clinical`).
        names: display names (default: ``table.attrs["names"]``, else the model's names).
        title: figure title (default: the model name).
    """
    import matplotlib.pyplot as plt

    from .plotting import COLOURS, LINESTYLES, axis_label, place_legend, pretty, quantity_of, style

    if names is None:
        names = table.attrs.get("names")
        if names is None and table.attrs.get("model"):
            names = load_model(table.attrs["model"]).names
    names = names or {}
    panels = list(dict.fromkeys(zip(table["output"], table["unit"])))
    aliases = {(c.output, c.unit) for c in CLINICAL_UNITS if c.factor == 1 and (c.output, c.model_unit) in panels}
    order = list(dict.fromkeys(sid for sid, _ in panels))  # an output's panels together
    panels = sorted((panel for panel in panels if panel not in aliases), key=lambda panel: order.index(panel[0]))
    if not panels:
        raise InvalidInputError("the table has no rows to plot")
    scenarios = list(dict.fromkeys(table["scenario"]))
    scale, unit = next(((s, u) for s, u in _TIME_UNITS if float(table["time"].max()) >= 2 * s), (1.0, "s"))
    with style():
        figure, axes = plt.subplots(len(panels), 1, figsize=(7.5, 0.6 + 2.2 * len(panels)), sharex=True,
                                    squeeze=False, layout="constrained")
        for axis, (sid, sid_unit) in zip(axes[:, 0], panels):
            rows = table[(table["output"] == sid) & (table["unit"] == sid_unit)]
            for k, scenario in enumerate(scenarios):
                line = rows[rows["scenario"] == scenario]
                axis.plot(line["time"].to_numpy(dtype=float) / scale, line["value"].to_numpy(dtype=float),
                          label=scenario, color=COLOURS[k % len(COLOURS)], linestyle=LINESTYLES[k % len(LINESTYLES)])
            quantity = quantity_of([sid], names)
            axis.set_ylabel(textwrap.fill(axis_label(quantity, _UNIT_DISPLAY.get(sid_unit, sid_unit)), 30))
        if len(scenarios) > 1:
            place_legend(axes[0, 0], outside_above=len(scenarios))
        axes[-1, 0].set_xlabel(f"time ({_TIME_WORDS[unit]})")
        figure.suptitle(pretty(title or f"model {table.attrs.get('model', '')}".strip()))
    return figure
