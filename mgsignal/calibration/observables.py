"""Observation functions: from a simulated state to the number a paper reports.

An observable's formula (PEtab syntax) is an expression in model ids and at most one
observation parameter ``observableParameter1_<id>``, in which it must be affine: the formula is
split into ``intercept + slope * parameter`` (both functions of the model ids). That lets the
observation parameters of an experiment (calibration factors of a dye, normalisations of
relative data, offsets) be estimated in closed form: the weighted least-squares value, clipped
to its bounds, which for a quadratic in one variable is the exact constrained optimum.

Where the measurement was an instrument reading, the observable names its ``assay`` and the
model's state goes through that instrument model of :mod:`mgsignal.assays` first
(:func:`mgsignal.assays.measure`): mag-fura-2 (dye ratio, then the Grynkiewicz inversion) and
³¹P NMR (the ATP shift from the MgATP share, then the Gupta inversion) replace free Mg²⁺
(``Mg_c``) by the free Mg²⁺ the instrument infers; atomic absorption replaces total Mg
(``Mg_tot_c``) by the total it reads off its standard curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sympy
from petab.v1.math import sympify_petab

from ..assays import CYTOSOL, measure
from ..errors import InvalidInputError
from .experiments import Observable, ObservationParameter

#: assay -> (the quantity it reports: model id it replaces, column of measure()'s result)
ASSAY_READS = {
    "mag-fura-2": (CYTOSOL["free_mg"], "Mg_free_inferred"),
    "31p-nmr": (CYTOSOL["free_mg"], "Mg_free_inferred"),
    "aas": (CYTOSOL["total_mg"], "Mg_total_inferred"),
}
#: model ids each assay reads (besides the formula's)
ASSAY_INPUTS = {"mag-fura-2": (CYTOSOL["free_mg"],), "31p-nmr": (CYTOSOL["free_atp"], CYTOSOL["mgatp"]),
                "aas": (CYTOSOL["total_mg"],)}


@dataclass(frozen=True)
class CompiledObservable:
    """An observable split into ``intercept + slope * parameter`` over model ids."""

    observable: Observable
    symbols: tuple[str, ...]
    parameter: str | None
    intercept: Any
    slope: Any

    @property
    def outputs(self) -> tuple[str, ...]:
        """Model ids a simulation must report for this observable (formula and assay)."""
        extra = ASSAY_INPUTS.get(self.observable.assay, ())
        return tuple(dict.fromkeys(self.symbols + extra))

    def terms(self, state: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Intercept and slope at each row of ``state`` (columns: model ids), after the assay."""
        columns = read_through_assay(state, self.observable.assay)
        arguments = [columns[s].to_numpy(dtype=float) for s in self.symbols]
        size = len(state)
        intercept = np.broadcast_to(np.asarray(self.intercept(*arguments), dtype=float), (size,))
        slope = np.broadcast_to(np.asarray(self.slope(*arguments), dtype=float), (size,))
        return intercept.copy(), slope.copy()


def compile_observable(observable: Observable) -> CompiledObservable:
    """Parse an observable's formula and split it at its observation parameter.

    Raises:
        InvalidInputError: the formula does not parse, has more than one observation parameter,
            is not affine in it, or its assay reads a quantity the formula does not use.
    """
    try:
        expression = sympify_petab(observable.formula)
    except Exception as error:
        raise InvalidInputError(f"observable {observable.id!r}: formula {observable.formula!r} does not parse: "
                                f"{error}") from error
    by_name = {str(s): s for s in expression.free_symbols}
    names = sorted(by_name)
    placeholders = [n for n in names if n.startswith("observableParameter")]
    if len(placeholders) > 1 or (placeholders and placeholders[0] != f"observableParameter1_{observable.id}"):
        raise InvalidInputError(f"observable {observable.id!r}: at most one parameter, named "
                                f"observableParameter1_{observable.id}, got {placeholders}")
    symbols = tuple(n for n in names if n not in placeholders)
    parameter = placeholders[0] if placeholders else None
    if parameter is not None:
        p = by_name[parameter]
        slope_expression = sympy.diff(expression, p)
        if sympy.diff(slope_expression, p) != 0:
            raise InvalidInputError(f"observable {observable.id!r}: the formula must be affine in {parameter} "
                                    "(a scale or an offset)")
        intercept_expression = expression.subs(p, 0)
    else:
        slope_expression, intercept_expression = sympy.Integer(0), expression
    reads = ASSAY_READS.get(observable.assay)
    if reads is not None and reads[0] not in symbols:
        raise InvalidInputError(f"observable {observable.id!r}: assay {observable.assay!r} reports {reads[0]}, "
                                "which its formula does not use")
    arguments = [by_name[s] for s in symbols]
    return CompiledObservable(observable=observable, symbols=symbols, parameter=parameter,
                              intercept=sympy.lambdify(arguments, intercept_expression, "numpy"),
                              slope=sympy.lambdify(arguments, slope_expression, "numpy"))


def read_through_assay(state: pd.DataFrame, assay: str) -> pd.DataFrame:
    """The model's state as ``assay`` reports it: the quantity the instrument reads replaced by
    what :func:`mgsignal.assays.measure` infers from its reading (``"none"``: unchanged)."""
    if assay not in ASSAY_READS:
        return state
    target, column = ASSAY_READS[assay]
    read = measure(state, method=assay)
    out = state.copy()
    out[target] = read[column].to_numpy(dtype=float)
    return out


def fit_observation_parameters(rows: pd.DataFrame, parameters: Mapping[str, ObservationParameter]
                               ) -> dict[str, float]:
    """Closed-form observation parameters of one experiment.

    Args:
        rows: one row per measurement with columns ``intercept``, ``slope``, ``measurement``,
            ``noiseParameters`` (SD) and ``observableParameters`` (an id of ``parameters``, a
            number, or empty).
        parameters: the experiment's observation parameters.

    Returns:
        parameter id -> value: for estimated ones the weighted least-squares value
        ``sum(b (y - a) / s^2) / sum(b^2 / s^2)`` clipped to the bounds (the nominal value when
        no measurement depends on it); the nominal value for fixed ones.
    """
    values = {}
    for pid, parameter in parameters.items():
        mine = rows[rows["observableParameters"] == pid]
        if not parameter.estimate or mine.empty:
            values[pid] = parameter.nominal
            continue
        a, b = mine["intercept"].to_numpy(float), mine["slope"].to_numpy(float)
        y, s = mine["measurement"].to_numpy(float), mine["noiseParameters"].to_numpy(float)
        curvature = float(np.sum(b * b / (s * s)))
        if not np.isfinite(curvature) or curvature <= 0:
            values[pid] = parameter.nominal
            continue
        best = float(np.sum(b * (y - a) / (s * s)) / curvature)
        values[pid] = float(np.clip(best, parameter.lower, parameter.upper)) if np.isfinite(best) else parameter.nominal
    return values


def parameter_values(rows: pd.DataFrame, fitted: Mapping[str, float]) -> np.ndarray:
    """The observation parameter of each row: fitted, a number, or 0 (no parameter)."""
    out = []
    for text in rows["observableParameters"]:
        out.append(fitted[text] if text in fitted else (float(text) if text else 0.0))
    return np.asarray(out, dtype=float)


def outputs_of(observables: Sequence[CompiledObservable]) -> list[str]:
    """Model ids the simulations must report for ``observables``."""
    return list(dict.fromkeys(o for c in observables for o in c.outputs))
