"""Time conversion of a module: :func:`convert_time`.

When the module's time unit is not the composite's, every kinetic law and rate rule is multiplied
by ``time_scale_<module>`` (module time per composite time, e.g. 1/60 minute per second:
physically the number 1), and every ``time`` in its formulas becomes ``time * time_scale_<module>``;
event delays are divided by it.
"""

from __future__ import annotations

import math

import libsbml

from ..errors import ModelBuildError
from .unit_algebra import Unit, UnitNames, ast_type, model_unit, si_key, unit_id


def convert_time(model: libsbml.Model, reference: libsbml.Model, module: str,
                 units: libsbml.Model | None = None) -> libsbml.Parameter | None:
    """Express a module in the composite's time unit (see the module docstring).

    Args:
        model: the module (units applied), changed in place.
        reference: the composite's first module, whose time unit is the composite's.
        module: the module's name.
        units: a model holding the unit definitions of the composite so far (new unit ids are
            chosen not to clash with them); default ``reference``.

    Returns the added ``time_scale_<module>`` parameter, or None when the units already agree.
    """
    units = units if units is not None else reference
    mine, theirs = model.getTimeUnits(), reference.getTimeUnits()
    names = UnitNames({**{u.getId(): u for u in units.getListOfUnitDefinitions()},
                       **{u.getId(): u for u in model.getListOfUnitDefinitions()}})
    definition_mine, definition_theirs = names.definition(model_unit(mine)), names.definition(model_unit(theirs))
    (powers_mine, factor_mine), (powers_theirs, factor_theirs) = si_key(definition_mine), si_key(definition_theirs)
    if powers_mine != powers_theirs:
        raise ModelBuildError([f"{module}: time unit {mine!r} is not a time"])
    if mine == theirs or math.isclose(factor_mine, factor_theirs, rel_tol=1e-12):
        model.setTimeUnits(theirs)
        return None
    scale = model.createParameter()
    scale.setId(f"time_scale_{module}")
    scale.setName(f"{module} time per composite time")
    scale.setValue(factor_theirs / factor_mine)
    scale.setConstant(True)
    scale.setUnits(unit_id(model, names, Unit.of({mine: 1, theirs: -1}), reference=units, prefix=module))
    sid = scale.getId()
    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if law is not None and law.isSetMath():
            law.setMath(_times(law.getMath(), sid))
    for rule in model.getListOfRules():
        if rule.isRate():
            rule.setMath(_times(rule.getMath(), sid))
    for element in _math_holders(model):
        element.setMath(_rescale_time(element.getMath(), sid))
    for event in model.getListOfEvents():
        if event.isSetDelay() and event.getDelay().isSetMath():
            delay = libsbml.ASTNode(libsbml.AST_DIVIDE)
            delay.addChild(event.getDelay().getMath().deepCopy())
            delay.addChild(_name(sid))
            event.getDelay().setMath(delay)
    model.setTimeUnits(theirs)
    return scale


def _name(sid: str) -> libsbml.ASTNode:
    node = libsbml.ASTNode(libsbml.AST_NAME)
    node.setName(sid)
    return node


def _times(math: libsbml.ASTNode, sid: str) -> libsbml.ASTNode:
    product = libsbml.ASTNode(libsbml.AST_TIMES)
    product.addChild(_name(sid))
    product.addChild(math.deepCopy())
    return product


def _math_holders(model: libsbml.Model) -> list:
    holders = [r.getKineticLaw() for r in model.getListOfReactions() if r.getKineticLaw() is not None]
    holders += list(model.getListOfRules()) + list(model.getListOfInitialAssignments())
    for event in model.getListOfEvents():
        holders += [event.getTrigger()] if event.isSetTrigger() else []
        holders += [event.getPriority()] if event.isSetPriority() else []
        holders += list(event.getListOfEventAssignments())
    holders += list(model.getListOfConstraints())
    return [h for h in holders if h.isSetMath()]


def _rescale_time(math: libsbml.ASTNode, sid: str) -> libsbml.ASTNode:
    """``time`` -> ``time * sid``; ``rateOf(x)`` -> ``rateOf(x) / sid`` (module time units)."""
    math = math.deepCopy()

    def walk(node: libsbml.ASTNode) -> None:
        for index in range(node.getNumChildren()):
            child = node.getChild(index)
            if ast_type(child) == libsbml.AST_NAME_TIME:
                node.replaceChild(index, _times(child, sid), True)
            elif ast_type(child) == libsbml.AST_FUNCTION_RATE_OF:
                ratio = libsbml.ASTNode(libsbml.AST_DIVIDE)
                ratio.addChild(child.deepCopy())
                ratio.addChild(_name(sid))
                node.replaceChild(index, ratio, True)
            else:
                walk(child)

    if ast_type(math) == libsbml.AST_NAME_TIME:
        return _times(math, sid)
    walk(math)
    return math
