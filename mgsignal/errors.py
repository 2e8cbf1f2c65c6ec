"""Exceptions raised by mgsignal.

Every error the package raises on purpose derives from :class:`MgSignalError`, so a caller can
catch them all in one place; the subclasses say which stage failed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any


class MgSignalError(Exception):
    """Base class of every error mgsignal raises on purpose."""


class InvalidInputError(MgSignalError, ValueError):
    """A value given by the caller is outside what the function accepts (shape, sign, range)."""


class UnknownIdError(MgSignalError, KeyError):
    """An identifier is not known to the model (or table); the message lists near matches."""

    def __init__(self, name: str, known: Iterable[str], *, what: str = "id", where: str = "model"):
        self.name = name
        self.suggestions = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {what} {name!r} in {where}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0])


class ModelBuildError(MgSignalError):
    """An Antimony or SBML source could not be turned into a valid model.

    ``problems`` holds one line per problem, each naming the file and, when known, the line.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class SimulationError(MgSignalError):
    """The integrator or steady-state solver failed; the message names scenario and parameters."""

    def __init__(self, message: str, *, scenario: str | None = None,
                 parameters: Mapping[str, float] | None = None):
        self.scenario = scenario
        self.parameters = dict(parameters or {})
        changed = ", ".join(f"{k}={v:g}" for k, v in self.parameters.items()) or "model defaults"
        super().__init__(f"{message} (scenario {scenario or 'none'!r}; parameters: {changed})")


class SteadyStateError(SimulationError):
    """No steady state was found."""


class SampleFailureError(MgSignalError):
    """Some samples gave no value (a run failed, or a value is not finite) and the method cannot
    do without them.

    Attributes:
        evaluations: the evaluated table (one row per sample; an ``error`` column for models).
        n_failed: number of samples without a value.
    """

    def __init__(self, message: str, *, evaluations: Any, n_failed: int):
        self.evaluations = evaluations
        self.n_failed = n_failed
        super().__init__(message)
