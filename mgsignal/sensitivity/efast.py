"""Extended FAST indices, SALib-shaped: :func:`sample` then :func:`analyze`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from SALib.analyze import fast as fast_analyze
from SALib.sample import fast_sampler

from ..errors import InvalidInputError
from .evaluate import Evaluation
from .problem import check_problem
from .result import VARIANCE_COLUMNS, GlobalResult, check_design, constant, refuse_failures, stack


def sample(problem: dict, n: int, *, seed: int, m: int = 4) -> np.ndarray:
    """N D rows on search curves; ``n`` samples per curve, more than ``4 m^2``; ``m`` is the
    interference parameter (harmonics summed)."""
    check_problem(problem)
    if n <= 4 * m * m:
        raise InvalidInputError(f"eFAST needs n > 4 m^2 = {4 * m * m}, got {n}")
    return fast_sampler.sample(dict(problem), n, M=m, seed=seed)


def analyze(problem: dict, evaluation: Evaluation, *, seed: int, m: int = 4, num_resamples: int = 100,
            conf_level: float = 0.95) -> GlobalResult:
    """``S1, S1_conf, ST, ST_conf`` of every output. SALib estimates the eFAST confidence
    intervals by a bootstrap it calls unreliable: treat them as indicative.

    Raises:
        SampleFailureError: when any sample failed (the Fourier analysis needs every point).
    """
    check_problem(problem)
    check_design(problem, evaluation)
    refuse_failures("eFAST", evaluation)
    frames = {}
    state = np.random.get_state()  # SALib's fast bootstrap reseeds numpy's global generator
    try:
        for label, Y in evaluation.outputs.items():
            if constant(Y):
                frames[label] = pd.DataFrame(np.nan, index=problem["names"], columns=VARIANCE_COLUMNS)
                continue
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="FAST confidence intervals")
                si = fast_analyze.analyze(dict(problem), Y, M=m, num_resamples=num_resamples,
                                          conf_level=conf_level, seed=seed + 1)  # SALib ignores seed 0
            frames[label] = pd.DataFrame({key: np.asarray(si[key], dtype=float) for key in VARIANCE_COLUMNS},
                                         index=problem["names"])
    finally:
        np.random.set_state(state)
    return GlobalResult(method="efast", problem=dict(problem), indices=stack(frames), second_order=None,
                        samples=evaluation.samples, evaluations=evaluation.table,
                        settings={"n": len(evaluation.samples) // problem["num_vars"], "seed": seed, "m": m,
                                  "num_resamples": num_resamples, "conf_level": conf_level})
