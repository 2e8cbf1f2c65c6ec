"""Published reference models (curated BioModels SBML shipped with the package), run as
published, and the reproductions of them by our modules.

    from mgsignal.references import reproduce
    reproduce("BIOMD0000000137")     # max relative deviation per protocol and species
"""

from collections.abc import Callable

import pandas as pd

from ..errors import UnknownIdError
from . import saucerman2006, sedaghat2002
from .files import (Reference, clear_fast_flags, default_folder, load_reference, mark_unreacted_species_boundary,
                    reference_path, simulate_reference, time_unit_seconds)

#: reference file -> the function reproducing it with our module
REPRODUCTIONS: dict[str, Callable[[], pd.DataFrame]] = {
    sedaghat2002.FILE: sedaghat2002.reproduce,
    saucerman2006.FILE: saucerman2006.reproduce,
}


def reproduce(name: str) -> pd.DataFrame:
    """Run our module and the published model under the published protocols; returns the
    maximum relative deviation of every compared output (rows: protocols)."""
    if name not in REPRODUCTIONS:
        raise UnknownIdError(name, REPRODUCTIONS, what="reference model", where="mgsignal.references")
    return REPRODUCTIONS[name]()


__all__ = ["REPRODUCTIONS", "Reference", "clear_fast_flags", "default_folder", "load_reference",
           "mark_unreacted_species_boundary", "reference_path", "reproduce", "saucerman2006", "sedaghat2002",
           "simulate_reference", "time_unit_seconds"]
