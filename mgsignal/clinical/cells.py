"""The cell layer of a clinical scenario: which cell models follow plasma Mg²⁺, under which
conditions, and which virtual experiments probe them.

Plain data (:class:`CellLayer`), with the default in :func:`default_cell_layer`:

- ``mg_signalling`` (transport + insulin + cAMP/PKA), driven: cytosolic free and total Mg,
  matrix free Mg, MgATP, cAMP and PKA activity at rest (no insulin, no agonist);
- ``neuron``, driven, at rest in 25 nM ambient glutamate (Herman & Jahr 2007): the NMDA
  receptors' unblocked fraction, their Ca²⁺ entry and cytosolic Ca²⁺;
- an insulin probe: the ``insulin_step`` protocol (100 nM insulin for 15 min, Sedaghat 2002) on
  the ``insulin`` module with the driven cell's cytosolic free Mg²⁺ and MgATP at each output
  time; Akt activation and GLUT4 at the membrane after 15 min. The probe lasts 15 min, the cell's
  Mg changes over hours to weeks, so each probe sees a fixed Mg state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..model import Model
from ..scenario import Scenario, load_scenario
from .coupling import DEFAULT_MAX_STEP, DEFAULT_PREEQUILIBRATION_TIME, DEFAULT_REL_TOL, PlasmaDrive, drive_model

__all__ = ["AMBIENT_GLUTAMATE", "CellLayer", "DrivenCell", "Probe", "default_cell_layer", "run_cells"]

#: ambient extracellular glutamate at rest, mM: ~25 nM in acute hippocampal slices, from the tonic
#: activation of NMDA receptors (Herman MA, Jahr CE 2007, J Neurosci 27:9736, doi
#: 10.1523/JNEUROSCI.3009-07.2007); electrophysiological estimates span 25-90 nM, microdialysis
#: gives 2-10 uM. Without it the model's NMDA receptors are closed at rest and carry no Ca2+.
AMBIENT_GLUTAMATE = 2.5e-5


@dataclass(frozen=True)
class DrivenCell:
    """A cell model whose extracellular free Mg²⁺ (``target``) follows plasma ionized Mg²⁺.

    Attributes:
        model: shipped model name.
        outputs: ids reported.
        conditions: fixed changes for the whole run (id -> value), with ``note`` saying why.
        target: the model's extracellular free Mg²⁺ id.
        preequilibration_time: simulated pre-equilibration (s); ``None``: the layer's.
    """

    model: str
    outputs: tuple[str, ...]
    conditions: Mapping[str, float] = field(default_factory=dict)
    target: str = "Mg_e"
    note: str = ""
    preequilibration_time: float | None = None


@dataclass(frozen=True)
class Probe:
    """A short virtual experiment (a built-in scenario of ``model``) run at every output time,
    with ``inputs`` (probe-model id -> output of the driven cell ``source``) set from the driven
    cell's state then; ``outputs`` are read ``at`` seconds into the protocol."""

    model: str
    scenario: str
    at: float
    outputs: tuple[str, ...]
    inputs: Mapping[str, str]
    source: str
    label: str


@dataclass(frozen=True)
class CellLayer:
    """Cell models driven by plasma Mg, probes of them, and the drive's settings (see
    :mod:`mgsignal.clinical.coupling`)."""

    driven: tuple[DrivenCell, ...]
    probes: tuple[Probe, ...] = ()
    rel_tol: float = DEFAULT_REL_TOL
    max_step: float = DEFAULT_MAX_STEP
    preequilibration_time: float = DEFAULT_PREEQUILIBRATION_TIME

    def __post_init__(self) -> None:
        ids = [sid for cell in self.driven for sid in cell.outputs] + [sid for p in self.probes for sid in p.outputs]
        repeated = sorted({sid for sid in ids if ids.count(sid) > 1})
        if repeated:
            raise InvalidInputError(f"cell layer: output {repeated[0]!r} comes from two models; each id once")
        models = [cell.model for cell in self.driven]
        for probe in self.probes:
            if probe.source not in models:
                raise InvalidInputError(f"probe {probe.scenario!r} reads model {probe.source!r}, which is not driven")

    def outputs(self) -> dict[str, str]:
        """Every output id of the layer -> the model it comes from."""
        found = {sid: cell.model for cell in self.driven for sid in cell.outputs}
        found.update({sid: probe.model for probe in self.probes for sid in probe.outputs})
        return found

    def needed(self, outputs: list[str]) -> CellLayer:
        """The part of the layer that ``outputs`` need (driven cells a needed probe reads stay)."""
        probes = tuple(p for p in self.probes if set(p.outputs) & set(outputs))
        sources = {p.source for p in probes}
        driven = tuple(c for c in self.driven if set(c.outputs) & set(outputs) or c.model in sources)
        return CellLayer(driven=driven, probes=probes, rel_tol=self.rel_tol, max_step=self.max_step,
                         preequilibration_time=self.preequilibration_time)


def default_cell_layer() -> CellLayer:
    """The cell layer of the clinical comparison (see the module docstring)."""
    return CellLayer(
        driven=(DrivenCell(model="mg_signalling", outputs=("Mg_c", "Mg_tot_c", "Mg_m", "MgATP_c", "cAMP", "PKA_act"),
                           note="at rest: no insulin, no beta-adrenergic agonist"),
                DrivenCell(model="neuron", outputs=("NMDA_unblocked", "Ca_influx_NMDA", "Ca_c"),
                           conditions={"Glu_e": AMBIENT_GLUTAMATE},
                           note="at rest (-70 mV) in 25 nM ambient glutamate (Herman & Jahr 2007) and 10 uM glycine; "
                                "Assumption: the neuron's extracellular Mg2+ follows plasma ionized Mg (CSF Mg2+ is "
                                "regulated and follows plasma only in part)",
                           preequilibration_time=1e4)),  # the neuron settles within seconds
        probes=(Probe(model="insulin", scenario="insulin_step", at=900.0, outputs=("pAkt_frac", "GLUT4_pm_frac"),
                      inputs={"Mg_c": "Mg_c", "MgATP_c": "MgATP_c"}, source="mg_signalling",
                      label="after 15 min of 100 nM insulin"),))


def run_cells(drive: PlasmaDrive, layer: CellLayer, *, n_points: int,
              model: Callable[[str], Model]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Run every driven cell and probe of ``layer`` under ``drive``.

    Args:
        drive: plasma ionized Mg of one body run.
        layer: what to run (see :meth:`CellLayer.needed`).
        n_points: output times, evenly spaced over the drive.
        model: returns the loaded model of a name.

    Returns:
        A wide table (``time`` index, s; one column per output of the layer) and output id ->
        model name.
    """
    columns: dict[str, np.ndarray] = {}
    times = None
    for cell in layer.driven:
        extra = sorted({sid for p in layer.probes if p.source == cell.model for sid in p.inputs.values()}
                       - set(cell.outputs))
        run = drive_model(model(cell.model), drive, outputs=list(cell.outputs) + extra, n_points=n_points,
                          target=cell.target, conditions=cell.conditions,
                          preequilibration_time=cell.preequilibration_time or layer.preequilibration_time)
        times = run.index.to_numpy(dtype=float)
        columns.update({sid: run[sid].to_numpy(dtype=float) for sid in run.columns})
    for probe in layer.probes:
        values = _probe(model(probe.model), probe, {target: columns[source] for target, source in probe.inputs.items()})
        columns.update(values)
    wanted = layer.outputs()
    table = pd.DataFrame({sid: columns[sid] for sid in wanted}, index=pd.Index(times, name="time"))
    return table, wanted


def _probe(model: Model, probe: Probe, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run the probe's protocol once per output time with that time's inputs. Through the
    simulator directly: each run is a few milliseconds, less than recording provenance."""
    from ..simulation import Simulator

    protocol = load_scenario(probe.scenario)
    simulator = Simulator.of(model)
    n = len(next(iter(inputs.values())))
    result = np.empty((n, len(probe.outputs)))
    times = np.array([0.0, probe.at])
    for k in range(n):
        changes = {**protocol.changes, **{sid: float(values[k]) for sid, values in inputs.items()}}
        scenario = Scenario(name=f"{probe.scenario} probe", changes=changes, phases=protocol.phases,
                            preequilibration=protocol.preequilibration,
                            preequilibration_time=protocol.preequilibration_time)
        result[k] = simulator.time_course(scenario, times, probe.outputs)[-1]
    return {sid: result[:, j] for j, sid in enumerate(probe.outputs)}
