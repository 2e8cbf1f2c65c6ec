"""The result of a global sensitivity analysis, and the checks the analysers share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, SampleFailureError
from .evaluate import Evaluation

VARIANCE_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]


@dataclass(frozen=True)
class GlobalResult:
    """Indices of one global analysis and everything needed to check or redo it.

    Attributes:
        method: ``"sobol"``, ``"morris"`` or ``"efast"``.
        problem: the SALib problem dict.
        indices: index (``output``, ``parameter``); columns ``S1, S1_conf, ST, ST_conf``
            (Sobol', eFAST) or ``mu, mu_star, sigma, mu_star_conf`` (Morris), SALib's values.
            ``indices.loc[output]`` is the table of one output.
        second_order: Sobol' ``S2, S2_conf`` by (``output``, ``parameter``, ``other``), or None.
        samples: the SALib sample matrix as a table (index ``sample``, one column per name).
        evaluations: one row per sample: the outputs analysed (and, for models, the ensemble
            table's ``error``), with the ensemble's provenance in ``.attrs``.
        n_failed: samples without a value.
        n_dropped: Morris trajectories dropped because they held a failed sample.
        settings: N, seed and method options.
    """

    method: str
    problem: dict
    indices: pd.DataFrame
    second_order: pd.DataFrame | None
    samples: pd.DataFrame
    evaluations: pd.DataFrame
    n_failed: int = 0
    n_dropped: int = 0
    settings: dict = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        """The outputs analysed, in order."""
        return list(dict.fromkeys(self.indices.index.get_level_values("output")))

    def matrix(self, column: str | None = None) -> pd.DataFrame:
        """One index as parameters x outputs (for heat maps); default ``ST`` or ``mu_star``."""
        column = column or ("mu_star" if self.method == "morris" else "ST")
        if column not in self.indices.columns:
            raise InvalidInputError(f"{column!r} is not one of {list(self.indices.columns)}")
        table = self.indices[column].unstack("output")
        return table.loc[self.problem["names"], self.outputs]

    def ranking(self, output: str, column: str | None = None) -> pd.Series:
        """Parameters of one output sorted by an index, largest first."""
        return self.matrix(column)[output].sort_values(ascending=False)


def refuse_failures(method: str, evaluation: Evaluation) -> None:
    """Raise :class:`SampleFailureError` when any sample of a structured design has no value."""
    failed = evaluation.failed
    count = int(failed.sum())
    if not count:
        return
    table = evaluation.table
    reasons = ""
    if "error" in table.columns:
        errors = table["error"][table["error"] != ""]
        if len(errors):
            reasons = f"; most frequent error: {errors.value_counts().index[0][:200]}"
    raise SampleFailureError(
        f"{method}: {count} of {failed.size} samples gave no value{reasons}. The estimator needs every sample of "
        "its design, so none is dropped: narrow the bounds or fix the failing runs (see .evaluations; "
        "with checkpoint= the finished runs are kept), or use Morris, which drops whole trajectories",
        evaluations=table, n_failed=count)


def constant(values: np.ndarray) -> bool:
    """No variance to apportion (the variance-based indices would be 0/0)."""
    spread = float(np.ptp(values))
    return spread <= 1e-12 * max(float(np.max(np.abs(values))), 1e-300)


def stack(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One table of indices from one table per output."""
    return pd.concat(frames, names=["output", "parameter"]).astype(float)


def check_design(problem: dict, evaluation: Evaluation) -> None:
    """The evaluation must be of a sample matrix of this problem."""
    if list(evaluation.samples.columns) != list(problem["names"]):
        raise InvalidInputError("the evaluation's samples are not of this problem (their columns differ from its names)")
