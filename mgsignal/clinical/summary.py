"""The end-of-scenario table people read: one row per readout (a short label with its unit),
one column per scenario; and each scenario's change from a reference scenario, in percent."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import InvalidInputError, UnknownIdError
from .units import CELL_UNITS, CLINICAL_UNITS, in_units

__all__ = ["MAIN_READOUTS", "relative_change", "summary_table"]

#: the readouts of ``mgsignal run``, in order: (output, unit shown, short label)
MAIN_READOUTS: tuple[tuple[str, str, str], ...] = (
    ("plasma_Mg_total", "mg/dL", "plasma total Mg"),
    ("plasma_Mg_ionized", "mmol/L", "plasma ionized Mg2+"),
    ("urinary_Mg_excretion", "mg/day", "urinary Mg"),
    ("FEMg", "%", "FEMg"),
    ("Mg_c", "mM", "cytosolic free Mg2+"),
    ("Mg_tot_c", "mM", "cytosolic total Mg"),
    ("Mg_m", "mM", "matrix free Mg2+"),
    ("pAkt_frac", "dimensionless", "Akt activation, insulin 15 min"),
    ("GLUT4_pm_frac", "dimensionless", "GLUT4 at membrane, insulin 15 min"),
    ("cAMP", "uM", "cAMP at rest"),
    ("PKA_act", "dimensionless", "PKA activity at rest"),
    ("NMDA_unblocked", "dimensionless", "NMDA unblocked at rest"),
    ("Ca_influx_NMDA", "amol/s", "NMDA Ca2+ entry at rest"),
    ("Ca_c", "nM", "neuronal free Ca2+ at rest"),
)
_SHOWN_UNITS = {"dimensionless": "fraction"}


def summary_table(table: pd.DataFrame, *,
                  readouts: Sequence[tuple[str, str, str]] | None = None) -> pd.DataFrame:
    """Values at each scenario's end: readouts as rows ("label (unit)"), scenarios as columns.

    Args:
        table: from :func:`~mgsignal.clinical.compare.compare` (units are converted here).
        readouts: (output, unit, label) rows, in order; those the table lacks are left out
            (default :data:`MAIN_READOUTS`).

    Returns:
        A DataFrame indexed by ``readout``; ``.attrs``: ``rows`` (output, unit of each row),
        ``days`` (each scenario's length in days), ``conversions`` (the unit conversions used).

    Raises:
        InvalidInputError: none of ``readouts`` is in the table.
    """
    converted = in_units(table, CLINICAL_UNITS + CELL_UNITS)
    end = converted.attrs["end"]
    rows = [(sid, unit, label) for sid, unit, label in (readouts or MAIN_READOUTS) if (sid, unit) in end.columns]
    if not rows:
        raise InvalidInputError("none of the readouts is in the table")
    shown = end[[(sid, unit) for sid, unit, _ in rows]].T
    shown.index = pd.Index([f"{label} ({_SHOWN_UNITS.get(unit, unit)})" for _, unit, label in rows], name="readout")
    shown.columns = list(end.index)
    last = converted.groupby("scenario", sort=False)["time"].max()
    shown.attrs = {"rows": [(sid, unit) for sid, unit, _ in rows],
                   "days": {name: float(last[name]) / 86400 for name in end.index},
                   "conversions": converted.attrs["conversions"]}
    return shown


def relative_change(summary: pd.DataFrame, *, reference: str | None = None) -> pd.DataFrame:
    """Each scenario's change from ``reference`` (default: the first column), in percent.

    Raises:
        UnknownIdError: ``reference`` is not a column of ``summary``.
    """
    reference = summary.columns[0] if reference is None else reference
    if reference not in summary.columns:
        raise UnknownIdError(reference, list(summary.columns), what="scenario", where="the summary")
    others = [name for name in summary.columns if name != reference]
    change = summary[others].div(summary[reference], axis=0).sub(1).mul(100)
    change.attrs = {"reference": reference}
    return change
