"""Composite models: several modules merged into one SBML model, shared quantities linked.

A composite is described by a small TOML file in ``models/`` (``name``, ``description``,
``modules`` in order, ``[links]``). The modules are built from their Antimony files and merged
element by element into one namespace with libsbml:

- an id listed in ``[links]`` is owned by the named module; the element of that id in every
  other module is dropped, so their formulas now refer to the owner's element (e.g. the insulin
  module's parameter ``Mg_c`` becomes the transport module's cytosolic free Mg2+ species);
- any other id defined by two modules must be the same constant (same value and unit: shared
  physical constants, the extracellular compartment) or the build fails;
- every species ends in one substance unit, the first module's (:mod:`mgsignal.build.unify`):
  a species of a module in another unit (insulin: ymol, camp_pka: amol) has its value rescaled
  and every formula reads it, and its module's reaction rates, through a constant such as
  ``ymol_per_fmol`` (1e9), so every parameter keeps its value and unit and every readout its
  value. No SBML conversion factor is added (COPASI 4.48 gets them wrong); the modules' own ones
  of value 1 (insulin's percent pools) stay. docs/models/mg_signalling.md explains the choice.

Antimony's own module linking is not used: it cannot link modules that declare units (their
unit ids get prefixed and are then incompatible).

Modules from anywhere (docs/byo_module.md; :mod:`mgsignal.build.modules`): an entry of
``modules`` may also be a path relative to the TOML, an SBML (``.xml``/``.sbml``) or Antimony
(``.ant``) file, whose module name is the file's stem; further keys:

- ``[units.<module>]``: what the module's numbers mean (``time``, ``substance``, ``volume``,
  ``area``, ``length``, ``undetermined``) and ``[units.<module>.ids]`` (file id -> unit); the
  module is given units by them and by its equations (:mod:`mgsignal.build.unitmap`) and is
  converted to the composite's time unit;
- ``[rename.<module>]``: file id -> new id (for ids that clash with another module's);
- ``[[couplings]]``: ``reaction``, ``factor`` (a dimensionless formula multiplying the rate
  law), ``note``, and ``[couplings.parameters]`` (id = { value, unit, source }), applied after
  the merge (:mod:`mgsignal.build.couplings`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import libsbml
import pandas as pd

from ..errors import ModelBuildError
from .metadata import add_model_metadata
from .sbml import read_text, sbml_problems
from .unify import CONVERSION_NAME, is_conversion, species_scales, unify_substance_units
# [byo] modules from anywhere: location, loading, unit maps, renames, couplings
from .couplings import Coupling, apply_couplings, coupling_parameter_rows
from .modules import (CONSTANT, added_parameter_rows, load_modules, module_name, module_parameter_table,
                      read_module_options)
from .unitmap import UnitMap


@dataclass(frozen=True)
class CompositeSpec:
    """A composite model as data: its modules, in order, and the ids they share."""

    name: str
    modules: tuple[str, ...]
    links: dict[str, str] = field(default_factory=dict)
    description: str = ""
    # [byo] module name -> entry as written; [units.<module>]; [rename.<module>]; [[couplings]]
    files: dict[str, str] = field(default_factory=dict)
    units: dict[str, UnitMap] = field(default_factory=dict)
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    couplings: tuple[Coupling, ...] = ()


def read_composite(path: str | Path) -> CompositeSpec:
    """Read a composite description (TOML)."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise ModelBuildError([f"{path}: invalid TOML: {error}"]) from None
    modules, links = data.get("modules", ()), data.get("links", {})
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        raise ModelBuildError([f"{path}: 'modules' must be a list of module names, got {modules!r}"])
    if not isinstance(links, dict) or not all(isinstance(v, str) for v in links.values()):
        raise ModelBuildError([f"{path}: [links] must map ids to module names, got {links!r}"])
    options = read_module_options(data, path, modules)  # [byo] paths, units, renames, couplings
    modules, links = tuple(module_name(m) for m in modules), dict(links)
    problems = [f"{path}: link {sid!r} names module {owner!r}, which is not in modules {list(modules)}"
                for sid, owner in links.items() if owner not in modules]
    if len(modules) < 2:
        problems.append(f"{path}: a composite needs at least two modules")
    if problems:
        raise ModelBuildError(problems)
    return CompositeSpec(name=str(data.get("name", path.stem)), modules=modules, links=links,
                         description=str(data.get("description", "")), **options)


def build_composite(path: str | Path) -> str:
    """Build the validated SBML of a composite model (zero libsbml errors and warnings)."""
    path = Path(path)
    spec = read_composite(path)
    documents = load_modules(spec, path).documents  # [byo] shipped names, .ant or SBML files, unit maps
    merged = documents[spec.modules[0]].clone()
    target = merged.getModel()
    target.setId(spec.name)
    target.setMetaId(spec.name)
    target.setName(spec.description or spec.name)
    add_model_metadata(target, path)
    _drop_linked(target, spec, spec.modules[0])
    extents = {r.getId(): target.getExtentUnits() for r in target.getListOfReactions()}
    for module in spec.modules[1:]:
        source = documents[module].getModel()
        _drop_linked(source, spec, module)
        extents.update({r.getId(): source.getExtentUnits() for r in source.getListOfReactions()})
        _merge(target, source, module, path)
    apply_couplings(target, spec.couplings, path)  # [byo] [[couplings]] after the merge
    try:
        unify_substance_units(merged, extents=extents)
    except ModelBuildError as error:
        raise ModelBuildError([f"{path}: {problem}" for problem in error.problems]) from None
    sbml = libsbml.writeSBMLToString(merged)
    problems = sbml_problems(sbml, source=path)
    if problems:
        raise ModelBuildError(problems)
    return sbml


def composite_parameter_table(path: str | Path) -> pd.DataFrame:
    """Value, unit and source of every value of a composite: its modules' tables, less the
    linked ids the modules do not own, plus the unit conversions the merge adds (their source
    starts with ``Constant:``, so sensitivity analyses leave them alone). Units are the
    composite's: a module's own conversion factor is counted per composite unit."""
    path = Path(path)
    spec = read_composite(path)
    tables = []
    loaded = load_modules(spec, path)  # [byo]
    for module in spec.modules:
        table = module_parameter_table(spec, path, loaded, module)  # [byo] .ant table, or SBML values
        drop = [sid for sid, owner in spec.links.items() if owner != module]
        tables.append(table[~table["id"].isin(drop)].assign(module=module))
    combined = pd.concat(tables, ignore_index=True).drop_duplicates(subset="id", keep="first")
    model = libsbml.readSBMLFromString(build_composite(path)).getModel()
    combined = _in_composite_units(combined, model)
    extra = [{"id": p.getId(), "value": p.getValue(), "unit": p.getUnits(), "line": 0, "module": spec.name,
              "source": f"{CONSTANT} ({p.getName().removeprefix(CONVERSION_NAME)}; value 1 in physical terms)"}
             for p in model.getListOfParameters() if is_conversion(p)]
    extra += [dict(row, module=spec.name) for row in added_parameter_rows(model)]  # [byo]
    extra += coupling_parameter_rows(spec.couplings, spec.name)  # [byo]
    return pd.concat([combined, pd.DataFrame(extra)], ignore_index=True)


def _drop_linked(model: libsbml.Model, spec: CompositeSpec, module: str) -> None:
    for sid, owner in spec.links.items():
        if owner == module:
            continue
        element = model.getElementBySId(sid)
        if element is None:
            continue
        if element.getTypeCode() not in (libsbml.SBML_PARAMETER, libsbml.SBML_SPECIES):
            raise ModelBuildError([f"{module}: linked id {sid!r} is neither a parameter nor a species"])
        rule = model.getRule(sid)
        if rule is not None:
            raise ModelBuildError([f"{module}: linked id {sid!r} is computed by a rule here; only inputs can be replaced"])
        for assignment in [a for a in model.getListOfInitialAssignments() if a.getSymbol() == sid]:
            model.removeInitialAssignment(assignment.getSymbol())
        element.removeFromParentAndDelete()


def _merge(target: libsbml.Model, source: libsbml.Model, module: str, path: Path) -> None:
    problems: list[str] = []
    for definition in source.getListOfUnitDefinitions():
        existing = target.getUnitDefinition(definition.getId())
        if existing is None:
            target.addUnitDefinition(definition)
        elif not libsbml.UnitDefinition.areIdentical(existing, definition):
            problems.append(f"{path}: unit {definition.getId()!r} of {module} differs from the composite's")
    if source.getTimeUnits() != target.getTimeUnits() or source.getVolumeUnits() != target.getVolumeUnits():
        problems.append(f"{path}: {module} must use the composite's time and volume units")
    for function in source.getListOfFunctionDefinitions():
        _add_unique(target, function, target.addFunctionDefinition, module, path, problems)
    for compartment in source.getListOfCompartments():
        _add_or_same(target, compartment, target.addCompartment, module, path, problems)
    for parameter in source.getListOfParameters():
        _add_or_same(target, parameter, target.addParameter, module, path, problems)
    for species in source.getListOfSpecies():
        if not species.isSetSubstanceUnits():
            species.setSubstanceUnits(source.getSubstanceUnits())  # unify_substance_units converts it
        _add_unique(target, species, target.addSpecies, module, path, problems)
    for assignment in source.getListOfInitialAssignments():
        _add_unique(target, assignment, target.addInitialAssignment, module, path, problems, key=assignment.getSymbol())
    for rule in source.getListOfRules():
        _add_unique(target, rule, target.addRule, module, path, problems, key=rule.getVariable())
    for reaction in source.getListOfReactions():
        _add_unique(target, reaction, target.addReaction, module, path, problems)
    for event in source.getListOfEvents():
        _add_unique(target, event, target.addEvent, module, path, problems)
    if problems:
        raise ModelBuildError(problems)


def _in_composite_units(table: pd.DataFrame, model: libsbml.Model) -> pd.DataFrame:
    """The modules' rows as the composite has them: a species a module counts in another unit
    has its initial value in the composite's unit (the source says by what factor), and a
    module's own conversion factor its unit per composite unit."""
    scales, substance = species_scales(model), model.getSubstanceUnits()
    factors = {s.getConversionFactor() for s in model.getListOfSpecies() if s.isSetConversionFactor()}
    table = table.copy()
    for index, sid in table["id"].items():
        if sid in scales:
            table.loc[index, "value"] = table.loc[index, "value"] * scales[sid]
            note = f"[x {scales[sid]:g}: the composite counts it in {substance}]"
            table.loc[index, "source"] = f"{table.loc[index, 'source']} {note}"
        elif sid in factors:
            table.loc[index, "unit"] = model.getParameter(sid).getUnits()
    return table


def _add_unique(target: libsbml.Model, element, add, module: str, path: Path, problems: list[str],
                key: str | None = None) -> None:
    sid = key or element.getId()
    if target.getElementBySId(sid) is not None and key is None:
        problems.append(f"{path}: id {sid!r} of {module} is already defined by another module; link or rename it")
        return
    if add(element) != libsbml.LIBSBML_OPERATION_SUCCESS:
        problems.append(f"{path}: could not add {sid!r} of {module}")


def _add_or_same(target: libsbml.Model, element, add, module: str, path: Path, problems: list[str]) -> None:
    existing = target.getElementBySId(element.getId())
    if existing is None:
        _add_unique(target, element, add, module, path, problems)
        return
    same_kind = existing.getTypeCode() == element.getTypeCode()
    value = (lambda e: e.getSize()) if element.getTypeCode() == libsbml.SBML_COMPARTMENT else (lambda e: e.getValue())
    if not (same_kind and existing.getConstant() and element.getConstant()
            and math.isclose(value(existing), value(element), rel_tol=1e-12)
            and existing.getUnits() == element.getUnits()):
        problems.append(f"{path}: {element.getId()!r} of {module} differs from the one already in the composite; "
                        "link it in [links] or rename it")
