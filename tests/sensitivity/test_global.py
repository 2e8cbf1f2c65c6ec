"""Global sensitivity analysis: Sobol', eFAST and Morris against the Ishigami function's known
indices, on the transport model against its local sensitivities, failure handling, the problem
dict, figures and the ``sensitivity`` command."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from SALib.sample import sobol as salib_sobol

import mgsignal as mg
from mgsignal.ensemble import Feature, default_values
from mgsignal.sensitivity import (SampleFailureError, global_sensitivity, model_parameters, plot_heatmap,
                                  plot_indices, problem, steady_state_sensitivities)
from mgsignal.cli import main

matplotlib.use("Agg")

A, B = 7.0, 0.1
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
#: transport parameters of the model-based tests; Kd_L does not act on free Mg2+ at steady state
TRANSPORT = ["P_TRPM7", "Vmax_MagT1", "Vmax_SLC41A1", "IC50_TRPM7", "Km_MagT1", "Kd_L"]


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices() -> tuple[np.ndarray, np.ndarray, float]:
    """Analytic first- and total-order indices, and S13 (Ishigami & Homma 1990; Sobol' 1999)."""
    v1 = 0.5 * (1 + B * np.pi ** 4 / 5) ** 2
    v2 = A ** 2 / 8
    v13 = B ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / total, np.array([v1 + v13, v2, v13]) / total, v13 / total


def test_ishigami_analytic_indices_are_the_published_ones():
    first, total, _ = ishigami_indices()
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_sobol_recovers_the_ishigami_indices():
    first, total, s13 = ishigami_indices()
    result = global_sensitivity(ishigami, ISHIGAMI, method="sobol", n=4096, seed=3, calc_second_order=True)
    table = result.indices.loc["y"]
    assert len(result.samples) == 4096 * (2 * 3 + 2)
    np.testing.assert_allclose(table["S1"], first, atol=0.03)  # worst of 30 seeds: 0.019
    np.testing.assert_allclose(table["ST"], total, atol=0.03)  # worst of 30 seeds: 0.007
    assert (table["S1_conf"] > 0).all() and (table["S1_conf"] < 0.1).all()
    pairs = result.second_order.loc["y", "S2"]
    assert pairs.loc[("x1", "x3")] == pytest.approx(s13, abs=0.06)
    assert abs(pairs.loc[("x1", "x2")]) < 0.06 and abs(pairs.loc[("x2", "x3")]) < 0.06
    assert list(result.ranking("y").index) == ["x1", "x2", "x3"]


def test_sobol_is_reproducible_and_does_not_change_the_problem():
    spec = {k: (list(v) if isinstance(v, list) else v) for k, v in ISHIGAMI.items()}
    first = global_sensitivity(ishigami, spec, method="sobol", n=256, seed=11)
    again = global_sensitivity(ishigami, spec, method="sobol", n=256, seed=11)
    pd.testing.assert_frame_equal(first.indices, again.indices)
    assert spec == ISHIGAMI  # SALib adds keys to the dicts it is given; ours stays as it was
    assert first.second_order is None and len(first.samples) == 256 * 5
    with pytest.raises(mg.InvalidInputError, match="power of 2"):
        global_sensitivity(ishigami, ISHIGAMI, method="sobol", n=1000, seed=1)


def test_efast_recovers_the_ishigami_indices():
    first, total, _ = ishigami_indices()
    result = global_sensitivity(ishigami, ISHIGAMI, method="efast", n=2049, seed=5)
    table = result.indices.loc["y"]
    assert len(result.samples) == 2049 * 3
    np.testing.assert_allclose(table["S1"], first, atol=0.04)  # worst of 30 seeds: 0.029
    np.testing.assert_allclose(table["ST"], total, atol=0.07)  # worst of 30 seeds: 0.047


def morris_exact(num_levels: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and mean absolute elementary effect of each Ishigami input on the Morris grid:
    the moved input steps from level 0 or 1 by delta = p / (2 (p - 1)), the others sit on any
    level, all equally likely; effects are per delta of the unit range, as in SALib."""
    levels = np.arange(num_levels) / (num_levels - 1)
    delta = num_levels / (2 * (num_levels - 1))
    starts = levels[levels + delta <= 1 + 1e-12]
    mu, mu_star = np.zeros(3), np.zeros(3)
    for i in range(3):
        effects = []
        for others in itertools.product(levels, repeat=2):
            for start in starts:
                low, high = list(others), list(others)
                low.insert(i, start)
                high.insert(i, start + delta)
                X = -np.pi + 2 * np.pi * np.array([low, high])
                effects.append((ishigami(X)[1] - ishigami(X)[0]) / delta)
        mu[i], mu_star[i] = np.mean(effects), np.mean(np.abs(effects))
    return mu, mu_star


def test_morris_screens_the_ishigami_function():
    mu, mu_star = morris_exact()
    assert mu_star[2] < min(mu_star[:2])  # x3 acts only through its interaction with x1
    result = global_sensitivity(ishigami, ISHIGAMI, method="morris", n=400, seed=2)
    table = result.indices.loc["y"]
    assert len(result.samples) == 400 * 4 and result.n_dropped == 0
    np.testing.assert_allclose(table["mu_star"], mu_star, rtol=0.15)  # worst of 30 seeds: 0.115
    assert table["mu_star"]["x2"] == pytest.approx(7.875, rel=1e-9)  # |effect| of x2 is always 7 * 3/4 / (2/3)
    assert table["mu"]["x1"] == pytest.approx(table["mu_star"]["x1"])  # every effect of x1 is positive
    assert table["mu_star"].idxmin() == "x3"
    assert table["sigma"]["x3"] > table["mu_star"]["x3"]  # non-monotonic, interacting


def test_failed_samples_are_counted_and_refused_or_dropped():
    def flaky(X):
        y = ishigami(X)
        y[X[:, 0] > 2.8] = np.nan  # about 5 % of the samples fail
        return y

    with pytest.raises(SampleFailureError, match="samples gave no value") as caught:
        global_sensitivity(flaky, ISHIGAMI, method="sobol", n=256, seed=1)
    assert caught.value.n_failed == int(np.isnan(caught.value.evaluations["y"]).sum()) > 0
    with pytest.raises(SampleFailureError):
        global_sensitivity(flaky, ISHIGAMI, method="efast", n=257, seed=1)
    result = global_sensitivity(flaky, ISHIGAMI, method="morris", n=200, seed=1)
    assert result.n_failed > 0 and 0 < result.n_dropped < 200
    assert np.isfinite(result.indices.to_numpy()).all()


def test_problem_from_the_model(transport):
    spec = problem(transport, "all", relative=0.2)
    values = default_values(transport, model_parameters(transport))
    # parameters that are 0 in the model (inputs that are off: no creatine pool in a generic cell) have no relative range
    assert spec["names"] == [p for p in model_parameters(transport) if values[p] != 0]
    assert {"Cr_tot_c"} <= set(model_parameters(transport)) - set(spec["names"]) and spec["num_vars"] == len(spec["names"])
    assert "faraday" not in spec["names"] and "dists" not in spec
    bounds = dict(zip(spec["names"], spec["bounds"]))
    p_trpm7 = default_values(transport, ["P_TRPM7"])["P_TRPM7"]
    assert bounds["P_TRPM7"] == pytest.approx([0.8 * p_trpm7, 1.2 * p_trpm7])
    assert bounds["V_pm"] == pytest.approx([-84.0, -56.0])  # low < high for a negative value
    k = spec["num_vars"]
    assert salib_sobol.sample(dict(spec), 8, calc_second_order=False, seed=1).shape == (8 * (k + 2), k)
    log = problem(transport, ["P_TRPM7", "Km_MagT1"], relative=0.5, distribution="lognormal",
                  bounds={"Km_MagT1": (np.log(0.2), 0.1)})
    assert log["dists"] == ["lognorm", "lognorm"]
    assert log["bounds"][0] == pytest.approx([np.log(p_trpm7), np.log(1.5)])
    X = salib_sobol.sample(dict(log), 1024, calc_second_order=False, seed=1)
    assert np.median(X[:, 0]) == pytest.approx(p_trpm7, rel=0.05)
    with pytest.raises(mg.InvalidInputError, match="give bounds"):
        problem(transport, ["TRPM6"], relative=0.2)  # expression 0: a relative range is empty
    with pytest.raises(mg.UnknownIdError):
        problem(transport, ["P_TRPM8"], relative=0.2)
    with pytest.raises(mg.InvalidInputError, match="low < high"):
        problem(transport, ["P_TRPM7"], bounds={"P_TRPM7": (2.0, 1.0)})


def test_all_parameters_of_the_composite_leave_out_inputs_that_are_off(composite):
    """Drug inputs are 0 in the model: "all" with relative ranges leaves them out (a relative
    range around 0 is empty) unless bounds are given; named explicitly they are refused."""
    spec = problem(composite, "all", relative=0.2)
    values = default_values(composite, spec["names"])
    assert "iso_applied" not in spec["names"] and all(v != 0 for v in values.values())
    left_out = set(model_parameters(composite)) - set(spec["names"])
    assert left_out and all(default_values(composite, [p])[p] == 0 for p in left_out)
    with_iso = problem(composite, "all", relative=0.2, bounds={"iso_applied": (0.0, 0.1)})
    assert with_iso["num_vars"] == spec["num_vars"] + 1
    with pytest.raises(mg.InvalidInputError, match="'iso_applied' is 0"):
        problem(composite, ["iso_applied"], relative=0.2)


@pytest.fixture(scope="module")
def transport_sobol(transport):
    spec = problem(transport, TRANSPORT, relative=0.3)
    features = [Feature("Mg_c", "steady_state"), Feature("Mg_tot_c", "steady_state")]
    return global_sensitivity(transport, spec, method="sobol", n=64, seed=4, features=features, backend="serial", progress=False)


def test_sobol_on_the_transport_model_ranks_like_the_local_sensitivities(transport, transport_sobol):
    result = transport_sobol
    assert result.n_failed == 0 and len(result.evaluations) == 64 * 8
    assert (result.evaluations["error"] == "").all()
    assert np.isfinite(result.indices.to_numpy()).all()
    local = steady_state_sensitivities(transport, parameters=TRANSPORT, outputs=["Mg_c", "Mg_tot_c"])
    for output in ("Mg_c", "Mg_tot_c"):
        table = result.indices.loc[f"steady_state_{output}"]
        assert table["S1"].sum() <= 1.0 + np.sqrt((table["S1_conf"] ** 2).sum())  # <= 1 within the estimator's error
        # the two largest local sensitivities (Vmax of MagT1 and SLC41A1) are within 10 % of
        # each other: the global ranking over +-30 % may put either first
        assert result.ranking(f"steady_state_{output}").index[0] in local.loc[output].abs().nlargest(2).index
    assert local.loc["Mg_c"].abs().idxmax() == "Vmax_SLC41A1" and local.loc["Mg_tot_c"].abs().idxmax() == "Kd_L"
    # Kd_L changes bound but not free Mg2+: no share of the variance of Mg_c
    assert abs(result.indices.loc[("steady_state_Mg_c", "Kd_L"), "ST"]) < 1e-6
    assert result.indices.loc[("steady_state_Mg_tot_c", "Kd_L"), "ST"] > 1e-3
    # the samples are the parameters the runs used
    assert list(result.samples.columns) == TRANSPORT
    assert result.evaluations.attrs["model"] == "mg_transport"


def test_several_scenarios_are_analysed_separately(transport):
    spec = problem(transport, ["P_TRPM7", "Vmax_SLC41A1"], relative=0.2)
    scenarios = [mg.load_scenario("hypomagnesaemia"), mg.load_scenario("trpm7_knockout")]
    result = global_sensitivity(transport, spec, method="morris", n=4, seed=1, features=[Feature("Mg_c", "end")], scenarios=scenarios,
                    backend="serial", progress=False, n_points=3)
    assert result.outputs == ["hypomagnesaemia:end_Mg_c", "trpm7_knockout:end_Mg_c"]
    knockout = result.indices.loc["trpm7_knockout:end_Mg_c", "mu_star"]
    # no channel, no role for its permeability: what is left is the fading memory of the state
    # before the knockout (TRPM7 carries most of the entry, the cell is still relaxing at 12 h)
    assert knockout["P_TRPM7"] < 1e-3 * knockout["Vmax_SLC41A1"]


def test_global_figures(transport_sobol):
    figure = plot_indices(transport_sobol)
    assert len(figure.axes) == 2
    assert len(figure.axes[0].patches) == 2 * len(TRANSPORT)
    heat = plot_heatmap(transport_sobol.matrix("ST"))
    assert heat.axes[0].images[0].get_array().shape == (len(TRANSPORT), 2)


def test_sensitivity_command(tmp_path, transport):
    runner = CliRunner()
    help_text = runner.invoke(main, ["sensitivity", "--help"]).output
    assert "--method [sobol|morris|efast|local]" in help_text and "--checkpoint" in help_text
    csv, png = tmp_path / "indices.csv", tmp_path / "indices.png"
    result = runner.invoke(main, ["sensitivity", "--method", "sobol", "-n", "16", "--parameters", "P_TRPM7,Vmax_SLC41A1,Kd_L",
                                         "--backend", "serial", "--quiet", "--csv", str(csv), "--plot", str(png)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(csv, index_col=[0, 1])
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert table.loc[("steady_state_Mg_c", "Kd_L"), "ST"] < 1e-6 < table.loc[("steady_state_Mg_c", "Vmax_SLC41A1"), "ST"]
    assert png.stat().st_size > 1000
    local = runner.invoke(main, ["sensitivity", "--method", "local", "--parameters", "P_TRPM7,TRPM7", "--csv", str(csv)])
    assert local.exit_code == 0, local.output
    expected = steady_state_sensitivities(transport, parameters=["P_TRPM7"], outputs=["Mg_c"]).iloc[0, 0]
    assert pd.read_csv(csv, index_col=0).loc["P_TRPM7", "steady_state_Mg_c"] == pytest.approx(expected, rel=1e-9)
    wrong = runner.invoke(main, ["sensitivity", "--parameters", "P_TRPM8"])
    assert wrong.exit_code == 2 and "did you mean 'P_TRPM7'" in wrong.output
