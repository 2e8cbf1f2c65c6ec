"""Reproduction of BIOMD0000000137 (Sedaghat, Sherman & Quon 2002) by the ``insulin`` module.

At the reference Mg2+ (every Mg factor 1) the module must give the published trajectories:
insulin added at t = 0 and removed at 15 min (the original's event), observed for 2 h, at
100 nM (the published protocol) and 1 nM. The original is in fM and minutes, ours in pM and
seconds; the maps below say which species and parameter is which, and the unit factor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import Model, load_model
from ..scenario import Phase, Scenario
from ..simulation import simulate
from .files import Reference, load_reference, simulate_reference

FILE = "BIOMD0000000137"
FM_TO_PM = 1e-3  # the original's concentrations are in fM, ours in pM
#: our species -> (BIOMD0000000137 species, factor from its unit to ours)
SPECIES = {
    "insulin_e": ("x1", FM_TO_PM), "IR": ("x2", FM_TO_PM), "IR_ins": ("x3", FM_TO_PM),
    "IRp_ins": ("x5", FM_TO_PM), "IRp_ins2": ("x4", FM_TO_PM), "IR_int": ("x6", FM_TO_PM),
    "IRp_ins2_int": ("x7", FM_TO_PM), "IRp_ins_int": ("x8", FM_TO_PM), "IRS1": ("x9", FM_TO_PM),
    "pIRS1": ("x10", FM_TO_PM), "PI3K": ("x11", FM_TO_PM), "IRS1_PI3K": ("x12", FM_TO_PM),
    "PIP3": ("x13", 1.0), "PIP2": ("x14", 1.0), "PI34P2": ("x15", 1.0), "Akt": ("x16", 1.0),
    "pAkt": ("x17", 1.0), "PKCz": ("x18", 1.0), "pPKCz": ("x19", 1.0), "GLUT4_ic": ("x20", 1.0),
    "GLUT4_pm": ("x21", 1.0),
}
PER_MIN, PER_FM_PER_MIN = 1 / 60, 1e3 / 60
#: our parameter -> (BIOMD0000000137 parameter, factor from its unit to ours)
PARAMETERS = {
    "k1": ("k1", PER_FM_PER_MIN), "kminus1": ("kminus1", PER_MIN), "k2": ("k2", PER_FM_PER_MIN),
    "kminus2": ("kminus2", PER_MIN), "k3": ("k3", PER_MIN), "kminus3": ("kminus3", PER_MIN),
    "k4": ("k4", PER_MIN), "kminus4": ("kminus4", PER_MIN), "k4prime": ("k4prime", PER_MIN),
    "kminus4prime": ("kminus4prime", PER_MIN), "kminus5": ("kminus5", PER_MIN), "k6": ("k6", PER_MIN),
    "k7": ("k7", PER_MIN), "kminus7": ("kminus7", PER_MIN), "k8": ("k8", PER_FM_PER_MIN),
    "kminus8": ("kminus8", PER_MIN), "k9_stimulated": ("k9_stimulated", PER_MIN),
    "k9_basal": ("k9_basal", PER_MIN), "kminus9": ("kminus9", PER_MIN), "k10": ("k10", PER_MIN),
    "kminus10": ("kminus10", PER_MIN), "kminus11": ("kminus11", PER_MIN),
    "kminus12": ("kminus12", PER_MIN), "k13": ("k13", PER_MIN), "kminus13": ("kminus13", PER_MIN),
    "k14": ("k14", PER_MIN), "kminus14": ("kminus14", PER_MIN), "IRp_norm": ("IRp", FM_TO_PM),
    "PI3K_norm": ("PI3K", FM_TO_PM), "AP_equil": ("APequil", 1.0), "PTP": ("PTP", 1.0),
    "PTEN": ("PTEN", 1.0), "SHIP": ("SHIP", 1.0),
}
STIMULATION = 900.0  # s: the original's event removes insulin at 15 min
T_END_MIN, N_POINTS = 120.0, 241
#: protocol name -> insulin (nM) added at t = 0
PROTOCOLS = {"100 nM (BIOMD0000000137)": 100.0, "1 nM": 1.0}
FLOOR = 1e-6  # deviations are relative to max(|published|, FLOOR x the species' peak)


def run_module(model: Model, dose_nM: float) -> pd.DataFrame:
    """Our module: insulin in pM, time in s; insulin removed at 900 s as by the original's event."""
    scenario = Scenario(name="sedaghat2002_protocol", changes={"insulin_e": dose_nM * 1e3},
                        phases=(Phase(start=STIMULATION, changes={"insulin_e": 0.0}),))
    return simulate(model, scenario, t_end=60.0 * T_END_MIN, n_points=N_POINTS, rtol=1e-9, atol=1e-12)


def run_published(reference: Reference, dose_nM: float, *, rtol: float = 1e-9, atol: float = 1e-12) -> pd.DataFrame:
    """BIOMD0000000137 as published (fM, minutes; its own event removes insulin at 15 min)."""
    return simulate_reference(reference, t_end=T_END_MIN, n_points=N_POINTS, changes={"x1": dose_nM * 1e6},
                              rtol=rtol, atol=atol)


def relative_deviation(ours: pd.DataFrame, theirs: pd.DataFrame, *, skip_times=()) -> pd.Series:
    """Max over time of |ours - theirs| / max(|theirs|, FLOOR x peak), per species, in our units."""
    deviations = {}
    for sid, (original, factor) in SPECIES.items():
        a, b = ours[sid].to_numpy(), theirs[original].to_numpy() * factor
        keep = ~np.isin(ours.index.to_numpy(), skip_times) if sid == "insulin_e" else slice(None)
        scale = np.maximum(np.abs(b), FLOOR * np.abs(b).max())
        deviations[sid] = float(np.max(np.abs(a - b)[keep] / scale[keep]))
    return pd.Series(deviations)


def reproduce(model: Model | None = None, reference: Reference | None = None) -> pd.DataFrame:
    """Maximum relative deviation of every species, per published protocol (rows: protocols).

    At 15 min our row shows the state just before the phase, the original's just after its
    event, so insulin itself is not compared at that instant.
    """
    model = model or load_model("insulin")
    reference = reference or load_reference(FILE)
    rows = {}
    for protocol, dose in PROTOCOLS.items():
        ours, theirs = run_module(model, dose), run_published(reference, dose)
        rows[protocol] = relative_deviation(ours, theirs, skip_times=[STIMULATION])
    return pd.DataFrame(rows).T.rename_axis("protocol")
