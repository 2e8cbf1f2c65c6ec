"""mgsignal: quantitative models of cellular magnesium.

The names a notebook needs::

    import mgsignal as mg
    model = mg.load_model("mg_transport")
    scenario = mg.load_scenario("hypomagnesaemia")
    table = mg.simulate(model, scenario, n_points=121)
    state = mg.steady_state(model)

Names are imported on first use, so ``import mgsignal`` (and ``mgsignal --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module that defines it
_EXPORTS = {
    "InvalidInputError": "errors", "MgSignalError": "errors", "ModelBuildError": "errors",
    "SimulationError": "errors", "SteadyStateError": "errors", "UnknownIdError": "errors",
    "Model": "model", "available_models": "model", "load_model": "model",
    "validate_file": "build", "parameter_table": "build",
    "Phase": "scenario", "Scenario": "scenario", "available_scenarios": "scenario", "load_scenario": "scenario",
    "Simulator": "simulation", "simulate": "simulation", "steady_state": "simulation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'mgsignal' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
