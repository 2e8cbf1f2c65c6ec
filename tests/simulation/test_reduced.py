"""The reduced runner (conserved-moiety analysis: only independent species are integrated) is
used for time courses that set no species after time 0; it gives the full runner's results to
integration accuracy, and every other run gets the full runner."""

from __future__ import annotations

import numpy as np
import pytest

import mgsignal as mg
from mgsignal.scenario import Phase, Scenario
from mgsignal.simulation import Row, Simulator
from mgsignal.simulation.runner import load_runner

TIMES = np.linspace(0.0, 7200.0, 13)


def _full(simulator: Simulator, scenario: Scenario | None, outputs: list[str], row: Row | None = None) -> np.ndarray:
    """The same run forced onto the full runner."""
    runner = simulator._start(scenario, row, "time_course")
    simulator._select(runner, "time_course", ("time",) + tuple(simulator.selection(o) for o in outputs))
    return simulator._integrate_phases(runner, scenario, TIMES)[:, 1:]


@pytest.mark.parametrize("name, outputs, species", [
    ("mg_transport", ["Mg_c", "Mg_tot_c", "Mg_m", "ATP_tot_c"], "Mg_c"),
    ("mg_signalling", ["Mg_c", "Mg_tot_c", "pAkt_frac", "PKA_act", "GLUT4_pm_frac"], "Mg_c"),
])
def test_reduced_runs_equal_full_runs(name, outputs, species):
    model = mg.load_model(name)
    simulator = Simulator(model)
    scenario = Scenario(name="low_then_high", changes={"Mg_e": 0.35},
                        phases=(Phase(start=3600.0, changes={"Mg_e": 2.0, "Vmax_SLC41A1": 0.05}),))
    columns = ["Vmax_SLC41A1", "K_act_SLC41A1", species]  # a parameter row that also sets a species' initial value
    start = simulator.initial_values(columns)
    setter = simulator.rows(columns)
    assert simulator.course_kind(scenario, columns=columns) == "reduced"
    for factor in (0.8, 1.25):
        row = Row(setter, np.array([start[c] * factor for c in columns]))
        reduced = simulator.time_course(scenario, TIMES, outputs, row=row)
        np.testing.assert_allclose(reduced, _full(simulator, scenario, outputs, row), rtol=1e-6, atol=1e-10)
    assert reduced[0, 0] == pytest.approx(start[species] * 1.25)  # the row's initial value is the start


def test_runs_that_set_a_species_later_or_pre_equilibrate_use_the_full_runner(transport):
    simulator = Simulator(transport)
    assert simulator.course_kind(None) == "reduced"
    later = Scenario(name="mg_jump", phases=(Phase(start=60.0, changes={"Mg_c": 1.0}),))
    assert simulator.course_kind(later) == "time_course"
    assert simulator.course_kind(mg.load_scenario("hypomagnesaemia")) == "time_course"  # pre-equilibrated
    compartment = transport.compartments[0]
    assert simulator.course_kind(None, columns=[compartment]) == "time_course"
    np.testing.assert_array_equal(simulator.time_course(later, TIMES, ["Mg_c", "Mg_tot_c"]),
                                  _full(simulator, later, ["Mg_c", "Mg_tot_c"]))


def test_models_without_conserved_pools_use_the_full_runner():
    for name in ("neuron", "body"):
        assert Simulator(mg.load_model(name)).course_kind(None) == "time_course"


def test_saved_reduced_runners_keep_the_analysis(transport):
    assert load_runner(Simulator(transport).saved_state("reduced")).conservedMoietyAnalysis


def test_a_run_the_reduced_runner_cannot_integrate_is_run_on_the_full_one(transport):
    """When CVODE gives up on the reduced system (too many steps; seen at tolerances near the
    round-off of the pools' totals) the simulator falls back to the full one. The failure is made
    here by capping the reduced runner's CVODE steps: the full runner keeps its defaults."""
    simulator = Simulator(transport)
    simulator._runner("reduced").integrator.maximum_num_steps = 20
    closed = {t: 0.0 for t in ("TRPM7", "TRPM6", "MagT1", "SLC41A1", "MRS2", "SLC41A3")}
    scenario = Scenario(name="tight", changes={**closed, "Mg_c": 2.0, "Mg_m": 0.3, "L_c": 30.0},
                        phases=(Phase(start=600.0, changes={"v_ATP_syn": 0.05}),))
    assert simulator.course_kind(scenario) == "reduced"
    with pytest.raises(mg.SimulationError, match="CV_TOO_MUCH_WORK"):
        simulator._course(scenario, TIMES, ["Mg_c"], None, "reduced")
    np.testing.assert_array_equal(simulator.time_course(scenario, TIMES, ["Mg_c"]),
                                  _full(simulator, scenario, ["Mg_c"]))
