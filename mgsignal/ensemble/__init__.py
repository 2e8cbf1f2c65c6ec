"""The ensemble engine: many parameter rows x scenarios, reduced to features in the workers,
serially, in local processes or on a Dask cluster, with checkpoints and resumption."""

from .engine import run_ensemble
from .features import DoseResponse, Feature, half_maximal_dose, with_dose
from .options import EnsembleOptions
from .pool import LocalWorkers
from .samples import default_values, relative_range, sample_parameters
from .scans import dose_response, scan

__all__ = ["DoseResponse", "EnsembleOptions", "Feature", "LocalWorkers", "default_values", "dose_response", "half_maximal_dose",
           "relative_range", "run_ensemble", "sample_parameters", "scan", "with_dose"]
