"""The neuron model (models/neuron.ant): validity, annotations, resting potential, NMDA receptor
gating and Mg2+ block, Ca2+ entry, checked against hand calculations, the Python Nernst/GHK
functions and published values (typed in below with their sources)."""

from __future__ import annotations

import math

import libsbml
import numpy as np
import pytest
from scipy.optimize import brentq

import mgsignal as mg
from mgsignal.biophysics import ghk_current, nernst_potential
from mgsignal.build import models_dir

from ..conftest import annotation_uris

F, R = 96485.33212, 8.314462618  # C/mol, J/(mol K): CODATA 2018
REST = ["V", "I_membrane", "I_K_leak", "I_Na_leak", "I_Cl_leak", "I_NaK", "I_NMDA", "J_K_net",
        "J_Na_net", "Ca_c", "CaBuf_c", "E_K", "E_Na", "E_Cl", "E_NMDA", "V_GHK", "NMDA_unblocked"]


@pytest.fixture(scope="module")
def params() -> dict[str, float]:
    table = mg.parameter_table(models_dir() / "neuron.ant")
    return dict(zip(table["id"], table["value"]))


@pytest.fixture(scope="module")
def rest(neuron):
    """The default state after 2 s (the cell starts at rest; 2 s >> the 30 ms membrane time constant)."""
    return mg.simulate(neuron, t_end=2.0, n_points=3, outputs=REST).iloc[-1]


def _at(table, time):
    """The row of ``table`` nearest to ``time`` (float index)."""
    return table.iloc[int(np.argmin(np.abs(table.index.to_numpy() - time)))]


def _clamped(neuron, v_hold, *, outputs, t_end=3.0, **changes):
    scenario = mg.Scenario(name="clamp", changes={"clamp": 1.0, "V_hold": v_hold, **changes})
    return mg.simulate(neuron, scenario, t_end=t_end, n_points=2, outputs=outputs).iloc[-1]


# ---------------------------------------------------------------- validity and annotations

def test_valid_sbml_with_units_and_time_in_seconds(neuron):
    assert mg.validate_file(models_dir() / "neuron.ant") == []
    document = libsbml.readSBMLFromString(neuron.sbml)
    assert document.getModel().getTimeUnits() == "second"
    for sid in ("V", "I_NMDA", "NMDA_open", "NMDA_unblocked", "Ca_influx_NMDA", "E_K"):
        assert sid in neuron.readouts
        assert neuron.units[sid], sid
    for sid in ("Mg_e", "K_e"):          # the quantities the rest of mgsignal sets
        assert sid in neuron.boundary_species and sid in neuron.settable
    assert neuron.units["Mg_e"] in ("mM", "fmol/pL")


def test_annotations_use_chebi_uniprot_and_go():
    model = libsbml.readSBMLFromString((models_dir() / "neuron.xml").read_text()).getModel()

    def uris(sid):
        return annotation_uris(model, sid)

    chebi = {"K_e": 29103, "K_c": 29103, "Na_e": 29101, "Na_c": 29101, "Cl_e": 17996,
             "Cl_c": 17996, "Ca_e": 29108, "Ca_c": 29108, "Mg_e": 18420, "Glu_e": 29985,
             "Asp_e": 29991, "Gly_e": 57305, "DSer_e": 16523}
    for sid, number in chebi.items():
        assert f"https://identifiers.org/CHEBI:{number}" in uris(sid), sid
    assert "https://identifiers.org/uniprot/Q05586" in uris("NMDAR")  # GRIN1 (GluN1)
    assert "https://identifiers.org/uniprot/P42262" in uris("AMPAR")  # GRIA2 (GluA2)
    for compartment in model.getListOfCompartments():
        assert any(u.startswith("https://identifiers.org/GO:") for u in uris(compartment.getId()))
    assert model.getCompartment("pm").getSpatialDimensions() == 2


# ---------------------------------------------------------------- resting state

def test_resting_potential_and_ion_balance(rest):
    assert rest["V"] == pytest.approx(-70.0, abs=1.0)          # ~ -70 mV (Hille 2001, Ion Channels of Excitable Membranes)
    assert rest["E_K"] < rest["V"] < rest["E_Na"]
    assert abs(rest["I_membrane"]) < 1e-3                       # fA: at rest no net current
    k_leak_flux = rest["I_K_leak"] / F                         # fmol/s
    assert abs(rest["J_K_net"]) < 2e-3 * k_leak_flux            # the pump returns what leaks out
    assert abs(rest["J_Na_net"]) < 2e-3 * k_leak_flux
    assert rest["I_NaK"] == pytest.approx(k_leak_flux * F / 2, rel=2e-3)  # 2 K+ per net charge
    assert rest["Ca_c"] == pytest.approx(1e-4, rel=0.02)        # 100 nM
    assert abs(rest["I_NMDA"]) < 1e-12                           # no agonist, no current (fA)
    # Cl- is passively distributed at rest
    assert rest["E_Cl"] == pytest.approx(rest["V"], abs=0.1)


def test_resting_potential_is_the_zero_of_the_ghk_and_pump_currents(rest, params):
    """Independent solution: GHK currents from the Python functions plus the pump current written
    out by hand; the model's resting potential must be their zero."""
    p, kelvin = params, params["temperature"]
    pump = F * p["J_NaK_max"] * (p["Na_c"] / (p["Na_c"] + p["K_Na_NaK"])) ** 3 \
        * (p["K_e"] / (p["K_e"] + p["K_K_NaK"])) ** 2

    def total(v):
        return (ghk_current(v, permeability=p["P_K_leak"], c_out=p["K_e"], c_in=p["K_c"], z=1, temperature=kelvin)
                + ghk_current(v, permeability=p["P_Na_leak"], c_out=p["Na_e"], c_in=p["Na_c"], z=1, temperature=kelvin)
                + ghk_current(v, permeability=p["P_Cl_leak"], c_out=p["Cl_e"], c_in=p["Cl_c"], z=-1, temperature=kelvin)
                + pump)

    assert rest["V"] == pytest.approx(brentq(total, -100.0, 0.0, xtol=1e-12), abs=1e-4)
    assert rest["I_K_leak"] == pytest.approx(ghk_current(rest["V"], permeability=p["P_K_leak"], c_out=5.0,
                                                         c_in=140.0, z=1), rel=1e-9)
    # the pump makes the cell a few mV more negative than the GHK (leak-only) potential
    assert -6.0 < rest["V"] - rest["V_GHK"] < -1.0


def test_nernst_readouts_follow_concentrations_and_temperature(neuron, rest):
    assert rest["E_K"] == pytest.approx(R * 310.15 / F * 1000 * math.log(5 / 140), rel=1e-9)  # -89.06 mV
    cold = mg.simulate(neuron, mg.Scenario(name="20C", changes={"temperature": 293.15}), t_end=0.5,
                       n_points=2, outputs=["E_K", "E_Na"]).iloc[-1]
    assert cold["E_K"] == pytest.approx(R * 293.15 / F * 1000 * math.log(5 / 140), rel=1e-9)  # -84.18 mV
    assert cold["E_Na"] == pytest.approx(nernst_potential(140.0, 10.0, z=1, temperature=293.15), rel=1e-9)


def test_capacitor_equation_and_electrical_units(neuron):
    """C dV/dt = I_inject - I_membrane: a -5 pA step into a cell at rest starts to hyperpolarise it
    at -5000 fA / 100 pF = -50 mV/s, and it settles at the potential where the membrane current
    equals the injected current."""
    scenario = mg.Scenario(name="step", phases=(mg.Phase(start=0.25, changes={"I_inject": -5000.0}),))
    table = mg.simulate(neuron, scenario, t_end=1.25, n_points=6251, outputs=["V", "I_membrane"])
    v0 = _at(table, 0.25)["V"]
    slope = (_at(table, 0.2502)["V"] - v0) / 0.0002  # 0.2 ms output interval
    assert slope == pytest.approx(-50.0, rel=0.01)
    assert table["I_membrane"].iloc[-1] == pytest.approx(-5000.0, rel=1e-4)
    assert -90 < table["V"].iloc[-1] < v0 - 1.0


# ---------------------------------------------------------------- NMDA receptor

def test_clamp_switch_holds_the_potential_exactly(neuron):
    state = _clamped(neuron, -33.0, outputs=["V", "NMDA_unblocked"], t_end=0.5)
    assert state["V"] == -33.0
    assert state["NMDA_unblocked"] == pytest.approx(1 / (1 + 1.0 / 3.57 * math.exp(0.062 * 33)), rel=1e-12)


@pytest.mark.parametrize("agonist, ec50", [("Glu_e", 2.3e-3), ("Asp_e", 0.015)])
def test_half_of_the_liganded_receptors_at_the_ec50(neuron, params, agonist, ec50):
    """At the EC50 (Patneau & Mayer 1990) the fully liganded fraction is half its maximum, whatever the
    co-agonist: open = Po_max x 1/2 x q_gly^2 with q_gly from the two-site glycine binding."""
    kd_gly = params["EC50_Gly_NMDA"] * (math.sqrt(2) - 1)
    q_gly = (0.01 / kd_gly) / (1 + 0.01 / kd_gly)
    state = _clamped(neuron, -70.0, outputs=["NMDA_open", "NMDA_liganded"], **{agonist: ec50})
    assert state["NMDA_liganded"] == pytest.approx(0.5 * q_gly ** 2, rel=1e-6)
    assert state["NMDA_open"] == pytest.approx(params["Po_max_NMDA"] * 0.5 * q_gly ** 2, rel=1e-6)


def test_d_serine_replaces_glycine_and_no_coagonist_means_no_current(neuron):
    with_dser = _clamped(neuron, -40.0, outputs=["I_NMDA"], Glu_e=0.1, Gly_e=0.0, DSer_e=0.01)
    with_gly = _clamped(neuron, -40.0, outputs=["I_NMDA"], Glu_e=0.1)
    without = _clamped(neuron, -40.0, outputs=["I_NMDA"], Glu_e=0.1, Gly_e=0.0)
    assert with_dser["I_NMDA"] == pytest.approx(with_gly["I_NMDA"], rel=1e-6)  # equipotent by assumption
    assert with_gly["I_NMDA"] < -50_000 and without["I_NMDA"] == 0.0


@pytest.mark.parametrize("v", [-100.0, -70.0, -40.0, 0.0, 40.0])
def test_kinetic_block_option_settles_at_its_rate_constants(neuron, v):
    """k_b = 0.61 /ms/mM e^(-V/17 mV), k_u = 5.4 /ms e^(V/47 mV) (cf. Ascher & Nowak 1988): steady unblocked
    fraction k_u / (k_u + k_b [Mg]o)."""
    kb, ku = 0.61 * math.exp(-v / 17.0), 5.4 * math.exp(v / 47.0)
    state = _clamped(neuron, v, outputs=["NMDA_unblocked"], t_end=0.1, mg_block_kinetic=1.0, Mg_e=1.0)
    assert state["NMDA_unblocked"] == pytest.approx(ku / (ku + kb), rel=1e-6)


def test_single_channel_conductance_and_reversal(neuron, params):
    """Mg2+-free: I = N gamma open (V - E), with gamma 50 pS (seed) and E from the GHK voltage
    equation of the pore (P_K = P_Na), about 0 mV."""
    state = _clamped(neuron, -60.0, outputs=["I_NMDA", "NMDA_open", "E_NMDA"], Glu_e=0.1, Mg_e=0.0)
    e_rev = R * 310.15 / F * 1000 * math.log((140 + 5) / (10 + 140))
    assert state["E_NMDA"] == pytest.approx(e_rev, rel=1e-9) and abs(e_rev) < 5.0
    expected = params["NMDAR"] * 50.0 * state["NMDA_open"] * (-60.0 - e_rev)  # pS x mV = fA
    assert state["I_NMDA"] == pytest.approx(expected, rel=1e-9)


def test_calcium_carries_the_stated_fraction_of_the_current_at_minus_60_mV(neuron):
    at_pf = _clamped(neuron, -60.0, outputs=["I_NMDA", "Ca_influx_NMDA"], Glu_e=0.1)
    assert 2 * F * at_pf["Ca_influx_NMDA"] == pytest.approx(0.1 * -at_pf["I_NMDA"], rel=1e-9)
    # at +40 mV the net current is outward, yet Ca2+ still enters (GHK, E_Ca ~ +130 mV)
    depolarised = _clamped(neuron, 40.0, outputs=["I_NMDA", "Ca_influx_NMDA"], Glu_e=0.1)
    assert depolarised["I_NMDA"] > 0 and depolarised["Ca_influx_NMDA"] > 0


def test_deactivation_after_glutamate_removal_takes_about_100_ms(neuron):
    """Glutamate unbinding (k_off = k_on Kd ~ 5 /s, Clements & Westbrook 1991) sets the decay."""
    scenario = mg.Scenario(name="pulse", changes={"clamp": 1.0, "V_hold": -60.0, "Mg_e": 0.0, "Glu_e": 0.1},
                           phases=(mg.Phase(start=2.0, changes={"Glu_e": 0.0}),))
    table = mg.simulate(neuron, scenario, t_end=3.0, n_points=1001, outputs=["I_NMDA"])
    peak = _at(table, 2.0)["I_NMDA"]
    after = table["I_NMDA"].loc[1.9999:]
    half_time = after.index[np.argmax(after.to_numpy() > peak / 2)] - 2.0
    assert 0.03 < half_time < 0.3


# ---------------------------------------------------------------- scenarios

def test_neuron_scenarios_run(neuron):
    names = [n for n in mg.available_scenarios() if n.startswith("neuron_")]
    assert {"neuron_aspartate_at_rest", "neuron_coincidence", "neuron_low_mg", "neuron_high_k"} <= set(names)
    peak = {}
    for name in names:
        table = mg.simulate(neuron, mg.load_scenario(name), n_points=251, outputs=["V", "Ca_c"])
        peak[name] = table.max()
    assert peak["neuron_coincidence"]["Ca_c"] > peak["neuron_aspartate_at_rest"]["Ca_c"]
    assert peak["neuron_low_mg"]["Ca_c"] > peak["neuron_aspartate_at_rest"]["Ca_c"]
    assert peak["neuron_high_k"]["V"] > -62.0
