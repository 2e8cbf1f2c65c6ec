"""A model with one scenario written into it: what other tools run unchanged.

Other SBML tools know nothing of mgsignal's scenarios, so the scenario becomes part of the SBML:

- ``preequilibration`` changes become the model's initial values (an initial assignment of a
  changed species is removed, as mgsignal sets the value after evaluating it), and the model
  first runs ``pre`` seconds under them: ``preequilibration_time``, or a long pre-simulation
  standing in for the steady-state solve. The model's clock therefore reads scenario time plus
  ``pre`` (SED-ML output from ``pre`` to ``pre + t_end``; tools without a negative initial time,
  such as COPASI, run it as it is);
- ``changes`` become initial values when there is no pre-equilibration, else an event at ``pre``;
- each phase becomes an event at its start (``time >= pre + start``).

Numbers carry their units, so the file keeps zero unit errors.
"""

from __future__ import annotations

import html

import libsbml

from ..errors import InvalidInputError
from ..model import Model
from ..scenario import Scenario
from ..simulation.simulator import SETTLE_TIME


def preequilibration_time(scenario: Scenario) -> float:
    """How long the exported run simulates before time 0 (0 without pre-equilibration)."""
    if scenario.preequilibration is None:
        return 0.0
    return float(scenario.preequilibration_time or SETTLE_TIME)


def scenario_sbml(model: Model, scenario: Scenario) -> str:
    """The model's SBML with ``scenario`` written in (see the module docstring)."""
    document = libsbml.readSBMLFromString(model.sbml)
    sbml = document.getModel()
    model.check_ids([t for t, _ in scenario.all_changes()], settable=True)
    if scenario.preequilibration is None:
        _set_initial(sbml, model, scenario.changes)
        timed = [(p.start, p.changes) for p in scenario.phases]
    else:
        _set_initial(sbml, model, scenario.preequilibration)
        timed = ([(0.0, scenario.changes)] if scenario.changes else []) + [(p.start, p.changes) for p in scenario.phases]
    offset = preequilibration_time(scenario)
    for number, (start, changes) in enumerate(timed):
        _add_event(sbml, model, f"scenario_{scenario.name}_{number}", offset + start, changes)
    sbml.setId(f"{sbml.getId()}__{scenario.name}")
    notes = (f"mgsignal scenario {scenario.name!r}: {scenario.description} Written into the model by "
             f"mgsignal.export: pre-equilibration changes as initial values, later changes as events; "
             f"the model's time is scenario time + {offset:g} s (pre-equilibration).")
    sbml.appendNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(notes)}</p></body>')
    return libsbml.writeSBMLToString(document)


def _set_initial(sbml: libsbml.Model, model: Model, changes: dict[str, float]) -> None:
    for target, value in changes.items():
        if sbml.getInitialAssignmentBySymbol(target) is not None:
            sbml.removeInitialAssignment(target)
        species = sbml.getSpecies(target)
        if species is not None:
            if species.getHasOnlySubstanceUnits():
                species.setInitialAmount(float(value))
            else:
                species.setInitialConcentration(float(value))
        elif sbml.getCompartment(target) is not None:
            sbml.getCompartment(target).setSize(float(value))
        else:
            sbml.getParameter(target).setValue(float(value))


def _add_event(sbml: libsbml.Model, model: Model, eid: str, start: float, changes: dict[str, float]) -> None:
    event = sbml.createEvent()
    event.setId(eid)
    event.setUseValuesFromTriggerTime(True)
    trigger = event.createTrigger()
    trigger.setInitialValue(False)
    trigger.setPersistent(True)
    trigger.setMath(_math(f"time >= {start!r} second", sbml))
    for target, value in changes.items():
        element = sbml.getElementBySId(target)
        if element.getTypeCode() in (libsbml.SBML_PARAMETER, libsbml.SBML_SPECIES, libsbml.SBML_COMPARTMENT):
            element.setConstant(False)
        assignment = event.createEventAssignment()
        assignment.setVariable(target)
        unit = model.units.get(target, "")
        assignment.setMath(_math(f"{float(value)!r} {unit}".strip(), sbml))


def _math(formula: str, sbml: libsbml.Model) -> libsbml.ASTNode:
    settings = libsbml.L3ParserSettings()
    settings.setModel(sbml)
    settings.setParseUnits(True)
    node = libsbml.parseL3FormulaWithSettings(formula, settings)
    if node is None:
        raise InvalidInputError(f"cannot write {formula!r} into SBML: {libsbml.getLastParseL3Error()}")
    return node
