"""A second simulator: COPASI (copasi-basico) on the same SBML gives the same time courses."""

from __future__ import annotations

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import models_dir

basico = pytest.importorskip("basico")

T_END, INTERVALS = 4 * 3600.0, 48
CASES = {  # initial values changed in the SBML itself, so both simulators read the same file
    "hypomagnesaemia": {"Mg_e": 0.35},
    "trpm7_knockout": {"TRPM7": 0.0},
    "mg_loading": {"Mg_e": 1.5, "TRPM6": 1.0},
}


def _edited_sbml(changes: dict[str, float]) -> str:
    document = libsbml.readSBMLFromString((models_dir() / "mg_transport.xml").read_text())
    model = document.getModel()
    for sid, value in changes.items():
        species = model.getSpecies(sid)
        if species is None:
            model.getParameter(sid).setValue(value)
        elif species.getHasOnlySubstanceUnits():
            species.setInitialAmount(value)
        else:
            species.setInitialConcentration(value)
    return libsbml.writeSBMLToString(document)


@pytest.mark.parametrize("case", sorted(CASES))
def test_time_courses_agree_with_copasi(case):
    sbml = _edited_sbml(CASES[case])
    model = mg.model.model_from_sbml(sbml, name=case)
    ours = mg.simulate(model, t_end=T_END, n_points=INTERVALS + 1, rtol=1e-12, atol=1e-14)
    copasi_model = basico.load_model_from_string(sbml)
    try:
        theirs = basico.run_time_course(duration=T_END, intervals=INTERVALS, model=copasi_model,
                                        r_tol=1e-12, a_tol=1e-14, use_concentrations=True,
                                        update_model=False)
        ids = basico.get_species(model=copasi_model)["sbml_id"]
    finally:
        basico.remove_datamodel(copasi_model)
    theirs = theirs.rename(columns=dict(ids.items()))
    np.testing.assert_allclose(theirs.index.to_numpy(), ours.index.to_numpy())
    dynamic = [sid for sid in model.species if sid not in model.boundary_species]
    assert len(dynamic) == 10 and set(dynamic) <= set(theirs.columns)
    assert np.ptp(ours["Mg_c"]) > 0.05  # a real transient, not a flat line
    for sid in dynamic:
        np.testing.assert_allclose(ours[sid], theirs[sid], rtol=1e-4, atol=1e-10, err_msg=sid)
