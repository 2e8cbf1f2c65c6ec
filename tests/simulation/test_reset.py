"""Runs never leak into each other: the simulator's cheap reset (``reset`` without
``resetToOrigin`` after a plain run with the same row columns) gives bit-identical results to a
runner reset to its origin before every run, whatever ran before."""

from __future__ import annotations

import numpy as np
import pytest

import mgsignal as mg
from mgsignal.scenario import Scenario
from mgsignal.simulation import Row, Simulator

TIMES = np.linspace(0.0, 3600.0, 7)


def _defaults(model: mg.Model, ids: list[str]) -> np.ndarray:
    values = Simulator(model).initial_values(ids)
    return np.array([values[p] for p in ids])


def _rows(model: mg.Model, ids: list[str], n: int) -> np.ndarray:
    return _defaults(model, ids) * np.random.default_rng(3).uniform(0.7, 1.3, size=(n, len(ids)))


def _fresh(model: mg.Model, setter_ids: list[str], values: np.ndarray, outputs: list[str],
           scenario: Scenario | None = None) -> np.ndarray:
    simulator = Simulator(model)
    return simulator.time_course(scenario, TIMES, outputs, row=Row(simulator.rows(setter_ids), values))


@pytest.mark.parametrize("name, outputs", [("mg_transport", ["Mg_c", "Mg_m"]),
                                           ("mg_signalling", ["Mg_c", "pAkt_frac"])])
def test_plain_runs_in_a_row_equal_fresh_runs_bit_for_bit(name, outputs):
    model = mg.load_model(name)
    free = [p for p in model.parameters if p not in model.fixed]
    ids = [p for p, value in zip(free, _defaults(model, free)) if value > 0][:6]
    rows = _rows(model, ids, 4)
    simulator = Simulator(model)
    setter = simulator.rows(ids)
    in_a_row = [simulator.time_course(None, TIMES, outputs, row=Row(setter, values)) for values in rows]
    for values, result in zip(rows, in_a_row):
        np.testing.assert_array_equal(result, _fresh(model, ids, values, outputs))
    assert not np.array_equal(in_a_row[0], in_a_row[1])  # the rows do change the results


def test_a_run_after_a_scenario_or_other_columns_starts_from_the_origin(transport):
    ids = ["Vmax_SLC41A1", "P_TRPM7"]
    other = ["K_act_SLC41A1"]
    simulator = Simulator(transport)
    setter, other_setter = simulator.rows(ids), simulator.rows(other)
    values = _defaults(transport, ids) * 1.2
    expected = _fresh(transport, ids, values, ["Mg_c"])
    changed = Scenario(name="loaded", changes={"Mg_e": 5.0, "Na_c": 20.0})
    simulator.time_course(changed, TIMES, ["Mg_c"], row=Row(setter, values))
    np.testing.assert_array_equal(simulator.time_course(None, TIMES, ["Mg_c"], row=Row(setter, values)), expected)
    simulator.time_course(None, TIMES, ["Mg_c"], row=Row(other_setter, np.array([0.5])))
    np.testing.assert_array_equal(simulator.time_course(None, TIMES, ["Mg_c"], row=Row(setter, values)), expected)
    simulator.time_course(None, TIMES, ["Mg_c"], row=Row(setter, values))
    np.testing.assert_array_equal(simulator.time_course(None, TIMES, ["Mg_c"]), _fresh(transport, [], np.array([]), ["Mg_c"]))


def test_runs_after_events_fired_equal_fresh_runs_bit_for_bit(composite):
    """The composite's published receptor-synthesis events (``switch_width = 0``) assign a
    parameter (``k5_events``, 0 at the origin, set to the synthesis rate above the threshold as
    soon as the run starts); the cheap reset sets it back. Two rows that differ in outside Mg2+ and
    in the insulin receptor's Mg2+ constant, run in turn, each equal a fresh simulator's run."""
    ids = ["switch_width", "Mg_e", "K_Mg_IRK"]
    k_mg_irk = _defaults(composite, ["K_Mg_IRK"])[0]
    low, normal = np.array([0.0, 0.35, 1.3 * k_mg_irk]), np.array([0.0, 1.0, k_mg_irk])
    times, outputs = np.linspace(0.0, 12 * 3600.0, 13), ["Mg_c", "pAkt_frac", "k5_events"]
    simulator = Simulator(composite)
    setter = simulator.rows(ids)
    runs = [simulator.time_course(None, times, outputs, row=Row(setter, values)) for values in (low, normal, low)]

    def fresh(values: np.ndarray) -> np.ndarray:
        new = Simulator(composite)
        return new.time_course(None, times, outputs, row=Row(new.rows(ids), values))

    assert runs[0][0, 2] == 0.0 < runs[0][-1, 2]  # the events fired and changed the parameter
    assert not np.array_equal(runs[0][:, 0], runs[1][:, 0])  # the rows do differ
    np.testing.assert_array_equal(runs[1], fresh(normal))
    np.testing.assert_array_equal(runs[2], runs[0])
    np.testing.assert_array_equal(runs[0], fresh(low))
