"""Unit definitions of SBML models: look-ups, quotients and ratios (libsbml only).

Used by the composite build (conversion factors between modules' units) and by
:mod:`mgsignal.model` (the concentration unit of each species).
"""

from __future__ import annotations

import libsbml


def unit_definition(sbml_model: libsbml.Model, uid: str) -> libsbml.UnitDefinition | None:
    """The model's definition of ``uid``, or one made for an SBML base unit such as ``second``."""
    definition = sbml_model.getUnitDefinition(uid)
    kind = libsbml.UnitKind_forName(uid)
    if definition is None and kind != libsbml.UNIT_KIND_INVALID:
        definition = libsbml.UnitDefinition(sbml_model.getLevel(), sbml_model.getVersion())
        unit = definition.createUnit()
        unit.initDefaults()
        unit.setKind(kind)
    return definition


def quotient_definition(top: libsbml.UnitDefinition, bottom: libsbml.UnitDefinition) -> libsbml.UnitDefinition:
    """The unit ``top / bottom`` (not simplified, not added to any model)."""
    inverse = bottom.clone()
    for unit in inverse.getListOfUnits():
        unit.setExponent(-unit.getExponent())
    return libsbml.UnitDefinition.combine(top, inverse)


def quotient_unit_id(sbml_model: libsbml.Model, numerator: str, denominator: str) -> str:
    """The model's own unit id equal to numerator/denominator (e.g. fmol/pL -> mM), if any;
    else the text ``numerator/denominator``."""
    top, bottom = unit_definition(sbml_model, numerator), unit_definition(sbml_model, denominator)
    if top is None or bottom is None:
        return f"{numerator}/{denominator}"
    quotient = libsbml.UnitDefinition.convertToSI(quotient_definition(top, bottom))
    for definition in sbml_model.getListOfUnitDefinitions():
        if libsbml.UnitDefinition.areIdentical(libsbml.UnitDefinition.convertToSI(definition), quotient):
            return definition.getId()
    return f"{numerator}/{denominator}"


def add_quotient_unit(sbml_model: libsbml.Model, numerator: str, denominator: str) -> str:
    """Add (once) the unit ``numerator_per_denominator`` to the model; returns its id."""
    uid = f"{numerator}_per_{denominator}"
    if sbml_model.getUnitDefinition(uid) is None:
        definition = quotient_definition(unit_definition(sbml_model, numerator),
                                         unit_definition(sbml_model, denominator))
        definition.setId(uid)
        sbml_model.addUnitDefinition(definition)
    return uid


def unit_ratio(top: libsbml.UnitDefinition | None, bottom: libsbml.UnitDefinition | None) -> float | None:
    """How many ``bottom`` one ``top`` is, when both are the same single-unit dimension."""
    if top is None or bottom is None:
        return None
    a, b = libsbml.UnitDefinition.convertToSI(top), libsbml.UnitDefinition.convertToSI(bottom)
    if not libsbml.UnitDefinition.areEquivalent(a, b) or a.getNumUnits() != 1 or b.getNumUnits() != 1:
        return None
    ua, ub = a.getUnit(0), b.getUnit(0)
    return (ua.getMultiplier() * 10 ** ua.getScale()) / (ub.getMultiplier() * 10 ** ub.getScale())
