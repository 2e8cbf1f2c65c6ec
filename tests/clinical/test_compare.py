"""Clinical scenarios end to end: the body's plasma Mg²⁺ drives the cells (mgsignal.clinical).

Dietary Mg deficiency lowers insulin-stimulated Akt activation and GLUT4 translocation and raises
the NMDA receptors' Ca²⁺ entry at rest; oral supplementation reverses it; every shipped scenario
runs through ``compare``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.biophysics import jahr_stevens_unblocked
from mgsignal.clinical import default_cell_layer
from mgsignal.clinical.summary import MAIN_READOUTS, relative_change, summary_table
from mgsignal.library import compare

COURSE = ["body_normal", "body_dietary_mg_deprivation", "body_deficiency_supplementation"]


@pytest.fixture(scope="module")
def course(shipped) -> pd.DataFrame:
    return compare(COURSE, step=86400.0, models=shipped)


def _end(course: pd.DataFrame, output: str) -> pd.Series:
    return course.attrs["end"][output]


def test_a_body_scenario_reports_plasma_urine_and_every_cell_readout(course):
    layer = default_cell_layer()
    assert set(course.attrs["outputs"]) == {"plasma_Mg_total", "plasma_Mg_ionized", "urinary_Mg_excretion",
                                            "FEMg"} | set(layer.outputs())
    assert course.attrs["model"] == "body + cells"
    assert course.attrs["models"]["GLUT4_pm_frac"] == "insulin" and course.attrs["models"]["Mg_c"] == "mg_signalling"
    assert course.attrs["models"]["Ca_c"] == "neuron" and course.attrs["models"]["FEMg"] == "body"
    assert course.attrs["drives"]["body_normal"] == 1  # plasma Mg flat: one interval
    assert "after 15 min of 100 nM insulin" in course.attrs["names"]["GLUT4_pm_frac"]
    days = course.groupby("scenario")["time"].max() / 86400
    assert days.to_dict() == {"body_normal": 50.0, "body_dietary_mg_deprivation": 22.0,
                              "body_deficiency_supplementation": 50.0}


def test_deficiency_lowers_glut4_translocation_and_raises_nmda_calcium_load_at_rest(course):
    normal, deficient = "body_normal", "body_dietary_mg_deprivation"
    for output in ("plasma_Mg_ionized", "Mg_c", "Mg_tot_c", "Mg_m", "pAkt_frac", "GLUT4_pm_frac", "PKA_act"):
        assert _end(course, output)[deficient] < _end(course, output)[normal], output
    for output in ("NMDA_unblocked", "Ca_influx_NMDA", "Ca_c"):
        assert _end(course, output)[deficient] > _end(course, output)[normal], output
    # the NMDA Ca2+ load follows the block, which is a third larger at 28 % lower plasma Mg2+
    assert _end(course, "Ca_influx_NMDA")[deficient] / _end(course, "Ca_influx_NMDA")[normal] > 1.2


def test_supplementation_reverses_the_deficiency(course):
    normal, deficient, treated = COURSE
    for output in ("plasma_Mg_total", "Mg_c", "GLUT4_pm_frac", "pAkt_frac", "NMDA_unblocked", "Ca_influx_NMDA"):
        lost = _end(course, output)[deficient] - _end(course, output)[normal]
        left = _end(course, output)[treated] - _end(course, output)[normal]
        assert abs(left) < 0.2 * abs(lost), f"{output}: {left:.3g} of a {lost:.3g} change left after 4 weeks"
    # the treated course is the deficiency until the supplement starts on day 22 (to the drive's 0.1 %)
    rows = course[(course["time"] == 21 * 86400.0) & (course["output"] == "GLUT4_pm_frac")].set_index("scenario")
    assert rows.loc[treated, "value"] == pytest.approx(rows.loc[deficient, "value"], rel=1e-3)


def test_the_neuron_sees_plasma_ionized_mg(course):
    """Independent truth: the Jahr-Stevens block at -70 mV of the plasma ionized Mg2+ at each time."""
    for scenario in COURSE:
        rows = course[course["scenario"] == scenario].pivot(index="time", columns="output", values="value")
        expected = [jahr_stevens_unblocked(-70.0, mg_out=value) for value in rows["plasma_Mg_ionized"]]
        np.testing.assert_allclose(rows["NMDA_unblocked"].to_numpy(), expected, rtol=5e-3)


def test_summary_table_in_readable_units(course):
    summary = summary_table(course)
    assert list(summary.columns) == COURSE
    assert summary.attrs["rows"] == [(sid, unit) for sid, unit, _ in MAIN_READOUTS]
    assert summary.loc["plasma total Mg (mg/dL)", "body_normal"] == pytest.approx(
        _end(course, "plasma_Mg_total")["body_normal"] * 2.4305, rel=1e-12)
    assert summary.loc["neuronal free Ca2+ at rest (nM)", "body_normal"] == pytest.approx(
        _end(course, "Ca_c")["body_normal"] * 1e6, rel=1e-12)
    change = relative_change(summary)
    assert list(change.columns) == COURSE[1:] and change.attrs["reference"] == "body_normal"
    assert change.loc["plasma ionized Mg2+ (mmol/L)", "body_dietary_mg_deprivation"] < -20


@pytest.mark.parametrize("name", mg.available_scenarios())
def test_every_shipped_scenario_runs_through_compare(shipped, name):
    table = compare([name], n_points=4, models=shipped)
    assert np.all(np.isfinite(table["value"].to_numpy()))
    scenario = mg.load_scenario(name)
    if scenario.model == "body":  # the cells followed: their readouts are there
        assert set(default_cell_layer().outputs()) <= set(table["output"])
