"""³¹P NMR: free Mg²⁺ from the ATP chemical shifts (Gupta 1984 and Iotti 1996 forms).

Both forms see Mg²⁺ only through the ATP resonances, i.e. through the share of ATP that is
bound to Mg²⁺; neither sees total or other bound Mg.

Gupta form (fast exchange)
    The observed Pα–Pβ separation is the population-weighted mean of its free-ATP and MgATP
    limits, ``δ = (1 − φ)·δ_ATP + φ·δ_MgATP`` with ``φ = [MgATP]/([ATP] + [MgATP])
    = [Mg]/(Kd + [Mg])``, hence ``[Mg²⁺] = Kd(MgATP)·(δ_ATP − δ)/(δ − δ_MgATP)``.
    The simple form ignores pH (Golding & Golding 1995).
Iotti 1996 form
    From the β-ATP shift relative to PCr (δβ, ppm), valid for −18.58 < δβ < −15.74 ppm::

        pMg = 4.24 − log10[(δβ + 18.58)^0.42 / (−15.74 − δβ)^0.84]

    with pMg = −log10([Mg²⁺] / (mol/L)). Because 0.84 = 2·0.42 the forward relation has a
    closed form (a quadratic); for other exponents it is solved numerically.

Concentrations are mM; all constants come from ``constants.toml``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from mgsignal.errors import InvalidInputError
from mgsignal.assays._common import (as_array, as_output, fill_defaults, load_constants,
                                          outside_range, positive_scalar, same_shape)

_MM_PER_M = 1000.0  # unit conversion for pMg (mol/L) <-> mM, not a physical constant


def _gupta(kd_mgatp: float | None, delta_atp: float | None, delta_mgatp: float | None
           ) -> dict[str, float]:
    p = fill_defaults("nmr31p", kd_mgatp=kd_mgatp, delta_atp=delta_atp, delta_mgatp=delta_mgatp)
    kd = positive_scalar(p["kd_mgatp"], "kd_mgatp")
    d_atp = float(as_array(p["delta_atp"], "delta_atp", nonnegative=False))
    d_mg = float(as_array(p["delta_mgatp"], "delta_mgatp", nonnegative=False))
    if d_atp <= d_mg:
        raise InvalidInputError(
            f"delta_atp ({d_atp:g} ppm) must exceed delta_mgatp ({d_mg:g} ppm): Mg2+ binding "
            "narrows the Palpha-Pbeta separation")
    return {"kd": kd, "delta_atp": d_atp, "delta_mgatp": d_mg}


def mgatp_fraction(atp: ArrayLike, mgatp: ArrayLike) -> float | np.ndarray:
    """Share of ATP bound to Mg²⁺, ``[MgATP]/([ATP] + [MgATP])`` (free ATP and MgATP in mM)."""
    a = as_array(atp, "atp")
    m = as_array(mgatp, "mgatp")
    same_shape(atp=a, mgatp=m)
    total = a + m
    if (total <= 0).any():
        raise InvalidInputError("ATP + MgATP must be positive: no ATP, no ³¹P ATP signal")
    return as_output(m / total)


def gupta_shift_from_fraction(fraction_mgatp: ArrayLike, *, delta_atp: float | None = None,
                              delta_mgatp: float | None = None) -> float | np.ndarray:
    """Pα–Pβ separation (ppm) for a given MgATP share of total ATP (fast exchange)."""
    p = _gupta(None, delta_atp, delta_mgatp)
    phi = as_array(fraction_mgatp, "fraction_mgatp")
    if (phi > 1).any():
        raise InvalidInputError(
            f"fraction_mgatp must lie in [0, 1]; got {outside_range(phi, phi > 1)}")
    return as_output((1.0 - phi) * p["delta_atp"] + phi * p["delta_mgatp"])


def gupta_shift_from_mg(mg: ArrayLike, *, kd_mgatp: float | None = None,
                        delta_atp: float | None = None, delta_mgatp: float | None = None
                        ) -> float | np.ndarray:
    """Pα–Pβ separation (ppm) at free Mg²⁺ ``mg`` (mM), with ``φ = [Mg]/(Kd(MgATP) + [Mg])``."""
    p = _gupta(kd_mgatp, delta_atp, delta_mgatp)
    m = as_array(mg, "mg")
    return gupta_shift_from_fraction(m / (p["kd"] + m), delta_atp=p["delta_atp"],
                                     delta_mgatp=p["delta_mgatp"])


def gupta_mg_from_shift(delta: ArrayLike, *, kd_mgatp: float | None = None,
                        delta_atp: float | None = None, delta_mgatp: float | None = None
                        ) -> float | np.ndarray:
    """Free Mg²⁺ (mM) from the Pα–Pβ separation ``delta`` (ppm), Gupta 1984.

    ``[Mg²⁺] = Kd(MgATP)·(δ_ATP − δ)/(δ − δ_MgATP)``.

    Raises
    ------
    InvalidInputError
        If ``delta`` is outside ``δ_MgATP < δ ≤ δ_ATP`` (no finite, non-negative Mg²⁺ gives it).
    """
    p = _gupta(kd_mgatp, delta_atp, delta_mgatp)
    d = as_array(delta, "delta", nonnegative=False)
    bad = (d <= p["delta_mgatp"]) | (d > p["delta_atp"])
    if bad.any():
        raise InvalidInputError(
            f"Gupta form valid only for delta_MgATP < delta <= delta_ATP ({p['delta_mgatp']:g} < "
            f"delta <= {p['delta_atp']:g} ppm); got {outside_range(d, bad)} ppm")
    return as_output(p["kd"] * (p["delta_atp"] - d) / (d - p["delta_mgatp"]))


def _iotti() -> dict[str, float]:
    c = load_constants()["nmr31p"]
    return {k: float(c[f"iotti_{k}"]["value"])
            for k in ("pmg_offset", "shift_low", "shift_high", "exponent_low", "exponent_high")}


def iotti_pmg_from_shift(delta_beta: ArrayLike) -> float | np.ndarray:
    """pMg (−log10 of free Mg²⁺ in mol/L) from the β-ATP shift vs PCr (ppm), Iotti 1996.

    Raises
    ------
    InvalidInputError
        If a shift is outside the form's valid range −18.58 < δβ < −15.74 ppm.
    """
    c = _iotti()
    d = as_array(delta_beta, "delta_beta", nonnegative=False)
    bad = (d <= c["shift_low"]) | (d >= c["shift_high"])
    if bad.any():
        raise InvalidInputError(
            f"Iotti 1996 form valid only for {c['shift_low']:g} < delta_beta < "
            f"{c['shift_high']:g} ppm (beta-ATP relative to PCr); got {outside_range(d, bad)} ppm")
    a = d - c["shift_low"]
    b = c["shift_high"] - d
    pmg = c["pmg_offset"] - (c["exponent_low"] * np.log10(a) - c["exponent_high"] * np.log10(b))
    return as_output(pmg)


def iotti_mg_from_shift(delta_beta: ArrayLike) -> float | np.ndarray:
    """Free Mg²⁺ (mM) from the β-ATP shift vs PCr (ppm), Iotti 1996 (see module docstring)."""
    pmg = np.asarray(iotti_pmg_from_shift(delta_beta))
    return as_output(_MM_PER_M * 10.0 ** (-pmg))


def iotti_shift_from_mg(mg: ArrayLike) -> float | np.ndarray:
    """β-ATP shift vs PCr (ppm) at free Mg²⁺ ``mg`` (mM): the inverse of the Iotti 1996 form.

    With ``a = δβ − low``, ``s = high − low`` and ``C = 10^((offset − pMg)/e_low)`` the form reads
    ``a / (s − a)^(e_high/e_low) = C``; for ``e_high = 2·e_low`` the root in (0, s) is
    ``a = 2·C·s² / (2·C·s + 1 + sqrt(4·C·s + 1))`` (cancellation-free quadratic root).
    """
    c = _iotti()
    m = as_array(mg, "mg", positive=True)
    pmg = -np.log10(m / _MM_PER_M)
    s = c["shift_high"] - c["shift_low"]
    k = (c["pmg_offset"] - pmg) / c["exponent_low"]
    ratio = c["exponent_high"] / c["exponent_low"]
    if abs(ratio - 2.0) < 1e-12:
        big_c = 10.0 ** k
        a = 2.0 * big_c * s * s / (2.0 * big_c * s + 1.0 + np.sqrt(4.0 * big_c * s + 1.0))
    else:  # general exponents: solve log10(a) − ratio·log10(s − a) = k on (0, s)
        a = np.array([brentq(lambda t, kk=kk: np.log10(t) - ratio * np.log10(s - t) - kk,
                             s * 1e-300, s * (1 - 1e-16), xtol=1e-15, rtol=4e-16)
                      for kk in np.ravel(k)]).reshape(np.shape(k))
    return as_output(c["shift_low"] + a)
