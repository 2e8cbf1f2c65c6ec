"""Sobol' indices, SALib-shaped: :func:`sample` (Saltelli design) then :func:`analyze`.

    from mgsignal.sensitivity import evaluate, problem, sobol
    spec = problem(model, "all", relative=0.2)
    X = sobol.sample(spec, 1024, seed=1)
    result = sobol.analyze(spec, evaluate(model, spec, X, features=[Feature("Mg_c", "end")], t_end=1e6), seed=1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ..errors import InvalidInputError
from .evaluate import Evaluation
from .problem import check_problem
from .result import VARIANCE_COLUMNS, GlobalResult, check_design, constant, refuse_failures, stack


def sample(problem: dict, n: int, *, seed: int, calc_second_order: bool = False) -> np.ndarray:
    """The Saltelli design (scrambled Sobol' sequence): N (D + 2) rows, N (2D + 2) with
    ``calc_second_order``; ``n`` must be a power of 2."""
    check_problem(problem)
    if n < 2 or n & (n - 1):
        raise InvalidInputError(f"n must be a power of 2 (Sobol' sequence balance), got {n}")
    return sobol_sample.sample(dict(problem), n, calc_second_order=calc_second_order, seed=seed)


def analyze(problem: dict, evaluation: Evaluation, *, seed: int, calc_second_order: bool = False,
            num_resamples: int = 100, conf_level: float = 0.95) -> GlobalResult:
    """First-, total- (and optionally second-) order indices of every output.

    Args:
        evaluation: from :func:`mgsignal.sensitivity.evaluate` of :func:`sample`'s matrix.
        seed: seeds the bootstrap of the confidence intervals (``*_conf`` are half-widths).

    Raises:
        SampleFailureError: when any sample failed (the estimator needs all of them).
    """
    check_problem(problem)
    check_design(problem, evaluation)
    refuse_failures("Sobol'", evaluation)
    frames, pairs = {}, {}
    names = problem["names"]
    for label, Y in evaluation.outputs.items():
        if constant(Y):
            frames[label] = pd.DataFrame(np.nan, index=names, columns=VARIANCE_COLUMNS)
            continue
        si = sobol_analyze.analyze(dict(problem), Y, calc_second_order=calc_second_order,
                                   num_resamples=num_resamples, conf_level=conf_level,
                                   seed=np.random.default_rng(seed))
        frames[label] = pd.DataFrame({key: si[key] for key in VARIANCE_COLUMNS}, index=names)
        if calc_second_order:
            pairs[label] = pd.DataFrame(
                [(names[j], names[k], si["S2"][j, k], si["S2_conf"][j, k])
                 for j in range(len(names)) for k in range(j + 1, len(names))],
                columns=["parameter", "other", "S2", "S2_conf"]).set_index(["parameter", "other"])
    second = pd.concat(pairs, names=["output"]) if pairs else None
    return GlobalResult(method="sobol", problem=dict(problem), indices=stack(frames), second_order=second,
                        samples=evaluation.samples, evaluations=evaluation.table,
                        settings={"n": _base_size(problem, evaluation, calc_second_order), "seed": seed,
                                  "calc_second_order": calc_second_order, "num_resamples": num_resamples,
                                  "conf_level": conf_level})


def _base_size(problem: dict, evaluation: Evaluation, calc_second_order: bool) -> int:
    per_base = 2 * problem["num_vars"] + 2 if calc_second_order else problem["num_vars"] + 2
    return len(evaluation.samples) // per_base
