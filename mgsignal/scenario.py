"""Scenarios as plain data: changes, phases in time order, optional pre-equilibration.

A scenario never changes a model; the simulation layer starts every run from the model's own
values and applies, in order:

1. ``preequilibration`` (when not ``None``): these changes, then the state is driven to steady
   state (or, when ``preequilibration_time`` is set, simulated for that long: for models that
   have no steady state, such as the insulin module with its receptor-synthesis events); that
   state is the start of the run.
2. ``changes``: applied at time 0 (to initial values when there is no pre-equilibration, so
   initial assignments that depend on a changed parameter follow it).
3. each ``Phase`` at its ``start`` time (seconds): its changes are applied to the running state.

Targets are parameters, species (concentration, or amount for amount-only species) or
compartments. Built-in scenarios live as TOML files in ``mgsignal/scenarios/``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InvalidInputError, UnknownIdError
from .model import Model


@dataclass(frozen=True)
class Phase:
    """Changes applied to the running state at ``start`` seconds."""

    start: float
    changes: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A named experiment on a model, as data. See the module docstring for the order of events.

    Attributes:
        name: short identifier, recorded in results and errors.
        description: one or two sentences for people.
        changes: target id -> value, applied at time 0.
        phases: later changes, in increasing ``start`` order.
        preequilibration: changes applied before a steady-state pre-equilibration, or ``None``
            for no pre-equilibration (an empty dict pre-equilibrates at the model defaults).
        duration: suggested simulation length in seconds (used when none is given).
        preequilibration_time: pre-equilibrate by simulating this many seconds instead of
            solving for the steady state.
        model: the model the scenario is written for (the CLI uses it when none is named).
    """

    name: str
    description: str = ""
    changes: dict[str, float] = field(default_factory=dict)
    phases: tuple[Phase, ...] = ()
    preequilibration: dict[str, float] | None = None
    duration: float | None = None
    preequilibration_time: float | None = None
    model: str | None = None

    def __post_init__(self) -> None:
        starts = [phase.start for phase in self.phases]
        if any(start <= 0 for start in starts) or starts != sorted(starts):
            raise InvalidInputError(
                f"scenario {self.name!r}: phase starts must be > 0 s and in increasing order, got {starts}")
        for target, value in self.all_changes():
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InvalidInputError(f"scenario {self.name!r}: value of {target!r} must be a finite number, got {value!r}")
        for key in ("duration", "preequilibration_time"):
            value = getattr(self, key)
            if value is not None and not value > 0:
                raise InvalidInputError(f"scenario {self.name!r}: {key} must be > 0 s, got {value!r}")
        if self.preequilibration_time is not None and self.preequilibration is None:
            raise InvalidInputError(f"scenario {self.name!r}: preequilibration_time needs a preequilibration table")

    def all_changes(self) -> list[tuple[str, float]]:
        """Every (target, value) pair of the scenario, in the order they are applied."""
        pairs = list((self.preequilibration or {}).items()) + list(self.changes.items())
        for phase in self.phases:
            pairs += list(phase.changes.items())
        return pairs

    def final_changes(self) -> dict[str, float]:
        """The condition the scenario ends in: changes then every phase, later values winning."""
        final = dict(self.changes)
        for phase in self.phases:
            final.update(phase.changes)
        return final

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (the TOML layout), for provenance and files."""
        data: dict[str, Any] = {"name": self.name, "description": self.description,
                                "changes": dict(self.changes),
                                "phases": [{"start": p.start, "changes": dict(p.changes)} for p in self.phases]}
        if self.preequilibration is not None:
            data["preequilibration"] = dict(self.preequilibration)
        for key in ("duration", "preequilibration_time", "model"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    """Build a :class:`Scenario` from its plain-data (TOML) form; unknown keys are an error."""
    allowed = {"name", "description", "changes", "phases", "preequilibration", "duration", "preequilibration_time",
               "model"}
    extra = set(data) - allowed
    if extra:
        raise InvalidInputError(f"scenario keys {sorted(extra)} are not known; allowed: {sorted(allowed)}")
    if "name" not in data:
        raise InvalidInputError("a scenario needs a 'name'")
    phases = tuple(Phase(start=float(p["start"]), changes=dict(p.get("changes", {})))
                   for p in data.get("phases", []))
    pre = data.get("preequilibration")
    return Scenario(name=str(data["name"]), description=str(data.get("description", "")),
                    changes=dict(data.get("changes", {})), phases=phases,
                    preequilibration=None if pre is None else dict(pre),
                    duration=None if data.get("duration") is None else float(data["duration"]),
                    preequilibration_time=(None if data.get("preequilibration_time") is None
                                           else float(data["preequilibration_time"])),
                    model=None if data.get("model") is None else str(data["model"]))


def available_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    folder = resources.files("mgsignal") / "scenarios"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml":
        text = path.read_text(encoding="utf-8")
    else:
        entry = resources.files("mgsignal") / "scenarios" / f"{name_or_path}.toml"
        if not entry.is_file():
            raise UnknownIdError(str(name_or_path), available_scenarios(), what="scenario", where="mgsignal")
        text = entry.read_text(encoding="utf-8")
    try:
        return scenario_from_dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"{name_or_path}: invalid TOML: {error}") from error


def check_scenario(scenario: Scenario, model: Model) -> None:
    """Raise :class:`UnknownIdError` when a target is not a settable id of ``model``."""
    model.check_ids([target for target, _ in scenario.all_changes()], settable=True)
