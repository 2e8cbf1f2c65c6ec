"""Local sensitivities and control coefficients of the transport model, checked against
independent truth: central finite differences through ``mg.steady_state``/``mg.simulate`` and
scenario changes (never through the code under test), analytic formulas of the buffering
equilibria, and the summation theorems of metabolic control analysis."""

from __future__ import annotations

from dataclasses import replace

import matplotlib
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.sensitivity import (control_coefficients, model_parameters,
                                  plot_heatmap, plot_sensitivity_time_course, plot_tornado,
                                  steady_state_sensitivities, time_course_sensitivities)

from mgsignal.build import models_dir, read_parameter_table

from ..conftest import ROOT

matplotlib.use("Agg")

#: transporter expression species and the reaction each one multiplies linearly
TRANSPORTERS = {"TRPM7": "J_TRPM7", "MagT1": "J_MagT1", "SLC41A1": "J_SLC41A1", "MRS2": "J_MRS2",
                "SLC41A3": "J_SLC41A3"}


@pytest.fixture(scope="module")
def values() -> dict[str, float]:
    """Parameter values read from the Antimony file itself (not from the compiled model)."""
    table = mg.parameter_table(ROOT / "models" / "mg_transport.ant")
    return dict(zip(table["id"], table["value"]))


def _steady_fd(model, pid, value, output, h=1e-3, fixed=None):
    """d ln output / d ln pid at steady state, by central differences through scenario changes
    (``fixed``: further changes applied to all three runs)."""
    fixed = fixed or {}
    up = mg.steady_state(model, mg.Scenario(name="up", changes={**fixed, pid: value * (1 + h)}), outputs=[output])[output]
    down = mg.steady_state(model, mg.Scenario(name="down", changes={**fixed, pid: value * (1 - h)}), outputs=[output])[output]
    base = mg.steady_state(model, mg.Scenario(name="base", changes=fixed), outputs=[output])[output]
    return (up - down) / (2 * h * base)


#: what the transport model marks as fixed (its source says "Constant" or its SBO term is a
#: stoichiometry): CODATA constants, the valence of Mg2+, ln 10, the reference temperature and
#: definition of Q10, the exchangers' stoichiometries
#: physical constants, stoichiometries, definitions (conc_M, pH_ref, Pi_norm_MgPi, Pi_ref_syn, Mg_ref_TRPM7) and switches
#: that set an experiment's condition (mu_growth, MgPi_exchange)
FIXED_PARAMETERS = ("faraday", "R_gas", "z_Mg", "n_Na_SLC41A1", "n_Na_SLC41A3", "T_ref", "dT_Q10", "ln_10",
                    "conc_M", "pH_ref", "Pi_norm_MgPi", "Pi_ref_syn", "Mg_ref_TRPM7", "mu_growth", "MgPi_exchange")


def test_all_parameters_are_the_constant_parameters_but_physical_constants(transport):
    ids = model_parameters(transport)
    assert set(transport.fixed) == set(FIXED_PARAMETERS)
    assert set(FIXED_PARAMETERS) <= set(transport.parameters)
    assert not set(ids) & set(FIXED_PARAMETERS)
    assert set(ids) | set(FIXED_PARAMETERS) == set(transport.parameters)


def test_the_neuron_all_problem_leaves_out_valences_constants_stoichiometries_and_switches(neuron):
    """The neuron model marks its physical constants, ion valences, pump stoichiometry and
    protocol switches; 'all' never varies them (a review found z_K, z_Na, ... varied)."""
    ids = model_parameters(neuron)
    fixed = {"faraday", "R_gas", "z_K", "z_Na", "z_Cl", "z_Ca", "n_Na_NaK", "n_K_NaK", "clamp", "V_hold",
             "mg_block_kinetic"}
    assert fixed <= set(neuron.parameters) and not fixed & set(ids)
    assert {"EC50_Glu_NMDA", "temperature", "P_K_leak"} <= set(ids)


@pytest.mark.parametrize("pid", ["P_TRPM7", "Vmax_SLC41A1", "K_Mg_SLC41A1", "V_pm", "L_tot_c", "TRPM7"])
def test_steady_state_sensitivities_match_finite_differences(transport, values, pid):
    value = values[pid]
    table = steady_state_sensitivities(transport, parameters=[pid], outputs=["Mg_c", "Mg_tot_c", "Mg_m"])
    for output in ("Mg_c", "Mg_tot_c", "Mg_m"):
        expected = _steady_fd(transport, pid, value, output)
        assert table.loc[output, pid] == pytest.approx(expected, rel=1e-4, abs=1e-9), output


def test_steady_state_sensitivities_follow_the_buffering_equilibria(transport):
    """Free Mg2+ is set by transport alone; bound Mg follows the binding equilibrium
    MgL = L_tot Mg / (Kd_L + Mg), so d ln Mg_tot / d ln Kd_L = -MgL Kd_L / ((Kd_L + Mg) Mg_tot);
    more ATP synthesis means more ATP, faster use less."""
    table = steady_state_sensitivities(transport, parameters=["Kd_L", "v_ATP_syn", "k_ATP_use"],
                                       outputs=["Mg_c", "Mg_tot_c", "ATP_tot_c"])
    state = mg.steady_state(transport, outputs=["Mg_c", "MgL_c", "Mg_tot_c"])
    kd = read_parameter_table(models_dir() / "mg_transport.ant").set_index("id")["value"]["Kd_L"]
    analytic = -state["MgL_c"] * kd / ((kd + state["Mg_c"]) * state["Mg_tot_c"])
    assert table.loc["Mg_tot_c", "Kd_L"] == pytest.approx(analytic, rel=1e-5)
    assert abs(table.loc["Mg_c", "Kd_L"]) < 1e-7
    assert table.loc["ATP_tot_c", "v_ATP_syn"] > 0 > table.loc["ATP_tot_c", "k_ATP_use"]


def test_time_course_sensitivities_match_finite_differences(transport, values):
    scenario = mg.load_scenario("hypomagnesaemia")
    params, outputs = ["P_TRPM7", "Kd_L", "Vmax_SLC41A1"], ["Mg_c", "Mg_tot_c"]
    table = time_course_sensitivities(transport, scenario, parameters=params, outputs=outputs, n_points=13)
    h = 2e-3
    for pid in params:
        runs = []
        for factor in (1 + h, 1 - h):
            # a change of the model's value: before the pre-equilibration, kept through the phases
            changed = replace(scenario, preequilibration={**scenario.preequilibration, pid: values[pid] * factor})
            runs.append(mg.simulate(transport, changed, n_points=13, outputs=outputs, rtol=1e-10, atol=1e-14))
        base = mg.simulate(transport, scenario, n_points=13, outputs=outputs, rtol=1e-10, atol=1e-14)
        expected = (runs[0] - runs[1]) / (2 * h) / base
        for output in outputs:
            for time in (0.0, 7200.0, 21600.0, 43200.0):
                got = table.loc[(output, time), pid]
                assert got == pytest.approx(expected.loc[time, output], rel=1e-3, abs=1e-6), (pid, output, time)
    # the transient after the fall of extracellular Mg2+ is not the steady-state answer
    assert table.loc[("Mg_tot_c", 7200.0), "Kd_L"] < 1.01 * table.loc[("Mg_tot_c", 0.0), "Kd_L"] < 0


def test_time_course_starts_at_the_steady_state_sensitivities(transport):
    """With a pre-equilibration at the model's values, the sensitivities at t = 0 are those of
    the steady state."""
    scenario = mg.load_scenario("trpm7_knockout")
    params = ["P_TRPM7", "Vmax_MagT1", "Na_e"]
    course = time_course_sensitivities(transport, scenario, parameters=params, outputs=["Mg_c"], n_points=3)
    steady = steady_state_sensitivities(transport, parameters=params, outputs=["Mg_c"])
    np.testing.assert_allclose(course.loc[("Mg_c", 0.0)].to_numpy(), steady.loc["Mg_c"].to_numpy(), rtol=1e-4)
    # after the knockout the channel's permeability no longer matters: what is left at 12 h is the
    # fading memory of the state before it (TRPM7 carries most of the entry; the cell still relaxes)
    assert abs(course.loc[("Mg_c", 43200.0), "P_TRPM7"]) < 1e-3 * abs(course.loc[("Mg_c", 0.0), "P_TRPM7"])


@pytest.fixture(scope="module")
def coefficients(transport):
    return control_coefficients(transport)


@pytest.mark.parametrize("expression", list(TRANSPORTERS))
def test_control_coefficients_equal_responses_to_transporter_expression(transport, coefficients, expression):
    """Expression multiplies the rate law of its reaction linearly, so the control coefficient of
    that reaction is the response coefficient to expression (computed by finite differences).
    Control coefficients come from the reactions' stoichiometry: a state set by a rate rule (the
    slow uptake adaptation ``uptake_reg``) is held at its steady value, so the finite
    differences open that loop too (Hill coefficient 0, maximum twice the steady value: the
    same baseline, a constant factor)."""
    reaction = TRANSPORTERS[expression]
    steady = mg.steady_state(transport, outputs=["uptake_reg"])["uptake_reg"]
    open_loop = {"n_reg_uptake": 0.0, "reg_max_uptake": 2 * steady}
    for output in ("Mg_c", "Mg_m", "Mg_tot_c", reaction):
        expected = _steady_fd(transport, expression, 1.0, output, fixed=open_loop)
        assert coefficients.loc[output, reaction] == pytest.approx(expected, rel=1e-4, abs=1e-8), output


def test_summation_theorems(coefficients):
    rows = coefficients.dropna()
    species = [s for s in ("Mg_c", "Mg_m", "ATP_c", "MgATP_c", "MgL_c", "Mg_tot_c", "Mg_tot_m") if s in rows.index]
    fluxes = ["J_TRPM7", "J_MagT1", "J_SLC41A1", "J_MRS2", "J_SLC41A3", "ATP_use_Mg"]
    np.testing.assert_allclose(rows.loc[species].sum(axis=1), 0.0, atol=1e-6)
    np.testing.assert_allclose(rows.loc[fluxes].sum(axis=1), 1.0, atol=1e-6)
    # the efflux exchanger carries the whole plasma-membrane efflux: its flux control over free Mg2+ is negative
    assert coefficients.loc["Mg_c", "J_SLC41A1"] < -0.1


def test_reactions_without_flux_have_no_flux_control_coefficients(coefficients):
    assert coefficients.loc["J_TRPM6"].isna().all()  # TRPM6 is not expressed
    assert coefficients.loc["b_MgL_c"].isna().all()  # binding at equilibrium
    assert (coefficients["J_TRPM6"].dropna() == 0).all()


def test_control_coefficients_refuse_rules_that_read_rates(transport):
    with pytest.raises(mg.InvalidInputError, match="J_pm_net"):
        control_coefficients(transport, outputs=["J_pm_net"])
    with pytest.raises(mg.UnknownIdError, match="did you mean"):
        control_coefficients(transport, outputs=["Mg_cc"])


def test_sensitivity_runs_do_not_leak(transport):
    before = mg.steady_state(transport, outputs=["Mg_c", "Mg_tot_c"])
    course_before = mg.simulate(transport, mg.load_scenario("hypomagnesaemia"), n_points=5, outputs=["Mg_c"])
    steady_state_sensitivities(transport, parameters=["P_TRPM7", "L_tot_c", "TRPM7"], outputs=["Mg_c"])
    time_course_sensitivities(transport, mg.load_scenario("efflux_assay"), parameters=["Vmax_SLC41A1"],
                              outputs=["Mg_c"], n_points=3)
    control_coefficients(transport, outputs=["Mg_c"])
    np.testing.assert_allclose(mg.steady_state(transport, outputs=["Mg_c", "Mg_tot_c"]), before, rtol=1e-12)
    course = mg.simulate(transport, mg.load_scenario("hypomagnesaemia"), n_points=5, outputs=["Mg_c"])
    np.testing.assert_allclose(course.to_numpy(), course_before.to_numpy(), rtol=1e-12)


def test_unscaled_sensitivities_and_zero_outputs(transport):
    table = steady_state_sensitivities(transport, parameters=["P_TRPM7"], outputs=["Mg_c", "J_pm_net"], scaled=False)
    scaled = steady_state_sensitivities(transport, parameters=["P_TRPM7"], outputs=["Mg_c", "J_pm_net"])
    mg_c = mg.steady_state(transport, outputs=["Mg_c"])["Mg_c"]
    p_trpm7 = read_parameter_table(models_dir() / "mg_transport.ant").set_index("id")["value"]["P_TRPM7"]
    assert table.loc["Mg_c", "P_TRPM7"] == pytest.approx(scaled.loc["Mg_c", "P_TRPM7"] * mg_c / p_trpm7, rel=1e-9)
    assert np.isnan(scaled.loc["J_pm_net", "P_TRPM7"])  # no net flux at steady state: nothing to scale by
    with pytest.raises(mg.UnknownIdError):
        steady_state_sensitivities(transport, parameters=["P_TRPM8"])


def test_local_figures(transport, coefficients):
    steady = steady_state_sensitivities(transport, outputs=["Mg_c", "Mg_tot_c"])
    figure = plot_tornado(steady.loc["Mg_c"], top=8)
    assert len(figure.axes[0].patches) == 8
    heat = plot_heatmap(coefficients.loc[["Mg_c", "Mg_tot_c", "J_TRPM7"], ["J_TRPM7", "J_MagT1", "J_SLC41A1"]])
    assert heat.axes[0].images[0].get_array().shape == (3, 3)
    course = time_course_sensitivities(transport, mg.load_scenario("hypomagnesaemia"),
                                       parameters=["P_TRPM7", "Kd_L"], outputs=["Mg_c"], n_points=5)
    lines = plot_sensitivity_time_course(course, "Mg_c").axes[0].get_lines()
    assert len([line for line in lines if line.get_label() in {"P_TRPM7", "Kd_L"}]) == 2
