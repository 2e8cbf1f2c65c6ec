"""The simulation layer: result shape, provenance, clear errors."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import mgsignal as mg


def test_result_is_a_dataframe_with_time_index_and_plain_ids(transport):
    table = mg.simulate(transport, t_end=3600, n_points=7)
    assert table.index.name == "time"
    np.testing.assert_allclose(table.index, np.linspace(0, 3600, 7))
    assert list(table.columns) == list(transport.species + transport.readouts)
    assert "ghk_pm" not in table.columns  # intermediates only on request


def test_provenance_is_recorded(transport):
    table = mg.simulate(transport, mg.load_scenario("hypomagnesaemia"), n_points=3)
    attrs = table.attrs
    assert attrs["model"] == "mg_transport" and len(attrs["model_sha256"]) == 64
    assert attrs["scenario"]["name"] == "hypomagnesaemia"
    assert {"mgsignal", "libroadrunner", "antimony", "python-libsbml"} <= set(attrs["versions"])
    assert attrs["units"]["time"] == "second" and attrs["units"]["Mg_c"] == "mM"


def test_requested_outputs_and_unknown_outputs(transport):
    table = mg.simulate(transport, t_end=10, n_points=2, outputs=["J_TRPM7", "ghk_pm", "Mg_c"])
    assert list(table.columns) == ["J_TRPM7", "ghk_pm", "Mg_c"]
    with pytest.raises(mg.UnknownIdError, match="did you mean 'J_TRPM7'"):
        mg.simulate(transport, t_end=10, outputs=["J_TRPM8"])


def test_end_time_must_be_given_or_come_from_the_scenario(transport):
    with pytest.raises(mg.InvalidInputError, match="t_end"):
        mg.simulate(transport)
    assert mg.simulate(transport, mg.load_scenario("atp_depletion"), n_points=2).index[-1] == 14400.0


def test_failed_integration_names_scenario_and_parameters(transport):
    scenario = mg.Scenario(name="frozen", changes={"temperature": 1e-300})  # u = zFV/RT -> infinite
    with pytest.raises(mg.SimulationError) as info:
        mg.simulate(transport, scenario, t_end=100)
    message = str(info.value)
    assert "'frozen'" in message and "temperature=1e-300" in message


@pytest.mark.parametrize(("target", "value", "bound"), [("temperature", 0.0, "> 0 kelvin"),
                                                       ("temperature", -5.0, "> 0 kelvin"),
                                                       ("cytosol", 0.0, "> 0 pL"),
                                                       ("Mg_e", -0.1, ">= 0 mM"),
                                                       ("TRPM7", -1.0, ">= 0"),
                                                       ("P_TRPM7", -1e-3, ">= 0 pL_per_s")])
def test_physically_impossible_values_are_refused_with_id_and_bound(transport, target, value, bound):
    with pytest.raises(mg.InvalidInputError, match=rf"{target} = {value:g} is not physical: it must be {bound}"):
        mg.simulate(transport, mg.Scenario(name="impossible", changes={target: value}), t_end=10)
    with pytest.raises(mg.InvalidInputError, match=target):
        mg.steady_state(transport, mg.Scenario(name="impossible", phases=(mg.Phase(start=5, changes={target: value}),)))
    assert mg.simulate(transport, mg.Scenario(name="fine", changes={"V_pm": -90.0}), t_end=10).notna().all().all()


def test_a_steady_state_fed_back_as_initial_values_is_accepted_despite_round_off(transport):
    """A steady state carries solver round-off around 0 (PCr_c of a cell without creatine came out
    at -1.7e-24 mM); feeding it back as initial values must work, a real negative must not."""
    from mgsignal.model import ROUND_OFF
    fine = mg.simulate(transport, mg.Scenario(name="round_off", changes={"PCr_c": -ROUND_OFF / 10}), t_end=10)
    assert fine["PCr_c"].abs().max() < 1e-12
    with pytest.raises(mg.InvalidInputError, match=r"PCr_c = -1e-09 is not physical"):
        mg.simulate(transport, mg.Scenario(name="negative", changes={"PCr_c": -1e-9}), t_end=10)


def test_a_scenario_given_as_a_name_is_refused_with_the_fix(transport):
    with pytest.raises(mg.InvalidInputError, match=r"mgsignal.load_scenario\('hypomagnesaemia'\)"):
        mg.simulate(transport, "hypomagnesaemia")


def test_no_steady_state_is_a_clear_error(tmp_path):
    path = tmp_path / "growth.ant"
    path.write_text(
        "model growth\n  unit substance = 1e-15 mole\n  unit extent = 1e-15 mole\n"
        "  unit volume = 1e-12 litre\n  unit time_unit = second\n"
        "  unit fmol_per_s = 1e-15 mole / second\n"
        "  compartment c = 1 volume;  // test\n  species X in c = 1;  // test\n"
        "  k = 1 fmol_per_s;  // test\n  J: => X; k\nend\n")
    model = mg.load_model(path)
    with pytest.raises(mg.SteadyStateError, match="no steady state found.*'more'.*k=2"):
        mg.steady_state(model, mg.Scenario(name="more", changes={"k": 2.0}))


def test_unknown_model_names_near_matches():
    with pytest.raises(mg.UnknownIdError, match="did you mean 'mg_transport'"):
        mg.load_model("mg_transprot")


def test_solver_warnings_go_to_stderr_never_between_results_on_stdout(tmp_path):
    """CVODE (SUNDIALS) writes its warnings to stdout by itself; a run that makes it warn (a
    right-hand side that blows up at t = 1001 s) must leave stdout to the program's results."""
    import subprocess
    model = tmp_path / "blowup.ant"
    model.write_text(
        "model blowup\n  unit substance = 1e-15 mole\n  unit extent = 1e-15 mole\n"
        "  unit volume = 1e-12 litre\n  unit time_unit = second\n  unit fmol_per_s = 1e-15 mole / second\n"
        "  unit per_s2 = 1 / second^2\n  compartment c = 1 volume;  // test\n  species X in c = 0;  // test\n"
        "  t0 = 1001 second;  // test\n  k = 1 fmol_per_s;  // test\n  k2 = 1 per_s2;  // test\n"
        "  J: => X; k / (k2 * (t0 - time)^2)\nend\n")
    script = ("import mgsignal as mg\n"
              f"m = mg.load_model({str(model)!r})\n"
              "try:\n    mg.simulate(m, mg.Scenario(name='blowup'), t_end=1002, n_points=3)\n"
              "except mg.SimulationError:\n    pass\nprint('RESULT')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUNLOGGER")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "RESULT\n"
    assert "[WARNING]" in done.stderr and "CVode" in done.stderr  # the warnings are kept, on stderr


def test_models_load_after_tellurium_is_imported():
    """tellurium imports libsedml, whose bundled libsbml wrappers once made loading loop forever."""
    import tellurium  # noqa: F401  (a test dependency; `import tellurium` needs six)
    model = mg.load_model("mg_transport")
    assert model.names["Mg_c"] == "cytosolic free Mg2+"


def test_steady_state_of_a_model_with_events_falls_back_to_simulation_and_says_so(insulin):
    state = mg.steady_state(insulin, outputs=["pAkt_frac", "IR"], settle=1e5)
    assert state.attrs["method"] == "simulation" and "has events" in state.attrs["note"]
    end = mg.simulate(insulin, t_end=1e5, n_points=11, outputs=["pAkt_frac", "IR"]).iloc[-1]
    np.testing.assert_allclose(state.to_numpy(), end.to_numpy(), rtol=1e-9)
    assert state.attrs["still_changing"] >= 0
    transport = mg.steady_state(mg.load_model("mg_transport"), outputs=["Mg_c"])
    assert transport.attrs["method"] == "Newton"
