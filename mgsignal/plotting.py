"""Matplotlib figures shared by the CLI, the notebooks and users, and the style they share.

Every figure function of the package (:func:`plot_time_course` here, the sensitivity figures in
:mod:`mgsignal.sensitivity.plotting`, the patch-clamp figures in :mod:`mgsignal.protocols`) draws
inside :func:`style`, so the command line, the notebooks and the documentation look alike::

    from mgsignal.plotting import style, use_style
    use_style()                     # a notebook: the package's style for every figure that follows
    with style():                   # or only for some figures
        figure, axis = plt.subplots()
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure

from .errors import UnknownIdError

#: colour-blind-safe colours (Okabe & Ito 2008, without the yellow that vanishes on white)
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
#: line styles that keep overlapping lines apart (cycled with the colours where lines may coincide)
LINESTYLES = ("-", "--", "-.", ":")

#: rcParams of the package's figures
STYLE: Mapping[str, object] = {
    "figure.facecolor": "white",
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "savefig.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "axes.prop_cycle": cycler(color=list(COLOURS)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "image.cmap": "viridis",
}

_TIME_SCALES = {"s": 1.0, "min": 60.0, "h": 3600.0}
#: unit ids of the models -> how an axis shows them
_UNIT_WORDS = {"dimensionless": "dimensionless", "second": "s", "kelvin": "K", "uM": "µM", "um2": "µm²",
               "mJ": "mJ", "C": "C", "mole": "mol", "litre": "L"}
#: what an axis in these units measures, when the lines on it share no name
_QUANTITIES = {"mM": "concentration", "uM": "concentration", "nM": "concentration", "pM": "concentration",
               "mV": "potential", "fA": "current", "pA": "current", "fmol_per_s": "flux", "fmol": "amount",
               "pS": "conductance", "nS": "conductance", "per_s": "rate", "dimensionless": "value"}
#: a parenthesis at the end of a name (models write units or notes there)
_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")
#: ions and charges written as in the models' names -> with superscripts
_CHARGES = [(re.compile(r"\b(Mg|Ca|Zn)2\+"), r"\1²⁺"), (re.compile(r"\b(Na|K|H)\+"), r"\1⁺"),
            (re.compile(r"\bCl-"), "Cl⁻")]


def style() -> mpl.rc_context:
    """The package's figure style as a context manager (also usable as a decorator)."""
    return mpl.rc_context(dict(STYLE))


def use_style(*, dpi: float = 100) -> None:
    """Apply the package's figure style to every figure that follows (notebooks, scripts);
    ``dpi`` is the resolution of figures shown inline (80-100 keeps notebooks small). The
    figure functions of the package keep the caller's resolution."""
    mpl.rcParams.update(STYLE)
    mpl.rcParams["figure.dpi"] = dpi


def pretty(text: str) -> str:
    """``"cytosolic free Mg2+"`` -> ``"cytosolic free Mg²⁺"`` (charges as superscripts)."""
    for pattern, replacement in _CHARGES:
        text = pattern.sub(replacement, text)
    return text


def unit_label(unit: str | None) -> str:
    """A model's unit id as an axis shows it: ``"fmol_per_s"`` -> ``"fmol/s"``,
    ``"per_mM_per_s"`` -> ``"1/(mM·s)"``, ``"uM"`` -> ``"µM"``; unknown forms unchanged."""
    if not unit:
        return ""
    parts = unit.split("_per_") if not unit.startswith("per_") else ["1"] + unit[4:].split("_per_")
    words = [_UNIT_WORDS.get(part, part) for part in parts]
    if len(words) == 1:
        return words[0]
    denominator = "·".join(words[1:])
    return f"{words[0]}/{denominator}" if len(words) == 2 else f"{words[0]}/({denominator})"


def axis_label(quantity: str, unit: str | None) -> str:
    """``"quantity (unit)"``; the unit is left out only when none is known."""
    unit = unit_label(unit)
    return f"{pretty(quantity)} ({unit})" if unit else pretty(quantity)


def quantity_of(ids: Sequence[str], names: Mapping[str, str] | None = None,
                unit: str | None = None) -> str:
    """What a group of ids plotted on one axis shares: the common ending of their names
    (``"cytosolic free Mg2+"``, ``"matrix free Mg2+"`` -> ``"free Mg2+"``), else the names
    when short, else what the unit measures (``"concentration"`` for mM). Names lose a closing
    parenthesis (the axis shows the unit) and are cut at their first ": " or ", "."""
    labels = [_short((names or {}).get(sid, sid)) for sid in ids]
    if len(labels) == 1:
        return labels[0]
    words = [label.split() for label in labels]
    common: list[str] = []
    for column in zip(*(reversed(w) for w in words)):
        if len(set(column)) > 1:
            break
        common.insert(0, column[0])
    if common:
        return " ".join(common)
    joined = ", ".join(labels)
    if len(joined) <= 40:
        return joined
    return _QUANTITIES.get(unit or "", "value")


def _short(name: str) -> str:
    """A name as an axis quantity: without a closing parenthesis, and cut at the first ": " or
    ", " (``"PKA activity: free catalytic subunit ..."`` -> ``"PKA activity"``)."""
    name = _PARENTHESIS.sub("", name)
    for separator in (": ", ", "):
        head = name.split(separator, 1)[0]
        if head != name and len(head.split()) >= 2:
            return head
    return name


def place_legend(axis, *, n_lines: int | None = None, outside_above: int = 3, **kwargs) -> None:
    """A legend that does not hide data: inside (``best``) for up to ``outside_above`` entries,
    beside the axis (right) for more."""
    handles, labels = axis.get_legend_handles_labels()
    count = len(handles) if n_lines is None else n_lines
    if not handles:
        return
    labels = [textwrap.fill(label, 36, subsequent_indent="  ") for label in labels]
    if count <= outside_above and max(len(label) for label in labels) <= 30:
        axis.legend(handles, labels, loc=kwargs.pop("loc", "best"), **kwargs)
    else:
        axis.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


def time_scale(time_unit: str) -> float:
    """Seconds per ``time_unit`` (``"s"``, ``"min"``, ``"h"``)."""
    if time_unit not in _TIME_SCALES:
        raise UnknownIdError(time_unit, _TIME_SCALES, what="time unit", where="the plots")
    return _TIME_SCALES[time_unit]


def plot_time_course(table: pd.DataFrame, *, panels: Sequence[Sequence[str]],
                     names: Mapping[str, str] | None = None, time_unit: str = "h",
                     title: str | None = None) -> Figure:
    """Plot columns of a time-course table, one panel per group of ids.

    Each y axis reads "quantity (unit)": the quantity is what the names of the group share
    (e.g. "free Mg²⁺" for cytosolic, matrix and extracellular free Mg²⁺), the unit that of the
    table (``table.attrs["units"]``). Panels with several lines have a legend (beside the panel
    for more than three lines); lines differ in colour and line style, so coinciding lines show.

    Args:
        table: a result of :func:`mgsignal.simulate` (time index in seconds).
        panels: groups of column ids; each group shares one axis.
        names: display names for the legend and the axis (e.g. ``model.names``).
        time_unit: ``"s"``, ``"min"`` or ``"h"`` for the x axis.
        title: figure title; defaults to the scenario name in ``table.attrs``.

    Returns:
        The figure (not shown; save it with ``fig.savefig``).
    """
    scale = time_scale(time_unit)
    units = table.attrs.get("units", {})
    names = names or {}
    for group in panels:
        for sid in group:
            if sid not in table.columns:
                raise UnknownIdError(sid, table.columns, what="column", where="the table")
    with style():
        figure, axes = plt.subplots(len(panels), 1, figsize=(7.5, 0.4 + 2.5 * len(panels)), sharex=True,
                                    squeeze=False, layout="constrained")
        for axis, group in zip(axes[:, 0], panels):
            for k, sid in enumerate(group):  # colour and line style both vary: lines that coincide stay visible
                axis.plot(table.index / scale, table[sid], label=pretty(names.get(sid, sid)),
                          color=COLOURS[k % len(COLOURS)], linestyle=LINESTYLES[k % len(LINESTYLES)])
            axis.set_ylabel(textwrap.fill(_group_label(group, names, units), 34))
            if len(group) > 1:  # one line: the axis label names it
                place_legend(axis)
        axes[-1, 0].set_xlabel(f"time ({time_unit})")
        scenario = table.attrs.get("scenario") or {}
        figure.suptitle(title or scenario.get("name", table.attrs.get("model", "")))
    return figure


def _group_label(group: Sequence[str], names: Mapping[str, str], units: Mapping[str, str]) -> str:
    group_units = list(dict.fromkeys(units.get(sid, "") for sid in group))
    if len(group_units) == 1:
        return axis_label(quantity_of(group, names, group_units[0]), group_units[0])
    return "; ".join(axis_label(names.get(sid, sid), units.get(sid, "")) for sid in group)


def dark(colour: Iterable[float]) -> bool:
    """Whether white text reads better than black on an RGB(A) colour (relative luminance)."""
    red, green, blue = list(colour)[:3]

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue) < 0.18
