"""Matplotlib figures shared by the CLI, the notebooks and users."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from .errors import UnknownIdError


def plot_time_course(table: pd.DataFrame, *, panels: Sequence[Sequence[str]],
                     names: Mapping[str, str] | None = None, time_unit: str = "h",
                     title: str | None = None) -> Figure:
    """Plot columns of a time-course table, one panel per group of ids.

    Args:
        table: a result of :func:`mgsignal.simulation` (time index in seconds).
        panels: groups of column ids; each group shares one axis.
        names: display names for the legend (e.g. ``model.names``).
        time_unit: ``"s"``, ``"min"`` or ``"h"`` for the x axis.
        title: figure title; defaults to the scenario name in ``table.attrs``.

    Returns:
        The figure (not shown; save it with ``fig.savefig``).
    """
    scale = {"s": 1.0, "min": 60.0, "h": 3600.0}[time_unit]
    units = table.attrs.get("units", {})
    names = names or {}
    figure, axes = plt.subplots(len(panels), 1, figsize=(7, 2.6 * len(panels)), sharex=True,
                                squeeze=False)
    for axis, group in zip(axes[:, 0], panels):
        for sid in group:
            if sid not in table.columns:
                raise UnknownIdError(sid, table.columns, what="column", where="the table")
            axis.plot(table.index / scale, table[sid], label=names.get(sid, sid))
        axis.set_ylabel(", ".join(sorted({units.get(sid, "") for sid in group})))
        axis.legend(fontsize="small", loc="best")
        axis.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(f"time ({time_unit})")
    scenario = table.attrs.get("scenario") or {}
    figure.suptitle(title or scenario.get("name", table.attrs.get("model", "")))
    figure.tight_layout()
    return figure

