"""Models: find, build and compile once; ``Model`` knows its ids and units.

A :class:`Model` is plain data about one SBML model (ids of species, parameters, readouts,
reactions, units, a content hash) plus two compiled libroadrunner instances that the simulation
layer reuses for every run: one for time courses, and one with conserved-moiety analysis for
steady states (the Newton solver needs it; CVODE can fail with it on models whose events or
phases re-add a species, so time courses run without it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import libsbml
import roadrunner

from .build import build_sbml
from .errors import InvalidInputError, ModelBuildError, UnknownIdError


def models_dir() -> Path:
    """The folder holding the Antimony modules and their SBML (installed copy or source tree)."""
    installed = Path(str(resources.files("mgsignal"))) / "models"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "models"


def available_models() -> list[str]:
    """Names of the models shipped with mgsignal: one per Antimony module (``*.ant``) and one
    per composite description (``*.toml``)."""
    return sorted(path.stem for pattern in ("*.ant", "*.toml") for path in models_dir().glob(pattern))


def model_source(name: str) -> Path:
    """The file a shipped model is built from (its ``.ant`` module or ``.toml`` composite)."""
    for suffix in (".ant", ".toml"):
        candidate = models_dir() / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise UnknownIdError(str(name), available_models(), what="model", where="mgsignal")


def build_model_sbml(path: Path) -> str:
    """SBML of a module (``.ant``) or composite (``.toml``) file; SBML files are read as they are."""
    if path.suffix == ".ant":
        return build_sbml(path)
    if path.suffix == ".toml":
        from .compose import build_composite
        return build_composite(path)
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Model:
    """A compiled model and what is known about it.

    Attributes:
        name: model name (the Antimony file stem, or the SBML model id).
        sbml: the SBML text the model was compiled from.
        source: the Antimony or SBML file it came from, when it came from a file.
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
        variables: ids of other parameters that change during a run: states of rate rules
            (the neuron's membrane potential ``V_m``) and targets of events (the insulin
            module's receptor synthesis rate ``k5``); outputs, not settable.
        units: unit id of every species, parameter, compartment and readout.
        names: display name of every element that has one (for tables and plot labels).
        assigned_species: ids of species whose initial value comes from an initial assignment.
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
    variables: tuple[str, ...]
    units: dict[str, str]
    names: dict[str, str]
    assigned_species: tuple[str, ...]
    sha256: str
    runner: Any = field(repr=False, compare=False)
    _compiled: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def steady_runner(self) -> Any:
        """The libroadrunner instance for steady states, compiled on first use (ensembles of
        time courses never need it, so their workers start faster)."""
        if "steady" not in self._compiled:
            self._compiled["steady"] = _steady_runner(self.sbml)
        return self._compiled["steady"]

    def saved_state(self, kind: str = "time_course") -> bytes:
        """A freshly compiled runner of ``kind`` (``"time_course"`` or ``"steady"``) as
        libroadrunner saved-state bytes: compiled machine code plus the model's own values, never
        a run's. Loading them (:func:`model_from_sbml` ``compiled=``) takes ~0.03 s where
        compiling the composite model takes ~0.7 s; they are only valid under the same
        libroadrunner build on the same kind of machine. Made once per model."""
        if kind not in ("time_course", "steady"):
            raise InvalidInputError(f"kind must be 'time_course' or 'steady', got {kind!r}")
        key = f"saved {kind}"
        if key not in self._compiled:
            runner = roadrunner.RoadRunner(self.sbml) if kind == "time_course" else _steady_runner(self.sbml)
            self._compiled[key] = runner.saveStateS()
        return self._compiled[key]

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


def load_model(name_or_path: str | Path = "mg_transport") -> Model:
    """Build (if Antimony) and compile a model once.

    Args:
        name_or_path: the name of a shipped model (see :func:`available_models`), or the path
            of an Antimony (``.ant``), composite (``.toml``) or SBML (``.xml``/``.sbml``) file.

    Returns:
        A :class:`Model` whose compiled runner is reused by every simulation.

    Raises:
        UnknownIdError: for an unknown model name (with near matches).
        ModelBuildError: when the model is invalid.
    """
    path = _resolve(name_or_path)
    return model_from_sbml(build_model_sbml(path), name=path.stem, source=path)


def model_from_sbml(sbml: str, *, name: str | None = None, source: Path | None = None,
                    compiled: dict[str, bytes] | None = None) -> Model:
    """Compile SBML text into a :class:`Model` (no validation beyond what libsbml needs).

    ``compiled`` maps ``"time_course"`` (and optionally ``"steady"``) to the bytes of
    :meth:`Model.saved_state` of the same SBML, made by the same libroadrunner build on the same
    kind of machine: the runners are then loaded instead of compiled.
    """
    document = libsbml.readSBMLFromString(sbml)
    sbml_model = document.getModel()
    if sbml_model is None:
        problems = [document.getError(i).getMessage() for i in range(document.getNumErrors())]
        raise ModelBuildError([f"{source or name}: not an SBML model: {' '.join(problems)[:500]}"])
    rule_targets = {rule.getVariable() for rule in sbml_model.getListOfRules()
                    if rule.isAssignment()}
    species = tuple(s.getId() for s in sbml_model.getListOfSpecies())
    boundary = tuple(s.getId() for s in sbml_model.getListOfSpecies() if s.getBoundaryCondition())
    parameters = tuple(p.getId() for p in sbml_model.getListOfParameters()
                       if p.getId() not in rule_targets and p.getConstant())
    rule_parameters = [p for p in sbml_model.getListOfParameters() if p.getId() in rule_targets]
    assigned = {a.getSymbol() for a in sbml_model.getListOfInitialAssignments()}
    amount = tuple(s.getId() for s in sbml_model.getListOfSpecies() if s.getHasOnlySubstanceUnits())
    return Model(
        name=name or sbml_model.getId(),
        sbml=sbml,
        source=source,
        species=species,
        boundary_species=boundary,
        amount_species=amount,
        compartment_of={s.getId(): s.getCompartment() for s in sbml_model.getListOfSpecies()},
        parameters=parameters,
        compartments=tuple(c.getId() for c in sbml_model.getListOfCompartments()),
        readouts=tuple(p.getId() for p in rule_parameters if p.isSetName()),
        intermediates=tuple(p.getId() for p in rule_parameters if not p.isSetName()),
        reactions=tuple(r.getId() for r in sbml_model.getListOfReactions()),
        variables=tuple(p.getId() for p in sbml_model.getListOfParameters()
                        if not p.getConstant() and p.getId() not in rule_targets),
        units=_units(sbml_model),
        names=_names(sbml_model),
        assigned_species=tuple(sid for sid in species if sid in assigned),
        sha256=hashlib.sha256(sbml.encode()).hexdigest(),
        runner=_loaded_runner(compiled["time_course"]) if compiled else roadrunner.RoadRunner(sbml),
        _compiled={"steady": _loaded_runner(compiled["steady"])} if compiled and "steady" in compiled else {},
    )


def _steady_runner(sbml: str) -> Any:
    runner = roadrunner.RoadRunner(sbml)
    # libroadrunner's moiety analysis returns nonsense rates (~1e250) for rate-rule variables
    # (the neuron model's membrane potential): use it for reaction-only models
    runner.conservedMoietyAnalysis = runner.model.getNumRateRules() == 0
    return runner


def _loaded_runner(state: bytes) -> Any:
    runner = roadrunner.RoadRunner()
    runner.loadStateS(state)
    return runner


def species_selection(sid: str, amount_species: tuple[str, ...]) -> str:
    """libroadrunner selection of a species: ``[id]`` (concentration) unless amount-only."""
    return sid if sid in amount_species else f"[{sid}]"


def _quotient_unit(sbml_model: libsbml.Model, numerator: str, denominator: str) -> str:
    """The model's own unit id equal to numerator/denominator (e.g. fmol/pL -> mM), if any."""
    top, bottom = unit_definition(sbml_model, numerator), unit_definition(sbml_model, denominator)
    if top is None or bottom is None:
        return f"{numerator}/{denominator}"
    inverse = bottom.clone()
    for unit in inverse.getListOfUnits():
        unit.setExponent(-unit.getExponent())
    quotient = libsbml.UnitDefinition.convertToSI(libsbml.UnitDefinition.combine(top, inverse))
    for definition in sbml_model.getListOfUnitDefinitions():
        if libsbml.UnitDefinition.areIdentical(libsbml.UnitDefinition.convertToSI(definition), quotient):
            return definition.getId()
    return f"{numerator}/{denominator}"


def unit_definition(sbml_model: libsbml.Model, uid: str) -> libsbml.UnitDefinition | None:
    """The model's definition of ``uid``, or one made for an SBML base unit such as ``second``."""
    definition = sbml_model.getUnitDefinition(uid)
    kind = libsbml.UnitKind_forName(uid)
    if definition is None and kind != libsbml.UNIT_KIND_INVALID:
        definition = libsbml.UnitDefinition(sbml_model.getLevel(), sbml_model.getVersion())
        unit = definition.createUnit()
        unit.initDefaults()
        unit.setKind(kind)
    return definition


def _names(sbml_model: libsbml.Model) -> dict[str, str]:
    """Display name of every element that has one. The list is walked by index: once tellurium
    has imported libsedml (which bundles its own libsbml wrappers), iterating it never ends."""
    elements = sbml_model.getListOfAllElements()
    names = {}
    for index in range(elements.getSize()):
        element = elements.get(index)
        if element is not None and element.isSetIdAttribute() and element.isSetName():
            names[element.getId()] = element.getName()
    return names


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix in {".ant", ".xml", ".sbml", ".toml"}:
        if not path.is_file():
            raise ModelBuildError([f"{path}: no such file"])
        return path
    return model_source(str(name_or_path))


def _units(sbml_model: libsbml.Model) -> dict[str, str]:
    """Unit id of each element; species get their concentration (or amount) unit."""
    units: dict[str, str] = {}
    quotients: dict[tuple[str, str], str] = {}  # few distinct pairs; each costs ~1 ms to find

    def quotient(numerator: str, denominator: str) -> str:
        if (numerator, denominator) not in quotients:
            quotients[numerator, denominator] = _quotient_unit(sbml_model, numerator, denominator)
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
