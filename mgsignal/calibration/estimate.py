"""Estimation with pyPESTO: the problem, seeded multi-start least squares, profile likelihoods.

The objective (:class:`~.objective.CalibrationObjective`) gives residuals; pyPESTO's finite
differences (:class:`pypesto.objective.FD`, forward steps on the parameter scale) give their
Jacobian and the gradient; a least-squares optimiser (scipy's trust-region reflective
``least_squares`` through :class:`pypesto.optimize.ScipyOptimizer`, ``ls_trf``) runs from each
start. Starts: the model's own values first, then a Latin hypercube over the bounds drawn from
``numpy.random.default_rng(seed)`` (pyPESTO's own samplers use numpy's global random state),
so the same seed gives the same starts and, each start being deterministic, the same result.
Profiles: :func:`pypesto.profile.parameter_profile` from the best start, each step re-optimised
with the same optimiser; 95 % confidence intervals where a profile's likelihood ratio falls
below the chi-square threshold (:func:`pypesto.profile.chi2_quantile_to_ratio`).

pyPESTO is an optional dependency (``pip install mgsignal[calibration]``); this module imports
it, the rest of :mod:`mgsignal.calibration` does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pypesto
import pypesto.optimize
import pypesto.profile
from pypesto.engine import MultiProcessEngine, SingleCoreEngine
from pypesto.startpoint import FunctionStartpoints
from scipy.stats import qmc

from ..errors import InvalidInputError
from .objective import CalibrationObjective

#: forward finite-difference step on the parameter scale (log10: 0.23 % of the value)
FD_STEP = 1e-3
#: confidence level of the profile intervals
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Start:
    """One optimiser run: where it started and ended (parameter scale), its objective value
    (half the sum of squared residuals), effort, and what the optimiser said."""

    id: str
    x0: tuple[float, ...]
    x: tuple[float, ...]
    fval: float
    n_evaluations: int
    seconds: float
    exitflag: int
    message: str


@dataclass(frozen=True)
class Profile:
    """A profile likelihood of one parameter: the path (parameter scale), the likelihood ratio
    to the optimum along it, and the 95 % interval (parameter scale) where the ratio stays above
    the threshold; an end is ``None`` when the profile reached the bound still above it."""

    id: str
    x: tuple[float, ...]
    ratio: tuple[float, ...]
    lower: float | None
    upper: float | None


def create_problem(objective: CalibrationObjective, *, seed: int = 0, fd_step: float = FD_STEP) -> pypesto.Problem:
    """A :class:`pypesto.Problem` around ``objective``: residuals and negative log-likelihood,
    derivatives by pyPESTO's forward finite differences, bounds and scales from the parameter
    table, the model's own values as the first start, seeded Latin-hypercube starts after it."""
    base = pypesto.Objective(fun=objective, res=objective.residuals, x_names=list(objective.ids))
    derivatives = pypesto.objective.FD(base, grad=True, sres=True, hess=False, method=pypesto.objective.FD.FORWARD,
                                       delta_fun=float(fd_step), delta_res=float(fd_step), x_names=list(objective.ids))
    return pypesto.Problem(objective=derivatives, lb=objective.lower, ub=objective.upper,
                           x_names=list(objective.ids), x_scales=[p.scale for p in objective.parameters],
                           x_guesses=[objective.nominal()], copy_objective=False,
                           startpoint_method=FunctionStartpoints(function=_latin_hypercube(seed), use_guesses=True))


def _latin_hypercube(seed: int):
    def sample(*, n_starts: int, lb: np.ndarray, ub: np.ndarray, **_: object) -> np.ndarray:
        unit = qmc.LatinHypercube(d=len(lb), rng=np.random.default_rng(seed)).random(n_starts)
        return lb + unit * (ub - lb)
    return sample


def create_optimizer(*, max_iterations: int = 200, tolerance: float = 1e-8) -> pypesto.optimize.ScipyOptimizer:
    """scipy's trust-region reflective least squares (``ls_trf``) through pyPESTO; at most
    ``max_iterations`` residual evaluations per start (Jacobians not counted)."""
    if max_iterations < 1:
        raise InvalidInputError(f"max_iterations must be >= 1, got {max_iterations}")
    return pypesto.optimize.ScipyOptimizer(method="ls_trf", tol=tolerance,
                                           options={"maxfun": int(max_iterations), "x_scale": 1.0})


def engine_for(n_processes: int):
    """pyPESTO's engine: one process, or ``n_processes`` worker processes (each compiles the
    model once)."""
    if n_processes < 1:
        raise InvalidInputError(f"n_processes must be >= 1, got {n_processes}")
    return SingleCoreEngine() if n_processes == 1 else MultiProcessEngine(n_procs=int(n_processes), method="spawn")


def multistart(problem: pypesto.Problem, *, n_starts: int, optimizer: pypesto.optimize.ScipyOptimizer,
               n_processes: int = 1, progress: bool = True) -> tuple[pypesto.Result, list[Start]]:
    """Optimise from ``n_starts`` starts (pyPESTO's multi-start, progress bar on stderr).

    Returns:
        pyPESTO's result (starts sorted best first) and the starts as plain data, same order.
    """
    if n_starts < 1:
        raise InvalidInputError(f"n_starts must be >= 1, got {n_starts}")
    result = pypesto.optimize.minimize(problem=problem, optimizer=optimizer, n_starts=int(n_starts),
                                       engine=engine_for(n_processes), progress_bar=progress,
                                       options=pypesto.optimize.OptimizeOptions(allow_failed_starts=True))
    starts = []
    for run in result.optimize_result.list:
        x = np.asarray(run.x, dtype=float)
        fval = run.fval if run.fval is not None and np.isfinite(run.fval) else problem.objective(x)
        starts.append(Start(id=str(run.id), x0=tuple(map(float, run.x0)), x=tuple(map(float, x)), fval=float(fval),
                            n_evaluations=int(run.n_fval or 0) + int(run.n_res or 0), seconds=float(run.time or 0.0),
                            exitflag=int(run.exitflag) if run.exitflag is not None else 0,
                            message=str(run.message or "")))
    starts.sort(key=lambda s: s.fval)
    return result, starts


def profiles(problem: pypesto.Problem, result: pypesto.Result, *, optimizer: pypesto.optimize.ScipyOptimizer,
             indices: Sequence[int] | None = None, n_processes: int = 1, progress: bool = True,
             max_step: float = 0.2) -> list[Profile]:
    """Profile likelihoods from the best start (pyPESTO), with 95 % intervals.

    Args:
        indices: which parameters (default: all).
        max_step: largest profile step on the parameter scale (log10: a factor 1.6).
    """
    indices = list(range(problem.dim)) if indices is None else list(indices)
    threshold = pypesto.profile.chi2_quantile_to_ratio(CONFIDENCE)
    options = pypesto.profile.ProfileOptions(default_step_size_absolute=max_step / 4, min_step_size_absolute=0.005,
                                             max_step_size_absolute=max_step, default_step_size_relative=0.0,
                                             min_step_size_relative=0.0, max_step_size_relative=0.0,
                                             ratio_min=threshold * 0.99, step_size_precheck_mode="off")
    result = pypesto.profile.parameter_profile(problem=problem, result=result, optimizer=optimizer,
                                               engine=engine_for(n_processes), profile_index=indices,
                                               profile_options=options, progress_bar=progress)
    out = []
    for index in indices:
        path = result.profile_result.list[-1][index]
        x = np.asarray(path.x_path, dtype=float)[index]
        ratio = np.asarray(path.ratio_path, dtype=float)
        order = np.argsort(x)
        x, ratio = x[order], ratio[order]
        lower, upper = _interval(x, ratio, threshold, problem.lb_full[index], problem.ub_full[index])
        out.append(Profile(id=problem.x_names[index], x=tuple(map(float, x)), ratio=tuple(map(float, ratio)),
                           lower=lower, upper=upper))
    return out


def _interval(x: np.ndarray, ratio: np.ndarray, threshold: float, lb: float, ub: float
              ) -> tuple[float | None, float | None]:
    """Where the profile crosses ``threshold`` on each side of its maximum (linear
    interpolation); ``None`` on a side that stays above it up to the end of the path."""
    best = int(np.argmax(ratio))
    ends: list[float | None] = []
    for side in (range(best, -1, -1), range(best, len(x))):
        found = None
        previous = best
        for k in side:
            if ratio[k] < threshold:
                t = (threshold - ratio[k]) / (ratio[previous] - ratio[k]) if ratio[previous] != ratio[k] else 0.0
                found = float(x[k] + t * (x[previous] - x[k]))
                break
            previous = k
        ends.append(found)
    return ends[0], ends[1]
