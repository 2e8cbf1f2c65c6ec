"""Composite models: several modules merged into one SBML model, shared quantities linked.

A composite is described by a small TOML file in ``models/`` (``name``, ``description``,
``modules`` in order, ``[links]``). The modules are built from their Antimony files and merged
element by element into one namespace with libsbml:

- an id listed in ``[links]`` is owned by the named module; the element of that id in every
  other module is dropped, so their formulas now refer to the owner's element (e.g. the insulin
  module's parameter ``Mg_c`` becomes the transport module's cytosolic free Mg2+ species);
- any other id defined by two modules must be the same constant (same value and unit: shared
  physical constants, the extracellular compartment) or the build fails;
- modules whose substance unit differs from the first module's keep their species in their own
  unit: their reactions are rescaled to the composite's extent and SBML conversion factors map
  the extent back, so the numbers are exactly those of the module and units stay consistent.

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
from .units import add_quotient_unit, unit_ratio
# [byo] modules from anywhere: location, loading, unit maps, renames, couplings
from .couplings import Coupling, apply_couplings, coupling_parameter_rows
from .modules import added_parameter_rows, load_modules, module_name, module_parameter_table, read_module_options
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
    for module in spec.modules[1:]:
        source = documents[module].getModel()
        _drop_linked(source, spec, module)
        _merge(target, source, module, path)
    apply_couplings(target, spec.couplings, path)  # [byo] [[couplings]] after the merge
    sbml = libsbml.writeSBMLToString(merged)
    problems = sbml_problems(sbml, source=path)
    if problems:
        raise ModelBuildError(problems)
    return sbml


def composite_parameter_table(path: str | Path) -> pd.DataFrame:
    """Value, unit and source of every value of a composite: its modules' tables, less the
    linked ids the modules do not own, plus the unit-conversion factors the merge adds."""
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
    extra = [{"id": p.getId(), "value": p.getValue(), "unit": p.getUnits(), "line": 0, "module": spec.name,
              "source": "Unit conversion added by the composite build (extent of a module in the composite's extent)"}
             for p in model.getListOfParameters() if p.getId().startswith("extent_of_") or p.getId().startswith("cf_")]
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
    scale = _extent_scale(target, source, module, path, problems)
    for function in source.getListOfFunctionDefinitions():
        _add_unique(target, function, target.addFunctionDefinition, module, path, problems)
    for compartment in source.getListOfCompartments():
        _add_or_same(target, compartment, target.addCompartment, module, path, problems)
    for parameter in source.getListOfParameters():
        _add_or_same(target, parameter, target.addParameter, module, path, problems)
    for species in source.getListOfSpecies():
        if not species.isSetSubstanceUnits():
            species.setSubstanceUnits(source.getSubstanceUnits())
        if scale is not None:
            species.setConversionFactor(_conversion_factor(target, source, species, scale, module))
        _add_unique(target, species, target.addSpecies, module, path, problems)
    for assignment in source.getListOfInitialAssignments():
        _add_unique(target, assignment, target.addInitialAssignment, module, path, problems, key=assignment.getSymbol())
    for rule in source.getListOfRules():
        _add_unique(target, rule, target.addRule, module, path, problems, key=rule.getVariable())
    for reaction in source.getListOfReactions():
        if scale is not None:
            law = reaction.getKineticLaw()
            law.setMath(libsbml.parseL3Formula(f"{scale.getId()} * ({libsbml.formulaToL3String(law.getMath())})"))
        _add_unique(target, reaction, target.addReaction, module, path, problems)
    for event in source.getListOfEvents():
        _add_unique(target, event, target.addEvent, module, path, problems)
    if problems:
        raise ModelBuildError(problems)


def _extent_scale(target: libsbml.Model, source: libsbml.Model, module: str, path: Path,
                  problems: list[str]) -> libsbml.Parameter | None:
    """A parameter converting the module's extent to the composite's (None when they agree)."""
    mine, theirs = source.getExtentUnits(), target.getExtentUnits()
    if mine == theirs:
        return None
    factor = unit_ratio(source.getUnitDefinition(mine), target.getUnitDefinition(theirs))
    if factor is None:
        problems.append(f"{path}: extent unit {mine!r} of {module} is not a substance unit like {theirs!r}")
        return None
    unit = add_quotient_unit(target, theirs, mine)
    parameter = target.createParameter()
    parameter.setId(f"extent_of_{module}")
    parameter.setValue(factor)
    parameter.setUnits(unit)
    parameter.setConstant(True)
    parameter.setSBOTerm("SBO:0000002")  # a quantitative systems description parameter (a unit conversion)
    return parameter


def _conversion_factor(target: libsbml.Model, source: libsbml.Model, species: libsbml.Species,
                       scale: libsbml.Parameter, module: str) -> str:
    """Conversion factor making d(species)/dt in the composite equal to the module's: the
    module's own factor (or 1) divided by the extent scale, in species substance per extent."""
    if species.isSetConversionFactor():
        original = source.getParameter(species.getConversionFactor())
        value, pid = original.getValue(), f"cf_{module}_{original.getId()}"
    else:
        value, pid = 1.0, f"cf_{module}"
    if target.getParameter(pid) is None:
        substance = species.getSubstanceUnits()  # the species keeps its module's substance unit
        parameter = target.createParameter()
        parameter.setId(pid)
        parameter.setValue(value / scale.getValue())
        parameter.setUnits(add_quotient_unit(target, substance, target.getExtentUnits()))
        parameter.setConstant(True)
        parameter.setSBOTerm("SBO:0000002")  # a quantitative systems description parameter (a unit conversion)
    return pid


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
