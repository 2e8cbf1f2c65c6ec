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
import numbers
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
        outputs: the ids the scenario is about (what ``mgsignal run`` tabulates and plots);
            empty: the model's readouts.
        source: where its numbers come from (citations or stated assumptions).
    """

    name: str
    description: str = ""
    changes: dict[str, float] = field(default_factory=dict)
    phases: tuple[Phase, ...] = ()
    preequilibration: dict[str, float] | None = None
    duration: float | None = None
    preequilibration_time: float | None = None
    model: str | None = None
    outputs: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInputError(f"a scenario needs a name (text), got {self.name!r}")
        starts = [phase.start for phase in self.phases]
        if any(not _is_number(start) or start <= 0 for start in starts):
            raise InvalidInputError(f"scenario {self.name!r}: phase starts must be numbers > 0 s, got {starts}")
        repeated = sorted({s for s in starts if starts.count(s) > 1})
        if repeated:
            raise InvalidInputError(f"scenario {self.name!r}: two phases start at {repeated[0]:g} s; merge their changes")
        if starts != sorted(starts):
            raise InvalidInputError(f"scenario {self.name!r}: phase starts must be in increasing order, got {starts}")
        for target, value in self.all_changes():
            if not _is_number(value) or not math.isfinite(value):
                raise InvalidInputError(f"scenario {self.name!r}: value of {target!r} must be a finite number, got {value!r}")
        for key in ("duration", "preequilibration_time"):
            value = getattr(self, key)
            if value is not None and (not _is_number(value) or not value > 0):
                raise InvalidInputError(f"scenario {self.name!r}: {key} must be > 0 s, got {value!r}")
        if self.duration is not None and starts and starts[-1] >= self.duration:
            raise InvalidInputError(f"scenario {self.name!r}: a phase starts at {starts[-1]:g} s, at or after the "
                                    f"scenario's end ({self.duration:g} s); it would never apply")
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
        if self.outputs:
            data["outputs"] = list(self.outputs)
        if self.source:
            data["source"] = self.source
        return data


#: keys of a scenario file and the type each must have
KEYS = {"name": str, "description": str, "changes": dict, "phases": list, "preequilibration": dict,
        "duration": numbers.Real, "preequilibration_time": numbers.Real, "model": str, "outputs": list,
        "source": str}


def scenario_from_dict(data: dict[str, Any], *, where: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from its plain-data (TOML) form; unknown keys and values of
    the wrong type are errors naming ``where`` (the file) and the key."""
    extra = set(data) - set(KEYS)
    if extra:
        raise InvalidInputError(f"{where}: keys {sorted(extra)} are not known; allowed: {sorted(KEYS)}")
    if "name" not in data:
        raise InvalidInputError(f"{where}: a scenario needs a 'name'")
    for key, kind in KEYS.items():
        if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool)):
            raise InvalidInputError(f"{where}: {key!r} must be {_KIND_NAMES[kind]}, got {data[key]!r}")
    phases = []
    for k, phase in enumerate(data.get("phases", [])):
        if not isinstance(phase, dict) or "start" not in phase or set(phase) - {"start", "changes"}:
            raise InvalidInputError(f"{where}: phases[{k}] must be a table with 'start' (s) and 'changes', got {phase!r}")
        if not _is_number(phase["start"]) or not isinstance(phase.get("changes", {}), dict):
            raise InvalidInputError(f"{where}: phases[{k}] needs a number 'start' and a table 'changes', got {phase!r}")
        phases.append(Phase(start=float(phase["start"]), changes=dict(phase.get("changes", {}))))
    for key in ("changes", "preequilibration"):
        _check_values(data.get(key) or {}, f"{where}: {key}")
    for k, phase in enumerate(phases):
        _check_values(phase.changes, f"{where}: phases[{k}].changes")
    pre = data.get("preequilibration")
    try:
        return Scenario(name=data["name"], description=data.get("description", ""),
                        changes=dict(data.get("changes", {})), phases=tuple(phases),
                        preequilibration=None if pre is None else dict(pre),
                        duration=None if data.get("duration") is None else float(data["duration"]),
                        preequilibration_time=(None if data.get("preequilibration_time") is None
                                               else float(data["preequilibration_time"])),
                        model=data.get("model"), outputs=tuple(str(o) for o in data.get("outputs", ())),
                        source=data.get("source", ""))
    except InvalidInputError as error:
        raise InvalidInputError(f"{where}: {error}") from None


_KIND_NAMES = {str: "text", dict: "a table", list: "a list", numbers.Real: "a number"}


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_values(changes: dict[str, Any], where: str) -> None:
    for target, value in changes.items():
        if not _is_number(value):
            raise InvalidInputError(f"{where}: {target!r} must be a number, got {value!r}")


def available_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    folder = resources.files("mgsignal") / "scenarios"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario TOML file by path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if path.is_dir():
            raise InvalidInputError(f"{path}: is a folder, not a scenario file")
        if not path.is_file():
            raise InvalidInputError(f"{path}: no such scenario file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(f"{path}: not a UTF-8 text file") from None
        where = str(path)
    else:
        entry = resources.files("mgsignal") / "scenarios" / f"{name_or_path}.toml"
        if not entry.is_file():
            raise UnknownIdError(str(name_or_path), available_scenarios(), what="scenario", where="mgsignal")
        text = entry.read_text(encoding="utf-8")
        where = f"scenario {name_or_path!r}"
    try:
        return scenario_from_dict(tomllib.loads(text), where=where)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"{where}: invalid TOML: {error}") from None


def check_scenario(scenario: Scenario, model: Model) -> None:
    """Raise :class:`UnknownIdError` when a target is not a settable id of ``model`` (or an
    output the scenario names is not an output of it)."""
    if not isinstance(scenario, Scenario):
        raise InvalidInputError(f"scenario must be a Scenario (e.g. mgsignal.load_scenario({scenario!r})), "
                                f"got {type(scenario).__name__}")
    model.check_ids([target for target, _ in scenario.all_changes()], settable=True)
    model.check_ids(list(scenario.outputs))
    for part, changes in [("preequilibration", scenario.preequilibration or {}), ("changes", scenario.changes)] + [
            (f"phase at {p.start:g} s", p.changes) for p in scenario.phases]:
        model.check_values(changes, where=f"scenario {scenario.name!r} ({part})")
