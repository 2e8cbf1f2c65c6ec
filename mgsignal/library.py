"""The scenario library: describe, compare and plot the built-in scenarios (and scenario files).

::

    from mgsignal.library import clinical, compare, describe, plot_comparison
    describe("body_thiazide")                           # plain data: model, changes, phases, ...
    table = compare(["body_normal", "body_loop_diuretic"])
    table.attrs["end"]                                  # wide: scenario x output, end values
    clinical(table)                                     # adds rows in mg/dL, mmol/L, mg/day, %
    plot_comparison(table).savefig("compare.png")

``compare`` runs each scenario over its own duration and returns a tidy (long) table with
columns ``scenario, time, model, output, value, unit`` (time in seconds, units as the model
writes them, e.g. ``mM``, ``mmol_per_day``, ``percent``). A scenario of the body model also
runs the cell layer, whose extracellular Mg²⁺ follows the body's plasma ionized Mg²⁺
(:mod:`mgsignal.clinical`): cytosolic and matrix Mg, cAMP and PKA, Akt and GLUT4 after an insulin
stimulus, the neuron's NMDA receptors and Ca²⁺ at rest.
"""

from __future__ import annotations

from typing import Any

from .clinical.compare import DEFAULT_DURATION, DEFAULT_MODEL, compare, scenario_model
from .clinical.figure import plot_comparison
from .clinical.units import CELL_UNITS, CLINICAL_UNITS, MOLAR_MASS_MG, ClinicalUnit, clinical, end_table, in_units
from .scenario import load_scenario

__all__ = ["CELL_UNITS", "CLINICAL_UNITS", "DEFAULT_DURATION", "DEFAULT_MODEL", "MOLAR_MASS_MG", "ClinicalUnit",
           "clinical", "compare", "describe", "end_table", "in_units", "plot_comparison", "scenario_model"]


def describe(name: str) -> dict[str, Any]:
    """A scenario as plain data: name, model, description, source, duration (s), changes at
    time 0, phases (``[{"start": s, "changes": {...}}]``), outputs (the scenario's own; empty
    means the model's readouts), and its pre-equilibration.

    Raises:
        UnknownIdError: no such built-in scenario (with near matches).
    """
    scenario = load_scenario(name)
    return {"name": scenario.name, "model": scenario_model(scenario), "description": scenario.description,
            "source": scenario.source, "duration": scenario.duration, "changes": dict(scenario.changes),
            "phases": [{"start": phase.start, "changes": dict(phase.changes)} for phase in scenario.phases],
            "outputs": list(scenario.outputs),
            "preequilibration": None if scenario.preequilibration is None else dict(scenario.preequilibration),
            "preequilibration_time": scenario.preequilibration_time}
