"""Membrane electrochemistry: Nernst and Goldman–Hodgkin–Katz equations, NMDA receptor Mg²⁺ block.

Plain functions of concentrations, potential and temperature, independent of any model, so that
the neuron model's readouts and the virtual patch clamp can be checked against them.

Units and conventions
    Potentials in mV (inside minus outside), concentrations in mM, temperature in kelvin.
    Fluxes and currents are **outward positive** (the physiological convention). A permeability
    (or permeability × membrane area) ``P`` times a concentration gives a flux in the matching
    unit: with ``P`` in pL/s and concentrations in mM, the flux is in fmol/s and the current
    ``z·F·flux`` is in fA (the units of ``models/neuron.ant``); with ``P`` in cm/s and mM
    (= µmol/cm³) the flux density is in µmol/(cm²·s).

Equations (u = z·F·V / (R·T))
    Nernst:          E = R·T/(z·F) · ln(c_out / c_in)
    GHK flux:        J = P · u · (c_in − c_out·e^(−u)) / (1 − e^(−u)),  J → P·(c_in − c_out) at u → 0
    GHK current:     I = z·F·J
    GHK voltage:     V = R·T/F · ln((Σ_cations P·c_out + Σ_anions P·c_in) /
                                    (Σ_cations P·c_in  + Σ_anions P·c_out))   (monovalent ions)
    Jahr & Stevens 1990 unblocked fraction of NMDA receptors:
                     B(V) = 1 / (1 + [Mg²⁺]o / 3.57 mM · exp(−0.062 · V/mV))
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from mgsignal.errors import InvalidInputError, UnknownIdError

#: Faraday constant, C/mol (CODATA 2018, exact)
FARADAY = 96485.33212
#: molar gas constant, J/(mol·K) (CODATA 2018, exact)
GAS_CONSTANT = 8.314462618
#: body temperature, K (37 °C)
BODY_TEMPERATURE = 310.15
#: valences of the ions the GHK voltage equation knows by name
VALENCES: Mapping[str, int] = MappingProxyType({"K": 1, "Na": 1, "Cl": -1})
#: Jahr & Stevens 1990, J Neurosci 10:3178: Mg²⁺ concentration scale (mM) and voltage coefficient (1/mV)
JAHR_STEVENS_K_MG = 3.57
JAHR_STEVENS_DELTA = 0.062
#: kinetic Mg²⁺ block: block 0.61 /ms/mM·e^(−V/17 mV), unblock 5.4 /ms·e^(V/47 mV) (secondary
#: figures, to verify; cf. the single-channel block kinetics of Ascher & Nowak 1988, J Physiol 399:247)
KINETIC_BLOCK_RATE = 0.61
KINETIC_UNBLOCK_RATE = 5.4
KINETIC_BLOCK_VOLTAGE = 17.0
KINETIC_UNBLOCK_VOLTAGE = 47.0

_MV_PER_V = 1000.0  # unit conversion, not a physical constant


def thermal_voltage(temperature: float = BODY_TEMPERATURE) -> float:
    """R·T/F in mV (26.73 mV at 37 °C, 25.26 mV at 20 °C)."""
    t = _positive(temperature, "temperature")
    return GAS_CONSTANT * t / FARADAY * _MV_PER_V


def nernst_potential(c_out: ArrayLike, c_in: ArrayLike, *, z: int,
                     temperature: float = BODY_TEMPERATURE) -> float | np.ndarray:
    """Equilibrium (Nernst) potential of an ion, in mV.

    Args:
        c_out, c_in: outside and inside concentrations (mM, positive; scalars or arrays).
        z: valence (e.g. 1 for K⁺, 2 for Ca²⁺, −1 for Cl⁻).
        temperature: kelvin.
    """
    out = _concentration(c_out, "c_out", positive=True)
    inside = _concentration(c_in, "c_in", positive=True)
    valence = _valence(z)
    return _scalar_or_array(thermal_voltage(temperature) / valence * np.log(out / inside))


def ghk_flux(voltage: ArrayLike, *, permeability: float, c_out: ArrayLike, c_in: ArrayLike,
             z: int, temperature: float = BODY_TEMPERATURE) -> float | np.ndarray:
    """Goldman–Hodgkin–Katz flux equation: outward flux of one ion (permeability × mM units).

    Args:
        voltage: membrane potential (mV; scalar or array).
        permeability: P (or P × area), non-negative.
        c_out, c_in: outside and inside concentrations (mM, non-negative).
        z: valence.
        temperature: kelvin.

    Returns:
        ``P·u·(c_in − c_out·e^(−u))/(1 − e^(−u))`` with ``u = zFV/RT`` (the limit
        ``P·(c_in − c_out)`` at V = 0), positive when the ion leaves the cell.
    """
    v = _array(voltage, "voltage")
    p = _nonnegative(permeability, "permeability")
    out = _concentration(c_out, "c_out")
    inside = _concentration(c_in, "c_in")
    u = _valence(z) * v / thermal_voltage(temperature)
    u, out, inside = np.broadcast_arrays(u, out, inside)
    flux = p * (inside - out)  # the u -> 0 limit
    away = np.abs(u) > 1e-9
    ua = u[away]
    flux = np.array(flux, dtype=float)
    # u / (1 - e^-u) = -u / expm1(-u): accurate for small u, no overflow for large negative u
    flux[away] = p * (-ua / np.expm1(-ua)) * (inside[away] - out[away] * np.exp(-ua))
    return _scalar_or_array(flux)


def ghk_current(voltage: ArrayLike, *, permeability: float, c_out: ArrayLike, c_in: ArrayLike,
                z: int, temperature: float = BODY_TEMPERATURE) -> float | np.ndarray:
    """Goldman–Hodgkin–Katz current equation: ``z·F·ghk_flux`` (outward positive).

    With permeability in pL/s and concentrations in mM the current is in fA.
    """
    return _scalar_or_array(_valence(z) * FARADAY * np.asarray(ghk_flux(
        voltage, permeability=permeability, c_out=c_out, c_in=c_in, z=z,
        temperature=temperature)))


def ghk_potential(*, permeabilities: Mapping[str, float], c_out: Mapping[str, float],
                  c_in: Mapping[str, float], valences: Mapping[str, int] | None = None,
                  temperature: float = BODY_TEMPERATURE) -> float:
    """Goldman–Hodgkin–Katz voltage equation: the potential (mV) at which the GHK currents of
    monovalent ions sum to zero.

    Args:
        permeabilities: ion name -> permeability (any common unit; only ratios matter).
        c_out, c_in: ion name -> outside and inside concentration (mM) for every ion of
            ``permeabilities``.
        valences: ion name -> valence, +1 or −1; defaults to :data:`VALENCES` (K, Na, Cl).
        temperature: kelvin.

    Raises:
        InvalidInputError: for a valence other than ±1 (the closed form holds for monovalent
            ions only), or when numerator or denominator is zero.
        UnknownIdError: for an ion without a known valence or without concentrations.
    """
    table = dict(VALENCES if valences is None else valences)
    numerator = denominator = 0.0
    for ion, p in permeabilities.items():
        if ion not in table:
            raise UnknownIdError(ion, table, what="ion", where="the valence table")
        for side, values in (("c_out", c_out), ("c_in", c_in)):
            if ion not in values:
                raise UnknownIdError(ion, values, what=f"ion in {side}", where="ghk_potential")
        z = table[ion]
        if z not in (1, -1):
            raise InvalidInputError(f"the GHK voltage equation holds for monovalent ions; "
                                    f"{ion} has valence {z}")
        weight = _nonnegative(p, f"permeability of {ion}")
        out = float(_concentration(c_out[ion], f"c_out[{ion}]"))
        inside = float(_concentration(c_in[ion], f"c_in[{ion}]"))
        numerator += weight * (out if z == 1 else inside)
        denominator += weight * (inside if z == 1 else out)
    if numerator <= 0 or denominator <= 0:
        raise InvalidInputError("the GHK voltage equation needs a permeant ion on each side")
    return float(thermal_voltage(temperature) * np.log(numerator / denominator))


def jahr_stevens_unblocked(voltage: ArrayLike, *, mg_out: float,
                           k_mg: float = JAHR_STEVENS_K_MG,
                           delta: float = JAHR_STEVENS_DELTA) -> float | np.ndarray:
    """Fraction of NMDA receptors not blocked by extracellular Mg²⁺ (Jahr & Stevens 1990).

    ``1 / (1 + mg_out/k_mg · exp(−delta · V))`` with V in mV, ``mg_out`` and ``k_mg`` in mM,
    ``delta`` in 1/mV.
    """
    v = _array(voltage, "voltage")
    mg = _nonnegative(mg_out, "mg_out")
    return _scalar_or_array(1.0 / (1.0 + mg / _positive(k_mg, "k_mg") * np.exp(-delta * v)))


def kinetic_block_unblocked(voltage: ArrayLike, *, mg_out: float) -> float | np.ndarray:
    """Steady unblocked fraction of the kinetic Mg²⁺ block model (secondary figures, to verify;
    cf. Ascher & Nowak 1988, J Physiol 399:247):
    ``k_u / (k_u + k_b·[Mg²⁺]o)`` with ``k_b = 0.61 /ms/mM·e^(−V/17 mV)`` and
    ``k_u = 5.4 /ms·e^(V/47 mV)``."""
    v = _array(voltage, "voltage")
    mg = _nonnegative(mg_out, "mg_out")
    k_block = KINETIC_BLOCK_RATE * np.exp(-v / KINETIC_BLOCK_VOLTAGE)
    k_unblock = KINETIC_UNBLOCK_RATE * np.exp(v / KINETIC_UNBLOCK_VOLTAGE)
    return _scalar_or_array(k_unblock / (k_unblock + k_block * mg))


# ---------------------------------------------------------------- input checks

def _array(x: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be numbers; got {x!r}") from None
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(f"{name} must be finite; got {x!r}")
    return arr


def _concentration(x: ArrayLike, name: str, *, positive: bool = False) -> np.ndarray:
    arr = _array(x, name)
    if np.any(arr < 0) or (positive and np.any(arr == 0)):
        raise InvalidInputError(f"{name} must be {'positive' if positive else 'non-negative'} "
                                f"(mM); got {x!r}")
    return arr


def _nonnegative(x: float, name: str) -> float:
    arr = _array(x, name)
    if arr.ndim or arr < 0:
        raise InvalidInputError(f"{name} must be one non-negative number; got {x!r}")
    return float(arr)


def _positive(x: float, name: str) -> float:
    value = _nonnegative(x, name)
    if value == 0:
        raise InvalidInputError(f"{name} must be positive; got {x!r}")
    return value


def _valence(z: int) -> int:
    if isinstance(z, bool) or not isinstance(z, (int, np.integer)) or z == 0:
        raise InvalidInputError(f"valence z must be a non-zero integer; got {z!r}")
    return int(z)


def _scalar_or_array(arr: np.ndarray) -> float | np.ndarray:
    return float(arr) if np.ndim(arr) == 0 else np.asarray(arr, dtype=float)
