"""Annotations: every shipped model says what each element is (identifiers.org on species,
compartments and reactions; SBO terms on reactions and parameters), who made it and when, and
where it comes from; identifiers match their registries; the report finds planted gaps."""

from __future__ import annotations

import json

import libsbml
import pytest
from click.testing import CliRunner

from mgsignal.build import available_models, build, model_source, models_dir
from mgsignal.build.annotations import (annotation_report, check_identifiers, identifiers_uri,
                                        parse_identifiers_uri, report_passes)
from mgsignal.build.metadata import read_antimony_metadata
from mgsignal.cli import main
from mgsignal.errors import ModelBuildError

MODELS = available_models()


def _committed(name: str) -> str:
    return (models_dir() / f"{name}.xml").read_text(encoding="utf-8")


def _document(name: str) -> libsbml.SBMLDocument:
    """The committed SBML document (keep it referenced while using its model: libsbml frees
    the model with the document)."""
    return libsbml.readSBMLFromString(_committed(name))


@pytest.mark.parametrize("name", MODELS)
def test_every_species_compartment_and_reaction_has_an_identifiers_org_annotation(name):
    report = annotation_report(_committed(name))
    for kind in ("species", "compartments", "reactions"):
        assert report["gaps"][kind] == [], f"{name}: {kind} without identifiers.org annotation"
        assert report["coverage"][kind]["percent"] == 100.0


@pytest.mark.parametrize("name", MODELS)
def test_every_reaction_and_parameter_has_an_sbo_term(name):
    report = annotation_report(_committed(name))
    assert report["gaps"]["reactions_sbo"] == []
    assert report["gaps"]["parameters_sbo"] == [], name  # the composite's unit conversions included


@pytest.mark.parametrize("name", MODELS)
def test_model_history_description_and_references(name):
    document = _document(name)
    model = document.getModel()
    assert model.isSetModelHistory()
    history = model.getModelHistory()
    assert history.getNumCreators() >= 1 and history.getCreator(0).getName()
    assert history.isSetCreatedDate() and history.getNumModifiedDates() >= 1
    created = history.getCreatedDate().getDateAsString()
    assert history.getModifiedDate(0).getDateAsString() >= created
    metadata = annotation_report(_committed(name))["metadata"]
    assert metadata["description"] and metadata["references"], name
    assert all(parse_identifiers_uri(uri)[0] in ("pubmed", "doi") for uri in metadata["references"])


@pytest.mark.parametrize("name", MODELS)
def test_every_identifier_matches_its_registry(name):
    assert check_identifiers(_committed(name)) == []


def test_module_metadata_dates_are_written_in_the_file_not_the_day_of_the_build():
    text = model_source("mg_transport").read_text(encoding="utf-8")
    metadata = read_antimony_metadata(text)
    assert metadata.created and metadata.modified
    document = libsbml.readSBMLFromString(build(model_source("mg_transport")))
    history = document.getModel().getModelHistory()
    assert history.getModifiedDate(0).getDateAsString() == f"{metadata.modified}T00:00:00Z"


def test_the_composite_has_its_own_metadata_not_its_first_modules():
    document = _document("mg_signalling")
    composite = document.getModel()
    references = annotation_report(_committed("mg_signalling"))["metadata"]["references"]
    assert "https://identifiers.org/pubmed/12376338" in references  # insulin's source, not only transport's
    assert "mg_signalling" in composite.getMetaId()


def test_insulin_reactions_reuse_curated_terms():
    document = _document("insulin")
    model = document.getModel()
    uris = {t.getResourceURI(i) for t in model.getReaction("R1").getCVTerms() for i in range(t.getNumResources())}
    assert "https://identifiers.org/GO:0043559" in uris  # insulin binding
    assert model.getReaction("R1").getSBOTermID() == "SBO:0000177"
    camp_document = _document("camp_pka")
    camp = camp_document.getModel()
    uris = {t.getResourceURI(i) for t in camp.getReaction("cAMP_synthesis_GsAC").getCVTerms()
            for i in range(t.getNumResources())}
    assert "https://identifiers.org/rhea/15389" in uris  # ATP = 3',5'-cyclic AMP + diphosphate


PLAIN = """model plain
  unit substance = 1e-3 mole
  unit extent = 1e-3 mole
  unit volume = litre
  unit time_unit = second
  unit per_s = 1 / second
  compartment cell = 1 litre
  species A in cell, B in cell
  A = 1
  B = 0
  k = 0.1 per_s;  // Assumption: test value
  J1: A -> B; cell * k * A
%s
end
"""


def test_report_flags_a_planted_gap(tmp_path):
    path = tmp_path / "plain.ant"
    path.write_text(PLAIN % "", encoding="utf-8")
    report = annotation_report(build(path))
    assert report["gaps"]["species"] == ["A", "B"]
    assert report["gaps"]["compartments"] == ["cell"]
    assert report["gaps"]["reactions"] == ["J1"] and report["gaps"]["reactions_sbo"] == ["J1"]
    assert report["gaps"]["parameters_sbo"] == ["k"]
    assert set(report["metadata_gaps"]) == {"description", "references", "creators", "created", "modified"}
    assert not report_passes(report)


def test_report_flags_a_malformed_id(tmp_path):
    annotations = "\n".join([
        '  A identity "https://identifiers.org/CHEBI:18420"', '  B identity "https://identifiers.org/CHEBI:30616"',
        '  cell identity "https://identifiers.org/GO:0005829"', '  J1 isVersionOf "https://identifiers.org/GO:123"',
        "  J1.sboTerm = SBO:0000176", "  k.sboTerm = SBO:0000035"])
    path = tmp_path / "plain.ant"
    path.write_text(PLAIN % annotations, encoding="utf-8")
    sbml = build(path)
    problems = check_identifiers(sbml)
    assert len(problems) == 1 and "J1" in problems[0] and "GO:123" in problems[0]
    report = annotation_report(sbml)
    assert all(report["coverage"][kind]["percent"] == 100.0 for kind in report["coverage"])
    assert not report_passes(report)


@pytest.mark.parametrize(("uri", "ok"), [
    ("https://identifiers.org/GO:0005829", True), ("https://identifiers.org/GO:123", False),
    ("https://identifiers.org/CHEBI:18420", True), ("https://identifiers.org/CHEBI:x1", False),
    ("https://identifiers.org/uniprot/P06213", True), ("https://identifiers.org/uniprot/P0621", False),
    ("https://identifiers.org/rhea/15389", True), ("https://identifiers.org/rhea:1538", False),
    ("https://identifiers.org/pubmed/12376338", True), ("https://identifiers.org/pubmed:PMID123", False),
    ("https://identifiers.org/doi/10.1152/ajpendo.00571.2001", True), ("https://identifiers.org/doi/11.1/x", False),
    ("https://identifiers.org/UBERON:0002481", True), ("https://identifiers.org/SBO:0000252", True),
    ("https://identifiers.org/taxonomy/9606", True),
    ("https://identifiers.org/biomodels.db/BIOMD0000000137", True),
    ("https://identifiers.org/gene/ONT:1", False),
])
def test_registry_patterns(uri, ok):
    sbml = (f'<?xml version="1.0" encoding="UTF-8"?><sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" '
            f'level="3" version="2"><model id="m" metaid="m"><annotation><rdf:RDF '
            f'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:bqbiol="http://biomodels.net/biology-qualifiers/">'
            f'<rdf:Description rdf:about="#m"><bqbiol:is><rdf:Bag><rdf:li rdf:resource="{uri}"/></rdf:Bag></bqbiol:is>'
            f'</rdf:Description></rdf:RDF></annotation></model></sbml>')
    assert (check_identifiers(sbml) == []) is ok


def test_compact_ids_become_identifiers_org_uris():
    assert identifiers_uri("GO:0005829") == "https://identifiers.org/GO:0005829"
    assert identifiers_uri("pubmed:12376338") == "https://identifiers.org/pubmed/12376338"
    assert identifiers_uri("doi:10.1152/ajpendo.00571.2001") == "https://identifiers.org/doi/10.1152/ajpendo.00571.2001"


def test_metadata_header_errors_are_named(tmp_path):
    for header, message in (("// @created 2026-13-01", "not a date"), ("// @reference pubmed:abc", "pubmed pattern"),
                            ("// @colour blue", "unknown metadata key"),
                            ("// @created 2026-12-03\n// @modified 2026-12-01\n// @creator x", "before @created"),
                            ("// @modified 2026-12-03", "needs at least one @creator")):
        path = tmp_path / "plain.ant"
        path.write_text(header + "\n" + PLAIN % "", encoding="utf-8")
        with pytest.raises(ModelBuildError, match=message):
            build(path)


def test_cli_report_exit_codes(tmp_path):
    runner = CliRunner()
    good = runner.invoke(main, ["validate", "--report", str(models_dir() / "mg_transport.xml")])
    assert good.exit_code == 0, good.output
    assert "parameters (SBO term)" in good.output and "100.0 %" in good.output
    path = tmp_path / "plain.ant"
    path.write_text(PLAIN % "", encoding="utf-8")
    bad = runner.invoke(main, ["validate", "--report", str(path)])
    assert bad.exit_code == 1
    assert "gap: reactions (identifiers.org): J1" in bad.output
    as_json = runner.invoke(main, ["validate", "--report", "--json", str(path)])
    data = json.loads(as_json.output)
    assert data["valid"] and not data["annotated"]
    assert data["reports"][str(path)]["gaps"]["parameters_sbo"] == ["k"]
    plain = runner.invoke(main, ["validate", str(path)])  # without --report: validity only
    assert plain.exit_code == 0
