"""AMICI (an independent SBML-to-C++ simulator), where it is installed, gives mgsignal's numbers
on the committed SBML. Optional: `pip install swig` first (AMICI's build calls it), then
`pip install -e '.[amici]'`; the test is skipped without AMICI."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import models_dir
from mgsignal.build.unify import species_scales

amici = pytest.importorskip("amici")


@pytest.mark.parametrize("name", ["mg_transport", "camp_pka", "insulin", "neuron", "body", "mg_signalling"])
def test_amici_on_the_committed_sbml(shipped, name, tmp_path):
    from amici import import_model_module
    from amici.importers.sbml import SbmlImporter
    from amici.sim.sundials import run_simulation
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # swig
    for logger in [n for n in logging.root.manager.loggerDict if n.startswith("amici")]:
        logging.getLogger(logger).setLevel(logging.ERROR)
    model = shipped[name]
    module_name = f"amici_{name}"
    SbmlImporter(str(models_dir() / f"{name}.xml")).sbml2amici(module_name, str(tmp_path / module_name),
                                                              generate_sensitivity_code=False)
    compiled = import_model_module(module_name, str(tmp_path / module_name)).get_model()
    t_end = 3600.0
    compiled.set_timepoints(np.linspace(0.0, t_end, 13))
    solver = compiled.create_solver()
    solver.set_relative_tolerance(1e-10)
    solver.set_absolute_tolerance(1e-14)
    result = run_simulation(compiled, solver)
    states = list(compiled.get_state_ids())
    dynamic = [s for s in model.species if s in states and s not in model.amount_species]
    ours = mg.simulate(model, t_end=t_end, n_points=13, outputs=dynamic, rtol=1e-10, atol=1e-14)
    # a composite counts every species in one unit: 1e-12 of a module's own unit (1e-21 fmol for insulin's ymol)
    scales = species_scales(libsbml.readSBMLFromString(model.sbml).getModel())
    for sid in dynamic:
        theirs = np.asarray(result.x)[:, states.index(sid)]
        # AMICI's states are concentrations for species that are not amount-only
        floor = max(1e-6 * float(ours[sid].abs().max()), 1e-12 * scales.get(sid, 1.0))
        np.testing.assert_allclose(theirs, ours[sid].to_numpy(), rtol=1e-6, atol=floor, err_msg=f"{name}: {sid}")
