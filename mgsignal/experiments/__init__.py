"""Virtual experiments: measurements of intracellular Mg²⁺ (mag-fura-2, ³¹P NMR, AAS),
electrophysiology of the neuron model (voltage and current clamp), and insulin stimulation of
cells in different Mg²⁺ states.

Experimenters never see a model's state, only a fluorescence ratio, an NMR shift or an
absorbance. Each method has a forward model (state → reading) and the inversion an
experimenter applies (reading → Mg); :func:`measure` applies both to a simulation result.
Mag-fura-2 and ³¹P NMR report FREE Mg²⁺; atomic absorption reports TOTAL Mg only.

Constants (value, unit, source) live in ``constants.toml``; read them with
:func:`load_constants`.
"""

from mgsignal.experiments._common import load_constants
from mgsignal.experiments.electrophysiology import (ghk_current, ghk_flux, ghk_potential,
                                                    jahr_stevens_unblocked, kinetic_block_unblocked,
                                                    nernst_potential, thermal_voltage)
from mgsignal.experiments.insulin_response import (insulin_dose_response, insulin_scenario,
                                                   insulin_time_course)
from mgsignal.experiments.patch_clamp import (ACSF, ACSF_MG_FREE, PIPETTE_SOLUTION, CoincidenceResult, agonist_dose_response,
                                              Solution, agonist_ec50, coincidence_experiment,
                                              current_clamp, excitotoxic_load, plot_current_clamp,
                                              plot_iv, recording_changes, voltage_clamp)
from mgsignal.experiments.aas import (StandardCurve, aas_absorbance_from_mg,
                                      aas_cell_mg_from_absorbance, aas_solution_mg_from_cell_mg,
                                      fit_standard_curve, simulate_standard_curve)
from mgsignal.experiments.magfura2 import (MagFura2Calibration, calibrate_magfura2,
                                           magfura2_intensities_from_mg, magfura2_mg_from_ratio,
                                           magfura2_ratio_from_mg, simulate_magfura2_calibration)
from mgsignal.experiments.measure import measure
from mgsignal.experiments.nmr31p import (gupta_mg_from_shift, gupta_shift_from_fraction,
                                         gupta_shift_from_mg, iotti_mg_from_shift,
                                         iotti_pmg_from_shift, iotti_shift_from_mg,
                                         mgatp_fraction)

__all__ = [
    "ACSF", "ACSF_MG_FREE", "PIPETTE_SOLUTION", "CoincidenceResult", "Solution", "agonist_dose_response", "agonist_ec50",
    "coincidence_experiment", "current_clamp", "excitotoxic_load", "ghk_current", "ghk_flux",
    "ghk_potential", "insulin_dose_response", "insulin_scenario", "insulin_time_course",
    "jahr_stevens_unblocked", "kinetic_block_unblocked", "nernst_potential", "plot_current_clamp",
    "plot_iv", "recording_changes", "thermal_voltage", "voltage_clamp",
    "MagFura2Calibration",
    "StandardCurve",
    "aas_absorbance_from_mg",
    "aas_cell_mg_from_absorbance",
    "aas_solution_mg_from_cell_mg",
    "calibrate_magfura2",
    "fit_standard_curve",
    "gupta_mg_from_shift",
    "gupta_shift_from_fraction",
    "gupta_shift_from_mg",
    "iotti_mg_from_shift",
    "iotti_pmg_from_shift",
    "iotti_shift_from_mg",
    "load_constants",
    "magfura2_intensities_from_mg",
    "magfura2_mg_from_ratio",
    "magfura2_ratio_from_mg",
    "measure",
    "mgatp_fraction",
    "simulate_magfura2_calibration",
    "simulate_standard_curve",
]
