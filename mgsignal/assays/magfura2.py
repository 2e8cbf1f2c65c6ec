"""Mag-fura-2 (furaptra): free Mg²⁺ → F340/F380 ratio, the Grynkiewicz inversion and calibration.

Dye model
---------
The dye is free (D), Mg-bound (DMg) or Ca-bound (DCa), in fast equilibrium::

    x = [Mg]/Kd + [Ca]/Kd_Ca          (bound / free dye)
    f_free = 1 / (1 + x),  f_bound = x / (1 + x)

Each state has an excitation brightness at 340 and 380 nm (emission ~510 nm). Calling
``S380_f`` and ``S380_b`` the 380-nm brightness of free and bound dye, ``Rmin = S340_f/S380_f``,
``Rmax = S340_b/S380_b`` and ``Sf/Sb = S380_f/S380_b`` gives::

    F340 = S380_f·(Rmin·f_free + Rmax·f_bound/β),   F380 = S380_f·(f_free + f_bound/β),  β = Sf/Sb
    R = F340/F380 = (Rmin·β + Rmax·x) / (β + x)

which, without Ca²⁺, inverts exactly to the Grynkiewicz (1985) equation
``[Mg] = Kd·(R − Rmin)/(Rmax − R)·(Sf/Sb)``. Assumption: Ca-bound dye has the spectrum of
Mg-bound dye (both shift excitation to 340 nm), so Ca²⁺ reads as extra Mg²⁺ unless corrected.

Calibration
-----------
In situ (ionophore such as A23187, buffers of known Mg²⁺, Ca²⁺ chelated): the ratio alone
depends on Rmin, Rmax and the product Kd·Sf/Sb only, so Kd can be fitted only when the F380
intensities are also given (their half-saturation is at Kd itself).

All concentrations are mM. Constants come from ``constants.toml`` (Raju 1989; Grynkiewicz 1985).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import least_squares

from mgsignal.errors import InvalidInputError, MgSignalError
from mgsignal.assays._common import (Seed, add_noise, as_array, as_output, fill_defaults,
                                          outside_range, positive_scalar, same_shape)


def _dye(kd: float | None, kd_ca: float | None, rmin: float | None, rmax: float | None,
         sf_sb: float | None) -> dict[str, float]:
    p = fill_defaults("magfura2", kd_mg=kd, kd_ca=kd_ca, rmin=rmin, rmax=rmax, sf_sb=sf_sb)
    out = {name: positive_scalar(value, name) for name, value in p.items()}
    if out["rmax"] <= out["rmin"]:
        raise InvalidInputError(
            f"rmax ({out['rmax']:g}) must exceed rmin ({out['rmin']:g}): mag-fura-2's ratio "
            "rises with Mg2+")
    return out


def _bound_over_free(mg: ArrayLike, ca: ArrayLike, kd: float, kd_ca: float) -> np.ndarray:
    mg_arr = as_array(mg, "mg")
    ca_arr = as_array(ca, "ca")
    same_shape(mg=mg_arr, ca=ca_arr)
    return mg_arr / kd + ca_arr / kd_ca


def magfura2_ratio_from_mg(mg: ArrayLike, *, ca: ArrayLike = 0.0, kd: float | None = None,
                           kd_ca: float | None = None, rmin: float | None = None,
                           rmax: float | None = None, sf_sb: float | None = None,
                           noise_cv: float = 0.0, noise_sd: float = 0.0, seed: Seed = None
                           ) -> float | np.ndarray:
    """F340/F380 ratio that mag-fura-2 shows at free Mg²⁺ ``mg`` (mM).

    Parameters
    ----------
    mg, ca
        Free Mg²⁺ and free Ca²⁺ (mM; scalars or arrays of one shape). Ca²⁺ binds the dye too.
    kd, kd_ca, rmin, rmax, sf_sb
        Dye constants; ``None`` takes the value in ``constants.toml``.
    noise_cv, noise_sd, seed
        Optional noise on the ratio: ``R·(1 + cv·ε₁) + sd·ε₂`` drawn from ``seed`` (required
        when any noise is asked for).
    """
    p = _dye(kd, kd_ca, rmin, rmax, sf_sb)
    x = _bound_over_free(mg, ca, p["kd_mg"], p["kd_ca"])
    beta = p["sf_sb"]
    ratio = (p["rmin"] * beta + p["rmax"] * x) / (beta + x)
    return as_output(add_noise(ratio, noise_cv=noise_cv, noise_sd=noise_sd, seed=seed))


def magfura2_intensities_from_mg(mg: ArrayLike, *, ca: ArrayLike = 0.0, kd: float | None = None,
                                 kd_ca: float | None = None, rmin: float | None = None,
                                 rmax: float | None = None, sf_sb: float | None = None,
                                 f380_free: float = 1.0
                                 ) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Noise-free (F340, F380) intensities; ``f380_free`` is F380 of Mg-free dye (a.u.)."""
    p = _dye(kd, kd_ca, rmin, rmax, sf_sb)
    x = _bound_over_free(mg, ca, p["kd_mg"], p["kd_ca"])
    scale = positive_scalar(f380_free, "f380_free")
    f_free, f_bound = 1.0 / (1.0 + x), x / (1.0 + x)
    beta = p["sf_sb"]
    f340 = scale * (p["rmin"] * f_free + p["rmax"] * f_bound / beta)
    f380 = scale * (f_free + f_bound / beta)
    return as_output(f340), as_output(f380)


def magfura2_mg_from_ratio(ratio: ArrayLike, *, ca: ArrayLike | None = None,
                           kd: float | None = None, kd_ca: float | None = None,
                           rmin: float | None = None, rmax: float | None = None,
                           sf_sb: float | None = None) -> float | np.ndarray:
    """Free Mg²⁺ (mM) from an F340/F380 ratio by the Grynkiewicz equation.

    ``[Mg] = Kd·(R − Rmin)/(Rmax − R)·(Sf/Sb)``; with ``ca`` (free Ca²⁺, mM) the Ca-bound share
    of the dye is removed: ``[Mg] = Kd·((R − Rmin)/(Rmax − R)·(Sf/Sb) − [Ca]/Kd_Ca)``.
    Without ``ca`` any Ca²⁺ bound to the dye is read as Mg²⁺.

    Raises
    ------
    InvalidInputError
        If a ratio is outside ``Rmin ≤ R < Rmax`` (no finite, non-negative Mg²⁺ gives it), or the
        Ca²⁺ correction exceeds the signal.
    """
    p = _dye(kd, kd_ca, rmin, rmax, sf_sb)
    r = as_array(ratio, "ratio", nonnegative=False)
    bad = (r < p["rmin"]) | (r >= p["rmax"])
    if bad.any():
        raise InvalidInputError(
            f"ratio outside the calibrated range Rmin <= R < Rmax ({p['rmin']:g} <= R < "
            f"{p['rmax']:g}): {outside_range(r, bad)}")
    x = p["sf_sb"] * (r - p["rmin"]) / (p["rmax"] - r)
    if ca is None:
        return as_output(p["kd_mg"] * x)
    ca_arr = as_array(ca, "ca")
    same_shape(ratio=r, ca=ca_arr)
    mg = p["kd_mg"] * (x - ca_arr / p["kd_ca"])
    negative = mg < -1e-9 * p["kd_mg"]
    if negative.any():
        raise InvalidInputError(
            "Ca2+ correction exceeds the dye signal (inferred Mg2+ would be negative): "
            f"{outside_range(mg, negative)} mM")
    return as_output(np.maximum(mg, 0.0))


def simulate_magfura2_calibration(buffer_mg: ArrayLike, *, kd: float | None = None,
                                  rmin: float | None = None, rmax: float | None = None,
                                  sf_sb: float | None = None, f380_free: float = 1.0,
                                  noise_cv: float = 0.0, noise_sd: float = 0.0,
                                  seed: Seed = None) -> pd.DataFrame:
    """Virtual in-situ calibration: dye in Ca-free buffers of known Mg²⁺ (ionophore-clamped).

    F340 and F380 each get independent noise ``F·(1 + cv·ε₁) + sd·ε₂`` from one generator
    seeded with ``seed``; the ratio is formed from the noisy intensities, as on a microscope.
    Returns columns ``mg_buffer`` (mM), ``f340``, ``f380`` (a.u.) and ``ratio``.
    """
    mg = as_array(buffer_mg, "buffer_mg")
    if mg.ndim != 1:
        raise InvalidInputError(f"buffer_mg must be one-dimensional; got shape {mg.shape}")
    f340, f380 = magfura2_intensities_from_mg(mg, kd=kd, rmin=rmin, rmax=rmax, sf_sb=sf_sb,
                                              f380_free=f380_free)
    rng = None if seed is None else np.random.default_rng(seed)
    f340 = add_noise(np.asarray(f340), noise_cv=noise_cv, noise_sd=noise_sd, seed=rng)
    f380 = add_noise(np.asarray(f380), noise_cv=noise_cv, noise_sd=noise_sd, seed=rng)
    return pd.DataFrame({"mg_buffer": mg, "f340": f340, "f380": f380, "ratio": f340 / f380})


@dataclass(frozen=True, eq=False)  # holds a DataFrame: compare fields, not objects
class MagFura2Calibration:
    """Result of :func:`calibrate_magfura2`.

    ``stderr`` holds one standard error per fitted parameter (from the Jacobian at the optimum,
    scaled by the residual variance); ``kd`` is absent from it when Kd was held fixed.
    ``residual_sd`` is the relative residual SD of each fitted channel (``ratio``, or ``f340``
    and ``f380``).
    """

    rmin: float
    rmax: float
    sf_sb: float
    kd: float
    kd_fitted: bool
    f380_bound: float | None
    stderr: Mapping[str, float]
    covariance: pd.DataFrame
    residual_sd: Mapping[str, float]
    n_buffers: int

    def dye_parameters(self) -> dict[str, float]:
        """Keyword arguments for :func:`magfura2_mg_from_ratio` and the forward functions."""
        return {"kd": self.kd, "rmin": self.rmin, "rmax": self.rmax, "sf_sb": self.sf_sb}


def _initial_guess(mg: np.ndarray, ratio: np.ndarray, f380: np.ndarray | None, kd: float,
                   fit_kd: bool) -> dict[str, float]:
    lo, hi = int(np.argmin(mg)), int(np.argmax(mg))
    rmin0, rmax0 = float(ratio[lo]), float(ratio[hi])
    inside = (ratio > rmin0) & (ratio < rmax0) & (mg > 0)
    if inside.any():
        kd_eff = float(np.median(mg[inside] * (rmax0 - ratio[inside]) / (ratio[inside] - rmin0)))
    else:
        kd_eff = float(np.exp(np.mean(np.log(mg[mg > 0]))))
    guess = {"rmin": rmin0, "rmax": rmax0}
    if f380 is None:
        guess["sf_sb"] = kd_eff / kd
        return guess
    ff0, fb0 = float(f380[lo]), float(f380[hi])
    guess["sf_sb"] = ff0 / fb0 if ff0 > fb0 else kd_eff / kd
    if fit_kd:
        between = (f380 < ff0) & (f380 > fb0) & (mg > 0)
        guess["kd"] = (float(np.median(mg[between] * (f380[between] - fb0) / (ff0 - f380[between])))
                       if between.any() else kd_eff / guess["sf_sb"])
    guess["f380_bound"] = fb0
    return guess


def calibrate_magfura2(buffer_mg: ArrayLike, ratio: ArrayLike, *, f380: ArrayLike | None = None,
                       kd: float | None = None, fit_kd: bool = False) -> MagFura2Calibration:
    """Estimate Rmin, Rmax, Sf/Sb (and Kd) from an in-situ calibration by least squares.

    Parameters
    ----------
    buffer_mg, ratio
        Buffer free Mg²⁺ (mM) and the measured F340/F380 ratio, one per buffer (replicates allowed).
    f380
        Optional F380 intensities of the same measurements (same dye amount in every buffer).
        They fix Sf/Sb directly and are needed for ``fit_kd=True``.
    kd
        Kd(Mg²⁺) in mM: held fixed unless ``fit_kd``, else the starting value (default:
        ``constants.toml``).

    Residuals are relative (``model/observed − 1``), i.e. proportional errors are assumed. With
    F380 the two channels F340 (= R·F380) and F380 are fitted, each weighted by its own residual
    SD (two passes), since R and F380 share F380's noise. Standard errors come from
    ``s²·(JᵀJ)⁻¹`` at the optimum; ``residual_sd`` has keys ``ratio`` or ``f340``/``f380``.
    """
    mg = as_array(buffer_mg, "buffer_mg")
    r = as_array(ratio, "ratio", positive=True)
    f = None if f380 is None else as_array(f380, "f380", positive=True)
    same_shape(buffer_mg=mg, ratio=r, **({} if f is None else {"f380": f}))
    if mg.ndim != 1 or r.ndim != 1:
        raise InvalidInputError("buffer_mg and ratio must be one-dimensional arrays")
    if fit_kd and f is None:
        raise InvalidInputError(
            "fit_kd=True needs f380 intensities: from ratios alone only the product "
            "Kd*(Sf/Sb) is identifiable")
    kd0 = positive_scalar(fill_defaults("magfura2", kd_mg=kd)["kd_mg"], "kd")
    guess = _initial_guess(mg, r, f, kd0, fit_kd)
    names = list(guess)
    n_obs = r.size * (1 if f is None else 2)
    if np.unique(mg).size < 3 or n_obs <= len(names):
        raise InvalidInputError(
            f"calibration needs at least 3 distinct buffer Mg2+ values and more measurements "
            f"({n_obs}) than fitted parameters ({len(names)})")

    def unpack(theta: np.ndarray) -> dict[str, float]:
        return dict(zip(names, theta))

    def model(theta: np.ndarray) -> list[np.ndarray]:
        p = unpack(theta)
        k = p.get("kd", kd0)
        beta_kd = p["sf_sb"] * k
        if f is None:
            return [(p["rmin"] * beta_kd + p["rmax"] * mg) / (beta_kd + mg)]
        scale = p["f380_bound"] / (k + mg)
        return [scale * (p["rmin"] * beta_kd + p["rmax"] * mg), scale * (beta_kd + mg)]

    # with F380 the two channels are fitted (F340 = R·F380): their noises are independent,
    # whereas R and F380 share F380's noise and would be correlated
    observed = [r] if f is None else [r * f, f]

    def residuals(theta: np.ndarray, sd: list[float]) -> np.ndarray:
        return np.concatenate([(m / o - 1.0) / w for m, o, w in zip(model(theta), observed, sd)])

    x0 = np.array([guess[n] for n in names])
    sd = [1.0] * len(observed)
    dof_share = (n_obs - len(names)) / n_obs
    for _ in range(len(observed)):  # second pass re-weights each channel by its residual SD
        fit = least_squares(residuals, x0, args=(sd,), bounds=(0.0, np.inf), x_scale="jac",
                            ftol=1e-14, xtol=1e-14, gtol=1e-14, max_nfev=10_000)
        x0 = fit.x
        new = [float(np.sqrt(np.sum((m / o - 1.0) ** 2) / (o.size * dof_share)))
               for m, o in zip(model(fit.x), observed)]
        if min(new) > 0:
            sd = new
    if not fit.success:
        raise MgSignalError(f"mag-fura-2 calibration fit did not converge: {fit.message}")
    s2 = float(np.sum(fit.fun ** 2)) / (n_obs - len(names))
    cov = s2 * np.linalg.pinv(fit.jac.T @ fit.jac)
    stderr = dict(zip(names, np.sqrt(np.clip(np.diag(cov), 0.0, None)).tolist()))
    p = unpack(fit.x)
    blocks = ["ratio"] if f is None else ["f340", "f380"]
    resid_sd = {b: float(np.std(m / o - 1.0)) for b, m, o in zip(blocks, model(fit.x), observed)}
    return MagFura2Calibration(
        rmin=float(p["rmin"]), rmax=float(p["rmax"]), sf_sb=float(p["sf_sb"]),
        kd=float(p.get("kd", kd0)), kd_fitted=fit_kd,
        f380_bound=None if f is None else float(p["f380_bound"]), stderr=stderr,
        covariance=pd.DataFrame(cov, index=names, columns=names), residual_sd=resid_sd,
        n_buffers=int(mg.size))
