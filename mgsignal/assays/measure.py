"""Apply a virtual measurement to a simulation result: what an experimenter would read.

A simulation result is a DataFrame (time index in s, or scenario names as index) with columns
in mM. Each method reads only the quantities its physics can see; which column holds each
quantity is given by an id map (quantity -> model id), so the assays work on any model:

============  ======================  ==================================================
method        reads (quantity)        cannot see
============  ======================  ==================================================
mag-fura-2    ``free_mg``             total and bound Mg (MgATP, buffers, organelles)
31p-nmr       ``free_atp``, ``mgatp`` free Mg²⁺ directly: infers it from the MgATP/ATP
                                      share with an assumed Kd(MgATP); total Mg
aas           ``total_mg``            free Mg²⁺: free and bound Mg are atomised together
============  ======================  ==================================================

The default map, :data:`CYTOSOL`, names the cytosolic ids of the transport model (and of the
composites built on it): ``Mg_c``, ``ATP_c``, ``MgATP_c``, ``Mg_tot_c``.

Inferred free Mg²⁺ is in column ``Mg_free_inferred``, inferred total Mg in
``Mg_total_inferred``; the result's ``attrs["measurement"]`` repeats what the method sees.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from mgsignal.errors import InvalidInputError, UnknownIdError
from mgsignal.assays._common import Seed, fill_defaults
from mgsignal.assays.aas import (aas_absorbance_from_mg, aas_cell_mg_from_absorbance,
                                      aas_solution_mg_from_cell_mg, simulate_standard_curve)
from mgsignal.assays.magfura2 import magfura2_mg_from_ratio, magfura2_ratio_from_mg
from mgsignal.assays.nmr31p import (gupta_mg_from_shift, gupta_shift_from_fraction,
                                         iotti_mg_from_shift, iotti_shift_from_mg, mgatp_fraction)

Columns = dict[str, np.ndarray]
#: quantity -> id of the cytosolic compartment of the transport model (the default id map)
CYTOSOL = MappingProxyType({"free_mg": "Mg_c", "free_atp": "ATP_c", "mgatp": "MgATP_c", "total_mg": "Mg_tot_c"})


def _magfura2(cols: Columns, *, kd: float | None = None, kd_ca: float | None = None,
              rmin: float | None = None, rmax: float | None = None, sf_sb: float | None = None,
              ca: float = 0.0, correct_ca: bool = False, noise_cv: float = 0.0,
              noise_sd: float = 0.0, seed: Seed = None) -> Columns:
    dye = {"kd": kd, "kd_ca": kd_ca, "rmin": rmin, "rmax": rmax, "sf_sb": sf_sb}
    ratio = np.atleast_1d(magfura2_ratio_from_mg(cols["free_mg"], ca=ca, noise_cv=noise_cv,
                                                 noise_sd=noise_sd, seed=seed, **dye))
    mg = magfura2_mg_from_ratio(ratio, ca=ca if correct_ca else None, **dye)
    return {"ratio_340_380": ratio, "Mg_free_inferred": np.atleast_1d(mg)}


def _nmr31p(cols: Columns, *, form: str = "gupta", kd_mgatp: float | None = None,
            delta_atp: float | None = None, delta_mgatp: float | None = None) -> Columns:
    atp, mgatp = cols["free_atp"], cols["mgatp"]
    if (atp == 0).any():
        raise InvalidInputError(
            f"free ATP is zero in {int((atp == 0).sum())} row(s): all ATP is Mg-bound, the shift "
            "sits at the MgATP limit and free Mg2+ cannot be resolved")
    phi = np.atleast_1d(mgatp_fraction(atp, mgatp))
    if form == "gupta":
        delta = np.atleast_1d(gupta_shift_from_fraction(phi, delta_atp=delta_atp,
                                                        delta_mgatp=delta_mgatp))
        mg = gupta_mg_from_shift(delta, kd_mgatp=kd_mgatp, delta_atp=delta_atp,
                                 delta_mgatp=delta_mgatp)
        return {"delta_alpha_beta_ppm": delta, "Mg_free_inferred": np.atleast_1d(mg)}
    if form == "iotti":
        if delta_atp is not None or delta_mgatp is not None:
            raise InvalidInputError("delta_atp and delta_mgatp apply to form='gupta' only")
        # the beta-ATP shift reflects the MgATP share; map it to free Mg with Kd(MgATP)
        kd = fill_defaults("nmr31p", kd_mgatp=kd_mgatp)["kd_mgatp"]
        delta_beta = np.atleast_1d(iotti_shift_from_mg(kd * mgatp / atp))
        return {"delta_beta_ppm": delta_beta,
                "Mg_free_inferred": np.atleast_1d(iotti_mg_from_shift(delta_beta))}
    raise InvalidInputError(f"form must be 'gupta' or 'iotti'; got {form!r}")


def _aas(cols: Columns, *, cell_count: float | None = None, cell_volume_pl: float | None = None,
         digest_volume_ml: float | None = None, dilution_factor: float | None = None,
         standards: list[float] | None = None, slope: float | None = None,
         intercept: float | None = None, noise_sd: float = 0.0, seed: Seed = None) -> Columns:
    rng = None if seed is None else np.random.default_rng(seed)
    sample = {"cell_count": cell_count, "cell_volume_pl": cell_volume_pl,
              "digest_volume_ml": digest_volume_ml, "dilution_factor": dilution_factor}
    curve = simulate_standard_curve(standards=standards, slope=slope, intercept=intercept,
                                    noise_sd=noise_sd, seed=rng)
    solution = aas_solution_mg_from_cell_mg(cols["total_mg"], **sample)
    absorbance = np.atleast_1d(aas_absorbance_from_mg(solution, slope=slope, intercept=intercept,
                                                      noise_sd=noise_sd, seed=rng))
    read = aas_cell_mg_from_absorbance(absorbance, curve=curve, **sample)
    return {"absorbance_285nm": absorbance,
            "Mg_total_inferred": read["intracellular_mM"].to_numpy(),
            "Mg_total_inferred_se": read["intracellular_se_mM"].to_numpy(),
            "Mg_total_fmol_per_cell": read["fmol_per_cell"].to_numpy()}


def _methods() -> dict[str, dict[str, Any]]:
    return {
        "mag-fura-2": {
            "function": _magfura2, "quantities": ("free_mg",),
            "sees": "free Mg2+, plus any Ca2+ bound to the dye",
            "cannot_see": "total Mg, MgATP and other bound Mg",
            "units": {"ratio_340_380": "1", "Mg_free_inferred": "mM"}},
        "31p-nmr": {
            "function": _nmr31p, "quantities": ("free_atp", "mgatp"),
            "sees": "the MgATP share of ATP; free Mg2+ inferred with Kd(MgATP)",
            "cannot_see": "free Mg2+ directly, total Mg, Mg not bound to ATP",
            "units": {"delta_alpha_beta_ppm": "ppm", "delta_beta_ppm": "ppm",
                      "Mg_free_inferred": "mM"}},
        "aas": {
            "function": _aas, "quantities": ("total_mg",),
            "sees": "total Mg, free and bound alike",
            "cannot_see": "free Mg2+ and how Mg is partitioned among ligands",
            "units": {"absorbance_285nm": "1", "Mg_total_inferred": "mM",
                      "Mg_total_inferred_se": "mM", "Mg_total_fmol_per_cell": "fmol/cell"}},
    }


def _column(result: pd.DataFrame, name: str, method: str, quantity: str) -> np.ndarray:
    if name not in result.columns:
        raise InvalidInputError(
            f"method {method!r} needs column {name!r} (quantity {quantity!r}), which the result lacks "
            f"(map the quantity to another column with ids={{{quantity!r}: ...}}); it has: "
            f"{', '.join(map(str, result.columns)) or 'no columns'}")
    values = result[name].to_numpy(dtype=float, copy=True)
    if not np.isfinite(values).all():
        raise InvalidInputError(f"method {method!r}: column {name!r} has non-finite values")
    tiny = (values < 0) & (values >= -1e-9)
    values[tiny] = 0.0  # integrator round-off below 1 pM
    if (values < 0).any():
        raise InvalidInputError(
            f"method {method!r}: column {name!r} has negative concentrations "
            f"(e.g. {values[values < 0][0]:g} mM)")
    return values


def _plain(value: Any) -> Any:
    plain = (int, float, str, bool, type(None), list, tuple)
    return value if isinstance(value, plain) else repr(value)


def measure(result: pd.DataFrame, *, method: str, ids: Mapping[str, str] | None = None,
            **options: Any) -> pd.DataFrame:
    """What an experimenter would read from a simulation ``result`` with ``method``.

    Parameters
    ----------
    result
        DataFrame with a time (or scenario) index and columns in mM.
    method
        ``"mag-fura-2"`` (reads ``free_mg``), ``"31p-nmr"`` (``free_atp``, ``mgatp``) or
        ``"aas"`` (``total_mg``).
    ids
        Quantity -> column of ``result`` (a model id); the quantities not given take
        :data:`CYTOSOL`'s ids (e.g. ``{"free_mg": "Mg_m", "total_mg": "Mg_tot_m"}`` measures
        the mitochondrial matrix).
    **options
        Keyword options of the method:

        * mag-fura-2: ``kd, kd_ca, rmin, rmax, sf_sb`` (dye constants), ``ca`` (free Ca²⁺ the
          dye sees, mM, default 0), ``correct_ca`` (use ``ca`` in the inversion),
          ``noise_cv, noise_sd, seed`` (ratio noise).
        * 31p-nmr: ``form`` (``"gupta"``, default, or ``"iotti"``), ``kd_mgatp``,
          ``delta_atp, delta_mgatp`` (Gupta limits).
        * aas: ``cell_count`` (default 1e6), ``cell_volume_pl`` (2 pL), ``digest_volume_ml``
          (1 mL), ``dilution_factor`` (1), ``standards`` (mM), ``slope`` (per mM),
          ``intercept``, ``noise_sd`` (absorbance, on standards and sample), ``seed``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``result``. mag-fura-2: ``ratio_340_380``, ``Mg_free_inferred``;
        31p-nmr: ``delta_alpha_beta_ppm`` (Gupta) or ``delta_beta_ppm`` (Iotti) and
        ``Mg_free_inferred``; aas: ``absorbance_285nm``, ``Mg_total_inferred``,
        ``Mg_total_inferred_se``, ``Mg_total_fmol_per_cell``. ``attrs`` keeps the result's
        attrs and adds ``"measurement"``: method, what it sees and cannot see, units, options.
        Values within 1e-9 mM below zero (integrator round-off) are read as zero.

    Raises
    ------
    UnknownIdError
        Unknown method (with near matches).
    InvalidInputError
        Missing column (named, with the method), unknown option, or a value outside what the
        method can read; the message starts with the method.
    """
    methods = _methods()
    if method not in methods:
        raise UnknownIdError(method, methods, what="measurement method", where="measure()")
    spec = methods[method]
    if not isinstance(result, pd.DataFrame):
        raise InvalidInputError(f"result must be a pandas DataFrame; got {type(result).__name__}")
    function: Callable[..., Columns] = spec["function"]
    allowed = [n for n, p in inspect.signature(function).parameters.items()
               if p.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InvalidInputError(
            f"method {method!r} has no option(s) {', '.join(unknown)}; "
            f"options: {', '.join(allowed)}")
    mapping = {**CYTOSOL, **dict(ids or {})}
    unknown_quantities = sorted(set(ids or {}) - set(CYTOSOL))
    if unknown_quantities:
        raise UnknownIdError(unknown_quantities[0], CYTOSOL, what="quantity", where="the assays' id map")
    cols = {q: _column(result, mapping[q], method, q) for q in spec["quantities"]}
    try:
        out = function(cols, **options)
    except InvalidInputError as err:
        raise InvalidInputError(f"method {method!r}: {err}") from err
    frame = pd.DataFrame(out, index=result.index.copy())
    frame.attrs = copy.deepcopy(result.attrs)
    frame.attrs["measurement"] = {
        "method": method, "columns_read": [mapping[q] for q in spec["quantities"]],
        "quantities": {q: mapping[q] for q in spec["quantities"]}, "sees": spec["sees"],
        "cannot_see": spec["cannot_see"],
        "units": {k: v for k, v in spec["units"].items() if k in frame.columns},
        "options": {k: _plain(v) for k, v in options.items()}}
    return frame
