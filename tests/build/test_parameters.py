"""Every value in every model has a value, a unit and a source, and the table matches the SBML."""

from __future__ import annotations

import libsbml
import pytest

from mgsignal.build import available_models, model_source, models_dir, parameter_table
from mgsignal.build import missing_sources, read_parameter_table

MODELS = available_models()


def _values_needing_sources(name: str) -> dict[str, tuple[float, str]]:
    """SBML elements whose value is a number written in the model: constant parameters,
    compartments, species without an initial assignment (id -> (value, unit))."""
    model = libsbml.readSBMLFromString((models_dir() / f"{name}.xml").read_text()).getModel()
    computed = {rule.getVariable() for rule in model.getListOfRules()}
    computed |= {assignment.getSymbol() for assignment in model.getListOfInitialAssignments()}
    values = {}
    for parameter in model.getListOfParameters():
        if parameter.getId() not in computed:
            values[parameter.getId()] = (parameter.getValue(), parameter.getUnits())
    for compartment in model.getListOfCompartments():
        values[compartment.getId()] = (compartment.getSize(), compartment.getUnits())
    for species in model.getListOfSpecies():
        if species.getId() not in computed:
            value = species.getInitialAmount() if species.isSetInitialAmount() else species.getInitialConcentration()
            values[species.getId()] = (value, "")
    return values


def _table(name: str):
    return parameter_table(model_source(name))


@pytest.mark.parametrize("name", MODELS)
def test_every_value_has_a_source(name):
    table = _table(name)
    assert missing_sources(table) == []
    needed = _values_needing_sources(name)
    unsourced = sorted(set(needed) - set(table["id"]))
    assert unsourced == [], f"{name}: values without a `// source` line: {unsourced}"


@pytest.mark.parametrize("name", MODELS)
def test_table_values_and_units_are_those_of_the_sbml(name):
    table = _table(name).set_index("id")
    for sid, (value, unit) in _values_needing_sources(name).items():
        assert table.loc[sid, "value"] == pytest.approx(value, rel=1e-12, abs=0), sid
        if unit and table.loc[sid, "unit"]:
            assert table.loc[sid, "unit"] == unit, sid


def test_a_value_without_source_is_reported(tmp_path):
    path = tmp_path / "m.ant"
    path.write_text("model m\n  k = 1 per_s;  // Smith 2001\n  v = 2 mM;\n  // z = 3 mM;\nend\n")
    table = read_parameter_table(path)
    assert table["id"].tolist() == ["k", "v"]
    assert missing_sources(table) == ["v"]
    assert table.set_index("id").loc["k", "source"] == "Smith 2001"
    assert table.set_index("id").loc["v", "line"] == 3


def test_cli_prints_the_table(tmp_path):
    from click.testing import CliRunner

    from mgsignal.cli import main
    result = CliRunner().invoke(main, ["parameters", "mg_transport"])
    assert result.exit_code == 0
    assert "Km_MagT1\t0.23\tmM\tKm 0.23 mM (Goytain & Quamme 2005" in result.output
    unknown = CliRunner().invoke(main, ["parameters", "mg_transprt"])
    assert unknown.exit_code == 2 and "did you mean 'mg_transport'" in unknown.output
