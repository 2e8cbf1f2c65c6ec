"""Nernst, Goldman-Hodgkin-Katz and Mg2+-block equations against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from mgsignal.errors import InvalidInputError, UnknownIdError
from mgsignal.biophysics import (ghk_current, ghk_flux, ghk_potential,
                                                    jahr_stevens_unblocked,
                                                    kinetic_block_unblocked, nernst_potential,
                                                    thermal_voltage)

F = 96485.33212  # C/mol, CODATA 2018
R = 8.314462618  # J/(mol K), CODATA 2018


def _rt_f_mv(celsius: float) -> float:
    return R * (celsius + 273.15) / F * 1000.0


# ---------------------------------------------------------------- Nernst

def test_potassium_nernst_potential_of_the_seed_at_20_and_37_degrees():
    # By hand: E_K = RT/F ln(5/140). 20 degC: 25.2614 mV x (-3.33220) = -84.18 mV; 37 degC: -89.06 mV
    e20 = nernst_potential(5.0, 140.0, z=1, temperature=293.15)
    e37 = nernst_potential(5.0, 140.0, z=1, temperature=310.15)
    assert e20 == pytest.approx(8.314462618 * 293.15 / 96485.33212 * 1000 * math.log(5 / 140), rel=1e-12)
    assert e37 == pytest.approx(8.314462618 * 310.15 / 96485.33212 * 1000 * math.log(5 / 140), rel=1e-12)
    assert e20 == pytest.approx(-84.0, abs=0.5)   # ~ -84 mV: the textbook value at room temperature
    assert e37 == pytest.approx(-89.0, abs=0.5)   # ~ -89 mV: Nernst at 37 degC with 5 / 140 mM K+
    assert e20 == pytest.approx(-84.18, abs=0.01) and e37 == pytest.approx(-89.06, abs=0.01)


@pytest.mark.parametrize("celsius", [0.0, 20.0, 25.0, 37.0])
@pytest.mark.parametrize("ion, z, c_out, c_in", [
    ("K", 1, 5.0, 140.0), ("Na", 1, 140.0, 10.0), ("Cl", -1, 133.5, 9.73), ("Ca", 2, 2.0, 1e-4)])
def test_nernst_at_several_temperatures(celsius, ion, z, c_out, c_in):
    expected = _rt_f_mv(celsius) / z * math.log(c_out / c_in)
    assert nernst_potential(c_out, c_in, z=z, temperature=celsius + 273.15) == pytest.approx(expected, rel=1e-12)


def test_nernst_signs_and_arrays():
    assert nernst_potential(140.0, 10.0, z=1) > 60          # E_Na ~ +70 mV
    assert nernst_potential(133.5, 9.73, z=-1) < -60        # E_Cl ~ -70 mV
    assert nernst_potential(2.0, 1e-4, z=2) > 120           # E_Ca ~ +130 mV
    values = nernst_potential(np.array([2.5, 5.0, 10.0]), 140.0, z=1)
    assert values.shape == (3,) and np.all(np.diff(values) > 0)
    # a tenfold gradient of a monovalent ion at 37 degC is 61.5 mV
    assert nernst_potential(10.0, 1.0, z=1) == pytest.approx(_rt_f_mv(37.0) * math.log(10), rel=1e-12)
    assert thermal_voltage(310.15) == pytest.approx(26.7267, abs=1e-4)


# ---------------------------------------------------------------- GHK voltage equation

def test_ghk_potential_by_hand_with_hodgkin_katz_permeabilities():
    # P_K : P_Na : P_Cl = 1 : 0.04 : 0.45 (Hodgkin & Katz 1949), mammalian concentrations, 37 degC
    out = {"K": 5.0, "Na": 145.0, "Cl": 110.0}
    inside = {"K": 140.0, "Na": 10.0, "Cl": 10.0}
    p = {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    numerator = 1.0 * 5.0 + 0.04 * 145.0 + 0.45 * 10.0     # cations outside, anion inside
    denominator = 1.0 * 140.0 + 0.04 * 10.0 + 0.45 * 110.0
    expected = _rt_f_mv(37.0) * math.log(numerator / denominator)
    assert ghk_potential(permeabilities=p, c_out=out, c_in=inside) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(-67.31, abs=0.01)  # 26.727 mV x ln(15.3/189.9)


def test_ghk_potential_reduces_to_nernst_for_one_ion():
    v = ghk_potential(permeabilities={"K": 1.0}, c_out={"K": 5.0}, c_in={"K": 140.0},
                      temperature=293.15)
    assert v == pytest.approx(nernst_potential(5.0, 140.0, z=1, temperature=293.15), rel=1e-12)


def test_ghk_potential_is_where_the_ghk_currents_cancel():
    out = {"K": 5.0, "Na": 140.0, "Cl": 133.5}
    inside = {"K": 140.0, "Na": 10.0, "Cl": 9.73}
    p = {"K": 0.02, "Na": 1.12e-3, "Cl": 9e-3}
    z = {"K": 1, "Na": 1, "Cl": -1}
    total = lambda v: sum(ghk_current(v, permeability=p[i], c_out=out[i], c_in=inside[i], z=z[i])
                          for i in p)
    zero = brentq(total, -100.0, 0.0, xtol=1e-12)
    assert ghk_potential(permeabilities=p, c_out=out, c_in=inside) == pytest.approx(zero, abs=1e-9)


# ---------------------------------------------------------------- GHK flux and current

def test_ghk_flux_by_hand():
    # K+ at -70 mV, 37 degC: u = -70/26.7267 = -2.61910; J = P u (140 - 5 e^-u)/(1 - e^-u)
    u = -70.0 / _rt_f_mv(37.0)
    expected = 0.02 * u * (140.0 - 5.0 * math.exp(-u)) / (1.0 - math.exp(-u))
    flux = ghk_flux(-70.0, permeability=0.02, c_out=5.0, c_in=140.0, z=1)
    assert flux == pytest.approx(expected, rel=1e-12)
    assert flux > 0  # K+ leaves the cell at -70 mV (above E_K)
    current = ghk_current(-70.0, permeability=0.02, c_out=5.0, c_in=140.0, z=1)
    assert current == pytest.approx(F * expected, rel=1e-12)  # pL/s x mM x C/mol = fA
    assert current == pytest.approx(28355.1, abs=0.5)         # 28 pA: the neuron model's resting K+ leak


def test_ghk_flux_vanishes_at_the_nernst_potential():
    for z, c_out, c_in in [(1, 5.0, 140.0), (-1, 133.5, 9.73), (2, 2.0, 1e-4)]:
        e = nernst_potential(c_out, c_in, z=z)
        scale = abs(ghk_flux(-50.0, permeability=1.0, c_out=c_out, c_in=c_in, z=z))
        assert abs(ghk_flux(e, permeability=1.0, c_out=c_out, c_in=c_in, z=z)) < 1e-12 * max(scale, 1.0)


def test_ghk_flux_is_continuous_through_zero_and_has_the_right_limits():
    at_zero = ghk_flux(0.0, permeability=2.0, c_out=5.0, c_in=140.0, z=1)
    assert at_zero == pytest.approx(2.0 * (140.0 - 5.0), rel=1e-15)  # Fick's law at V = 0
    for v in (1e-7, -1e-7, 1e-4, -1e-4):
        assert ghk_flux(v, permeability=2.0, c_out=5.0, c_in=140.0, z=1) == pytest.approx(at_zero, rel=1e-4)
    # strong depolarisation: only the inside concentration matters, J -> P u c_in
    u = 200.0 / _rt_f_mv(37.0)
    assert ghk_flux(200.0, permeability=1.0, c_out=5.0, c_in=140.0, z=1) == pytest.approx(u * 140.0, rel=1e-3)
    # Cl-: outward current means Cl- entering (negative outward flux, positive current)
    flux_cl = ghk_flux(0.0, permeability=1.0, c_out=133.5, c_in=9.73, z=-1)
    assert flux_cl < 0 and ghk_current(0.0, permeability=1.0, c_out=133.5, c_in=9.73, z=-1) > 0
    vs = np.linspace(-100, 60, 17)
    assert ghk_flux(vs, permeability=1.0, c_out=5.0, c_in=140.0, z=1).shape == vs.shape


# ---------------------------------------------------------------- Mg2+ block

def test_jahr_stevens_by_hand():
    # B(-70 mV, 1 mM) = 1/(1 + 1/3.57 e^(0.062 x 70)) = 1/(1 + 0.28011 x 76.71) = 0.04447
    expected = 1.0 / (1.0 + 1.0 / 3.57 * math.exp(0.062 * 70.0))
    assert jahr_stevens_unblocked(-70.0, mg_out=1.0) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.04447, abs=1e-5)
    assert jahr_stevens_unblocked(0.0, mg_out=1.0) == pytest.approx(3.57 / 4.57, rel=1e-12)
    assert jahr_stevens_unblocked(-70.0, mg_out=0.0) == 1.0


def test_kinetic_block_steady_state_by_hand():
    # k_b = 0.61 /ms/mM e^(70/17), k_u = 5.4 /ms e^(-70/47) at -70 mV, 1 mM
    kb, ku = 0.61 * math.exp(70 / 17), 5.4 * math.exp(-70 / 47)
    assert kinetic_block_unblocked(-70.0, mg_out=1.0) == pytest.approx(ku / (ku + kb), rel=1e-12)
    assert kinetic_block_unblocked(-70.0, mg_out=1.0) < jahr_stevens_unblocked(-70.0, mg_out=1.0)


# ---------------------------------------------------------------- input checks

def test_invalid_inputs_are_refused():
    with pytest.raises(InvalidInputError):
        nernst_potential(-1.0, 140.0, z=1)
    with pytest.raises(InvalidInputError):
        nernst_potential(5.0, 140.0, z=0)
    with pytest.raises(InvalidInputError):
        nernst_potential(5.0, 140.0, z=1, temperature=-3.0)
    with pytest.raises(InvalidInputError):
        ghk_flux(float("nan"), permeability=1.0, c_out=1.0, c_in=1.0, z=1)
    with pytest.raises(InvalidInputError):
        ghk_potential(permeabilities={"Ca": 1.0}, c_out={"Ca": 2.0}, c_in={"Ca": 1e-4},
                      valences={"Ca": 2})
    with pytest.raises(UnknownIdError, match="did you mean 'Na'"):
        ghk_potential(permeabilities={"NA": 1.0}, c_out={"NA": 1.0}, c_in={"NA": 1.0})
