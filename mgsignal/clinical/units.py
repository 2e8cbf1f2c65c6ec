"""Readouts in the units people read them in: clinical laboratory units for the body's readouts
(mg/dL, mmol/L, mg/day, %), nM and amol/s for the neuron's small Ca²⁺ numbers; and the table
of values at each scenario's end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..errors import InvalidInputError

__all__ = ["CELL_UNITS", "CLINICAL_UNITS", "MOLAR_MASS_MG", "ClinicalUnit", "clinical", "end_table", "in_units"]

#: molar mass of Mg, g/mol (IUPAC standard atomic weight of magnesium, 24.305)
MOLAR_MASS_MG = 24.305
_MOLAR_MASS_SOURCE = "molar mass of Mg 24.305 g/mol (IUPAC standard atomic weight of magnesium)"


@dataclass(frozen=True)
class ClinicalUnit:
    """One conversion of a model readout to a unit people report:
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

#: readable units of small cell readouts (definitions of the SI prefixes)
CELL_UNITS: tuple[ClinicalUnit, ...] = (
    ClinicalUnit("Ca_c", "mM", "nM", 1e6, "definition: 1 mM = 10^6 nM"),
    ClinicalUnit("Ca_influx_NMDA", "fmol_per_s", "amol/s", 1e3, "definition: 1 fmol = 1000 amol"),
    ClinicalUnit("cAMP", "mM", "uM", 1e3, "definition: 1 mM = 1000 uM"),
)

_COLUMNS = {"scenario", "time", "output", "value", "unit"}


def in_units(table: pd.DataFrame, conversions: Sequence[ClinicalUnit]) -> pd.DataFrame:
    """Add, to a long table from :func:`mgsignal.library.compare`, rows converted by
    ``conversions`` for the outputs that have them. The table's rows stay; each added row has
    the same scenario, time, output (and model), the converted value and the new unit.
    ``.attrs["end"]`` becomes the end values of every row, with columns (output, unit);
    ``.attrs["conversions"]`` lists the conversions used, with their sources.

    Raises:
        InvalidInputError: ``table`` lacks the columns of a comparison table.
    """
    missing = _COLUMNS - set(table.columns)
    if missing:
        raise InvalidInputError(f"needs a table from compare(), with columns scenario, time, output, value, unit; "
                                f"missing: {sorted(missing)}")
    base = pd.DataFrame({column: table[column].to_numpy() for column in table.columns})  # without attrs
    added, used = [], []
    for conversion in conversions:
        rows = base[(base["output"] == conversion.output) & (base["unit"] == conversion.model_unit)]
        if not rows.empty:
            added.append(rows.assign(value=rows["value"] * conversion.factor, unit=conversion.unit))
            used.append(conversion)
    result = pd.concat([base, *added], ignore_index=True) if added else base
    result.attrs.update({key: value for key, value in table.attrs.items() if key not in ("end", "conversions")})
    result.attrs["end"] = end_table(result)
    result.attrs["conversions"] = [vars(conversion).copy() for conversion in used]
    return result


def clinical(table: pd.DataFrame) -> pd.DataFrame:
    """Add rows in clinical units (:data:`CLINICAL_UNITS`: plasma total and ionized Mg in mmol/L
    and mg/dL, urinary Mg in mg/day, FEMg in %) to a table from :func:`compare`; see
    :func:`in_units`."""
    return in_units(table, CLINICAL_UNITS)


def end_table(table: pd.DataFrame) -> pd.DataFrame:
    """The value of every (output, unit) at each scenario's last time: scenario x (output, unit),
    in the order of the table."""
    last = table.groupby("scenario", sort=False)["time"].transform("max")
    rows = table[table["time"] == last]
    end = rows.pivot_table(index="scenario", columns=["output", "unit"], values="value", aggfunc="last", sort=False,
                           dropna=False)
    end = end.reindex(index=list(dict.fromkeys(table["scenario"])),
                      columns=pd.MultiIndex.from_tuples(list(dict.fromkeys(zip(table["output"], table["unit"]))),
                                                        names=["output", "unit"]))
    end.attrs = {}
    return end
