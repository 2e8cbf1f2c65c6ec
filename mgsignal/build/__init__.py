"""Everything that writes or checks SBML: Antimony modules, composites, units, validation and
the parameter table, behind one :func:`build`.

    from mgsignal.build import build, validate_file
    sbml = build("models/mg_transport.ant")      # validated SBML text
"""

from .files import (available_models, build, file_kind, model_file, model_source, models_dir,
                    parameter_table, validate_file)
from .parameters import missing_sources, read_parameter_table
from .sbml import sbml_problems

__all__ = ["available_models", "build", "file_kind", "missing_sources", "model_file", "model_source",
           "models_dir", "parameter_table", "read_parameter_table", "sbml_problems", "validate_file"]
