"""Plain tellurium on the committed SBML files gives mgsignal's numbers (the way a user loads
them), reading concentrations as [X] and amount-only species as X."""

from __future__ import annotations

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import models_dir
from mgsignal.build.unify import species_scales

te = pytest.importorskip("tellurium")


@pytest.mark.parametrize("name", ["mg_transport", "insulin", "camp_pka", "neuron", "body", "mg_signalling"])
def test_tellurium_on_the_committed_sbml(shipped, name):
    model = shipped[name]
    runner = te.loadSBMLModel(str(models_dir() / f"{name}.xml"))
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-14
    t_end = {"neuron": 1.0, "body": 30 * 86400.0}.get(name, 3600.0)
    dynamic = [s for s in model.species if s not in model.boundary_species]
    selections = ["time"] + [s if s in model.amount_species else f"[{s}]" for s in dynamic]
    theirs = np.asarray(runner.simulate(0, t_end, 11, selections=selections))[:, 1:]
    ours = mg.simulate(model, t_end=t_end, n_points=11, outputs=dynamic, rtol=1e-10, atol=1e-14).to_numpy()
    assert np.ptp(ours, axis=0).max() > 0  # something happens
    # a composite counts every species in one unit: 1e-12 of a module's own unit (1e-21 fmol for insulin's ymol)
    scales = species_scales(libsbml.readSBMLFromString(model.sbml).getModel())
    for k, sid in enumerate(dynamic):  # absolute floor: 1e-6 of the peak, 1e-12 of the unit (solver noise near 0)
        floor = max(1e-6 * np.abs(ours[:, k]).max(), 1e-12 * scales.get(sid, 1.0))
        np.testing.assert_allclose(theirs[:, k], ours[:, k], rtol=1e-6, atol=floor, err_msg=f"{name}: {sid}")
