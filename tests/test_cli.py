"""The command line: --help everywhere, clear errors, the main job writes its outputs."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import mgsignal as mg

from mgsignal.cli import main
from mgsignal.build import models_dir


@pytest.fixture()
def cli():
    return CliRunner()


def test_every_command_has_help(cli):
    assert cli.invoke(main, ["--help"]).exit_code == 0
    for name in main.commands:
        result = cli.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, name


def test_main_job_compares_the_clinical_scenarios_from_plasma_to_cells(cli, tmp_path):
    """``mgsignal run``: normal, dietary deficiency, deficiency plus supplementation and a loop
    diuretic, from the body to the cells; a readable table, its JSON form, a long CSV, a figure."""
    from mgsignal.cli.commands import MAIN_JOB
    result = cli.invoke(main, ["run", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = {line.rsplit("  ", 1)[0].strip(): line.split() for line in result.stdout.splitlines()}
    plasma = next(words for label, words in lines.items() if label.startswith("plasma total Mg (mg/dL)"))
    normal, deficient, treated, diuretic = (float(v) for v in plasma[-4:])
    assert normal == pytest.approx(0.85 * 2.4305, abs=0.01)  # the body model's reference adult, 0.85 mmol/L
    assert 1.7 <= normal <= 2.4 and deficient < 1.7 < treated and diuretic < normal  # adult range 1.7-2.4 mg/dL
    assert "Change from normal (%)" in result.stdout and "NMDA Ca2+ entry at rest (amol/s)" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("wrote ")
    table = pd.read_csv(tmp_path / "clinical_comparison.csv")
    assert list(table.columns) == ["scenario", "time", "model", "output", "value", "unit"]
    assert list(dict.fromkeys(table["scenario"])) == list(MAIN_JOB)
    assert {"body", "mg_signalling", "neuron", "insulin"} <= set(table["model"])
    assert (tmp_path / "clinical_comparison.png").stat().st_size > 50_000
    import json
    data = json.loads(cli.invoke(main, ["run", "--out", str(tmp_path), "--json"]).stdout)
    assert data["scenarios"] == list(MAIN_JOB) and data["days"]["body_dietary_mg_deprivation"] == 22.0
    glut4 = next(r["readout"] for r in data["readouts"] if r["output"] == "GLUT4_pm_frac")
    calcium = next(r["readout"] for r in data["readouts"] if r["output"] == "Ca_influx_NMDA")
    assert data["change_percent"]["body_dietary_mg_deprivation"][glut4] < 0
    assert data["change_percent"]["body_dietary_mg_deprivation"][calcium] > 20
    assert data["end"]["body_normal"][glut4] == pytest.approx(
        table[(table["scenario"] == "body_normal") & (table["output"] == "GLUT4_pm_frac")]["value"].iloc[-1])
    bad = cli.invoke(main, ["run", "--model", "neuron", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--scenario" in bad.stderr


def test_run_with_a_scenario_prints_the_steady_state_and_the_time_course(cli, tmp_path):
    result = cli.invoke(main, ["run", "--scenario", "hypomagnesaemia", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()
            if line.startswith(("cytosol", "mitochondrial"))}
    free, total = float(rows["cytosol"][1]), float(rows["cytosol"][2])
    state = mg.steady_state(mg.load_model("mg_transport"), outputs=["Mg_c", "Mg_tot_c", "Mg_m"])
    assert free == pytest.approx(state["Mg_c"], abs=1e-4) and total == pytest.approx(state["Mg_tot_c"], abs=0.5)
    assert 0.5 <= free <= 1.2 and 17 <= total <= 20  # the literature ranges printed beside them
    assert float(rows["mitochondrial"][2]) == pytest.approx(state["Mg_m"], abs=1e-4)
    table = pd.read_csv(tmp_path / "hypomagnesaemia.csv", index_col="time")
    assert table["Mg_e"].iloc[-1] == 0.35 and table["Mg_c"].iloc[-1] < table["Mg_c"].iloc[0]
    assert (tmp_path / "hypomagnesaemia.png").stat().st_size > 10_000


def test_simulate_writes_csv_and_reports_unknown_ids(cli, tmp_path):
    out = tmp_path / "out.csv"
    result = cli.invoke(main, ["simulate", "--scenario", "trpm7_knockout", "--output", "Mg_c",
                               "--points", "5", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out).columns) == ["time", "Mg_c"]
    bad = cli.invoke(main, ["simulate", "--t-end", "10", "--output", "Mg_cc"])
    assert bad.exit_code == 2 and "did you mean 'Mg_c'" in bad.output


def test_validate_exit_codes_and_one_line_per_problem(cli, tmp_path):
    good = cli.invoke(main, ["validate", str(models_dir() / "mg_transport.ant"), str(models_dir() / "mg_transport.xml")])
    assert good.exit_code == 0 and "no errors, no warnings" in good.output
    broken = tmp_path / "broken.ant"
    broken.write_text("model broken\n  x = 1;\n  y := 3 +\nend\n")
    bad = cli.invoke(main, ["validate", str(broken), str(tmp_path / "missing.xml")])
    assert bad.exit_code == 1
    lines = bad.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{broken}:3: antimony error") and lines[1].endswith("no such file")


def test_build_check_reports_current_models(cli):
    result = cli.invoke(main, ["build", "--check"])
    assert result.exit_code == 0, result.output


def test_steady_state_and_scenarios_commands(cli):
    state = cli.invoke(main, ["steady-state", "--scenario", "epithelial_trpm6"])
    assert state.exit_code == 0 and "Mg_tot_c" in state.output and "mM" in state.output
    listing = cli.invoke(main, ["scenarios"])
    assert listing.exit_code == 0 and "hypomagnesaemia:" in listing.output


@pytest.mark.parametrize("name", mg.available_scenarios())
def test_run_works_for_every_shipped_scenario_whatever_its_model(cli, tmp_path, name):
    result = cli.invoke(main, ["run", "--scenario", name, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    import json
    printed = json.loads(result.stdout)
    rows = printed["time_course"]["rows"]
    assert len(rows) >= 12 and printed["model"] == (mg.load_scenario(name).model or "mg_transport")
    values = [v for row in rows for v in row.values()]
    assert all(isinstance(v, (int, float)) for v in values), "a None or text cell in the table"
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_help_loads_neither_the_simulator_nor_the_sensitivity_stack():
    import subprocess
    import sys
    script = ("import sys\nfrom mgsignal.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "print('LOADED', sorted(m for m in ('SALib', 'roadrunner', 'pandas', 'libsbml') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "sensitivity" in run.stdout and "LOADED []" in run.stdout


def test_exit_codes_and_streams(cli, tmp_path):
    """0 ok, 1 problems found, 2 input error, 3 run failure; errors on stderr, one line."""
    assert cli.invoke(main, ["scenarios", "--json"]).exit_code == 0
    bad_file = tmp_path / "bad.ant"
    bad_file.write_text("model m\n  x := y +\nend\n")
    assert cli.invoke(main, ["validate", str(bad_file)]).exit_code == 1
    unknown = cli.invoke(main, ["simulate", "--scenario", "hypomagnesemia"])
    assert unknown.exit_code == 2 and unknown.stderr.count("\n") == 1 and "did you mean" in unknown.stderr
    assert unknown.stdout == ""
    frozen = tmp_path / "frozen.toml"
    frozen.write_text('name = "frozen"\nduration = 100.0\nchanges = { temperature = 1e-300 }\n')
    failed = cli.invoke(main, ["simulate", "--scenario", str(frozen)])
    assert failed.exit_code == 3 and "SimulationError" not in failed.stderr and "'frozen'" in failed.stderr
    missing_folder = cli.invoke(main, ["simulate", "--t-end", "10", "--csv", str(tmp_path / "nodir" / "x.csv")])
    assert missing_folder.exit_code == 2 and "does not exist" in missing_folder.stderr and missing_folder.stdout == ""


def test_solver_chatter_never_reaches_stdout(tmp_path):
    """CVODE prints its warnings with C printf on descriptor 1; the program sends them to stderr."""
    import subprocess
    import sys
    from pathlib import Path
    program = Path(sys.executable).parent / "mgsignal"  # the console script of this environment
    assert program.is_file()
    frozen = tmp_path / "frozen.toml"
    frozen.write_text('name = "frozen"\nduration = 100.0\nchanges = { temperature = 1e-300 }\n')
    run = subprocess.run([program, "simulate", "--scenario", str(frozen), "--json"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 3 and run.stdout == ""
    assert "'frozen'" in run.stderr and "Traceback" not in run.stderr
    good = subprocess.run([program, "steady-state", "--json"], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and good.stdout.lstrip().startswith("{")


@pytest.mark.parametrize("arguments", [
    ["simulate", "--t-end", "60", "--points", "3", "--output", "Mg_c"],
    ["steady-state"], ["scenarios"], ["parameters", "neuron"],
    ["validate", "MODELS/mg_transport.ant"], ["validate", "--report", "MODELS/mg_transport.xml"],
    ["sensitivity", "--method", "local", "--parameters", "P_TRPM7"],
], ids=lambda a: " ".join(a[:2]))
def test_every_command_that_prints_results_has_json(cli, arguments):
    import json
    arguments = [a.replace("MODELS", str(models_dir())) for a in arguments]
    result = cli.invoke(main, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) is not None
