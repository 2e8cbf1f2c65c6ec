"""Clinical scenarios end to end: the whole-body layer drives the cell models.

- :mod:`~mgsignal.clinical.coupling`: plasma ionized Mg²⁺ of a body run as a time-varying input
  (``Mg_e``) of a cell model, and why (the choice, its error and speed against the fully coupled
  model are in the module docstring and ``tests/clinical/test_coupling.py``);
- :mod:`~mgsignal.clinical.cells`: the cell layer (which models follow plasma Mg, under which
  conditions, and the insulin probe);
- :mod:`~mgsignal.clinical.compare`: ``compare`` of scenarios into one tidy table;
- :mod:`~mgsignal.clinical.units`: clinical units (mg/dL, mmol/L, mg/day, FEMg %);
- :mod:`~mgsignal.clinical.figure`: the comparison figure;
- :mod:`~mgsignal.clinical.summary`: the end-of-scenario table people read (``mgsignal run``).

Most users go through :mod:`mgsignal.library`, which re-exports ``compare``, ``clinical`` and
``plot_comparison``.
"""

from __future__ import annotations

from .cells import CellLayer, DrivenCell, Probe, default_cell_layer
from .compare import compare
from .coupling import PlasmaDrive, drive_model, drive_scenario, plasma_drive
from .figure import plot_comparison
from .units import CLINICAL_UNITS, clinical, in_units

__all__ = ["CLINICAL_UNITS", "CellLayer", "DrivenCell", "PlasmaDrive", "Probe", "clinical", "compare",
           "default_cell_layer", "drive_model", "drive_scenario", "in_units", "plasma_drive", "plot_comparison"]
