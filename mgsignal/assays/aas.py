"""Atomic absorption spectroscopy (285.2 nm): TOTAL Mg of washed, lysed, acid-digested cells.

AAS cannot tell free from bound Mg: everything in the digest is atomised. The chain is::

    cell total Mg (mM) --cells, volumes--> digest concentration (mM) --standard curve--> absorbance

and back. For N cells of volume V (pL) digested in V_d (mL) and diluted d-fold before reading::

    c_read = c_cell · N · V·1e-12 L / (V_d·1e-3 L) / d
    fmol/cell = c_cell(mM) · V(pL)        (mM·pL = fmol)

Standard-curve statistics follow the usual unweighted calibration line (e.g. Miller & Miller,
*Statistics and Chemometrics for Analytical Chemistry*): slope and intercept standard errors and
the standard error of an inverse prediction from m replicate readings::

    s_x0 = (s_y/x / b) · sqrt(1/m + 1/n + (y0 − ȳ)² / (b²·Sxx))

Cell count and volume are taken as exact (their uncertainty is not propagated). Defaults come
from ``constants.toml`` and are assumptions of a typical protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mgsignal.errors import InvalidInputError
from mgsignal.assays._common import (Seed, add_noise, as_array, as_output, fill_defaults,
                                          outside_range, positive_scalar, same_shape)


@dataclass(frozen=True)
class StandardCurve:
    """Fitted line ``absorbance = slope·[Mg] + intercept`` ([Mg] in mM) with its statistics."""

    slope: float
    intercept: float
    se_slope: float
    se_intercept: float
    residual_sd: float
    n_standards: int
    mean_concentration: float
    mean_absorbance: float
    sxx: float

    def absorbance(self, mg: ArrayLike) -> float | np.ndarray:
        """Noise-free absorbance the line predicts for solution Mg ``mg`` (mM)."""
        return as_output(self.slope * as_array(mg, "mg") + self.intercept)

    def concentration(self, absorbance: ArrayLike, *, n_replicates: int = 1
                      ) -> tuple[float | np.ndarray, float | np.ndarray]:
        """Solution Mg (mM) and its standard error from the mean of ``n_replicates`` readings.

        Raises
        ------
        InvalidInputError
            If an absorbance is negative or below the intercept (negative concentration).
        """
        y0 = as_array(absorbance, "absorbance")
        if int(n_replicates) != n_replicates or n_replicates < 1:
            raise InvalidInputError(f"n_replicates must be a positive integer; got {n_replicates}")
        below = y0 < self.intercept
        if below.any():
            raise InvalidInputError(
                f"absorbance below the standard curve's intercept ({self.intercept:g}): "
                f"{outside_range(y0, below)}; the concentration would be negative")
        x0 = (y0 - self.intercept) / self.slope
        se = (self.residual_sd / self.slope) * np.sqrt(
            1.0 / n_replicates + 1.0 / self.n_standards
            + (y0 - self.mean_absorbance) ** 2 / (self.slope ** 2 * self.sxx))
        return as_output(x0), as_output(se)


def fit_standard_curve(standard_mg: ArrayLike, absorbance: ArrayLike) -> StandardCurve:
    """Least-squares line through standards of known Mg (mM) and their absorbances at 285.2 nm.

    Blank readings may scatter slightly below zero, so negative standard absorbances are
    accepted here (not for samples). Needs at least three standards at two or more levels.
    """
    x = as_array(standard_mg, "standard_mg")
    y = as_array(absorbance, "absorbance", nonnegative=False)
    same_shape(standard_mg=x, absorbance=y)
    if x.ndim != 1 or y.ndim != 1:
        raise InvalidInputError("standard_mg and absorbance must be one-dimensional arrays")
    if x.size < 3 or np.unique(x).size < 2:
        raise InvalidInputError(
            f"a standard curve needs at least 3 standards at 2 or more concentrations; got "
            f"{x.size} standard(s) at {np.unique(x).size} level(s)")
    xm, ym = float(x.mean()), float(y.mean())
    sxx = float(np.sum((x - xm) ** 2))
    slope = float(np.sum((x - xm) * (y - ym)) / sxx)
    if slope <= 0:
        raise InvalidInputError(f"standard curve slope is not positive ({slope:g}): check the data")
    intercept = ym - slope * xm
    resid = y - (slope * x + intercept)
    s = float(np.sqrt(np.sum(resid ** 2) / (x.size - 2)))
    return StandardCurve(
        slope=slope, intercept=intercept, se_slope=s / float(np.sqrt(sxx)),
        se_intercept=s * float(np.sqrt(np.sum(x ** 2) / (x.size * sxx))), residual_sd=s,
        n_standards=int(x.size), mean_concentration=xm, mean_absorbance=ym, sxx=sxx)


def aas_absorbance_from_mg(mg: ArrayLike, *, slope: float | None = None,
                           intercept: float | None = None, noise_cv: float = 0.0,
                           noise_sd: float = 0.0, seed: Seed = None) -> float | np.ndarray:
    """Absorbance at 285.2 nm of a solution with total Mg ``mg`` (mM): ``slope·mg + intercept``.

    Optional noise ``A·(1 + cv·ε₁) + sd·ε₂`` from ``seed``. Defaults: ``constants.toml``.
    """
    p = fill_defaults("aas", slope=slope, intercept=intercept)
    b = positive_scalar(p["slope"], "slope")
    a = float(as_array(p["intercept"], "intercept", nonnegative=False))
    values = b * as_array(mg, "mg") + a
    return as_output(add_noise(values, noise_cv=noise_cv, noise_sd=noise_sd, seed=seed))


def _sample(cell_count: float | None, cell_volume_pl: float | None,
            digest_volume_ml: float | None, dilution_factor: float | None) -> dict[str, float]:
    p = fill_defaults("aas", cell_count=cell_count, cell_volume_pl=cell_volume_pl,
                      digest_volume_ml=digest_volume_ml, dilution_factor=dilution_factor)
    out = {k: positive_scalar(v, k) for k, v in p.items()}
    if out["dilution_factor"] < 1:
        raise InvalidInputError(
            f"dilution_factor must be >= 1 (digest diluted before reading); got "
            f"{out['dilution_factor']:g}")
    # litres of cells per litre of solution read by the instrument
    out["cells_per_read"] = (out["cell_count"] * out["cell_volume_pl"] * 1e-12
                             / (out["digest_volume_ml"] * 1e-3) / out["dilution_factor"])
    return out


def aas_solution_mg_from_cell_mg(mg_cell: ArrayLike, *, cell_count: float | None = None,
                                 cell_volume_pl: float | None = None,
                                 digest_volume_ml: float | None = None,
                                 dilution_factor: float | None = None) -> float | np.ndarray:
    """Total Mg (mM) in the solution the instrument reads, from intracellular total Mg (mM)."""
    s = _sample(cell_count, cell_volume_pl, digest_volume_ml, dilution_factor)
    return as_output(as_array(mg_cell, "mg_cell") * s["cells_per_read"])


def aas_cell_mg_from_absorbance(absorbance: ArrayLike, *, curve: StandardCurve,
                                cell_count: float | None = None,
                                cell_volume_pl: float | None = None,
                                digest_volume_ml: float | None = None,
                                dilution_factor: float | None = None,
                                n_replicates: int = 1) -> pd.DataFrame:
    """Total Mg of a cell sample from its absorbance(s) at 285.2 nm.

    Returns one row per absorbance with columns ``solution_mM``, ``solution_se_mM`` (in the
    solution read), ``fmol_per_cell``, ``fmol_per_cell_se``, ``intracellular_mM`` and
    ``intracellular_se_mM`` (per litre of cell volume). Standard errors come from the standard
    curve only.

    Raises
    ------
    InvalidInputError
        Negative absorbance, absorbance below the curve's intercept, or bad sample sizes.
    """
    if not isinstance(curve, StandardCurve):
        raise InvalidInputError("curve must be a StandardCurve from fit_standard_curve()")
    s = _sample(cell_count, cell_volume_pl, digest_volume_ml, dilution_factor)
    y0 = as_array(absorbance, "absorbance")
    conc, se = (np.atleast_1d(v) for v in curve.concentration(y0, n_replicates=n_replicates))
    cell = conc / s["cells_per_read"]
    cell_se = se / s["cells_per_read"]
    return pd.DataFrame({
        "solution_mM": conc, "solution_se_mM": se,
        "fmol_per_cell": cell * s["cell_volume_pl"],
        "fmol_per_cell_se": cell_se * s["cell_volume_pl"],
        "intracellular_mM": cell, "intracellular_se_mM": cell_se})


def simulate_standard_curve(*, standards: ArrayLike | None = None, slope: float | None = None,
                            intercept: float | None = None, noise_sd: float = 0.0,
                            seed: Seed = None) -> StandardCurve:
    """Read a standard series on the virtual instrument (optionally noisy) and fit the line."""
    x = as_array(fill_defaults("aas", standards=standards)["standards"], "standards")
    y = aas_absorbance_from_mg(x, slope=slope, intercept=intercept, noise_sd=noise_sd, seed=seed)
    return fit_standard_curve(x, np.atleast_1d(y))
