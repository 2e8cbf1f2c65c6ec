"""One substance unit for a merged model: no SBML conversion factors that tools get wrong.

Modules of a composite may count their amounts in different units (``mg_transport`` in fmol,
``camp_pka`` in amol, ``insulin`` in ymol, ``body`` in mmol). SBML can keep each module's unit and
link them with conversion factors, but COPASI 4.48 applies conversion factors to the
stoichiometries on import without recompiling the model (its import says it "changed the
stoichiometries of all species with conversion factors"), so it integrates another model; with a
recompile a factor of 1e9 hangs it. :func:`unify_substance_units` therefore puts every species in
one unit, the composite's (its first module's), so that the composite needs no conversion
factor and reads the same in every simulator.

A species S of a module in unit ``u`` gets the value S/K, where K is a constant parameter
``<u>_per_<unit>`` (e.g. ``ymol_per_fmol`` = 1e9; value 1 in physical terms, marked
``Source: Constant: ...`` so that sensitivity analyses leave it alone); every formula reads
``(K * S)``, so every parameter keeps its value and unit and every readout (assignment rule) its
value; formulas that set S (rules, initial and event assignments) are divided by K, and so is
each kinetic law of the module (its reactions now count their extent in the composite's unit).
Each such species carries an annotation (:data:`NAMESPACE`) naming K, read back by
:func:`species_scales` (the simulator scales its absolute tolerances with it).

Species whose amounts are not amounts of substance (a percent pool, an expression level in
arbitrary units) count their changes through a conversion factor P of their module, "an extent
of 1 u changes S by P": P keeps its value and becomes "per composite unit", and the reactions
among such species keep their numbers (their extent is bookkeeping). A P of value 1 stays a
conversion factor (COPASI's stoichiometries are then unchanged: tests/models/test_copasi.py checks
the insulin pools, tests/build/test_byo_module.py a module in arbitrary units); any other P is
folded into its species like K above (value S/P in the composite's unit, read as (P * S)).
libsbml's unit checks compare dimensions only, not scales (1 ymol/s passes where fmol/s is
expected), so the scale of every kinetic law is checked here.
"""

from __future__ import annotations

from collections.abc import Mapping

import libsbml

from ..errors import ModelBuildError
from .units import add_quotient_unit, unit_definition, unit_ratio

#: namespace of the annotation that marks a species read through a unit conversion
NAMESPACE = "urn:mgsignal:unit-conversion"
#: name of every parameter :func:`unify_substance_units` adds starts with this
CONVERSION_NAME = "unit conversion: "
#: SBO term of the added parameters: a quantitative systems description parameter
CONVERSION_SBO = "SBO:0000002"
_SOURCE = "Constant: unit conversion added by the composite build"


def unify_substance_units(document: libsbml.SBMLDocument, *, extents: Mapping[str, str] | None = None,
                          substance: str | None = None) -> dict[str, str]:
    """Put every species of a merged model in one substance unit (see the module docstring).

    Args:
        document: the merged model; every species names its substance unit, every kinetic law
            is in its module's extent per time. Changed in place.
        extents: reaction id -> extent unit of the module it comes from (default and missing
            ids: the model's extent unit).
        substance: the unit every species ends in (default: the model's substance unit). It
            becomes the model's substance and extent unit.

    Returns:
        Species or reaction id -> id of the parameter its formulas read it through.

    Raises:
        ModelBuildError: a species or extent unit that is not a multiple of ``substance``, a
            reaction mixing species with a conversion factor and rescaled species, a model-wide
            conversion factor, or a kinetic law whose scale does not match (one line each).
    """
    model = document.getModel()
    substance = substance or model.getSubstanceUnits()
    target = unit_definition(model, substance)
    if target is None or not target.isVariantOfSubstance():
        raise ModelBuildError([f"{substance!r} is not a substance unit"])
    if model.isSetConversionFactor():
        raise ModelBuildError(["a model-wide conversion factor is not supported; give it to each species"])
    extents = dict(extents or {})
    default_extent = model.getExtentUnits() or substance
    conversions = _Conversions(model, substance, target)
    problems: list[str] = []

    pooled: set[str] = set()  # species counted through a conversion factor of their module
    other: set[str] = set()  # species in a unit that is not a substance, without conversion factor
    species_factors: dict[str, str] = {}
    for species in model.getListOfSpecies():
        unit = species.getSubstanceUnits() or model.getSubstanceUnits()
        if species.isSetConversionFactor():
            pooled.add(species.getId())
            folded = _per_target(model, species, unit, substance, problems)
            if folded:
                species_factors[species.getId()] = folded
            continue
        definition = unit_definition(model, unit)
        if definition is None or not definition.isVariantOfSubstance():
            other.add(species.getId())  # e.g. a dimensionless expression level
            continue
        ratio = unit_ratio(definition, target)
        if ratio is None:
            problems.append(f"species {species.getId()!r}: unit {unit!r} is not a multiple of {substance!r}")
            continue
        if ratio != 1.0:
            species_factors[species.getId()] = conversions.factor(unit, ratio)
        species.setSubstanceUnits(substance)

    reaction_factors: dict[str, str] = {}
    for reaction in model.getListOfReactions():
        rid = reaction.getId()
        extent = extents.get(rid, default_extent)
        ratio = unit_ratio(unit_definition(model, extent), target)
        if ratio is None:
            problems.append(f"reaction {rid!r}: extent unit {extent!r} is not a multiple of {substance!r}")
        elif ratio != 1.0:
            sids = {r.getSpecies() for r in (*reaction.getListOfReactants(), *reaction.getListOfProducts())}
            if sids and sids <= pooled:
                continue  # only conversion-factor species: its extent is theirs (P per composite unit)
            if sids & pooled:
                problems.append(f"reaction {rid!r} changes species with a conversion factor "
                                f"({', '.join(sorted(sids & pooled))}) and species in {extent!r}, not {substance!r}: "
                                "give them one unit in the module")
            elif sids & other:
                problems.append(f"reaction {rid!r} changes species whose unit is not a substance "
                                f"({', '.join(sorted(sids & other))}) in an extent of {extent!r}, not {substance!r}: "
                                "give them a conversion factor in the module")
            else:
                reaction_factors[rid] = conversions.factor(extent, ratio)
    if problems:
        raise ModelBuildError(problems)

    _rewrite_formulas(model, species_factors, reaction_factors)
    for sid, pid in species_factors.items():
        species, k = model.getSpecies(sid), model.getParameter(pid).getValue()
        if species.isSetInitialAmount():
            species.setInitialAmount(species.getInitialAmount() / k)
        if species.isSetInitialConcentration():
            species.setInitialConcentration(species.getInitialConcentration() / k)
        if species.isSetConversionFactor():  # a folded conversion factor
            species.unsetConversionFactor()
            species.setSubstanceUnits(substance)
        _mark(species, pid)
    model.setSubstanceUnits(substance)
    model.setExtentUnits(substance)
    problems = _law_scale_problems(model, target)
    if problems:
        raise ModelBuildError(problems)
    return {**species_factors, **reaction_factors}


def species_scales(sbml_model: libsbml.Model) -> dict[str, float]:
    """Species id -> amount of its module's substance unit in the model's (1e-9 for a species of a
    ymol module in a fmol composite), for the species :func:`unify_substance_units` converted;
    every other species counts 1. A simulator scales its absolute tolerances by these."""
    scales = {}
    for species in sbml_model.getListOfSpecies():
        pid = _marked_factor(species)
        parameter = sbml_model.getParameter(pid) if pid else None
        if parameter is not None and parameter.getValue() > 0:
            scales[species.getId()] = 1.0 / parameter.getValue()
    return scales


def is_conversion(parameter: libsbml.Parameter) -> bool:
    """Whether ``parameter`` was added by :func:`unify_substance_units`."""
    return parameter.getName().startswith(CONVERSION_NAME)


# ----------------------------------------------------------------------------- conversion parameters


class _Conversions:
    """The conversion parameters of one model, one per ratio (``ymol_per_fmol``, ...)."""

    def __init__(self, model: libsbml.Model, substance: str, target: libsbml.UnitDefinition):
        self.model, self.substance, self.target = model, substance, target
        self.by_ratio: dict[float, str] = {}

    def factor(self, unit: str, ratio: float) -> str:
        """The parameter K = how many ``unit`` one composite unit is (1 ``unit`` = ``ratio``
        composite units), made on first use."""
        if ratio not in self.by_ratio:
            value = _round(1.0 / ratio)
            pid = _free_id(self.model, f"{unit}_per_{self.substance}")
            parameter = self.model.createParameter()
            parameter.setId(pid)
            parameter.setName(f"{CONVERSION_NAME}{unit} in one {self.substance}")
            parameter.setValue(value)
            parameter.setUnits(add_quotient_unit(self.model, unit, self.substance))
            parameter.setConstant(True)
            parameter.setSBOTerm(CONVERSION_SBO)
            parameter.setNotes('<body xmlns="http://www.w3.org/1999/xhtml"><p>Source: '
                               f'{_SOURCE}: 1 {self.substance} = {value:g} {unit} (value 1 in physical terms; '
                               f'species counted in {unit} by their module are read as ({pid} * species))</p></body>')
            self.by_ratio[ratio] = pid
        return self.by_ratio[ratio]


def _per_target(model: libsbml.Model, species: libsbml.Species, unit: str, substance: str,
                problems: list[str]) -> str | None:
    """Re-express the conversion factor P of ``species`` (unit of the species per module
    extent) per composite unit, with the same value. Returns P's id when P is not 1 (the
    species is then folded: its value becomes S/P and formulas read (P * S)), else None."""
    parameter = model.getParameter(species.getConversionFactor())
    if parameter is None or not parameter.getConstant():
        problems.append(f"species {species.getId()!r}: conversion factor {species.getConversionFactor()!r} "
                        "must be a constant parameter")
        return None
    wanted = add_quotient_unit(model, unit, substance)
    current = unit_definition(model, parameter.getUnits()) if parameter.isSetUnits() else None
    if current is None or unit_ratio(current, unit_definition(model, wanted)) != 1.0:
        parameter.setUnits(wanted)
    return None if parameter.getValue() == 1.0 else parameter.getId()


def _mark(species: libsbml.Species, pid: str) -> None:
    node = libsbml.XMLNode.convertStringToXMLNode(f'<read_as xmlns="{NAMESPACE}" factor="{pid}"/>')
    if node is None or species.appendAnnotation(node) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ModelBuildError([f"species {species.getId()!r}: could not annotate its unit conversion"])


def _marked_factor(species: libsbml.Species) -> str | None:
    annotation = species.getAnnotation() if species.isSetAnnotation() else None
    if annotation is None:
        return None
    for index in range(annotation.getNumChildren()):
        child = annotation.getChild(index)
        if child.getURI() == NAMESPACE and child.getName() == "read_as":
            return child.getAttrValue("factor") or None
    return None


def _free_id(model: libsbml.Model, wanted: str) -> str:
    pid, count = wanted, 1
    while model.getElementBySId(pid) is not None:
        count += 1
        pid = f"{wanted}_{count}"
    return pid


def _round(value: float) -> float:
    """1e9 rather than 999999999.9999999 (ratios of powers of ten)."""
    return float(f"{value:.12g}")


# ----------------------------------------------------------------------------- formulas


def _rewrite_formulas(model: libsbml.Model, species: dict[str, str], reactions: dict[str, str]) -> None:
    """Every use of a converted species S or reaction J reads (K * S), (K * J); every formula
    that sets S, or the rate of J, is divided by K."""
    if not species and not reactions:
        return
    factors = {**species, **reactions}

    def rewrite(math: libsbml.ASTNode | None, target: str = "", local: frozenset[str] = frozenset()):
        if math is None:
            return None
        new = _substitute(math, factors, local)
        return _divided(new, factors[target]) if target in factors else new

    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is not None and law.isSetMath():
            local = frozenset(p.getId() for p in law.getListOfLocalParameters())
            law.setMath(rewrite(law.getMath(), reaction.getId(), local))
    for rule in model.getListOfRules():
        rule.setMath(rewrite(rule.getMath(), rule.getVariable() if not rule.isAlgebraic() else ""))
    for assignment in model.getListOfInitialAssignments():
        assignment.setMath(rewrite(assignment.getMath(), assignment.getSymbol()))
    for constraint in model.getListOfConstraints():
        if constraint.isSetMath():
            constraint.setMath(rewrite(constraint.getMath()))
    for event in model.getListOfEvents():
        for part in (event.getTrigger(), event.getDelay(), event.getPriority()):
            if part is not None and part.isSetMath():
                part.setMath(rewrite(part.getMath()))
        for assignment in event.getListOfEventAssignments():
            assignment.setMath(rewrite(assignment.getMath(), assignment.getVariable()))


def _name(sid: str) -> libsbml.ASTNode:
    node = libsbml.ASTNode(libsbml.AST_NAME)
    node.setName(sid)
    return node


def _times(pid: str, node: libsbml.ASTNode) -> libsbml.ASTNode:
    product = libsbml.ASTNode(libsbml.AST_TIMES)
    product.addChild(_name(pid))
    product.addChild(node.deepCopy())
    return product


def _divided(node: libsbml.ASTNode, pid: str) -> libsbml.ASTNode:
    quotient = libsbml.ASTNode(libsbml.AST_DIVIDE)
    quotient.addChild(node.deepCopy())
    quotient.addChild(_name(pid))
    return quotient


def _substitute(node: libsbml.ASTNode, factors: dict[str, str], local: frozenset[str]) -> libsbml.ASTNode:
    """A copy of ``node`` with each name S of ``factors`` as (K * S) and rateOf(S) as
    (K * rateOf(S)); local parameters of a kinetic law (which hide global ids) left alone.
    Node kinds are asked with ``isName()`` and the like, not ``getType()``: once tellurium has
    imported libsedml (which bundles its own libsbml wrappers), ``getType()`` returns an opaque
    SWIG pointer instead of the node type."""
    if node.isName() and node.getName() not in local:
        pid = factors.get(node.getName())
        return _times(pid, node) if pid else node.deepCopy()
    if node.isCSymbolFunction() and node.getName() == "rateOf" and node.getNumChildren() == 1:
        child = node.getChild(0)
        pid = factors.get(child.getName()) if child.isName() else None
        return _times(pid, node) if pid else node.deepCopy()
    copy = node.deepCopy()
    for index in range(node.getNumChildren()):
        copy.replaceChild(index, _substitute(node.getChild(index), factors, local), True)
    return copy


# ----------------------------------------------------------------------------- checks


def _law_scale_problems(model: libsbml.Model, target: libsbml.UnitDefinition) -> list[str]:
    """Kinetic laws whose declared units are a substance per time other than the model's
    (libsbml's own checks compare dimensions, not scales); laws with undeclared units are
    left to libsbml."""
    time = unit_definition(model, model.getTimeUnits())
    if time is None:
        return []
    problems = []
    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is None or not law.isSetMath():
            continue
        derived = law.getDerivedUnitDefinition()
        if derived is None or law.containsUndeclaredUnits() or derived.getNumUnits() == 0:
            continue
        ratio = unit_ratio(libsbml.UnitDefinition.combine(derived, time), target)
        if ratio is not None and ratio != 1.0:
            problems.append(f"reaction {reaction.getId()!r}: the units of its kinetic law are {ratio:g} "
                            f"{model.getSubstanceUnits()} per {model.getTimeUnits()}, not {model.getSubstanceUnits()} "
                            f"per {model.getTimeUnits()}: a unit is off by that factor")
    return problems
