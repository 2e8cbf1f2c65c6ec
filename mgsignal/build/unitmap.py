"""The unit map: units of a module from anywhere (``[units.<module>]``), :func:`apply_unit_map`.

A module brought in from outside (an SBML file or an Antimony file next to a composite's TOML)
may declare no units, or units other than the composite's. :func:`apply_unit_map` makes it a
module that libsbml's unit checks pass with zero warnings, in the composite's time unit, without
changing one number of its dynamics:

1. **What the numbers mean.** The TOML's ``[units.<module>]`` table names the module's ``time``,
   ``substance``, ``volume`` (and ``area``, ``length``) units, and ``[units.<module>.ids]`` the
   unit of single elements. Keys of the map override what the file declares; a file that
   declares no unit at all must give ``time``, ``substance`` and ``volume`` (SBML Level 2's
   defaults, second/mole/litre, are rarely what the authors of such a file meant).
2. **What follows from the equations** (:class:`~mgsignal.build.unit_inference.Inference`). Every
   kinetic law must be in extent per time, every rule in its variable's unit, both sides of a sum
   or comparison in one unit. Solving these for the values without a unit gives the unit of most
   rate constants and of the literal numbers of sums and comparisons (``x13 - 0.31``). A literal
   number the equations leave open is taken as dimensionless (a count, a ratio, an exponent); a
   parameter the equations leave open is an error naming it, unless ``undetermined = "<unit>"``
   declares them all. Nothing is guessed silently: with every unit declared, libsbml can check
   every formula, so a wrong declaration shows up as a unit warning that the build refuses.
3. **Time** (:func:`~mgsignal.build.module_time.convert_time`). When the module's time unit is not
   the composite's, every kinetic law and rate rule is multiplied by ``time_scale_<module>``
   (module time per composite time, e.g. 1/60 minute per second: physically the number 1), and
   every ``time`` in its formulas becomes ``time * time_scale_<module>``; event delays are divided
   by it.

Unit names in the TOML: any unit id of the composite or the module (``mM``, ``fmol``), SBML's
base units (``second``, ``mole``, ``litre``, ``metre``, ``item``, ``dimensionless``, ...), the
symbols ``s``, ``min``, ``h``, ``day``, ``mol``, ``M`` (molar), ``L``, ``m``, ``g``, ``V``, ``A``,
``K``, ``percent``, prefixed by ``f p n u µ m c d k`` (``nM``, ``pL``, ``ms``), combined with
``*``, ``/``, ``^`` and parentheses: ``"1/(nM*min)"``, ``"fmol/pL"``, ``"min^-1"``.

Unit algebra and names live in :mod:`mgsignal.build.unit_algebra`, inference in
:mod:`mgsignal.build.unit_inference`, unit-id housekeeping in :mod:`mgsignal.build.unit_ids`,
libsbml's messages in :mod:`mgsignal.build.unit_problems`, time in
:mod:`mgsignal.build.module_time`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

import libsbml

from ..errors import ModelBuildError
from .unit_algebra import DIMENSIONLESS, Unit, UnitNames, ast_type, model_unit, unit_id
from .unit_ids import canonical_unit_ids, drop_unused_unit_definitions
from .unit_inference import Equation, Inference, node_at


@dataclass(frozen=True)
class UnitMap:
    """``[units.<module>]`` of a composite TOML, as written (unit names are resolved on load)."""

    time: str | None = None
    substance: str | None = None
    volume: str | None = None
    area: str | None = None
    length: str | None = None
    undetermined: str | None = None
    ids: dict[str, str] = field(default_factory=dict)


UNIT_MAP_KEYS = ("time", "substance", "volume", "area", "length", "undetermined", "ids")


@dataclass
class UnitReport:
    """What :func:`apply_unit_map` did: where the unit of each value came from."""

    how: dict[str, str] = field(default_factory=dict)  # id -> "declared in the file", "inferred from reaction v1a", ...


def declares_units(model: libsbml.Model) -> bool:
    """Whether an SBML model (as read, before any conversion) declares any unit."""
    if model.getNumUnitDefinitions():
        return True
    if model.getLevel() >= 3 and any(getattr(model, f"isSet{a}Units")() for a in
                                     ("Time", "Substance", "Volume", "Extent", "Area", "Length")):
        return True
    return any(e.isSetUnits() for e in list(model.getListOfParameters()) + list(model.getListOfCompartments())) \
        or any(s.isSetSubstanceUnits() for s in model.getListOfSpecies())


def apply_unit_map(model: libsbml.Model, unit_map: UnitMap | None, *, module: str, where: str,
                   reference: libsbml.Model | None, unitless: bool) -> UnitReport:
    """Give every value of ``model`` (a module converted to L3V2) a unit, in place; see the
    module docstring.

    Args:
        model: the module, converted to SBML L3V2.
        unit_map: its ``[units.<module>]`` table (None when the TOML has none).
        module: the module's name (for new ids and messages).
        where: ``"<toml>: [units.<module>]"``, the prefix of every message.
        reference: the composite's units (its first module), or None for the first module.
        unitless: the file declared no unit at all.

    Raises:
        ModelBuildError: unknown unit names or ids, a missing time unit, values whose unit
            neither the map nor the equations determine.
    """
    unit_map = unit_map or UnitMap()
    problems: list[str] = []
    if unitless:
        missing = [k for k in ("time", "substance", "volume") if getattr(unit_map, k) is None]
        if missing:
            problems.append(f"{where}: {module} declares no units: say what its numbers mean with "
                            + ", ".join(f'{k} = "<unit>"' for k in missing)
                            + ' (e.g. time = "minute", substance = "dimensionless", volume = "dimensionless")')
    if not unitless:
        canonical_unit_ids(model, reference, module)
    names = UnitNames({**({u.getId(): u for u in reference.getListOfUnitDefinitions()} if reference else {}),
                       **{u.getId(): u for u in model.getListOfUnitDefinitions()}})
    report = UnitReport()

    def parse(key: str, text: str | None) -> Unit | None:
        if text is None:
            return None
        try:
            return names.parse(text)
        except ValueError as error:
            problems.append(f"{where} {key} = {text!r}: {error}")
            return None

    def file_unit(uid: str) -> Unit | None:
        return None if unitless else model_unit(uid)

    model_units = {key: parse(key, getattr(unit_map, key)) or file_unit(getattr(model, f"get{key.title()}Units")())
                   for key in ("time", "substance", "volume", "area", "length")}
    extent = (parse("substance", unit_map.substance) if unit_map.substance is not None
              else file_unit(model.getExtentUnits()) or model_units["substance"])
    undetermined = parse("undetermined", unit_map.undetermined)
    declared: dict[str, Unit] = {}
    local_keys = _local_keys(model)
    for sid, text in unit_map.ids.items():
        element = model.getElementBySId(sid)
        if (element is None or element.getTypeCode() == libsbml.SBML_REACTION) and sid not in local_keys:
            candidates = [i for i in _ids(model) if model.getReaction(i) is None] + sorted(local_keys)
            near = difflib.get_close_matches(sid, candidates, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            what = "a reaction (its unit is extent per time)" if element is not None else f"not an id of {module}"
            problems.append(f"{where.rstrip(']')}.ids] {sid} = {text!r}: {sid!r} is {what}{hint}")
            continue
        unit = parse(f"ids.{sid}", text)
        if unit is not None:
            declared[sid] = unit
    if problems:
        raise ModelBuildError(problems)
    if model_units["time"] is None:
        raise ModelBuildError([f'{where}: {module} has no time unit: add time = "<unit>"'])

    known: dict[str, Unit] = {}

    def settle(sid: str, unit: Unit | None, how: str) -> None:
        if unit is not None:
            known[sid] = unit
            report.how[sid] = how

    for compartment in model.getListOfCompartments():
        sid = compartment.getId()
        default = {2: "area", 1: "length"}.get(int(compartment.getSpatialDimensions()), "volume")
        if sid in declared:
            settle(sid, declared[sid], f"declared in [units.{module}.ids]")
        elif compartment.isSetUnits() and not unitless and getattr(unit_map, default) is None:
            settle(sid, model_unit(compartment.getUnits()), "declared in the file")
        else:
            settle(sid, model_units[default], f"set to the module's {default} unit")
    substance_of: dict[str, Unit] = {}
    for species in model.getListOfSpecies():
        sid = species.getId()
        if sid in declared:
            substance, how = declared[sid], f"declared in [units.{module}.ids]"
        elif species.isSetSubstanceUnits() and not unitless and unit_map.substance is None:
            substance, how = model_unit(species.getSubstanceUnits()), "declared in the file"
        else:
            substance, how = model_units["substance"], "set to the module's substance unit"
        if substance is None:
            raise ModelBuildError([f'{where}: species {sid!r} of {module} has no substance unit: add substance = "<unit>"'])
        substance_of[sid] = substance
        volume = known.get(species.getCompartment())
        settle(sid, substance if species.getHasOnlySubstanceUnits() or volume is None else substance / volume, how)
    unknown: set[str] = set()

    def place(key: str, element) -> None:
        """A (global or local) parameter's unit: the unit map's, else the file's, else unknown."""
        if key in declared:
            settle(key, declared[key], f"declared in [units.{module}.ids]")
        elif element.isSetUnits() and not unitless:
            settle(key, model_unit(element.getUnits()), "declared in the file")
        else:
            unknown.add(key)

    for parameter in model.getListOfParameters():
        place(parameter.getId(), parameter)
    for reaction in model.getListOfReactions():
        known[reaction.getId()] = extent / model_units["time"]
        for reference_ in list(reaction.getListOfReactants()) + list(reaction.getListOfProducts()):
            if reference_.isSetId():
                known[reference_.getId()] = DIMENSIONLESS
        for key, local in local_keys.items():
            if key.startswith(f"{reaction.getId()}."):
                place(key, local)

    functions = {f.getId(): f.getMath() for f in model.getListOfFunctionDefinitions() if f.isSetMath()}
    equations = list(_equations(model, extent / model_units["time"], model_units["time"]))
    inference = Inference(known, unknown, model_units["time"], functions)
    inference.run(equations)
    left = sorted(unknown - set(inference.solved))
    if left and undetermined is not None:
        # one at a time, values equal to 1 first (switches and scale factors such as diabetes = 1),
        # so that a rate constant sharing a product with one is solved for, not assumed
        values = {p.getId(): p.getValue() for p in model.getListOfParameters()}
        order = sorted(left, key=lambda sid: (values.get(sid) != 1.0, left.index(sid)))
        inference.assume(order, undetermined, f"assumed (undetermined = {unit_map.undetermined!r})", equations)
        left = []
    if left:
        uses = {sid: _first_use(model, sid) for sid in left}
        raise ModelBuildError([
            f"{where}: the equations of {module} do not determine the unit of {len(left)} value(s): "
            + ", ".join(f"{sid} ({uses[sid]})" for sid in left)
            + f"; declare them in [units.{module}.ids] (e.g. {left[0]} = \"dimensionless\") "
            "or all at once with undetermined = \"<unit>\""])

    def uid(unit: Unit) -> str:
        return unit_id(model, names, unit, reference=reference, prefix=module)

    model.setTimeUnits(uid(model_units["time"]))
    model.setExtentUnits(uid(extent))
    if model_units["substance"] is not None:
        model.setSubstanceUnits(uid(model_units["substance"]))
    for compartment in model.getListOfCompartments():
        if compartment.getId() in known:
            compartment.setUnits(uid(known[compartment.getId()]))
    for species in model.getListOfSpecies():
        species.setSubstanceUnits(uid(substance_of[species.getId()]))
    for parameter in model.getListOfParameters():
        sid = parameter.getId()
        parameter.setUnits(uid(known.get(sid) or inference.solved[sid]))
        report.how.setdefault(sid, inference.origin.get(sid, "inferred from the equations"))
    for key, local in local_keys.items():
        local.setUnits(uid(known.get(key) or inference.solved[key]))
        report.how.setdefault(key, inference.origin.get(key, "inferred from the equations"))
    for (index, path), unit in inference.literals.items():
        node = node_at(equations[index].math, path)
        if not node.isSetUnits():
            node.setUnits(uid(unit))
    for key in ("Volume", "Area", "Length"):  # model-wide defaults no element relies on any more
        getattr(model, f"unset{key}Units")()
    drop_unused_unit_definitions(model)
    return report


def _ids(model: libsbml.Model) -> list[str]:
    elements = model.getListOfAllElements()
    return sorted({e.getId() for e in (elements.get(i) for i in range(elements.getSize()))
                   if e is not None and e.isSetIdAttribute() and e.getId()})


def _local_keys(model: libsbml.Model) -> dict[str, libsbml.LocalParameter]:
    """``"reaction.parameter"`` -> local parameter, for every local parameter of a kinetic law."""
    return {f"{r.getId()}.{p.getId()}": p for r in model.getListOfReactions()
            if r.getKineticLaw() is not None for p in r.getKineticLaw().getListOfLocalParameters()}


def _equations(model: libsbml.Model, rate: Unit, time: Unit) -> Iterator[Equation]:
    """Every formula of the model with the unit it must have."""
    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is not None and law.isSetMath():
            scope = {p.getId(): f"{reaction.getId()}.{p.getId()}" for p in law.getListOfLocalParameters()}
            yield Equation(f"reaction {reaction.getId()}", law.getMath(), target=rate, scope=scope)
    for rule in model.getListOfRules():
        if not rule.isSetMath():
            continue
        if rule.isAlgebraic():
            yield Equation("an algebraic rule", rule.getMath())
        else:
            yield Equation(f"rule {rule.getVariable()}", rule.getMath(), variable=rule.getVariable(),
                           per_time=rule.isRate())
    for assignment in model.getListOfInitialAssignments():
        if assignment.isSetMath():
            yield Equation(f"initial assignment {assignment.getSymbol()}", assignment.getMath(),
                           variable=assignment.getSymbol())
    for number, event in enumerate(model.getListOfEvents()):
        name = f"event {event.getId() or number}"
        if event.isSetTrigger() and event.getTrigger().isSetMath():
            yield Equation(f"{name} trigger", event.getTrigger().getMath(), target=DIMENSIONLESS)
        if event.isSetDelay() and event.getDelay().isSetMath():
            yield Equation(f"{name} delay", event.getDelay().getMath(), target=time)
        if event.isSetPriority() and event.getPriority().isSetMath():
            yield Equation(f"{name} priority", event.getPriority().getMath(), target=DIMENSIONLESS)
        for assignment in event.getListOfEventAssignments():
            if assignment.isSetMath():
                yield Equation(f"{name} assignment to {assignment.getVariable()}", assignment.getMath(),
                               variable=assignment.getVariable())
    for number, constraint in enumerate(model.getListOfConstraints()):
        if constraint.isSetMath():
            yield Equation(f"constraint {number}", constraint.getMath(), target=DIMENSIONLESS)


def _first_use(model: libsbml.Model, sid: str) -> str:
    """Where a value is used: 'in reaction v1a', 'in rule measuredIRp' (for messages)."""
    if "." in sid:
        return f"local to reaction {sid.split('.')[0]}"
    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is not None and law.isSetMath() and _mentions(law.getMath(), sid):
            return f"in reaction {reaction.getId()}"
    for rule in model.getListOfRules():
        if rule.isSetMath() and _mentions(rule.getMath(), sid):
            return f"in rule {rule.getVariable()}"
    if model.getRuleByVariable(sid) is not None:
        return "computed by a rule nothing reads"
    return "used in no formula"


def _mentions(math: libsbml.ASTNode, sid: str) -> bool:
    if ast_type(math) == libsbml.AST_NAME and math.getName() == sid:
        return True
    return any(_mentions(math.getChild(i), sid) for i in range(math.getNumChildren()))
