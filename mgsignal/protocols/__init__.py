"""Protocols tied to one model's ids: whole-cell patch clamp on ``neuron``
(:mod:`.patch_clamp`) and insulin stimulation of cells in different Mg²⁺ states on
``mg_signalling`` (:mod:`.insulin`)."""

from .insulin import insulin_dose_response, insulin_per_pM, insulin_scenario, insulin_time_course
from .patch_clamp import (ACSF, ACSF_MG_FREE, PIPETTE_SOLUTION, CoincidenceResult, Solution, agonist_dose_response,
                          agonist_ec50, coincidence_experiment, current_clamp, excitotoxic_load, plot_current_clamp,
                          plot_iv, recording_changes, voltage_clamp)

__all__ = ["ACSF", "ACSF_MG_FREE", "PIPETTE_SOLUTION", "CoincidenceResult", "Solution", "agonist_dose_response",
           "agonist_ec50", "coincidence_experiment", "current_clamp", "excitotoxic_load", "insulin_dose_response",
           "insulin_per_pM", "insulin_scenario", "insulin_time_course", "plot_current_clamp", "plot_iv",
           "recording_changes", "voltage_clamp"]
