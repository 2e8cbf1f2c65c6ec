"""Parameter rows: drawing them, and setting them on a runner by index arrays.

A sample table is a DataFrame, one row per sample, one column per settable id of the model
(global parameters, species values such as transporter expression levels, compartment sizes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model, species_selection
from ..simulate import DEFAULT_ATOL, DEFAULT_RTOL, start_run


@dataclass(frozen=True)
class IndexSetter:
    """Sets one row of values on a libroadrunner instance by index arrays, not by name.

    Built once per worker from the column ids; ``__call__(runner, row)`` is the hot loop.
    """

    parameter_index: np.ndarray
    parameter_columns: np.ndarray
    floating_index: np.ndarray
    floating_columns: np.ndarray
    boundary_index: np.ndarray
    boundary_columns: np.ndarray
    boundary_divisor: np.ndarray
    compartment_index: np.ndarray
    compartment_columns: np.ndarray

    @classmethod
    def for_columns(cls, model: Model, columns: Sequence[str], *, runner: Any = None) -> IndexSetter:
        """Resolve ``columns`` against one of the model's runners (default: the time-course
        runner; indices differ between runners). Raises on unknown ids."""
        model.check_ids(list(columns), settable=True)
        executable = (runner if runner is not None else model.runner).model
        groups: dict[str, tuple[list[int], list[int]]] = {k: ([], []) for k in ("p", "f", "b", "c")}
        lookup = {
            "p": {sid: i for i, sid in enumerate(executable.getGlobalParameterIds())},
            "f": {sid: i for i, sid in enumerate(executable.getFloatingSpeciesIds())},
            "b": {sid: i for i, sid in enumerate(executable.getBoundarySpeciesIds())},
            "c": {sid: i for i, sid in enumerate(executable.getCompartmentIds())},
        }
        for column, sid in enumerate(columns):
            kind = next((k for k in ("p", "f", "b", "c") if sid in lookup[k]), None)
            if kind is None:
                raise InvalidInputError(f"{sid!r} cannot be varied in an ensemble")
            groups[kind][0].append(lookup[kind][sid])
            groups[kind][1].append(column)
        # libroadrunner sets boundary species by index only as concentrations: amount-only
        # species (transporter expression) are divided by the size of their compartment
        sizes = dict(zip(executable.getCompartmentIds(), executable.getCompartmentVolumes()))
        divisor = np.array([sizes[model.compartment_of[columns[c]]] if columns[c] in model.amount_species else 1.0
                            for c in groups["b"][1]], dtype=float)

        def arrays(kind: str) -> tuple[np.ndarray, np.ndarray]:
            return np.asarray(groups[kind][0], dtype=np.int32), np.asarray(groups[kind][1], dtype=np.intp)

        (pi, pc), (fi, fc), (bi, bc), (ci, cc) = (arrays(k) for k in ("p", "f", "b", "c"))
        return cls(pi, pc, fi, fc, bi, bc, divisor, ci, cc)

    def __call__(self, runner: Any, row: np.ndarray) -> None:
        executable = runner.model
        if self.parameter_index.size:
            executable.setGlobalParameterValues(self.parameter_index, row[self.parameter_columns])
        if self.floating_index.size:
            executable.setFloatingSpeciesInitConcentrations(self.floating_index, row[self.floating_columns])
        if self.boundary_index.size:
            executable.setBoundarySpeciesConcentrations(self.boundary_index,
                                                        row[self.boundary_columns] / self.boundary_divisor)
        if self.compartment_index.size:
            executable.setCompartmentVolumes(self.compartment_index, row[self.compartment_columns])


class RowSetter:
    """Sets one row on whichever of a model's runners it is given: index arrays per runner, the
    steady-state runner's made only if a steady state is asked for."""

    def __init__(self, model: Model, columns: Sequence[str]):
        self.model, self.columns = model, list(columns)
        self.time_course = IndexSetter.for_columns(model, self.columns)
        self._steady_state: IndexSetter | None = None

    @classmethod
    def for_columns(cls, model: Model, columns: Sequence[str]) -> RowSetter:
        return cls(model, columns)

    def bind(self, row: np.ndarray) -> Callable[[Any], None]:
        """A ``sample`` callable for :func:`mgsignal.simulate.start_run` that sets ``row``."""
        def sample(runner: Any) -> None:
            if runner is self.model.runner:
                self.time_course(runner, row)
                return
            if self._steady_state is None:
                self._steady_state = IndexSetter.for_columns(self.model, self.columns, runner=runner)
            self._steady_state(runner, row)
        return sample


def default_values(model: Model, ids: Sequence[str]) -> dict[str, float]:
    """The model's own values (at time 0) of settable ids."""
    model.check_ids(list(ids), settable=True)
    runner = start_run(model, None, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL)
    return {sid: float(runner[species_selection(sid, model.amount_species) if sid in model.species else sid])
            for sid in ids}


def sample_parameters(model: Model, *, n: int, seed: int, bounds: Mapping[str, tuple[float, float]] | None = None,
                      relative: Mapping[str, float] | float | None = None, ids: Sequence[str] | None = None,
                      log: bool = False) -> pd.DataFrame:
    """Draw ``n`` parameter rows by Latin hypercube sampling from a seeded generator.

    Args:
        model: the model whose settable ids are sampled.
        n: number of rows.
        seed: seed of ``numpy.random.default_rng``; the same seed gives the same rows.
        bounds: id -> (low, high).
        relative: fraction r (or id -> r) giving bounds default*(1-r) .. default*(1+r) for
            ``ids`` (log: default/(1+r) .. default*(1+r)).
        ids: ids sampled with ``relative`` bounds.
        log: sample uniformly in log space (bounds must be positive).

    Returns:
        A DataFrame with one row per sample (index ``sample``) and one column per id.
    """
    ranges = dict(bounds or {})
    if relative is not None:
        chosen = list(ids or [])
        if not chosen:
            raise InvalidInputError("relative bounds need the ids to vary")
        defaults = default_values(model, chosen)
        for sid in chosen:
            r = relative[sid] if isinstance(relative, Mapping) else float(relative)
            base = defaults[sid]
            ranges[sid] = (base / (1 + r), base * (1 + r)) if log else (base * (1 - r), base * (1 + r))
    if not ranges or n < 1:
        raise InvalidInputError("sample_parameters needs bounds (or relative with ids) and n >= 1")
    model.check_ids(list(ranges), settable=True)
    generator = np.random.default_rng(seed)
    columns = {}
    for sid, (low, high) in ranges.items():
        low, high = (min(low, high), max(low, high))
        if log and low <= 0:
            raise InvalidInputError(f"log sampling of {sid!r} needs positive bounds, got {low}")
        strata = (generator.permutation(n) + generator.random(n)) / n
        columns[sid] = np.exp(np.log(low) + strata * (np.log(high) - np.log(low))) if log else low + strata * (high - low)
    return pd.DataFrame(columns, index=pd.RangeIndex(n, name="sample"))
