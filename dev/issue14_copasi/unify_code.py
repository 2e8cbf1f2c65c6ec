def unify_substance_units(document: libsbml.SBMLDocument, substance: str | None = None) -> dict[str, str]:
    """Put every species of a merged model in one substance unit, so that simulators that ignore
    units or conversion factors (COPASI) read the same model as libroadrunner.

    Input: a merged model whose species carry their module's substance unit and whose kinetic
    laws are in their module's extent. ``substance`` (default: the model's, i.e. the first
    module's) becomes the model's substance and extent unit. For each species S in another
    substance unit u (a multiple of mole):

    - its initial amount or concentration is divided by K, a new constant parameter
      ``<u>_per_<substance>`` of unit u/substance (e.g. ymol_per_fmol = 1e9);
    - every use of S in a formula (kinetic laws, rules, initial assignments, event triggers,
      delays, priorities and assignments, constraints) becomes (K * S), so every parameter keeps
      its value and unit and every readout its value; a formula that sets S is divided by K.

    Each kinetic law in u/time is divided by K and each use of its reaction's id becomes (K * J).
    Species with a conversion factor P of their module (unit X per u; insulin's percent pools,
    ``pool_scale`` = 1 percent_per_ymol, "an extent of 1 ymol moves 1 %") keep unit X and P, whose
    unit becomes X per ``substance`` with the same value: the extent of reactions among such
    species is bookkeeping, so they are not rescaled (a reaction mixing them with other species
    would need a factor other than 1: error). libsbml's unit checks compare dimensions only, not
    scales, so the scale of every kinetic law is checked here.

    Returns {species or reaction id: id of its factor parameter}.
    """
    model = document.getModel()
    substance = substance or model.getSubstanceUnits()
    target = unit_definition(model, substance)
    if target is None or not target.isVariantOfSubstance():
        raise ModelBuildError([f"{substance!r} is not a substance unit"])
    if model.isSetConversionFactor():
        raise ModelBuildError(["a model-wide conversion factor is not supported"])
    problems: list[str] = []
    factors: dict[str, str] = {}           # species id -> factor parameter id
    reaction_factors: dict[str, str] = {}  # reaction id -> factor parameter id
    by_ratio: dict[float, str] = {}        # 1 u = ratio substance -> factor parameter id

    def factor_for(unit: str, ratio: float) -> str:
        if ratio not in by_ratio:
            parameter = model.createParameter()
            parameter.setId(f"{unit}_per_{substance}")
            parameter.setName(f"{_CONVERSION_NAME}{unit} in one {substance}")
            parameter.setValue(_round(1.0 / ratio))
            parameter.setUnits(add_quotient_unit(model, unit, substance))
            parameter.setConstant(True)
            parameter.setNotes('<body xmlns="http://www.w3.org/1999/xhtml"><p>Source: Constant: unit conversion added by '
                               f'the composite build, 1 {substance} = {parameter.getValue():g} {unit} (not a model '
                               'parameter: species of this unit are read as (factor * species))</p></body>')
            by_ratio[ratio] = parameter.getId()
        return by_ratio[ratio]

    # Units of every kinetic law as the modules wrote them (before any species changes unit).
    time, law_ratio = unit_definition(model, model.getTimeUnits()), {}
    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is None or law.containsUndeclaredUnits():
            problems.append(f"reaction {reaction.getId()!r}: kinetic law without declared units")
            continue
        law_ratio[reaction.getId()] = unit_ratio(libsbml.UnitDefinition.combine(law.getDerivedUnitDefinition(), time),
                                                 target)

    pooled: set[str] = set()
    for species in model.getListOfSpecies():
        unit = species.getSubstanceUnits() if species.isSetSubstanceUnits() else model.getSubstanceUnits()
        if species.isSetConversionFactor():
            parameter = model.getParameter(species.getConversionFactor())
            wanted = add_quotient_unit(model, unit, substance)
            if unit_ratio(unit_definition(model, parameter.getUnits()), unit_definition(model, wanted)) != 1.0:
                parameter.setUnits(wanted)  # same value: an extent of 1 substance moves what 1 u moved
            pooled.add(species.getId())
            continue
        definition = unit_definition(model, unit)
        if definition is None or not definition.isVariantOfSubstance():
            continue  # e.g. dimensionless expression levels: nothing to convert
        ratio = unit_ratio(definition, target)
        if ratio is None:
            problems.append(f"species {species.getId()!r}: unit {unit!r} is not a multiple of {substance!r}")
            continue
        if ratio != 1.0:
            factors[species.getId()] = factor_for(unit, ratio)
        species.setSubstanceUnits(substance)

    for reaction in model.getListOfReactions():
        sids = [r.getSpecies() for r in (*reaction.getListOfReactants(), *reaction.getListOfProducts())]
        if any(s in pooled for s in sids):
            if not all(s in pooled for s in sids):
                problems.append(f"reaction {reaction.getId()!r} mixes species with and without a conversion factor")
            continue
        ratio = law_ratio.get(reaction.getId())
        if ratio is None:
            problems.append(f"reaction {reaction.getId()!r}: kinetic law not in substance per time")
        elif ratio != 1.0:
            if ratio not in by_ratio:
                problems.append(f"reaction {reaction.getId()!r}: kinetic law in a substance unit no species has")
                continue
            reaction_factors[reaction.getId()] = by_ratio[ratio]
    if problems:
        raise ModelBuildError(problems)

    def rewrite(math: libsbml.ASTNode, target_id: str = "", local: frozenset[str] = frozenset()) -> libsbml.ASTNode:
        math = _substitute(math, factors, reaction_factors, local)
        pid = factors.get(target_id) or reaction_factors.get(target_id)
        return _divided(math, pid) if pid else math

    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        law.setMath(rewrite(law.getMath(), reaction.getId(), frozenset(p.getId() for p in law.getListOfLocalParameters())))
    for rule in model.getListOfRules():
        rule.setMath(rewrite(rule.getMath(), rule.getVariable()))
    for assignment in model.getListOfInitialAssignments():
        assignment.setMath(rewrite(assignment.getMath(), assignment.getSymbol()))
    for constraint in model.getListOfConstraints():
        constraint.setMath(rewrite(constraint.getMath()))
    for event in model.getListOfEvents():
        for part in (event.getTrigger(), event.getDelay(), event.getPriority()):
            if part is not None and part.isSetMath():
                part.setMath(rewrite(part.getMath()))
        for assignment in event.getListOfEventAssignments():
            assignment.setMath(rewrite(assignment.getMath(), assignment.getVariable()))
    for sid, pid in factors.items():
        species, k = model.getSpecies(sid), model.getParameter(pid).getValue()
        if species.isSetInitialAmount():
            species.setInitialAmount(species.getInitialAmount() / k)
        if species.isSetInitialConcentration():
            species.setInitialConcentration(species.getInitialConcentration() / k)
    model.setSubstanceUnits(substance)
    model.setExtentUnits(substance)
    return {**factors, **reaction_factors}


def _round(value: float) -> float:
    """1e9 rather than 999999999.9999999 (ratios of powers of ten)."""
    return float(f"{value:.12g}")


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


def _substitute(node: libsbml.ASTNode, factors: dict[str, str], reactions: dict[str, str],
                local: frozenset[str]) -> libsbml.ASTNode:
    """A copy of ``node`` with each species S of ``factors`` as (K * S), each reaction J of
    ``reactions`` as (K * J) and rateOf(S) as (K * rateOf(S)); local parameters left alone."""
    if node.getType() == libsbml.AST_NAME and node.getName() not in local:
        pid = factors.get(node.getName()) or reactions.get(node.getName())
        return _times(pid, node) if pid else node.deepCopy()
    if node.getType() == libsbml.AST_FUNCTION_RATE_OF:
        child = node.getChild(0)
        pid = factors.get(child.getName()) if child.getType() == libsbml.AST_NAME else None
        return _times(pid, node) if pid else node.deepCopy()
    copy = node.deepCopy()
    for index in range(node.getNumChildren()):
        copy.replaceChild(index, _substitute(node.getChild(index), factors, reactions, local), True)
    return copy
