"""The reference for the coupling test: the body model and a cell model merged into one SBML
model, the cell's extracellular free Mg²⁺ an assignment rule of the body's plasma ionized Mg²⁺.

Built here with libsbml rather than with ``mgsignal.build.compose``: a composite needs the same
volume unit in every module, and the body is in litres, the cells in picolitres. Every id of the
cell model (and every unit id) gets a prefix; the cell's reactions are rescaled from its extent
(fmol) to the body's (mmol) and its species get the inverse conversion factor, so every number of
both modules stays as written (the scheme compose uses for substance units; the two factors are
declared dimensionless, so libsbml's unit check would flag them: this model is for numbers).
"""

from __future__ import annotations

import libsbml


def fully_coupled_sbml(body_sbml: str, cell_sbml: str, *, prefix: str = "cell_", plasma: str = "Mg_ion",
                       target: str = "Mg_e") -> str:
    """SBML of body + cell; ``prefix + target`` (a boundary species of the cell) follows ``plasma``."""
    document = libsbml.readSBMLFromString(body_sbml)
    body = document.getModel()
    cell_document = libsbml.readSBMLFromString(cell_sbml)  # kept: the model lives inside its document
    cell = cell_document.getModel()
    for species in cell.getListOfSpecies():  # the cell's default units made explicit before ids change
        if not species.isSetSubstanceUnits():
            species.setSubstanceUnits(cell.getSubstanceUnits())
    for compartment in cell.getListOfCompartments():
        if not compartment.isSetUnits():
            default = cell.getVolumeUnits() if compartment.getSpatialDimensions() == 3 else cell.getAreaUnits()
            compartment.setUnits(default)
    # through libsbml's class: once libsedml (tellurium, the SED-ML export) is imported, the
    # returned list is wrapped by libsedml's SBaseList, whose methods never return on it
    every = cell.getListOfAllElements()
    elements = [libsbml.SBaseList.get(every, i) for i in range(libsbml.SBaseList.getSize(every))]
    kinds = (libsbml.SBML_COMPARTMENT, libsbml.SBML_SPECIES, libsbml.SBML_PARAMETER, libsbml.SBML_LOCAL_PARAMETER,
             libsbml.SBML_REACTION, libsbml.SBML_EVENT, libsbml.SBML_FUNCTION_DEFINITION,
             libsbml.SBML_SPECIES_REFERENCE, libsbml.SBML_MODIFIER_SPECIES_REFERENCE)
    named = [e for e in elements if e.getTypeCode() in kinds and e.isSetId()]
    for element in named:  # local parameters included: declaration and uses change together
        sid = element.getId()
        for other in elements:
            other.renameSIdRefs(sid, prefix + sid)
        element.setId(prefix + sid)
    for definition in list(cell.getListOfUnitDefinitions()):
        uid = definition.getId()
        for element in elements:
            element.renameUnitSIdRefs(uid, prefix + uid)
        definition.setId(prefix + uid)
        body.addUnitDefinition(definition)
    ratio = _magnitude(cell.getUnitDefinition(prefix + cell.getExtentUnits())) / _magnitude(
        body.getUnitDefinition(body.getExtentUnits()))
    _parameter(body, f"{prefix}extent_scale", ratio)
    _parameter(body, f"{prefix}conversion", 1 / ratio)
    for element in cell.getListOfFunctionDefinitions():
        body.addFunctionDefinition(element)
    for element in cell.getListOfCompartments():
        body.addCompartment(element)
    for element in cell.getListOfParameters():
        body.addParameter(element)
    for element in cell.getListOfSpecies():
        element.setConversionFactor(f"{prefix}conversion")
        body.addSpecies(element)
    for element in cell.getListOfInitialAssignments():
        body.addInitialAssignment(element)
    for element in cell.getListOfRules():
        body.addRule(element)
    for element in cell.getListOfReactions():
        law = element.getKineticLaw()
        law.setMath(libsbml.parseL3Formula(f"{prefix}extent_scale * ({libsbml.formulaToL3String(law.getMath())})"))
        body.addReaction(element)
    for element in cell.getListOfEvents():
        body.addEvent(element)
    rule = body.createAssignmentRule()
    rule.setVariable(prefix + target)
    rule.setMath(libsbml.parseL3Formula(plasma))
    body.getSpecies(prefix + target).setConstant(False)
    body.setId(f"body_{cell.getId()}")
    return libsbml.writeSBMLToString(document)


def _parameter(model: libsbml.Model, sid: str, value: float) -> None:
    parameter = model.createParameter()
    parameter.setId(sid)
    parameter.setValue(value)
    parameter.setConstant(True)
    parameter.setUnits("dimensionless")


def _magnitude(definition: libsbml.UnitDefinition) -> float:
    """Size of a substance unit in SI (mole)."""
    size = 1.0
    si = libsbml.UnitDefinition.convertToSI(definition)  # kept alive while its units are read
    for unit in si.getListOfUnits():
        size *= (unit.getMultiplier() * 10 ** unit.getScale()) ** unit.getExponent()
    return size
