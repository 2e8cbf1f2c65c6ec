"""``compare``: run scenarios and stack their readouts over time into one tidy table.

A scenario of the body model runs the body, then (``cells=True``) the cell layer driven by its
plasma ionized Mg²⁺ (:mod:`mgsignal.clinical.cells`); a scenario of any other model runs that
model alone. Scenarios of different models can be compared side by side: each contributes the
outputs it has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, UnknownIdError
from ..model import Model, load_model
from ..scenario import Scenario, load_scenario
from .cells import CellLayer, default_cell_layer, run_cells
from .coupling import plasma_drive
from .units import end_table

__all__ = ["BODY_MODEL", "DEFAULT_DURATION", "DEFAULT_MODEL", "compare", "scenario_model"]

#: the model a scenario runs on when it names none (as in ``mgsignal run --scenario``)
DEFAULT_MODEL = "mg_transport"
#: the whole-body model, whose scenarios drive the cell layer
BODY_MODEL = "body"
#: simulated length of a scenario that sets no duration, s
DEFAULT_DURATION = 12 * 3600.0


def scenario_model(scenario: Scenario) -> str:
    """The model a scenario runs on: its own ``model``, else the transport model."""
    return scenario.model or DEFAULT_MODEL


def compare(names: Sequence[str | Scenario] | str | Scenario, *, outputs: Sequence[str] | None = None,
            n_points: int = 121, step: float | None = None, cells: bool = True, model: Model | None = None,
            models: Mapping[str, Model] | None = None, layer: CellLayer | None = None) -> pd.DataFrame:
    """Run scenarios and return their readouts over time as a tidy (long) table.

    Args:
        names: built-in scenario names, scenario files or :class:`Scenario` objects.
        outputs: ids to report; default: each scenario's ``outputs`` (else its model's
            readouts) and, for body scenarios with ``cells``, every output of the cell layer.
        n_points: output times per scenario, evenly spaced over its own duration (scenarios
            without one run 12 h).
        step: instead of ``n_points``, the largest spacing of output times (s): each scenario
            gets ``ceil(duration / step) + 1`` points (spacing exactly ``step`` when the duration
            is a multiple of it: a 6 h step samples daily doses at the same clock times).
        cells: run the cell layer for body scenarios (plasma ionized Mg²⁺ -> ``Mg_e``).
        model: an already loaded model of the scenarios (else each model is loaded by name).
        models: already loaded models by name (cell models included).
        layer: the cell layer (default :func:`~mgsignal.clinical.cells.default_cell_layer`).

    Returns:
        A long DataFrame with columns ``scenario, time, model, output, value, unit`` (time in s,
        units as each model writes them). ``.attrs``: ``scenarios``, ``outputs``, ``model``
        (the scenarios' model, or ``"body + cells"`` / ``"mixed"``), ``models`` (output ->
        model), ``units`` and ``names`` (output id -> unit, display name), ``drives`` (body
        scenario -> number of plasma Mg intervals) and ``end``, a wide table (scenario x
        output) of the values at each scenario's end.

    Raises:
        InvalidInputError: no scenario, a scenario named twice, bad ``n_points``.
        UnknownIdError: an unknown scenario, or an output none of the scenarios has.
    """
    if isinstance(names, (str, Scenario)):
        names = [names]
    scenarios = [load_scenario(name) for name in names]
    if not scenarios:
        raise InvalidInputError("compare needs at least one scenario")
    seen = [s.name for s in scenarios]
    repeated = sorted({name for name in seen if seen.count(name) > 1})
    if repeated:
        raise InvalidInputError(f"scenario {repeated[0]!r} is named twice; compare each scenario once")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise InvalidInputError(f"n_points must be an integer of at least 2, got {n_points!r}")
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0):
        raise InvalidInputError(f"step must be a number of seconds > 0, got {step!r}")
    loaded = dict(models or {})
    if model is not None:
        if any(scenario_model(s) != model.name for s in scenarios):
            other = next(s for s in scenarios if scenario_model(s) != model.name)
            raise InvalidInputError(f"scenario {other.name!r} is for model {scenario_model(other)!r}, not {model.name!r}")
        loaded[model.name] = model

    def get(name: str) -> Model:
        if name not in loaded:
            loaded[name] = load_model(name)
        return loaded[name]

    layer = layer or default_cell_layer()
    available = {s.name: _available(s, get, cells, layer) for s in scenarios}
    wanted = _wanted(scenarios, available, outputs, get, cells, layer)
    parts, units, names_of, source, drives = [], {}, {}, {}, {}
    for scenario in scenarios:
        chosen = [sid for sid in wanted if sid in available[scenario.name]]
        if not chosen:
            raise InvalidInputError(f"none of the outputs {wanted} is an output of scenario {scenario.name!r} "
                                    f"(model {scenario_model(scenario)!r})")
        points = n_points if step is None else int(np.ceil((scenario.duration or DEFAULT_DURATION) / step - 1e-9)) + 1
        table, origin, drive = _run(scenario, chosen, max(points, 2), get, cells, layer)
        drives.update({scenario.name: drive} if drive is not None else {})
        for sid in chosen:
            owner = get(origin[sid])
            units.setdefault(sid, owner.units.get(sid, ""))
            names_of.setdefault(sid, _name(sid, owner, layer))
            source.setdefault(sid, origin[sid])
        times = table.index.to_numpy(dtype=float)
        values = table[chosen].to_numpy(dtype=float)
        parts.append(pd.DataFrame({"scenario": scenario.name, "time": np.repeat(times, len(chosen)),
                                   "model": np.tile([origin[sid] for sid in chosen], len(times)),
                                   "output": np.tile(chosen, len(times)), "value": values.ravel(),
                                   "unit": np.tile([units[sid] for sid in chosen], len(times))}))
    result = pd.concat(parts, ignore_index=True)
    end = end_table(result)
    end.columns = end.columns.get_level_values("output")
    end.columns.name = "output"
    kinds = {scenario_model(s) for s in scenarios}
    label = kinds.pop() if len(kinds) == 1 else "mixed"
    if label == BODY_MODEL and cells and set(source.values()) - {BODY_MODEL}:
        label = "body + cells"
    result.attrs.update({"model": label, "scenarios": seen, "outputs": list(dict.fromkeys(result["output"])),
                         "models": source, "units": units, "names": names_of, "drives": drives, "end": end})
    return result


def _available(scenario: Scenario, get, cells: bool, layer: CellLayer) -> dict[str, None]:
    """Every id a scenario can report: its model's outputs and, for a body scenario with
    ``cells``, the cell layer's."""
    ids = dict.fromkeys(get(scenario_model(scenario)).outputs)
    if cells and scenario_model(scenario) == BODY_MODEL:
        ids.update(dict.fromkeys(layer.outputs()))
    return ids


def _wanted(scenarios: list[Scenario], available: dict[str, dict[str, None]], outputs: Sequence[str] | None,
            get, cells: bool, layer: CellLayer) -> list[str]:
    """The outputs to report: those given (each must belong to some scenario), else each
    scenario's own (or its model's readouts) and, for body scenarios, the cell layer's."""
    if outputs is None:
        wanted = []
        for scenario in scenarios:
            wanted += list(scenario.outputs) or list(get(scenario_model(scenario)).readouts)
            if cells and scenario_model(scenario) == BODY_MODEL:
                wanted += list(layer.outputs())
        return list(dict.fromkeys(wanted))
    wanted = list(dict.fromkeys(outputs))
    if not wanted:
        raise InvalidInputError("outputs is empty; give ids, or None for the scenarios' outputs")
    everything = dict.fromkeys(sid for ids in available.values() for sid in ids)
    for sid in wanted:
        if sid not in everything:
            raise UnknownIdError(sid, everything, what="output", where="the compared scenarios")
    return wanted


def _run(scenario: Scenario, outputs: list[str], n_points: int, get, cells: bool,
         layer: CellLayer) -> tuple[pd.DataFrame, dict[str, str], int | None]:
    """One scenario: a wide table (time index) of ``outputs`` and output -> model."""
    from ..simulation import simulate

    model = get(scenario_model(scenario))
    duration = scenario.duration or DEFAULT_DURATION
    own = [sid for sid in outputs if sid in model.outputs]
    origin = dict.fromkeys(own, model.name)
    rest = [sid for sid in outputs if sid not in origin]
    if not (cells and model.name == BODY_MODEL and rest):
        return simulate(model, scenario, t_end=duration, n_points=n_points, outputs=own), origin, None
    table = simulate(model, scenario, t_end=duration, n_points=n_points, outputs=own) if own else None
    drive = plasma_drive(model, replace(scenario, duration=duration), rel_tol=layer.rel_tol, max_step=layer.max_step)
    cell_table, cell_origin = run_cells(drive, layer.needed(rest), n_points=n_points, model=get)
    origin.update({sid: cell_origin[sid] for sid in rest})
    cell_table = cell_table[rest]
    if table is not None:
        cell_table.index = table.index
        cell_table = pd.concat([table, cell_table], axis=1)
    return cell_table, origin, len(drive.starts)


def _name(sid: str, model: Model, layer: CellLayer) -> str:
    name = model.names.get(sid, sid)
    for probe in layer.probes:
        if probe.model == model.name and sid in probe.outputs:
            return f"{name} {probe.label}"
    return name
