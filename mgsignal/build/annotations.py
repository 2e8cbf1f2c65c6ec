"""How well a model is annotated, and whether its identifiers are well formed.

``annotation_report`` counts, per kind of element, how many carry what a reader of the model
needs to know what it is: an identifiers.org resource on every species, compartment and reaction
(what it is: ChEBI, UniProt, GO, Rhea, ...), an SBO term on every reaction and parameter (what
kind of process or quantity it is), and at model level a description, references, creators and
dates. ``check_identifiers`` checks every identifiers.org URI and every SBO term against the id
pattern of its registry, so that a typo (``GO:123``, ``CHEBI:abc``) is caught before a user
follows the link.

    from mgsignal.build.annotations import annotation_report, check_identifiers
    report = annotation_report(sbml)          # {"coverage": {...}, "gaps": {...}, "model": {...}}
    check_identifiers(sbml)                   # [] when every id matches its registry's pattern
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libsbml

IDENTIFIERS_ORG = re.compile(r"^https?://identifiers\.org/(?P<rest>.+)$")

#: Element kinds and what each must carry: ``identifiers`` (an identifiers.org resource) or ``sbo``.
REQUIRED = {"species": "identifiers", "compartments": "identifiers", "reactions": "identifiers",
            "reactions_sbo": "sbo", "parameters_sbo": "sbo"}


@dataclass(frozen=True)
class Registry:
    """One identifiers.org registry: its id pattern and whether the id repeats the prefix
    (``GO:0005829``: the URI is ``identifiers.org/GO:0005829``) or not (``pubmed/123``)."""

    pattern: str
    embedded: bool = False

    def matches(self, accession: str) -> bool:
        return re.fullmatch(self.pattern, accession) is not None


#: Id patterns of the registries the models use (as in the identifiers.org registry).
REGISTRIES = {
    "go": Registry(r"GO:\d{7}", embedded=True),
    "chebi": Registry(r"CHEBI:\d+", embedded=True),
    "uberon": Registry(r"UBERON:\d{7}", embedded=True),
    "sbo": Registry(r"SBO:\d{7}", embedded=True),
    "cl": Registry(r"CL:\d{7}", embedded=True),
    "uniprot": Registry(r"([A-N,R-Z][0-9]([A-Z][A-Z, 0-9][A-Z, 0-9][0-9]){1,2})"
                        r"|([O,P,Q][0-9][A-Z, 0-9][A-Z, 0-9][A-Z, 0-9][0-9])(\.\d+)?"),
    "rhea": Registry(r"\d{5}"),
    "pubmed": Registry(r"\d+"),
    "pmc": Registry(r"PMC\d+"),
    "doi": Registry(r"10\.\d{2,9}/.+"),
    "taxonomy": Registry(r"\d+"),
    "biomodels.db": Registry(r"((BIOMD|MODEL)\d{10})|(BMID\d{12})"),
    "ec-code": Registry(r"\d+\.-\.-\.-|\d+\.\d+\.-\.-|\d+\.\d+\.\d+\.-|\d+\.\d+\.\d+\.(n)?\d+"),
    "kegg.compound": Registry(r"C\d+"),
    "reactome": Registry(r"R-[A-Z]{3}-\d+(-\d+)?(\.\d+)?"),
}


def parse_identifiers_uri(uri: str) -> tuple[str, str] | None:
    """``(registry prefix, accession)`` of an identifiers.org URI, or None for any other URI.

    Both forms are read: ``identifiers.org/uniprot/P06213`` (prefix/accession) and
    ``identifiers.org/GO:0005829`` or ``identifiers.org/pubmed:123`` (compact); for a registry
    whose ids repeat the prefix (GO, ChEBI, UBERON, SBO) the accession keeps it.
    """
    match = IDENTIFIERS_ORG.match(uri.strip())
    if match is None:
        return None
    rest = match["rest"]
    slash, colon = rest.find("/"), rest.find(":")
    if slash > 0 and (colon < 0 or slash < colon):
        return rest[:slash].lower(), rest[slash + 1:]
    if colon > 0:
        prefix = rest[:colon].lower()
        registry = REGISTRIES.get(prefix)
        return prefix, rest if registry is not None and registry.embedded else rest[colon + 1:]
    return "", rest


def identifiers_uri(curie: str) -> str:
    """The identifiers.org URI of a compact id: ``GO:0005829`` -> ``https://identifiers.org/GO:0005829``,
    ``pubmed:12376338`` -> ``https://identifiers.org/pubmed/12376338``, ``doi:10.1/x`` -> ``.../doi/10.1/x``.
    A full URI is returned as it is."""
    curie = curie.strip()
    if "://" in curie:
        return curie
    prefix, _, accession = curie.partition(":")
    registry = REGISTRIES.get(prefix.lower())
    if registry is not None and registry.embedded:
        return f"https://identifiers.org/{curie}"
    return f"https://identifiers.org/{prefix.lower()}/{accession}"


def element_uris(element: libsbml.SBase) -> list[str]:
    """Every resource URI in the CV terms of an element."""
    return [term.getResourceURI(i) for term in element.getCVTerms() or () for i in range(term.getNumResources())]


def _has_identifiers(element: libsbml.SBase) -> bool:
    return any(parse_identifiers_uri(uri) is not None for uri in element_uris(element))


def _model_metadata(model: libsbml.Model) -> dict:
    history = model.getModelHistory() if model.isSetModelHistory() else None
    creators = [] if history is None else [
        history.getCreator(i).getName() or " ".join(filter(None, (history.getCreator(i).getGivenName(),
                                                                  history.getCreator(i).getFamilyName())))
        for i in range(history.getNumCreators())]
    references = [term.getResourceURI(i) for term in model.getCVTerms() or ()
                  if term.getQualifierType() == libsbml.MODEL_QUALIFIER
                  and term.getModelQualifierType() == libsbml.BQM_IS_DESCRIBED_BY
                  for i in range(term.getNumResources())]
    return {
        "description": model.isSetNotes() and bool(re.sub(r"<[^>]+>", "", model.getNotesString()).strip()),
        "annotations": len(element_uris(model)),
        "references": references,
        "creators": creators,
        "created": (history.getCreatedDate().getDateAsString()
                    if history is not None and history.isSetCreatedDate() else ""),
        "modified": (history.getModifiedDate(history.getNumModifiedDates() - 1).getDateAsString()
                     if history is not None and history.getNumModifiedDates() else ""),
    }


def annotation_report(sbml: str) -> dict:
    """Annotation coverage of an SBML model.

    Returns:
        A dict with ``model`` (the model id), ``coverage`` (per kind: ``annotated``, ``total`` and
        ``percent``; kinds ``species``, ``compartments``, ``reactions`` count identifiers.org
        resources, ``reactions_sbo`` and ``parameters_sbo`` count SBO terms), ``gaps`` (per kind,
        the ids lacking what it counts), ``metadata`` (description present, number of model-level
        resources, references, creators, created and modified dates), ``metadata_gaps`` (what of
        that is missing) and ``identifier_problems`` (:func:`check_identifiers`).
    """
    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    if model is None:
        raise ValueError("not an SBML model: no <model> element")
    elements = {
        "species": (model.getListOfSpecies(), _has_identifiers),
        "compartments": (model.getListOfCompartments(), _has_identifiers),
        "reactions": (model.getListOfReactions(), _has_identifiers),
        "reactions_sbo": (model.getListOfReactions(), lambda e: e.isSetSBOTerm()),
        "parameters_sbo": (model.getListOfParameters(), lambda e: e.isSetSBOTerm()),
    }
    coverage, gaps = {}, {}
    for kind, (items, test) in elements.items():
        items = list(items)
        missing = [e.getId() for e in items if not test(e)]
        total = len(items)
        coverage[kind] = {"annotated": total - len(missing), "total": total,
                          "percent": 100.0 if total == 0 else round(100.0 * (total - len(missing)) / total, 1)}
        gaps[kind] = missing
    metadata = _model_metadata(model)
    metadata_gaps = [name for name, present in (
        ("description", metadata["description"]), ("references", metadata["references"]),
        ("creators", metadata["creators"]), ("created", metadata["created"]),
        ("modified", metadata["modified"])) if not present]
    return {"model": model.getId(), "coverage": coverage, "gaps": gaps, "metadata": metadata,
            "metadata_gaps": metadata_gaps, "identifier_problems": check_identifiers(sbml)}


def check_identifiers(sbml: str) -> list[str]:
    """Check every identifiers.org URI and SBO term of an SBML document against its registry.

    Returns:
        One line per problem (``element: uri: reason``): an accession that does not match its
        registry's id pattern, a registry this check does not know (so a misspelt prefix is not
        passed silently) or an SBO term that is not ``SBO:`` and seven digits.
    """
    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    if model is None:
        return ["no <model> element: not an SBML model"]
    problems = []
    elements = model.getListOfAllElements()
    for element in [model] + [elements.get(i) for i in range(elements.getSize())]:
        if element is None:
            continue
        name = element.getId() if element.isSetIdAttribute() and element.getId() else (
            element.getMetaId() or element.getElementName())
        for uri in element_uris(element):
            parsed = parse_identifiers_uri(uri)
            if parsed is None:
                continue
            prefix, accession = parsed
            registry = REGISTRIES.get(prefix)
            if registry is None:
                problems.append(f"{name}: {uri}: unknown identifiers.org registry {prefix!r}")
            elif not registry.matches(accession):
                problems.append(f"{name}: {uri}: {accession!r} does not match the {prefix} pattern "
                                f"^{registry.pattern}$")
        if element.isSetSBOTerm() and not REGISTRIES["sbo"].matches(element.getSBOTermID()):
            problems.append(f"{name}: SBO term {element.getSBOTermID()!r} does not match ^SBO:\\d{{7}}$")
    return problems


def report_passes(report: dict) -> bool:
    """True when species, compartments and reactions all carry identifiers.org resources, all
    reactions and parameters SBO terms, and every identifier passes its pattern: what
    ``mgsignal validate --report`` demands (missing model-level metadata is listed, not failed)."""
    return (all(report["coverage"][kind]["annotated"] == report["coverage"][kind]["total"] for kind in REQUIRED)
            and not report["identifier_problems"])


def format_report(report: dict, source: str = "") -> list[str]:
    """The report as text lines: one coverage line per kind, then the gaps, one line each."""
    title = source or report["model"]
    lines = [f"{title}: annotation coverage"]
    labels = {"species": "species (identifiers.org)", "compartments": "compartments (identifiers.org)",
              "reactions": "reactions (identifiers.org)", "reactions_sbo": "reactions (SBO term)",
              "parameters_sbo": "parameters (SBO term)"}
    for kind, label in labels.items():
        entry = report["coverage"][kind]
        lines.append(f"  {label:32s} {entry['annotated']:4d}/{entry['total']:<4d} {entry['percent']:5.1f} %")
    meta = report["metadata"]
    lines.append(f"  {'model description':32s} {'yes' if meta['description'] else 'no'}")
    lines.append(f"  {'model references':32s} {len(meta['references'])}")
    lines.append(f"  {'model creators':32s} {', '.join(meta['creators']) or 'none'}")
    lines.append(f"  {'created / modified':32s} {meta['created'] or '-'} / {meta['modified'] or '-'}")
    for kind, missing in report["gaps"].items():
        for sid in missing:
            lines.append(f"{title}: gap: {labels[kind]}: {sid}")
    for name in report["metadata_gaps"]:
        lines.append(f"{title}: gap: model {name} missing")
    for problem in report["identifier_problems"]:
        lines.append(f"{title}: bad identifier: {problem}")
    return lines
