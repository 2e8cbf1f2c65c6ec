"""constants.toml: every entry has a value, a unit and a source, and the code reads it."""

from __future__ import annotations

import numbers

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


def test_literature_values_and_sources():
    c = load_constants()
    assert c["magfura2"]["kd_mg"]["value"] == 1.5
    assert "Raju 1989" in c["magfura2"]["kd_mg"]["source"]
    assert c["magfura2"]["kd_ca"]["value"] == pytest.approx(0.025)
    assert "to verify" in c["magfura2"]["kd_ca"]["source"]
    assert "to verify" in c["nmr31p"]["delta_atp"]["source"]
    assert "Iotti 1996" in c["nmr31p"]["iotti_pmg_offset"]["source"]
    assert c["aas"]["wavelength_nm"]["value"] == 285.2


def test_unknown_constant_names_near_match():
    with pytest.raises(UnknownIdError, match="magfura2.kd_mg"):
        constant_value("magfura2.kd_mgg")


def test_load_returns_independent_copies():
    first = load_constants()
    first["magfura2"]["kd_mg"]["value"] = -1
    assert load_constants()["magfura2"]["kd_mg"]["value"] == 1.5
