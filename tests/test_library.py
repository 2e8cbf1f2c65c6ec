"""The scenario library: describe, compare (tidy table, end values, clinical units, figure) and
``mgsignal scenario list | show | run | compare``. The cell layer of body scenarios is tested in
tests/clinical/."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mgsignal as mg
from mgsignal.cli import main
from mgsignal.errors import InvalidInputError, UnknownIdError
from mgsignal.library import CLINICAL_UNITS, clinical, compare, describe, plot_comparison

PAIR = ["body_loop_diuretic", "body_thiazide"]
OUTPUTS = ["plasma_Mg_total", "plasma_Mg_ionized", "urinary_Mg_excretion", "FEMg"]


@pytest.fixture(scope="module")
def body(shipped) -> mg.Model:
    return shipped["body"]


@pytest.fixture(scope="module")
def table(body) -> pd.DataFrame:
    return compare(PAIR, n_points=31, model=body, cells=False)


@pytest.fixture()
def cli():
    return CliRunner()


def test_describe_is_plain_data():
    data = describe("body_thiazide")
    assert data["model"] == "body" and data["duration"] == 2678400.0 and data["outputs"] == OUTPUTS
    assert data["phases"][0] == {"start": 86400.0, "changes": {"NCC_activity": 0.5}} and len(data["phases"]) == 60
    assert "Leary" in data["source"] and data["changes"] == {}
    json.dumps(data)  # nothing but plain data
    with pytest.raises(UnknownIdError, match="did you mean 'body_thiazide'"):
        describe("body_thiazid")


def test_compare_gives_a_long_table_over_each_scenarios_duration(table):
    assert list(table.columns) == ["scenario", "time", "model", "output", "value", "unit"]
    assert table.shape == (2 * 31 * 4, 6) and set(table["model"]) == {"body"}
    assert list(dict.fromkeys(table["scenario"])) == PAIR and list(dict.fromkeys(table["output"])) == OUTPUTS
    assert table.groupby("scenario")["time"].max().tolist() == [2678400.0, 2678400.0]
    units = dict(zip(table["output"], table["unit"]))
    assert units == {"plasma_Mg_total": "mM", "plasma_Mg_ionized": "mM", "urinary_Mg_excretion": "mmol_per_day",
                     "FEMg": "percent"}
    assert table.attrs["model"] == "body" and table.attrs["outputs"] == OUTPUTS


def test_end_values_are_those_of_simulate(table, body):
    end = table.attrs["end"]
    assert list(end.index) == PAIR and list(end.columns) == OUTPUTS
    for name in PAIR:
        run = mg.simulate(body, mg.load_scenario(name), n_points=31, outputs=OUTPUTS)
        np.testing.assert_allclose(end.loc[name].to_numpy(), run.iloc[-1].to_numpy(), rtol=0, atol=1e-12)
        course = table[(table["scenario"] == name) & (table["output"] == "FEMg")]
        np.testing.assert_allclose(course["value"].to_numpy(), run["FEMg"].to_numpy(), rtol=0, atol=1e-12)


def test_compare_outputs_can_be_chosen_and_are_checked(body):
    one = compare(["body_thiazide"], outputs=["body_Mg_total"], n_points=3, model=body)
    assert one.shape == (3, 6) and set(one["unit"]) == {"mmol"}  # no cell output asked: no cell run
    with pytest.raises(UnknownIdError, match="did you mean 'FEMg'"):
        compare(["body_thiazide"], outputs=["FEMG"], n_points=3, model=body)
    with pytest.raises(InvalidInputError, match="n_points"):
        compare(["body_thiazide"], n_points=1, model=body)
    with pytest.raises(InvalidInputError, match="step"):
        compare(["body_thiazide"], step=-1.0, model=body)


def test_compare_steps_sample_at_the_same_clock_times(body):
    daily = compare(["body_thiazide"], outputs=["FEMg"], step=21600.0, model=body, cells=False)
    times = daily["time"].to_numpy()
    assert len(times) == 2678400 // 21600 + 1 and np.allclose(np.diff(times), 21600.0)


def test_compare_takes_scenarios_of_different_models(shipped):
    mixed = compare(["body_thiazide", "hypomagnesaemia"], n_points=3, cells=False, models=shipped)
    assert mixed.attrs["model"] == "mixed"
    models = mixed.groupby("scenario")["model"].unique()
    assert list(models["body_thiazide"]) == ["body"] and list(models["hypomagnesaemia"]) == ["mg_transport"]
    assert np.isnan(mixed.attrs["end"].loc["hypomagnesaemia", "FEMg"])
    assert mixed.attrs["end"].loc["hypomagnesaemia", "Mg_tot_c"] > 10 and np.isnan(
        mixed.attrs["end"].loc["body_thiazide", "Mg_tot_c"])
    with pytest.raises(InvalidInputError, match="named twice"):
        compare(["body_thiazide", "body_thiazide"], n_points=3)
    with pytest.raises(InvalidInputError, match="none of the outputs"):
        compare(["body_thiazide", "hypomagnesaemia"], outputs=["FEMg"], n_points=3, cells=False, models=shipped)
    with pytest.raises(InvalidInputError, match="is for model 'mg_transport', not 'body'"):
        compare(["body_thiazide", "hypomagnesaemia"], model=shipped["body"])


def test_clinical_units():
    conversions = {(c.output, c.unit): c.factor for c in CLINICAL_UNITS}
    assert conversions[("plasma_Mg_total", "mg/dL")] == pytest.approx(2.4305)
    assert conversions[("urinary_Mg_excretion", "mg/day")] == pytest.approx(24.305)
    assert all("24.305" in c.source for c in CLINICAL_UNITS if c.factor != 1)
    long = pd.DataFrame({"scenario": ["a"] * 4, "time": [0.0] * 4,
                         "output": ["plasma_Mg_total", "urinary_Mg_excretion", "FEMg", "body_Mg_total"],
                         "value": [0.85, 4.0, 3.0, 700.0], "unit": ["mM", "mmol_per_day", "percent", "mmol"]})
    out = clinical(long)
    value = out.set_index(["output", "unit"])["value"]
    assert value[("plasma_Mg_total", "mg/dL")] == pytest.approx(2.066, abs=5e-4)
    assert value[("plasma_Mg_total", "mmol/L")] == 0.85 and value[("plasma_Mg_total", "mM")] == 0.85
    assert value[("urinary_Mg_excretion", "mg/day")] == pytest.approx(97.22)
    assert value[("FEMg", "%")] == 3.0
    assert len(out) == 4 + 4 and (out["output"] == "body_Mg_total").sum() == 1  # no clinical unit: one row
    assert out.attrs["end"].loc["a", ("plasma_Mg_total", "mg/dL")] == pytest.approx(2.066, abs=5e-4)


def test_clinical_end_table_of_a_comparison(table):
    out = clinical(table)
    end = out.attrs["end"]
    assert end.loc["body_thiazide", ("plasma_Mg_total", "mg/dL")] == pytest.approx(
        table.attrs["end"].loc["body_thiazide", "plasma_Mg_total"] * 2.4305, rel=1e-12)
    assert len(out) == len(table) + 2 * 31 * 6


def test_the_figure_has_one_labelled_panel_per_output(table):
    figure = plot_comparison(table)
    try:
        axes = [axis for axis in figure.axes if axis.get_ylabel() and axis.get_visible()]
        assert len(axes) == 4
        labels = [axis.get_ylabel().replace("\n", " ") for axis in axes]
        assert labels == ["plasma total Mg (mM)", "plasma ionized Mg²⁺ (mM)", "urinary Mg excretion (mmol/day)",
                          "fractional excretion of Mg (%)"]
        assert axes[-1].get_xlabel() == "time (days)"
        assert all(len(axis.get_lines()) == 2 for axis in axes)
        assert axes[0].get_lines()[0].get_xdata()[-1] == pytest.approx(31.0)
    finally:
        plt.close(figure)
    figure = plot_comparison(clinical(table))
    try:  # mg/dL and mg/day panels added; mmol/L and % only rename mM and percent
        shown = [axis for axis in figure.axes if axis.get_visible() and axis.get_ylabel()]
        assert len(shown) == 7
        assert "plasma total Mg (mg/dL)" in [axis.get_ylabel().replace("\n", " ") for axis in shown]
        assert all(axis.get_xlabel() == "time (days)" for axis in shown[-2:])  # the bottom row
    finally:
        plt.close(figure)
    figure = plot_comparison(clinical(table), panels=[("FEMg", "%"), ("plasma_Mg_total", "mg/dL")])
    try:
        assert [axis.get_ylabel().replace("\n", " ") for axis in figure.axes] == [
            "fractional excretion of Mg (%)", "plasma total Mg (mg/dL)"]
    finally:
        plt.close(figure)
    with pytest.raises(UnknownIdError):
        plot_comparison(table, panels=[("FEMg", "%")])


def test_cli_list_and_show(cli):
    result = cli.invoke(main, ["scenario", "list", "--model", "body"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines and all(line.startswith("body_") and "(body)" in line for line in lines)
    everything = cli.invoke(main, ["scenario", "list"])
    assert everything.output == cli.invoke(main, ["scenarios"]).output
    listed = json.loads(cli.invoke(main, ["scenario", "list", "--model", "body", "--json"]).stdout)
    assert {item["name"] for item in listed} == {line.split()[0] for line in lines}
    shown = cli.invoke(main, ["scenario", "show", "body_thiazide"])
    assert shown.exit_code == 0 and "model: body" in shown.output and "NCC_activity = 0.5" in shown.output
    data = json.loads(cli.invoke(main, ["scenario", "show", "body_thiazide", "--json"]).stdout)
    assert data == describe("body_thiazide")
    unknown = cli.invoke(main, ["scenario", "show", "body_thiazid"])
    assert unknown.exit_code == 2 and "did you mean" in unknown.output
    bad_model = cli.invoke(main, ["scenario", "list", "--model", "bodi"])
    assert bad_model.exit_code == 2 and "did you mean 'body'" in bad_model.output


def test_cli_run_delegates_to_the_main_job(cli, tmp_path):
    result = cli.invoke(main, ["scenario", "run", "body_thiazide", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "body" and data["scenario"]["name"] == "body_thiazide"
    assert (tmp_path / "body_thiazide.csv").is_file() and (tmp_path / "body_thiazide.png").is_file()


def test_cli_compare(cli, tmp_path, table):
    csv, png = tmp_path / "compare.csv", tmp_path / "compare.png"
    result = cli.invoke(main, ["scenario", "compare", *PAIR, "--points", "31", "--csv", str(csv),
                               "--plot", str(png), "--clinical", "--no-cells"])
    assert result.exit_code == 0, result.output
    assert "plasma_Mg_total (mg/dL)" in result.output and "urinary_Mg_excretion (mg/day)" in result.output
    written = pd.read_csv(csv)
    assert list(written.columns) == ["scenario", "time", "model", "output", "value", "unit"]
    assert len(written) == len(table) + 2 * 31 * 6 and png.stat().st_size > 10_000
    as_json = cli.invoke(main, ["scenario", "compare", *PAIR, "--points", "31", "--output", "FEMg", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["outputs"] == ["FEMg"] and data["units"] == {"FEMg": "percent"}
    assert data["end"]["body_thiazide"]["FEMg"] == pytest.approx(table.attrs["end"].loc["body_thiazide", "FEMg"],
                                                                 abs=1e-12)
    assert data["models"] == {"FEMg": "body"}
    unknown = cli.invoke(main, ["scenario", "compare", "body_thiazid", "body_loop_diuretic"])
    assert unknown.exit_code == 2 and "did you mean" in unknown.output
    mixed = cli.invoke(main, ["scenario", "compare", "body_thiazide", "hypomagnesaemia", "--no-cells", "--points", "3",
                              "--json"])
    assert mixed.exit_code == 0, mixed.output
    ends = json.loads(mixed.stdout)["end"]
    assert ends["hypomagnesaemia"]["FEMg"] is None and ends["body_thiazide"]["FEMg"] > 0
