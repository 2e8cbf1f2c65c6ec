"""Unit-id housekeeping of a model: which unit ids it uses, dropping unused definitions, renaming a
unit, and giving a module's unit definitions canonical ids before they meet the composite's."""

from __future__ import annotations

import math
import re

import libsbml

from .unit_algebra import BASE_KINDS, same_unit


_UNIT_ATTRIBUTE = re.compile(r'\s(?:sbml:)?(?:units|substanceUnits|timeUnits|volumeUnits|areaUnits|lengthUnits'
                             r'|extentUnits)="([^"]+)"')


def used_unit_ids(model: libsbml.Model) -> set[str]:
    return set(_UNIT_ATTRIBUTE.findall(model.toSBML()))


def drop_unused_unit_definitions(model: libsbml.Model) -> None:
    used = used_unit_ids(model)
    for definition in list(model.getListOfUnitDefinitions()):
        if definition.getId() not in used:
            model.removeUnitDefinition(definition.getId())


def rename_unit(model: libsbml.Model, old: str, new: str) -> None:
    """Point every reference to unit ``old`` at ``new`` (the definition itself is not touched)."""
    model.renameUnitSIdRefs(old, new)
    elements = model.getListOfAllElements()
    for index in range(elements.getSize()):
        elements.get(index).renameUnitSIdRefs(old, new)


_TIME_NAMES = {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day"}
_SCALE_PREFIX = {-15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: ""}
_KIND_SYMBOL = {"mole": "mol", "litre": "L", "metre": "m", "gram": "g"}


def _readable_name(definition: libsbml.UnitDefinition) -> str | None:
    """``minute``, ``fmol``, ``pL``, ``nM`` ... for simple definitions; None otherwise."""
    units = [u for u in definition.getListOfUnits()
             if not (u.getKind() == libsbml.UNIT_KIND_DIMENSIONLESS and u.getMultiplier() == 1 and u.getScale() == 0)]
    factor = math.prod(u.getMultiplier() * 10 ** u.getScale() for u in units)
    kinds = {libsbml.UnitKind_toString(u.getKind()): u.getExponentAsDouble() for u in units}
    exponent = round(math.log10(factor)) if factor > 0 else None
    if kinds == {"second": 1.0}:
        return next((n for v, n in _TIME_NAMES.items() if math.isclose(factor, v, rel_tol=1e-12)), None)
    if exponent is None or not math.isclose(factor, 10.0 ** exponent, rel_tol=1e-12) or exponent not in _SCALE_PREFIX:
        return None
    prefix = _SCALE_PREFIX[exponent]
    if len(kinds) == 1 and list(kinds.values()) == [1.0] and list(kinds)[0] in _KIND_SYMBOL:
        kind = list(kinds)[0]
        return f"{prefix}{_KIND_SYMBOL[kind]}" if prefix else kind
    if kinds == {"mole": 1.0, "litre": -1.0}:
        return f"{prefix}M" if prefix else "molar"
    return None


def canonical_unit_ids(model: libsbml.Model, reference: libsbml.Model | None, module: str) -> None:
    """Rename a module's unit definitions before they meet the composite's: a definition equal
    to one of the composite's takes its id; a simple one a readable name (``time`` -> ``minute``,
    ``substance`` -> ``fmol``, ``volume`` -> ``litre``); an id the composite uses for another
    unit gets the module's name as prefix."""
    theirs = {u.getId(): u for u in reference.getListOfUnitDefinitions()} if reference is not None else {}
    for definition in list(model.getListOfUnitDefinitions()):
        old = definition.getId()
        if old in theirs and same_unit(theirs[old], definition):
            if not libsbml.UnitDefinition.areIdentical(theirs[old], definition):  # same unit, written otherwise
                model.removeUnitDefinition(old)
                model.addUnitDefinition(theirs[old])
            continue
        same = next((uid for uid, other in theirs.items() if same_unit(other, definition)), None)
        readable = _readable_name(definition)
        new = same or readable or old
        if same is None and (new in theirs or (model.getUnitDefinition(new) is not None and new != old
                                                and not same_unit(model.getUnitDefinition(new), definition))):
            new = f"{module}_{new}"
        if new == old:
            continue
        rename_unit(model, old, new)
        if new in BASE_KINDS or same is not None or model.getUnitDefinition(new) is not None:
            model.removeUnitDefinition(old)
            if same is not None and model.getUnitDefinition(same) is None:
                model.addUnitDefinition(theirs[same])
        else:
            definition.setId(new)
