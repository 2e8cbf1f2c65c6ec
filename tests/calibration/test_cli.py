"""``mgsignal calibrate``: help, JSON on stdout, files written, one-line errors."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from mgsignal.build import model_file
from mgsignal.calibration import load_experiments
from mgsignal.cli import main

from .test_experiments import HELD_OUT

pytest.importorskip("pypesto")


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["calibrate", "--help"])
    assert result.exit_code == 0
    for option in ("--starts", "--seed", "--output", "--profile / --no-profile", "--json", "--held-out",
                   "--parameters", "--processes", "--max-iterations", "--write-model"):
        assert option in result.output, option
    assert "calibrate" in CliRunner().invoke(main, ["--help"]).output


def test_json_on_stdout_and_files_in_the_output_folder(tmp_path):
    folder = tmp_path / "out"
    ant = tmp_path / "mg_transport.ant"
    ant.write_text(model_file("mg_transport").with_suffix(".ant").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["calibrate", "--parameters", "K_act_SLC41A1", "--starts", "1",
                                       "--max-iterations", "1", "--no-profile", "--quiet", "--json",
                                       "--output", str(folder), "--write-model", str(ant)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    n_train = len(load_experiments("train"))
    written = re.search(rf"^  K_act_SLC41A1 = ([0-9.eE+-]+) mM;  // Calibrated: .* on the {n_train} training experiments",
                        ant.read_text(encoding="utf-8"), re.M)
    assert written and float(written.group(1)) == pytest.approx(data["parameters"][0]["after"], rel=5e-4)
    assert f"wrote {ant}" in result.stderr
    assert data["settings"]["seed"] == 0 and data["settings"]["parameters"] == ["K_act_SLC41A1"]
    assert set(data["held_out"]) == HELD_OUT
    assert {row["split"] for row in data["fit"]} == {"train", "held-out"}
    assert sorted(p.name for p in folder.iterdir()) == ["calibration.json", "fit.tsv", "parameters.tsv"]
    assert "wrote" in result.stderr and "%|" not in result.stderr  # --quiet: no progress bar


def test_input_errors_are_one_line_with_exit_code_2(tmp_path):
    unknown = CliRunner().invoke(main, ["calibrate", "--parameters", "K_act", "--output", str(tmp_path)])
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert unknown.stderr.count("\n") == 1 and "K_act" in unknown.stderr
    both = CliRunner().invoke(main, ["calibrate", "--experiments", "dai1991_ctal", "--held-out", "dai1991_ctal",
                                     "--output", str(tmp_path)])
    assert both.exit_code == 2 and "both fitted and held out" in both.stderr
    xml = tmp_path / "model.xml"
    xml.write_text("<sbml/>", encoding="utf-8")
    not_antimony = CliRunner().invoke(main, ["calibrate", "--write-model", str(xml), "--output", str(tmp_path)])
    assert not_antimony.exit_code == 2 and "Antimony (.ant)" in not_antimony.stderr
