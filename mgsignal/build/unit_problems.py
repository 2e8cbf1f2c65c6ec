"""libsbml's errors and warnings (unit checks on) of a document, named by element and, for a module
with a unit map, by the TOML key to change: :func:`named_problems`."""

from __future__ import annotations

import re

import libsbml

from .sbml import sbml_problems


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
