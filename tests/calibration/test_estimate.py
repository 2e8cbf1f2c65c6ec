"""Estimation with pyPESTO: a seeded calibration reruns to the same values; profile intervals
and the identifiability verdicts against known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pypesto")

from mgsignal.calibration import EstimatedParameter, calibrate
from mgsignal.calibration.estimate import _interval
from mgsignal.calibration.report import identifiability

TINY = {"n_starts": 2, "max_iterations": 2, "profile": False, "progress": False}


def test_the_same_seed_gives_the_same_values_and_starts(transport):
    first = calibrate(model=transport, parameters=["K_act_SLC41A1", "Vmax_SLC41A1"], seed=11, **TINY)
    again = calibrate(model=transport, parameters=["K_act_SLC41A1", "Vmax_SLC41A1"], seed=11, **TINY)
    assert first.values() == again.values()
    assert [s["x0"] for s in first.starts] == [s["x0"] for s in again.starts]
    x0 = sorted(tuple(s["x0"]) for s in first.starts)
    nominal = (math.log10(first.parameters[0].before), math.log10(first.parameters[1].before))
    assert any(np.allclose(x, nominal, rtol=1e-12) for x in x0)  # the model's own values start first
    other = calibrate(model=transport, parameters=["K_act_SLC41A1", "Vmax_SLC41A1"], seed=12, n_starts=2,
                      max_iterations=1, profile=False, progress=False)
    assert sorted(tuple(s["x0"]) for s in other.starts) != x0  # another seed, another Latin hypercube
    assert first.fit.loc[first.fit["split"] == "train", "chi2_after"].sum() <= \
        first.fit.loc[first.fit["split"] == "train", "chi2_before"].sum() + 1e-9


def test_a_one_parameter_profile_brackets_the_optimum(transport):
    result = calibrate(model=transport, parameters=["K_act_SLC41A1"], n_starts=1, seed=1, max_iterations=2,
                       progress=False)
    (estimate,) = result.parameters
    assert estimate.ci_lower < estimate.after < estimate.ci_upper
    assert estimate.identifiability == "identified"
    (profile,) = result.profiles
    assert max(profile["ratio"]) == pytest.approx(1.0) and min(profile["ratio"]) < 0.1465


def test_interval_of_a_gaussian_profile_is_plus_minus_1_96_sd():
    x = np.linspace(-3.0, 3.0, 601)
    lower, upper = _interval(x, np.exp(-0.5 * x ** 2), math.exp(-3.841459 / 2), -3.0, 3.0)
    assert lower == pytest.approx(-1.959964, abs=1e-3) and upper == pytest.approx(1.959964, abs=1e-3)
    flat = _interval(x, np.exp(-0.5 * (x / 10) ** 2), math.exp(-3.841459 / 2), -3.0, 3.0)
    assert flat == (None, None)


def test_identifiability_verdicts():
    with_prior = EstimatedParameter(id="k", scale="log10", lower=0.1, upper=10.0, prior=(0.0, 0.5), note="")
    free = EstimatedParameter(id="k", scale="log10", lower=0.1, upper=10.0, prior=None, note="")
    assert identifiability(with_prior, {"lower": -0.2, "upper": 0.2}) == "identified"
    assert identifiability(with_prior, {"lower": -0.9, "upper": 0.9}) == "prior-dominated"
    assert identifiability(free, {"lower": -0.9, "upper": 0.9}) == "identified"
    assert identifiability(free, {"lower": None, "upper": 0.9}) == "not identifiable"
    assert identifiability(free, None) == "not profiled"
