"""Virtual instruments: how mag-fura-2, ³¹P NMR and atomic absorption read intracellular Mg.

Experimenters never see a model's state, only a fluorescence ratio, an NMR shift or an
absorbance. Each method has a forward model (state → reading) and the inversion an
experimenter applies (reading → Mg); :func:`measure` applies both to a simulation result of any
model, reading the quantities it sees through an id map. Mag-fura-2 and ³¹P NMR report FREE
Mg²⁺; atomic absorption reports TOTAL Mg only.

Constants (value, unit, source) live in ``constants.toml``; read them with
:func:`load_constants`.
"""

from ._common import load_constants
from .aas import (StandardCurve, aas_absorbance_from_mg, aas_cell_mg_from_absorbance, aas_solution_mg_from_cell_mg,
                  fit_standard_curve, simulate_standard_curve)
from .magfura2 import (MagFura2Calibration, calibrate_magfura2, magfura2_intensities_from_mg, magfura2_mg_from_ratio,
                       magfura2_ratio_from_mg, simulate_magfura2_calibration)
from .measure import CYTOSOL, measure
from .nmr31p import (gupta_mg_from_shift, gupta_shift_from_fraction, gupta_shift_from_mg, iotti_mg_from_shift,
                     iotti_pmg_from_shift, iotti_shift_from_mg, mgatp_fraction)

__all__ = [
    "CYTOSOL", "MagFura2Calibration", "StandardCurve", "aas_absorbance_from_mg", "aas_cell_mg_from_absorbance",
    "aas_solution_mg_from_cell_mg", "calibrate_magfura2", "fit_standard_curve", "gupta_mg_from_shift",
    "gupta_shift_from_fraction", "gupta_shift_from_mg", "iotti_mg_from_shift", "iotti_pmg_from_shift",
    "iotti_shift_from_mg", "load_constants", "magfura2_intensities_from_mg", "magfura2_mg_from_ratio",
    "magfura2_ratio_from_mg", "measure", "mgatp_fraction", "simulate_magfura2_calibration", "simulate_standard_curve",
]
