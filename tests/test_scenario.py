"""Scenarios are plain data, checked against the model, and never leak between runs."""

from __future__ import annotations

import numpy as np
import pytest

import mgsignal as mg
from mgsignal.scenario import scenario_from_dict


def test_every_builtin_scenario_loads_and_targets_known_ids(shipped):
    names = mg.available_scenarios()
    assert {"hypomagnesaemia", "supplementation", "atp_depletion", "trpm7_knockout"} <= set(names)
    for name in names:
        scenario = mg.load_scenario(name)
        assert scenario.name == name and scenario.description
        mg.scenario.check_scenario(scenario, shipped[scenario.model or "mg_transport"])


def test_round_trip_through_plain_data():
    scenario = mg.load_scenario("supplementation")
    assert scenario_from_dict(scenario.to_dict()) == scenario


def test_unknown_target_names_near_matches(transport):
    scenario = mg.Scenario(name="typo", changes={"Mg_ee": 0.3})
    with pytest.raises(mg.UnknownIdError) as info:
        mg.simulate(transport, scenario, t_end=10)
    assert "'Mg_ee'" in str(info.value) and "did you mean 'Mg_e'" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_unknown_scenario_name_names_near_matches():
    with pytest.raises(mg.UnknownIdError, match="did you mean 'hypomagnesaemia'"):
        mg.load_scenario("hypomagnesemia")


def test_readouts_are_not_settable(transport):
    with pytest.raises(mg.UnknownIdError, match="settable id 'Mg_tot_c'"):
        mg.simulate(transport, mg.Scenario(name="bad", changes={"Mg_tot_c": 3.0}), t_end=10)


@pytest.mark.parametrize("bad", [
    dict(phases=(mg.Phase(start=100, changes={}), mg.Phase(start=50, changes={}))),
    dict(phases=(mg.Phase(start=0, changes={}),)),
    dict(changes={"Mg_e": float("nan")}),
    dict(changes={"Mg_e": "high"}),
    dict(duration=-1.0),
])
def test_invalid_scenarios_are_refused(bad):
    with pytest.raises(mg.InvalidInputError):
        mg.Scenario(name="bad", **bad)


def test_unknown_keys_in_a_scenario_file_are_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nchange = { Mg_e = 0.3 }\n')
    with pytest.raises(mg.InvalidInputError, match="'change'"):
        mg.load_scenario(path)


def test_a_then_b_gives_exactly_b_alone(transport):
    """Every kind of change (parameter, species initial value, boundary species, phase,
    pre-equilibration) in A must not leak into B."""
    a = mg.Scenario(name="a", changes={"Mg_c": 3.0, "L_c": 40.0, "Mg_e": 1.5, "L_tot_c": 35.0, "TRPM7": 0.2},
                    phases=(mg.Phase(start=600, changes={"v_ATP_syn": 0.01, "MgL_c": 2.0}),))
    b = mg.load_scenario("hypomagnesaemia")
    b_alone = mg.simulate(transport, b, n_points=25)
    rest_alone = mg.steady_state(transport)
    mg.simulate(transport, a, t_end=3600, n_points=5)
    mg.steady_state(transport, a)
    b_after_a = mg.simulate(transport, b, n_points=25)
    np.testing.assert_array_equal(b_after_a.to_numpy(), b_alone.to_numpy())
    rest_after_a = mg.steady_state(transport)
    np.testing.assert_array_equal(rest_after_a.to_numpy(), rest_alone.to_numpy())
    assert rest_after_a["Mg_tot_c"] != pytest.approx(mg.steady_state(transport, a)["Mg_tot_c"], rel=1e-3)  # A differs


def test_changing_a_parameter_at_time_zero_reevaluates_initial_assignments(transport):
    """L_tot_c sets the initial free and bound ligand through initial assignments."""
    row = mg.simulate(transport, mg.Scenario(name="more_ligand", changes={"L_tot_c": 41.2}),
                      t_end=1e-6, n_points=2, outputs=["L_c", "MgL_c"]).iloc[0]
    assert row["L_c"] + row["MgL_c"] == pytest.approx(41.2, rel=1e-12)


def test_phase_changes_apply_at_their_start(transport):
    scenario = mg.Scenario(name="step", phases=(mg.Phase(start=100.0, changes={"Mg_e": 0.3}),))
    table = mg.simulate(transport, scenario, t_end=200, n_points=5, outputs=["Mg_e"])
    assert table["Mg_e"].tolist() == [0.6, 0.6, 0.6, 0.3, 0.3]  # the row at 100 s is just before


def test_preequilibration_starts_from_steady_state(transport, transport_state):
    scenario = mg.Scenario(name="pre", preequilibration={"Mg_e": 0.35}, changes={"Mg_e": 0.6})
    start = mg.simulate(transport, scenario, t_end=1, n_points=2, outputs=["Mg_c", "Mg_e"]).iloc[0]
    adapted = mg.steady_state(transport, mg.Scenario(name="low", changes={"Mg_e": 0.35}), outputs=["Mg_c"])
    assert start["Mg_e"] == 0.6
    assert start["Mg_c"] == pytest.approx(adapted["Mg_c"], rel=1e-9)
    assert start["Mg_c"] < transport_state["Mg_c"]


def test_every_shipped_scenario_runs_on_its_model_with_finite_outputs(shipped):
    """Every scenario file is loaded and run to its end, on the model it is written for."""
    for name in mg.available_scenarios():
        scenario = mg.load_scenario(name)
        model = shipped[scenario.model or "mg_transport"]
        table = mg.simulate(model, scenario, n_points=7)
        assert table.index[-1] == scenario.duration, name
        assert np.isfinite(table.to_numpy()).all(), name
        species = [s for s in model.species if s in table.columns]
        assert (table[species].to_numpy() > -1e-9).all(), name  # concentrations stay non-negative
