"""mgsignal: quantitative models of cellular magnesium.

The names a notebook needs::

    import mgsignal as mg
    model = mg.load_model("mg_transport")
    scenario = mg.load_scenario("hypomagnesaemia")
    table = mg.simulate(model, scenario, n_points=121)
    state = mg.steady_state(model)
"""

from .build import build_sbml, validate_file
from .errors import (InvalidInputError, MgSignalError, ModelBuildError, SimulationError,
                     SteadyStateError, UnknownIdError)
from .model import Model, available_models, load_model
from .parameters import read_parameter_table
from .scenario import Phase, Scenario, available_scenarios, load_scenario
from .simulate import simulate, steady_state

__all__ = [
    "InvalidInputError", "MgSignalError", "Model", "ModelBuildError", "Phase", "Scenario",
    "SimulationError", "SteadyStateError", "UnknownIdError", "available_models",
    "available_scenarios", "build_sbml", "load_model", "load_scenario", "read_parameter_table",
    "simulate", "steady_state", "validate_file",
]
