"""Unit algebra: units as products of named atoms, unit names, and unit definitions in models.

Owns :class:`Unit` (with :data:`DIMENSIONLESS` and :func:`model_unit`), :class:`UnitNames`
(reading unit expressions of a TOML into units and libsbml definitions), :func:`si_key` and
:func:`same_unit` (comparing definitions in SI base units) and :func:`unit_id` (the id of a unit
in a model, reusing identical definitions).

Unit names in the TOML: any unit id of the composite or the module (``mM``, ``fmol``), SBML's
base units (``second``, ``mole``, ``litre``, ``metre``, ``item``, ``dimensionless``, ...), the
symbols ``s``, ``min``, ``h``, ``day``, ``mol``, ``M`` (molar), ``L``, ``m``, ``g``, ``V``, ``A``,
``K``, ``percent``, prefixed by ``f p n u µ m c d k`` (``nM``, ``pL``, ``ms``), combined with
``*``, ``/``, ``^`` and parentheses: ``"1/(nM*min)"``, ``"fmol/pL"``, ``"min^-1"``.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import libsbml


# ----------------------------------------------------------------------------- unit algebra


@dataclass(frozen=True)
class Unit:
    """A unit as a product of named units (atoms) to powers: ``{"nM": -1, "minute": -1}``."""

    powers: tuple[tuple[str, Fraction], ...] = ()

    @staticmethod
    def of(atoms: dict[str, Fraction | int]) -> Unit:
        return Unit(tuple(sorted((a, Fraction(e)) for a, e in atoms.items() if e != 0 and a != "dimensionless")))

    @staticmethod
    def atom(name: str) -> Unit:
        return Unit.of({name: 1})

    def __mul__(self, other: Unit) -> Unit:
        total = dict(self.powers)
        for atom, exponent in other.powers:
            total[atom] = total.get(atom, Fraction(0)) + exponent
        return Unit.of(total)

    def __truediv__(self, other: Unit) -> Unit:
        return self * other ** -1

    def __pow__(self, exponent: Fraction | int | float) -> Unit:
        exponent = Fraction(exponent).limit_denominator(1000)
        return Unit.of({a: e * exponent for a, e in self.powers})

    @property
    def dimensionless(self) -> bool:
        return not self.powers

    def name(self) -> str:
        """A readable SId: ``per_nM_per_minute``, ``fmol_per_pL``, ``dimensionless``."""
        if not self.powers:
            return "dimensionless"

        def part(atom: str, exponent: Fraction) -> str:
            if exponent == 1:
                return atom
            text = str(exponent).replace("/", "_")
            return f"{atom}{text}" if exponent.denominator == 1 else f"{atom}_{text}"
        top = [part(a, e) for a, e in self.powers if e > 0]
        bottom = [part(a, -e) for a, e in self.powers if e < 0]
        return "_".join(top + [f"per_{b}" for b in bottom]) if top else "_".join(f"per_{b}" for b in bottom)


DIMENSIONLESS = Unit()


def ast_type(node: libsbml.ASTNode) -> int:
    """The AST node's type code. Called through the class: once libsedml (tellurium, the SED-ML
    export) has been imported, ``node.getType()`` returns a SWIG pointer instead of an int."""
    return libsbml.ASTNode.getType(node)


def model_unit(uid: str) -> Unit | None:
    """The unit a model's unit id stands for (an atom of that name), or None for no id."""
    if not uid:
        return None
    return DIMENSIONLESS if uid == "dimensionless" else Unit.atom(uid)

# ----------------------------------------------------------------------------- unit names

#: symbol -> (canonical atom name, SBML kind, multiplier, exponent) of the unit symbols we read
_SYMBOLS = {
    "s": ("second", "second", 1.0, 1), "sec": ("second", "second", 1.0, 1),
    "min": ("minute", "second", 60.0, 1), "minute": ("minute", "second", 60.0, 1),
    "h": ("hour", "second", 3600.0, 1), "hr": ("hour", "second", 3600.0, 1), "hour": ("hour", "second", 3600.0, 1),
    "day": ("day", "second", 86400.0, 1),
    "mol": ("mole", "mole", 1.0, 1), "L": ("litre", "litre", 1.0, 1), "l": ("litre", "litre", 1.0, 1),
    "liter": ("litre", "litre", 1.0, 1), "m": ("metre", "metre", 1.0, 1), "meter": ("metre", "metre", 1.0, 1),
    "g": ("gram", "gram", 1.0, 1), "V": ("volt", "volt", 1.0, 1), "A": ("ampere", "ampere", 1.0, 1),
    "K": ("kelvin", "kelvin", 1.0, 1), "percent": ("percent", "dimensionless", 0.01, 1),
    "M": ("molar", None, 1.0, 1),  # mole / litre
}
_PREFIXES = {"f": -15, "p": -12, "n": -9, "u": -6, "µ": -6, "μ": -6, "m": -3, "c": -2, "d": -1, "k": 3}
_PREFIXABLE = ("s", "mol", "M", "L", "l", "m", "g", "V", "A")
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-zµμ_][A-Za-z0-9_µμ]*)|(?P<op>\*\*|[*/^()·-]))")


BASE_KINDS = frozenset(libsbml.UnitKind_toString(k) for k in range(libsbml.UNIT_KIND_INVALID)) - {
    "celsius", "meter", "liter", "Celsius", "invalid"}


def _base_kinds() -> frozenset[str]:
    return BASE_KINDS


def _simple_definition(kind: str, multiplier: float = 1.0, scale: int = 0, exponent: float = 1.0) -> libsbml.UnitDefinition:
    definition = libsbml.UnitDefinition(3, 2)
    unit = definition.createUnit()
    unit.setKind(libsbml.UnitKind_forName(kind))
    unit.setMultiplier(multiplier)
    unit.setScale(scale)
    unit.setExponent(exponent)
    return definition


class UnitNames:
    """Resolves unit names to definitions: the model's own unit ids, SBML base units, symbols.

    ``known`` maps unit ids of the models involved (the module and the composite) to their
    definitions; :meth:`parse` reads a unit expression into a :class:`Unit` of atoms, each of
    which :meth:`definition` can define.
    """

    def __init__(self, known: dict[str, libsbml.UnitDefinition]):
        self.defs: dict[str, libsbml.UnitDefinition] = dict(known)

    def resolve(self, name: str) -> str | None:
        """The atom a unit name stands for (defining it when it is a symbol), or None."""
        if name in self.defs:
            return name
        if name in _base_kinds():
            return name
        symbol = _SYMBOLS.get(name)
        prefix_scale = 0
        if symbol is None and len(name) > 1 and name[0] in _PREFIXES and name[1:] in _PREFIXABLE:
            symbol, prefix_scale = _SYMBOLS[name[1:]], _PREFIXES[name[0]]
        if symbol is None:
            return None
        canonical, kind, multiplier, exponent = symbol
        atom = canonical if not prefix_scale else ("u" if name[0] in "µμ" else name[0]) + name[1:]
        if atom in self.defs or atom in _base_kinds():
            return atom
        if kind is None:  # molar
            definition = _simple_definition("mole", 1.0, prefix_scale)
            litre = definition.createUnit()
            litre.setKind(libsbml.UNIT_KIND_LITRE)
            litre.setExponent(-1)
            litre.setScale(0)
            litre.setMultiplier(1.0)
        else:
            definition = _simple_definition(kind, multiplier, prefix_scale, exponent)
        definition.setId(atom)
        self.defs[atom] = definition
        return atom

    def known_names(self) -> list[str]:
        return sorted(set(self.defs) | set(_SYMBOLS) | {"dimensionless", "second", "mole", "litre", "item"})

    def parse(self, text: str) -> Unit:
        """Read a unit expression (``"1/(nM*min)"``); raises ValueError naming what is wrong."""
        tokens = []
        position = 0
        text = str(text).strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(f"cannot read {text!r} at {text[position:]!r}")
            tokens.append(match)
            position = match.end()
        stream = [(m.lastgroup, m.group(m.lastgroup)) for m in tokens]
        index = 0

        def peek():
            return stream[index] if index < len(stream) else (None, None)

        def expression() -> Unit:
            nonlocal index
            result = term()
            while peek()[1] in ("*", "/", "·"):
                op = stream[index][1]
                index += 1
                right = term()
                result = result / right if op == "/" else result * right
            return result

        def term() -> Unit:
            nonlocal index
            base = factor()
            if peek()[1] in ("^", "**"):
                index += 1
                sign = 1
                if peek()[1] == "-":
                    sign, index = -1, index + 1
                kind, value = peek()
                if kind != "number":
                    raise ValueError(f"expected a number after '^' in {text!r}")
                index += 1
                base = base ** (sign * Fraction(value))
            return base

        def factor() -> Unit:
            nonlocal index
            kind, value = peek()
            if kind == "number" and value == "1":
                index += 1
                return DIMENSIONLESS
            if kind == "name":
                index += 1
                atom = self.resolve(value)
                if atom is None:
                    near = difflib.get_close_matches(value, self.known_names(), n=3, cutoff=0.6)
                    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
                    raise ValueError(f"unknown unit {value!r}{hint}")
                return DIMENSIONLESS if atom == "dimensionless" else Unit.atom(atom)
            if value == "(":
                index += 1
                inner = expression()
                if peek()[1] != ")":
                    raise ValueError(f"missing ')' in {text!r}")
                index += 1
                return inner
            raise ValueError(f"cannot read {text!r}: unexpected {value!r}" if value else f"empty unit {text!r}")

        if not text:
            raise ValueError("empty unit")
        result = expression()
        if index != len(stream):
            raise ValueError(f"cannot read {text!r}: unexpected {stream[index][1]!r}")
        return result

    def definition(self, unit: Unit) -> libsbml.UnitDefinition:
        """The libsbml definition of a unit (not added to any model)."""
        result = _simple_definition("dimensionless")
        for atom, exponent in unit.powers:
            if atom in self.defs:
                part = self.defs[atom].clone()
            else:
                part = _simple_definition(atom)
            for piece in part.getListOfUnits():
                piece.setExponent(piece.getExponentAsDouble() * float(exponent))
            result = libsbml.UnitDefinition.combine(result, part)
        result.unsetMetaId()
        for piece in result.getListOfUnits():
            piece.unsetMetaId()
            piece.unsetAnnotation()
        return result


def si_key(definition: libsbml.UnitDefinition) -> tuple[tuple[tuple[str, float], ...], float]:
    """A definition in SI base units: (sorted (kind, exponent) pairs, overall multiplier)."""
    si = libsbml.UnitDefinition.convertToSI(definition)
    powers: dict[str, float] = {}
    factor = 1.0
    for unit in si.getListOfUnits():
        exponent = unit.getExponentAsDouble()
        factor *= (unit.getMultiplier() * 10 ** unit.getScale()) ** exponent
        kind = libsbml.UnitKind_toString(unit.getKind())
        if kind != "dimensionless":
            powers[kind] = powers.get(kind, 0.0) + exponent
    return tuple(sorted((k, round(e, 9)) for k, e in powers.items() if abs(e) > 1e-12)), factor


def same_unit(a: libsbml.UnitDefinition, b: libsbml.UnitDefinition) -> bool:
    (pa, fa), (pb, fb) = si_key(a), si_key(b)
    return pa == pb and math.isclose(fa, fb, rel_tol=1e-9)


def unit_id(model: libsbml.Model, names: UnitNames, unit: Unit, *, reference: libsbml.Model | None = None,
            prefix: str = "") -> str:
    """The id of ``unit`` in ``model``: a base unit, an identical definition already in the
    model or in ``reference`` (the composite, whose id is reused), or a new definition."""
    if unit.dimensionless:
        return "dimensionless"
    if len(unit.powers) == 1 and unit.powers[0][1] == 1 and unit.powers[0][0] in _base_kinds() \
            and unit.powers[0][0] not in names.defs:
        return unit.powers[0][0]
    definition = names.definition(unit)
    powers, factor = si_key(definition)
    if not powers and math.isclose(factor, 1.0, rel_tol=1e-12):  # e.g. fmol / (pL * mM)
        return "dimensionless"
    for candidate in (list(reference.getListOfUnitDefinitions()) if reference is not None else []) + list(
            model.getListOfUnitDefinitions()):
        if same_unit(candidate, definition):
            if model.getUnitDefinition(candidate.getId()) is None:
                model.addUnitDefinition(candidate)
            return candidate.getId()
    uid = unit.name()
    taken = {u.getId() for u in model.getListOfUnitDefinitions()} | (
        {u.getId() for u in reference.getListOfUnitDefinitions()} if reference is not None else set())
    if uid in taken or libsbml.UnitKind_forName(uid) != libsbml.UNIT_KIND_INVALID:
        uid = f"{prefix}_{uid}" if prefix else f"u_{uid}"
    definition.setId(uid)
    model.addUnitDefinition(definition)
    names.defs[uid] = model.getUnitDefinition(uid)
    return uid
