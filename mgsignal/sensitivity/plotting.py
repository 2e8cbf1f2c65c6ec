"""Figures of sensitivities: bar charts of global indices, tornado charts of signed local
sensitivities, heat maps (parameters x outputs) and sensitivities over time. Every function
returns a matplotlib Figure and shows nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..errors import InvalidInputError, UnknownIdError
from .result import GlobalResult


def plot_indices(result: GlobalResult, *, outputs: Sequence[str] | None = None, top: int | None = None,
                 names: Mapping[str, str] | None = None) -> Figure:
    """Bar chart of global indices, one panel per output, parameters sorted by importance.

    Sobol' and eFAST: S1 and ST side by side with their confidence half-widths; Morris:
    ``mu_star`` (with its confidence half-width) and ``sigma``.

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
    key = "mu_star" if morris else "ST"
    figure, axes = plt.subplots(len(outputs), 1, figsize=(7.5, 2.8 * len(outputs)), squeeze=False)
    for axis, output in zip(axes[:, 0], outputs):
        table = result.indices.loc[output].sort_values(key, ascending=False)
        table = table.iloc[:top] if top else table
        x = np.arange(len(table))
        width = 0.4
        for k, (column, conf) in enumerate(pairs):
            axis.bar(x + (k - 0.5) * width, table[column], width, label=column,
                     yerr=table[conf] if conf else None, capsize=2)
        axis.set_xticks(x, [(names or {}).get(p, p) for p in table.index], rotation=45, ha="right", fontsize="small")
        axis.axhline(0, color="black", lw=0.5)
        axis.set_title(output, fontsize="medium")
        axis.legend(fontsize="small")
        axis.grid(axis="y", alpha=0.3)
    method = {"sobol": "Sobol'", "efast": "eFAST", "morris": "Morris"}.get(result.method, result.method)
    figure.suptitle(f"{method} indices")
    figure.tight_layout()
    return figure


def plot_tornado(values: pd.Series, *, top: int | None = None, title: str | None = None,
                 xlabel: str = "scaled sensitivity  d ln y / d ln p",
                 names: Mapping[str, str] | None = None) -> Figure:
    """Tornado chart: horizontal bars of signed values, largest magnitude on top.

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
    figure, axis = plt.subplots(figsize=(6.5, 0.3 * len(values) + 1.2))
    colours = np.where(values.to_numpy() >= 0, "tab:red", "tab:blue")
    axis.barh([(names or {}).get(p, p) for p in values.index], values.to_numpy(), color=colours)
    axis.axvline(0, color="black", lw=0.6)
    axis.set_xlabel(xlabel)
    axis.grid(axis="x", alpha=0.3)
    axis.set_title(title or str(values.name or ""))
    figure.tight_layout()
    return figure


def plot_heatmap(matrix: pd.DataFrame, *, title: str = "", colorbar_label: str = "",
                 annotate: bool = True, cmap: str | None = None) -> Figure:
    """Heat map of a table (e.g. parameters x outputs of global indices, or outputs x
    parameters of local sensitivities).

    Signed data get a diverging colour map centred on 0; non-negative data a sequential one.
    NaN cells stay blank.
    """
    if matrix.empty:
        raise InvalidInputError("nothing to plot: the table is empty")
    data = matrix.to_numpy(dtype=float)
    finite = data[np.isfinite(data)]
    signed = finite.size > 0 and finite.min() < 0
    figure, axis = plt.subplots(figsize=(1.0 + 0.55 * matrix.shape[1] + 1.5, 1.0 + 0.32 * matrix.shape[0]))
    if signed:
        bound = max(float(np.abs(finite).max()), 1e-300)
        image = axis.imshow(data, cmap=cmap or "RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto")
    else:
        image = axis.imshow(data, cmap=cmap or "viridis", vmin=0.0, aspect="auto")
    axis.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], rotation=45, ha="right", fontsize="small")
    axis.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index], fontsize="small")
    if annotate and data.size <= 400:
        largest = float(np.abs(finite).max()) if finite.size else 0.0
        for (i, j), value in np.ndenumerate(data):
            if np.isfinite(value):  # numerical zeros (below 1e-6 of the largest value) print as 0
                text = "0" if abs(value) < 1e-6 * largest else f"{value:.2g}"
                axis.text(j, i, text, ha="center", va="center", fontsize=6.5)
    figure.colorbar(image, ax=axis, label=colorbar_label)
    axis.set_title(title)
    figure.tight_layout()
    return figure


def plot_sensitivity_time_course(table: pd.DataFrame, output: str, *, top: int | None = 6,
                                 time_unit: str = "h", names: Mapping[str, str] | None = None) -> Figure:
    """Sensitivities of one output over time, one line per parameter.

    Args:
        table: from :func:`mgsignal.sensitivity.time_course_sensitivities`.
        output: the output whose sensitivities are drawn.
        top: the parameters with the largest sensitivity (in magnitude, at any time).
        time_unit: ``"s"``, ``"min"`` or ``"h"``.
    """
    outputs = list(dict.fromkeys(table.index.get_level_values("output")))
    if output not in outputs:
        raise UnknownIdError(output, outputs, what="output", where="the table")
    scale = {"s": 1.0, "min": 60.0, "h": 3600.0}[time_unit]
    part = table.loc[output]
    order = part.abs().max().sort_values(ascending=False).index
    figure, axis = plt.subplots(figsize=(8, 3.6))
    for parameter in order[:top] if top else order:
        axis.plot(part.index / scale, part[parameter], label=(names or {}).get(parameter, parameter))
    axis.axhline(0, color="black", lw=0.5)
    axis.set_xlabel(f"time ({time_unit})")
    axis.set_ylabel("scaled sensitivity" if table.attrs.get("scaled", True) else "sensitivity")
    axis.set_title(output)
    axis.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure
