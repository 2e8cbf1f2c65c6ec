"""Published reference models (e.g. curated BioModels SBML files), run as published.

Our modules are tested by reproducing published models. This module loads such a file, makes it
runnable by libroadrunner, and simulates it through the same simulation layer as our own models
(:func:`mgsignal.simulation`), so a test compares like with like.

Two changes are made to a file before it is compiled:

1. libroadrunner refuses reactions marked ``fast`` (SBML's quasi-equilibrium flag), so
   :func:`clear_fast_flags` clears the flag with libsbml and the reaction is integrated as an
   ordinary reaction with its own rate law. COPASI does the same on import (its SBML warning 29,
   "Unable to handle reactions with the 'fast' flag set. The flag has been set to false"), so the
   cleared file gives the trajectories that COPASI gives for the original. The reactions whose
   flag was cleared are listed in :attr:`Reference.cleared_fast`.
2. libroadrunner's conserved-moiety analysis (which the steady-state runner turns on) refuses
   floating species that events change. A species that is no reaction's reactant or
   product changes only by events, rules or never, exactly like a boundary species, so
   :func:`mark_unreacted_species_boundary` marks such species as boundary species. This changes
   no equation (listed in :attr:`Reference.marked_boundary`).

Times are in the reference model's own time unit (BIOMD0000000137 uses minutes): the result's
``.attrs`` give that unit's length in seconds (``time_unit_seconds``) for conversion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libsbml
import pandas as pd

from ..errors import ModelBuildError, UnknownIdError
from ..model import Model, model_from_sbml
from ..scenario import Phase, Scenario
from ..simulation import simulate


@dataclass(frozen=True)
class Reference:
    """A reference model ready to simulate.

    Attributes:
        model: the compiled model (SBML with fast flags cleared).
        path: the file it was read from.
        file_sha256: hash of the file as published (before any change).
        cleared_fast: ids of the reactions whose ``fast`` flag was cleared.
        marked_boundary: ids of species in no reaction that were marked as boundary species.
        time_unit_seconds: length of the model's time unit in seconds (60 for minutes), or
            ``None`` when the file declares no time unit.
    """

    model: Model
    path: Path
    file_sha256: str
    cleared_fast: tuple[str, ...]
    marked_boundary: tuple[str, ...]
    time_unit_seconds: float | None


def default_folder() -> Path:
    """The folder of published reference files shipped with the package (see its SOURCES.md)."""
    return Path(__file__).resolve().parent / "data"


def reference_path(name_or_path: str | Path, *, folder: str | Path | None = None) -> Path:
    """Resolve a reference file: an existing path, or a name (``BIOMD0000000137`` or
    ``BIOMD0000000137.xml``) looked up in ``folder`` (default :func:`default_folder`).

    Raises:
        UnknownIdError: when no such file exists (with near matches among the folder's files).
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    where = Path(folder) if folder is not None else default_folder()
    candidate = where / (path.name if path.suffix == ".xml" else f"{path.name}.xml")
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in where.glob("*.xml")) if where.is_dir() else []
    raise UnknownIdError(str(name_or_path), known, what="reference model", where=str(where))


def clear_fast_flags(sbml: str) -> tuple[str, tuple[str, ...]]:
    """Clear the ``fast`` attribute of every reaction.

    Args:
        sbml: an SBML document as text.

    Returns:
        The SBML text with no fast reaction, and the ids of the reactions that were fast (the
        text is returned unchanged when there were none).

    Raises:
        ModelBuildError: when the text is not an SBML model.
    """
    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    if model is None:
        raise ModelBuildError([f"not an SBML model: {_first_errors(document)}"])
    cleared = []
    for reaction in model.getListOfReactions():
        if reaction.isSetFast() and reaction.getFast():
            reaction.setFast(False)
            cleared.append(reaction.getId())
    if not cleared:
        return sbml, ()
    return libsbml.writeSBMLToString(document), tuple(cleared)


def mark_unreacted_species_boundary(sbml: str) -> tuple[str, tuple[str, ...]]:
    """Mark as boundary species the floating species that are no reaction's reactant or product.

    Such a species changes only through events or rules (or not at all) whether or not it is a
    boundary species, so the model's equations are unchanged; a boundary species may be a
    modifier. Returns the SBML text and the ids of the species marked.
    """
    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    if model is None:
        raise ModelBuildError([f"not an SBML model: {_first_errors(document)}"])
    reacting = {reference.getSpecies() for reaction in model.getListOfReactions()
                for reference in list(reaction.getListOfReactants()) + list(reaction.getListOfProducts())}
    marked = []
    for species in model.getListOfSpecies():
        if not species.getBoundaryCondition() and species.getId() not in reacting:
            species.setBoundaryCondition(True)
            marked.append(species.getId())
    if not marked:
        return sbml, ()
    return libsbml.writeSBMLToString(document), tuple(marked)


def load_reference(name_or_path: str | Path, *, folder: str | Path | None = None) -> Reference:
    """Read a reference SBML file, make it runnable (see the module docstring), compile it once.

    Args:
        name_or_path: a path, or a file name in ``folder`` (see :func:`reference_path`).
        folder: where to look a name up (default: the files shipped with the package).
    """
    path = reference_path(name_or_path, folder=folder)
    text = path.read_text(encoding="utf-8")
    sbml, cleared = clear_fast_flags(text)
    sbml, marked = mark_unreacted_species_boundary(sbml)
    model = model_from_sbml(sbml, name=path.stem, source=path)
    return Reference(model=model, path=path, file_sha256=hashlib.sha256(text.encode()).hexdigest(),
                     cleared_fast=cleared, marked_boundary=marked, time_unit_seconds=time_unit_seconds(sbml))


def time_unit_seconds(sbml: str) -> float | None:
    """Length in seconds of an SBML model's time unit (``None`` when none is declared).

    Level 3 names it in the model's ``timeUnits``; Level 2 redefines the built-in ``time``.
    """
    model = libsbml.readSBMLFromString(sbml).getModel()
    if model is None:
        return None
    uid = model.getTimeUnits() if model.getLevel() >= 3 else "time"
    if uid == "second":
        return 1.0
    definition = model.getUnitDefinition(uid) if uid else None
    if definition is None:
        return 1.0 if model.getLevel() < 3 else None  # Level 2 default time unit is the second
    seconds = 1.0
    for unit in definition.getListOfUnits():
        if unit.getKind() != libsbml.UNIT_KIND_SECOND or unit.getExponent() != 1:
            return None
        seconds *= unit.getMultiplier() * 10.0 ** unit.getScale()
    return seconds


def simulate_reference(reference: Reference | str | Path, *, t_end: float, n_points: int = 101,
                       changes: Mapping[str, float] | None = None,
                       phases: Sequence[tuple[float, Mapping[str, float]]] = (),
                       outputs: list[str] | None = None, rtol: float = 1e-10,
                       atol: float = 1e-14) -> pd.DataFrame:
    """Simulate a reference model as published, optionally with changed values.

    Args:
        reference: from :func:`load_reference`, or a path or name to load.
        t_end: end time in the model's own time unit.
        n_points: number of output times, evenly spaced from 0 to ``t_end``.
        changes: id -> value applied at time 0 (species initial concentrations, parameters).
        phases: (time, {id: value}) pairs applied to the running state at those times, in
            increasing order; the model's own events still fire.
        outputs: ids to report; defaults to all species (concentrations, or amounts for
            amount-only species) and named rule variables.
        rtol, atol: CVODE tolerances.

    Returns:
        A DataFrame with a ``time`` index in the model's time unit; ``.attrs`` holds the
        provenance of :func:`mgsignal.simulation` plus ``reference_file``, ``file_sha256``,
        ``cleared_fast`` and ``time_unit_seconds``.
    """
    if not isinstance(reference, Reference):
        reference = load_reference(reference)
    scenario = Scenario(name=f"{reference.model.name} reference run", changes=dict(changes or {}),
                        phases=tuple(Phase(start=float(t), changes=dict(c)) for t, c in phases))
    table = simulate(reference.model, scenario, t_end=t_end, n_points=n_points, outputs=outputs,
                     rtol=rtol, atol=atol)
    table.attrs["units"]["time"] = ("model time unit" if reference.time_unit_seconds is None
                                    else f"{reference.time_unit_seconds:g} s")
    table.attrs.update({"reference_file": reference.path.name, "file_sha256": reference.file_sha256,
                        "cleared_fast": list(reference.cleared_fast),
                        "marked_boundary": list(reference.marked_boundary),
                        "time_unit_seconds": reference.time_unit_seconds})
    return table


def _first_errors(document: libsbml.SBMLDocument) -> str:
    messages = [document.getError(i).getMessage() for i in range(min(document.getNumErrors(), 3))]
    return " ".join(" ".join(messages).split())[:500] or "no model element"
