"""constants.toml: every entry has a value, a unit and a source, and the code reads it."""

from __future__ import annotations

import numbers

import numpy as np
import pytest

from mgsignal.errors import UnknownIdError
from mgsignal.assays import load_constants
from mgsignal.assays._common import constant_value


def _entries():
    return [(f"{section}.{name}", entry)
            for section, table in load_constants().items() for name, entry in table.items()]


def test_file_has_the_three_sections():
    assert {"magfura2", "nmr31p", "aas"} <= set(load_constants())


@pytest.mark.parametrize(("key", "entry"), _entries(), ids=[k for k, _ in _entries()])
def test_every_entry_has_value_unit_source(key, entry):
    assert set(entry) == {"value", "unit", "source"}, key
    value = entry["value"]
    values = value if isinstance(value, list) else [value]
    assert values and all(isinstance(v, numbers.Real) for v in values), key
    assert isinstance(entry["unit"], str) and entry["unit"].strip(), key
    assert isinstance(entry["source"], str) and len(entry["source"].strip()) > 5, key


def test_the_instruments_use_the_values_of_the_file():
    """The defaults of the forward models and inversions are the file's numbers (change the file,
    and the instruments change): checked against the published equations written out here."""
    from mgsignal.assays import gupta_mg_from_shift, iotti_pmg_from_shift, magfura2_mg_from_ratio

    c = {section: {name: entry["value"] for name, entry in table.items()} for section, table in load_constants().items()}
    dye = c["magfura2"]
    ratio = 1.1
    grynkiewicz = dye["kd_mg"] * (ratio - dye["rmin"]) / (dye["rmax"] - ratio) * dye["sf_sb"]  # Grynkiewicz 1985
    assert magfura2_mg_from_ratio(ratio) == pytest.approx(grynkiewicz, rel=1e-12)
    nmr = c["nmr31p"]
    shift = 0.5 * (nmr["delta_atp"] + nmr["delta_mgatp"])  # half-way: free Mg2+ = Kd(MgATP) (Gupta 1984)
    assert gupta_mg_from_shift(shift) == pytest.approx(nmr["kd_mgatp"], rel=1e-9)
    delta = -17.0  # Iotti 1996: pMg = 4.24 - log10((d + 18.58)^0.42 / (-15.74 - d)^0.84)
    assert iotti_pmg_from_shift(delta) == pytest.approx(
        4.24 - np.log10((delta + 18.58) ** 0.42 / (-15.74 - delta) ** 0.84), abs=0.01)
    assert "Raju 1989" in load_constants()["magfura2"]["kd_mg"]["source"]
    assert "Iotti 1996" in load_constants()["nmr31p"]["iotti_pmg_offset"]["source"]


def test_unknown_constant_names_near_match():
    with pytest.raises(UnknownIdError, match="magfura2.kd_mg"):
        constant_value("magfura2.kd_mgg")


def test_load_returns_independent_copies():
    first = load_constants()
    first["magfura2"]["kd_mg"]["value"] = -1
    assert load_constants()["magfura2"]["kd_mg"]["value"] == 1.5
