"""Which parameters do conclusions hang on? Local and global sensitivity analysis.

Local (:mod:`.local`): scaled sensitivities ``d ln y / d ln p`` of outputs to parameters at
steady state and along a scenario's time course, and the control coefficients of metabolic
control analysis. Global (:mod:`.global_`): SALib's Sobol', Morris and eFAST methods, with every
sample evaluated by the ensemble engine (any backend, checkpoints). Figures in :mod:`.plotting`;
the ``mgsignal sensitivity`` command in :mod:`.command`.

    from mgsignal.sensitivity import problem, sobol, steady_state_sensitivities
    local = steady_state_sensitivities(model, outputs=["Mg_c"])
    result = sobol(model, problem(model, "all", relative=0.2), n=256, seed=1,
                   features=[Feature("Mg_c", "steady_state")])
    result.indices.loc["steady_state_Mg_c"]      # S1, S1_conf, ST, ST_conf per parameter
"""

from ..errors import SampleFailureError
from .global_ import GlobalResult, efast, morris, problem, sobol
from .local import (FIXED_PARAMETERS, control_coefficients, model_parameters, steady_state_sensitivities,
                    time_course_sensitivities)
from .plotting import plot_heatmap, plot_indices, plot_sensitivity_time_course, plot_tornado

__all__ = [
    "FIXED_PARAMETERS", "GlobalResult", "SampleFailureError", "control_coefficients", "efast",
    "model_parameters", "morris", "plot_heatmap", "plot_indices", "plot_sensitivity_time_course",
    "plot_tornado", "problem", "sobol", "steady_state_sensitivities", "time_course_sensitivities",
]
