"""The ensemble engine: many parameter rows x scenarios, reduced to features in the workers,
serially, in local processes or on a Dask cluster, with checkpoints and resumption."""

from .engine import run_ensemble
from .features import DoseResponse, Feature, half_maximal_dose
from .samples import default_values, sample_parameters
from .scans import dose_response, scan

__all__ = ["DoseResponse", "Feature", "default_values", "dose_response", "half_maximal_dose",
           "run_ensemble", "sample_parameters", "scan"]
