"""A second simulator: COPASI (copasi-basico) on the same SBML gives the same time courses."""

from __future__ import annotations

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import models_dir
from mgsignal.model import model_from_sbml

basico = pytest.importorskip("basico")

T_END, INTERVALS = 4 * 3600.0, 48
CASES = {  # initial values changed in the SBML itself, so both simulators read the same file
    "hypomagnesaemia": {"Mg_e": 0.35},
    "trpm7_knockout": {"TRPM7": 0.0},
    "mg_loading": {"Mg_e": 1.5, "TRPM6": 1.0},
}


def _edited_sbml(changes: dict[str, float]) -> str:
    document = libsbml.readSBMLFromString((models_dir() / "mg_transport.xml").read_text())
    model = document.getModel()
    for sid, value in changes.items():
        species = model.getSpecies(sid)
        if species is None:
            model.getParameter(sid).setValue(value)
        elif species.getHasOnlySubstanceUnits():
            species.setInitialAmount(value)
        else:
            species.setInitialConcentration(value)
    return libsbml.writeSBMLToString(document)


@pytest.mark.parametrize("case", sorted(CASES))
def test_time_courses_agree_with_copasi(case):
    sbml = _edited_sbml(CASES[case])
    model = model_from_sbml(sbml, name=case)
    ours = mg.simulate(model, t_end=T_END, n_points=INTERVALS + 1, rtol=1e-12, atol=1e-14)
    copasi_model = basico.load_model_from_string(sbml)
    try:
        theirs = basico.run_time_course(duration=T_END, intervals=INTERVALS, model=copasi_model,
                                        r_tol=1e-12, a_tol=1e-14, use_concentrations=True,
                                        update_model=False)
        ids = basico.get_species(model=copasi_model)["sbml_id"]
    finally:
        basico.remove_datamodel(copasi_model)
    theirs = theirs.rename(columns=dict(ids.items()))
    np.testing.assert_allclose(theirs.index.to_numpy(), ours.index.to_numpy())
    dynamic = [sid for sid in model.species if sid not in model.boundary_species]
    assert len(dynamic) == 10 and set(dynamic) <= set(theirs.columns)
    assert np.ptp(ours["Mg_c"]) > 0.05  # a real transient, not a flat line
    for sid in dynamic:
        np.testing.assert_allclose(ours[sid], theirs[sid], rtol=1e-4, atol=1e-10, err_msg=sid)


#: model -> three shipped scenarios (phases, pre-equilibration, drug steps), run in COPASI from the
#: committed SBML with the scenario written in (mgsignal.export.scenario_sbml)
SCENARIOS = {
    "mg_transport": ["hypomagnesaemia", "supplementation", "atp_depletion"],
    "insulin": ["insulin_step", "insulin_step_low_mg", "insulin_step_1nm"],
    "camp_pka": ["camp_isoproterenol", "camp_forskolin", "camp_saucerman2006"],
    "neuron": ["neuron_coincidence", "neuron_high_k", "neuron_low_mg"],
    "body": ["body_loop_diuretic", "body_thiazide_plus_amiloride", "body_mgso4_zuspan"],
    "mg_signalling": ["hypomagnesaemia", "insulin_step", "camp_isoproterenol"],
}
CROSS = [(model, scenario) for model, names in SCENARIOS.items() for scenario in names]
#: the composite's modules keep their substance units through SBML conversion factors, which
#: COPASI 4.48 mishandles ("changed the stoichiometries of all species with conversion factors")
COPASI_CONVERSION_FACTORS = pytest.mark.xfail(strict=True, reason="COPASI mishandles conversion factors")
CROSS = [pytest.param(m, s, marks=COPASI_CONVERSION_FACTORS) if m == "mg_signalling" else (m, s) for m, s in CROSS]


def copasi_run(text: str, *, offset: float, t_end: float, intervals: int) -> tuple:
    """COPASI's time course of an SBML text whose clock starts ``offset`` s before scenario time
    0, at the scenario's times 0..``t_end``: (concentrations, particle numbers, parameters), the
    first two by SBML id."""
    import pandas as pd
    copasi = basico.load_model_from_string(text)
    try:
        grid = offset + np.linspace(0.0, t_end, intervals + 1)
        table = basico.run_time_course(duration=offset + t_end, values=list(grid), model=copasi,
                                       r_tol=1e-10, a_tol=1e-14, use_concentrations=True, update_model=False)
        table = table.loc[table.index >= offset - 1e-6]
        particles = basico.run_time_course(duration=offset + t_end, values=list(grid), model=copasi,
                                           r_tol=1e-10, a_tol=1e-14, use_concentrations=False, update_model=False)
        particles = particles.loc[particles.index >= offset - 1e-6]
        species = basico.get_species(model=copasi)
        values = basico.get_parameters(model=copasi)
    finally:
        basico.remove_datamodel(copasi)
    columns, amounts = {}, {}
    for name, row in species.iterrows():
        if name in table.columns:
            columns[row["sbml_id"]] = table[name]
            amounts[row["sbml_id"]] = particles[name]
    return pd.DataFrame(columns), pd.DataFrame(amounts), values


@pytest.mark.parametrize(("model_name", "scenario_name"), CROSS)
def test_scenarios_agree_with_copasi_on_the_committed_sbml(shipped, model_name, scenario_name):
    from mgsignal.export import preequilibration_time, scenario_sbml
    model = shipped[model_name]
    scenario = mg.load_scenario(scenario_name)
    t_end = min(scenario.duration or 3600.0, 4 * 3600.0)
    intervals = 24
    text = scenario_sbml(model, scenario)
    ours = mg.simulate(model, scenario, t_end=t_end, n_points=intervals + 1, rtol=1e-10, atol=1e-14,
                       outputs=[s for s in model.species])
    theirs, particles, _ = copasi_run(text, offset=preequilibration_time(scenario), t_end=t_end, intervals=intervals)
    moles = _moles_per_substance_unit(model)  # COPASI counts amounts in particles
    keep = ~np.isin(ours.index.to_numpy(), [p.start for p in scenario.phases])
    compared = 0
    for sid in model.species:
        if sid not in theirs.columns:
            continue
        if sid in model.amount_species and moles.get(sid) is None:  # amounts in a non-molar unit
            continue
        # COPASI reports the concentration of amount-only species: compare their amounts
        a = (particles[sid] / (moles[sid] * 6.02214076e23) if sid in model.amount_species
             else theirs[sid]).to_numpy()[keep]
        b = ours[sid].to_numpy()[keep]
        scale = float(np.abs(b).max())
        # absolute floor: 1e-6 of the species' peak, and 1e-12 of the model's unit (solver noise
        # of species that stay near zero, e.g. a drug that is never applied)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=max(1e-6 * scale, 1e-12),
                                   err_msg=f"{model_name}/{scenario_name}: {sid}")
        compared += 1
    assert compared >= min(5, len(model.species) - len(model.boundary_species))


def _moles_per_substance_unit(model) -> dict[str, float | None]:
    """Per species: moles in one of its substance units (None when the unit is not molar, e.g. a
    dimensionless expression level or a percent pool)."""
    document = libsbml.readSBMLFromString(model.sbml)
    sbml = document.getModel()
    found = {}
    for species in sbml.getListOfSpecies():
        definition = sbml.getUnitDefinition(species.getSubstanceUnits() or sbml.getSubstanceUnits())
        si = libsbml.UnitDefinition.convertToSI(definition) if definition is not None else None
        if si is None or si.getNumUnits() != 1 or si.getUnit(0).getKind() != libsbml.UNIT_KIND_MOLE:
            found[species.getId()] = None
        else:
            unit = si.getUnit(0)
            found[species.getId()] = unit.getMultiplier() * 10.0 ** unit.getScale()
    return found
