"""PEtab v1 problems: lint-clean, and read back they run here to the values they were made from."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import mgsignal as mg
from mgsignal.cli import main
from mgsignal.export import lint, read_petab, simulate_measurements, write_petab


def test_export_lint_import_and_rerun(transport, tmp_path):
    scenarios = [mg.Scenario(name="low", preequilibration={}, changes={"Mg_e": 0.35}, duration=7200.0,
                             outputs=("Mg_c", "Mg_tot_c")),
                 mg.Scenario(name="knockout", preequilibration={}, changes={"TRPM7": 0.0}, duration=7200.0,
                             outputs=("Mg_c",))]
    yaml = write_petab(transport, scenarios, tmp_path / "problem", estimate=["P_TRPM7", "Vmax_SLC41A1"])
    assert lint(yaml)
    model, read, measurements = read_petab(yaml)
    assert model.sha256 == transport.sha256 and len(read) == 2 and len(measurements) == 33
    low = next(s for s in read if s.changes == {"Mg_e": 0.35})
    assert low.preequilibration == {}  # pre-equilibration condition (steady state), as PEtab says
    rerun = simulate_measurements(model, read, measurements)
    assert (rerun["simulation"] - rerun["value"]).abs().max() < 1e-9 * rerun["value"].abs().max()
    # the measured fall of cytosolic Mg2+ is a real one
    first, last = rerun.query("output == 'Mg_c' and time == 0"), rerun.query("output == 'Mg_c' and time == 7200")
    assert (last["value"].to_numpy() < first["value"].to_numpy()).all()


def test_scenarios_with_phases_are_refused_with_the_alternative(transport, tmp_path):
    with pytest.raises(mg.InvalidInputError, match="export it as SED-ML/OMEX"):
        write_petab(transport, [mg.load_scenario("hypomagnesaemia")], tmp_path)


def test_command_line_exports(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", "petab", "epithelial_trpm6", "--out", str(tmp_path / "p"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"lint_clean": true' in result.stdout
    omex = runner.invoke(main, ["export", "omex", "hypomagnesaemia", "--out", str(tmp_path)])
    assert omex.exit_code == 0 and (tmp_path / "hypomagnesaemia.omex").stat().st_size > 5000
