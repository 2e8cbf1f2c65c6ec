"""The modules of a composite: where they are, how they are loaded, and the TOML keys of a
module brought in from anywhere (see docs/byo_module.md).

An entry of a composite's ``modules`` list is either

- a **name** (``"mg_transport"``): the Antimony file ``<name>.ant`` next to the TOML, else the
  shipped module of that name; built as every shipped module is (zero libsbml warnings as it
  is), or
- a **path** relative to the TOML (``"BIOMD0000000448.xml"``, ``"../my_model.ant"``): an SBML
  file (``.xml``/``.sbml``, any level and version) or an Antimony file (``.ant``/``.txt``). Its
  module name is the file's stem. It is converted to SBML L3V2 (reactions marked ``fast`` are
  integrated as ordinary reactions, as COPASI and libroadrunner do), given units by its
  ``[units.<name>]`` table (:mod:`mgsignal.build.unitmap`), expressed in the composite's time
  unit, its ids renamed by ``[rename.<name>]`` (file id = new id), and checked on its own: any
  libsbml error or warning left is reported with the id of the element it is about.

:func:`load_modules` returns the SBML document of every module, ready for the merge in
:mod:`mgsignal.build.compose`; :func:`module_parameter_table` gives the value, unit and source of
each module's values.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import libsbml
import pandas as pd

from ..errors import ModelBuildError
from .antimony import antimony_to_sbml
from .couplings import read_couplings
from .parameters import read_parameter_table
from .sbml import _set_membrane_dimensions, _write_source_notes, build_module, read_text
from .module_time import convert_time
from .unit_algebra import Unit, UnitNames, si_key, unit_id
from .unit_problems import named_problems
from .unitmap import UNIT_MAP_KEYS, UnitMap, UnitReport, apply_unit_map, declares_units

SBML_SUFFIXES, ANTIMONY_SUFFIXES = (".xml", ".sbml"), (".ant", ".txt")
#: prefix of the notes of every value a composite build adds (read as fixed by mgsignal.model)
CONSTANT = "Constant: unit conversion added by the composite build"


@dataclass(frozen=True)
class ModuleFile:
    """Where a module comes from: ``kind`` is ``"module"`` (a name: Antimony built as shipped
    modules are), ``"antimony"`` or ``"sbml"`` (a path: brought in with the unit map)."""

    name: str
    path: Path
    kind: str
    entry: str


@dataclass
class LoadedModules:
    """The SBML document of each module (in the TOML's order) and what the unit map did."""

    files: dict[str, ModuleFile]
    documents: dict[str, libsbml.SBMLDocument]
    reports: dict[str, UnitReport] = field(default_factory=dict)
    cleared_fast: dict[str, list[str]] = field(default_factory=dict)


def _shipped_models() -> Path:
    """The shipped models' folder (as :func:`mgsignal.build.files.models_dir`, which cannot be
    imported here: files imports compose, which imports this module)."""
    installed = Path(str(resources.files("mgsignal"))) / "models"
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent.parent / "models"


def module_name(entry: str) -> str:
    """A module's name: the entry itself, or the stem of a file name."""
    suffix = Path(entry).suffix.lower()
    return Path(entry).stem if suffix in SBML_SUFFIXES + ANTIMONY_SUFFIXES else entry


def read_module_options(data: dict, path: Path, entries: list[str]) -> dict:
    """The TOML keys of modules from anywhere, checked for shape: ``files`` (module name ->
    entry), ``units`` (module name -> :class:`UnitMap`), ``renames`` (module name -> {file id:
    new id}) and ``couplings`` (see :mod:`mgsignal.build.couplings`).

    Raises:
        ModelBuildError: naming the TOML file and the key for each mistake.
    """
    names = [module_name(e) for e in entries]
    missing = [f"{path}: modules: {e!r} not found: no file {(path.parent / e).resolve()}" for e in entries
               if e != module_name(e) and not (path.parent / Path(e).expanduser()).is_file()]
    if missing:  # the cause of any [units.<module>] or [rename.<module>] that now names no module
        raise ModelBuildError(missing)
    problems = [f"{path}: modules: two modules are named {n!r}; rename one of the files"
                for n in sorted({n for n in names if names.count(n) > 1})]
    units: dict[str, UnitMap] = {}
    table = data.get("units", {})
    if not isinstance(table, dict):
        problems.append(f"{path}: [units] must be a table of module names, got {table!r}")
        table = {}
    for module, entry in table.items():
        where = f"{path}: [units.{module}]"
        if module not in names:
            problems.append(f"{where}: {module!r} is not a module of this composite (modules: {names})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table (time = \"minute\", ...), got {entry!r}")
            continue
        unknown = [k for k in entry if k not in UNIT_MAP_KEYS]
        if unknown:
            problems.append(f"{where}: unknown key(s) {unknown}; expected {list(UNIT_MAP_KEYS)}")
        ids = entry.get("ids", {})
        bad = [k for k in entry if k != "ids" and k in UNIT_MAP_KEYS and not isinstance(entry[k], str)]
        if bad or not isinstance(ids, dict) or not all(isinstance(v, str) for v in ids.values()):
            problems.append(f"{where}: units are written as text (time = \"minute\"; [units.{module}.ids] "
                            "k1 = \"1/(nM*min)\")")
            continue
        units[module] = UnitMap(**{k: v for k, v in entry.items() if k in UNIT_MAP_KEYS and k != "ids"},
                                ids=dict(ids))
    renames: dict[str, dict[str, str]] = {}
    table = data.get("rename", {})
    for module, entry in (table.items() if isinstance(table, dict) else []):
        if module not in names:
            problems.append(f"{path}: [rename.{module}]: {module!r} is not a module of this composite (modules: {names})")
        elif not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
            problems.append(f"{path}: [rename.{module}] must map the file's ids to new ids (x1 = \"insulin_e\")")
        else:
            renames[module] = dict(entry)
    couplings = ()
    try:
        couplings = read_couplings(data.get("couplings", []), path)
    except ModelBuildError as error:
        problems.extend(error.problems)
    if problems:
        raise ModelBuildError(problems)
    return {"files": dict(zip(names, entries)), "units": units, "renames": renames, "couplings": couplings}


def locate_modules(spec, path: Path) -> dict[str, ModuleFile]:
    """Find each module's file (see the module docstring)."""
    folder, problems, found = path.parent, [], {}
    for name in spec.modules:
        entry = spec.files.get(name, name)
        suffix = Path(entry).suffix.lower()
        if suffix in SBML_SUFFIXES + ANTIMONY_SUFFIXES:
            file = (folder / Path(entry).expanduser()).resolve()
            if not file.is_file():
                problems.append(f"{path}: modules: {entry!r} not found: no file {file}")
                continue
            found[name] = ModuleFile(name, file, "sbml" if suffix in SBML_SUFFIXES else "antimony", entry)
            continue
        for candidate in (folder / f"{name}.ant", _shipped_models() / f"{name}.ant"):
            if candidate.is_file():
                found[name] = ModuleFile(name, candidate, "module", entry)
                break
        else:
            shipped = sorted(p.stem for p in _shipped_models().glob("*.ant"))
            near = difflib.get_close_matches(name, shipped, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            problems.append(f"{path}: module {name!r} not found: no {folder / (name + '.ant')} and no shipped module "
                            f"of that name (shipped: {', '.join(shipped)}; a file is named with its suffix, "
                            f"e.g. \"{name}.xml\"){hint}")
    if problems:
        raise ModelBuildError(problems)
    return found


def load_modules(spec, path: Path) -> LoadedModules:
    """The SBML document of every module of a composite, ready to merge (see the module
    docstring); links and clashing ids are checked here, so that each mistake is named with
    the TOML key that fixes it."""
    files = locate_modules(spec, path)
    loaded = LoadedModules(files=files, documents={})
    reference = None
    units = libsbml.SBMLDocument(3, 2)  # the unit definitions of the modules loaded so far
    seen = units.createModel()
    for name in spec.modules:
        file = files[name]
        if file.kind == "module":
            document = libsbml.readSBMLFromString(build_module(file.path))
        else:
            document = _load_external(file, spec, path, reference, seen, loaded)
        _rename(document.getModel(), spec.renames.get(name, {}), name, path)
        loaded.documents[name] = document
        if reference is None:
            reference = document.getModel()
        for definition in document.getModel().getListOfUnitDefinitions():
            if seen.getUnitDefinition(definition.getId()) is None:
                seen.addUnitDefinition(definition)
    check_links(spec, loaded.documents, path)
    check_clashes(spec, loaded.documents, path)
    return loaded


def _load_external(file: ModuleFile, spec, path: Path, reference: libsbml.Model | None, seen: libsbml.Model,
                   loaded: LoadedModules) -> libsbml.SBMLDocument:
    """An SBML or Antimony file from anywhere, with its unit map applied, in composite time.
    ``reference`` is the first module (the composite's units), ``seen`` holds the unit
    definitions of the modules loaded so far."""
    name = file.name
    if file.kind == "antimony":
        document = libsbml.readSBMLFromString(antimony_to_sbml(read_text(file.path), path=file.path))
        _set_membrane_dimensions(document.getModel())
        _write_source_notes(document.getModel(), file.path)
    else:
        document = libsbml.readSBMLFromString(read_text(file.path))
        fatal = [document.getError(i) for i in range(document.getNumErrors())
                 if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
        if document.getModel() is None or fatal:
            message = " ".join(" ".join(e.getMessage().split()) for e in fatal[:3]) or "no <model> element"
            raise ModelBuildError([f"{path}: modules: {file.entry!r} ({file.path}) is not a readable SBML model: {message}"])
        packages = [package for package in (document.getPlugin(i).getPackageName()
                                            for i in range(document.getNumPlugins()))
                    if document.getLevel() >= 3 and (package == "comp" or document.getPackageRequired(package))]
        if packages:
            raise ModelBuildError([f"{path}: modules: {file.entry!r} uses SBML package(s) {packages}, "
                                   "which a composite cannot merge: flatten it first (e.g. with libsbml's CompFlatteningConverter)"])
    model = document.getModel()
    unitless = not declares_units(model)
    loaded.cleared_fast[name] = [r.getId() for r in model.getListOfReactions() if r.isSetFast() and r.getFast()]
    for reaction in model.getListOfReactions():
        if reaction.isSetFast() and reaction.getFast():
            reaction.appendNotes('<body xmlns="http://www.w3.org/1999/xhtml"><p>Marked fast (quasi-equilibrium) '
                                 "in the published file; integrated as an ordinary reaction with its own rate law "
                                 "(as COPASI and libroadrunner do)</p></body>")
        if reaction.isSetFast():
            reaction.setFast(False)
    if (document.getLevel(), document.getVersion()) != (3, 2):
        if not document.setLevelAndVersion(3, 2, False):
            messages = [document.getError(i).getMessage() for i in range(document.getNumErrors())]
            raise ModelBuildError([f"{path}: modules: {file.entry!r} cannot be converted to SBML L3V2: "
                                   + " ".join(" ".join(messages).split())[:500]])
        document = libsbml.readSBMLFromString(libsbml.writeSBMLToString(document))  # drop the conversion log
        model = document.getModel()
    where = f"{path}: [units.{name}]"
    loaded.reports[name] = apply_unit_map(model, spec.units.get(name), module=name, where=where,
                                          reference=seen if reference is not None else None, unitless=unitless)
    if reference is not None:
        _adopt_defaults(model, reference)
        scale = convert_time(model, reference, name, seen)
        extent = _convert_extent(model, reference, name, seen)
        for parameter in [p for p in (scale, *extent) if p is not None]:
            parameter.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>Source: {CONSTANT}: '
                               f'{parameter.getName()} (value 1 in physical terms)</p></body>')
    problems = named_problems(document, f"module {name}", path, module=name)
    if problems:
        raise ModelBuildError(problems)
    return document


def _adopt_defaults(model: libsbml.Model, reference: libsbml.Model) -> None:
    """Give the module the composite's model-wide volume, area and length units (every element
    of the module now names its own unit, so they change nothing but let the merge compare)."""
    for key in ("Volume", "Area", "Length", "Time"):
        uid = getattr(reference, f"get{key}Units")()
        if key != "Time":
            getattr(model, f"set{key}Units")(uid) if uid else getattr(model, f"unset{key}Units")()
        _adopt_unit(model, reference, uid)


def _adopt_unit(model: libsbml.Model, reference: libsbml.Model, uid: str) -> None:
    if uid and reference.getUnitDefinition(uid) is not None and model.getUnitDefinition(uid) is None:
        model.addUnitDefinition(reference.getUnitDefinition(uid))


def _convert_extent(model: libsbml.Model, reference: libsbml.Model, module: str, seen: libsbml.Model) -> tuple:
    """A module whose amounts are not amounts of substance (dimensionless, arbitrary units)
    cannot share the composite's extent by a unit factor: its reactions count 1 unit as 1
    composite extent unit (``extent_per_amount_<module>``) and the conversion factor
    ``amount_per_extent_<module>`` counts it back, so every number stays the module's."""
    mine, theirs = model.getExtentUnits(), reference.getExtentUnits()
    if not theirs or mine == theirs:
        return ()
    names = UnitNames({**{u.getId(): u for u in seen.getListOfUnitDefinitions()},
                       **{u.getId(): u for u in model.getListOfUnitDefinitions()}})
    a, b = names.definition(Unit.atom(mine) if mine != "dimensionless" else Unit()), names.definition(Unit.atom(theirs))
    if si_key(a)[0] == si_key(b)[0]:
        return ()  # an amount of substance in another unit: the merge rescales it
    problems = [f"{module}: species {s.getId()!r} has a conversion factor already; a module whose amounts are "
                "not amounts of substance cannot have one" for s in model.getListOfSpecies() if s.isSetConversionFactor()]
    if problems or model.isSetConversionFactor():
        raise ModelBuildError(problems or [f"{module}: the model has a conversion factor already"])
    _adopt_unit(model, reference, theirs)

    def parameter(pid: str, top: str, bottom: str, name: str) -> libsbml.Parameter:
        created = model.createParameter()
        created.setId(pid)
        created.setName(name)
        created.setValue(1.0)
        created.setConstant(True)
        unit = Unit.of({top: 1, bottom: -1}) if "dimensionless" not in (top, bottom) else (
            Unit.atom(top) if bottom == "dimensionless" else Unit.atom(bottom) ** -1)
        created.setUnits(unit_id(model, names, unit, reference=seen, prefix=module))
        return created

    inward = parameter(f"extent_per_amount_{module}", theirs, mine,
                       f"composite extent per unit amount of {module}, whose amounts are {mine}")
    outward = parameter(f"amount_per_extent_{module}", mine, theirs,
                        f"unit amount of {module} per composite extent, the inverse")
    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is not None and law.isSetMath():
            law.setMath(libsbml.parseL3Formula(f"{inward.getId()} * ({libsbml.formulaToL3String(law.getMath())})"))
    for species in model.getListOfSpecies():
        if species.getSubstanceUnits() == mine:
            species.setConversionFactor(outward.getId())
    model.setExtentUnits(theirs)
    return inward, outward


def _rename(model: libsbml.Model, renames: dict[str, str], module: str, path: Path) -> None:
    problems = []
    for old, new in renames.items():
        element = model.getElementBySId(old)
        if element is None:
            near = difflib.get_close_matches(old, _all_ids(model), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            problems.append(f"{path}: [rename.{module}] {old} = {new!r}: {module} has no id {old!r}{hint}")
        elif not libsbml.SyntaxChecker.isValidSBMLSId(new):
            problems.append(f"{path}: [rename.{module}] {old} = {new!r}: not a valid id (letters, digits, _)")
        elif model.getElementBySId(new) is not None:
            problems.append(f"{path}: [rename.{module}] {old} = {new!r}: {module} has an id {new!r} already")
        else:
            element.setId(new)
            elements = model.getListOfAllElements()
            for index in range(elements.getSize()):
                elements.get(index).renameSIdRefs(old, new)
    if problems:
        raise ModelBuildError(problems)


def _all_ids(model: libsbml.Model) -> list[str]:
    elements = model.getListOfAllElements()
    return sorted({e.getId() for e in (elements.get(i) for i in range(elements.getSize()))
                   if e is not None and e.isSetIdAttribute() and e.getId()
                   and e.getTypeCode() not in (libsbml.SBML_LOCAL_PARAMETER, libsbml.SBML_UNIT_DEFINITION)})


def check_links(spec, documents: dict[str, libsbml.SBMLDocument], path: Path) -> None:
    """Every ``[links]`` id must be defined by the module named as its owner."""
    problems = []
    for sid, owner in spec.links.items():
        if documents[owner].getModel().getElementBySId(sid) is not None:
            continue
        others = [m for m, d in documents.items() if m != owner and d.getModel().getElementBySId(sid) is not None]
        if others:
            hint = f"; {', '.join(others)} define(s) it: make that the owner"
        else:
            every = sorted({i for d in documents.values() for i in _all_ids(d.getModel())})
            near = difflib.get_close_matches(sid, every, n=3, cutoff=0.6)
            hint = (f"; no module defines it (did you mean {', '.join(repr(n) for n in near)}?)" if near
                    else "; no module defines it")
        problems.append(f"{path}: [links] {sid} = {owner!r}: {owner} has no element {sid!r}{hint}")
    if problems:
        raise ModelBuildError(problems)


def check_clashes(spec, documents: dict[str, libsbml.SBMLDocument], path: Path) -> None:
    """An id defined by two modules, not linked, is refused before the merge (which accepts
    only the same constant parameter or compartment twice) with the two ways out."""
    owner: dict[str, tuple[str, int]] = {}
    problems = []
    for module, document in documents.items():
        for sid in _all_ids(document.getModel()):
            if sid in spec.links:
                continue
            kind = document.getModel().getElementBySId(sid).getTypeCode()
            if sid in owner:
                first, first_kind = owner[sid]
                shared_kinds = (libsbml.SBML_PARAMETER, libsbml.SBML_COMPARTMENT)
                if not (kind == first_kind and kind in shared_kinds):
                    new = f"{sid}_{module}"
                    problems.append(f"{path}: id {sid!r} is defined by both {first} and {module}: link it "
                                    f"([links] {sid} = \"{first}\", when both mean the same quantity) or rename "
                                    f"it ([rename.{module}] {sid} = \"{new}\")")
            else:
                owner[sid] = (module, kind)
    if problems:
        raise ModelBuildError(problems)


# ----------------------------------------------------------------------------- parameter table


def module_parameter_table(spec, path: Path, loaded: LoadedModules, module: str) -> pd.DataFrame:
    """Value, unit and source of every value of one module: an Antimony file's own table, or
    for an SBML file each parameter (and compartment) as published, with the file, the paper
    the file cites, and where its unit came from."""
    file = loaded.files[module]
    if file.kind != "sbml":
        return read_parameter_table(file.path)
    model = loaded.documents[module].getModel()
    report = loaded.reports.get(module, UnitReport())
    citation = _citation(libsbml.readSBMLFromString(read_text(file.path)).getModel(), file.path)
    renamed = {new: old for old, new in spec.renames.get(module, {}).items()}
    rows = []
    for element in list(model.getListOfParameters()) + list(model.getListOfCompartments()):
        sid = element.getId()
        if sid.startswith(("time_scale_", "extent_per_amount_", "amount_per_extent_")) or model.getRule(sid):
            continue
        value = element.getSize() if element.getTypeCode() == libsbml.SBML_COMPARTMENT else element.getValue()
        how = report.how.get(renamed.get(sid, sid), "declared in the file")
        rows.append({"id": sid, "value": value, "unit": element.getUnits(), "line": 0,
                     "source": f"{citation}; value as published; unit {how}"})
    return pd.DataFrame(rows, columns=["id", "value", "unit", "source", "line"])


def added_parameter_rows(model: libsbml.Model) -> list[dict]:
    """The parameters the module loading adds (time scales, extent counts), for the table."""
    return [{"id": p.getId(), "value": p.getValue(), "unit": p.getUnits(), "line": 0,
             "source": f"{CONSTANT} ({p.getName()})"}
            for p in model.getListOfParameters()
            if p.getId().startswith(("time_scale_", "extent_per_amount_", "amount_per_extent_"))]


def _citation(model: libsbml.Model, file: Path) -> str:
    uris = []
    for term in model.getCVTerms() or []:
        if term.getQualifierType() == libsbml.MODEL_QUALIFIER and term.getModelQualifierType() in (
                libsbml.BQM_IS_DESCRIBED_BY,):
            uris += [term.getResourceURI(i) for i in range(term.getNumResources())]
    name = model.getName() or model.getId()
    cited = f" ({', '.join(uris)})" if uris else ""
    return f"{file.name}: {name}{cited}"


__all__ = ["LoadedModules", "ModuleFile", "added_parameter_rows", "check_clashes", "check_links", "load_modules",
           "locate_modules", "module_name", "module_parameter_table", "read_module_options"]
