"""The insulin signalling module: it reproduces BIOMD0000000137 (Sedaghat, Sherman & Quon 2002)
at the reference Mg2+, its Mg2+/MgATP law is 1 there, and less Mg2+ means less Akt activation
and GLUT4 translocation for the same insulin."""

from __future__ import annotations

import libsbml
import numpy as np
import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.build import models_dir
from mgsignal.build import missing_sources, read_parameter_table
from mgsignal.references import (clear_fast_flags, default_folder, load_reference, sedaghat2002,
                                 simulate_reference)

from ..conftest import annotation_uris

REFERENCE_FILE = default_folder() / "BIOMD0000000137.xml"
SPECIES, PARAMETERS, PROTOCOLS = sedaghat2002.SPECIES, sedaghat2002.PARAMETERS, sedaghat2002.PROTOCOLS
#: values whose source is an explicit assumption (no published value)
ASSUMED = {"extracellular", "intracellular", "Km_ATP_PI3K"}
#: constants bounded by cell data (tests/models/test_insulin_mg_data.py), not assumed
BOUNDED = {"K_Mg_IRK", "K_Mg_PI3K", "K_Mg_PDK1"}
MG_FACTORS = ["f_Mg_IRK", "f_Mg_PI3K", "f_Mg_PDK1", "f_ATP_IRK", "f_ATP_IRK_act", "f_ATP_PI3K"]
RTOL = 1e-3  # agreement: relative 1e-3 (absolute floor 1e-6 x the species' peak, sedaghat2002.FLOOR)


@pytest.fixture(scope="module")
def reference():
    return load_reference(REFERENCE_FILE)


@pytest.fixture(scope="module")
def step(insulin) -> pd.DataFrame:
    """Our module under the built-in insulin_step scenario (the original's protocol), 1 h."""
    return mg.simulate(insulin, mg.load_scenario("insulin_step"), n_points=61,
                       outputs=list(insulin.species + insulin.readouts) + MG_FACTORS)


@pytest.fixture(scope="module")
def low_mg(insulin) -> pd.DataFrame:
    """The same protocol in a Mg-deficient cell (built-in scenario insulin_step_low_mg)."""
    return mg.simulate(insulin, mg.load_scenario("insulin_step_low_mg"), n_points=61,
                       outputs=["pAkt_frac", "GLUT4_pm_frac"] + MG_FACTORS)


_ours, _theirs, relative_deviation = (sedaghat2002.run_module, sedaghat2002.run_published,
                                      sedaghat2002.relative_deviation)


# ------------------------------------------------------------------ reproduction of BIOMD0000000137

@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_reproduces_biomd0000000137_at_the_reference_mg(insulin, reference, protocol):
    dose = PROTOCOLS[protocol]
    ours, theirs = _ours(insulin, dose), _theirs(reference, dose)
    np.testing.assert_allclose(ours.index.to_numpy(), 60.0 * theirs.index.to_numpy())
    # at 15 min our row shows the state just before the phase, the original's just after its event
    deviation = relative_deviation(ours, theirs, skip_times=[900.0])
    assert deviation.max() < RTOL, deviation.sort_values().tail(5).to_dict()
    assert theirs["x17"].max() > 1.0  # a real response (percent of Akt active), not a flat line
    # the readouts are Sedaghat's quantities (percent pools as fractions; uptake ~ surface GLUT4)
    np.testing.assert_allclose(ours["pAkt_frac"], theirs["x17"] / 100, rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(ours["GLUT4_pm_frac"], theirs["x21"] / (theirs["x20"] + theirs["x21"]),
                               rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(ours["glucose_uptake"], theirs["x21"] / 4.0, rtol=RTOL)


def test_insulin_step_scenario_is_the_original_protocol(step, reference):
    scenario = mg.load_scenario("insulin_step")
    assert scenario.changes == {"insulin_e": 1e5}  # 100 nM = 1e5 pM (BIOMD0000000137 x1 = 1e8 fM)
    assert [(p.start, p.changes) for p in scenario.phases] == [(900.0, {"insulin_e": 0.0})]
    theirs = simulate_reference(reference, t_end=60.0, n_points=61)
    np.testing.assert_allclose(step["pAkt"], theirs["x17"], rtol=RTOL, atol=1e-6)
    np.testing.assert_allclose(step["GLUT4_pm"], theirs["x21"], rtol=RTOL, atol=1e-6)
    # Sedaghat 2002: ~10 % of Akt active and ~40 % of GLUT4 at the surface under 100 nM insulin
    assert 0.09 < step["pAkt_frac"].max() < 0.12
    assert 0.38 < step["GLUT4_pm_frac"].max() < 0.45
    assert 9.0 < step["glucose_uptake"].max() < 12.0  # ~10-fold over basal


def test_reference_file_needs_the_fast_flag_cleared(reference):
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    assert 'fast="true"' in text
    with pytest.raises(RuntimeError, match="fast"):
        import roadrunner
        roadrunner.RoadRunner(text)
    assert reference.cleared_fast == ("R12",)
    assert reference.marked_boundary == ("x1",)  # insulin: in no reaction, changed by an event
    assert reference.time_unit_seconds == 60.0
    cleared, ids = clear_fast_flags(text)
    assert ids == ("R12",) and 'fast="true"' not in cleared
    assert clear_fast_flags(cleared) == (cleared, ())


def test_cleared_reference_agrees_with_copasi_on_the_original_file(reference):
    basico = pytest.importorskip("basico")
    theirs = simulate_reference(reference, t_end=60.0, n_points=121, rtol=1e-12, atol=1e-16)
    copasi_model = basico.load_model(str(REFERENCE_FILE))  # the published file, fast flag and all
    try:
        reactions = copasi_model.getModel().getReactions()
        fast = [reactions.get(i).getObjectName() for i in range(reactions.size()) if reactions.get(i).isFast()]
        copasi = basico.run_time_course(duration=60.0, intervals=120, model=copasi_model,
                                        r_tol=1e-12, a_tol=1e-16, use_sbml_id=True,
                                        update_model=False)
    finally:
        basico.remove_datamodel(copasi_model)
    assert fast == []  # COPASI, too, imports R12 as an ordinary reaction
    np.testing.assert_allclose(copasi.index.to_numpy(), theirs.index.to_numpy())
    for original, _ in SPECIES.values():
        expected = theirs[original].to_numpy()
        np.testing.assert_allclose(copasi[original].to_numpy(), expected, rtol=1e-6,
                                   atol=1e-9 * np.abs(expected).max(), err_msg=original)


# ------------------------------------------------------------------ the Mg2+ and MgATP law

def test_mg_law_is_one_at_the_reference_and_follows_its_formula(step, low_mg):
    assert (step[MG_FACTORS] == 1.0).all().all()
    low = low_mg.iloc[0]
    changes = mg.load_scenario("insulin_step_low_mg").changes
    low_free, low_mgatp = changes["Mg_c"], changes["MgATP_c"]

    def saturation(x, k):
        return x / (k + x)

    reference = read_parameter_table(models_dir() / "insulin.ant").set_index("id")["value"]
    mg_ref, mgatp_ref = reference["Mg_ref"], reference["MgATP_ref"]
    for factor, constant in (("f_Mg_IRK", "K_Mg_IRK"), ("f_Mg_PI3K", "K_Mg_PI3K"), ("f_Mg_PDK1", "K_Mg_PDK1")):
        k = reference[constant]
        assert low[factor] == pytest.approx(saturation(low_free, k) / saturation(mg_ref, k), rel=1e-12), factor
    assert low["f_ATP_IRK"] == pytest.approx(saturation(low_mgatp, 1.0) / saturation(mgatp_ref, 1.0), rel=1e-12)
    assert low["f_ATP_IRK_act"] == pytest.approx(saturation(low_mgatp, 0.2) / saturation(mgatp_ref, 0.2), rel=1e-12)
    assert low["f_ATP_PI3K"] == pytest.approx(saturation(low_mgatp, 0.05) / saturation(mgatp_ref, 0.05), rel=1e-12)
    assert (low_mg[MG_FACTORS] < 1.0).all().all()


def test_reference_mg_is_the_transport_models_steady_state(insulin, transport_state):
    table = read_parameter_table(models_dir() / "insulin.ant").set_index("id")["value"]
    assert table["Mg_ref"] == table["Mg_c"] == pytest.approx(transport_state["Mg_c"], abs=5e-5)
    assert table["MgATP_ref"] == table["MgATP_c"] == pytest.approx(transport_state["MgATP_c"], abs=5e-4)


def _peak(model, changes, outputs=("pAkt_frac", "GLUT4_pm_frac")) -> pd.Series:
    scenario = mg.load_scenario("insulin_step")
    scenario = mg.Scenario(name="variant", changes={**scenario.changes, **changes},
                           phases=scenario.phases)
    return mg.simulate(model, scenario, t_end=1800.0, n_points=31, outputs=list(outputs)).max()


def test_less_mg_means_less_akt_and_glut4_translocation(insulin, step, low_mg):
    reference = step[["pAkt_frac", "GLUT4_pm_frac"]].max()
    low = low_mg[["pAkt_frac", "GLUT4_pm_frac"]].max()
    high = _peak(insulin, {"Mg_c": 1.2, "MgATP_c": 4.6})
    assert low["pAkt_frac"] < 0.8 * reference["pAkt_frac"] < reference["pAkt_frac"] < high["pAkt_frac"]
    assert low["GLUT4_pm_frac"] < 0.9 * reference["GLUT4_pm_frac"] < reference["GLUT4_pm_frac"] < high["GLUT4_pm_frac"]
    less_mgatp = _peak(insulin, {"MgATP_c": 1.0})  # MgATP, the kinases' substrate, alone
    assert less_mgatp["pAkt_frac"] < reference["pAkt_frac"]


@pytest.mark.parametrize("k_mg", [0.1, 10.0])
def test_the_direction_does_not_hang_on_the_assumed_mg_constants(insulin, step, k_mg):
    reference = step[["pAkt_frac", "GLUT4_pm_frac"]].max()
    low = _peak(insulin, {"K_Mg_IRK": k_mg, "K_Mg_PI3K": k_mg, "Mg_c": 0.4})
    assert (low < reference).all()


def test_mg_acts_on_the_insulin_response_not_on_the_basal_state(insulin):
    basal = mg.simulate(insulin, t_end=3600.0, n_points=7)
    low = mg.simulate(insulin, mg.Scenario(name="low", changes={"Mg_c": 0.3, "MgATP_c": 1.0}),
                      t_end=3600.0, n_points=7)
    # integration noise ~5e-9; the original's basal PIP3 sits a hair below its own Akt/PKCzeta
    # threshold, so basal pAkt is ~-3e-5 % (not 0) and scales with the PDK1 factor, which moves
    # basal surface GLUT4 by ~1e-4 % (of 4 %): a 5e-4 % floor
    np.testing.assert_allclose(low.to_numpy(), basal.to_numpy(), rtol=1e-7, atol=5e-4)
    assert basal["pAkt_frac"].max() < 1e-6  # and the basal state stays basal


# ------------------------------------------------------------------ SBML, sources, annotations

def test_sbml_is_valid_with_zero_errors_and_warnings():
    assert mg.validate_file(models_dir() / "insulin.ant") == []
    assert mg.validate_file(models_dir() / "insulin.xml") == []


def test_every_value_is_sourced_and_kinetic_constants_are_sedaghats(insulin):
    table = read_parameter_table(models_dir() / "insulin.ant").set_index("id")
    assert missing_sources(table.reset_index()) == []
    assert set(insulin.parameters) <= set(table.index)
    assumed = {sid for sid, source in table["source"].items() if source.startswith("Assumption")}
    assert assumed == ASSUMED
    assert all(table.loc[sid, "source"].startswith("Bounded by Oost et al. 2022") for sid in BOUNDED)
    original = libsbml.readSBMLFromFile(str(REFERENCE_FILE)).getModel()
    for sid, (oid, factor) in PARAMETERS.items():
        assert "BIOMD0000000137" in table.loc[sid, "source"], sid
        assert table.loc[sid, "value"] == pytest.approx(original.getParameter(oid).getValue() * factor,
                                                        rel=1e-10), sid
    rates = table[table["unit"].isin(["per_s", "per_pM_per_s", "percent_per_s", "pM_per_s"])]
    for sid, source in rates["source"].items():
        assert "/60" in source, f"{sid}: the source must state the conversion from minutes"


def test_species_and_compartments_are_annotated(insulin):
    model = libsbml.readSBMLFromString((models_dir() / "insulin.xml").read_text(encoding="utf-8")).getModel()

    def uris(sid):
        return annotation_uris(model, sid)

    expected = {"IR": "uniprot/P06213", "IRS1": "uniprot/P35568", "PI3K": "uniprot/P42336",
                "Akt": "uniprot/P31749", "PKCz": "uniprot/Q05513", "GLUT4_pm": "uniprot/P14672",
                "insulin_e": "CHEBI:5931", "PIP3": "CHEBI:16618", "glucose_uptake": "CHEBI:17234"}
    for sid, accession in expected.items():
        assert f"https://identifiers.org/{accession}" in uris(sid), sid
    assert "https://identifiers.org/uniprot/P27986" in uris("PI3K")
    for species in model.getListOfSpecies():
        assert uris(species.getId()), species.getId()
        assert species.isSetName(), species.getId()
    for compartment in model.getListOfCompartments():
        assert any(uri.startswith("https://identifiers.org/GO:") for uri in uris(compartment.getId()))
    # one volume basis, as in the original: internalisation conserves receptor concentration
    assert model.getCompartment("cell_surface").getSize() == model.getCompartment("intracellular").getSize()
    assert {"pAkt_frac", "GLUT4_pm_frac", "glucose_uptake"} <= set(insulin.readouts)
