"""Models as plain data: the SBML text and what is known about it (ids, units, names).

A :class:`Model` is read from SBML text with libsbml; it knows nothing of simulators. The
simulation layer (:mod:`mgsignal.simulation`) compiles it on first use and keeps the compiled code
in the model's private cache, so every later run reuses it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libsbml

from .build import available_models, build, model_file
from .build.units import quotient_unit_id
from .errors import InvalidInputError, ModelBuildError, UnknownIdError

__all__ = ["Model", "available_models", "load_model", "model_from_sbml"]


#: Values this far below a non-strict lower bound are solver round-off, not unphysical input
#: (a steady state gives -1.7e-24 mM for a species that is 0 at rest).
ROUND_OFF = 1e-15


@dataclass(frozen=True)
class Model:
    """A model and what is known about it.

    Attributes:
        name: model name (the file stem, or the SBML model id).
        sbml: the SBML text.
        source: the Antimony, composite or SBML file it came from, when it came from a file.
        species: ids of all species (values are concentrations, or amounts for species that
            have only substance units, such as transporter expression levels).
        boundary_species: ids of species fixed by the environment (settable, not integrated).
        amount_species: ids of species measured as amounts, not concentrations (e.g. the
            dimensionless expression levels of transporters).
        compartment_of: species id -> id of its compartment.
        parameters: ids of constant global parameters (settable).
        compartments: ids of compartments.
        readouts: ids of named assignment-rule variables: the model's documented outputs.
        intermediates: ids of unnamed assignment-rule variables (terms of rate laws).
        reactions: ids of reactions (their rates are available as outputs).
        events: ids (or, when unnamed, positions) of the model's events.
        variables: ids of other parameters that change during a run: states of rate rules
            (the neuron's membrane potential ``V_m``) and targets of events (the insulin
            module's published receptor-synthesis switch ``k5_events``); outputs, not settable.
        units: unit id of every species, parameter, compartment, readout and reaction.
        names: display name of every element that has one (for tables and plot labels).
        sbo_terms: SBO term (``"SBO:0000..."``) of every element that has one.
        fixed: ids of parameters the model marks as not uncertain: constants of nature,
            valences, stoichiometries and protocol switches (their source, in the Antimony file
            and the SBML notes, starts with ``Constant`` or ``Switch``, or their SBO term is
            "stoichiometric coefficient" or "switch value").
        assigned_species: ids of species whose initial value comes from an initial assignment.
        lower_bounds: id -> (bound, strict, reason) of the values that cannot be physical below
            it: species amounts and concentrations >= 0, compartment sizes > 0, absolute
            temperatures > 0, and any other parameter that is not a potential, current or charge
            and is not negative in the model (rate constants, affinities, capacities,
            expressions) >= 0.
        sha256: hash of the SBML text, recorded in every result's provenance.
    """

    name: str
    sbml: str
    source: Path | None
    species: tuple[str, ...]
    boundary_species: tuple[str, ...]
    amount_species: tuple[str, ...]
    compartment_of: dict[str, str]
    parameters: tuple[str, ...]
    compartments: tuple[str, ...]
    readouts: tuple[str, ...]
    intermediates: tuple[str, ...]
    reactions: tuple[str, ...]
    events: tuple[str, ...]
    variables: tuple[str, ...]
    units: dict[str, str]
    names: dict[str, str]
    sbo_terms: dict[str, str]
    fixed: tuple[str, ...]
    assigned_species: tuple[str, ...]
    lower_bounds: dict[str, tuple[float, bool, str]]
    sha256: str
    #: per-process cache of the simulation layer (compiled code); never part of the model's
    #: identity, never sent to other processes
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def settable(self) -> tuple[str, ...]:
        """Ids a scenario may change: parameters, species and compartments."""
        return self.parameters + self.species + self.compartments

    @property
    def outputs(self) -> tuple[str, ...]:
        """Ids a simulation can report: species, rule variables, reactions, parameters,
        compartments and the other variables (rate-rule states, event targets)."""
        return (self.species + self.readouts + self.intermediates + self.reactions + self.parameters
                + self.compartments + self.variables)

    def check_ids(self, ids: list[str] | tuple[str, ...], *, settable: bool = False) -> None:
        """Raise :class:`UnknownIdError` (with near matches) for the first unknown id."""
        known = self.settable if settable else self.outputs
        what = "settable id" if settable else "id"
        for sid in ids:
            if sid not in known:
                raise UnknownIdError(sid, known, what=what, where=f"model {self.name!r}")

    def check_values(self, values: Mapping[str, Any], *, where: str) -> None:
        """Raise :class:`InvalidInputError` for the first value below its physical bound
        (:attr:`lower_bounds`), naming ``where``, the id, the value and the bound.

        A value below a non-strict bound by at most :data:`ROUND_OFF` passes: a solver's state
        (a steady state fed back as initial values) carries round-off of that size around 0."""
        for sid, value in values.items():
            bound = self.lower_bounds.get(sid)
            if bound is None:
                continue
            low, strict, reason = bound
            if (strict and value <= low) or (not strict and value < low - ROUND_OFF):
                relation = ">" if strict else ">="
                raise InvalidInputError(f"{where}: {sid} = {value:g} is not physical: it must be {relation} {low:g} "
                                        f"{self.units.get(sid, '')} ({reason})")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}  # compiled code stays in its process
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def load_model(name_or_path: str | Path = "mg_transport") -> Model:
    """Build a model (see :func:`mgsignal.build.build`) and read what it contains.

    Args:
        name_or_path: the name of a shipped model (see :func:`available_models`), or the path
            of an Antimony (``.ant``), composite (``.toml``) or SBML (``.xml``/``.sbml``) file.

    Raises:
        UnknownIdError: for an unknown model name (with near matches).
        ModelBuildError: when the model is invalid.
    """
    path = model_file(name_or_path)
    return model_from_sbml(build(path), name=path.stem, source=path)


def model_from_sbml(sbml: str, *, name: str | None = None, source: Path | None = None) -> Model:
    """Read SBML text into a :class:`Model` (no validation beyond what libsbml needs)."""
    document = libsbml.readSBMLFromString(sbml)
    sbml_model = document.getModel()
    if sbml_model is None:
        problems = [document.getError(i).getMessage() for i in range(document.getNumErrors())]
        raise ModelBuildError([f"{source or name}: not an SBML model: {' '.join(problems)[:500] or 'no <model> element'}"])
    rule_targets = {rule.getVariable() for rule in sbml_model.getListOfRules() if rule.isAssignment()}
    all_species = list(sbml_model.getListOfSpecies())
    species = tuple(s.getId() for s in all_species)
    rule_parameters = [p for p in sbml_model.getListOfParameters() if p.getId() in rule_targets]
    assigned = {a.getSymbol() for a in sbml_model.getListOfInitialAssignments()}
    return Model(
        name=name or sbml_model.getId(),
        sbml=sbml,
        source=source,
        species=species,
        boundary_species=tuple(s.getId() for s in all_species if s.getBoundaryCondition()),
        amount_species=tuple(s.getId() for s in all_species if s.getHasOnlySubstanceUnits()),
        compartment_of={s.getId(): s.getCompartment() for s in all_species},
        parameters=tuple(p.getId() for p in sbml_model.getListOfParameters()
                         if p.getId() not in rule_targets and p.getConstant()),
        compartments=tuple(c.getId() for c in sbml_model.getListOfCompartments()),
        readouts=tuple(p.getId() for p in rule_parameters if p.isSetName()),
        intermediates=tuple(p.getId() for p in rule_parameters if not p.isSetName()),
        reactions=tuple(r.getId() for r in sbml_model.getListOfReactions()),
        events=tuple(e.getId() or f"event {k}" for k, e in enumerate(sbml_model.getListOfEvents())),
        variables=tuple(p.getId() for p in sbml_model.getListOfParameters()
                        if not p.getConstant() and p.getId() not in rule_targets),
        units=_units(sbml_model),
        names=_attribute(sbml_model, "isSetName", "getName"),
        sbo_terms=_attribute(sbml_model, "isSetSBOTerm", "getSBOTermID"),
        fixed=tuple(p.getId() for p in sbml_model.getListOfParameters() if _is_fixed(p)),
        assigned_species=tuple(sid for sid in species if sid in assigned),
        lower_bounds=_lower_bounds(sbml_model, rule_targets),
        sha256=hashlib.sha256(sbml.encode()).hexdigest(),
    )


#: SBO terms of parameters that are not uncertain: stoichiometric coefficient, switch value
FIXED_SBO_TERMS = ("SBO:0000481", "SBO:0000389")
_FIXED_SOURCE = re.compile(r"Source:\s*(Constant|Switch)\b")


def _is_fixed(parameter: libsbml.Parameter) -> bool:
    if parameter.isSetSBOTerm() and parameter.getSBOTermID() in FIXED_SBO_TERMS:
        return True
    return parameter.isSetNotes() and bool(_FIXED_SOURCE.search(parameter.getNotesString()))


#: units whose quantities take either sign (potentials, currents, charges)
SIGNED_UNIT_KINDS = {libsbml.UNIT_KIND_VOLT, libsbml.UNIT_KIND_AMPERE, libsbml.UNIT_KIND_COULOMB}


def _lower_bounds(sbml_model: libsbml.Model, rule_targets: set[str]) -> dict[str, tuple[float, bool, str]]:
    """Physical lower bounds derived from what each element is (see :attr:`Model.lower_bounds`)."""
    bounds: dict[str, tuple[float, bool, str]] = {}
    for species in sbml_model.getListOfSpecies():
        bounds[species.getId()] = (0.0, False, "amounts and concentrations cannot be negative")
    for compartment in sbml_model.getListOfCompartments():
        bounds[compartment.getId()] = (0.0, True, "a compartment has a positive size")
    for parameter in sbml_model.getListOfParameters():
        if parameter.getId() in rule_targets or not parameter.getConstant():
            continue
        definition = sbml_model.getUnitDefinition(parameter.getUnits()) if parameter.isSetUnits() else None
        kinds = {u.getKind() for u in definition.getListOfUnits()} if definition is not None else set()
        if parameter.getUnits() == "kelvin" or kinds == {libsbml.UNIT_KIND_KELVIN}:
            bounds[parameter.getId()] = (0.0, True, "an absolute temperature is positive")
        elif kinds & SIGNED_UNIT_KINDS or parameter.getUnits() in ("volt", "ampere", "coulomb"):
            continue  # potentials, currents and charges take either sign
        elif parameter.isSetValue() and parameter.getValue() >= 0:
            bounds[parameter.getId()] = (0.0, False, "not negative in the model: a rate, affinity, capacity or level")
    return bounds


def _attribute(sbml_model: libsbml.Model, has: str, get: str) -> dict[str, str]:
    """One attribute of every element with an id that has it. The list is walked by index: once
    tellurium has imported libsedml (which bundles its own libsbml wrappers), iterating it never
    ends."""
    elements = sbml_model.getListOfAllElements()
    found = {}
    for index in range(elements.getSize()):
        element = elements.get(index)
        if element is not None and element.isSetIdAttribute() and getattr(element, has)():
            found[element.getId()] = getattr(element, get)()
    return found


def _units(sbml_model: libsbml.Model) -> dict[str, str]:
    """Unit id of each element; species get their concentration (or amount) unit."""
    units: dict[str, str] = {}
    quotients: dict[tuple[str, str], str] = {}  # few distinct pairs; each costs ~1 ms to find

    def quotient(numerator: str, denominator: str) -> str:
        if (numerator, denominator) not in quotients:
            quotients[numerator, denominator] = quotient_unit_id(sbml_model, numerator, denominator)
        return quotients[numerator, denominator]

    substance = sbml_model.getSubstanceUnits()
    for compartment in sbml_model.getListOfCompartments():
        units[compartment.getId()] = compartment.getUnits()
    for species in sbml_model.getListOfSpecies():
        own = species.getSubstanceUnits() or substance
        if species.getHasOnlySubstanceUnits():
            units[species.getId()] = own
        else:
            volume = units.get(species.getCompartment(), "")
            units[species.getId()] = quotient(own, volume) if volume else own
    for parameter in sbml_model.getListOfParameters():
        units[parameter.getId()] = parameter.getUnits()
    extent = sbml_model.getExtentUnits() or substance
    for reaction in sbml_model.getListOfReactions():
        units[reaction.getId()] = quotient(extent, sbml_model.getTimeUnits())
    return units
