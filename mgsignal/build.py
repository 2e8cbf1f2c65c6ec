"""Antimony -> validated SBML. The only module that touches libantimony.

``build_sbml`` turns one Antimony module into SBML Level 3 Version 2, writes the source of each
value into the SBML notes (so COPASI or AMICI users see it), sets membranes (compartments
measured in area units) to two dimensions, and refuses the result unless libsbml reports zero
errors and zero warnings with the unit checks on. ``validate_file`` runs the same checks on an
Antimony or SBML file and returns one line per problem.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import antimony
import libsbml

from .errors import ModelBuildError
from .parameters import read_parameter_table

SBML_LEVEL, SBML_VERSION = 3, 2
_ANTIMONY_LINE = re.compile(r"line (\d+)")


def build_sbml(path: str | Path) -> str:
    """Build validated SBML (L3V2) from an Antimony file.

    Args:
        path: an Antimony (``.ant``) file holding one model.

    Returns:
        The SBML document as text.

    Raises:
        ModelBuildError: on an Antimony syntax or model error, or on any libsbml error or warning
            (unit checks included); each problem names the file and, when known, the line.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    sbml = _antimony_to_sbml(text, path)
    document = libsbml.readSBMLFromString(sbml)
    _set_membrane_dimensions(document.getModel())
    _write_source_notes(document.getModel(), path)
    sbml = libsbml.writeSBMLToString(document)
    problems = sbml_problems(sbml, source=path, antimony_text=text)
    if problems:
        raise ModelBuildError(problems)
    return sbml


def validate_file(path: str | Path) -> list[str]:
    """Check an Antimony or SBML file; return one line per problem (empty when valid).

    A file whose name ends in ``.ant`` or ``.txt`` is read as Antimony and built as by
    :func:`build_sbml`, a ``.toml`` file as a composite description; anything else as SBML.
    """
    path = Path(path)
    if not path.is_file():
        return [f"{path}: no such file"]
    if path.suffix in {".ant", ".txt", ".toml"}:
        try:
            if path.suffix == ".toml":
                from .compose import build_composite
                build_composite(path)
            else:
                build_sbml(path)
        except ModelBuildError as error:
            return error.problems
        return []
    return sbml_problems(path.read_text(encoding="utf-8"), source=path)


def sbml_problems(sbml: str, *, source: str | Path, antimony_text: str | None = None) -> list[str]:
    """List libsbml errors and warnings (units included) of an SBML text.

    Args:
        sbml: the SBML document.
        source: the file name to print in each problem line.
        antimony_text: the Antimony source the SBML was built from, used to point at the line
            where the offending element is declared.
    """
    document = libsbml.readSBMLFromString(sbml)
    for category in (libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, libsbml.LIBSBML_CAT_MODELING_PRACTICE):
        document.setConsistencyChecks(category, True)
    document.checkConsistency()
    xml_lines = sbml.splitlines()
    problems = []
    for index in range(document.getNumErrors()):
        error = document.getError(index)
        if error.getSeverity() < libsbml.LIBSBML_SEV_WARNING:
            continue
        line = error.getLine()
        if antimony_text is not None:
            element = _enclosing_id(xml_lines, line)
            line = _declaration_line(antimony_text, element) if element else 0
        where = f"{source}:{line}" if line else str(source)
        message = " ".join(error.getMessage().split())
        problems.append(f"{where}: {error.getSeverityAsString().lower()} {error.getErrorId()}: {message}")
    return problems


def _antimony_to_sbml(text: str, path: Path) -> str:
    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(text) < 0:
        message = " ".join(antimony.getLastError().split())
        match = _ANTIMONY_LINE.search(message)
        line = f":{match.group(1)}" if match else ""
        raise ModelBuildError([f"{path}{line}: antimony error: {message}"])
    warnings = antimony.getWarnings() or ""
    if warnings.strip():
        raise ModelBuildError([f"{path}: antimony warning: {' '.join(warnings.split())}"])
    return antimony.getSBMLString(antimony.getMainModuleName())


def _set_membrane_dimensions(model: libsbml.Model) -> None:
    """Antimony writes every compartment as 3-D; those sized in an area unit are membranes."""
    for compartment in model.getListOfCompartments():
        definition = model.getUnitDefinition(compartment.getUnits())
        if definition is not None and definition.isVariantOfArea():
            compartment.setSpatialDimensions(2)


def _write_source_notes(model: libsbml.Model, path: Path) -> None:
    for row in read_parameter_table(path).itertuples():
        element = model.getElementBySId(row.id)
        if element is not None and row.source:
            element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>Source: '
                             f"{html.escape(row.source)}</p></body>")


def _enclosing_id(xml_lines: list[str], line: int) -> str | None:
    """The id of the nearest element at or above ``line`` (1-based) of an SBML text."""
    for text in reversed(xml_lines[:max(line, 0)]):
        match = re.search(r'\sid="([^"]+)"', text)
        if match:
            return match.group(1)
    return None


def _declaration_line(antimony_text: str, sid: str) -> int:
    """The first line of an Antimony text that declares ``sid`` (0 when none does)."""
    pattern = re.compile(rf"^\s*(species\s+|compartment\s+|const\s+|var\s+)?\$?{re.escape(sid)}\s*(=|:=|:|\bin\b|\bhas\b)")
    for number, text in enumerate(antimony_text.splitlines(), start=1):
        if pattern.search(text):
            return number
    return 0
