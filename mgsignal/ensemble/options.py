"""How an ensemble runs: one options object shared by the engine, scans, dose-responses and the
sensitivity analyses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, UnknownIdError
from ..simulation import DEFAULT_ATOL, DEFAULT_RTOL


@dataclass(frozen=True)
class EnsembleOptions:
    """Settings of an ensemble run (everything but what is run).

    Attributes:
        t_end: simulated time in seconds (default: the scenarios' common ``duration``).
        n_points: output times from 0 to ``t_end`` that features are computed on.
        backend: ``"processes"`` (local worker processes, started for this ensemble),
            ``"serial"``, a :class:`~mgsignal.ensemble.LocalWorkers` pool (local worker
            processes kept from one ensemble to the next), a ``dask.distributed.Client`` or a
            Dask scheduler address (``"tcp://host:port"``).
        n_workers: local processes of ``"processes"`` (default: the number of CPUs).
        chunk_size: rows per task (default: shrinking chunks, see
            :func:`mgsignal.ensemble.engine.chunk_bounds`).
        checkpoint: folder where finished chunks are stored; a rerun with the same folder and
            inputs resumes, skipping stored samples.
        progress: show a progress bar (on stderr).
        rtol, atol: integrator tolerances.
        run_timeout: a run (one sample under one scenario) still going after this many seconds
            is stopped and reported as failed, and the rest goes on (libroadrunner cannot
            interrupt itself: its process is killed). ``None``: no limit. Local processes and
            non-daemonic Dask workers stop runs; the serial backend does not.
    """

    t_end: float | None = None
    n_points: int = 101
    backend: Any = "processes"
    n_workers: int | None = None
    chunk_size: int | None = None
    checkpoint: str | Path | None = None
    progress: bool = True
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    run_timeout: float | None = 120.0

    def __post_init__(self) -> None:
        if self.run_timeout is not None and not self.run_timeout > 0:
            raise InvalidInputError(f"run_timeout must be a positive number of seconds or None, got {self.run_timeout}")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise InvalidInputError(f"chunk_size must be a positive number of rows, got {self.chunk_size}")
        if self.n_workers is not None and self.n_workers < 1:
            raise InvalidInputError(f"n_workers must be at least 1, got {self.n_workers}")

    def but(self, **changes: Any) -> EnsembleOptions:
        """A copy with some settings changed; unknown names are refused with near matches."""
        known = [f.name for f in dataclasses.fields(self)]
        for name in changes:
            if name not in known:
                raise UnknownIdError(name, known, what="ensemble option", where="EnsembleOptions")
        return dataclasses.replace(self, **changes)


def resolve_options(options: EnsembleOptions | None, overrides: dict[str, Any]) -> EnsembleOptions:
    """``options`` (default settings when None) with keyword ``overrides`` applied."""
    return (options or EnsembleOptions()).but(**overrides)
