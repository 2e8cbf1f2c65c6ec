"""One Antimony module -> validated SBML Level 3 Version 2, and the checks every SBML text gets.

``build_module`` writes the source of each value into the SBML notes (so COPASI or AMICI users
see it), sets membranes (compartments measured in area units) to two dimensions, and refuses the
result unless libsbml reports zero errors and zero warnings with the unit checks on.
``sbml_problems`` runs those checks on any SBML text and returns one line per problem.
"""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

import libsbml

from ..errors import ModelBuildError
from .antimony import antimony_to_sbml
from .metadata import add_model_metadata
from .parameters import read_parameter_table

SBML_LEVEL, SBML_VERSION = 3, 2


def build_module(path: Path) -> str:
    """Build validated SBML (L3V2) from one Antimony file (see :func:`mgsignal.build.build`)."""
    text = read_text(path)
    sbml = antimony_to_sbml(text, path=path)
    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    if _is_empty(model):
        raise ModelBuildError([f"{path}: the model defines nothing (no compartments, species, parameters or reactions)"])
    undefined = _undefined_symbols(model, text, path)
    if undefined:
        raise ModelBuildError(undefined)
    _set_membrane_dimensions(model)
    _write_source_notes(model, path)
    add_model_metadata(model, path)
    sbml = libsbml.writeSBMLToString(document)
    problems = sbml_problems(sbml, source=path, antimony_text=text)
    if problems:
        raise ModelBuildError(problems)
    return sbml


def read_text(path: Path) -> str:
    """A model file's text; a file that is not UTF-8 is one clear error, not a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModelBuildError([f"{path}: not a UTF-8 text file (byte {error.start}: {error.reason})"]) from None
    except IsADirectoryError:
        raise ModelBuildError([f"{path}: is a folder, not a model file"]) from None
    except FileNotFoundError:
        raise ModelBuildError([f"{path}: no such file"]) from None


def sbml_problems(sbml: str, *, source: str | Path, antimony_text: str | None = None) -> list[str]:
    """List libsbml errors and warnings (units included) of an SBML text.

    Args:
        sbml: the SBML document.
        source: the file name to print in each problem line.
        antimony_text: the Antimony source the SBML was built from, used to point at the line
            where the offending element is declared.

    Returns:
        One line per problem (``file[:line]: severity id: message``); a document without a
        ``<model>`` element or with nothing in it is a problem too.
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
    if not problems and document.getModel() is None:
        problems.append(f"{source}: no <model> element: not an SBML model")
    elif not problems and _is_empty(document.getModel()):
        problems.append(f"{source}: the model defines nothing (no compartments, species, parameters or reactions)")
    return problems


def _undefined_symbols(model: libsbml.Model, text: str, path: Path) -> list[str]:
    """Antimony turns a symbol it has never seen into a parameter without value or unit (and
    libsbml then prints five warnings about it): name each such symbol once, with its line and
    the near matches among the model's ids."""
    computed = {r.getVariable() for r in model.getListOfRules()} | {
        a.getSymbol() for a in model.getListOfInitialAssignments()} | {
        a.getVariable() for e in model.getListOfEvents() for a in e.getListOfEventAssignments()}
    elements = model.getListOfAllElements()  # walked by index: see mgsignal.model._attribute
    known = [e.getId() for e in (elements.get(i) for i in range(elements.getSize()))
             if e is not None and e.isSetIdAttribute() and e.getId()]
    problems = []
    for parameter in model.getListOfParameters():
        sid = parameter.getId()
        if not parameter.isSetValue() and sid not in computed:
            line = next((n for n, t in enumerate(text.splitlines(), 1)
                         if re.search(rf"(?<![\w.]){re.escape(sid)}(?!\w)", t.split("//")[0])), 0)
            near = difflib.get_close_matches(sid, [k for k in known if k != sid], n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(k) for k in near)}?" if near else ""
            problems.append(f"{path}:{line}: error: undefined symbol {sid!r} (used but never given a value){hint}")
    return problems


def _is_empty(model: libsbml.Model | None) -> bool:
    return model is None or not (model.getNumCompartments() or model.getNumSpecies()
                                 or model.getNumParameters() or model.getNumReactions())


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
