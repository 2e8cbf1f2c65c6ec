"""Unit inference: what follows from the equations of a model about the units of its values.

Every kinetic law must be in extent per time, every rule in its variable's unit, both sides of a
sum or comparison in one unit. :class:`Inference` solves these :class:`Equation` s for the values
without a unit, which gives the unit of most rate constants and of the literal numbers of sums and
comparisons (``x13 - 0.31``). A literal number the equations leave open is taken as dimensionless
(a count, a ratio, an exponent). :func:`node_at` finds a node of a formula by its path. Used by
the unit map (:mod:`mgsignal.build.unitmap`) and by couplings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libsbml

from .unit_algebra import DIMENSIONLESS, Unit, ast_type


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
                return (parent is None or ast_type(parent) != libsbml.AST_TIMES, key)
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
        kind = ast_type(node)
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
        kind = ast_type(node)
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
        powers = [(i, c) for i, c in enumerate(children) if ast_type(c) in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER)]
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
    if ast_type(node) in _NUMBERS:
        return node.getValue()
    if ast_type(node) == libsbml.AST_MINUS and node.getNumChildren() == 1:
        inner = _number(node.getChild(0))
        return -inner if inner is not None else None
    return None


def node_at(math: libsbml.ASTNode, path: tuple[int, ...]) -> libsbml.ASTNode:
    for index in path:
        math = math.getChild(index)
    return math
