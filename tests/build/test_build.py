"""Antimony -> SBML: validity with unit checks, committed SBML current, errors name file and line."""

from __future__ import annotations

import re

import libsbml
import pytest

import mgsignal as mg
from mgsignal.build import available_models, build, model_source, models_dir

from ..conftest import annotation_uris

MODELS = available_models()


@pytest.mark.parametrize("name", MODELS)
def test_every_model_builds_with_zero_errors_and_zero_warnings(name):
    sbml = build(model_source(name))  # raises on any problem
    document = libsbml.readSBMLFromString(sbml)
    assert (document.getLevel(), document.getVersion()) == (3, 2)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    document.checkConsistency()
    severities = [document.getError(i).getSeverity() for i in range(document.getNumErrors())]
    assert all(s < libsbml.LIBSBML_SEV_WARNING for s in severities)


@pytest.mark.parametrize("name", MODELS)
def test_committed_sbml_is_current(name):
    committed = (models_dir() / f"{name}.xml").read_text(encoding="utf-8")
    assert committed == build(model_source(name)), \
        f"models/{name}.xml is out of date: run `mgsignal build`"


def test_transport_annotations_use_identifiers_org():
    model = libsbml.readSBMLFromString((models_dir() / "mg_transport.xml").read_text()).getModel()

    def uris(sid):
        return annotation_uris(model, sid)

    for sid in ("Mg_e", "Mg_c", "Mg_m"):
        assert "https://identifiers.org/CHEBI:18420" in uris(sid)
    assert "https://identifiers.org/CHEBI:30616" in uris("ATP_c")
    expected = {"TRPM7": "Q96QT4", "TRPM6": "Q9BX84", "MagT1": "Q9H0U3", "SLC41A1": "Q8IVJ1", "MRS2": "Q9HD23"}
    for sid, accession in expected.items():
        assert f"https://identifiers.org/uniprot/{accession}" in uris(sid)
    for compartment in model.getListOfCompartments():
        assert any(uri.startswith("https://identifiers.org/GO:") for uri in uris(compartment.getId()))
    assert model.getCompartment("pm").getSpatialDimensions() == 2
    assert model.getCompartment("cytosol").getSpatialDimensions() == 3


def test_parameter_sources_are_written_into_sbml_notes():
    model = libsbml.readSBMLFromString((models_dir() / "mg_transport.xml").read_text()).getModel()
    assert "Goytain" in model.getParameter("Km_MagT1").getNotesString()


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.ant"
    path.write_text("model broken\n  x = 1;\n  y := 3 +\nend\n")
    with pytest.raises(mg.ModelBuildError) as info:
        build(path)
    assert re.search(rf"{re.escape(str(path))}:3: antimony error", str(info.value))


def test_unit_inconsistency_is_reported_at_the_declaring_line(tmp_path):
    path = tmp_path / "units.ant"
    path.write_text(
        "model units\n"
        "  unit substance = 1e-15 mole\n  unit extent = 1e-15 mole\n  unit volume = 1e-12 litre\n"
        "  unit time_unit = second\n  unit per_s = 1 / second\n"
        "  compartment c = 1 volume;  // test\n"
        "  species A in c = 1;  // test\n"
        "  k = 2 per_s;  // test\n"
        "  R1: A => ; k * A\n"  # concentration/time, not substance/time: inconsistent
        "end\n")
    with pytest.raises(mg.ModelBuildError) as info:
        build(path)
    assert any(line.startswith(f"{path}:10: warning") for line in info.value.problems), info.value.problems


def test_validate_file_accepts_valid_sbml_and_reports_missing_file(tmp_path):
    assert mg.validate_file(models_dir() / "mg_transport.xml") == []
    assert mg.validate_file(tmp_path / "nope.xml") == [f"{tmp_path / 'nope.xml'}: no such file"]
