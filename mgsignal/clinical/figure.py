"""The comparison figure: one panel per readout, one line per scenario."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from ..errors import InvalidInputError, UnknownIdError
from .units import CELL_UNITS, CLINICAL_UNITS

__all__ = ["plot_comparison"]

#: time units of the figures: (seconds per unit, unit), largest first
_TIME_UNITS = ((86400.0, "d"), (3600.0, "h"), (60.0, "min"), (1.0, "s"))
_TIME_WORDS = {"d": "days", "h": "h", "min": "min", "s": "s"}
#: model unit ids an axis shows in clinical form
_UNIT_DISPLAY = {"percent": "%", "mmol_per_day": "mmol/day"}


def plot_comparison(table: pd.DataFrame, *, outputs: Sequence[str] | None = None,
                    panels: Sequence[tuple[str, str]] | None = None, names: Mapping[str, str] | None = None,
                    title: str | None = None, columns: int | None = None) -> Figure:
    """One panel per output and unit, one line per scenario; time in days, hours, minutes or
    seconds to suit the longest scenario; every axis labelled "quantity (unit)".

    For a table with rows in other units (:func:`~mgsignal.clinical.units.in_units`), a unit
    that only renames the model's (mmol/L for mM, % for percent) gets no panel of its own, and a
    readable unit replaces the model's (nM for the neuron's mM of Ca²⁺).

    Args:
        table: from :func:`~mgsignal.clinical.compare.compare` (or :func:`clinical`).
        outputs: the outputs to show, in order (default: all of the table).
        panels: instead, the exact (output, unit) panels, in order.
        names: display names (default: ``table.attrs["names"]``).
        title: figure title (default: the table's model).
        columns: panels per row (default: 1 for up to 4 panels, 2 up to 10, else 3).

    Raises:
        InvalidInputError: nothing to plot. UnknownIdError: an output not in the table.
    """
    names = dict(names or table.attrs.get("names") or {})
    available = list(dict.fromkeys(zip(table["output"], table["unit"])))
    if panels is not None:
        for panel in panels:
            if tuple(panel) not in available:
                raise UnknownIdError(f"{panel[0]} ({panel[1]})", [f"{o} ({u})" for o, u in available],
                                     what="panel", where="the comparison table")
        return _draw(table, [tuple(p) for p in panels], names, title, columns)
    panels = available
    if outputs is not None:
        known = {sid for sid, _ in panels}
        for sid in outputs:
            if sid not in known:
                raise UnknownIdError(sid, known, what="output", where="the comparison table")
        panels = [panel for panel in panels if panel[0] in outputs]
    aliases = {(c.output, c.unit) for c in CLINICAL_UNITS if c.factor == 1 and (c.output, c.model_unit) in panels}
    replaced = {(c.output, c.model_unit) for c in CELL_UNITS if (c.output, c.unit) in panels}
    order = list(outputs) if outputs is not None else list(dict.fromkeys(sid for sid, _ in panels))
    panels = sorted((p for p in panels if p not in aliases | replaced), key=lambda panel: order.index(panel[0]))
    return _draw(table, panels, names, title, columns)


def _draw(table: pd.DataFrame, panels: list[tuple[str, str]], names: Mapping[str, str], title: str | None,
          columns: int | None) -> Figure:
    import matplotlib.pyplot as plt

    from ..plotting import COLOURS, LINESTYLES, axis_label, pretty, quantity_of, style

    if not panels:
        raise InvalidInputError("the table has no rows to plot")
    scenarios = list(dict.fromkeys(table["scenario"]))
    scale, unit = next(((s, u) for s, u in _TIME_UNITS if float(table["time"].max()) >= 2 * s), (1.0, "s"))
    n_columns = columns or (1 if len(panels) <= 4 else 2 if len(panels) <= 10 else 3)
    n_rows = math.ceil(len(panels) / n_columns)
    with style():
        figure, axes = plt.subplots(n_rows, n_columns, figsize=(0.8 + 4.2 * n_columns, 1.0 + 2.3 * n_rows),
                                    sharex=True, squeeze=False, layout="constrained")
        flat = list(axes.ravel())
        for axis, (sid, sid_unit) in zip(flat, panels):
            rows = table[(table["output"] == sid) & (table["unit"] == sid_unit)]
            for k, scenario in enumerate(scenarios):
                line = rows[rows["scenario"] == scenario]
                if not line.empty:
                    axis.plot(line["time"].to_numpy(dtype=float) / scale, line["value"].to_numpy(dtype=float),
                              label=scenario, color=COLOURS[k % len(COLOURS)],
                              linestyle=LINESTYLES[k % len(LINESTYLES)])
            axis.set_ylabel(textwrap.fill(axis_label(quantity_of([sid], names), _UNIT_DISPLAY.get(sid_unit, sid_unit)),
                                          30))
            axis.ticklabel_format(axis="y", useOffset=False)
        for axis in flat[len(panels):]:
            axis.set_visible(False)
        for axis in axes[-1, :]:
            axis.set_xlabel(f"time ({_TIME_WORDS[unit]})")
            axis.xaxis.set_tick_params(labelbottom=True)
        for column, axis in enumerate(axes[-2, :] if n_rows > 1 else []):
            if n_rows * n_columns - len(panels) > n_columns - 1 - column:  # the panel below is hidden
                axis.set_xlabel(f"time ({_TIME_WORDS[unit]})")
                axis.xaxis.set_tick_params(labelbottom=True)
        if len(scenarios) > 1:
            lines = {}
            for axis in flat:
                for handle, label in zip(*axis.get_legend_handles_labels()):
                    lines.setdefault(label, handle)
            figure.legend(list(lines.values()), list(lines), loc="outside lower center", ncols=min(len(lines), 4))
        figure.suptitle(pretty(title or f"model {table.attrs.get('model', '')}".strip()))
    return figure
