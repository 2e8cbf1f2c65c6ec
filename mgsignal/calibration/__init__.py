"""Calibration of the transport model against published experiments.

Experiments are data (:mod:`.experiments`: PEtab-style folders in ``experiments/``, each with
its source); :mod:`.observables` turns a simulated state into what a paper reports (through the
instrument models of :mod:`mgsignal.assays` where the measurement was a dye ratio, an NMR shift
or atomic absorption); :mod:`.objective` simulates every experiment with the package's
simulator and returns residuals; :mod:`.estimate` hands them to pyPESTO (multi-start least
squares, profile likelihoods); :mod:`.report` holds the result (fit quality per experiment,
train and held-out; values with intervals; what the data fix); :mod:`.model_file` writes the
calibrated values and their source into the model's ``.ant`` file; :mod:`.figures` draws them.
One call does it all::

    from mgsignal.calibration import calibrate, load_result
    result = calibrate(model="mg_transport", experiments="train", held_out="held-out",
                       n_starts=10, seed=1)
    result.parameter_table()       # before, after, 95 % profile interval, identifiability
    result.fit                     # chi2 per experiment before and after, train and held-out
    load_result("mg_transport")    # the committed calibration, without rerunning it

:func:`calibrate` needs pyPESTO (``pip install mgsignal[calibration]``); reading experiments and
evaluating the objective do not.
"""

from .experiments import (
    ASSAYS,
    SPLITS,
    Experiment,
    ExperimentFormatError,
    Observable,
    ObservationParameter,
    available_experiments,
    experiments_folder,
    load_experiments,
    read_experiment,
)
from .model_file import write_calibrated_values
from .objective import PREEQUILIBRATION_TIME, CalibrationObjective
from .parameters import EstimatedParameter, default_parameter_file, load_parameters
from .report import CalibrationResult, ParameterEstimate, fit_quality, load_result, read_result
from .workflow import calibrate

__all__ = [
    "ASSAYS", "PREEQUILIBRATION_TIME", "SPLITS", "CalibrationObjective", "CalibrationResult", "EstimatedParameter",
    "Experiment", "ExperimentFormatError", "Observable", "ObservationParameter", "ParameterEstimate",
    "available_experiments", "calibrate", "default_parameter_file", "experiments_folder", "fit_quality",
    "load_experiments", "load_parameters", "load_result", "read_experiment", "read_result", "write_calibrated_values",
]
