"""Model-level metadata: description, references, creators and dates, written into the SBML.

Antimony has no syntax for a model's description (SBML notes) nor for the model qualifier
``bqmodel:isDescribedBy`` of its references, so a module states them in a header block of
comment lines, one ``// @key value`` per line::

    // @description Mg2+ transport and buffering in a generic mammalian cell.
    // @reference pubmed:21640700
    // @reference doi:10.1152/physrev.00012.2014
    // @derived-from biomodels.db:BIOMD0000000137
    // @process GO:0010960
    // @taxon taxonomy:40674
    // @creator mgsignal developers
    // @created 2026-11-22
    // @modified 2026-12-03

A composite (``models/*.toml``) gives the same as keys: ``description``, ``references``,
``derived_from``, ``processes``, ``taxon``, ``creators``, ``created``, ``modified``.

What is written: the description as the model's notes; references as ``bqmodel:isDescribedBy``,
``derived-from`` as ``bqmodel:isDerivedFrom``, processes as ``bqbiol:isVersionOf`` and taxa as
``bqbiol:hasTaxon`` (identifiers.org URIs, each checked against its registry's id pattern); the
creators and the two dates as the SBML model history. Dates are those written in the file, never
the day of the build, so that building twice gives the same SBML (``mgsignal build --check``).
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import libsbml

from ..errors import ModelBuildError
from .annotations import REGISTRIES, identifiers_uri, parse_identifiers_uri

_HEADER = re.compile(r"^\s*//\s*@(?P<key>[A-Za-z][\w-]*)(?:\s+(?P<value>.*?))?\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEYS = ("description", "reference", "derived-from", "process", "taxon", "creator", "created", "modified")
_TOML_KEYS = {"description": "description", "references": "reference", "derived_from": "derived-from",
              "processes": "process", "taxon": "taxon", "creators": "creator", "created": "created",
              "modified": "modified"}


@dataclass(frozen=True)
class ModelMetadata:
    """What a model file says about the model as a whole."""

    description: str = ""
    references: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    taxa: tuple[str, ...] = ()
    creators: tuple[str, ...] = ()
    created: str = ""
    modified: str = ""

    def is_empty(self) -> bool:
        return self == ModelMetadata()


def add_model_metadata(model: libsbml.Model, path: str | Path) -> None:
    """Write the model-level metadata of a model file into its SBML model.

    An Antimony module (``.ant``) gives it in ``// @key value`` header lines, a composite
    (``.toml``) in its keys. A composite's SBML starts as a copy of its first module, so its
    history, model-level annotations and notes are replaced, not added to. A file that states no
    metadata leaves the model as it is.

    Raises:
        ModelBuildError: on an unknown ``@key``, a malformed date or identifier, a modified date
            before the created one, or a history without creator or created date.
    """
    path = Path(path)
    if path.suffix.lower() == ".toml":
        metadata = read_composite_metadata(path)
        model.unsetModelHistory()
        model.unsetCVTerms()
        model.unsetNotes()
    else:
        metadata = read_antimony_metadata(path.read_text(encoding="utf-8"), source=path)
    set_model_metadata(model, metadata, source=path)


def read_antimony_metadata(text: str, *, source: str | Path = "<text>") -> ModelMetadata:
    """The ``// @key value`` lines of an Antimony text as :class:`ModelMetadata`."""
    values: dict[str, list[str]] = {key: [] for key in _KEYS}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line)
        if match is None:
            continue
        key, value = match["key"].lower(), (match["value"] or "").strip()
        if key not in values:
            problems.append(f"{source}:{number}: unknown metadata key @{match['key']} "
                            f"(known: {', '.join('@' + k for k in _KEYS)})")
        elif not value:
            problems.append(f"{source}:{number}: @{key} has no value")
        else:
            values[key].append(value)
    if problems:
        raise ModelBuildError(problems)
    return _metadata(values, source)


def read_composite_metadata(path: str | Path) -> ModelMetadata:
    """The metadata keys of a composite description (TOML) as :class:`ModelMetadata`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ModelBuildError([f"{path}: invalid TOML: {error}"]) from None
    values: dict[str, list[str]] = {key: [] for key in _KEYS}
    problems = []
    for toml_key, key in _TOML_KEYS.items():
        value = data.get(toml_key)
        if value is None:
            continue
        if isinstance(value, date):
            value = value.isoformat()
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in items):
            problems.append(f"{path}: {toml_key!r} must be a string or a list of strings, got {value!r}")
            continue
        values[key].extend(item.strip() for item in items)
    if problems:
        raise ModelBuildError(problems)
    return _metadata(values, path)


def set_model_metadata(model: libsbml.Model, metadata: ModelMetadata, *, source: str | Path = "") -> None:
    """Write :class:`ModelMetadata` into an SBML model (notes, CV terms, model history)."""
    if metadata.is_empty():
        return
    if not model.isSetMetaId():
        model.setMetaId(model.getId())
    problems = []
    if metadata.description:
        notes = f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(metadata.description)}</p></body>'
        status = model.setNotes(notes)
        if status != libsbml.LIBSBML_OPERATION_SUCCESS:
            problems.append(f"{source}: could not write the description into the model notes")
    for uris, qualifier, kind in ((metadata.references, libsbml.BQM_IS_DESCRIBED_BY, libsbml.MODEL_QUALIFIER),
                                  (metadata.derived_from, libsbml.BQM_IS_DERIVED_FROM, libsbml.MODEL_QUALIFIER),
                                  (metadata.processes, libsbml.BQB_IS_VERSION_OF, libsbml.BIOLOGICAL_QUALIFIER),
                                  (metadata.taxa, libsbml.BQB_HAS_TAXON, libsbml.BIOLOGICAL_QUALIFIER)):
        if not uris:
            continue
        term = libsbml.CVTerm(kind)
        if kind == libsbml.MODEL_QUALIFIER:
            term.setModelQualifierType(qualifier)
        else:
            term.setBiologicalQualifierType(qualifier)
        for uri in uris:
            term.addResource(uri)
        if model.addCVTerm(term) != libsbml.LIBSBML_OPERATION_SUCCESS:
            problems.append(f"{source}: could not add the model annotation {', '.join(uris)}")
    if metadata.creators or metadata.created or metadata.modified:
        problems.extend(_set_history(model, metadata, source))
    if problems:
        raise ModelBuildError(problems)


def _set_history(model: libsbml.Model, metadata: ModelMetadata, source: str | Path) -> list[str]:
    if not (metadata.creators and metadata.created):
        return [f"{source}: a model history needs at least one @creator and a @created date"]
    history = libsbml.ModelHistory()
    for name in metadata.creators:
        creator = libsbml.ModelCreator()
        creator.setUseSingleName(True)
        creator.setName(name)
        history.addCreator(creator)
    history.setCreatedDate(libsbml.Date(f"{metadata.created}T00:00:00Z"))
    history.addModifiedDate(libsbml.Date(f"{metadata.modified or metadata.created}T00:00:00Z"))
    if model.setModelHistory(history) != libsbml.LIBSBML_OPERATION_SUCCESS:
        return [f"{source}: could not write the model history"]
    return []


def _metadata(values: dict[str, list[str]], source: str | Path) -> ModelMetadata:
    problems = []
    for key in ("created", "modified"):
        if len(values[key]) > 1:
            problems.append(f"{source}: @{key} given {len(values[key])} times")
        for value in values[key]:
            if not _DATE.match(value) or not _valid_date(value):
                problems.append(f"{source}: @{key} {value!r} is not a date YYYY-MM-DD")
    created, modified = (values["created"] or [""])[0], (values["modified"] or [""])[0]
    if created and modified and not problems and modified < created:
        problems.append(f"{source}: @modified {modified} is before @created {created}")
    uris = {}
    for key in ("reference", "derived-from", "process", "taxon"):
        uris[key] = tuple(identifiers_uri(value) for value in values[key])
        for value, uri in zip(values[key], uris[key]):
            problem = _identifier_problem(uri)
            if problem:
                problems.append(f"{source}: @{key} {value}: {problem}")
    if problems:
        raise ModelBuildError(problems)
    return ModelMetadata(description=" ".join(values["description"]), references=uris["reference"],
                         derived_from=uris["derived-from"], processes=uris["process"], taxa=uris["taxon"],
                         creators=tuple(values["creator"]), created=created, modified=modified)


def _identifier_problem(uri: str) -> str:
    parsed = parse_identifiers_uri(uri)
    if parsed is None:
        return "not an identifiers.org identifier (write prefix:accession, e.g. pubmed:12376338)"
    prefix, accession = parsed
    registry = REGISTRIES.get(prefix)
    if registry is None:
        return f"unknown registry {prefix!r}"
    if not registry.matches(accession):
        return f"{accession!r} does not match the {prefix} pattern ^{registry.pattern}$"
    return ""


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
