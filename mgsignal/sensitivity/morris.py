"""Morris elementary effects (screening), SALib-shaped: :func:`sample` then :func:`analyze`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from ..errors import InvalidInputError, SampleFailureError
from .evaluate import Evaluation
from .problem import check_problem
from .result import GlobalResult, check_design, stack


def sample(problem: dict, n: int, *, seed: int, num_levels: int = 4) -> np.ndarray:
    """``n`` trajectories of D + 1 points on a grid of ``num_levels`` levels."""
    check_problem(problem)
    if n < 2:
        raise InvalidInputError(f"n (trajectories) must be at least 2, got {n}")
    return morris_sample.sample(dict(problem), n, num_levels=num_levels, seed=seed)


def analyze(problem: dict, evaluation: Evaluation, *, seed: int, num_levels: int = 4,
            num_resamples: int = 100, conf_level: float = 0.95) -> GlobalResult:
    """``mu``, ``mu_star``, ``sigma``, ``mu_star_conf`` of every output.

    Elementary effects are output changes per grid step (``num_levels / (2 (num_levels - 1))``
    of the range), in units of the whole range. Trajectories holding a failed sample are dropped
    whole (``n_dropped``); the analysis uses the rest.

    Raises:
        SampleFailureError: when fewer than two trajectories are left.
    """
    check_problem(problem)
    check_design(problem, evaluation)
    X = evaluation.samples.to_numpy(dtype=float)
    failed = evaluation.failed
    size = problem["num_vars"] + 1
    bad = failed.reshape(-1, size).any(axis=1)  # per trajectory
    if (~bad).sum() < 2:
        raise SampleFailureError(f"Morris: {int(failed.sum())} of {failed.size} samples failed, leaving "
                                 f"{int((~bad).sum())} complete trajectories (need 2)",
                                 evaluations=evaluation.table, n_failed=int(failed.sum()))
    keep = np.repeat(~bad, size)
    frames = {}
    for label, Y in evaluation.outputs.items():
        si = morris_analyze.analyze(dict(problem), X[keep], Y[keep], num_resamples=num_resamples,
                                    conf_level=conf_level, num_levels=num_levels,
                                    seed=np.random.default_rng(seed))
        frames[label] = pd.DataFrame({key: np.asarray(si[key], dtype=float)
                                      for key in ("mu", "mu_star", "sigma", "mu_star_conf")},
                                     index=problem["names"])
    return GlobalResult(method="morris", problem=dict(problem), indices=stack(frames), second_order=None,
                        samples=evaluation.samples, evaluations=evaluation.table, n_failed=int(failed.sum()),
                        n_dropped=int(bad.sum()),
                        settings={"n": len(X) // size, "seed": seed, "num_levels": num_levels,
                                  "num_resamples": num_resamples, "conf_level": conf_level})
