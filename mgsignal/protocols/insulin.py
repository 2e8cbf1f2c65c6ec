"""Insulin stimulation of a cell whose Mg2+ state was set by its extracellular Mg2+.

The protocols run on the composite model (``mg_signalling``), where the insulin receptor
kinase and PI3K see the transport model's cytosolic free Mg2+ and MgATP. A deficiency is made
the way it arises: extracellular Mg2+ is lowered and the cell is left to adapt (12 h, about
20 relaxation times of cytosolic Mg2+), never by setting cytosolic Mg2+.

Insulin doses are given in pM and converted to the model's unit of ``insulin_e``
(:func:`insulin_per_pM`): the composite counts every species in one substance unit, fmol, so
its insulin is in fmol/pL = mM (100 nM = 1e-4), while the insulin module's is in pM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..build.units import species_unit_factor
from ..ensemble import EnsembleOptions, Feature, dose_response
from ..errors import SimulationError
from ..model import Model
from ..scenario import Phase, Scenario
from ..simulation import simulate

#: time for cytosolic Mg2+ to adapt to a new extracellular Mg2+ (s)
ADAPTATION = 12 * 3600.0
#: insulin exposure (s) and observation window after insulin is added (s), as in Sedaghat 2002
STIMULATION, OBSERVATION = 900.0, 3600.0
READOUTS = ("pAkt_frac", "GLUT4_pm_frac")


def insulin_per_pM(model: Model) -> float:
    """The value of 1 pM insulin in ``model``'s unit of ``insulin_e``: 1e-9 in the composite
    (fmol/pL = mM), 1 in the insulin module (pM).

    Raises:
        InvalidInputError: the model has no species ``insulin_e`` in a concentration unit.
    """
    return species_unit_factor(model.sbml, "insulin_e", "pM")


def insulin_scenario(*, model: Model, mg_e: float, insulin_pM: float, adapted_to: float | None = None,
                     parameters: Mapping[str, float] | None = None) -> Scenario:
    """A cell adapted to extracellular Mg2+ ``adapted_to`` (default ``mg_e``), then held at
    ``mg_e``; once adapted to that, ``insulin_pM`` insulin for 15 min, observed for 1 h.

    With ``adapted_to`` different from ``mg_e`` the run includes the 12 h re-adaptation (e.g.
    a deficient cell whose extracellular Mg2+ is restored) before insulin is added.
    ``parameters`` (id -> value) hold throughout, adaptation included. The scenario's insulin
    value is in ``model``'s unit (:func:`insulin_per_pM`); its name gives the dose in pM.
    """
    start = adapted_to if adapted_to is not None else mg_e
    delay = 0.0 if start == mg_e else ADAPTATION
    insulin_on = {"insulin_e": float(insulin_pM) * insulin_per_pM(model)}
    phases = (Phase(start=delay + STIMULATION, changes={"insulin_e": 0.0}),)
    changes = {"Mg_e": float(mg_e)}
    if delay:
        phases = (Phase(start=delay, changes=insulin_on),) + phases
    else:
        changes.update(insulin_on)
    return Scenario(name=f"insulin_{insulin_pM:g}pM_Mg{mg_e:g}" + (f"_from{start:g}" if delay else ""),
                    preequilibration={**(parameters or {}), "Mg_e": float(start)}, preequilibration_time=ADAPTATION,
                    changes=changes, phases=phases, duration=delay + OBSERVATION, model="mg_signalling")


def insulin_time_course(model: Model, *, mg_e: float, insulin_pM: float, adapted_to: float | None = None,
                        parameters: Mapping[str, float] | None = None,
                        outputs: Sequence[str] = READOUTS + ("Mg_c", "MgATP_c")) -> pd.DataFrame:
    """Time course of :func:`insulin_scenario` on ``model``, one row per minute; the index
    counts seconds from the moment insulin is added."""
    scenario = insulin_scenario(model=model, mg_e=mg_e, insulin_pM=insulin_pM, adapted_to=adapted_to,
                                parameters=parameters)
    table = simulate(model, scenario, n_points=int(scenario.duration // 60) + 1, outputs=list(outputs))
    delay = scenario.duration - OBSERVATION
    table = table.loc[table.index >= delay]
    table.index = pd.Index(table.index - delay, name="time since insulin (s)")
    return table


def insulin_dose_response(model: Model, *, mg_e: float, doses_pM: Sequence[float],
                          adapted_to: float | None = None,
                          parameters: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Peak phosphorylated-Akt fraction and peak membrane GLUT4 fraction against insulin dose,
    on the ensemble engine (:func:`mgsignal.ensemble.dose_response`, the package's one EC50).

    Returns a DataFrame indexed by dose (pM) with one column per readout; ``.attrs`` holds,
    per readout, the EC50 (pM, half-maximal above the lowest dose, log-interpolated) and the
    maximum, and the cytosolic free Mg2+ and MgATP the cell had when insulin was added.
    """
    doses = np.asarray(sorted(float(d) for d in doses_pM))
    scenario = insulin_scenario(model=model, mg_e=mg_e, insulin_pM=0.0, adapted_to=adapted_to, parameters=parameters)
    delay = scenario.duration - OBSERVATION
    options = EnsembleOptions(t_end=scenario.duration, n_points=int(scenario.duration // 60) + 1,
                              backend="serial", progress=False)
    per_pM = insulin_per_pM(model)
    curve = dose_response(model, dose="insulin_e", doses=doses * per_pM, at=delay, scenario=scenario, options=options,
                          response=[Feature(readout, "peak", name=readout) for readout in READOUTS])
    if (curve["error"] != "").any():
        failed = curve.loc[curve["error"] != "", "error"]
        raise SimulationError(f"insulin dose-response: {len(failed)} dose(s) failed, e.g. {failed.iloc[0]}",
                              scenario=scenario.name, parameters=dict(parameters or {}))
    result = curve[list(READOUTS)].set_axis(pd.Index(doses, name="insulin (pM)"))
    for readout in READOUTS:
        result.attrs[readout] = {"ec50_pM": curve.attrs["ec50"][readout] / per_pM, "max": curve.attrs["max"][readout]}
    start = simulate(model, scenario, t_end=max(delay, 1.0), n_points=2, outputs=["Mg_c", "MgATP_c"]).loc[delay]
    result.attrs.update({"Mg_e": mg_e, "adapted_to": adapted_to, "Mg_c": float(start["Mg_c"]),
                         "MgATP_c": float(start["MgATP_c"])})
    return result
