"""Units of a module from anywhere: unit names, the unit map, unit inference, time conversion.

A module brought in from outside (an SBML file or an Antimony file next to a composite's TOML)
may declare no units, or units other than the composite's. :func:`apply_unit_map` makes it a
module that libsbml's unit checks pass with zero warnings, in the composite's time unit, without
changing one number of its dynamics:

1. **What the numbers mean.** The TOML's ``[units.<module>]`` table names the module's ``time``,
   ``substance``, ``volume`` (and ``area``, ``length``) units, and ``[units.<module>.ids]`` the
   unit of single elements. Keys of the map override what the file declares; a file that
   declares no unit at all must give ``time``, ``substance`` and ``volume`` (SBML Level 2's
   defaults, second/mole/litre, are rarely what the authors of such a file meant).
2. **What follows from the equations** (:class:`Inference`). Every kinetic law must be in
   extent per time, every rule in its variable's unit, both sides of a sum or comparison in one
   unit. Solving these for the values without a unit gives the unit of most rate constants and
   of the literal numbers of sums and comparisons (``x13 - 0.31``). A literal number the
   equations leave open is taken as dimensionless (a count, a ratio, an exponent); a parameter
   the equations leave open is an error naming it, unless ``undetermined = "<unit>"`` declares
   them all. Nothing is guessed silently: with every unit declared, libsbml can check every
   formula, so a wrong declaration shows up as a unit warning that the build refuses.
3. **Time** (:func:`convert_time`). When the module's time unit is not the composite's, every
   kinetic law and rate rule is multiplied by ``time_scale_<module>`` (module time per composite
   time, e.g. 1/60 minute per second: physically the number 1), and every ``time`` in its
   formulas becomes ``time * time_scale_<module>``; event delays are divided by it.

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
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import libsbml

from ..errors import ModelBuildError
from .sbml import sbml_problems

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


_BASE_KINDS = frozenset(libsbml.UnitKind_toString(k) for k in range(libsbml.UNIT_KIND_INVALID)) - {
    "celsius", "meter", "liter", "Celsius", "invalid"}


def _base_kinds() -> frozenset[str]:
    return _BASE_KINDS


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


# ----------------------------------------------------------------------------- inference

_DIMENSIONLESS_FUNCTIONS = {
    libsbml.AST_FUNCTION_EXP, libsbml.AST_FUNCTION_LN, libsbml.AST_FUNCTION_LOG, libsbml.AST_FUNCTION_SIN,
    libsbml.AST_FUNCTION_COS, libsbml.AST_FUNCTION_TAN, libsbml.AST_FUNCTION_ARCSIN, libsbml.AST_FUNCTION_ARCCOS,
    libsbml.AST_FUNCTION_ARCTAN, libsbml.AST_FUNCTION_SINH, libsbml.AST_FUNCTION_COSH, libsbml.AST_FUNCTION_TANH,
    libsbml.AST_FUNCTION_FACTORIAL,
}
_PASS_THROUGH = {libsbml.AST_FUNCTION_ABS, libsbml.AST_FUNCTION_FLOOR, libsbml.AST_FUNCTION_CEILING}
_SAME_UNIT = {libsbml.AST_FUNCTION_MIN, libsbml.AST_FUNCTION_MAX}
_RELATIONAL = {libsbml.AST_RELATIONAL_EQ, libsbml.AST_RELATIONAL_GEQ, libsbml.AST_RELATIONAL_GT,
               libsbml.AST_RELATIONAL_LEQ, libsbml.AST_RELATIONAL_LT, libsbml.AST_RELATIONAL_NEQ}
_LOGICAL = {libsbml.AST_LOGICAL_AND, libsbml.AST_LOGICAL_OR, libsbml.AST_LOGICAL_NOT, libsbml.AST_LOGICAL_XOR,
            libsbml.AST_LOGICAL_IMPLIES, libsbml.AST_CONSTANT_TRUE, libsbml.AST_CONSTANT_FALSE}
_NUMBERS = {libsbml.AST_INTEGER, libsbml.AST_REAL, libsbml.AST_REAL_E, libsbml.AST_RATIONAL}


@dataclass
class Equation:
    """A formula whose unit is fixed: ``math`` must be in ``target`` (or in the unit of the
    element ``variable`` once that is known; ``per_time`` divides it by the time unit)."""

    key: str  # the element it belongs to, e.g. "reaction v1a"
    math: libsbml.ASTNode  # the element's own formula (units are set on its literals in place)
    target: Unit | None = None
    variable: str | None = None
    per_time: bool = False
    scope: dict[str, str] = field(default_factory=dict)  # local parameter id -> its key "R.k"


class Inference:
    """Solve unit equations for the values without a unit (see the module docstring).

    ``known`` maps element ids (and ``reaction.local`` keys of local parameters) to units;
    ``unknown`` lists those to solve for. :meth:`run` fills :attr:`solved` (id -> unit),
    :attr:`origin` (id -> the element whose formula fixed it) and :attr:`literals`
    ((equation index, path) -> unit) for the literal numbers of the formulas.
    """

    def __init__(self, known: dict[str, Unit], unknown: set[str], time: Unit,
                 functions: dict[str, libsbml.ASTNode] | None = None):
        self.known, self.unknown, self.time = dict(known), set(unknown), time
        self.functions = functions or {}
        self.solved: dict[str, Unit] = {}
        self.origin: dict[str, str] = {}
        self.literals: dict[tuple[int, tuple[int, ...]], Unit] = {}
        self.open_literals: set[tuple[int, tuple[int, ...]]] = set()
        self._equation, self._key, self._scope = 0, "", {}
        self._progress = False

    def unit_of(self, sid: str) -> Unit | None:
        return self.known.get(sid, self.solved.get(sid))

    def run(self, equations: list[Equation], *, literals_default: Unit | None = DIMENSIONLESS) -> None:
        """Solve to a fixpoint; then take the open literal numbers as ``literals_default`` and
        solve again (their unit is then known, which may fix more parameters)."""
        self._fixpoint(equations)
        while literals_default is not None and self.open_literals - set(self.literals):
            # one literal at a time, factors of products first (the 0.1 of 0.1 * k * (x - 0.31)
            # / (3.1 - 0.31) is a pure number; the 3.1 then takes the unit of x from the equation)
            def order(key: tuple[int, tuple[int, ...]]) -> tuple[bool, tuple[int, tuple[int, ...]]]:
                index, path = key
                parent = node_at(equations[index].math, path[:-1]) if path else None
                return (parent is None or parent.getType() != libsbml.AST_TIMES, key)
            self.literals[min(self.open_literals - set(self.literals), key=order)] = literals_default
            self._fixpoint(equations)

    def assume(self, ids: list[str], unit: Unit, reason: str, equations: list[Equation]) -> None:
        """Give ``unit`` to the first of ``ids`` still open, solve again (which may fix others),
        and so on until none is open: in ``k2c * diabetes`` assuming ``diabetes`` fixes ``k2c``."""
        for sid in ids:
            if sid not in self.solved:
                self.solved[sid] = unit
                self.origin[sid] = reason
                self._fixpoint(equations)

    def _fixpoint(self, equations: list[Equation]) -> None:
        for _ in range(100):
            self._progress = False
            self.open_literals = set()
            for index, equation in enumerate(equations):
                self._equation = index
                self._solve_equation(equation)
            if not self._progress:
                break

    def _solve_equation(self, equation: Equation) -> None:
        self._key, self._scope = equation.key, equation.scope
        target = equation.target
        if equation.variable is not None:
            variable = self._name_unit(equation.variable)
            if variable is None:
                derived = self.derive(equation.math, ())
                if derived is not None:
                    self._record(equation.variable, derived * self.time if equation.per_time else derived)
                else:
                    self.solve(equation.math, (), None)
                return
            target = variable / self.time if equation.per_time else variable
        self.solve(equation.math, (), target)

    # -- helpers
    def _name_unit(self, sid: str) -> Unit | None:
        return self.unit_of(self._scope.get(sid, sid))

    def _record(self, sid: str, unit: Unit) -> None:
        key = self._scope.get(sid, sid)
        if key in self.unknown and key not in self.solved:
            self.solved[key] = unit
            self.origin[key] = f"inferred from {self._key}"
            self._progress = True

    def _literal(self, node: libsbml.ASTNode, path: tuple[int, ...]) -> Unit | None:
        if node.isSetUnits():
            units = node.getUnits()
            return DIMENSIONLESS if units == "dimensionless" else Unit.atom(units)
        return self.literals.get((self._equation, path))

    def derive(self, node: libsbml.ASTNode, path: tuple[int, ...]) -> Unit | None:
        """The unit of a formula, or None when it depends on something not known yet."""
        kind = node.getType()
        children = [node.getChild(i) for i in range(node.getNumChildren())]
        if kind in _NUMBERS:
            return self._literal(node, path)
        if kind == libsbml.AST_NAME_TIME:
            return self.time
        if kind == libsbml.AST_NAME_AVOGADRO:
            return Unit.atom("mole") ** -1
        if kind == libsbml.AST_NAME:
            return self._name_unit(node.getName())
        if kind in (libsbml.AST_CONSTANT_PI, libsbml.AST_CONSTANT_E) or kind in _LOGICAL or kind in _RELATIONAL:
            return DIMENSIONLESS
        units = [self.derive(c, path + (i,)) for i, c in enumerate(children)]
        if kind in (libsbml.AST_PLUS, libsbml.AST_MINUS) or kind in _SAME_UNIT or kind in _PASS_THROUGH:
            return next((u for u in units if u is not None), None)
        if kind == libsbml.AST_TIMES:
            if any(u is None for u in units):
                return None
            result = DIMENSIONLESS
            for u in units:
                result = result * u
            return result
        if kind == libsbml.AST_DIVIDE:
            return None if None in units else units[0] / units[1]
        if kind in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
            base = units[0]
            if base is not None and base.dimensionless:
                return DIMENSIONLESS
            exponent = _number(children[1])
            return base ** exponent if base is not None and exponent is not None else None
        if kind == libsbml.AST_FUNCTION_ROOT:
            degree = _number(children[0]) if len(children) == 2 else 2.0
            base = units[-1]
            return base ** (1 / degree) if base is not None and degree else None
        if kind in _DIMENSIONLESS_FUNCTIONS:
            return DIMENSIONLESS
        if kind == libsbml.AST_FUNCTION_PIECEWISE:
            values = [u for i, u in enumerate(units) if i % 2 == 0 or i == len(units) - 1]
            return next((u for u in values if u is not None), None)
        if kind == libsbml.AST_FUNCTION_DELAY:
            return units[0]
        if kind == libsbml.AST_FUNCTION_RATE_OF:
            return None if units[0] is None else units[0] / self.time
        if kind == libsbml.AST_FUNCTION and node.getName() in self.functions:
            return self._derive_call(node, units)
        return None

    def _derive_call(self, node: libsbml.ASTNode, units: list[Unit | None]) -> Unit | None:
        lambda_ = self.functions[node.getName()]
        arguments = [lambda_.getChild(i).getName() for i in range(lambda_.getNumBvars())]
        if None in units or len(arguments) != len(units):
            return None
        saved = self._scope
        inner = Inference({**self.known, **self.solved, **dict(zip(arguments, units))}, set(), self.time, self.functions)
        inner._scope = {}
        result = inner.derive(lambda_.getChild(lambda_.getNumChildren() - 1), ())
        self._scope = saved
        return result

    def solve(self, node: libsbml.ASTNode, path: tuple[int, ...], target: Unit | None) -> None:
        """Make ``node`` have unit ``target`` by fixing the unknowns it contains, where the
        structure of the formula allows (one unknown factor of a product, any term of a sum)."""
        kind = node.getType()
        children = [node.getChild(i) for i in range(node.getNumChildren())]
        if kind in _NUMBERS:
            if self._literal(node, path) is None:
                if target is not None:
                    self.literals[(self._equation, path)] = target
                    self._progress = True
                else:
                    self.open_literals.add((self._equation, path))
            return
        if kind == libsbml.AST_NAME:
            if target is not None and self._name_unit(node.getName()) is None:
                self._record(node.getName(), target)
            return
        if kind in (libsbml.AST_PLUS, libsbml.AST_MINUS) or kind in _SAME_UNIT or kind in _PASS_THROUGH:
            if target is None:
                target = self.derive(node, path)
            if target is None:
                self._match_powers(children, path)
            for i, child in enumerate(children):
                self.solve(child, path + (i,), target)
            return
        if kind == libsbml.AST_TIMES:
            units = [self.derive(c, path + (i,)) for i, c in enumerate(children)]
            open_ = [i for i, u in enumerate(units) if u is None]
            if len(open_) == 1 and target is not None:
                rest = DIMENSIONLESS
                for u in units:
                    rest = rest * u if u is not None else rest
                self.solve(children[open_[0]], path + (open_[0],), target / rest)
            else:
                for i, child in enumerate(children):
                    self.solve(child, path + (i,), units[i])
            return
        if kind == libsbml.AST_DIVIDE:
            top, bottom = (self.derive(c, path + (i,)) for i, c in enumerate(children))
            if target is not None and top is None and bottom is not None:
                self.solve(children[0], path + (0,), target * bottom)
            elif target is not None and bottom is None and top is not None:
                self.solve(children[1], path + (1,), top / target)
            else:
                self.solve(children[0], path + (0,), top)
                self.solve(children[1], path + (1,), bottom)
            return
        if kind in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
            self.solve(children[1], path + (1,), DIMENSIONLESS)
            exponent = _number(children[1])
            base = self.derive(children[0], path + (0,))
            if base is None and target is not None:
                if target.dimensionless:
                    self.solve(children[0], path + (0,), DIMENSIONLESS)
                elif exponent:
                    self.solve(children[0], path + (0,), target ** (1 / exponent))
            else:
                self.solve(children[0], path + (0,), base)
            return
        if kind in _DIMENSIONLESS_FUNCTIONS:
            for i, child in enumerate(children):
                self.solve(child, path + (i,), DIMENSIONLESS)
            return
        if kind == libsbml.AST_FUNCTION_PIECEWISE:
            if target is None:
                target = self.derive(node, path)
            for i, child in enumerate(children):
                is_value = i % 2 == 0 or i == len(children) - 1
                self.solve(child, path + (i,), target if is_value else None)
            return
        if kind in _RELATIONAL:
            units = [self.derive(c, path + (i,)) for i, c in enumerate(children)]
            common = next((u for u in units if u is not None), None)
            if common is None:
                self._match_powers(children, path)
            for i, child in enumerate(children):
                self.solve(child, path + (i,), common)
            return
        if kind == libsbml.AST_FUNCTION_DELAY:
            self.solve(children[0], path + (0,), target)
            self.solve(children[1], path + (1,), self.time)
            return
        for i, child in enumerate(children):  # logical operators, calls, rateOf, root ...
            self.solve(child, path + (i,), None)

    def _match_powers(self, children: list[libsbml.ASTNode], path: tuple[int, ...]) -> None:
        """In ``K^n + x^n`` (a Hill function) K has the unit of x."""
        powers = [(i, c) for i, c in enumerate(children) if c.getType() in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER)]
        bases = {}
        for i, c in powers:
            bases.setdefault(libsbml.formulaToL3String(c.getChild(1)), []).append((i, c.getChild(0)))
        for group in bases.values():
            known = next((self.derive(b, path + (i, 0)) for i, b in group
                          if self.derive(b, path + (i, 0)) is not None), None)
            if known is not None:
                for i, b in group:
                    self.solve(b, path + (i, 0), known)


def _number(node: libsbml.ASTNode) -> float | None:
    if node.getType() in _NUMBERS:
        return node.getValue()
    if node.getType() == libsbml.AST_MINUS and node.getNumChildren() == 1:
        inner = _number(node.getChild(0))
        return -inner if inner is not None else None
    return None


def node_at(math: libsbml.ASTNode, path: tuple[int, ...]) -> libsbml.ASTNode:
    for index in path:
        math = math.getChild(index)
    return math


# ----------------------------------------------------------------------------- the unit map


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
        return None if unitless else _model_unit(uid)

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
            settle(sid, _model_unit(compartment.getUnits()), "declared in the file")
        else:
            settle(sid, model_units[default], f"set to the module's {default} unit")
    substance_of: dict[str, Unit] = {}
    for species in model.getListOfSpecies():
        sid = species.getId()
        if sid in declared:
            substance, how = declared[sid], f"declared in [units.{module}.ids]"
        elif species.isSetSubstanceUnits() and not unitless and unit_map.substance is None:
            substance, how = _model_unit(species.getSubstanceUnits()), "declared in the file"
        else:
            substance, how = model_units["substance"], "set to the module's substance unit"
        if substance is None:
            raise ModelBuildError([f'{where}: species {sid!r} of {module} has no substance unit: add substance = "<unit>"'])
        substance_of[sid] = substance
        volume = known.get(species.getCompartment())
        settle(sid, substance if species.getHasOnlySubstanceUnits() or volume is None else substance / volume, how)
    unknown: set[str] = set()
    for parameter in model.getListOfParameters():
        sid = parameter.getId()
        if sid in declared:
            settle(sid, declared[sid], f"declared in [units.{module}.ids]")
        elif parameter.isSetUnits() and not unitless:
            settle(sid, _model_unit(parameter.getUnits()), "declared in the file")
        else:
            unknown.add(sid)
    for reaction in model.getListOfReactions():
        known[reaction.getId()] = extent / model_units["time"]
        for reference_ in list(reaction.getListOfReactants()) + list(reaction.getListOfProducts()):
            if reference_.isSetId():
                known[reference_.getId()] = DIMENSIONLESS
        for key, local in local_keys.items():
            if key.startswith(f"{reaction.getId()}."):
                if key in declared:
                    settle(key, declared[key], f"declared in [units.{module}.ids]")
                elif local.isSetUnits() and not unitless:
                    settle(key, _model_unit(local.getUnits()), "declared in the file")
                else:
                    unknown.add(key)

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


def _model_unit(uid: str) -> Unit | None:
    if not uid:
        return None
    return DIMENSIONLESS if uid == "dimensionless" else Unit.atom(uid)


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
    if math.getType() == libsbml.AST_NAME and math.getName() == sid:
        return True
    return any(_mentions(math.getChild(i), sid) for i in range(math.getNumChildren()))


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
        if new in _BASE_KINDS or same is not None or model.getUnitDefinition(new) is not None:
            model.removeUnitDefinition(old)
            if same is not None and model.getUnitDefinition(same) is None:
                model.addUnitDefinition(theirs[same])
        else:
            definition.setId(new)


# ----------------------------------------------------------------------------- problems


def named_problems(document: libsbml.SBMLDocument, label: str, path, *, module: str | None = None) -> list[str]:
    """libsbml's errors and warnings (units on) of a document, each with the element it is
    about (``reaction v2c``) and, for a module brought in with a unit map, the TOML key to use."""
    sbml = libsbml.writeSBMLToString(document)
    lines = sbml.splitlines()
    problems, by_code = [], {}
    for line in sbml_problems(sbml, source="@"):
        match = re.match(r"@(?::(\d+))?: (\w+) (\d+): (.*)", line)
        if not match:
            problems.append(f"{path}: {label}: {line.removeprefix('@: ')}")
            continue
        number, severity, code, message = match.groups()
        element = _element_at(lines, int(number)) if number else None
        by_code.setdefault((severity, code), []).append((element, message))
    for (severity, code), found in by_code.items():
        hint = ""
        if module is not None and code in ("99505", "80701"):
            hint = f" (declare the unit in [units.{module}.ids])"
        elif module is not None and code.startswith("105"):
            hint = f" (a unit in [units.{module}] is not what the formula needs)"
        if code == "10503" and len(by_code) > 1:
            continue  # "kinetic laws in different units": follows from the other unit warnings
        if len(found) > 3:  # one line for many elements with the same warning
            elements = ", ".join(e for e, _ in found if e)
            problems.append(f"{path}: {label} in {len(found)} elements ({elements}): {severity} {code}: "
                            f"{_short(found[0][1])}{hint}")
            continue
        for element, message in found:
            where = f" in {element}" if element else ""
            problems.append(f"{path}: {label}{where}: {severity} {code}: {_short(message)}{hint}")
    return problems


def _element_at(lines: list[str], line: int) -> str | None:
    """'reaction v1a', 'parameter k1' ...: the element of an SBML text at or above ``line``."""
    for text in reversed(lines[:max(line, 0)]):
        match = re.search(r"<(\w+)\s[^>]*?\b(?:id|variable|symbol)=\"([^\"]+)\"", text)
        if match:
            kind = {"assignmentRule": "rule", "rateRule": "rate rule", "initialAssignment": "initial assignment",
                    "eventAssignment": "event assignment"}.get(match.group(1), match.group(1))
            return f"{kind} {match.group(2)}"
    return None


def _short(message: str) -> str:
    """libsbml's unit messages without the boilerplate sentences."""
    message = re.sub(r"In situations where a mathematical expression contains literal numbers or parameters "
                     r"whose units have not been declared, it is not possible to verify accurately the "
                     r"consistency of the units in the expression\. ", "", message)
    message = re.sub(r"Reference: L\dV\d Sections? [0-9.]+(,? (AND )?[0-9.]+)*\s*", "", message)
    return message[:1200]


# ----------------------------------------------------------------------------- time


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
    definition_mine, definition_theirs = names.definition(_model_unit(mine)), names.definition(_model_unit(theirs))
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
            if child.getType() == libsbml.AST_NAME_TIME:
                node.replaceChild(index, _times(child, sid), True)
            elif child.getType() == libsbml.AST_FUNCTION_RATE_OF:
                ratio = libsbml.ASTNode(libsbml.AST_DIVIDE)
                ratio.addChild(child.deepCopy())
                ratio.addChild(_name(sid))
                node.replaceChild(index, ratio, True)
            else:
                walk(child)

    if math.getType() == libsbml.AST_NAME_TIME:
        return _times(math, sid)
    walk(math)
    return math
