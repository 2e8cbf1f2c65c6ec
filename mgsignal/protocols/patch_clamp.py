"""Virtual whole-cell patch clamp on the neuron model (``models/neuron.ant``).

Voltage clamp (holding potentials from -80 to +40 mV with agonist applied, the classic NMDA receptor I-V protocol)
    Bath (aCSF) and pipette solutions are presets (:data:`ACSF`, :data:`PIPETTE_SOLUTION`, plain
    data); their ions set the model's extracellular and cytosolic K⁺, Na⁺, Cl⁻ (and bath Ca²⁺,
    Mg²⁺). The model's ``clamp`` switch replaces the V dynamics by ``V = V_hold``. One run holds
    the first potential while the agonist's binding settles (``equilibration``), then steps
    through the other holding potentials (31.25 ms each: the Mg²⁺ block settles in < 1 ms);
    the current is read at the end of each step. A control run without agonist gives the holding
    current, and the agonist-evoked current is the difference, as in a recording.
Current clamp
    The cell rests (V from its membrane currents); at ``start`` the agonist (NMDA sites) and,
    optionally, AMPA receptor activation are applied for ``duration``. The excitotoxic load is
    the Ca²⁺ that entered through NMDA receptors during the stimulus (fmol):
    :func:`excitotoxic_load`.

Units: potentials mV, concentrations mM (as in the model), currents in tables pA (the model
computes fA), Ca²⁺ loads fmol, times s. Currents are outward positive, inward negative.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.integrate import trapezoid

from ..ensemble import EnsembleOptions, Feature, dose_response
from ..errors import InvalidInputError, SimulationError, UnknownIdError
from ..model import Model
from ..scenario import Phase, Scenario
from ..simulation import simulate

#: ions (per formula unit) that each salt of the presets brings into solution
SALT_IONS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "NaCl": {"Na": 1, "Cl": 1}, "KCl": {"K": 1, "Cl": 1}, "CaCl2": {"Ca": 1, "Cl": 2},
    "MgCl2": {"Mg": 1, "Cl": 2}, "NaH2PO4": {"Na": 1}, "NaHCO3": {"Na": 1}, "glucose": {},
    "K-gluconate": {"K": 1}, "EGTA": {}, "HEPES": {},
    "ATP-Mg": {"Mg": 1},  # Mg counted as total (MgATP); the neuron model has no cytosolic Mg
    "GTP-Na": {"Na": 1},  # Assumption: one Na+ per GTP as the label reads (di/tri-sodium salts exist)
})
#: model ids that a bath (extracellular) and a pipette (cytosolic) ion sets
BATH_IDS: Mapping[str, str] = MappingProxyType(
    {"K": "K_e", "Na": "Na_e", "Cl": "Cl_e", "Ca": "Ca_e", "Mg": "Mg_e"})
PIPETTE_IDS: Mapping[str, str] = MappingProxyType({"K": "K_c", "Na": "Na_c", "Cl": "Cl_c"})
#: agonist names -> model ids (NMDA receptor agonist site and co-agonist site)
AGONISTS: Mapping[str, str] = MappingProxyType({"glutamate": "Glu_e", "aspartate": "Asp_e"})
COAGONISTS: Mapping[str, str] = MappingProxyType({"glycine": "Gly_e", "D-serine": "DSer_e"})

_STEP = 1.0 / 32.0  # s per holding step; a power of two, so step ends fall exactly on the output grid
_PA_PER_FA = 1e-3  # unit conversion
_UM_PER_MM = 1e3  # unit conversion
_CLAMP_OUTPUTS = ["V", "I_membrane", "I_NMDA", "NMDA_unblocked", "NMDA_open", "g_NMDA"]
_CC_OUTPUTS = ["V", "I_NMDA", "I_AMPA", "I_membrane", "Ca_influx_NMDA", "Ca_c",
               "NMDA_unblocked", "NMDA_open"]


@dataclass(frozen=True)
class Solution:
    """A recording solution as plain data: salt -> concentration (mM)."""

    name: str
    components: Mapping[str, float]
    source: str = ""

    def __post_init__(self) -> None:
        for salt, value in self.components.items():
            if salt not in SALT_IONS:
                raise UnknownIdError(salt, SALT_IONS, what="salt", where=f"solution {self.name!r}")
            if not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
                raise InvalidInputError(f"solution {self.name!r}: {salt} must be a non-negative "
                                        f"number of mM, got {value!r}")
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))

    def ions(self) -> dict[str, float]:
        """Concentration (mM) of each ion the salts release (K, Na, Cl, Ca, Mg)."""
        totals: dict[str, float] = {}
        for salt, value in self.components.items():
            for ion, count in SALT_IONS[salt].items():
                totals[ion] = totals.get(ion, 0.0) + count * value
        return totals

    def with_components(self, changes: Mapping[str, float], *, name: str | None = None) -> Solution:
        """A copy with some salts changed (mM; 0 removes the salt from the ion sums)."""
        return Solution(name=name or f"{self.name} (modified)",
                        components={**self.components, **changes}, source=self.source)


ACSF = Solution(name="aCSF", components={
    "NaCl": 125.0, "KCl": 2.5, "CaCl2": 2.0, "MgCl2": 1.0, "NaH2PO4": 1.25, "NaHCO3": 25.0,
    "glucose": 25.0}, source="a common slice-recording aCSF (cf. Edwards et al. 1989, Pflugers Arch 414:600); "
           "bubbled with 95 % O2 / 5 % CO2")
ACSF_MG_FREE = ACSF.with_components({"MgCl2": 0.0}, name="Mg-free aCSF")
PIPETTE_SOLUTION = Solution(name="K-gluconate pipette solution", components={
    "K-gluconate": 130.0, "NaCl": 5.0, "MgCl2": 1.0, "EGTA": 11.0, "HEPES": 10.0, "ATP-Mg": 4.0,
    "GTP-Na": 0.4}, source="Assumption: a typical K-gluconate whole-cell pipette solution (textbook recipe, "
           "no single primary source); pH 7.3, ~290 mOsm")


@dataclass(frozen=True)
class CoincidenceResult:
    """Summary (one row per condition), time courses per condition, and the coincidence ratio
    (NMDA Ca²⁺ load with agonist + AMPA over agonist alone)."""

    summary: pd.DataFrame
    time_courses: Mapping[str, pd.DataFrame] = field(repr=False)
    ratio: float


def recording_changes(*, bath: Solution | None = None, pipette: Solution | None = None,
                      temperature: float | None = None) -> dict[str, float]:
    """Model changes (id -> value) that a bath, a pipette solution and a temperature (K) make;
    ``None`` keeps the model's own values."""
    changes: dict[str, float] = {}
    if bath is not None:
        ions = bath.ions()
        changes.update({sid: ions.get(ion, 0.0) for ion, sid in BATH_IDS.items()})
    if pipette is not None:
        ions = pipette.ions()
        changes.update({sid: ions.get(ion, 0.0) for ion, sid in PIPETTE_IDS.items()})
    if temperature is not None:
        changes["temperature"] = _positive(temperature, "temperature (K)")
    return changes


def voltage_clamp(model: Model, *, holding_potentials: Sequence[float] = (-80.0, -40.0, 0.0, 40.0),
                  agonist: str = "glutamate", concentration: float = 0.1,
                  coagonist: str = "glycine", coagonist_concentration: float = 0.01,
                  bath: Solution | None = ACSF, pipette: Solution | None = PIPETTE_SOLUTION,
                  temperature: float | None = None, changes: Mapping[str, float] | None = None,
                  equilibration: float = 3.0) -> pd.DataFrame:
    """Whole-cell voltage clamp with agonist application: the NMDA receptor I–V relation.

    Args:
        model: the neuron model (``load_model("neuron")``), reused for every run.
        holding_potentials: command potentials (mV), in the order they are stepped through.
        agonist, concentration: ``"glutamate"`` or ``"aspartate"`` and its bath concentration (mM).
        coagonist, coagonist_concentration: ``"glycine"`` or ``"D-serine"`` (mM); the other
            co-agonist is set to 0.
        bath, pipette: recording solutions (``None`` keeps the model's own ion concentrations).
        temperature: K (``None`` keeps the model's 310.15 K).
        changes: further model changes (id -> value), e.g. ``{"mg_block_kinetic": 1}``;
            applied after the solutions.
        equilibration: s at the first holding potential for the agonist's binding to settle
            (rounded up to whole 31.25 ms steps).

    Returns:
        A DataFrame indexed by ``V_hold`` (mV) with the evoked current ``I_evoked_pA`` (agonist
        minus control), ``I_NMDA_pA`` (the model's NMDA current), the control holding current
        ``I_holding_pA``, ``NMDA_unblocked``, ``NMDA_open``, ``g_NMDA_nS`` and ``V`` (mV).
        ``.attrs`` holds provenance, the protocol and units.
    """
    volts = _holding_potentials(holding_potentials)
    agonist_id = _lookup(agonist, AGONISTS, "agonist")
    base = _conditions(bath=bath, pipette=pipette, temperature=temperature, coagonist=coagonist,
                       coagonist_concentration=coagonist_concentration, changes=changes)
    base.update({"clamp": 1.0, "V_hold": volts[0]})
    n_hold = _holding_steps(equilibration)
    phases = tuple(Phase(start=(n_hold + k) * _STEP, changes={"V_hold": v})
                   for k, v in enumerate(volts[1:], start=0))
    n_points = n_hold + len(volts)
    runs = {}
    for label, value in (("agonist", _nonnegative(concentration, "concentration")), ("control", 0.0)):
        scenario = Scenario(name=f"voltage_clamp_{label}", changes={**base, agonist_id: value},
                            phases=phases)
        runs[label] = simulate(model, scenario, t_end=(n_points - 1) * _STEP, n_points=n_points,
                               outputs=_CLAMP_OUTPUTS).iloc[n_hold:]
    a, c = runs["agonist"], runs["control"]
    table = pd.DataFrame({
        "V": a["V"].to_numpy(),
        "I_evoked_pA": (a["I_membrane"] - c["I_membrane"]).to_numpy() * _PA_PER_FA,
        "I_NMDA_pA": a["I_NMDA"].to_numpy() * _PA_PER_FA,
        "I_holding_pA": c["I_membrane"].to_numpy() * _PA_PER_FA,
        "NMDA_unblocked": a["NMDA_unblocked"].to_numpy(),
        "NMDA_open": a["NMDA_open"].to_numpy(),
        "g_NMDA_nS": a["g_NMDA"].to_numpy() * _PA_PER_FA,
    }, index=pd.Index(volts, name="V_hold"))
    table.attrs.update({key: a.attrs[key] for key in ("model", "model_sha256", "versions")})
    table.attrs["protocol"] = {
        "mode": "voltage clamp", "agonist": agonist, "concentration_mM": concentration,
        "coagonist": coagonist, "coagonist_concentration_mM": coagonist_concentration,
        "bath": bath.name if bath else None, "pipette": pipette.name if pipette else None,
        "changes": {**base, agonist_id: concentration}, "equilibration_s": n_hold * _STEP,
        "step_s": _STEP}
    table.attrs["units"] = {"V_hold": "mV", "V": "mV", "I_evoked_pA": "pA", "I_NMDA_pA": "pA",
                            "I_holding_pA": "pA", "NMDA_unblocked": "1", "NMDA_open": "1",
                            "g_NMDA_nS": "nS"}
    return table


def agonist_dose_response(model: Model, *, agonist: str, concentrations: Sequence[float],
                          holding_potential: float = -70.0, bath: Solution | None = ACSF_MG_FREE,
                          pipette: Solution | None = PIPETTE_SOLUTION, changes: Mapping[str, float] | None = None,
                          coagonist: str = "glycine", coagonist_concentration: float = 0.01,
                          temperature: float | None = None, equilibration: float = 3.0) -> pd.DataFrame:
    """NMDA current against agonist concentration under voltage clamp at one holding potential
    (Mg²⁺-free aCSF by default, as such curves are measured), on the ensemble engine
    (:func:`mgsignal.ensemble.dose_response`).

    Returns:
        A DataFrame indexed by ``concentration`` (mM, increasing) with ``I_NMDA_pA`` (inward
        negative) and ``NMDA_open``; ``.attrs["ec50"]`` is the EC50 (mM) of the inward current
        (the package's one EC50: half-way from the lowest to the highest concentration's
        current, interpolated in log concentration), NaN with fewer than two concentrations.
    """
    agonist_id = _lookup(agonist, AGONISTS, "agonist")
    values = sorted(_nonnegative(c, "concentration") for c in concentrations)
    if not values or values[0] <= 0:
        raise InvalidInputError(f"concentrations must be positive numbers (mM), got {list(concentrations)!r}")
    base = _conditions(bath=bath, pipette=pipette, temperature=temperature, coagonist=coagonist,
                       coagonist_concentration=coagonist_concentration, changes=changes)
    volts = _holding_potentials([holding_potential])
    n_hold = _holding_steps(equilibration)
    scenario = Scenario(name="voltage_clamp", changes={**base, "clamp": 1.0, "V_hold": volts[0]})
    options = EnsembleOptions(t_end=n_hold * _STEP, n_points=n_hold + 1, backend="serial", progress=False)
    curve = dose_response(model, dose=agonist_id, doses=values, scenario=scenario, options=options,
                          response=[Feature("I_NMDA", "function", name="inward", function=inward_current),
                                    Feature("NMDA_open", "end", name="NMDA_open")])
    if (curve["error"] != "").any():
        raise SimulationError(f"voltage clamp failed: {curve.loc[curve['error'] != '', 'error'].iloc[0]}",
                              scenario=scenario.name, parameters=scenario.changes)
    table = pd.DataFrame({"I_NMDA_pA": -curve["inward"].to_numpy() * _PA_PER_FA,
                          "NMDA_open": curve["NMDA_open"].to_numpy()},
                         index=pd.Index(values, name="concentration"))
    table.attrs["ec50"] = curve.attrs["ec50"]["inward"]
    return table


def inward_current(times: np.ndarray, values: np.ndarray) -> float:
    """The inward (negative) current at the end of a run, as a positive number (a feature
    reduction: the EC50 is defined on responses that rise with dose)."""
    return -float(values[-1])


def agonist_ec50(model: Model, *, agonist: str, saturating: float = 10.0, points_per_decade: int = 24,
                 **options) -> float:
    """EC50 (mM) of the NMDA current evoked by ``agonist``: the package's one EC50
    (:func:`mgsignal.ensemble.half_maximal_dose`) on :func:`agonist_dose_response` over
    ``saturating`` x 10^-6 .. ``saturating`` mM, ``points_per_decade`` concentrations per decade
    (voltage clamp at −70 mV in Mg²⁺-free aCSF unless ``options`` say otherwise)."""
    top = _positive(saturating, "saturating")
    grid = np.geomspace(top * 1e-6, top, 6 * points_per_decade + 1)
    ec50 = agonist_dose_response(model, agonist=agonist, concentrations=grid, **options).attrs["ec50"]
    if not math.isfinite(ec50):
        raise InvalidInputError(f"{agonist} evokes no NMDA current under these conditions")
    return ec50


def current_clamp(model: Model, *, agonist: str = "aspartate", concentration: float = 0.003,
                  coagonist: str = "glycine", coagonist_concentration: float = 0.01,
                  ampa_activation: float = 0.0, bath: Solution | None = None,
                  pipette: Solution | None = None, temperature: float | None = None,
                  changes: Mapping[str, float] | None = None, start: float = 0.5,
                  duration: float = 1.0, tail: float = 1.0, dt: float = 1e-3) -> pd.DataFrame:
    """Current clamp: agonist (and optional AMPA receptor activation) applied at rest.

    Args:
        model: the neuron model.
        agonist, concentration: NMDA-site agonist (``"aspartate"`` or ``"glutamate"``), mM.
        coagonist, coagonist_concentration: ``"glycine"`` or ``"D-serine"``, mM.
        ampa_activation: fraction (0-1) of AMPA receptors activated during the stimulus.
        bath, pipette: solutions; ``None`` (default) keeps the model's physiological ions
            (an intact neuron, K⁺ 5/140 mM).
        temperature: K (``None``: the model's 310.15 K).
        changes: further model changes, e.g. ``{"Mg_e": 0.1}`` or ``{"K_e": 15}``.
        start, duration, tail: stimulus onset, length and the time recorded after it (s).
        dt: output interval (s).

    Returns:
        The time course (model ids and units: V mV, currents fA, ``Ca_influx_NMDA`` fmol/s,
        ``Ca_c`` mM); ``.attrs["stimulus"]`` holds the window used by :func:`excitotoxic_load`.
    """
    agonist_id = _lookup(agonist, AGONISTS, "agonist")
    activation = _nonnegative(ampa_activation, "ampa_activation")
    if activation > 1:
        raise InvalidInputError(f"ampa_activation is a fraction of receptors (0-1), got {activation!r}")
    if not (start > 0 and duration > 0 and tail >= 0 and dt > 0):
        raise InvalidInputError("start and duration must be > 0 s, tail >= 0 s and dt > 0 s")
    base = _conditions(bath=bath, pipette=pipette, temperature=temperature, coagonist=coagonist,
                       coagonist_concentration=coagonist_concentration, changes=changes)
    base.setdefault("clamp", 0.0)
    end = start + duration
    phases = (Phase(start=start, changes={agonist_id: _nonnegative(concentration, "concentration"),
                                          "AMPA_act": activation}),
              Phase(start=end, changes={agonist_id: 0.0, "AMPA_act": 0.0}))
    t_end = end + tail
    scenario = Scenario(name="current_clamp", changes=base,
                        phases=phases if tail > 0 else phases[:1])
    table = simulate(model, scenario, t_end=t_end, n_points=int(round(t_end / dt)) + 1,
                     outputs=_CC_OUTPUTS)
    table.attrs["stimulus"] = {"start": start, "end": end, "agonist": agonist,
                               "concentration_mM": concentration, "ampa_activation": activation}
    return table


def excitotoxic_load(table: pd.DataFrame) -> float:
    """Ca²⁺ that entered through NMDA receptors during the stimulus (fmol): the integral of
    ``Ca_influx_NMDA`` over ``table.attrs["stimulus"]`` (trapezoid rule on the output grid,
    end points interpolated). Divide by the cytosol volume (2 pL) for mM of total Ca²⁺."""
    try:
        start, end = table.attrs["stimulus"]["start"], table.attrs["stimulus"]["end"]
    except (KeyError, TypeError):
        raise InvalidInputError("the table has no stimulus window: use current_clamp()") from None
    times = table.index.to_numpy(dtype=float)
    influx = table["Ca_influx_NMDA"].to_numpy(dtype=float)
    inside = times[(times > start) & (times < min(end, times[-1]))]
    grid = np.concatenate([[start], inside, [min(end, times[-1])]])
    return float(trapezoid(np.interp(grid, times, influx), grid))


def coincidence_experiment(model: Model, *, agonist: str = "aspartate", concentration: float = 0.003,
                           ampa_activation: float = 0.5, **options) -> CoincidenceResult:
    """Agonist alone, AMPA receptor activation alone, and both together, in current clamp.

    ``options`` go to :func:`current_clamp` (e.g. ``changes={"Mg_e": 0.1}``).

    Returns:
        A :class:`CoincidenceResult`; its summary has ``Ca_load_NMDA_fmol`` (excitotoxic load),
        ``V_peak_mV``, ``NMDA_unblocked_mean`` (over the stimulus) and ``Ca_c_peak_uM`` per
        condition, and ``ratio`` = load(agonist + AMPA) / load(agonist).
    """
    conditions = {"agonist": (concentration, 0.0), "AMPA": (0.0, ampa_activation),
                  "agonist + AMPA": (concentration, ampa_activation)}
    courses, rows = {}, []
    for label, (value, activation) in conditions.items():
        course = current_clamp(model, agonist=agonist, concentration=value,
                               ampa_activation=activation, **options)
        window = course.loc[course.attrs["stimulus"]["start"]:course.attrs["stimulus"]["end"]]
        courses[label] = course
        rows.append({"condition": label, "Ca_load_NMDA_fmol": excitotoxic_load(course),
                     "V_peak_mV": window["V"].max(),
                     "NMDA_unblocked_mean": window["NMDA_unblocked"].mean(),
                     "Ca_c_peak_uM": course["Ca_c"].max() * _UM_PER_MM})
    summary = pd.DataFrame(rows).set_index("condition")
    alone = summary.loc["agonist", "Ca_load_NMDA_fmol"]
    ratio = summary.loc["agonist + AMPA", "Ca_load_NMDA_fmol"] / alone if alone > 0 else math.inf
    return CoincidenceResult(summary=summary, time_courses=MappingProxyType(courses), ratio=ratio)


def plot_iv(tables: Mapping[str, pd.DataFrame], *, column: str = "I_evoked_pA",
            title: str = "NMDA receptor I-V (whole-cell voltage clamp)") -> Figure:
    """I–V curves (left) and the Mg²⁺-unblocked fraction (right) of :func:`voltage_clamp`
    results, one line per labelled table (legend beside the panels when there are more than
    three)."""
    from ..plotting import LINESTYLES, place_legend, style
    with style():
        figure = Figure(figsize=(10.5, 4), layout="constrained")
        left, right = figure.subplots(1, 2)
        for k, (label, table) in enumerate(tables.items()):
            dash = LINESTYLES[k % len(LINESTYLES)]
            left.plot(table.index, table[column], marker="o", ms=3, ls=dash, label=label)
            right.plot(table.index, table["NMDA_unblocked"], ls=dash, label=label)
        for axis in (left, right):
            axis.axvline(0, color="0.6", lw=0.8)
            axis.set_xlabel("holding potential (mV)")
        left.axhline(0, color="0.6", lw=0.8)
        left.set_ylabel("agonist-evoked current (pA, inward negative)")
        left.set_title("current", loc="left", fontsize="medium")
        right.set_ylabel("fraction not blocked by Mg2+ (dimensionless)")
        right.set_title("Mg²⁺ block", loc="left", fontsize="medium")
        right.set_ylim(0, 1.05)
        if len(tables) > 3:
            place_legend(right)
        else:  # the inward current lies low and left, the unblocked fraction rises to the right
            left.legend(loc="upper left")
        figure.suptitle(title)
    return figure


def plot_current_clamp(tables: Mapping[str, pd.DataFrame], *,
                       title: str = "Current clamp: NMDA receptor coincidence detection") -> Figure:
    """Membrane potential, NMDA current and cytosolic Ca²⁺ of :func:`current_clamp` results;
    the stimulus window is shaded and labelled."""
    from ..plotting import place_legend, style
    with style():
        figure = Figure(figsize=(7.5, 7), layout="constrained")
        axes = figure.subplots(3, 1, sharex=True)
        for label, table in tables.items():
            axes[0].plot(table.index, table["V"], label=label)
            axes[1].plot(table.index, table["I_NMDA"] * _PA_PER_FA, label=label)
            axes[2].plot(table.index, table["Ca_c"] * _UM_PER_MM, label=label)
        quantities = ("membrane potential", "NMDA receptor current (inward negative)", "cytosolic free Ca²⁺")
        for axis, unit, quantity in zip(axes, ("V (mV)", "I_NMDA (pA)", "free Ca2+ (uM)"), quantities):
            axis.set_ylabel(unit)
            axis.set_title(quantity, loc="left", fontsize="medium")
        stimulus = next(iter(tables.values())).attrs.get("stimulus") if tables else None
        if stimulus:
            for axis in axes:
                axis.axvspan(stimulus["start"], stimulus["end"], color="0.92", zorder=0, lw=0)
            axes[0].annotate("stimulus", xy=(0.5 * (stimulus["start"] + stimulus["end"]), 1.0),
                             xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize="small",
                             color="0.35")
        place_legend(axes[0], outside_above=0)
        axes[-1].set_xlabel("time (s)")
        figure.suptitle(title)
    return figure


# ---------------------------------------------------------------- helpers

def _conditions(*, bath: Solution | None, pipette: Solution | None, temperature: float | None,
                coagonist: str, coagonist_concentration: float,
                changes: Mapping[str, float] | None) -> dict[str, float]:
    """Solutions, temperature and co-agonist as model changes, then the caller's changes."""
    result = recording_changes(bath=bath, pipette=pipette, temperature=temperature)
    chosen = _lookup(coagonist, COAGONISTS, "co-agonist")
    result.update({sid: 0.0 for sid in COAGONISTS.values()})
    result[chosen] = _nonnegative(coagonist_concentration, "coagonist_concentration")
    result.update(dict(changes or {}))
    return result


def _holding_steps(equilibration: float) -> int:
    """Whole holding steps covering ``equilibration`` seconds."""
    if not equilibration > 0:
        raise InvalidInputError(f"equilibration must be > 0 s, got {equilibration!r}")
    return max(1, math.ceil(equilibration / _STEP - 1e-9))


def _holding_potentials(values: Sequence[float]) -> list[float]:
    try:
        volts = [float(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidInputError(f"holding_potentials must be numbers (mV), got {values!r}") from None
    if not volts or not all(math.isfinite(v) and -200.0 <= v <= 200.0 for v in volts):
        raise InvalidInputError(f"holding_potentials must be a non-empty list of mV within "
                                f"-200..200, got {values!r}")
    return volts


def _lookup(name: str, table: Mapping[str, str], what: str) -> str:
    if name not in table:
        raise UnknownIdError(name, table, what=what, where="the neuron model")
    return table[name]


def _nonnegative(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or value < 0:
        raise InvalidInputError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def _positive(value: float, name: str) -> float:
    if _nonnegative(value, name) == 0:
        raise InvalidInputError(f"{name} must be positive, got {value!r}")
    return float(value)
