"""A second simulator: COPASI (copasi-basico) on the same SBML gives the same time courses and
steady states, the composite included (it counts every species in one substance unit, so it has
no SBML conversion factor COPASI 4.48 would get wrong: docs/models/mg_signalling.md)."""

from __future__ import annotations

from dataclasses import replace

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import models_dir
from mgsignal.build.unify import species_scales
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
    assert len(dynamic) >= 10 and set(dynamic) <= set(theirs.columns)  # every dynamic species is compared
    assert np.ptp(ours["Mg_c"]) > 0.005  # a real transient, not a flat line (the cell defends its Mg2+)
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


def copasi_run(text: str, *, offset: float, t_end: float, intervals: int) -> tuple:
    """COPASI's time course of an SBML text whose clock starts ``offset`` s before scenario time
    0, at the scenario's times 0..``t_end``: (species, readouts), both by SBML id. Species are
    concentrations, or amounts for amount-only species (COPASI reports their concentration:
    times their compartment's size, numbers as in the SBML since COPASI ignores units);
    readouts are the values of the assignment-rule parameters."""
    import pandas as pd
    copasi = basico.load_model_from_string(text)
    try:
        grid = offset + np.linspace(0.0, t_end, intervals + 1)
        table = basico.run_time_course(duration=offset + t_end, values=list(grid), model=copasi,
                                       r_tol=1e-10, a_tol=1e-14, use_concentrations=True, update_model=False)
        table = table.loc[table.index >= offset - 1e-6]
        species = basico.get_species(model=copasi)
        compartments = basico.get_compartments(model=copasi)
        values = basico.get_parameters(model=copasi)
    finally:
        basico.remove_datamodel(copasi)
    sbml = libsbml.readSBMLFromString(text).getModel()
    columns, readouts = {}, {}
    for name, row in species.iterrows():
        if name in table.columns:
            column = table[name]
            if sbml.getSpecies(row["sbml_id"]).getHasOnlySubstanceUnits():
                assert compartments.loc[row["compartment"], "type"] == "fixed"
                column = column * compartments.loc[row["compartment"], "initial_size"]
            columns[row["sbml_id"]] = column
    for row in values.itertuples():
        if row.display_name in table.columns:
            readouts[row.sbml_id] = table[row.display_name]
    return pd.DataFrame(columns), pd.DataFrame(readouts)


@pytest.mark.parametrize(("model_name", "scenario_name"), CROSS)
def test_scenarios_agree_with_copasi_on_the_committed_sbml(shipped, model_name, scenario_name):
    from mgsignal.export import preequilibration_time, scenario_sbml
    model = shipped[model_name]
    scenario = in_model_units(model, mg.load_scenario(scenario_name))
    t_end = min(scenario.duration or 3600.0, 4 * 3600.0)
    intervals = 24
    text = scenario_sbml(model, scenario)
    ours = mg.simulate(model, scenario, t_end=t_end, n_points=intervals + 1, rtol=1e-10, atol=1e-14,
                       outputs=[s for s in model.species])
    theirs, _ = copasi_run(text, offset=preequilibration_time(scenario), t_end=t_end, intervals=intervals)
    keep = ~np.isin(ours.index.to_numpy(), [p.start for p in scenario.phases])
    compared = _assert_species_agree(model, ours.iloc[keep], theirs.iloc[keep], where=f"{model_name}/{scenario_name}")
    assert compared >= min(5, len(model.species) - len(model.boundary_species))


def _assert_species_agree(model, ours, theirs, *, where: str) -> int:
    """Every species COPASI reports within 1e-4 relative; returns how many were compared."""
    scales = _scales(model)
    compared = 0
    for sid in model.species:
        if sid not in theirs.columns:
            continue
        a, b = theirs[sid].to_numpy(), ours[sid].to_numpy()
        # absolute floor: 1e-5 of the species' peak (a receptor form that falls from 5e-14 to ~0: 8e-20
        # of integration noise against COPASI's 1e-107), and 1e-12 of its module's unit (solver noise
        # of species that stay near zero, e.g. a drug that is never applied)
        floor = max(1e-5 * float(np.abs(b).max()), 1e-12 * scales.get(sid, 1.0))
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=floor, err_msg=f"{where}: {sid}")
        compared += 1
    return compared


def _scales(model) -> dict[str, float]:
    """Species id -> its module's unit in the composite's (1e-9 for insulin's ymol in fmol)."""
    return species_scales(libsbml.readSBMLFromString(model.sbml).getModel())


def in_model_units(model, scenario):
    """A module's scenario (values in the module's units) for ``model``: species values in the
    composite's unit (insulin 1e5 pM is 1e-4 fmol/pL in mg_signalling)."""
    scales = _scales(model)
    if not scales:
        return scenario

    def convert(changes):
        return {sid: value * scales.get(sid, 1.0) for sid, value in changes.items()}
    return replace(scenario, changes=convert(scenario.changes),
                   preequilibration=None if scenario.preequilibration is None else convert(scenario.preequilibration),
                   phases=tuple(replace(phase, changes=convert(phase.changes)) for phase in scenario.phases))


# ----------------------------------------------------------------------------- the composite as committed

COMPOSITE = models_dir() / "mg_signalling.xml"


def test_the_composite_has_no_conversion_factor_copasi_would_get_wrong():
    """COPASI 4.48 multiplies stoichiometries by conversion factors on import and never
    recompiles: every module is in one substance unit (fmol); the only conversion factors left
    are the insulin module's own percent-pool bookkeeping, of value 1 (checked in COPASI below)."""
    model = libsbml.readSBMLFromString(COMPOSITE.read_text(encoding="utf-8")).getModel()
    assert not model.isSetConversionFactor()
    units = {s.getSubstanceUnits() for s in model.getListOfSpecies() if not s.isSetConversionFactor()}
    assert units == {"fmol", "dimensionless"}  # dimensionless: the transporters' expression levels
    assert model.getSubstanceUnits() == model.getExtentUnits() == "fmol"
    factors = {s.getConversionFactor() for s in model.getListOfSpecies() if s.isSetConversionFactor()}
    assert factors == {"pool_scale"} and model.getParameter("pool_scale").getValue() == 1.0
    assert model.getParameter("ymol_per_fmol").getValue() == 1e9
    assert model.getParameter("amol_per_fmol").getValue() == 1e3


def test_the_committed_composite_file_agrees_with_copasi_as_it_is():
    """models/mg_signalling.xml loaded into COPASI without any edit: its default 12 h run, every
    species (the insulin pools included), every readout and intermediate, by SBML id."""
    text = COMPOSITE.read_text(encoding="utf-8")
    model = model_from_sbml(text, name="committed")
    t_end, intervals = 12 * 3600.0, 48
    ours = mg.simulate(model, t_end=t_end, n_points=intervals + 1, rtol=1e-10, atol=1e-14,
                       outputs=[*model.species, *model.readouts, *model.intermediates])
    theirs, readouts = copasi_run(text, offset=0.0, t_end=t_end, intervals=intervals)
    assert _assert_species_agree(model, ours, theirs, where="committed") == len(_dynamic(model))
    assert set(model.readouts) <= set(readouts.columns)
    for sid in [*model.readouts, *model.intermediates]:
        a, b = readouts[sid].to_numpy(), ours[sid].to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * float(np.abs(b).max()), err_msg=sid)
    moving = [sid for sid in _dynamic(model) if np.ptp(ours[sid]) > 0.01 * np.abs(ours[sid]).max()]
    assert {"IR_int", "pIRS1", "b1AR_p"} <= set(moving)  # the insulin and cAMP modules move (ymol, amol)


@pytest.mark.parametrize("mg_e", [0.6, 0.35])
def test_composite_steady_states_agree_with_copasi(mg_e):
    """The composite has a steady state once the insulin receptor's synthesis is off
    (BIOMD0000000137's synthesis is never balanced by its degradation, so the receptor total
    otherwise grows for ever). COPASI's steady-state task against mgsignal's (the composite has
    events: 1e8 s of simulation). COPASI settings: the rate criterion at 1e-9 (its default,
    distance and rate, does not converge on the composite) and negative values accepted (basal
    PI(3,4,5)P3 settles 1e-5 % under the insulin module's Akt activation threshold, so basal pAkt
    and pPKCz are slightly negative, -3e-5 %)."""
    document = libsbml.readSBMLFromString(COMPOSITE.read_text(encoding="utf-8"))
    sbml = document.getModel()
    for pid in ("k5_above", "k5_below"):
        sbml.getParameter(pid).setValue(0.0)
    sbml.getSpecies("Mg_e").setInitialConcentration(mg_e)
    text = libsbml.writeSBMLToString(document)
    model = model_from_sbml(text, name=f"steady_{mg_e}")
    ours = mg.steady_state(model)
    assert ours.attrs["still_changing"] < 1e-4
    copasi = basico.load_model_from_string(text)
    try:
        basico.set_task_settings(basico.T.STEADY_STATE, {"method": {
            "Target Criterion": "Rate", "Resolution": 1e-9, "Accept Negative Concentrations": True}}, model=copasi)
        assert basico.run_steadystate(model=copasi) != 0  # 0: not found
        species = basico.get_species(model=copasi)
        sizes = basico.get_compartments(model=copasi)["size"]
    finally:
        basico.remove_datamodel(copasi)
    scales = _scales(model)
    for row in species.itertuples():
        sid = row.sbml_id
        value = row.concentration * (sizes[row.compartment] if sid in model.amount_species else 1.0)
        assert value == pytest.approx(ours[sid], rel=1e-4, abs=1e-12 * scales.get(sid, 1.0)), sid
    assert 0.1 < ours["Mg_c"] < 2.0  # mM: a cell, not a collapsed state


def _dynamic(model) -> list[str]:
    """Species COPASI reports in a time course (it leaves out the constant boundary ones)."""
    return [sid for sid in model.species if sid not in model.boundary_species]
