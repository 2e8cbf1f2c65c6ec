"""The simulation layer: the only code in the package that touches libroadrunner.

:func:`simulate` and :func:`steady_state` turn a model and a scenario into pandas objects;
:class:`Simulator` is the object underneath them (reset, set rows by index, apply a scenario,
integrate, steady state, linearise) that the ensemble workers and the sensitivity analyses use.
"""

from .linearize import Linearization, linearize
from .rows import Row, RowSetter
from .run import simulate, steady_state
from .simulator import DEFAULT_ATOL, DEFAULT_RTOL, Simulator

__all__ = ["DEFAULT_ATOL", "DEFAULT_RTOL", "Linearization", "Row", "RowSetter", "Simulator", "linearize",
           "simulate", "steady_state"]
