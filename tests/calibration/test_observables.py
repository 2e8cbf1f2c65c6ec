"""Observation functions: formulas split at their parameter, instrument models of
mgsignal.assays in between, closed-form observation parameters against a numerical optimum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from mgsignal.calibration import Observable, ObservationParameter
from mgsignal.calibration.observables import compile_observable, fit_observation_parameters, read_through_assay
from mgsignal.errors import InvalidInputError

STATE = pd.DataFrame({"Mg_c": [0.5, 0.9, 2.4], "ATP_c": [0.6, 0.4, 0.2], "MgATP_c": [4.4, 4.6, 4.8],
                      "Mg_tot_c": [17.0, 18.5, 22.0], "J_pm_net": [-1e-3, 0.0, 2e-3]})


def _observable(formula, assay="none", oid="x"):
    return Observable(id=oid, name="", formula=formula, noise_formula=f"noiseParameter1_{oid}", assay=assay,
                      description="")


@pytest.mark.parametrize(("formula", "intercept", "slope"), [
    ("observableParameter1_x * Mg_c", lambda s: 0 * s.Mg_c, lambda s: s.Mg_c),
    ("Mg_c - observableParameter1_x", lambda s: s.Mg_c, lambda s: -1 + 0 * s.Mg_c),
    ("-observableParameter1_x * J_pm_net", lambda s: 0 * s.Mg_c, lambda s: -s.J_pm_net),
    ("1 + ATP_c / (0.084 + Mg_c)", lambda s: 1 + s.ATP_c / (0.084 + s.Mg_c), lambda s: 0 * s.Mg_c),
])
def test_a_formula_is_split_into_intercept_and_slope(formula, intercept, slope):
    a, b = compile_observable(_observable(formula)).terms(STATE)
    np.testing.assert_allclose(a, intercept(STATE), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(b, slope(STATE), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(("formula", "assay", "message"), [
    ("observableParameter1_x^2 * Mg_c", "none", "affine"),
    ("observableParameter1_x * Mg_c + observableParameter2_x", "none", "at most one parameter"),
    ("observableParameter1_x * Mg_tot_c", "mag-fura-2", "reports Mg_c"),
    ("Mg_c +", "none", "does not parse"),
])
def test_formulas_the_closed_form_cannot_handle_are_refused(formula, assay, message):
    with pytest.raises(InvalidInputError, match=message):
        compile_observable(_observable(formula, assay))


def test_assays_read_the_state_as_their_instrument_reports_it():
    # mag-fura-2 without Ca2+: the Grynkiewicz inversion of the dye's own ratio returns free Mg2+
    np.testing.assert_allclose(read_through_assay(STATE, "mag-fura-2")["Mg_c"], STATE["Mg_c"], rtol=1e-12)
    # 31P NMR (Gupta): Kd(MgATP) x MgATP / ATP, the free Mg2+ that binding equilibrium would need
    np.testing.assert_allclose(read_through_assay(STATE, "31p-nmr")["Mg_c"], 0.084 * STATE["MgATP_c"] / STATE["ATP_c"],
                               rtol=1e-12)
    # atomic absorption through its noise-free standard curve returns total Mg
    np.testing.assert_allclose(read_through_assay(STATE, "aas")["Mg_tot_c"], STATE["Mg_tot_c"], rtol=1e-9)
    assert read_through_assay(STATE, "none") is STATE


@pytest.mark.parametrize(("lower", "upper"), [(0.001, 100.0), (0.5, 2.0)])
def test_closed_form_observation_parameter_is_the_bounded_least_squares_optimum(lower, upper):
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=6), rng.uniform(0.5, 2.0, size=6)
    y, s = rng.normal(size=6) + 3.0 * b, rng.uniform(0.1, 0.5, size=6)
    rows = pd.DataFrame({"intercept": a, "slope": b, "measurement": y, "noiseParameters": s,
                         "observableParameters": ["k"] * 6})
    parameter = ObservationParameter(id="k", scale="log10", lower=lower, upper=upper, nominal=1.0, estimate=True,
                                     note="")
    fitted = fit_observation_parameters(rows, {"k": parameter})["k"]
    best = minimize_scalar(lambda k: float(np.sum(((a + b * k - y) / s) ** 2)), bounds=(lower, upper),
                           method="bounded", options={"xatol": 1e-10})
    assert fitted == pytest.approx(best.x, rel=1e-6)
    assert (fitted == upper) == (upper == 2.0)  # the second case is clipped at its bound
    fixed = ObservationParameter(id="k", scale="lin", lower=lower, upper=upper, nominal=1.5, estimate=False, note="")
    assert fit_observation_parameters(rows, {"k": fixed}) == {"k": 1.5}
