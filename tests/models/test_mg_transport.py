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


def test_free_is_one_to_five_percent_of_total(transport_state):
    s = transport_state
    assert 0.01 <= s["Mg_c"] / s["Mg_tot_c"] <= 0.05 + 1e-9  # free is 1-5 % of total (JBMR 1998)


def test_binding_balances_at_steady_state(transport, transport_state):
    """Species that only bind sit at equilibrium (Kd): matrix MgATP, the ligand pools, MgPi.
    Cytosolic MgATP is displaced by its turnover: at steady state its binding flux equals its net
    use, kon (Mg ATP - Kd MgATP) = k_use MgATP - synthesis from MgADP - adenylate and creatine
    kinase, each computed here from the rate laws at 37 degC."""
    s, kd = transport_state, transport_state["Kd_MgATP"]
    assert s["Mg_m"] * s["ATP_m"] / s["MgATP_m"] == pytest.approx(kd, rel=1e-7)
    assert s["Mg_c"] * s["L_c"] / s["MgL_c"] == pytest.approx(s["Kd_L"], rel=1e-7)
    assert s["Mg_m"] * s["L_m"] / s["MgL_m"] == pytest.approx(s["Kd_L"], rel=1e-7)
    assert s["Mg_c"] * s["Pi_c"] / s["MgPi_c"] == pytest.approx(s["Kd_MgPi"], rel=1e-7)
    binding = s["kon_Mg"] * (s["Mg_c"] * s["ATP_c"] - kd * s["MgATP_c"])
    use = s["k_ATP_use"] * s["MgATP_c"]
    pi_factor = s["Pi_c"] / (s["K_Pi_syn"] + s["Pi_c"]) * (s["K_Pi_syn"] + s["Pi_ref_syn"]) / s["Pi_ref_syn"]
    synthesis = s["v_ATP_syn"] * pi_factor * s["MgADP_c"] / (s["K_ADP_syn"] + s["ADP_c"] + s["MgADP_c"])
    adenylate_kinase = s["k_AK"] * (s["ADP_c"] * s["MgADP_c"] - s["MgATP_c"] * s["AMP_c"] / s["K_AK"])
    creatine_kinase = s["k_CK"] * (s["PCr_c"] * s["MgADP_c"] - s["Cr_c"] * s["MgATP_c"] / s["K_CK"])
    assert binding > 0.01 * use  # the displacement is real, not rounding
    assert binding == pytest.approx(use - synthesis - adenylate_kinase - creatine_kinase, rel=1e-6)


def test_atp_synthesis_needs_pi_so_pi_never_goes_negative(transport, transport_state):
    """Synthesis turns ADP + Pi into ATP and is hyperbolic in free Pi (K_Pi_syn). When ATP use
    slows to half in a cell with a creatine pool (25 mM, as in heart), synthesis and creatine kinase
    turn creatine and Pi into phosphocreatine faster than the medium resupplies Pi (here not at
    all: P_Pi = 0); synthesis slows as Pi runs low instead of driving Pi negative (before it
    depended on Pi, a case found by the property tests reached -0.72 mM within 10 s)."""
    slower = 0.5 * transport_state["k_ATP_use"]
    scenario = mg.Scenario(name="slower_use", preequilibration={"Cr_tot_c": 25.0}, changes={"P_Pi": 0.0},
                           phases=(mg.Phase(start=30.0, changes={"k_ATP_use": slower}),))
    table = mg.simulate(transport, scenario, t_end=1800.0, n_points=181,
                        outputs=["Pi_c", "MgPi_c", "ADP_c", "MgADP_c", "ATP_c", "MgATP_c", "AMP_c", "PCr_c"])
    assert table["Pi_c"].min() > 0 and table["MgPi_c"].min() > 0
    assert table["Pi_c"].iloc[-1] < 0.5 * table["Pi_c"].iloc[0]  # Pi was used up to make ATP and PCr
    assert table["PCr_c"].iloc[-1] > table["PCr_c"].iloc[0]
    # phosphate in Pi, ADP (1 more than AMP), ATP (2 more) and PCr is conserved without exchange
    phosphate = (table["Pi_c"] + table["MgPi_c"] + table["ADP_c"] + table["MgADP_c"]
                 + 2 * (table["ATP_c"] + table["MgATP_c"]) + table["PCr_c"])
    np.testing.assert_allclose(phosphate, phosphate.iloc[0], rtol=1e-6)


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
                        outputs=["Mg_c", "MgATP_c", "MgADP_c", "MgPi_c", "MgL_c", "Mg_m", "MgATP_m", "MgL_m"])
    # independent of the model's own readouts: sum the species here
    total_c = table["Mg_c"] + table["MgATP_c"] + table["MgADP_c"] + table["MgPi_c"] + table["MgL_c"]
    total_m = table["Mg_m"] + table["MgATP_m"] + table["MgL_m"]
    assert np.ptp(table["Mg_c"]) > 0.1  # things do move (binding, ATP turnover)
    assert np.max(np.abs(total_c / total_c.iloc[0] - 1)) < 1e-9
    assert np.max(np.abs(total_m / total_m.iloc[0] - 1)) < 1e-9


# ---------------------------------------------------------------- rate laws vs hand calculation

def test_trpm7_flux_is_the_ghk_flux_times_the_mg_and_mgatp_inhibition_and_pore_saturation(transport_state):
    s = transport_state
    u = _reduced_potential(s["V_pm"])
    ghk = u * (s["Mg_e"] * math.exp(-u) - s["Mg_c"]) / (1 - math.exp(-u))
    # low-affinity Mg2+ site 165 uM (Chokshi, Matsushita & Kozak 2012); MgATP half-inhibition 3 mM (assumed)
    inhibition = 1 / ((1 + s["Mg_c"] / 0.165) * (1 + s["MgATP_c"] / 3.0))
    # at steady state the slow uptake factor sits at its target reg_max / (1 + (Mg_c / K_reg)^2)
    regulation = s["reg_max_uptake"] / (1 + (s["Mg_c"] / s["K_reg_uptake"]) ** 2)
    assert s["uptake_reg"] == pytest.approx(regulation, rel=1e-7)
    # permeation saturates with outside Mg2+ (one pore site), normalised to 1 at 1 mM outside
    saturation = (s["K_perm_TRPM7"] + 1.0) / (s["K_perm_TRPM7"] + s["Mg_e"])
    assert s["J_TRPM7"] == pytest.approx(s["P_TRPM7"] * regulation * ghk * inhibition * saturation, rel=1e-6)


@pytest.mark.parametrize("reaction", ["J_TRPM7", "J_MagT1", "J_SLC41A1"])
def test_fluxes_vanish_at_electrochemical_equilibrium(transport, reaction):
    """Channels and carriers stop where the driving force is zero (Nernst / exchanger balance)."""
    s = mg.steady_state(transport, outputs=list(transport.outputs))
    u = _reduced_potential(s["V_pm"])
    if reaction == "J_SLC41A1":
        # 2 Na+ in per Mg2+ out, electroneutral: Mg_c Na_e^2 = Mg_e Na_c^2 at any potential. The
        # medium Mg2+ that balances the resting cell (the regulatory factors are non-zero there)
        changes = {"Mg_c": s["Mg_c"], "Mg_e": s["Mg_c"] * (s["Na_e"] / s["Na_c"]) ** 2}
    else:  # Nernst: Mg_c = Mg_e exp(-zFV/RT)
        changes = {"Mg_c": s["Mg_e"] * math.exp(-u)}
    state = mg.simulate(transport, mg.Scenario(name="eq", changes=changes), t_end=1e-9,
                        n_points=2, outputs=[reaction, "Mg_c"]).iloc[0]
    assert state["Mg_c"] == pytest.approx(changes["Mg_c"], rel=1e-9)
    reference = mg.steady_state(transport, outputs=[reaction])[reaction]
    assert abs(state[reaction]) < 1e-9 * abs(reference)


# ---------------------------------------------------------------- responses

def _steady_mg_c(model, changes):
    return mg.steady_state(model, mg.Scenario(name="scan", changes=changes), outputs=["Mg_c"])["Mg_c"]


def test_raising_extracellular_mg_raises_cytosolic_free_mg_monotonically(transport):
    levels = np.linspace(0.2, 2.0, 10)
    mg_c = np.array([_steady_mg_c(transport, {"Mg_e": level}) for level in levels])
    assert np.all(np.diff(mg_c) > 0)


def test_the_efflux_set_point_dampens_the_rise(transport, transport_state):
    """Open the loop at the same operating point: freeze SLC41A1's allosteric activation by
    cytosolic Mg2+ at its resting value (Hill coefficient 0, Vmax scaled by the resting
    activation), so the baseline is unchanged; the set point is what bounds Mg loading."""
    s = transport_state
    x = (s["Mg_c"] / s["K_act_SLC41A1"]) ** s["h_act_SLC41A1"]
    open_loop = {"h_act_SLC41A1": 0.0, "Vmax_SLC41A1": s["Vmax_SLC41A1"] * 2 * x / (1 + x)}
    assert _steady_mg_c(transport, open_loop) == pytest.approx(s["Mg_c"], rel=1e-6)
    rise_closed = _steady_mg_c(transport, {"Mg_e": 5.0}) - s["Mg_c"]
    rise_open = _steady_mg_c(transport, {**open_loop, "Mg_e": 5.0}) - s["Mg_c"]
    assert 0 < rise_closed < 0.5 * rise_open


def test_loading_and_mg_free_medium_stay_bounded(transport, transport_state):
    """Cells in Mg-free medium keep most of their Mg for hours (Dai & Quamme 1991, J Clin Invest
    88:1255, MDCK: total Mg falls by ~10-20 % over 16 h) and high medium Mg2+ barely moves free
    Mg2+ (Gasser et al. 2005, papillary muscle: free Mg2+ rises by ~0.1-0.3 mM from 1 to 10 mM
    medium Mg2+): the cell neither empties nor loads without bound."""
    s = transport_state
    free = mg.simulate(transport, mg.Scenario(name="mg_free", preequilibration={}, changes={"Mg_e": 0.0}),
                       t_end=3 * 3600, n_points=4, outputs=["Mg_c", "Mg_tot_c"])
    assert free["Mg_tot_c"].iloc[-1] > 0.9 * s["Mg_tot_c"]
    assert free["Mg_c"].iloc[-1] > 0.5 * s["Mg_c"]
    loaded = mg.steady_state(transport, mg.Scenario(name="mg_10", changes={"Mg_e": 10.0}),
                             outputs=["Mg_c", "Mg_m", "Mg_tot_c"])
    assert loaded["Mg_c"] < 1.3 * s["Mg_c"]
    assert loaded["Mg_m"] < 1.3 * s["Mg_m"]
    assert loaded["Mg_tot_c"] < 1.1 * s["Mg_tot_c"]


def test_slc41a1_efflux_stops_without_extracellular_sodium(transport):
    """The efflux assay (Mg2+-free medium, Kolisek 2008): efflux with Na+, none without it."""
    def efflux(na_e):
        scenario = mg.Scenario(name="efflux", preequilibration={},
                               changes={"Mg_e": 0.0, "Na_e": na_e})
        return mg.simulate(transport, scenario, t_end=60, n_points=2, outputs=["J_SLC41A1"])["J_SLC41A1"]

    assert efflux(140.0).min() > 0.5 * efflux(140.0).max() > 0
    assert np.all(efflux(0.0) == 0.0)
    # with Mg2+ outside, removing Na+ stops the exchanger in both directions: it is activated by
    # extracellular Na+ (Hill 3, half-maximal at 30 mM; Tashiro & Konishi 1997), so it cannot reverse
    na_free = mg.simulate(transport, mg.Scenario(name="na_free", preequilibration={}, changes={"Na_e": 0.0}),
                          t_end=600, n_points=5, outputs=["J_SLC41A1"])["J_SLC41A1"]
    assert np.all(na_free == 0.0)
    low_na = mg.simulate(transport, mg.Scenario(name="na_15", preequilibration={}, changes={"Na_e": 15.0}),
                         t_end=600, n_points=5, outputs=["J_SLC41A1"])["J_SLC41A1"]
    assert 0 < low_na.iloc[0] < 0.25 * efflux(140.0).iloc[0]  # (15/30)^3 / (1 + (15/30)^3) = 11 % activation


def test_atp_depletion_raises_cytosolic_free_mg_and_keeps_it_up(transport, transport_state):
    """Metabolic inhibition releases the Mg2+ bound to ATP; with MgATP gone SLC41A1 efflux stops,
    so free Mg2+ stays up (Tashiro, Inoue & Konishi 2009, Biophys J 96:4941: 0.9 -> 2.5 mM within
    5-8 min of FCCP; efflux -90 %)."""
    table = mg.simulate(transport, mg.load_scenario("atp_depletion"), n_points=241,
                        outputs=["Mg_c", "ATP_tot_c", "J_SLC41A1"])
    after = table.loc[table.index > 3600]
    assert after["ATP_tot_c"].iloc[-1] < 0.01 * transport_state["ATP_tot_c"]
    five_minutes = after["Mg_c"].loc[after.index >= 3900].iloc[0]
    assert five_minutes > 2 * transport_state["Mg_c"]
    assert after["Mg_c"].iloc[-1] >= five_minutes  # no fall back
    assert after["J_SLC41A1"].iloc[-1] < 0.1 * transport_state["J_SLC41A1"]


def test_atp_depletion_in_a_closed_cell_conserves_mg_phosphate_and_adenine(transport, transport_state):
    """Transport, phosphate exchange and synthesis off: ATP is used up to ADP, AMP and Pi. Total
    Mg, total phosphate (Pi + 2 ATP + ADP + PCr) and the adenine pool (ATP + ADP + AMP) are
    conserved, and the Mg2+ released sets a free Mg2+ that solves the binding equilibria
    total = F + ATP F/(Kd+F) + ADP F/(Kd_ADP+F) + Pi F/(Kd_Pi+F) + L F/(Kd_L+F)."""
    s = transport_state
    closed = {t: 0.0 for t in TRANSPORTERS}
    scenario = mg.Scenario(name="closed_depletion", preequilibration={},
                           changes={**closed, "P_Pi": 0.0, "v_ATP_syn": 0.0})
    table = mg.simulate(transport, scenario, t_end=20000, n_points=50, rtol=1e-11, atol=1e-15,
                        outputs=["Mg_c", "MgATP_c", "MgADP_c", "MgPi_c", "MgL_c", "ATP_tot_c", "ADP_tot_c",
                                 "AMP_c", "Pi_tot_c", "PCr_c"])
    total = table["Mg_c"] + table["MgATP_c"] + table["MgADP_c"] + table["MgPi_c"] + table["MgL_c"]
    phosphate = table["Pi_tot_c"] + 2 * table["ATP_tot_c"] + table["ADP_tot_c"] + table["PCr_c"]
    adenine = table["ATP_tot_c"] + table["ADP_tot_c"] + table["AMP_c"]
    for pool in (total, phosphate, adenine):
        assert np.max(np.abs(pool / pool.iloc[0] - 1)) < 1e-8
    final = table.iloc[-1]
    assert final["ATP_tot_c"] < 0.01 * s["ATP_tot_c"]
    pools = [(final["ATP_tot_c"], s["Kd_MgATP"]), (final["ADP_tot_c"], s["Kd_MgADP"]),
             (final["Pi_tot_c"], s["Kd_MgPi"]), (s["L_tot_c"], s["Kd_L"])]
    expected = brentq(lambda f: f + sum(n * f / (kd + f) for n, kd in pools) - total.iloc[-1], 1e-9, total.iloc[-1])
    assert expected > 1.5 * s["Mg_c"]
    assert final["Mg_c"] == pytest.approx(expected, rel=1e-3)


def test_mg_pi_exchange_vanishes_at_its_equilibrium_and_follows_medium_pi(transport):
    """The perfused heart's Mg2+/Pi exchange (Masuda 2003), taken as electroneutral: zero where
    Mg_c Pi_e = Mg_e Pi_c; Mg2+ leaves when medium Pi rises and enters when it falls. Off in
    the generic cell."""
    heart = {"MgPi_exchange": 1.0, "Mg_e": 1.2, "Pi_e": 1.2}

    def flux(changes):
        scenario = mg.Scenario(name="mgpi", changes={**heart, **changes})
        return mg.simulate(transport, scenario, t_end=1e-9, n_points=2, outputs=["J_MgPi"])["J_MgPi"].iloc[0]

    assert abs(flux({"Mg_c": 0.9, "Pi_c": 0.9})) < 1e-15  # 0.9 x 1.2 = 1.2 x 0.9
    assert flux({"Mg_c": 0.9, "Pi_c": 0.9, "Pi_e": 5.0}) > 0 > flux({"Mg_c": 0.9, "Pi_c": 2.0})
    assert mg.steady_state(transport, outputs=["J_MgPi"])["J_MgPi"] == 0.0


def test_acidosis_lowers_the_mg_affinity_of_atp_adp_and_phosphate(transport, transport_state):
    """H+ competes with Mg2+ (pKa 6.465, 6.329, 6.653 at I = 0.25 M; Alberty 2003): in a cell
    without transport brought to pH 6.2 the apparent MgPi Kd is (1 + 10^0.453)/(1 + 10^-0.547)
    = 3.04 times that at 7.2, and the Mg2+ released raises free Mg2+ (total Mg unchanged)."""
    closed = {t: 0.0 for t in TRANSPORTERS}
    table = mg.simulate(transport, mg.Scenario(name="acid", preequilibration={}, changes={**closed, "pH_set": 6.2}),
                        t_end=7200, n_points=3, rtol=1e-10, atol=1e-14,
                        outputs=["Mg_c", "Pi_c", "MgPi_c", "pH_c", "Mg_tot_c"])
    final = table.iloc[-1]
    assert final["pH_c"] == pytest.approx(6.2, abs=1e-6)  # relaxed at 0.25 /min (Garlick 1979)
    factor = (1 + 10 ** (6.653 - 6.2)) / (1 + 10 ** (6.653 - 7.2))
    assert final["Mg_c"] * final["Pi_c"] / final["MgPi_c"] == pytest.approx(transport_state["Kd_MgPi"] * factor,
                                                                          rel=1e-4)
    assert final["Mg_c"] > 1.1 * transport_state["Mg_c"]
    assert final["Mg_tot_c"] == pytest.approx(table["Mg_tot_c"].iloc[0], rel=1e-8)


def test_growth_dilutes_mg_and_keeps_the_other_pools(transport):
    """A dividing cell (mu_growth = ln 2 / doubling time) loses Mg at mu without transport; ligands
    and the adenine nucleotide pool are kept by biosynthesis."""
    mu = 1e-5
    closed = {t: 0.0 for t in TRANSPORTERS}
    table = mg.simulate(transport, mg.Scenario(name="growth", preequilibration={},
                                               changes={**closed, "mu_growth": mu}),
                        t_end=36000, n_points=5, rtol=1e-11, atol=1e-15,
                        outputs=["Mg_tot_c", "Mg_tot_m", "L_c", "MgL_c", "ATP_tot_c", "ADP_tot_c", "AMP_c"])
    decay = math.exp(-mu * 36000)
    assert table["Mg_tot_c"].iloc[-1] / table["Mg_tot_c"].iloc[0] == pytest.approx(decay, rel=1e-6)
    assert table["Mg_tot_m"].iloc[-1] / table["Mg_tot_m"].iloc[0] == pytest.approx(decay, rel=1e-6)
    ligand = table["L_c"] + table["MgL_c"]
    adenine = table["ATP_tot_c"] + table["ADP_tot_c"] + table["AMP_c"]
    for pool in (ligand, adenine):
        assert np.max(np.abs(pool / pool.iloc[0] - 1)) < 1e-8


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
    # the slow adaptation of uptake (time constant 1.5 h) leaves ~1e-6 of the way at the scenario's end
    assert table["Mg_c"].iloc[-1] == pytest.approx(target["Mg_c"], rel=5e-6)
    assert table["Mg_tot_c"].iloc[-1] == pytest.approx(target["Mg_tot_c"], rel=5e-6)


def test_the_low_mg_scenarios_of_the_signalling_modules_carry_this_models_deficient_state(transport):
    """insulin_step_low_mg and camp_isoproterenol_low_mg say they hold this model's free Mg2+ and
    MgATP after 12 h in Mg2+-free medium (to the 2 decimals they are written with)."""
    deficient = mg.simulate(transport, mg.Scenario(name="mg_free", changes={"Mg_e": 0.0}), t_end=12 * 3600.0,
                            n_points=2, outputs=["Mg_c", "MgATP_c"]).iloc[-1]
    for values in (mg.load_scenario("insulin_step_low_mg").changes,
                   mg.load_scenario("camp_isoproterenol_low_mg").preequilibration):
        assert values["Mg_c"] == pytest.approx(deficient["Mg_c"], abs=0.005)
        assert values["MgATP_c"] == pytest.approx(deficient["MgATP_c"], abs=0.005)
