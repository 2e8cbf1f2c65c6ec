"""Figures of a calibration: data against the model for every experiment (train and held-out
marked, before and after), parameters before and after with their intervals, profiles.

Every axis says what it shows and in which unit; the functions return the figure and never
show or save it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..plotting import axis_label, pretty, style
from .experiments import Experiment
from .report import CalibrationResult

#: colours of the two halves of the data
SPLIT_COLOURS = {"train": "#1f77b4", "held-out": "#d62728"}


def _time_unit(seconds: float) -> tuple[str, float]:
    """A readable time unit for a run lasting ``seconds``: (name, seconds per unit)."""
    if seconds <= 3 * 3600:
        return "min", 60.0
    if seconds <= 3 * 86400:
        return "h", 3600.0
    return "d", 86400.0


@style()
def plot_fits(experiments: Sequence[Experiment], predictions: pd.DataFrame, *, curves: pd.DataFrame,
              curves_before: pd.DataFrame | None = None, columns: int = 4) -> Figure:
    """One panel per (experiment, observable): measurements with their SD (error bars), the
    calibrated model (solid) and, when given, the model before calibration (dashed). Protocols
    measured at one time each are shown side by side (categories), others against time. The
    title says whether the experiment was fitted (train) or predicted (held-out).

    Args:
        predictions: the measurements (:meth:`~.objective.CalibrationObjective.predict` columns).
        curves, curves_before: :meth:`~.objective.CalibrationObjective.curves` after and before.
    """
    panels = [(e, oid) for e in experiments for oid in dict.fromkeys(e.measurements["observableId"])]
    resting = [p for p in panels if len(p[0].observables) > 1 and set(p[0].measurements["time"]) == {0.0}]
    panels = [p for p in panels if p not in resting] + ([resting[0]] if resting else [])
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.3 * rows), squeeze=False)
    for axis, (experiment, oid) in zip(axes.flat, panels):
        if (experiment, oid) in resting:
            _plot_resting(axis, experiment, predictions, curves_before)
        else:
            _plot_observable(axis, experiment, oid, predictions, curves, curves_before)
        colour = SPLIT_COLOURS[experiment.split]
        axis.set_title(f"{experiment.id}\n({experiment.split})", fontsize=9, color=colour)
        for spine in axis.spines.values():
            spine.set_edgecolor(colour)
    for axis in axes.flat[len(panels):]:
        axis.set_visible(False)
    figure.tight_layout()
    return figure


def _plot_observable(axis, experiment: Experiment, oid: str, predictions: pd.DataFrame, curves: pd.DataFrame,
                     before: pd.DataFrame | None) -> None:
    observable = experiment.observables[oid]
    data = predictions[(predictions["experiment"] == experiment.id) & (predictions["observableId"] == oid)]
    protocols = list(dict.fromkeys(data["protocolId"]))
    one_time_each = len(protocols) > 1 and all((data["protocolId"] == p).sum() == 1 for p in protocols)
    label = textwrap.fill(_label(observable.name or oid, observable.unit), 42)
    if one_time_each:
        positions = np.arange(len(protocols))
        ordered = data.set_index("protocolId").loc[protocols]
        axis.errorbar(positions, ordered["measurement"], yerr=ordered["sd"], fmt="o", color="black",
                      capsize=3, label="data (± SD)")
        axis.plot(positions, ordered["simulation"], "s", color="#2ca02c", label="model, calibrated")
        if before is not None:
            old = _values_at(before, experiment.id, oid, ordered)
            axis.plot(positions, old, "x", color="grey", label="model, before")
        axis.set_xticks(positions, protocols)
        axis.set_xlabel("protocol (see the experiment's conditions)")
    else:
        unit, scale = _time_unit(float(data["time"].max()))
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for k, protocol in enumerate(protocols):
            colour = colours[k % len(colours)]
            mine = data[data["protocolId"] == protocol]
            axis.errorbar(mine["time"] / scale, mine["measurement"], yerr=mine["sd"], fmt="o", color=colour,
                          capsize=3, label=f"{protocol}: data" if len(protocols) > 1 else "data (± SD)")
            curve = curves[(curves["experiment"] == experiment.id) & (curves["observableId"] == oid)
                           & (curves["protocolId"] == protocol)]
            axis.plot(curve["time"] / scale, curve["simulation"], "-", color=colour,
                      label="model, calibrated" if k == 0 else None)
            if before is not None:
                old = before[(before["experiment"] == experiment.id) & (before["observableId"] == oid)
                             & (before["protocolId"] == protocol)]
                axis.plot(old["time"] / scale, old["simulation"], "--", color=colour, alpha=0.6,
                          label="model, before" if k == 0 else None)
        axis.set_xlabel(f"time ({unit})")
    axis.set_ylabel(label, fontsize=8)
    axis.legend(fontsize=6, loc="best")


def _label(name: str, unit: str) -> str:
    """``"quantity (unit)"`` of an observable; ``"1 (relative to x)"`` reads "dimensionless,
    relative to x", and a name's own closing parenthesis gives way to the unit."""
    if unit.startswith("1 (") and unit.endswith(")"):
        unit = f"dimensionless, {unit[3:-1]}"
    elif unit == "1":
        unit = "dimensionless"
    if unit and name.endswith(")") and "(" in name:
        name = name[: name.rindex("(")].rstrip()
    return pretty(axis_label(name, unit))


def _values_at(curves: pd.DataFrame, experiment: str, oid: str, ordered: pd.DataFrame) -> list[float]:
    out = []
    for protocol, row in ordered.iterrows():
        mine = curves[(curves["experiment"] == experiment) & (curves["observableId"] == oid)
                      & (curves["protocolId"] == protocol)]
        out.append(float(np.interp(row["time"], mine["time"], mine["simulation"])))
    return out


def _plot_resting(axis, experiment: Experiment, predictions: pd.DataFrame, before: pd.DataFrame | None) -> None:
    data = predictions[predictions["experiment"] == experiment.id]
    positions = np.arange(len(data))
    axis.errorbar(positions, np.ones(len(data)), yerr=data["sd"] / data["measurement"], fmt="o", color="black",
                  capsize=3, label="data (± SD)")
    axis.plot(positions, data["simulation"] / data["measurement"], "s", color="#2ca02c", label="model, calibrated")
    if before is not None:
        old = [float(before[(before["experiment"] == experiment.id) & (before["observableId"] == oid)]["simulation"].iloc[0])
               for oid in data["observableId"]]
        axis.plot(positions, np.asarray(old) / data["measurement"].to_numpy(), "x", color="grey", label="model, before")
    names = {"mgc_rest": "free Mg²⁺", "mgtot_rest": "total Mg", "buffering_rest": "buffering\npower",
             "fraction_rest": "free share"}
    axis.set_xticks(positions, [names.get(o, o) for o in data["observableId"]])
    axis.set_xlabel("resting-state quantity")
    axis.set_ylabel("model / reported value (dimensionless)", fontsize=8)
    axis.legend(fontsize=6, loc="best")


@style()
def plot_parameters(result: CalibrationResult, *, units: Mapping[str, str] | None = None) -> Figure:
    """Each estimated parameter after calibration relative to its value before, with the 95 %
    profile interval (an open side drawn to the bound, dotted), on a log axis."""
    parameters = list(result.parameters)
    figure, axis = plt.subplots(figsize=(7.5, 0.45 * len(parameters) + 1.2))
    for k, p in enumerate(parameters):
        colour = {"identified": "#2ca02c", "prior-dominated": "#ff7f0e"}.get(p.identifiability, "#d62728")
        low = p.ci_lower if p.ci_lower is not None else p.lower
        high = p.ci_upper if p.ci_upper is not None else p.upper
        axis.plot([low / p.before, high / p.before], [k, k], "-" if p.ci_lower and p.ci_upper else ":",
                  color=colour, lw=3, alpha=0.6)
        axis.plot(p.after / p.before, k, "o", color=colour)
    axis.axvline(1.0, color="grey", lw=0.8)
    axis.set_xscale("log")
    labels = [f"{p.id} ({(units or {}).get(p.id, '') or 'dimensionless'}): {p.identifiability}" for p in parameters]
    axis.set_yticks(range(len(parameters)), labels, fontsize=8)
    axis.set_xlabel("calibrated value / value before calibration (dimensionless, log scale)")
    axis.set_ylabel("estimated parameter")
    axis.invert_yaxis()
    figure.tight_layout()
    return figure


@style()
def plot_profiles(result: CalibrationResult, *, units: Mapping[str, str] | None = None, columns: int = 4) -> Figure:
    """Profile likelihood of each profiled parameter (likelihood ratio to the optimum against
    the parameter on its scale) with the 95 % threshold."""
    profiles = list(result.profiles)
    threshold = math.exp(-3.841459 / 2)
    rows = max(1, math.ceil(len(profiles) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False)
    by_id = {p.id: p for p in result.parameters}
    for axis, profile in zip(axes.flat, profiles):
        x, ratio = np.asarray(profile["x"]), np.asarray(profile["ratio"])
        axis.plot(x, ratio, "-", color="black")
        axis.axhline(threshold, color="#d62728", ls="--", lw=0.8)
        estimate = by_id[profile["id"]]
        axis.axvline(math.log10(estimate.after), color="#2ca02c", lw=0.8)
        unit = (units or {}).get(profile["id"], "")
        scaled = f"{profile['id']} / {unit}" if unit and unit not in ("1", "dimensionless") else profile["id"]
        axis.set_xlabel(f"log10({scaled}) (dimensionless)", fontsize=8)
        axis.set_ylabel("likelihood ratio (dimensionless)", fontsize=8)
        axis.set_ylim(0, 1.05)
        axis.set_title(estimate.identifiability, fontsize=8)
    for axis in axes.flat[len(profiles):]:
        axis.set_visible(False)
    figure.tight_layout()
    return figure
