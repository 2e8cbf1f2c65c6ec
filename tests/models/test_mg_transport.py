"""Physics of the Mg2+ transport model, checked against conservation laws, thermodynamics,
analytic solutions and published ranges (typed in below with their sources)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

import mgsignal as mg

TRANSPORTERS = ("TRPM7", "TRPM6", "MagT1", "SLC41A1", "MRS2", "SLC41A3")
F, R = 96485.33212, 8.314462618  # C/mol, J/(mol K): CODATA 2018


def _reduced_potential(millivolts: float, kelvin: float = 310.15, z: int = 2) -> float:
    return z * F * millivolts * 1e-3 / (R * kelvin)


# ---------------------------------------------------------------- default state vs literature

def test_default_steady_state_lies_in_the_literature_ranges(transport_state):
    s = transport_state
    assert 0.5 <= s["Mg_e"] <= 0.7          # plasma free Mg2+ 0.5-0.7 mM (Romani 2011, Arch Biochem Biophys 512:1)
    assert 0.5 <= s["Mg_c"] <= 1.2          # cytosolic free 0.5-1.2 mM
    assert 17 <= s["Mg_tot_c"] <= 20        # cytosolic total 17-20 mM
    assert 0.8 <= s["Mg_m"] <= 1.2          # matrix free 0.8-1.2 mM
    assert 17 <= s["Mg_tot_m"] <= 20        # matrix total 17-20 mM
    assert 3 <= s["ATP_tot_c"] <= 5         # cytosolic ATP 3-5 mM
    assert 0.01 <= s["Mg_c"] / s["Mg_tot_c"] <= 0.05 + 1e-9  # free is 1-5 % of total (JBMR 1998)


def test_binding_balances_at_steady_state(transport, transport_state):
    """Matrix and ligand binding sit at equilibrium (Kd); cytosolic MgATP is displaced by its
    turnover: kon (Mg ATP - Kd MgATP) = k_use MgATP, so Mg ATP / MgATP = Kd + k_use / kon."""
    s, kd = transport_state, transport_state["Kd_MgATP"]
    assert s["Mg_c"] * s["ATP_c"] / s["MgATP_c"] == pytest.approx(kd + s["k_ATP_use"] / s["kon_Mg"], rel=1e-7)
    assert s["Mg_m"] * s["ATP_m"] / s["MgATP_m"] == pytest.approx(kd, rel=1e-7)
    assert s["Mg_c"] * s["L_c"] / s["MgL_c"] == pytest.approx(s["Kd_L"], rel=1e-7)


def test_net_flux_across_each_membrane_is_zero_at_steady_state(transport_state):
    s = transport_state
    gross_pm = abs(s["J_TRPM7"]) + abs(s["J_TRPM6"]) + abs(s["J_MagT1"]) + abs(s["J_SLC41A1"])
    influx_pm = s["J_TRPM7"] + s["J_TRPM6"] + s["J_MagT1"]
    assert gross_pm > 1e-4  # transport is running, not idle
    assert abs(influx_pm - s["J_SLC41A1"]) < 1e-9 * gross_pm
    gross_imm = abs(s["J_MRS2"]) + abs(s["J_SLC41A3"])
    assert gross_imm > 1e-4
    assert abs(s["J_MRS2"] - s["J_SLC41A3"]) < 1e-9 * gross_imm


# ---------------------------------------------------------------- conservation

def test_total_mg_of_each_compartment_is_conserved_without_transport(transport):
    closed = {t: 0.0 for t in TRANSPORTERS}
    scenario = mg.Scenario(name="closed", changes={**closed, "Mg_c": 2.0, "Mg_m": 0.3, "L_c": 30.0},
                           phases=(mg.Phase(start=600, changes={"v_ATP_syn": 0.05}),))
    table = mg.simulate(transport, scenario, t_end=7200, n_points=200, rtol=1e-12, atol=1e-16,
                        outputs=["Mg_c", "MgATP_c", "MgL_c", "Mg_m", "MgATP_m", "MgL_m"])
    # independent of the model's own readouts: sum the species here
    total_c = table["Mg_c"] + table["MgATP_c"] + table["MgL_c"]
    total_m = table["Mg_m"] + table["MgATP_m"] + table["MgL_m"]
    assert np.ptp(table["Mg_c"]) > 0.1  # things do move (binding, ATP turnover)
    assert np.max(np.abs(total_c / total_c.iloc[0] - 1)) < 1e-9
    assert np.max(np.abs(total_m / total_m.iloc[0] - 1)) < 1e-9


# ---------------------------------------------------------------- rate laws vs hand calculation

def test_trpm7_flux_is_the_ghk_flux_times_the_mg_inhibition(transport_state):
    s = transport_state
    u = _reduced_potential(s["V_pm"])
    ghk = u * (s["Mg_e"] * math.exp(-u) - s["Mg_c"]) / (1 - math.exp(-u))
    expected = s["P_TRPM7"] * ghk / (1 + s["Mg_c"] / 0.6)  # IC50 0.6 mM (IUPHAR; Chokshi et al. 2012)
    assert s["J_TRPM7"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("reaction", ["J_TRPM7", "J_MagT1", "J_SLC41A1"])
def test_fluxes_vanish_at_electrochemical_equilibrium(transport, reaction):
    """Channels and carriers stop where the driving force is zero (Nernst / exchanger balance)."""
    s = mg.steady_state(transport, outputs=list(transport.outputs))
    u = _reduced_potential(s["V_pm"])
    if reaction == "J_SLC41A1":  # 1 Na+ in per Mg2+ out: Mg_c Na_e = Mg_e Na_c exp(-(2-1) F V / R T)
        mg_c = s["Mg_e"] * s["Na_c"] / s["Na_e"] * math.exp(-u / 2)
    else:  # Nernst: Mg_c = Mg_e exp(-zFV/RT)
        mg_c = s["Mg_e"] * math.exp(-u)
    state = mg.simulate(transport, mg.Scenario(name="eq", changes={"Mg_c": mg_c}), t_end=1e-9,
                        n_points=2, outputs=[reaction, "Mg_c"]).iloc[0]
    assert state["Mg_c"] == pytest.approx(mg_c, rel=1e-12)
    reference = mg.steady_state(transport, outputs=[reaction])[reaction]
    assert abs(state[reaction]) < 1e-9 * abs(reference)


# ---------------------------------------------------------------- responses

def _steady_mg_c(model, changes):
    return mg.steady_state(model, mg.Scenario(name="scan", changes=changes), outputs=["Mg_c"])["Mg_c"]


def test_raising_extracellular_mg_raises_cytosolic_free_mg_monotonically(transport):
    levels = np.linspace(0.2, 2.0, 10)
    mg_c = np.array([_steady_mg_c(transport, {"Mg_e": level}) for level in levels])
    assert np.all(np.diff(mg_c) > 0)


def test_trpm7_feedback_dampens_the_rise(transport, transport_state):
    """Open the loop at the same operating point: freeze TRPM7's inhibition at its resting value
    (IC50 -> huge, permeability scaled by the resting inhibition), so the baseline is unchanged."""
    s = transport_state
    resting_inhibition = 1 / (1 + s["Mg_c"] / s["IC50_TRPM7"])
    open_loop = {"IC50_TRPM7": 1e12, "P_TRPM7": s["P_TRPM7"] * resting_inhibition}
    assert _steady_mg_c(transport, open_loop) == pytest.approx(s["Mg_c"], rel=1e-6)
    rise_closed = _steady_mg_c(transport, {"Mg_e": 1.2}) - s["Mg_c"]
    rise_open = _steady_mg_c(transport, {**open_loop, "Mg_e": 1.2}) - s["Mg_c"]
    assert 0 < rise_closed < 0.9 * rise_open


def test_slc41a1_efflux_stops_without_extracellular_sodium(transport):
    """The efflux assay (Mg2+-free medium, Kolisek 2008): efflux with Na+, none without it."""
    def efflux(na_e):
        scenario = mg.Scenario(name="efflux", preequilibration={},
                               changes={"Mg_e": 0.0, "Na_e": na_e})
        return mg.simulate(transport, scenario, t_end=60, n_points=2, outputs=["J_SLC41A1"])["J_SLC41A1"]

    assert efflux(140.0).min() > 1e-3
    assert np.all(efflux(0.0) == 0.0)
    # with Mg2+ outside, removing Na+ leaves no efflux either (the 1:1 exchanger can only reverse)
    reversed_ = mg.simulate(transport, mg.Scenario(name="na_free", preequilibration={}, changes={"Na_e": 0.0}),
                            t_end=600, n_points=5, outputs=["J_SLC41A1"])["J_SLC41A1"]
    assert np.all(reversed_ < 0)


def test_atp_depletion_raises_cytosolic_free_mg(transport, transport_state):
    table = mg.simulate(transport, mg.load_scenario("atp_depletion"), n_points=241, outputs=["Mg_c", "ATP_tot_c"])
    after = table.loc[table.index > 3600]
    assert after["ATP_tot_c"].iloc[-1] == pytest.approx(1.0, rel=1e-3)  # v_syn / k_use = 0.05 / 0.05
    assert after["Mg_c"].max() > 1.1 * transport_state["Mg_c"]


def test_atp_depletion_in_a_closed_cell_matches_the_binding_equilibrium(transport, transport_state):
    """Transport off: free Mg2+ after ATP falls to 1 mM solves total = F + ATP F/(Kd+F) + L F/(KdL+F)."""
    s = transport_state
    closed = {t: 0.0 for t in TRANSPORTERS}
    scenario = mg.Scenario(name="closed_depletion", preequilibration={}, changes={**closed, "v_ATP_syn": 0.05})
    final = mg.simulate(transport, scenario, t_end=2000, n_points=2, rtol=1e-11, atol=1e-15,
                        outputs=["Mg_c"])["Mg_c"].iloc[-1]
    total = s["Mg_c"] + s["MgATP_c"] + s["MgL_c"]
    atp, kd, ligand, kd_l = 1.0, s["Kd_MgATP"], s["L_tot_c"], s["Kd_L"]
    expected = brentq(lambda f: f + atp * f / (kd + f) + ligand * f / (kd_l + f) - total, 1e-9, total)
    assert expected > 1.5 * s["Mg_c"]
    assert final == pytest.approx(expected, rel=1e-6)


def test_trpm6_expression_raises_cell_mg(transport, transport_state):
    epithelial = mg.steady_state(transport, mg.load_scenario("epithelial_trpm6"), outputs=["Mg_c", "J_TRPM6"])
    assert epithelial["J_TRPM6"] > 0
    assert epithelial["Mg_c"] > transport_state["Mg_c"]
    assert transport_state["J_TRPM6"] == 0.0


def test_trpm7_knockout_lowers_cell_mg(transport, transport_state):
    knockout = mg.steady_state(transport, mg.load_scenario("trpm7_knockout"), outputs=["Mg_c", "Mg_tot_c"])
    assert knockout["Mg_c"] < transport_state["Mg_c"]
    assert knockout["Mg_tot_c"] < transport_state["Mg_tot_c"]


def test_time_course_relaxes_to_the_steady_state_of_the_new_condition(transport):
    table = mg.simulate(transport, mg.load_scenario("hypomagnesaemia"), n_points=121, outputs=["Mg_c", "Mg_tot_c"])
    target = mg.steady_state(transport, mg.load_scenario("hypomagnesaemia"), outputs=["Mg_c", "Mg_tot_c"])
    assert table["Mg_c"].iloc[-1] == pytest.approx(target["Mg_c"], rel=1e-6)
    assert table["Mg_tot_c"].iloc[-1] == pytest.approx(target["Mg_tot_c"], rel=1e-6)
