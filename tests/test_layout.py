"""The layout points one way: no import cycle inside the package, libroadrunner only in the
simulation layer, libantimony only in the build layer, no module of the package reads files
outside it (tests/, shared/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "mgsignal"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name[: -len(".__init__")] if name.endswith(".__init__") else name] = path
    return modules


def _imports(name: str, path: Path) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if state.get(other) == 1:
                return stack[stack.index(other):] + [other]
            if not state.get(other):
                found = visit(other)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return None


def test_cycle_finder_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_inside_the_package():
    modules = _modules()
    edges = {}
    for name, path in modules.items():
        targets = {t for t in _imports(name, path) if t in modules and t != name}
        # importing a name from a package's __init__ is an edge to the package, not to its parts
        edges[name] = {t for t in targets if not (modules[t].name == "__init__.py" and name.startswith(t + "."))}
    assert _cycle(edges) is None, " -> ".join(_cycle(edges))


@pytest.mark.parametrize(("library", "allowed"), [("roadrunner", "mgsignal.simulation"),
                                                   ("antimony", "mgsignal.build"),
                                                   ("SALib", "mgsignal.sensitivity")])
def test_each_library_is_imported_by_its_layer_only(library, allowed):
    offenders = [name for name, path in _modules().items()
                 if any(t == library or t.startswith(library + ".") for t in _imports(name, path))
                 and not name.startswith(allowed)]
    assert offenders == [], f"{library} imported outside {allowed}: {offenders}"


def test_the_package_reads_nothing_outside_itself():
    """A wheel has no tests/ or shared/: no module may point there."""
    offenders = [str(path.relative_to(ROOT)) for path in PACKAGE.rglob("*.py")
                 for needle in ('"tests"', "'tests'", "shared/", '"shared"')
                 if needle in path.read_text(encoding="utf-8")]
    assert offenders == []
