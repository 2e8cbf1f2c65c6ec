"""Unit definitions of SBML models: look-ups, quotients and ratios (libsbml only).

Used by the composite build (one substance unit for every module, :mod:`.unify`), by
:mod:`mgsignal.model` (the concentration unit of each species) and by protocols that give values
in a unit of their own (:func:`species_unit_factor`: insulin in pM).
"""

from __future__ import annotations

import math

import libsbml

from ..errors import InvalidInputError
from .unit_algebra import UnitNames


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
    """How many ``bottom`` one ``top`` is, when both have the same dimension (None otherwise),
    rounded to 12 digits (1e9, not 999999999.9999999). Multiplier and scale count inside the
    exponent, as SBML defines them: (multiplier * 10^scale * kind)^exponent."""
    if top is None or bottom is None:
        return None
    a, b = libsbml.UnitDefinition.convertToSI(top), libsbml.UnitDefinition.convertToSI(bottom)
    if not libsbml.UnitDefinition.areEquivalent(a, b):
        return None

    def size(definition: libsbml.UnitDefinition) -> float:
        return math.prod((u.getMultiplier() * 10.0 ** u.getScale()) ** u.getExponent()
                         for u in definition.getListOfUnits())

    return float(f"{size(a) / size(b):.12g}")


def species_unit_definition(sbml_model: libsbml.Model, sid: str) -> libsbml.UnitDefinition | None:
    """The unit of species ``sid``'s value: its substance unit per its compartment's unit (a
    concentration), or its substance unit when it has only substance units."""
    species = sbml_model.getSpecies(sid)
    if species is None:
        return None
    substance = unit_definition(sbml_model, species.getSubstanceUnits() or sbml_model.getSubstanceUnits())
    if substance is None or species.getHasOnlySubstanceUnits():
        return substance
    compartment = sbml_model.getCompartment(species.getCompartment())
    size = compartment.getUnits() if compartment is not None and compartment.isSetUnits() else ""
    volume = unit_definition(sbml_model, size) if size else None
    return quotient_definition(substance, volume) if volume is not None else None


def species_unit_factor(sbml: str, sid: str, unit: str) -> float:
    """How many of species ``sid``'s unit one ``unit`` is, for a value given in ``unit`` (a unit
    expression: ``"pM"``, ``"nmol/L"``, any unit id of the model): 1 for pM insulin in the
    insulin module (pM), 1e-9 in the composite (fmol/pL = mM).

    Raises:
        InvalidInputError: no such species, a unit that does not parse, or one of another dimension.
    """
    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    own = species_unit_definition(model, sid) if model is not None else None
    if own is None:
        raise InvalidInputError(f"no species {sid!r} with a known unit in the model")
    names = UnitNames({u.getId(): u for u in model.getListOfUnitDefinitions()})
    try:
        given = names.definition(names.parse(unit))
    except ValueError as error:
        raise InvalidInputError(f"unit {unit!r}: {error}") from None
    ratio = unit_ratio(given, own)
    if ratio is None:
        raise InvalidInputError(f"{unit!r} is not a unit of species {sid!r}")
    return ratio
