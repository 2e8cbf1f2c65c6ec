"""Helpers shared by the virtual measurements: constants, input checks, noise.

Private module: the public names live in :mod:`mgsignal.assays`.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mgsignal.errors import InvalidInputError, UnknownIdError

Seed = int | np.random.Generator | None


def load_constants() -> dict[str, dict[str, dict[str, Any]]]:
    """Read ``constants.toml``: ``{section: {name: {"value", "unit", "source"}}}``.

    A fresh dictionary each call (no module state); callers that need several constants load
    once and pick with :func:`constant_value`.
    """
    text = resources.files("mgsignal.assays").joinpath("constants.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(text)


def constant_value(key: str, *, constants: dict[str, dict[str, dict[str, Any]]] | None = None
                   ) -> Any:
    """Value of the constant ``"section.name"`` (e.g. ``"magfura2.kd_mg"``), in its file unit."""
    table = load_constants() if constants is None else constants
    section, _, name = key.partition(".")
    try:
        return table[section][name]["value"]
    except KeyError:
        known = [f"{s}.{n}" for s, entries in table.items() for n in entries]
        raise UnknownIdError(key, known, what="constant", where="constants.toml") from None


def fill_defaults(section: str, **given: Any) -> dict[str, Any]:
    """Return ``given`` with every ``None`` replaced by ``constants[section][name]``."""
    missing = [k for k, v in given.items() if v is None]
    if not missing:
        return dict(given)
    table = load_constants()
    out = dict(given)
    for name in missing:
        out[name] = constant_value(f"{section}.{name}", constants=table)
    return out


def _first_bad(arr: np.ndarray, mask: np.ndarray) -> str:
    bad = arr[mask]
    return f"{int(mask.sum())} of {arr.size} value(s), e.g. {bad.flat[0]:g}"


def as_array(x: ArrayLike, name: str, *, nonnegative: bool = True, positive: bool = False
             ) -> np.ndarray:
    """``x`` as a float array; raise :class:`InvalidInputError` if not finite or of wrong sign."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be numbers; got {x!r}") from None
    finite = np.isfinite(arr)
    if not finite.all():
        raise InvalidInputError(f"{name} must be finite; got {_first_bad(arr, ~finite)}")
    if positive and (arr <= 0).any():
        raise InvalidInputError(f"{name} must be positive; got {_first_bad(arr, arr <= 0)}")
    if nonnegative and (arr < 0).any():
        raise InvalidInputError(
            f"{name} must be non-negative; got {_first_bad(arr, arr < 0)}")
    return arr


def positive_scalar(x: Any, name: str) -> float:
    """``x`` as a positive finite float."""
    arr = as_array(x, name, positive=True)
    if arr.ndim != 0:
        raise InvalidInputError(f"{name} must be a single number; got shape {arr.shape}")
    return float(arr)


def nonnegative_scalar(x: Any, name: str) -> float:
    """``x`` as a non-negative finite float."""
    arr = as_array(x, name)
    if arr.ndim != 0:
        raise InvalidInputError(f"{name} must be a single number; got shape {arr.shape}")
    return float(arr)


def same_shape(**arrays: np.ndarray) -> None:
    """Raise :class:`InvalidInputError` unless all arrays have one shape (scalars excepted)."""
    shapes = {name: a.shape for name, a in arrays.items() if a.ndim > 0}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise InvalidInputError(f"mismatched array shapes: {listed}")


def outside_range(arr: np.ndarray, mask: np.ndarray) -> str:
    """Describe the offending values of ``arr`` selected by ``mask``."""
    return _first_bad(arr, mask)


def as_output(arr: np.ndarray) -> float | np.ndarray:
    """A 0-d array becomes a float; anything else stays an array."""
    return float(arr) if np.ndim(arr) == 0 else arr


def add_noise(values: np.ndarray, *, noise_cv: float, noise_sd: float, seed: Seed
              ) -> np.ndarray:
    """``values · (1 + cv·ε₁) + sd·ε₂`` with ε standard normal drawn from ``seed``.

    Noise needs an explicit seed (an int or a numpy Generator): results must be reproducible
    and the global numpy RNG is never used.
    """
    cv = nonnegative_scalar(noise_cv, "noise_cv")
    sd = nonnegative_scalar(noise_sd, "noise_sd")
    if cv == 0.0 and sd == 0.0:
        return values
    if seed is None:
        raise InvalidInputError("noise needs a seed (int or numpy Generator) to be reproducible")
    rng = np.random.default_rng(seed)
    shape = np.shape(values)
    return values * (1.0 + cv * rng.standard_normal(shape)) + sd * rng.standard_normal(shape)
