"""The body -> cell coupling (mgsignal.clinical.coupling) against the fully coupled model.

The choice: the body runs first and its plasma ionized Mg²⁺ becomes a piecewise-constant input
(``Mg_e``) of the cell model, each interval carrying the time average of plasma Mg over it. The
reference: body and transport model merged into one SBML model, ``Mg_e`` an assignment rule of
plasma ionized Mg (tests/clinical/fully_coupled.py), integrated as one system. Both start from
the body's pre-equilibrated state with the cell at steady state in it, and are compared at the
same output times on cytosolic free and total Mg (and matrix free Mg).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import mgsignal as mg
from mgsignal.clinical.coupling import PlasmaDrive, _intervals, drive_model, drive_scenario, plasma_drive
from mgsignal.errors import InvalidInputError
from mgsignal.model import model_from_sbml

from .fully_coupled import fully_coupled_sbml

#: largest relative difference of cytosolic free and total Mg (and matrix free Mg) allowed
TOLERANCE = 1e-3
OUTPUTS = ["Mg_c", "Mg_tot_c", "Mg_m"]


@pytest.fixture(scope="module")
def coupled(shipped) -> mg.Model:
    return model_from_sbml(fully_coupled_sbml(shipped["body"].sbml, shipped["mg_transport"].sbml), name="body_cell")


@pytest.mark.parametrize("name", ["body_dietary_mg_deprivation", "body_loop_diuretic", "body_mgso4_zuspan",
                                  "body_mg_free_diet"])
def test_driven_cell_matches_the_fully_coupled_model(shipped, coupled, name, record_property):
    body, cell = shipped["body"], shipped["mg_transport"]
    scenario = mg.load_scenario(name)
    mg.simulate(coupled, scenario, t_end=10.0, n_points=2)  # compile both outside the timing
    mg.simulate(cell, None, t_end=10.0, n_points=2)
    start = time.perf_counter()
    reference = mg.simulate(coupled, scenario, n_points=241, outputs=[f"cell_{sid}" for sid in OUTPUTS])
    coupled_s = time.perf_counter() - start
    start = time.perf_counter()
    drive = plasma_drive(body, scenario)
    driven = drive_model(cell, drive, outputs=OUTPUTS, n_points=241)
    driven_s = time.perf_counter() - start
    np.testing.assert_allclose(driven.index.to_numpy(), reference.index.to_numpy(), rtol=1e-12)
    error = np.max(np.abs(driven.to_numpy() / reference.to_numpy() - 1), axis=0)
    record_property("max_relative_error", dict(zip(OUTPUTS, error.tolist())))
    record_property("seconds", {"fully_coupled": coupled_s, "driven": driven_s, "intervals": len(drive.starts)})
    assert np.all(error < TOLERANCE), f"{name}: max relative differences {dict(zip(OUTPUTS, error))}"
    # the cell moved far more than the error: the comparison is not of two flat lines
    moved = np.ptp(reference.to_numpy(), axis=0) / np.abs(reference.to_numpy()).mean(axis=0)
    assert np.all(moved > 10 * error), f"{name}: the cell barely moved ({moved}); the test shows nothing"
    assert driven_s < 5.0 and coupled_s < 5.0


def test_intervals_keep_the_time_average_and_the_tolerance():
    times = np.linspace(0.0, 10.0, 1001)
    values = 1.0 + 0.2 * np.sin(times)
    starts, means = _intervals(times, values, rel_tol=1e-3)
    ends = list(starts[1:]) + [10.0]
    integral = sum(m * (b - a) for a, b, m in zip(starts, ends, means))
    assert integral == pytest.approx(np.trapezoid(values, times), rel=1e-12)
    for a, b, m in zip(starts, ends, means):
        inside = values[(times >= a) & (times <= b)]
        assert np.all(np.abs(inside - m) <= 2e-3 * m)
    assert np.all(np.diff(starts) > 0) and starts[0] == 0.0


def test_a_flat_trace_is_one_interval(shipped):
    drive = plasma_drive(shipped["body"], mg.load_scenario("body_normal"))
    assert drive.starts == (0.0,) and drive.values[0] == pytest.approx(drive.initial, rel=1e-9)
    assert 0.45 < drive.initial < 0.6  # plasma ionized Mg2+ of the reference adult, mM


def test_drive_scenario_is_plain_data():
    drive = PlasmaDrive(scenario="x", initial=0.5, starts=(0.0, 10.0), values=(0.45, 0.4), duration=20.0)
    scenario = drive_scenario(drive, conditions={"Glu_e": 1e-5}, preequilibration_time=100.0)
    assert scenario.preequilibration == {"Glu_e": 1e-5, "Mg_e": 0.5} and scenario.changes == {"Mg_e": 0.45}
    assert [(p.start, p.changes) for p in scenario.phases] == [(10.0, {"Mg_e": 0.4})]
    assert scenario.duration == 20.0 and scenario.preequilibration_time == 100.0
    assert list(drive.to_frame().columns) == ["start", "end", "Mg_e"]
    with pytest.raises(InvalidInputError, match="drive sets it"):
        drive_scenario(drive, conditions={"Mg_e": 1.0})
    with pytest.raises(InvalidInputError):
        PlasmaDrive(scenario="x", initial=0.5, starts=(0.0, 30.0), values=(0.4, 0.4), duration=20.0)
    with pytest.raises(InvalidInputError):
        PlasmaDrive(scenario="x", initial=-1.0, starts=(0.0,), values=(0.4,), duration=20.0)


def test_drive_model_is_the_drive_scenario_run_by_simulate(shipped):
    """The shifted time axis of drive_model (no integration from t = -T) changes nothing."""
    cell = shipped["mg_transport"]
    drive = plasma_drive(shipped["body"], mg.load_scenario("body_mgso4_zuspan"))
    shifted = drive_model(cell, drive, outputs=OUTPUTS, n_points=49, preequilibration_time=1e7)
    plain = mg.simulate(cell, drive_scenario(drive, preequilibration_time=1e7), n_points=49, outputs=OUTPUTS)
    np.testing.assert_allclose(shifted.to_numpy(), plain.to_numpy(), rtol=1e-6)
    assert shifted.attrs["drive"]["intervals"] == len(drive.starts) and shifted.attrs["model"] == "mg_transport"


def test_a_drive_needs_a_duration(shipped):
    with pytest.raises(InvalidInputError, match="no duration"):
        plasma_drive(shipped["body"], mg.Scenario(name="open", model="body"))
