"""Calibrated values written back into a model's Antimony parameter table.

A calibrated parameter's line becomes ``id = value unit;  // Calibrated: <how>; <95 % profile
interval and what fixes it>. <what the line said before>``, so the model file carries the value
and its source in the one place every parameter's source lives. Values are written to 4
significant digits.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from ..errors import InvalidInputError
from .report import CalibrationResult, ParameterEstimate

#: the source text of a calibrated line up to its interval, as this module writes it
_CALIBRATED = re.compile(
    r"^Calibrated: pyPESTO .*? on the \d+ training experiments of mgsignal/calibration/experiments; "
    r"(?:profile not computed in this run|95 % profile CI \[[^\]]*\][^.,:]*"
    r"(?:, more than half as wide.*?fixes it)?[^.]*)\. ")


def write_calibrated_values(result: CalibrationResult, path: str | Path) -> list[str]:
    """Write a calibration's values and their source into an Antimony file, in place.

    Args:
        result: the calibration (:func:`~mgsignal.calibration.calibrate` or
            :func:`~mgsignal.calibration.read_result`).
        path: the model's ``.ant`` file; every estimated parameter must be defined there on one
            line as ``id = value unit;  // source``.

    Returns:
        The ids written, in the result's order.

    Raises:
        InvalidInputError: the file is not Antimony, or lacks a line for an estimated parameter
            (nothing is written then).
    """
    path = antimony_file(path)
    text = path.read_text(encoding="utf-8")
    for estimate in result.parameters:
        line = re.compile(rf"^(\s*){re.escape(estimate.id)} = [-+0-9.eE]+ (\w+);\s*//\s*(.*)$", re.M)
        match = line.search(text)
        if match is None:
            raise InvalidInputError(f"{path}: no line 'id = value unit;  // source' for the estimated parameter "
                                    f"{estimate.id!r}")
        indent, unit, comment = match.groups()
        before = _CALIBRATED.sub("", comment, count=1)
        new = (f"{indent}{estimate.id} = {estimate.after:.4g} {unit};  // {_source(result, estimate, unit)} "
               f"{before}").rstrip()
        text = text[:match.start()] + new + text[match.end():]
    path.write_text(text, encoding="utf-8")
    return [estimate.id for estimate in result.parameters]


def antimony_file(path: str | Path) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it names an Antimony (``.ant``) file, the only kind
    calibrated values are written into.

    Raises:
        InvalidInputError: another kind of file.
    """
    path = Path(path)
    if path.suffix != ".ant":
        raise InvalidInputError(f"{path}: calibrated values are written into an Antimony (.ant) file")
    return path


def _source(result: CalibrationResult, estimate: ParameterEstimate, unit: str) -> str:
    settings = result.settings
    how = (f"Calibrated: pyPESTO multi-start (mgsignal calibrate, {settings.get('n_starts')} starts seeded with "
           f"{settings.get('seed')}) on the {len(result.train)} training experiments of "
           f"mgsignal/calibration/experiments; ")
    if estimate.identifiability == "not profiled":
        return how + "profile not computed in this run."
    shown = "" if unit == "dimensionless" else " " + re.sub(r"^per_", "/", unit).replace("_per_", "/")
    lower = _bound(estimate.ci_lower, "below", estimate.lower)
    upper = _bound(estimate.ci_upper, "above", estimate.upper)
    verdict = {"not identifiable": ": not identifiable from these data",
               "prior-dominated": ", as wide as its weak prior's: the prior, not the data, fixes it"}
    return how + f"95 % profile CI [{lower}, {upper}]{shown}{verdict.get(estimate.identifiability, '')}."


def _bound(value: float | None, side: str, limit: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"open {side} (bound {limit:.4g})"
    return f"{value:.4g}"
