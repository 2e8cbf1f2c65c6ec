"""Published experiments as data: PEtab-style folders read into plain, frozen objects.

Each experiment is a folder (``mgsignal/calibration/experiments/<id>/``) with PEtab v1 tables
and three extensions (``experiments/README.md`` describes the layout):

- ``problem.yaml``: names the tables (PEtab v1) and, under ``extensions: mgsignal:``, the model
  and the extension files;
- ``conditions.tsv``, ``measurements.tsv``, ``observables.tsv`` (plus ``observableUnit``,
  ``assay`` and ``assayDescription`` columns), ``parameters.tsv`` (observation scales and offsets only);
- ``protocol.tsv``: the start times (s, on the measurement clock) of the phases of each
  ``protocolId`` that measurements refer to (the content of a PEtab v2 experiment table);
- ``SPLIT`` (``train`` or ``held-out``) and ``SOURCE.md`` (citation, what was read, conversions).

Reading checks every table and raises :class:`ExperimentFormatError` naming the file, the
column and, where it helps, the row. Turning an experiment into mgsignal scenarios
(:meth:`Experiment.runs`) needs no model; simulating it is :mod:`.objective`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path

import pandas as pd
import yaml

from ..errors import InvalidInputError, UnknownIdError
from ..scenario import Phase, Scenario

#: the two halves of the data: fitted, and predicted without being fitted
SPLITS = ("train", "held-out")
#: observation models of :func:`mgsignal.assays.measure` an observable may name, or "none"
ASSAYS = ("mag-fura-2", "31p-nmr", "aas", "none")
#: required columns of each table
COLUMNS = {
    "conditions": ("conditionId",),
    "measurements": ("observableId", "preequilibrationConditionId", "simulationConditionId", "time",
                     "measurement", "observableParameters", "noiseParameters", "protocolId"),
    "observables": ("observableId", "observableFormula", "noiseFormula", "assay"),
    "parameters": ("parameterId", "parameterScale", "lowerBound", "upperBound", "nominalValue", "estimate"),
    "protocol": ("protocolId", "start_time", "conditionId"),
}


class ExperimentFormatError(InvalidInputError):
    """An experiment folder does not follow the layout; the message names file, column and row."""

    def __init__(self, path: Path | str, message: str, *, column: str | None = None, row: int | None = None):
        self.path, self.column, self.row = Path(path), column, row
        where = str(path) + (f", column {column!r}" if column else "") + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Observable:
    """What was measured, as a PEtab observable: ``formula`` of model ids and at most one
    ``observableParameter1_<id>`` (a scale or an offset); normal noise with the SD given per
    measurement. ``assay`` names the instrument model of :mod:`mgsignal.assays` that turns the
    model's state into the reported number (``"none"``: the formula's model ids directly);
    ``unit`` is the unit of the reported number."""

    id: str
    name: str
    formula: str
    noise_formula: str
    assay: str
    description: str
    unit: str = ""


@dataclass(frozen=True)
class ObservationParameter:
    """A scale or offset of an observable (``parameters.tsv``): estimated per experiment within
    ``lower``..``upper`` (linear values), or fixed at ``nominal``."""

    id: str
    scale: str
    lower: float
    upper: float
    nominal: float
    estimate: bool
    note: str


@dataclass(frozen=True)
class Run:
    """One simulation of an experiment: a protocol after one pre-equilibration, as a
    :class:`~mgsignal.scenario.Scenario`, and the rows of the measurement table it predicts."""

    protocol: str
    preequilibration: str
    scenario: Scenario
    rows: tuple[int, ...]


@dataclass(frozen=True, eq=False)  # holds a DataFrame: compare fields, not objects
class Experiment:
    """One published experiment, as plain data.

    Attributes:
        id: the folder name (author, year, what).
        split: ``"train"`` (fitted) or ``"held-out"`` (predicted only).
        model: name of the model the experiment is written for.
        conditions: condition id -> {target id -> value}.
        protocols: protocol id -> ((start time in s, condition id), ...), starts increasing from 0.
        observables: observable id -> :class:`Observable`.
        observation_parameters: parameter id -> :class:`ObservationParameter`.
        measurements: the measurement table (PEtab columns, ``time`` and ``measurement`` floats,
            ``noiseParameters`` the SD as a float, ``observableParameters`` a string).
        source: the text of ``SOURCE.md`` (citation, how the numbers were read).
        folder: where it was read from.
    """

    id: str
    split: str
    model: str
    conditions: Mapping[str, Mapping[str, float]]
    protocols: Mapping[str, tuple[tuple[float, str], ...]]
    observables: Mapping[str, Observable]
    observation_parameters: Mapping[str, ObservationParameter]
    measurements: pd.DataFrame
    source: str
    folder: Path | None = None

    def runs(self, *, preequilibration_time: float | None = None) -> list[Run]:
        """One :class:`Run` per (protocol, pre-equilibration condition) that measurements use,
        in order of first appearance: the pre-equilibration condition's changes, then the first
        phase's condition at time 0, then each later phase at its start. With
        ``preequilibration_time`` the pre-equilibration is simulated that long (s) instead of
        solved for a steady state."""
        runs = []
        table = self.measurements
        keys = list(dict.fromkeys(zip(table["protocolId"], table["preequilibrationConditionId"])))
        for protocol, pre in keys:
            phases = self.protocols[protocol]
            rows = tuple(int(i) for i in table.index[(table["protocolId"] == protocol)
                                                       & (table["preequilibrationConditionId"] == pre)])
            scenario = Scenario(name=f"{self.id}:{protocol}", description=f"experiment {self.id}, protocol {protocol}",
                                preequilibration=dict(self.conditions[pre]),
                                changes=dict(self.conditions[phases[0][1]]),
                                phases=tuple(Phase(start=start, changes=dict(self.conditions[cid]))
                                             for start, cid in phases[1:]),
                                preequilibration_time=preequilibration_time, model=self.model,
                                source=f"mgsignal.calibration experiment {self.id}")
            runs.append(Run(protocol=protocol, preequilibration=pre, scenario=scenario, rows=rows))
        return runs


def experiments_folder() -> Path:
    """The folder of the experiments that ship with the package."""
    return Path(str(resources.files("mgsignal.calibration") / "experiments"))


def available_experiments(*, folder: str | Path | None = None) -> list[str]:
    """Ids of the experiments in ``folder`` (default: the shipped ones), sorted."""
    root = Path(folder) if folder is not None else experiments_folder()
    if not root.is_dir():
        raise InvalidInputError(f"{root}: not a folder of experiments")
    return sorted(p.name for p in root.iterdir() if (p / "problem.yaml").is_file())


def load_experiments(names: str | Iterable[str] | None = None, *, folder: str | Path | None = None
                     ) -> list[Experiment]:
    """Read experiments.

    Args:
        names: ``None`` or ``"all"`` (every experiment), ``"train"`` or ``"held-out"`` (one
            split), or experiment ids.
        folder: a folder of experiment folders (default: the shipped ones).

    Raises:
        UnknownIdError: an id is not in the folder (with near matches).
        ExperimentFormatError: a folder breaks the layout (names file, column and row).
    """
    root = Path(folder) if folder is not None else experiments_folder()
    known = available_experiments(folder=root)
    if names is None or names == "all":
        ids = known
    elif isinstance(names, str) and names in SPLITS:
        return [e for e in (read_experiment(root / k) for k in known) if e.split == names]
    else:
        ids = [names] if isinstance(names, str) else list(names)
        for name in ids:
            if name not in known:
                raise UnknownIdError(name, known, what="experiment", where=str(root))
    return [read_experiment(root / name) for name in ids]


def read_experiment(folder: str | Path) -> Experiment:
    """Read and check one experiment folder (see the module docstring for the layout)."""
    folder = Path(folder)
    problem_file = folder / "problem.yaml"
    if not problem_file.is_file():
        raise ExperimentFormatError(problem_file, "missing: every experiment folder needs a problem.yaml")
    try:
        problem = yaml.safe_load(problem_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ExperimentFormatError(problem_file, f"not valid YAML: {error}") from error
    files = _files(problem_file, problem)
    conditions = _conditions(files["conditions"])
    protocols = _protocols(files["protocol"], conditions)
    observables = _observables(files["observables"])
    parameters = _parameters(files["parameters"]) if files["parameters"].is_file() else {}
    measurements = _measurements(files["measurements"], conditions, protocols, observables, parameters)
    split = files["split"].read_text(encoding="utf-8").strip() if files["split"].is_file() else ""
    if split not in SPLITS:
        raise ExperimentFormatError(files["split"], f"must hold one of {SPLITS}, got {split!r}")
    if not files["source"].is_file():
        raise ExperimentFormatError(files["source"], "missing: every experiment needs its source (citation, how read)")
    model = problem.get("extensions", {}).get("mgsignal", {}).get("model", "mg_transport")
    return Experiment(id=folder.name, split=split, model=str(model), conditions=conditions, protocols=protocols,
                      observables=observables, observation_parameters=parameters, measurements=measurements,
                      source=files["source"].read_text(encoding="utf-8"), folder=folder)


# ---------------------------------------------------------------------- tables

def _files(problem_file: Path, problem: Mapping) -> dict[str, Path]:
    folder = problem_file.parent
    try:
        (entry,) = problem["problems"]
        files = {"conditions": entry["condition_files"], "measurements": entry["measurement_files"],
                 "observables": entry["observable_files"]}
    except (KeyError, TypeError, ValueError) as error:
        raise ExperimentFormatError(problem_file, "needs one entry under 'problems' with condition_files, "
                                    "measurement_files and observable_files") from error
    paths = {}
    for kind, names in files.items():
        if not isinstance(names, list) or len(names) != 1:
            raise ExperimentFormatError(problem_file, f"{kind[:-1]}_files must list one file, got {names!r}")
        paths[kind] = folder / str(names[0])
    extension = (problem.get("extensions") or {}).get("mgsignal") or {}
    paths["parameters"] = folder / str(problem.get("parameter_file", "parameters.tsv"))
    paths["protocol"] = folder / str(extension.get("protocol_file", "protocol.tsv"))
    paths["split"] = folder / str(extension.get("split_file", "SPLIT"))
    paths["source"] = folder / str(extension.get("source_file", "SOURCE.md"))
    return paths


def _table(path: Path, kind: str) -> pd.DataFrame:
    if not path.is_file():
        raise ExperimentFormatError(path, f"missing: the {kind} table")
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ExperimentFormatError(path, f"not a tab-separated table: {error}") from error
    table.columns = [c.strip() for c in table.columns]
    for column in COLUMNS[kind]:
        if column not in table.columns:
            raise ExperimentFormatError(path, f"missing column (the {kind} table needs {', '.join(COLUMNS[kind])})",
                                        column=column)
    return table.map(str.strip)


def _number(path: Path, column: str, row: int, text: str, *, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ExperimentFormatError(path, f"{text!r} is not a number", column=column, row=row) from None
    if not math.isfinite(value) or (positive and value <= 0):
        raise ExperimentFormatError(path, f"{text!r} must be a finite{' positive' if positive else ''} number",
                                    column=column, row=row)
    return value


def _unique_ids(path: Path, table: pd.DataFrame, column: str) -> None:
    for row, value in enumerate(table[column], start=1):
        if not value:
            raise ExperimentFormatError(path, "empty id", column=column, row=row)
    repeated = sorted(set(table[column][table[column].duplicated()]))
    if repeated:
        raise ExperimentFormatError(path, f"ids must be unique, repeated: {', '.join(repeated)}", column=column)


def _conditions(path: Path) -> dict[str, dict[str, float]]:
    table = _table(path, "conditions")
    _unique_ids(path, table, "conditionId")
    targets = [c for c in table.columns if c not in ("conditionId", "conditionName")]
    conditions = {}
    for row, record in enumerate(table.to_dict("records"), start=1):
        conditions[record["conditionId"]] = {t: _number(path, t, row, record[t]) for t in targets if record[t] != ""}
    return conditions


def _protocols(path: Path, conditions: Mapping[str, Mapping[str, float]]) -> dict[str, tuple[tuple[float, str], ...]]:
    table = _table(path, "protocol")
    phases: dict[str, list[tuple[float, str]]] = {}
    for row, record in enumerate(table.to_dict("records"), start=1):
        start = _number(path, "start_time", row, record["start_time"])
        if record["conditionId"] not in conditions:
            raise ExperimentFormatError(path, f"condition {record['conditionId']!r} is not in conditions.tsv",
                                        column="conditionId", row=row)
        phases.setdefault(record["protocolId"], []).append((start, record["conditionId"]))
    for protocol, steps in phases.items():
        starts = [s for s, _ in steps]
        if starts[0] != 0 or any(b <= a for a, b in pairwise(starts)):
            raise ExperimentFormatError(path, f"protocol {protocol!r}: phase starts must begin at 0 and increase, "
                                        f"got {starts}", column="start_time")
    return {k: tuple(v) for k, v in phases.items()}


def _observables(path: Path) -> dict[str, Observable]:
    table = _table(path, "observables")
    _unique_ids(path, table, "observableId")
    observables = {}
    for row, record in enumerate(table.to_dict("records"), start=1):
        oid = record["observableId"]
        for column, allowed in (("observableTransformation", "lin"), ("noiseDistribution", "normal")):
            if record.get(column, allowed) not in ("", allowed):
                raise ExperimentFormatError(path, f"only {allowed!r} is supported, got {record[column]!r}",
                                            column=column, row=row)
        if record["noiseFormula"] != f"noiseParameter1_{oid}":
            raise ExperimentFormatError(path, f"the noise must be given per measurement: write "
                                        f"noiseParameter1_{oid}, got {record['noiseFormula']!r}",
                                        column="noiseFormula", row=row)
        if record["assay"] not in ASSAYS:
            raise ExperimentFormatError(path, f"unknown assay {record['assay']!r}; one of {', '.join(ASSAYS)}",
                                        column="assay", row=row)
        if not record["observableFormula"]:
            raise ExperimentFormatError(path, "empty formula", column="observableFormula", row=row)
        observables[oid] = Observable(id=oid, name=record.get("observableName", ""),
                                      formula=record["observableFormula"], noise_formula=record["noiseFormula"],
                                      assay=record["assay"], description=record.get("assayDescription", ""),
                                      unit=record.get("observableUnit", ""))
    return observables


def _parameters(path: Path) -> dict[str, ObservationParameter]:
    table = _table(path, "parameters")
    _unique_ids(path, table, "parameterId")
    parameters = {}
    for row, record in enumerate(table.to_dict("records"), start=1):
        lower, upper, nominal = (_number(path, c, row, record[c]) for c in ("lowerBound", "upperBound", "nominalValue"))
        if not lower <= nominal <= upper:
            raise ExperimentFormatError(path, f"nominalValue {nominal:g} outside [{lower:g}, {upper:g}]",
                                        column="nominalValue", row=row)
        if record["estimate"] not in ("0", "1"):
            raise ExperimentFormatError(path, f"must be 0 or 1, got {record['estimate']!r}", column="estimate", row=row)
        parameters[record["parameterId"]] = ObservationParameter(
            id=record["parameterId"], scale=record["parameterScale"], lower=lower, upper=upper, nominal=nominal,
            estimate=record["estimate"] == "1", note=record.get("note", ""))
    return parameters


def _measurements(path: Path, conditions: Mapping, protocols: Mapping, observables: Mapping,
                  parameters: Mapping) -> pd.DataFrame:
    table = _table(path, "measurements")
    if table.empty:
        raise ExperimentFormatError(path, "no measurements")
    times, values, sds = [], [], []
    for row, record in enumerate(table.to_dict("records"), start=1):
        for column, known, where in (("observableId", observables, "observables.tsv"),
                                     ("preequilibrationConditionId", conditions, "conditions.tsv"),
                                     ("simulationConditionId", conditions, "conditions.tsv"),
                                     ("protocolId", protocols, "protocol.tsv")):
            if record[column] not in known:
                raise ExperimentFormatError(path, f"{record[column]!r} is not in {where}", column=column, row=row)
        time = _number(path, "time", row, record["time"])
        times.append(time)
        values.append(_number(path, "measurement", row, record["measurement"]))
        sds.append(_number(path, "noiseParameters", row, record["noiseParameters"], positive=True))
        _check_observable_parameter(path, row, record, parameters, observables)
        active = [cid for start, cid in protocols[record["protocolId"]] if start <= time][-1:] or [None]
        if time < 0 or active[0] != record["simulationConditionId"]:
            raise ExperimentFormatError(path, f"at t = {time:g} s protocol {record['protocolId']!r} is in condition "
                                        f"{active[0]!r}, not {record['simulationConditionId']!r}",
                                        column="simulationConditionId", row=row)
    table = table.copy()
    table["time"], table["measurement"], table["noiseParameters"] = times, values, sds
    return table


def _check_observable_parameter(path: Path, row: int, record: Mapping[str, str], parameters: Mapping,
                                observables: Mapping[str, Observable]) -> None:
    text = record["observableParameters"]
    uses = f"observableParameter1_{record['observableId']}" in observables[record["observableId"]].formula
    if not text:
        if uses:
            raise ExperimentFormatError(path, f"observable {record['observableId']!r} has a parameter: give its id "
                                        "(parameters.tsv) or a number", column="observableParameters", row=row)
        return
    if ";" in text:
        raise ExperimentFormatError(path, "one observable parameter per measurement is supported",
                                    column="observableParameters", row=row)
    if text not in parameters:
        try:
            float(text)
        except ValueError:
            raise ExperimentFormatError(path, f"{text!r} is neither a number nor in parameters.tsv",
                                        column="observableParameters", row=row) from None
