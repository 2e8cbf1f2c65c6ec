"""What other tools run unchanged: a scenario written into SBML, SED-ML/COMBINE archives, PEtab.

    from mgsignal.export import write_omex, write_petab
    write_omex(model, mg.load_scenario("hypomagnesaemia"), "hypomagnesaemia.omex")
"""

from .petab import lint, read_petab, simulate_measurements, simulated_measurements, write_petab
from .scenario_sbml import preequilibration_time, scenario_sbml
from .sedml import scenario_sedml, write_omex

__all__ = ["lint", "preequilibration_time", "read_petab", "scenario_sbml", "scenario_sedml", "simulate_measurements",
           "simulated_measurements", "write_omex", "write_petab"]
