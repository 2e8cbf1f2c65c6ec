"""The cAMP/PKA module: it reproduces BIOMD0000000165 (Saucerman 2006) at the reference Mg2+,
its Mg2+/MgATP law is 1 there and follows its formula elsewhere, less Mg2+ means a smaller cAMP
and PKA response to the same agonist dose, forskolin and IBMX raise cAMP, and the PKA readout
scales SLC41A1 by a factor that is 1 at rest.

The published model is run as published (see mgsignal.references.saucerman2006 for the one
rewrite of its time switches, which leaves every rate unchanged).
"""

from __future__ import annotations

import libsbml
import numpy as np
import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.build import models_dir
from mgsignal.build import missing_sources, read_parameter_table
from mgsignal.references import Reference, default_folder, load_reference, saucerman2006

from ..conftest import annotation_uris

REFERENCE_FILE = default_folder() / "BIOMD0000000165.xml"
T_END, T_ISO, T_PROPRANOLOL = saucerman2006.T_END, saucerman2006.T_ISO, saucerman2006.T_PROPRANOLOL
INTEGRATION = saucerman2006.INTEGRATION
AGREEMENT = 1e-3  # relative, against the published model
DOSES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]  # isoproterenol, uM
PRE = 1e4  # s of pre-equilibration by simulation (the slowest basal mode, receptor phosphorylation, has 450 s)
#: mg_transport after 12 h in Mg2+-free medium, as the shipped low-Mg scenario states it
LOW_MG = {k: mg.load_scenario("camp_isoproterenol_low_mg").preequilibration[k] for k in ("Mg_c", "MgATP_c")}
LOW_FREE, LOW_MGATP = LOW_MG["Mg_c"], LOW_MG["MgATP_c"]
COMPARED, PARAMETERS, SPECIES = saucerman2006.COMPARED, saucerman2006.PARAMETERS, saucerman2006.SPECIES
#: values whose source is an explicit assumption (no published value)
ASSUMED = {"cytosol", "tau_fsk", "tau_ibmx", "K_PKA_SLC41A1", "s_max_SLC41A1"}
MG_FACTORS = ["f_Mg_GsAC", "f_Mg_FskAC", "f_MgATP_AC", "f_MgATP_PKA"]


# ------------------------------------------------------------------ runners

@pytest.fixture(scope="module")
def reference() -> Reference:
    return load_reference(REFERENCE_FILE)


run_reference, run_ours, relative_deviation = (saucerman2006.run_published, saucerman2006.run_module,
                                               saucerman2006.relative_deviation)


# ------------------------------------------------------------------ reproduction of BIOMD0000000165

def test_reproduces_the_published_protocol(camp, reference):
    scenario = mg.load_scenario("camp_saucerman2006")
    assert [(p.start, p.changes) for p in scenario.phases] == [
        (T_ISO, {"iso_applied": 0.1}), (T_PROPRANOLOL, {"propranolol_applied": 1.0})]
    ours = mg.simulate(camp, scenario, n_points=int(T_END) + 1, outputs=list(COMPARED), **INTEGRATION)
    theirs = run_reference(reference)
    np.testing.assert_allclose(ours.index.to_numpy(), theirs.index.to_numpy())
    whole = relative_deviation(ours, theirs)
    agonist = relative_deviation(ours[ours.index < T_PROPRANOLOL], theirs[theirs.index < T_PROPRANOLOL])
    assert whole.max() < 1e-4 < AGREEMENT, whole.to_dict()  # measured 5e-5, after propranolol
    assert agonist.max() < 1e-8, agonist.to_dict()  # before propranolol the two models are the same
    # a real response: cAMP up ~9-fold, PKA C ~13-fold within 2 min, back down with propranolol
    basal, peak, end = theirs.loc[T_ISO], theirs.loc[T_ISO:T_PROPRANOLOL].max(), theirs.loc[T_END]
    assert peak["cAMP"] > 5 * basal["cAMP"] and peak["PKAC"] > 10 * basal["PKAC"]
    assert end["cAMP"] < 1.2 * basal["cAMP"]


@pytest.mark.parametrize("dose", DOSES)
def test_reproduces_the_isoproterenol_dose_response(camp, reference, dose):
    ours, theirs = run_ours(camp, iso=dose), run_reference(reference, iso=dose)
    deviation = relative_deviation(ours, theirs, since=T_ISO)
    assert deviation.max() < AGREEMENT, deviation.to_dict()
    peaks = ours.loc[T_ISO:T_PROPRANOLOL, list(COMPARED)].max() / theirs.loc[T_ISO:T_PROPRANOLOL].max()
    np.testing.assert_allclose(peaks.to_numpy(), 1.0, atol=1e-7)  # far inside the 2 % asked of a reduction


def test_the_dose_response_is_graded(camp):
    runs = {dose: run_ours(camp, iso=dose, propranolol=False) for dose in DOSES[::2]}
    rise = pd.Series({dose: run.loc[T_ISO:, "cAMP"].max() - run.loc[T_ISO, "cAMP"] for dose, run in runs.items()})
    assert rise.is_monotonic_increasing and rise.iloc[-1] > 5 * rise.iloc[0] > 0  # EC50 a few nM


@pytest.mark.parametrize("drug, published, value", [("fsk", "Fsk_cell", 10.0), ("ibmx", "IBMX_cell", 100.0)])
def test_reproduces_forskolin_and_ibmx_in_rapid_equilibrium(camp, reference, drug, published, value):
    """Our forskolin and IBMX bind in rapid equilibrium without depletion; the original has
    explicit complexes. Both drugs are set at T_ISO (in the original IBMX binds only after 1000 s)."""
    ours = run_ours(camp, iso=0.0, propranolol=False,
                    drugs_at_t_iso={drug: value, f"{drug}_applied": value})
    theirs = run_reference(reference, iso=0.0, propranolol=False, drugs_at_t_iso={published: value})
    deviation = relative_deviation(ours, theirs, since=T_ISO)
    assert deviation.max() < 2e-4 < AGREEMENT, deviation.to_dict()  # measured 3e-5 and 7e-5
    assert theirs.loc[T_END, "cAMP"] > 1.3 * theirs.loc[T_ISO, "cAMP"]  # the drug acts


def test_the_published_file_has_no_events_and_time_switched_rules(reference):
    """What the module had to take apart: no events, no fast reactions; the protocol lives in
    time-dependent assignment rules."""
    assert reference.cleared_fast == () and reference.marked_boundary == ("light_spot_cell",)
    model = libsbml.readSBMLFromString(REFERENCE_FILE.read_text(encoding="utf-8")).getModel()
    assert model.getNumEvents() == 0
    assert not any(r.isSetFast() and r.getFast() for r in model.getListOfReactions())
    timed = {rule.getVariable() for rule in model.getListOfRules()
             if "time" in libsbml.formulaToL3String(rule.getMath())}
    assert timed == {"light_cAMP_photolysis", "Kf_inhibit_PDE", "Kr_inhibit_PDE",
                     "ar_for_add_propranolol", "ar_for_add_Ligand"}


# ------------------------------------------------------------------ the Mg2+ and MgATP law

def _saturation(x: float, k: float) -> float:
    return x / (k + x)


def _reference() -> tuple[float, float]:
    """The module's reference free Mg2+ and MgATP (mM), read from its parameter table."""
    table = read_parameter_table(models_dir() / "camp_pka.ant").set_index("id")["value"]
    return table["Mg_ref"], table["MgATP_ref"]


def test_mg_law_is_one_at_the_reference_and_follows_its_formula(camp):
    at_reference = mg.simulate(camp, t_end=10.0, n_points=2, outputs=MG_FACTORS)
    assert (at_reference == 1.0).all().all()
    low = mg.simulate(camp, mg.Scenario(name="low", changes=LOW_MG), t_end=10.0, n_points=2,
                      outputs=MG_FACTORS).iloc[0]
    mg_ref, mgatp_ref = _reference()
    assert low["f_Mg_GsAC"] == pytest.approx(_saturation(LOW_FREE, 0.5) / _saturation(mg_ref, 0.5), rel=1e-12)
    assert low["f_Mg_FskAC"] == pytest.approx(_saturation(LOW_FREE, 2.5) / _saturation(mg_ref, 2.5), rel=1e-12)
    assert low["f_MgATP_AC"] == pytest.approx(_saturation(LOW_MGATP, 0.1) / _saturation(mgatp_ref, 0.1), rel=1e-12)
    assert low["f_MgATP_PKA"] == pytest.approx(_saturation(LOW_MGATP, 0.01) / _saturation(mgatp_ref, 0.01), rel=1e-12)
    assert 0 < low["f_Mg_FskAC"] < low["f_Mg_GsAC"] < 1.0 and 0.99 < low["f_MgATP_PKA"] < 1.0


def test_camp_synthesis_scales_with_the_mg_law(camp):
    """The synthesis rates at t = 0 with a given GsAC and forskolin, against the hand formula."""
    start = {"GsAC": 0.01, "fsk": 100.0, "fsk_applied": 100.0}
    outputs = ["cAMP_synthesis_GsAC", "cAMP_synthesis_FskAC"]
    ref = mg.simulate(camp, mg.Scenario(name="ref", changes=start), t_end=1e-9, n_points=2, outputs=outputs).iloc[0]
    low = mg.simulate(camp, mg.Scenario(name="low", changes={**start, **LOW_MG}), t_end=1e-9, n_points=2,
                      outputs=outputs).iloc[0]
    volume = 2.0  # pL: rates are amol/s
    saucerman = 2.5 * 0.01 * 5000 / (315 + 5000)  # BIOMD0000000165 rate law, uM/s
    assert ref["cAMP_synthesis_GsAC"] == pytest.approx(volume * saucerman, rel=1e-12)
    mg_ref, mgatp_ref = _reference()
    substrate = _saturation(LOW_MGATP, 0.1) / _saturation(mgatp_ref, 0.1)
    assert low["cAMP_synthesis_GsAC"] / ref["cAMP_synthesis_GsAC"] == pytest.approx(
        substrate * _saturation(LOW_FREE, 0.5) / _saturation(mg_ref, 0.5), rel=1e-12)
    assert low["cAMP_synthesis_FskAC"] / ref["cAMP_synthesis_FskAC"] == pytest.approx(
        substrate * _saturation(LOW_FREE, 2.5) / _saturation(mg_ref, 2.5), rel=1e-12)


def test_reference_mg_is_the_transport_models_steady_state(transport_state):
    table = read_parameter_table(models_dir() / "camp_pka.ant").set_index("id")["value"]
    assert table["Mg_ref"] == table["Mg_c"] == pytest.approx(transport_state["Mg_c"], abs=5e-5)
    assert table["MgATP_ref"] == table["MgATP_c"] == pytest.approx(transport_state["MgATP_c"], abs=5e-4)


def _response(model: mg.Model, *, dose: float, condition: dict[str, float]) -> pd.DataFrame:
    """Cell at rest at `condition`, isoproterenol `dose` uM from 60 s; 15 min."""
    scenario = mg.Scenario(name="response", preequilibration=dict(condition), preequilibration_time=PRE,
                           phases=(mg.Phase(start=60.0, changes={"iso_applied": dose}),))
    return mg.simulate(model, scenario, t_end=900.0, n_points=181, outputs=["cAMP", "PKA_act"])


@pytest.mark.parametrize("dose", [0.01, 0.1, 1.0])
def test_less_mg_lowers_the_camp_and_pka_response(camp, dose):
    normal = _response(camp, dose=dose, condition={})
    low = _response(camp, dose=dose, condition=LOW_MG)
    ratio = low.max() / normal.max()
    assert ratio["cAMP"] < 0.8 and ratio["PKA_act"] < 0.8, ratio.to_dict()  # measured 0.65-0.75
    assert (low.iloc[0] < normal.iloc[0]).all()  # the resting cell too


@pytest.mark.parametrize("k_mg_ac, km_mgatp", [(0.5, 0.1), (12.5, 0.1), (2.5, 1.3)])
def test_the_direction_does_not_hang_on_the_assumed_mg_constants(camp, k_mg_ac, km_mgatp):
    """K_Mg of Gs-bound AC from 0.1 mM (isoproterenol, rat heart) to 2.5 mM (unactivated enzyme);
    Km(MgATP) 0.1 mM (heart) or 1.3 mM (brain)."""
    constants = {"K_Mg_AC": k_mg_ac, "Km_MgATP_AC": km_mgatp}
    normal = _response(camp, dose=0.1, condition=constants)
    low = _response(camp, dose=0.1, condition={**constants, **LOW_MG})
    assert (low.max() < 0.99 * normal.max()).all()


# ------------------------------------------------------------------ forskolin, IBMX, propranolol scenarios

@pytest.mark.parametrize("name, rise", [("camp_forskolin", 1.3), ("camp_ibmx", 3.0), ("camp_isoproterenol", 5.0)])
def test_drug_scenarios_raise_camp_and_pka_activity(camp, name, rise):
    table = mg.simulate(camp, mg.load_scenario(name), n_points=181,
                        outputs=["cAMP", "cAMP_total", "PKA_act", "AKAR_p_frac"])
    before, after = table.loc[:60.0], table.loc[120.0:]
    assert np.ptp(before["cAMP"]) < 1e-9 * before["cAMP"].iloc[0]  # pre-equilibrated: at rest until 60 s
    assert after["cAMP"].max() > rise * before["cAMP"].iloc[0]
    assert (after.max() > 1.2 * before.iloc[0]).all()


def test_ibmx_raises_camp_as_the_pde_occupancy_predicts(camp):
    """At steady state cAMP synthesis equals PDE turnover k_pde PDEcAMP; with IBMX (Kd 30 uM) the
    free PDE is PDE / (1 + IBMX / 30 uM), and cAMP binding to the free PDE sets PDEcAMP."""
    ibmx = 100.0
    run = mg.simulate(camp, mg.Scenario(name="ibmx", changes={"ibmx_applied": ibmx}), t_end=PRE, n_points=2,
                      outputs=["cAMP", "PDE", "PDEcAMP", "cAMP_synthesis_GsAC", "cAMP_degradation"])
    state = run.iloc[-1]
    assert state["cAMP_synthesis_GsAC"] == pytest.approx(state["cAMP_degradation"], rel=1e-6)
    free_pde = state["PDE"] / (1 + ibmx / 30.0)
    assert state["PDEcAMP"] == pytest.approx(free_pde * state["cAMP"] / ((1300 + 5) / 1000), rel=1e-6)
    basal = mg.simulate(camp, t_end=PRE, n_points=2, outputs=["cAMP"])["cAMP"].iloc[-1]
    assert state["cAMP"] > 3 * basal  # 77 % of PDE blocked: cAMP 0.15 -> 0.56 uM


def test_propranolol_blocks_the_agonist(camp):
    """1 uM propranolol (Kd 8 nM) shifts the agonist curve ~125-fold: 0.1 uM isoproterenol then
    acts like ~1 nM."""
    free = _response(camp, dose=0.1, condition={})["cAMP"]
    blocked = _response(camp, dose=0.1, condition={"propranolol_applied": 1.0})["cAMP"]
    assert blocked.iloc[0] < 0.1 * free.iloc[0]  # it also silences the basal activity of free receptor
    assert blocked.max() < 0.2 * free.max()


def test_forskolin_response_falls_with_mg_more_than_the_agonist_response(camp):
    """Forskolin-bound AC keeps the low Mg2+ affinity of the unactivated enzyme (K 2.5 mM), so
    at low Mg2+ it loses more activity than Gs-bound AC (K 0.5 mM)."""
    fsk = [mg.simulate(camp, mg.Scenario(name="fsk", preequilibration=condition, preequilibration_time=PRE,
                                         phases=(mg.Phase(start=60.0, changes={"fsk_applied": 10.0}),)),
                       t_end=900.0, n_points=91, outputs=["cAMP"])["cAMP"] for condition in ({}, LOW_MG)]
    iso = [_response(camp, dose=0.1, condition=condition)["cAMP"] for condition in ({}, LOW_MG)]
    fsk_gain = (fsk[1].max() - fsk[1].iloc[0]) / (fsk[0].max() - fsk[0].iloc[0])
    iso_gain = (iso[1].max() - iso[1].iloc[0]) / (iso[0].max() - iso[0].iloc[0])
    assert fsk_gain < iso_gain < 1.0


# ------------------------------------------------------------------ readouts and PKA -> SLC41A1

def test_slc41a1_factor_is_one_at_rest_and_follows_its_law(camp):
    table = read_parameter_table(models_dir() / "camp_pka.ant").set_index("id")["value"]
    rest = mg.steady_state(camp, outputs=["PKA_act", "SLC41A1_PKA_factor"])
    assert rest["SLC41A1_PKA_factor"] == pytest.approx(1.0, abs=1e-9)
    assert table["PKA_act_basal"] == pytest.approx(rest["PKA_act"], rel=1e-9)
    k, s_max, basal = table["K_PKA_SLC41A1"], table["s_max_SLC41A1"], table["PKA_act_basal"]
    run = mg.simulate(camp, mg.load_scenario("camp_isoproterenol"), n_points=91,
                      outputs=["PKA_act", "SLC41A1_PKA_factor"])
    expected = (1 + s_max * run["PKA_act"] / (k + run["PKA_act"])) / (1 + s_max * basal / (k + basal))
    np.testing.assert_allclose(run["SLC41A1_PKA_factor"], expected, rtol=1e-12)
    assert 1.4 < run["SLC41A1_PKA_factor"].max() < (1 + s_max) / (1 + s_max * basal / (k + basal))
    low_rest = mg.steady_state(camp, mg.Scenario(name="low", changes=LOW_MG), outputs=["SLC41A1_PKA_factor"])
    assert 0.9 < low_rest["SLC41A1_PKA_factor"] < 1.0  # less Mg2+, less PKA, less efflux: negative feedback


def test_readouts_and_conservation(camp):
    run = mg.simulate(camp, mg.load_scenario("camp_isoproterenol"), n_points=91,
                      outputs=["RC", "ARC", "A2RC", "A2R", "PKAC", "PKI", "PKAC_PKI", "PKAC_AKAR",
                               "cAMP", "PDEcAMP", "cAMP_total", "PKA_act", "AKAR", "AKARp",
                               "PP_AKARp", "AKAR_p_frac", "f_MgATP_PKA"])
    catalytic = run[["RC", "ARC", "A2RC", "PKAC", "PKAC_PKI", "PKAC_AKAR"]].sum(axis=1)
    regulatory = run[["RC", "ARC", "A2RC", "A2R"]].sum(axis=1)
    np.testing.assert_allclose(catalytic, 1.18, rtol=1e-8)  # BIOMD0000000165 RC = 1.18 uM
    np.testing.assert_allclose(regulatory, 1.18, rtol=1e-8)
    np.testing.assert_allclose(run["PKAC_PKI"] + run["PKI"], 0.18, rtol=1e-8)
    np.testing.assert_allclose(run["PKA_act"], run["f_MgATP_PKA"] * run["PKAC"] / 1.18, rtol=1e-7)
    bound = run["PDEcAMP"] + run["ARC"] + 2 * (run["A2RC"] + run["A2R"])
    np.testing.assert_allclose(run["cAMP_total"], run["cAMP"] + bound, rtol=1e-12)
    reporter = run["AKAR"] + run["AKARp"] + run["PKAC_AKAR"] + run["PP_AKARp"]
    np.testing.assert_allclose(reporter, 10.0, rtol=1e-8)
    np.testing.assert_allclose(run["AKAR_p_frac"], run["AKARp"] / reporter, rtol=1e-7)
    assert set(camp.readouts) == {"cAMP_total", "PKA_act", "AKAR_p_frac", "SLC41A1_PKA_factor"}


# ------------------------------------------------------------------ SBML, sources, annotations

def test_sbml_is_valid_with_zero_errors_and_warnings():
    assert mg.validate_file(models_dir() / "camp_pka.ant") == []
    assert mg.validate_file(models_dir() / "camp_pka.xml") == []


def _published(original: libsbml.Model, oid: str) -> float:
    """A global parameter of the original, or a local one named `<reaction>_<parameter>`."""
    if original.getParameter(oid) is not None:
        return original.getParameter(oid).getValue()
    for reaction in original.getListOfReactions():
        prefix = reaction.getId() + "_"
        if oid.startswith(prefix):
            local = reaction.getKineticLaw().getParameter(oid[len(prefix):])
            if local is not None:
                return local.getValue()
    raise KeyError(oid)


def test_every_value_is_sourced_and_kinetic_constants_are_saucermans(camp):
    table = read_parameter_table(models_dir() / "camp_pka.ant").set_index("id")
    assert missing_sources(table.reset_index()) == []
    assert set(camp.parameters) <= set(table.index)
    assumed = {sid for sid, source in table["source"].items() if source.startswith("Assumption")}
    assert assumed == ASSUMED
    original = libsbml.readSBMLFromString(REFERENCE_FILE.read_text(encoding="utf-8")).getModel()
    for sid, (oid, factor) in PARAMETERS.items():
        assert "BIOMD0000000165" in table.loc[sid, "source"], sid
        assert table.loc[sid, "value"] == pytest.approx(_published(original, oid) * factor, rel=1e-12), sid
    for sid, oid in SPECIES.items():
        assert table.loc[sid, "value"] == pytest.approx(original.getSpecies(oid).getInitialConcentration(),
                                                        rel=1e-12), sid
    # the rapid-equilibrium constants are the published kr / kf
    assert table.loc["Kd_fsk_AC", "value"] == pytest.approx(
        _published(original, "bind_FskAC_Kr") / _published(original, "bind_FskAC_Kf"), rel=1e-12)
    assert table.loc["Kd_ibmx", "value"] == pytest.approx(30000.0 / 1000.0)  # in time-switched rules there


def test_species_and_readouts_are_annotated():
    model = libsbml.readSBMLFromString((models_dir() / "camp_pka.xml").read_text(encoding="utf-8")).getModel()

    def uris(sid):
        return annotation_uris(model, sid)

    expected = {"b1AR": "uniprot/P08588", "Gs": "uniprot/P63092", "AC": "uniprot/O95622",
                "PDE": "uniprot/Q08499", "PKAC": "uniprot/P17612", "RC": "uniprot/P10644",
                "cAMP": "CHEBI:17489", "iso": "CHEBI:64317", "fsk": "CHEBI:42471", "ibmx": "CHEBI:34795",
                "propranolol": "CHEBI:8499", "Gsa_gtp": "CHEBI:15996", "cytosol": "GO:0005829",
                "PKA_act": "GO:0004691", "SLC41A1_PKA_factor": "uniprot/Q8IVJ1"}
    for sid, accession in expected.items():
        assert f"https://identifiers.org/{accession}" in uris(sid), sid
    for species in model.getListOfSpecies():
        assert uris(species.getId()), species.getId()
        assert species.isSetName(), species.getId()
    assert "Saucerman" in model.getParameter("k_ac_gsa").getNotesString() or \
        "BIOMD0000000165" in model.getParameter("k_ac_gsa").getNotesString()
