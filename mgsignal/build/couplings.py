"""Couplings: a module's reaction made to depend on another module's quantity, in TOML.

A composite TOML may list couplings, applied after the modules are merged::

    [[couplings]]
    reaction = "v1a"                  # a reaction of the composite (of any module)
    factor = "(Mg_c / (K_Mg_IR + Mg_c)) / (Mg_ref_IR / (K_Mg_IR + Mg_ref_IR))"
    note = "insulin receptor kinase needs free Mg2+"     # optional, written into the SBML notes
    [couplings.parameters]            # new constants the factor uses
    K_Mg_IR = { value = 1.0, unit = "mM", source = "Assumption: ..." }

The reaction's rate law is multiplied by the factor, which must be dimensionless (literal
numbers in it are taken as dimensionless). The factor may use any id of the merged model and the
coupling's parameters; each parameter needs a value, a unit (see :mod:`mgsignal.build.unitmap`)
and a source, and goes into the composite's parameter table with it.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass, field
from pathlib import Path

import libsbml

from ..errors import ModelBuildError
from .unit_algebra import DIMENSIONLESS, Unit, UnitNames, ast_type, si_key, unit_id
from .unit_inference import Inference, node_at
from .unit_problems import named_problems

COUPLING_KEYS = ("reaction", "factor", "parameters", "note")
PARAMETER_KEYS = ("value", "unit", "source")


@dataclass(frozen=True)
class CouplingParameter:
    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class Coupling:
    """One ``[[couplings]]`` entry; ``number`` is its position (1-based) for messages."""

    number: int
    reaction: str
    factor: str
    parameters: dict[str, CouplingParameter] = field(default_factory=dict)
    note: str = ""

    def key(self, path: Path, name: str | None = None) -> str:
        return f"{path}: [[couplings]] #{self.number}" + (f" {name}" if name else "")


def read_couplings(entries, path: Path) -> tuple[Coupling, ...]:
    """Check the shape of ``[[couplings]]`` and that each factor parses.

    Raises:
        ModelBuildError: one line per mistake, naming the TOML file, the entry and the key.
    """
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ModelBuildError([f"{path}: couplings must be written as [[couplings]] tables, got {entries!r}"])
    problems, couplings = [], []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: [[couplings]] #{number}"
        unknown = [k for k in entry if k not in COUPLING_KEYS]
        if unknown:
            problems.append(f"{where}: unknown key(s) {unknown}; expected {list(COUPLING_KEYS)}")
        reaction, factor = entry.get("reaction"), entry.get("factor")
        if not isinstance(reaction, str) or not reaction:
            problems.append(f"{where}: reaction = \"<reaction id>\" is missing")
        if not isinstance(factor, str) or not factor.strip():
            problems.append(f"{where}: factor = \"<formula>\" is missing")
        elif libsbml.parseL3Formula(factor) is None:
            message = " ".join(libsbml.getLastParseL3Error().split())
            problems.append(f"{where} factor = {factor!r}: does not parse: {message}")
        parameters = {}
        table = entry.get("parameters", {})
        if not isinstance(table, dict):
            problems.append(f"{where}: [couplings.parameters] must be a table of id = {{ value, unit, source }}")
            table = {}
        for pid, spec in table.items():
            key = f"{where} parameters.{pid}"
            if not isinstance(spec, dict):
                problems.append(f"{key}: write {{ value = ..., unit = \"...\", source = \"...\" }}")
                continue
            extra = [k for k in spec if k not in PARAMETER_KEYS]
            value, unit, source = spec.get("value"), spec.get("unit"), spec.get("source")
            if extra:
                problems.append(f"{key}: unknown key(s) {extra}; expected {list(PARAMETER_KEYS)}")
            if not libsbml.SyntaxChecker.isValidSBMLSId(pid):
                problems.append(f"{key}: {pid!r} is not a valid id (letters, digits, _)")
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{key}: value must be a number, got {value!r}")
            if not isinstance(unit, str) or not unit:
                problems.append(f"{key}: unit = \"<unit>\" is missing (\"dimensionless\" for a pure number)")
            if not isinstance(source, str) or not source.strip():
                problems.append(f"{key}: source = \"...\" is missing: every value needs one (a paper, a "
                                "database, or \"Assumption: ... (why)\")")
            if not any(p.startswith(key) for p in problems):
                parameters[pid] = CouplingParameter(float(value), unit, source.strip())
        if isinstance(reaction, str) and isinstance(factor, str):
            couplings.append(Coupling(number, reaction, factor, parameters, str(entry.get("note", ""))))
    if problems:
        raise ModelBuildError(problems)
    return tuple(couplings)


def apply_couplings(model: libsbml.Model, couplings: tuple[Coupling, ...], path: Path) -> None:
    """Add the couplings' parameters to a merged model and multiply each coupled rate law by
    its factor (see the module docstring).

    Raises:
        ModelBuildError: unknown reactions or ids, unknown units, ids already in the model, a
            factor that is not dimensionless.
    """
    problems: list[str] = []
    names = UnitNames({u.getId(): u for u in model.getListOfUnitDefinitions()})
    added: set[str] = set()
    for coupling in couplings:
        for pid, spec in coupling.parameters.items():
            key = coupling.key(path, f"parameters.{pid}")
            if model.getElementBySId(pid) is not None and pid not in added:
                problems.append(f"{key}: {pid!r} is an id of the composite already; rename the parameter")
                continue
            if pid in added:
                existing = model.getParameter(pid)
                if existing.getValue() != spec.value:
                    problems.append(f"{key}: {pid!r} is given another value by an earlier coupling")
                continue
            try:
                unit = names.parse(spec.unit)
            except ValueError as error:
                problems.append(f"{key} unit = {spec.unit!r}: {error}")
                continue
            parameter = model.createParameter()
            parameter.setId(pid)
            parameter.setValue(spec.value)
            parameter.setConstant(True)
            parameter.setUnits(unit_id(model, names, unit, prefix="coupling"))
            parameter.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>Source: '
                               f"{html.escape(spec.source)}</p></body>")
            added.add(pid)
    if problems:
        raise ModelBuildError(problems)
    known = _units_of(model)
    for coupling in couplings:
        reaction = model.getReaction(coupling.reaction)
        if reaction is None or reaction.getKineticLaw() is None:
            reactions = [r.getId() for r in model.getListOfReactions()]
            near = difflib.get_close_matches(coupling.reaction, reactions, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            problems.append(f"{coupling.key(path, 'reaction')} = {coupling.reaction!r}: the composite has no "
                            f"reaction {coupling.reaction!r}{hint}")
            continue
        factor = libsbml.parseL3Formula(coupling.factor)
        missing = sorted(n for n in _names(factor) if model.getElementBySId(n) is None
                         and model.getFunctionDefinition(n) is None)
        if missing:
            every = [i for i in known]
            hints = []
            for name in missing:
                near = difflib.get_close_matches(name, every, n=3, cutoff=0.6)
                hints.append(f"{name!r}" + (f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""))
            problems.append(f"{coupling.key(path, 'factor')} = {coupling.factor!r}: unknown id(s) {', '.join(hints)}: "
                            "use ids of the composite or add them under [couplings.parameters]")
            continue
        inference = Inference(known, set(), _time_unit(model))
        inference.solve(factor, (), DIMENSIONLESS)
        for key in inference.open_literals | set(inference.literals):
            node = node_at(factor, key[1])
            if not node.isSetUnits():
                node.setUnits("dimensionless")
        derived = Inference(known, set(), _time_unit(model)).derive(factor, ())
        if derived is not None:
            powers, scale = si_key(names.definition(derived))
            if powers or abs(scale - 1.0) > 1e-9:
                problems.append(f"{coupling.key(path, 'factor')} = {coupling.factor!r}: has unit "
                                f"{derived.name()}, but a factor multiplying a rate law must be dimensionless")
                continue
        listed = {r.getSpecies() for r in list(reaction.getListOfReactants()) + list(reaction.getListOfProducts())
                  + list(reaction.getListOfModifiers())}
        for sid in sorted(_names(factor)):
            if model.getSpecies(sid) is not None and sid not in listed:
                reaction.createModifier().setSpecies(sid)
        law = reaction.getKineticLaw()
        product = libsbml.ASTNode(libsbml.AST_TIMES)
        product.addChild(law.getMath().deepCopy())
        product.addChild(factor)
        law.setMath(product)
        note = f"Coupled by {path.name}: rate multiplied by {coupling.factor}" + (
            f" ({coupling.note})" if coupling.note else "")
        reaction.appendNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(note)}</p></body>')
    if problems:
        raise ModelBuildError(problems)
    if couplings:  # what the couplings left inconsistent, named by element
        problems = named_problems(model.getSBMLDocument(), "after [[couplings]]", path)
        if problems:
            raise ModelBuildError(problems)


def coupling_parameter_rows(couplings: tuple[Coupling, ...], name: str) -> list[dict]:
    """Rows of the parameter table for the couplings' parameters (value, unit and source)."""
    rows, seen = [], set()
    for coupling in couplings:
        for pid, spec in coupling.parameters.items():
            if pid not in seen:
                seen.add(pid)
                rows.append({"id": pid, "value": spec.value, "unit": spec.unit, "source": spec.source,
                             "line": 0, "module": name})
    return rows


def _names(math: libsbml.ASTNode) -> set[str]:
    found = {math.getName()} if ast_type(math) in (libsbml.AST_NAME, libsbml.AST_FUNCTION) else set()
    for index in range(math.getNumChildren()):
        found |= _names(math.getChild(index))
    return found


def _time_unit(model: libsbml.Model) -> Unit:
    uid = model.getTimeUnits()
    return Unit.atom(uid) if uid else DIMENSIONLESS


def _units_of(model: libsbml.Model) -> dict[str, Unit]:
    """The unit of every species, compartment and parameter of a model with declared units."""
    def unit(uid: str) -> Unit | None:
        return None if not uid else (DIMENSIONLESS if uid == "dimensionless" else Unit.atom(uid))
    known: dict[str, Unit] = {}
    for compartment in model.getListOfCompartments():
        u = unit(compartment.getUnits() or {3: model.getVolumeUnits(), 2: model.getAreaUnits(),
                                            1: model.getLengthUnits()}.get(int(compartment.getSpatialDimensions()), ""))
        if u is not None:
            known[compartment.getId()] = u
    for parameter in model.getListOfParameters():
        u = unit(parameter.getUnits())
        if u is not None:
            known[parameter.getId()] = u
    for species in model.getListOfSpecies():
        substance = unit(species.getSubstanceUnits() or model.getSubstanceUnits())
        volume = known.get(species.getCompartment())
        if substance is not None:
            known[species.getId()] = substance if species.getHasOnlySubstanceUnits() or volume is None \
                else substance / volume
    return known
