"""The model parameters a calibration estimates: a PEtab-style parameter table.

``mg_transport_parameters.tsv`` (next to this module) lists, per estimated parameter of the
transport model: ``parameterScale`` (``log10``: estimated on a log scale), ``lowerBound`` and
``upperBound`` (linear values), ``estimate`` (1), optionally a prior in PEtab's columns
``objectivePriorType`` (only ``parameterScaleNormal``) and ``objectivePriorParameters``
(``mean;sd`` on the parameter scale), and a ``note`` giving the reason for bounds and prior.
Start values (PEtab's ``nominalValue``) are not in the table: they are the model's own values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model
from .experiments import ExperimentFormatError

#: columns the table must have
COLUMNS = ("parameterId", "parameterScale", "lowerBound", "upperBound", "estimate")
#: parameter scales and how a linear value is put on them
SCALES = {"log10": np.log10, "lin": lambda v: np.asarray(v, dtype=float)}


@dataclass(frozen=True)
class EstimatedParameter:
    """One estimated model parameter: bounds (linear values), scale, optional normal prior on
    the parameter scale (``prior = (mean, sd)``), and why."""

    id: str
    scale: str
    lower: float
    upper: float
    prior: tuple[float, float] | None
    note: str

    def to_scale(self, value: float) -> float:
        """A linear value on this parameter's scale."""
        return float(SCALES[self.scale](value))

    def to_linear(self, value: float) -> float:
        """A value on this parameter's scale as a linear value."""
        return float(10.0 ** value) if self.scale == "log10" else float(value)


def default_parameter_file(model_name: str = "mg_transport") -> Path:
    """The shipped table of estimated parameters of a model."""
    path = Path(str(resources.files("mgsignal.calibration") / f"{model_name}_parameters.tsv"))
    if not path.is_file():
        raise InvalidInputError(f"no table of estimated parameters ships for model {model_name!r} ({path.name})")
    return path


def load_parameters(path: str | Path | None = None, *, ids: Sequence[str] | None = None,
                    model: Model | None = None) -> list[EstimatedParameter]:
    """Read a table of estimated parameters (default: the transport model's).

    Args:
        path: the TSV file.
        ids: keep only these parameters (in this order); each must be in the table.
        model: when given, every parameter must be a settable id of it (that its value lies
            within the bounds is checked by :meth:`.objective.CalibrationObjective.nominal`).

    Raises:
        ExperimentFormatError: the table breaks the layout (names file, column and row).
        InvalidInputError: an id of ``ids`` is not in the table.
        UnknownIdError: a parameter is not a settable id of ``model``.
    """
    path = Path(path) if path is not None else default_parameter_file()
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as error:
        raise ExperimentFormatError(path, f"cannot be read as a tab-separated table: {error}") from error
    for column in COLUMNS:
        if column not in table.columns:
            raise ExperimentFormatError(path, f"missing column (needs {', '.join(COLUMNS)})", column=column)
    parameters = []
    for row, record in enumerate(table.to_dict("records"), start=1):
        if record["estimate"].strip() != "1":
            continue
        parameters.append(_parameter(path, row, record))
    by_id = {p.id: p for p in parameters}
    if ids is not None:
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise InvalidInputError(f"{path.name} has no estimated parameter {', '.join(map(repr, missing))}; "
                                    f"it has {', '.join(by_id)}")
        parameters = [by_id[i] for i in ids]
    if model is not None:
        model.check_ids([p.id for p in parameters], settable=True)
    return parameters


def _parameter(path: Path, row: int, record: Mapping[str, str]) -> EstimatedParameter:
    def number(column: str) -> float:
        try:
            value = float(record[column])
        except ValueError:
            raise ExperimentFormatError(path, f"{record[column]!r} is not a number", column=column, row=row) from None
        if not math.isfinite(value):
            raise ExperimentFormatError(path, "must be finite", column=column, row=row)
        return value

    scale = record["parameterScale"].strip()
    if scale not in SCALES:
        raise ExperimentFormatError(path, f"scale {scale!r} not supported; one of {', '.join(SCALES)}",
                                    column="parameterScale", row=row)
    lower, upper = number("lowerBound"), number("upperBound")
    if not lower < upper or (scale == "log10" and lower <= 0):
        raise ExperimentFormatError(path, f"bounds [{lower:g}, {upper:g}] must increase (and be > 0 on log10)",
                                    column="upperBound", row=row)
    prior = None
    kind = record.get("objectivePriorType", "").strip()
    if kind:
        if kind != "parameterScaleNormal":
            raise ExperimentFormatError(path, f"prior {kind!r} not supported (only parameterScaleNormal)",
                                        column="objectivePriorType", row=row)
        try:
            mean, sd = (float(v) for v in record.get("objectivePriorParameters", "").split(";"))
        except ValueError:
            raise ExperimentFormatError(path, "needs 'mean;sd' on the parameter scale",
                                        column="objectivePriorParameters", row=row) from None
        if not sd > 0:
            raise ExperimentFormatError(path, "the prior's sd must be > 0", column="objectivePriorParameters", row=row)
        prior = (mean, sd)
    return EstimatedParameter(id=record["parameterId"].strip(), scale=scale, lower=lower, upper=upper, prior=prior,
                              note=record.get("note", "").strip())
