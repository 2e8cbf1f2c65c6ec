"""Which parameters do conclusions hang on? Local and global sensitivity analysis.

Global analyses are shaped like SALib: a problem dict (:func:`problem`), a method module's
``sample``, :func:`evaluate` (every sample through the ensemble engine, or a plain function),
and the method module's ``analyze``; :func:`global_sensitivity` does the three in one call.
Local (:mod:`.local`): scaled sensitivities ``d ln y / d ln p`` at steady state and along a
scenario's time course, and the control coefficients of metabolic control analysis. Figures in
:mod:`.plotting`; the ``mgsignal sensitivity`` command in :mod:`mgsignal.cli`.

    from mgsignal.sensitivity import evaluate, global_sensitivity, problem, sobol
    spec = problem(model, "all", relative=0.2)
    result = global_sensitivity(model, spec, method="sobol", n=256, seed=1,
                                features=[Feature("Mg_c", "steady_state")])
    # or step by step
    X = sobol.sample(spec, 256, seed=1)
    result = sobol.analyze(spec, evaluate(model, spec, X, features=[...]), seed=1)
    result.indices.loc["steady_state_Mg_c"]      # S1, S1_conf, ST, ST_conf per parameter
"""

from ..errors import SampleFailureError
from . import efast, morris, sobol
from .analysis import METHODS, global_sensitivity
from .evaluate import Evaluation, evaluate
from .local import control_coefficients, steady_state_sensitivities, time_course_sensitivities
from .plotting import plot_heatmap, plot_indices, plot_sensitivity_time_course, plot_tornado
from .problem import model_parameters, problem, resolve_parameters
from .result import GlobalResult

__all__ = [
    "Evaluation", "GlobalResult", "METHODS", "SampleFailureError", "control_coefficients",
    "efast", "evaluate", "global_sensitivity", "model_parameters", "morris", "plot_heatmap", "plot_indices",
    "plot_sensitivity_time_course", "plot_tornado", "problem", "resolve_parameters", "sobol",
    "steady_state_sensitivities", "time_course_sensitivities",
]
