"""Mag-fura-2: two-state forward model, Grynkiewicz inversion, Ca2+ interference, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from mgsignal.errors import InvalidInputError
from mgsignal.assays import (calibrate_magfura2, magfura2_intensities_from_mg,
                                  magfura2_mg_from_ratio, magfura2_ratio_from_mg,
                                  simulate_magfura2_calibration)

DYE = {"kd": 1.5, "rmin": 0.4, "rmax": 2.5, "sf_sb": 3.0}
BUFFERS = [0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0] * 3  # mM, triplicates
MG = np.logspace(-3, 2, 41)  # 1 uM .. 100 mM


def test_grynkiewicz_round_numbers():
    # Kd 1.5 mM, Rmin 0.5, Rmax 2.5, Sf/Sb 2, R 1.5: 1.5 * (1.0/1.0) * 2 = 3.0 mM
    mg = magfura2_mg_from_ratio(1.5, kd=1.5, rmin=0.5, rmax=2.5, sf_sb=2.0)
    assert mg == pytest.approx(3.0, rel=1e-12)
    assert magfura2_mg_from_ratio(0.5, kd=1.5, rmin=0.5, rmax=2.5, sf_sb=2.0) == 0.0


def test_forward_by_hand():
    # x = 3/1.5 = 2, beta = 2: R = (0.5*2 + 2.5*2)/(2 + 2) = 1.5
    assert magfura2_ratio_from_mg(3.0, kd=1.5, rmin=0.5, rmax=2.5, sf_sb=2.0) == pytest.approx(1.5)


@pytest.mark.parametrize("ca", [0.0, 1e-4, 0.002])
def test_forward_then_inverse_is_exact(ca):
    ratio = magfura2_ratio_from_mg(MG, ca=ca, **DYE)
    assert np.all(np.diff(ratio) > 0)
    back = magfura2_mg_from_ratio(ratio, ca=ca, **DYE)
    np.testing.assert_allclose(back, MG, rtol=1e-9, atol=0)


def test_default_constants_round_trip():
    np.testing.assert_allclose(magfura2_mg_from_ratio(magfura2_ratio_from_mg(MG)), MG, rtol=1e-9)


def test_intensities_give_the_ratio_and_sf_sb():
    f340, f380 = magfura2_intensities_from_mg(MG, f380_free=2.0, **DYE)
    np.testing.assert_allclose(f340 / f380, magfura2_ratio_from_mg(MG, **DYE), rtol=1e-12)
    f340_0, f380_0 = magfura2_intensities_from_mg(0.0, f380_free=2.0, **DYE)
    assert f380_0 == pytest.approx(2.0) and f340_0 / f380_0 == pytest.approx(DYE["rmin"])
    _, f380_sat = magfura2_intensities_from_mg(1e9, f380_free=2.0, **DYE)
    assert f380_0 / f380_sat == pytest.approx(DYE["sf_sb"], rel=1e-6)


def test_calcium_reads_as_magnesium_unless_corrected():
    mg, ca = 0.8, 0.001  # 1 uM Ca2+
    ratio = magfura2_ratio_from_mg(mg, ca=ca, **DYE)
    apparent = magfura2_mg_from_ratio(ratio, **DYE)
    assert apparent == pytest.approx(mg + DYE["kd"] * ca / 0.025, rel=1e-9)  # Kd_Ca 25 uM
    assert magfura2_mg_from_ratio(ratio, ca=ca, **DYE) == pytest.approx(mg, rel=1e-9)


def test_noise_is_reproducible_and_seeded():
    a = magfura2_ratio_from_mg(MG, noise_cv=0.02, noise_sd=0.01, seed=7, **DYE)
    b = magfura2_ratio_from_mg(MG, noise_cv=0.02, noise_sd=0.01, seed=7, **DYE)
    c = magfura2_ratio_from_mg(MG, noise_cv=0.02, noise_sd=0.01, seed=8, **DYE)
    clean = magfura2_ratio_from_mg(MG, **DYE)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, clean)
    assert np.std(a / clean - 1) < 0.05
    with pytest.raises(InvalidInputError, match="seed"):
        magfura2_ratio_from_mg(MG, noise_cv=0.02, **DYE)


@pytest.mark.parametrize("ratio", [0.39, 2.5, 3.0])
def test_ratio_outside_rmin_rmax_raises(ratio):
    with pytest.raises(InvalidInputError, match=r"outside the calibrated range.*0\.4 <= R < 2\.5"):
        magfura2_mg_from_ratio([1.0, ratio], **DYE)


def test_bad_inputs_raise_with_reason():
    with pytest.raises(InvalidInputError, match="mg must be non-negative"):
        magfura2_ratio_from_mg([0.5, -0.1], **DYE)
    with pytest.raises(InvalidInputError, match="mismatched array shapes"):
        magfura2_ratio_from_mg([0.5, 1.0], ca=[0.0, 0.0, 0.0], **DYE)
    with pytest.raises(InvalidInputError, match="rmax .* must exceed rmin"):
        magfura2_ratio_from_mg(1.0, kd=1.5, rmin=2.0, rmax=1.0, sf_sb=3.0)
    with pytest.raises(InvalidInputError, match="kd_mg must be positive"):
        magfura2_ratio_from_mg(1.0, kd=0.0)
    with pytest.raises(InvalidInputError, match="Ca2\\+ correction exceeds"):
        magfura2_mg_from_ratio(magfura2_ratio_from_mg(0.1, **DYE), ca=0.01, **DYE)


def test_noise_free_calibration_is_exact():
    df = simulate_magfura2_calibration(BUFFERS[:9], **DYE)
    cal = calibrate_magfura2(df["mg_buffer"], df["ratio"], f380=df["f380"], fit_kd=True)
    for name, true in DYE.items():
        assert getattr(cal, name) == pytest.approx(true, rel=1e-8), name
    assert cal.dye_parameters() == pytest.approx(DYE, rel=1e-8)


# Tolerances for 1 % independent noise on F340 and F380, 9 buffers in triplicate: about 1.5x the
# 99th percentile of the relative error over 400 seeds (rmin 2.0 %, rmax 1.2 %, Sf/Sb 4.3 % from
# ratios alone and 1.5 % with F380, Kd 4.5 %).
TOL = {"rmin": 0.03, "rmax": 0.02, "sf_sb": 0.065, "kd": 0.07}


@pytest.mark.parametrize("mode", ["ratio", "ratio+f380", "ratio+f380+kd"])
@pytest.mark.parametrize("seed", [11, 2024])
def test_calibration_under_noise(mode, seed):
    df = simulate_magfura2_calibration(BUFFERS, noise_cv=0.01, seed=seed, **DYE)
    f380 = None if mode == "ratio" else df["f380"]
    cal = calibrate_magfura2(df["mg_buffer"], df["ratio"], f380=f380, kd=DYE["kd"],
                             fit_kd=mode.endswith("kd"))
    fitted = ["rmin", "rmax", "sf_sb"] + (["kd"] if mode.endswith("kd") else [])
    assert sorted(k for k in cal.stderr if k in DYE) == sorted(fitted)
    for name in fitted:
        est, se, true = getattr(cal, name), cal.stderr[name], DYE[name]
        assert abs(est / true - 1) < TOL[name], (name, est)
        assert 0 < se < 0.1 * true, (name, se)
        assert abs(est - true) < 3 * se, (name, est, se)
    if not mode.endswith("kd"):
        assert cal.kd == DYE["kd"] and not cal.kd_fitted


def test_standard_errors_are_calibrated():
    """Over 150 seeds about 95 % of estimates lie within 2 reported SE of the truth."""
    z = []
    for seed in range(150):
        df = simulate_magfura2_calibration(BUFFERS, noise_cv=0.01, seed=seed, **DYE)
        cal = calibrate_magfura2(df["mg_buffer"], df["ratio"], f380=df["f380"], fit_kd=True)
        z.append([(getattr(cal, k) - DYE[k]) / cal.stderr[k] for k in DYE])
    inside = (np.abs(np.array(z)) < 2).mean(axis=0)
    assert np.all(inside > 0.88) and np.all(inside < 0.99), inside


def test_calibration_inputs_checked():
    df = simulate_magfura2_calibration(BUFFERS[:9], **DYE)
    with pytest.raises(InvalidInputError, match="only the product"):
        calibrate_magfura2(df["mg_buffer"], df["ratio"], fit_kd=True)
    with pytest.raises(InvalidInputError, match="mismatched array shapes"):
        calibrate_magfura2(df["mg_buffer"], df["ratio"][:-1])
    with pytest.raises(InvalidInputError, match="at least 3 distinct buffer"):
        calibrate_magfura2([0.0, 0.0, 100.0, 100.0], [0.4, 0.4, 2.4, 2.4])
    with pytest.raises(InvalidInputError, match="buffer_mg must be non-negative"):
        calibrate_magfura2([-1.0, 1.0, 2.0, 5.0], [0.4, 0.8, 1.0, 1.5])
