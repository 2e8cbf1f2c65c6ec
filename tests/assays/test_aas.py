"""Atomic absorption: standard curve, inverse prediction and per-cell totals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mgsignal.errors import InvalidInputError
from mgsignal.assays import (aas_absorbance_from_mg, aas_cell_mg_from_absorbance,
                                  aas_solution_mg_from_cell_mg, fit_standard_curve,
                                  simulate_standard_curve)

SAMPLE = {"cell_count": 1e6, "cell_volume_pl": 2.0, "digest_volume_ml": 1.0}


def test_standard_curve_by_hand():
    # x = 0, 1, 2; y = 0.1, 0.3, 0.8: Sxx = 2, Sxy = 0.7 -> slope 0.35, intercept 0.4 - 0.35 = 0.05
    # residuals -0.05, 0.1, -0.05 -> s = sqrt(0.015/1); se_slope = s/sqrt(2); se_int = s*sqrt(5/6)
    curve = fit_standard_curve([0.0, 1.0, 2.0], [0.1, 0.3, 0.8])
    s = np.sqrt(0.015)
    assert curve.slope == pytest.approx(0.35) and curve.intercept == pytest.approx(0.05)
    assert curve.residual_sd == pytest.approx(s)
    assert curve.se_slope == pytest.approx(s / np.sqrt(2))
    assert curve.se_intercept == pytest.approx(s * np.sqrt(5 / 6))
    # inverse prediction at y0 = 0.4 (= mean): x0 = 1, se = s/b * sqrt(1 + 1/3)
    x0, se = curve.concentration(0.4)
    assert x0 == pytest.approx(1.0) and se == pytest.approx(s / 0.35 * np.sqrt(4 / 3))


def test_cell_arithmetic_by_hand():
    # 18 mM in 1e6 cells of 2 pL = 36 nmol in 1 mL -> 0.036 mM; 36 fmol/cell
    assert aas_solution_mg_from_cell_mg(18.0, **SAMPLE) == pytest.approx(0.036)
    assert aas_solution_mg_from_cell_mg(18.0, dilution_factor=4.0, **SAMPLE) == pytest.approx(0.009)
    curve = fit_standard_curve([0.0, 0.02, 0.04], [0.0, 0.2, 0.4])
    out = aas_cell_mg_from_absorbance([0.36], curve=curve, **SAMPLE)
    assert out.loc[0, "solution_mM"] == pytest.approx(0.036)
    assert out.loc[0, "fmol_per_cell"] == pytest.approx(36.0)
    assert out.loc[0, "intracellular_mM"] == pytest.approx(18.0)


@pytest.mark.parametrize("dilution", [1.0, 10.0])
def test_round_trip_total_mg(dilution):
    total = np.linspace(2.0, 40.0, 20)
    sample = {**SAMPLE, "dilution_factor": dilution}
    curve = simulate_standard_curve(slope=12.0, intercept=0.01)
    absorbance = aas_absorbance_from_mg(aas_solution_mg_from_cell_mg(total, **sample),
                                        slope=12.0, intercept=0.01)
    out = aas_cell_mg_from_absorbance(absorbance, curve=curve, **sample)
    np.testing.assert_allclose(out["intracellular_mM"], total, rtol=1e-9)
    np.testing.assert_allclose(out["fmol_per_cell"], total * 2.0, rtol=1e-9)


def test_inverse_prediction_se_matches_scatter():
    """|error| < 2 SE in the share a t distribution with n - 2 = 4 df predicts (88 %)."""
    hits, n = 0, 300
    for seed in range(n):
        rng = np.random.default_rng(seed)
        curve = simulate_standard_curve(noise_sd=0.005, seed=rng)
        x0, se = curve.concentration(aas_absorbance_from_mg(0.03, noise_sd=0.005, seed=rng))
        hits += abs(x0 - 0.03) < 2 * se
    expected = stats.t.cdf(2, df=4) - stats.t.cdf(-2, df=4)
    assert abs(hits / n - expected) < 0.06


def test_noisy_curve_recovers_slope_within_errors():
    curve = simulate_standard_curve(slope=10.0, intercept=0.0, noise_sd=0.004, seed=3)
    assert abs(curve.slope - 10.0) < 3 * curve.se_slope
    assert abs(curve.intercept) < 3 * curve.se_intercept
    assert 0 < curve.se_slope < 0.5


def test_invalid_inputs():
    curve = fit_standard_curve([0.0, 0.02, 0.04], [0.01, 0.21, 0.41])
    with pytest.raises(InvalidInputError, match="absorbance must be non-negative"):
        aas_cell_mg_from_absorbance([0.2, -0.01], curve=curve, **SAMPLE)
    with pytest.raises(InvalidInputError, match="below the standard curve's intercept"):
        curve.concentration(0.005)
    with pytest.raises(InvalidInputError, match="mismatched array shapes"):
        fit_standard_curve([0.0, 0.02, 0.04], [0.0, 0.2])
    with pytest.raises(InvalidInputError, match="at least 3 standards"):
        fit_standard_curve([0.0, 0.02], [0.0, 0.2])
    with pytest.raises(InvalidInputError, match="slope is not positive"):
        fit_standard_curve([0.0, 0.02, 0.04], [0.4, 0.2, 0.0])
    with pytest.raises(InvalidInputError, match="standard_mg must be non-negative"):
        fit_standard_curve([-0.01, 0.02, 0.04], [0.0, 0.2, 0.4])
    with pytest.raises(InvalidInputError, match="cell_count must be positive"):
        aas_solution_mg_from_cell_mg(18.0, cell_count=0)
    with pytest.raises(InvalidInputError, match="dilution_factor must be >= 1"):
        aas_solution_mg_from_cell_mg(18.0, dilution_factor=0.5)
    with pytest.raises(InvalidInputError, match="StandardCurve"):
        aas_cell_mg_from_absorbance(0.2, curve=None, **SAMPLE)
