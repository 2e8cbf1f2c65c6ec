"""Figures of sensitivities: bar charts of global indices, tornado charts of signed local
sensitivities, heat maps (parameters x outputs) and sensitivities over time. Every function
returns a matplotlib Figure, shows nothing, and draws in the package's style
(:func:`mgsignal.plotting.style`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import InvalidInputError, UnknownIdError
from ..plotting import COLOURS, LINESTYLES, dark, place_legend, pretty, style, time_scale
from .result import GlobalResult

_RAISES, _LOWERS = COLOURS[1], COLOURS[0]  # vermillion: the output rises with the parameter; blue: it falls
_METHODS = {"sobol": "Sobol'", "efast": "eFAST", "morris": "Morris"}


def plot_indices(result: GlobalResult, *, outputs: Sequence[str] | None = None, top: int | None = None,
                 names: Mapping[str, str] | None = None) -> Figure:
    """Bar chart of global indices, one panel per output, parameters sorted by importance.

    Sobol' and eFAST: S1 and ST side by side with their confidence half-widths (the y axis is
    the fraction of the output's variance); Morris: ``mu_star`` (with its confidence
    half-width) and ``sigma``, in the units of the output.

    Args:
        result: from :func:`mgsignal.sensitivity.sobol`, ``morris`` or ``efast``.
        outputs: outputs to show (default: all).
        top: show only the ``top`` most important parameters of each output.
        names: display names of the parameters (e.g. ``model.names``).
    """
    outputs = list(outputs or result.outputs)
    for output in outputs:
        if output not in result.outputs:
            raise UnknownIdError(output, result.outputs, what="output", where="the result")
    morris = result.method == "morris"
    pairs = [("mu_star", "mu_star_conf"), ("sigma", None)] if morris else [("S1", "S1_conf"), ("ST", "ST_conf")]
    labels = ({"mu_star": "μ* (mean |elementary effect|)", "sigma": "σ (spread of the effects)"} if morris
              else {"S1": "S1 (first order)", "ST": "ST (total order)"})
    key = "mu_star" if morris else "ST"
    ylabel = "elementary effect (output units)" if morris else "index (fraction of variance)"
    with style():
        figure, axes = plt.subplots(len(outputs), 1, figsize=(7.5, 0.4 + 2.9 * len(outputs)), squeeze=False,
                                    layout="constrained")
        for axis, output in zip(axes[:, 0], outputs):
            table = result.indices.loc[output].sort_values(key, ascending=False)
            table = table.iloc[:top] if top else table
            x = np.arange(len(table))
            width = 0.4
            for k, (column, conf) in enumerate(pairs):
                axis.bar(x + (k - 0.5) * width, table[column], width, label=labels[column], color=COLOURS[k],
                         yerr=table[conf] if conf else None, capsize=2, error_kw={"elinewidth": 0.8})
            axis.set_xticks(x, [pretty((names or {}).get(p, p)) for p in table.index], rotation=40, ha="right",
                            fontsize="small")
            axis.axhline(0, color="black", lw=0.5)
            axis.set_title(output, fontsize="medium")
            axis.set_ylabel(ylabel)
            axis.grid(axis="x", visible=False)
            axis.legend(loc="upper right")  # parameters are sorted: the right end holds the smallest bars
        figure.suptitle(f"{_METHODS.get(result.method, result.method)} indices"
                        + ("" if morris else " with 95 % confidence half-widths"))
    return figure


def plot_tornado(values: pd.Series, *, top: int | None = None, title: str | None = None,
                 xlabel: str = "scaled sensitivity  ∂ln y / ∂ln p  (dimensionless)",
                 names: Mapping[str, str] | None = None) -> Figure:
    """Tornado chart: horizontal bars of signed values, largest magnitude on top, each bar
    labelled with its value; vermillion bars raise the output, blue bars lower it.

    Args:
        values: one value per parameter, e.g. a row of
            :func:`mgsignal.sensitivity.steady_state_sensitivities` (NaN values are left out).
        top: keep the ``top`` largest magnitudes.
    """
    values = values.dropna()
    if values.empty:
        raise InvalidInputError("nothing to plot: every value is NaN")
    order = values.abs().sort_values(ascending=False).index
    values = values[order[:top] if top else order][::-1]
    with style():
        figure, axis = plt.subplots(figsize=(6.5, 0.3 * len(values) + 1.4), layout="constrained")
        numbers = values.to_numpy()
        colours = np.where(numbers >= 0, _RAISES, _LOWERS)
        positions = np.arange(len(values))
        axis.barh(positions, numbers, color=colours)
        axis.set_yticks(positions, [pretty((names or {}).get(p, p)) for p in values.index])
        largest = float(np.abs(numbers).max()) or 1.0
        for y, value in zip(positions, numbers):  # numerical zeros (below 1e-6 of the largest) print as 0
            text = "0" if abs(value) < 1e-6 * largest else f"{value:.2g}"
            axis.text(value + np.copysign(0.015 * largest, value if value else 1.0), y, text,
                      va="center", ha="left" if value >= 0 else "right", fontsize=7.5)
        axis.set_xlim(-1.2 * largest if numbers.min() < 0 else 0, 1.2 * largest if numbers.max() > 0 else 0)
        axis.axvline(0, color="black", lw=0.6)
        axis.set_xlabel(xlabel)
        axis.grid(axis="y", visible=False)
        axis.set_title(pretty(title or str(values.name or "")))
        axis.legend(handles=[Patch(color=_RAISES, label="raises the output"),
                             Patch(color=_LOWERS, label="lowers the output")], loc="lower right")
    return figure


def plot_heatmap(matrix: pd.DataFrame, *, title: str = "", colorbar_label: str = "",
                 annotate: bool = True, cmap: str | None = None, xlabel: str = "",
                 ylabel: str = "") -> Figure:
    """Heat map of a table (e.g. parameters x outputs of global indices, or outputs x
    parameters of local sensitivities).

    Signed data get a diverging colour map centred on 0 (blue negative, red positive);
    non-negative data a sequential one (viridis). Cells are annotated with their values, in
    white on dark cells and black on light ones. NaN cells stay blank.
    """
    if matrix.empty:
        raise InvalidInputError("nothing to plot: the table is empty")
    data = matrix.to_numpy(dtype=float)
    finite = data[np.isfinite(data)]
    signed = finite.size > 0 and finite.min() < 0
    with style():
        figure, axis = plt.subplots(figsize=(2.6 + 0.62 * matrix.shape[1], 1.2 + 0.34 * matrix.shape[0]),
                                    layout="constrained")
        if signed:
            bound = max(float(np.abs(finite).max()), 1e-300)
            image = axis.imshow(data, cmap=cmap or "RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto")
        else:
            image = axis.imshow(data, cmap=cmap or "viridis", vmin=0.0, aspect="auto")
        axis.set_xticks(range(matrix.shape[1]), [pretty(str(c)) for c in matrix.columns], rotation=40, ha="right",
                        fontsize="small")
        axis.set_yticks(range(matrix.shape[0]), [pretty(str(i)) for i in matrix.index], fontsize="small")
        axis.grid(False)
        for spine in axis.spines.values():
            spine.set_visible(False)
        if annotate and data.size <= 400:
            largest = float(np.abs(finite).max()) if finite.size else 0.0
            for (i, j), value in np.ndenumerate(data):
                if np.isfinite(value):  # numerical zeros (below 1e-6 of the largest value) print as 0
                    text = "0" if abs(value) < 1e-6 * largest else f"{value:.2g}"
                    colour = "white" if dark(image.cmap(image.norm(value))) else "black"
                    axis.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
        figure.colorbar(image, ax=axis, label=colorbar_label, shrink=0.9)
        axis.set_xlabel(xlabel)
        axis.set_ylabel(ylabel)
        axis.set_title(title)
    return figure


def plot_sensitivity_time_course(table: pd.DataFrame, output: str, *, top: int | None = 6,
                                 time_unit: str = "h", names: Mapping[str, str] | None = None) -> Figure:
    """Sensitivities of one output over time, one line per parameter (colours and line styles
    both vary, so that parameters with equal sensitivities stay visible); legend beside the axis.

    Args:
        table: from :func:`mgsignal.sensitivity.time_course_sensitivities`.
        output: the output whose sensitivities are drawn.
        top: the parameters with the largest sensitivity (in magnitude, at any time).
        time_unit: ``"s"``, ``"min"`` or ``"h"``.
        names: display names of the parameters and of the output (e.g. ``model.names``).
    """
    outputs = list(dict.fromkeys(table.index.get_level_values("output")))
    if output not in outputs:
        raise UnknownIdError(output, outputs, what="output", where="the table")
    scale = time_scale(time_unit)
    part = table.loc[output]
    order = part.abs().max().sort_values(ascending=False).index
    names = names or {}
    scaled = table.attrs.get("scaled", True)
    with style():
        figure, axis = plt.subplots(figsize=(8, 3.6), layout="constrained")
        for k, parameter in enumerate(order[:top] if top else order):
            axis.plot(part.index / scale, part[parameter], label=pretty(names.get(parameter, parameter)),
                      color=COLOURS[k % len(COLOURS)], linestyle=LINESTYLES[k % len(LINESTYLES)])
        axis.axhline(0, color="black", lw=0.5)
        axis.set_xlabel(f"time ({time_unit})")
        axis.set_ylabel("scaled sensitivity\n∂ln y/∂ln p (dimensionless)" if scaled
                        else "sensitivity ∂y/∂p\n(output / parameter units)")
        name = names.get(output)
        axis.set_title(f"{pretty(name)} ({output})" if name else output)
        place_legend(axis, outside_above=0)
    return figure
