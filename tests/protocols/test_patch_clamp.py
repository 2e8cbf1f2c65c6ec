"""Virtual whole-cell patch clamp: the seed's voltage-clamp protocol and current-clamp
experiments, checked against Jahr & Stevens 1990, analytic I-V properties, mass balance and the
published values (typed in below with their sources)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.optimize import brentq

import mgsignal as mg
from mgsignal.errors import InvalidInputError, UnknownIdError
from mgsignal.biophysics import ghk_potential
from mgsignal.protocols.patch_clamp import (ACSF, ACSF_MG_FREE, PIPETTE_SOLUTION, Solution,
                                              agonist_ec50, coincidence_experiment, current_clamp,
                                              agonist_dose_response, excitotoxic_load, plot_current_clamp,
                                              plot_iv, voltage_clamp)

SWEEP = np.arange(-100.0, 60.0 + 1e-9, 5.0)  # mV


@pytest.fixture(scope="module")
def iv_mg(neuron):
    return voltage_clamp(neuron, holding_potentials=SWEEP)


@pytest.fixture(scope="module")
def iv_mg_free(neuron):
    return voltage_clamp(neuron, holding_potentials=SWEEP, bath=ACSF_MG_FREE)


# ---------------------------------------------------------------- solutions

def test_preset_solutions_by_hand():
    # aCSF: Na 125 + 1.25 + 25; Cl 125 + 2.5 + 2x2 + 2x1; K 2.5; Ca 2; Mg 1 (the aCSF preset)
    assert ACSF.ions() == pytest.approx({"Na": 151.25, "Cl": 133.5, "K": 2.5, "Ca": 2.0, "Mg": 1.0})
    # pipette: K 130; Na 5 + 0.4; Cl 5 + 2x1; Mg 1 + 4 (MgATP, total)
    assert PIPETTE_SOLUTION.ions() == pytest.approx({"K": 130.0, "Na": 5.4, "Cl": 7.0, "Mg": 5.0})
    assert ACSF_MG_FREE.ions()["Mg"] == 0.0 and ACSF.ions()["Mg"] == 1.0  # a copy, not a change
    with pytest.raises(TypeError):
        ACSF.components["KCl"] = 10.0  # presets are read-only data
    with pytest.raises(UnknownIdError, match="did you mean 'NaCl'"):
        Solution(name="bad", components={"NaCL": 1.0})
    with pytest.raises(InvalidInputError):
        Solution(name="bad", components={"NaCl": -1.0})


# ---------------------------------------------------------------- voltage clamp

def test_the_seed_protocol_at_four_holding_potentials(neuron):
    table = voltage_clamp(neuron)
    assert list(table.index) == [-80.0, -40.0, 0.0, 40.0]
    assert np.array_equal(table["V"].to_numpy(), table.index.to_numpy())
    i = table["I_evoked_pA"]
    # seed: little current at -80 mV, inward current grows as the block is relieved, then falls
    # toward the reversal (~0 mV) and turns outward above it
    assert i[-40.0] == i.min() < 0
    assert abs(i[-80.0]) < 0.25 * abs(i[-40.0])
    assert abs(i[0.0]) < 0.3 * abs(i[-40.0])
    assert i[40.0] > 0
    np.testing.assert_allclose(table["I_evoked_pA"], table["I_NMDA_pA"], rtol=1e-6, atol=1e-6)


def test_unblocked_fraction_matches_jahr_stevens_to_1e_6(iv_mg):
    expected = 1.0 / (1.0 + 1.0 / 3.57 * np.exp(-0.062 * SWEEP))  # 1 mM Mg2+ (aCSF)
    np.testing.assert_allclose(iv_mg["NMDA_unblocked"].to_numpy(), expected, rtol=0, atol=1e-6)


def test_without_mg_the_iv_is_linear_through_the_reversal_potential(iv_mg_free):
    v, i = iv_mg_free.index.to_numpy(), iv_mg_free["I_evoked_pA"].to_numpy()
    slope, intercept = np.polyfit(v, i, 1)
    assert np.max(np.abs(i - (slope * v + intercept))) < 1e-6 * np.max(np.abs(i))
    assert np.allclose(iv_mg_free["NMDA_unblocked"], 1.0)
    # zero crossing = GHK potential of the pore for Na+ and K+ (P_K = P_Na) with aCSF / pipette ions
    bath, pipette = ACSF.ions(), PIPETTE_SOLUTION.ions()
    e_rev = ghk_potential(permeabilities={"K": 1.0, "Na": 1.0}, c_out=bath, c_in=pipette)
    assert -intercept / slope == pytest.approx(e_rev, abs=1e-6)
    assert abs(e_rev) < 5.0  # seed: reversal ~0 mV
    assert slope > 0


def test_peak_inward_current_lies_in_the_negative_slope_region(neuron):
    """With Mg2+ the inward current peaks where d/dV[B(V)(V - E)] = 0, i.e.
    1 + 0.062 (V - E)(1 - B(V)) = 0; below it the slope conductance is negative."""
    volts = np.arange(-100.0, 20.0 + 1e-9, 1.0)
    table = voltage_clamp(neuron, holding_potentials=volts)
    i = table["I_evoked_pA"].to_numpy()
    e_rev = ghk_potential(permeabilities={"K": 1.0, "Na": 1.0}, c_out=ACSF.ions(), c_in=PIPETTE_SOLUTION.ions())

    def b(v):
        return 1.0 / (1.0 + 1.0 / 3.57 * math.exp(-0.062 * v))

    v_peak = brentq(lambda v: 1 + 0.062 * (v - e_rev) * (1 - b(v)), -60.0, -5.0)
    measured = volts[np.argmin(i)]
    assert measured == pytest.approx(v_peak, abs=1.0)
    slope = np.diff(i) / np.diff(volts)
    middle = (volts[1:] + volts[:-1]) / 2
    assert np.all(slope[(middle > -90) & (middle < v_peak - 1)] < 0)   # negative slope region
    assert np.all(slope[middle > v_peak + 1] > 0)
    assert -40.0 < v_peak < -10.0


def test_kinetic_block_option(neuron):
    table = voltage_clamp(neuron, holding_potentials=SWEEP, changes={"mg_block_kinetic": 1.0})
    kb, ku = 0.61 * np.exp(-SWEEP / 17.0), 5.4 * np.exp(SWEEP / 47.0)  # /ms/mM, /ms (cf. Ascher & Nowak 1988)
    np.testing.assert_allclose(table["NMDA_unblocked"].to_numpy(), ku / (ku + kb * 1.0), rtol=1e-6)


def test_aspartate_is_less_potent_than_glutamate(neuron):
    """Glutamate EC50 ~1-3 uM (2.3 uM, Patneau & Mayer 1990); L-aspartate 5-10x
    less potent. Same current needs >= 5x more aspartate."""
    ec50_glu = agonist_ec50(neuron, agonist="glutamate")
    ec50_asp = agonist_ec50(neuron, agonist="aspartate")
    assert ec50_glu == pytest.approx(2.3e-3, rel=0.01)
    assert ec50_asp == pytest.approx(15e-3, rel=0.01)
    assert 5.0 <= ec50_asp / ec50_glu <= 10.0
    target = agonist_dose_response(neuron, agonist="glutamate", concentrations=[3e-3])["I_NMDA_pA"].iloc[0]
    asp = 10 ** brentq(lambda x: agonist_dose_response(neuron, agonist="aspartate", concentrations=[10 ** x])
                       ["I_NMDA_pA"].iloc[0] - target, -5.0, -0.5, xtol=1e-6)
    assert asp / 3e-3 >= 5.0
    assert asp / 3e-3 == pytest.approx(ec50_asp / ec50_glu, rel=0.01)  # equal occupancy, equal current


def test_runs_do_not_leak_into_each_other(neuron):
    first = voltage_clamp(neuron, holding_potentials=[-40.0])
    voltage_clamp(neuron, holding_potentials=[20.0], bath=ACSF_MG_FREE, agonist="aspartate")
    current_clamp(neuron, ampa_activation=1.0, changes={"K_e": 20.0})
    again = voltage_clamp(neuron, holding_potentials=[-40.0])
    assert again["I_evoked_pA"].iloc[0] == pytest.approx(first["I_evoked_pA"].iloc[0], rel=1e-9)


def test_invalid_protocols_are_refused(neuron, transport):
    with pytest.raises(UnknownIdError, match="did you mean 'glutamate'"):
        voltage_clamp(neuron, agonist="glutamat")
    with pytest.raises(InvalidInputError):
        voltage_clamp(neuron, holding_potentials=[])
    with pytest.raises(InvalidInputError):
        voltage_clamp(neuron, concentration=-1.0)
    with pytest.raises(InvalidInputError):
        current_clamp(neuron, ampa_activation=1.5)
    with pytest.raises(UnknownIdError):
        voltage_clamp(transport)  # not the neuron model


# ---------------------------------------------------------------- current clamp

def test_coincidence_detection(neuron):
    """3 uM L-aspartate alone at rest barely depolarises the cell and lets little Ca2+ in; with
    AMPA receptor depolarisation the NMDA Ca2+ load is at least 3x larger (JS block at 1 mM
    Mg2+ bounds the gain at B(V)|V| max / B(-70)|70| ~ 3.7). AMPA receptors carry no Ca2+."""
    result = coincidence_experiment(neuron)
    s = result.summary
    assert s.loc["agonist", "V_peak_mV"] < -65.0
    assert s.loc["agonist + AMPA", "V_peak_mV"] > -30.0
    assert abs(s.loc["AMPA", "Ca_load_NMDA_fmol"]) < 1e-15
    assert result.ratio >= 3.0
    assert s.loc["agonist + AMPA", "Ca_c_peak_uM"] > s.loc["agonist", "Ca_c_peak_uM"]
    assert set(result.time_courses) == {"agonist", "AMPA", "agonist + AMPA"}


def test_lower_extracellular_mg_raises_ca_entry_at_rest(neuron):
    """Excitotoxic load (NMDA Ca2+ during the stimulus) at 0.1 vs 1.0 mM Mg2+: at least 4x
    (the block alone gives B(-70)|0.1 / B(-70)|1.0 = 7.2; the depolarisation it causes adds)."""
    normal = excitotoxic_load(current_clamp(neuron, changes={"Mg_e": 1.0}))
    low = excitotoxic_load(current_clamp(neuron, changes={"Mg_e": 0.1}))
    assert normal > 0
    assert low / normal >= 4.0


def test_raising_extracellular_k_depolarises_and_relieves_the_block(neuron):
    """K_e 5 -> 15 mM: E_K rises by RT/F ln 3 = 29.4 mV; the cell depolarises by >= 8 mV (less
    than E_K: Na+ leak and pump), the unblocked fraction rises >= 1.5x, Ca2+ entry >= 1.4x."""
    rest = current_clamp(neuron, concentration=0.0)
    high_k = current_clamp(neuron, concentration=0.0, changes={"K_e": 15.0})
    dv = high_k["V"].iloc[400] - rest["V"].iloc[400]  # at 0.4 s, before the (empty) stimulus
    assert 8.0 <= dv < 8.314462618 * 310.15 / 96485.33212 * 1000 * math.log(3)
    assert high_k["NMDA_unblocked"].iloc[400] >= 1.5 * rest["NMDA_unblocked"].iloc[400]
    load_rest = excitotoxic_load(current_clamp(neuron))
    load_high_k = excitotoxic_load(current_clamp(neuron, changes={"K_e": 15.0}))
    assert load_high_k >= 1.4 * load_rest


def test_excitotoxic_load_is_the_ca_that_entered(neuron):
    """Mass balance: with extrusion and leak off, the NMDA Ca2+ load over the stimulus equals the
    rise of total cytosolic Ca2+ (free + buffered) times the 2 pL cytosol."""
    closed = {"PMCA": 0.0, "P_Ca_leak": 0.0}
    table = current_clamp(neuron, concentration=0.03, ampa_activation=0.3, changes=closed, tail=0.0)
    scenario = mg.Scenario(name="closed", changes={**closed, "Gly_e": 0.01, "DSer_e": 0.0, "clamp": 0.0},
                           phases=(mg.Phase(start=0.5, changes={"Asp_e": 0.03, "AMPA_act": 0.3}),))
    totals = mg.simulate(neuron, scenario, t_end=1.5, n_points=4, outputs=["Ca_c", "CaBuf_c"])
    gained = (totals.iloc[-1].sum() - totals.iloc[1].sum()) * 2.0  # mM x pL = fmol
    assert excitotoxic_load(table) == pytest.approx(gained, rel=1e-4)
    with pytest.raises(InvalidInputError):
        excitotoxic_load(totals)


def test_figures_draw_the_tables_with_labelled_axes(iv_mg, iv_mg_free, neuron):
    figure = plot_iv({"1 mM Mg2+": iv_mg, "0 Mg2+": iv_mg_free})
    assert isinstance(figure, Figure)
    left, right = figure.axes
    assert left.get_xlabel() == "holding potential (mV)" and "(pA" in left.get_ylabel()
    assert "Mg2+" in right.get_ylabel() and right.get_ylim()[1] <= 1.05
    drawn = {line.get_label(): line for line in left.lines if not line.get_label().startswith("_")}
    np.testing.assert_array_equal(drawn["1 mM Mg2+"].get_xdata(), iv_mg.index.to_numpy())
    np.testing.assert_array_equal(drawn["0 Mg2+"].get_ydata(), iv_mg_free["I_evoked_pA"].to_numpy())
    result = coincidence_experiment(neuron, concentration=0.01)
    figure = plot_current_clamp(result.time_courses)
    labels = [axis.get_ylabel() for axis in figure.axes]
    assert labels == ["V (mV)", "I_NMDA (pA)", "free Ca2+ (uM)"] and figure.axes[-1].get_xlabel() == "time (s)"
    course = result.time_courses["agonist + AMPA"]
    voltage = [line for line in figure.axes[0].lines if line.get_label() == "agonist + AMPA"][0]
    np.testing.assert_array_equal(voltage.get_ydata(), course["V"].to_numpy())
    assert len(figure.axes[0].patches) == 1  # the stimulus window is shaded
