"""One call from experiments to calibrated values: :func:`calibrate`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from ..errors import InvalidInputError
from ..model import Model, load_model
from ..provenance import package_versions
from .experiments import Experiment, load_experiments
from .objective import PREEQUILIBRATION_TIME, CalibrationObjective
from .parameters import load_parameters
from .report import CalibrationResult, compare_fits, estimates

ExperimentsArgument = str | Iterable[str] | Sequence[Experiment] | None


def calibrate(*, model: str | Path | Model = "mg_transport", experiments: ExperimentsArgument = "train",
              held_out: ExperimentsArgument = "held-out", parameters: Sequence[str] | None = None,
              parameter_file: str | Path | None = None, experiments_folder: str | Path | None = None,
              n_starts: int = 10, seed: int = 0, max_iterations: int = 200, profile: bool = True,
              profile_parameters: Sequence[str] | None = None, n_processes: int = 1,
              progress: bool = True) -> CalibrationResult:
    """Calibrate a model's assumed parameters to published experiments with pyPESTO.

    Args:
        model: a model name, file, or :class:`~mgsignal.model.Model`.
        experiments: the experiments to fit: a split (``"train"``), ids, or
            :class:`~.experiments.Experiment` objects.
        held_out: experiments predicted with the calibrated values but never fitted (a split,
            ids, objects, or ``None``).
        parameters: ids of the table's parameters to estimate (default: all of them); the
            others keep the model's values.
        parameter_file: the table of estimated parameters (default: the model's shipped one).
        experiments_folder: where ids are looked up (default: the shipped experiments).
        n_starts: optimiser starts (the model's own values first, then a seeded Latin hypercube).
        seed: seed of the starts; the same seed gives the same result.
        max_iterations: residual evaluations per start (and per profile step).
        profile: compute profile likelihoods (95 % intervals, identifiability).
        profile_parameters: which parameters to profile (default: all estimated).
        n_processes: worker processes for the starts and profiles (each compiles the model).
        progress: progress bars on stderr.

    Returns:
        A :class:`~.report.CalibrationResult`: values before and after with intervals, fit
        quality per experiment before and after (train and held-out), the starts, profiles,
        settings and wall time.

    Raises:
        InvalidInputError: an experiment is in both sets, or an option is out of range.
        UnknownIdError: an experiment or parameter id is unknown.
    """
    from . import estimate  # pyPESTO: the optional extra "calibration"

    started = time.perf_counter()
    model = model if isinstance(model, Model) else load_model(model)
    train = _experiments(experiments, experiments_folder)
    test = _experiments(held_out, experiments_folder) if held_out is not None else []
    overlap = sorted({e.id for e in train} & {e.id for e in test})
    if overlap:
        raise InvalidInputError(f"experiments both fitted and held out: {', '.join(overlap)}")
    table = load_parameters(parameter_file, ids=parameters, model=model)
    objective = CalibrationObjective(model, train, table)
    before = objective.nominal()
    problem = estimate.create_problem(objective, seed=seed)
    optimizer = estimate.create_optimizer(max_iterations=max_iterations)
    result, starts = estimate.multistart(problem, n_starts=n_starts, optimizer=optimizer, n_processes=n_processes,
                                         progress=progress)
    after = starts[0].x
    profiles = []
    if profile:
        ids = list(objective.ids)
        chosen = ids if profile_parameters is None else list(profile_parameters)
        unknown = [p for p in chosen if p not in ids]
        if unknown:
            raise InvalidInputError(f"cannot profile {', '.join(unknown)}: not estimated ({', '.join(ids)})")
        profiles = estimate.profiles(problem, result, optimizer=optimizer, indices=[ids.index(p) for p in chosen],
                                     n_processes=n_processes, progress=progress)
    every = train + test
    predictions = objective.predict(after, experiments=every)
    fit = compare_fits(objective.predict(before, experiments=every), predictions)
    by_id = {p.id: {"id": p.id, "x": list(p.x), "ratio": list(p.ratio), "lower": p.lower, "upper": p.upper}
             for p in profiles}
    settings = {"n_starts": n_starts, "seed": seed, "max_iterations": max_iterations, "n_processes": n_processes,
                "optimizer": "pypesto ScipyOptimizer ls_trf (scipy least_squares, trust-region reflective)",
                "derivatives": f"pypesto FD forward, step {estimate.FD_STEP:g} on the parameter scale",
                "starts": "the model's values, then a Latin hypercube over the bounds from numpy default_rng(seed)",
                "profiles": ("pypesto parameter_profile from the best start, 95 % likelihood-ratio threshold"
                             if profile else "not computed"),
                "preequilibration_time_s": PREEQUILIBRATION_TIME, "parameter_file": str(parameter_file or "shipped"),
                "parameters": list(objective.ids)}
    versions = package_versions()
    versions["pypesto"] = metadata.version("pypesto")
    return CalibrationResult(
        model=model.name, model_sha256=model.sha256, train=tuple(e.id for e in train),
        held_out=tuple(e.id for e in test), parameters=estimates(table, before, after, by_id), fit=fit,
        predictions=predictions, starts=tuple(_plain(s) for s in starts),
        profiles=tuple(by_id.values()), settings=settings, wall_time=time.perf_counter() - started,
        provenance={"versions": versions, "date": datetime.now(UTC).date().isoformat()})


def _experiments(which: ExperimentsArgument, folder: str | Path | None) -> list[Experiment]:
    if isinstance(which, (list, tuple)) and which and all(isinstance(e, Experiment) for e in which):
        return list(which)
    experiments = load_experiments(which, folder=folder)
    if not experiments:
        raise InvalidInputError(f"no experiments selected by {which!r}")
    return experiments


def _plain(start) -> dict:
    return {"id": start.id, "x0": list(start.x0), "x": list(start.x), "fval": start.fval,
            "n_evaluations": start.n_evaluations, "seconds": start.seconds, "exitflag": start.exitflag,
            "message": start.message}
