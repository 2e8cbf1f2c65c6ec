"""The one-call convenience over sample -> evaluate -> analyze."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..ensemble import EnsembleOptions, Feature
from ..ensemble.features import DoseResponse
from ..errors import InvalidInputError
from ..model import Model
from ..scenario import Scenario
from . import efast, morris, sobol
from .evaluate import Function, evaluate
from .result import GlobalResult

METHODS = {"sobol": sobol, "morris": morris, "efast": efast}
#: method options that the sampler takes as well as the analyser
_SHARED = {"sobol": ("calc_second_order",), "morris": ("num_levels",), "efast": ("m",)}


def global_sensitivity(model: Model | Function, problem: dict, *, method: str = "sobol", n: int, seed: int,
                       features: Sequence[Feature | DoseResponse] | None = None,
                       scenarios: Sequence[Scenario | None] | None = None,
                       options: EnsembleOptions | None = None, **settings: Any) -> GlobalResult:
    """Sample, evaluate and analyse in one call.

    Args:
        model: a model or a function ``X -> Y`` (see :func:`mgsignal.sensitivity.evaluate`).
        problem: from :func:`mgsignal.sensitivity.problem` (or any SALib problem dict).
        method: ``"sobol"``, ``"morris"`` or ``"efast"``.
        n: the method's base sample size (Sobol': power of 2, N (D + 2) runs; Morris:
            trajectories, N (D + 1) runs; eFAST: samples per curve, N D runs).
        seed: seeds the sampler and the bootstrap.
        features, scenarios: what each run is reduced to and under which scenarios (models only;
            with several scenarios every feature is analysed per scenario, ``"scenario:feature"``).
        options: how the ensemble runs (:class:`~mgsignal.ensemble.EnsembleOptions`).
        **settings: the method's options, ``calc_second_order`` (Sobol'), ``num_levels``
            (Morris), ``m`` (eFAST), ``num_resamples``, ``conf_level``; and single
            :class:`~mgsignal.ensemble.EnsembleOptions` fields that override ``options``
            (e.g. ``backend="serial"``).
    """
    if method not in METHODS:
        raise InvalidInputError(f"method must be one of {list(METHODS)}, got {method!r}")
    engine_fields = {f.name for f in dataclasses.fields(EnsembleOptions)}
    engine = {k: v for k, v in settings.items() if k in engine_fields}
    method_options = {k: v for k, v in settings.items() if k not in engine_fields}
    if engine and not isinstance(model, Model):
        raise InvalidInputError(f"ensemble settings {sorted(engine)} apply to models, not to functions")
    module = METHODS[method]
    shared = {k: v for k, v in method_options.items() if k in _SHARED[method]}
    X = module.sample(problem, n, seed=seed, **shared)
    evaluation = evaluate(model, problem, X, features=features, scenarios=scenarios, options=options, **engine)
    return module.analyze(problem, evaluation, seed=seed, **method_options)
