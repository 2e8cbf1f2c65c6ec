"""COMBINE/OMEX archives run in an independent runner (tellurium's SED-ML executor) and in
COPASI, and give what mgsignal gives."""

from __future__ import annotations

import zipfile

import libsbml
import numpy as np
import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.build import sbml_problems
from mgsignal.export import preequilibration_time, scenario_sbml, write_omex

CASES = ["hypomagnesaemia", "supplementation", "atp_depletion", "camp_isoproterenol", "neuron_coincidence"]


def _execute(archive, folder) -> pd.DataFrame:
    """Run an archive with tellurium's COMBINE executor (its own SED-ML interpretation)."""
    import matplotlib
    matplotlib.use("Agg")
    from tellurium.sedml import tesedml
    out = folder / "out"
    out.mkdir()
    tesedml.executeCombineArchive(str(archive), saveOutputs=True, outputDir=str(out), createOutputs=True,
                                  plottingEngine="matplotlib")
    (report,) = out.glob("*_report.csv")
    return pd.read_csv(report).set_index("time")


@pytest.mark.parametrize("name", CASES)
def test_archives_run_in_tellurium_and_match(shipped, tmp_path, name):
    scenario = mg.load_scenario(name)
    model = shipped[scenario.model or "mg_transport"]
    archive = write_omex(model, scenario, tmp_path / f"{name}.omex", n_points=25, rtol=1e-10, atol=1e-14)
    with zipfile.ZipFile(archive) as content:
        names = set(content.namelist())
    assert {"manifest.xml", "metadata.rdf", f"{name}.sedml", f"{model.name}.xml"} <= names
    theirs = _execute(archive, tmp_path)
    theirs.index = theirs.index - preequilibration_time(scenario)  # the model's clock ran through it
    outputs = list(theirs.columns)
    ours = mg.simulate(model, scenario, n_points=25, outputs=outputs, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(theirs.index.to_numpy(), ours.index.to_numpy(), rtol=1e-12)
    starts = [p.start for p in scenario.phases]  # our row shows the state just before a phase
    keep = ~np.isin(ours.index.to_numpy(), starts)
    for output in outputs:
        a, b = theirs[output].to_numpy()[keep], ours[output].to_numpy()[keep]
        scale = max(float(np.abs(b).max()), 1e-300)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * scale, err_msg=f"{name}: {output}")
    assert np.ptp(ours.to_numpy(), axis=0).max() > 0  # something happens


def test_the_scenario_sbml_is_valid_and_runs_in_copasi(transport):
    basico = pytest.importorskip("basico")
    scenario = mg.load_scenario("trpm7_knockout")
    text = scenario_sbml(transport, scenario)
    assert sbml_problems(text, source="export") == []
    document = libsbml.readSBMLFromString(text)
    assert document.getModel().getNumEvents() == 1
    copasi = basico.load_model_from_string(text)
    try:
        # the model's clock runs 1e8 s of pre-equilibration (steady state by simulation) first
        pre = preequilibration_time(scenario)
        theirs = basico.run_time_course(duration=pre + 7200, values=[pre, pre + 7200], model=copasi,
                                        r_tol=1e-10, a_tol=1e-14, use_concentrations=True, update_model=False)
        ids = basico.get_species(model=copasi)["sbml_id"]
    finally:
        basico.remove_datamodel(copasi)
    end = theirs.rename(columns=dict(ids.items())).iloc[-1]
    ours = mg.simulate(transport, scenario, t_end=7200, n_points=2, outputs=["Mg_c", "Mg_tot_c"], rtol=1e-10,
                       atol=1e-14).iloc[-1]
    assert end["Mg_c"] == pytest.approx(ours["Mg_c"], rel=1e-4)
