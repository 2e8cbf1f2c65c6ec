"""The objective: one experiment computed by hand through the public simulation API, the
pre-equilibration by simulation against the steady-state solver, failed runs, copies."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import mgsignal as mg
from mgsignal.calibration import CalibrationObjective, load_parameters
from mgsignal.calibration.objective import FAILED_RESIDUAL
from mgsignal.errors import SimulationError
from mgsignal.simulation import Simulator


@pytest.fixture(scope="module")
def table(transport):
    return load_parameters(model=transport)


def test_objective_of_one_experiment_equals_a_hand_computation(transport, experiments, table):
    """tashiro2009_fccp at the model's (calibrated) values: Na+-free FCCP after a steady state in
    normal Tyrode at 25 degC, read by mag-fura-2 with a calibration factor in [0.5, 2]."""
    basal = {"Cr_tot_c": 25.0, "Mg_e": 1.0, "Na_c": 12.0, "Na_e": 140.0, "dpH_m": 0.8, "dpsi_m": -160.0,
             "temperature": 298.15, "v_ATP_syn": 0.5}
    fccp = {**basal, "Na_e": 0.0, "dpH_m": 0.0, "dpsi_m": 0.0, "v_ATP_syn": 0.0}
    scenario = mg.Scenario(name="by hand", preequilibration=basal, changes=fccp)  # steady state by the solver
    course = mg.simulate(transport, scenario, t_end=900.0, n_points=31, outputs=["Mg_c"])
    x = course["Mg_c"].loc[[0.0, 480.0, 900.0]].to_numpy()
    y, sd = np.array([0.9, 2.5, 2.5]), np.array([0.1, 0.3, 0.3])
    scale = np.clip(np.sum(y * x / sd ** 2) / np.sum(x ** 2 / sd ** 2), 0.5, 2.0)
    residuals = (scale * x - y) / sd
    objective = CalibrationObjective(transport, [experiments["tashiro2009_fccp"]], table)
    values = objective.nominal()
    predicted = objective.predict(values)
    np.testing.assert_allclose(predicted["simulation"], scale * x, rtol=1e-5)
    np.testing.assert_allclose(predicted["residual"], residuals, rtol=1e-5, atol=1e-6)
    assert predicted["observationParameter"].iloc[0] == pytest.approx(scale, rel=1e-5)
    priors = [(v - p.prior[0]) / p.prior[1] for p, v in zip(table, values) if p.prior is not None]
    assert objective(values) == pytest.approx(0.5 * (np.sum(residuals ** 2) + np.sum(np.square(priors))), rel=1e-6)
    assert len(objective.residuals(values)) == 3 + len(priors)


def test_pre_equilibration_by_simulation_reaches_the_solver_s_steady_state(transport, experiments):
    simulator = Simulator(transport)
    outputs = ["Mg_c", "Mg_tot_c", "Mg_m", "ATP_tot_c", "PCr_c", "Pi_tot_c", "uptake_reg"]
    for experiment in experiments.values():
        for condition in {r.preequilibration for r in experiment.runs()}:
            changes = experiment.conditions[condition]
            settled = mg.Scenario(name="settled", preequilibration=dict(changes), preequilibration_time=1e7)
            simulated = simulator.time_course(settled, np.array([0.0, 1.0]), outputs)[0]
            solved = simulator.steady_state(mg.Scenario(name="solved", changes=dict(changes)), outputs)
            np.testing.assert_allclose(simulated, solved, rtol=1e-8, atol=1e-12, err_msg=experiment.id)


def test_a_failed_run_gives_a_large_residual_and_says_why(transport, experiments, table, monkeypatch):
    objective = CalibrationObjective(transport, [experiments["almulla2006_recovery"]], table)
    x = objective.nominal()
    original = Simulator.time_course

    def failing(self, scenario, *args, **kwargs):
        if scenario.name.endswith(":rec70"):
            raise SimulationError("integration failed (planted)", scenario=scenario.name)
        return original(self, scenario, *args, **kwargs)

    monkeypatch.setattr(Simulator, "time_course", failing)
    predicted = objective.predict(x)
    failed = predicted["protocolId"] == "rec70"
    assert (predicted.loc[failed, "residual"] == FAILED_RESIDUAL).all()
    assert predicted.loc[failed, "error"].str.contains("planted").all()
    assert (predicted.loc[~failed, "error"] == "").all() and (predicted.loc[~failed, "residual"].abs() < 5).all()


def test_copies_and_pickles_give_the_same_residuals(transport, experiments, table):
    objective = CalibrationObjective(transport, [experiments["kolisek2012_hek"]], table)
    x = objective.nominal() + 0.01
    expected = objective.residuals(x)
    for other in (copy.deepcopy(objective), pickle.loads(pickle.dumps(objective))):
        np.testing.assert_array_equal(other.residuals(x), expected)
    with pytest.raises(mg.InvalidInputError, match=f"must have {len(table)} values"):
        objective.values([0.0])


def test_an_experiment_for_another_model_is_refused(transport, experiments, table):
    import dataclasses
    other = dataclasses.replace(experiments["kolisek2012_hek"], model="neuron")
    with pytest.raises(mg.InvalidInputError, match="written for model 'neuron', not 'mg_transport'"):
        CalibrationObjective(transport, [other], table)
