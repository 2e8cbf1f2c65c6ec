"""31P NMR: Gupta 1984 and Iotti 1996 forms, forward and inverse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mgsignal.errors import InvalidInputError
from mgsignal.assays import (gupta_mg_from_shift, gupta_shift_from_fraction,
                                  gupta_shift_from_mg, iotti_mg_from_shift, iotti_pmg_from_shift,
                                  iotti_shift_from_mg, mgatp_fraction)

MG = np.logspace(-2, 1, 31)  # 10 uM .. 10 mM
GUPTA = {"kd_mgatp": 0.05, "delta_atp": 10.9, "delta_mgatp": 8.6}


def test_gupta_by_hand():
    # (10.9 - 8.83)/(8.83 - 8.6) = 2.07/0.23 = 9; 9 * 0.05 mM = 0.45 mM
    assert gupta_mg_from_shift(8.83, **GUPTA) == pytest.approx(0.45, rel=1e-12)
    assert gupta_mg_from_shift(10.9, **GUPTA) == 0.0


def test_gupta_fast_exchange_average():
    # 90 % MgATP: 0.1 * 10.9 + 0.9 * 8.6 = 8.83
    assert gupta_shift_from_fraction(0.9, delta_atp=10.9, delta_mgatp=8.6) == pytest.approx(8.83)
    assert mgatp_fraction(0.5, 4.5) == pytest.approx(0.9)


@pytest.mark.parametrize("kd", [0.05, 0.084, 0.14])
def test_gupta_round_trip(kd):
    delta = gupta_shift_from_mg(MG, kd_mgatp=kd)
    assert np.all(np.diff(delta) < 0)
    np.testing.assert_allclose(gupta_mg_from_shift(delta, kd_mgatp=kd), MG, rtol=1e-9)


def test_gupta_from_fractions_recovers_kd_times_ratio():
    atp, mgatp = np.array([0.2, 0.5, 1.0]), np.array([4.8, 4.5, 4.0])
    delta = gupta_shift_from_fraction(mgatp_fraction(atp, mgatp))
    np.testing.assert_allclose(gupta_mg_from_shift(delta, kd_mgatp=0.084), 0.084 * mgatp / atp,
                               rtol=1e-9)


@pytest.mark.parametrize("delta", [8.6, 8.0, 11.0])
def test_gupta_out_of_range_raises(delta):
    with pytest.raises(InvalidInputError, match=r"8\.6 < delta <= 10\.9 ppm"):
        gupta_mg_from_shift([9.0, delta], **GUPTA)


def test_iotti_by_hand():
    # dbeta = -17.16: both brackets are 1.42, so pMg = 4.24 - (0.42 - 0.84) log10(1.42)
    expected = 4.24 + 0.42 * math.log10(1.42)
    assert expected == pytest.approx(4.30396, abs=1e-5)
    assert iotti_pmg_from_shift(-17.16) == pytest.approx(expected, rel=1e-12)
    assert iotti_mg_from_shift(-17.16) == pytest.approx(1000 * 10 ** -expected, rel=1e-12)
    # dbeta = -16.0: 4.24 - 0.42 log10(2.58) + 0.84 log10(0.26) = 3.5757 -> 0.2656 mM
    assert iotti_pmg_from_shift(-16.0) == pytest.approx(
        4.24 - 0.42 * math.log10(2.58) + 0.84 * math.log10(0.26), rel=1e-12)
    assert iotti_mg_from_shift(-16.0) == pytest.approx(0.2656, abs=1e-4)


def test_iotti_round_trip():
    delta = iotti_shift_from_mg(MG)
    assert np.all((delta > -18.58) & (delta < -15.74)) and np.all(np.diff(delta) > 0)
    np.testing.assert_allclose(iotti_mg_from_shift(delta), MG, rtol=1e-9)
    shifts = np.linspace(-18.4, -15.8, 27)
    np.testing.assert_allclose(iotti_shift_from_mg(iotti_mg_from_shift(shifts)), shifts, rtol=1e-12)


@pytest.mark.parametrize("delta", [-18.58, -19.0, -15.74, -15.0])
def test_iotti_out_of_range_raises(delta):
    with pytest.raises(InvalidInputError, match=r"-18\.58 < delta_beta < -15\.74 ppm"):
        iotti_mg_from_shift(delta)


def test_bad_inputs_raise():
    with pytest.raises(InvalidInputError, match="mg must be positive"):
        iotti_shift_from_mg(0.0)
    with pytest.raises(InvalidInputError, match="mg must be non-negative"):
        gupta_shift_from_mg(-0.1)
    with pytest.raises(InvalidInputError, match=r"fraction_mgatp must lie in \[0, 1\]"):
        gupta_shift_from_fraction(1.2)
    with pytest.raises(InvalidInputError, match="mismatched array shapes"):
        mgatp_fraction([0.5, 0.5], [4.5, 4.5, 4.5])
    with pytest.raises(InvalidInputError, match="ATP \\+ MgATP must be positive"):
        mgatp_fraction(0.0, 0.0)
    with pytest.raises(InvalidInputError, match="delta_atp .* must exceed delta_mgatp"):
        gupta_mg_from_shift(9.0, delta_atp=8.0, delta_mgatp=9.5)
