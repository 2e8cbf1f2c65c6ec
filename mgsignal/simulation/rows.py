"""Rows of values (parameters, species values, compartment sizes) set on a runner by index.

A row is set by index arrays, never by name: libroadrunner's string setters cost ~10^4 times
more. Index arrays differ between a model's two runners, so a :class:`RowSetter` resolves them
per runner, on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..model import Model


@dataclass(frozen=True)
class IndexSetter:
    """Sets one row of values on one libroadrunner instance by index arrays."""

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
    def resolve(cls, model: Model, columns: Sequence[str], runner: Any) -> IndexSetter:
        """Index arrays of ``columns`` in ``runner``. Raises on ids that cannot be set."""
        executable = runner.model
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
    """Sets rows of values of fixed ``columns`` on whichever of a model's runners it is given;
    each runner's index arrays are resolved once."""

    def __init__(self, model: Model, columns: Sequence[str]):
        model.check_ids(list(columns), settable=True)
        self.model, self.columns = model, tuple(columns)
        self._setters: dict[int, IndexSetter] = {}

    def resolve(self, runner: Any) -> IndexSetter:
        """The index arrays of this setter's columns in ``runner`` (resolved once)."""
        key = id(runner)
        if key not in self._setters:
            self._setters[key] = IndexSetter.resolve(self.model, self.columns, runner)
        return self._setters[key]

    def __call__(self, runner: Any, row: np.ndarray) -> None:
        self.resolve(runner)(runner, row)


@dataclass(frozen=True)
class Row:
    """One row of values and the setter that knows where they go."""

    setter: RowSetter
    values: np.ndarray

    def apply(self, runner: Any) -> None:
        self.setter(runner, self.values)
