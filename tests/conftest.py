"""Shared fixtures: each shipped model is built and compiled once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

import mgsignal as mg

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def transport() -> mg.Model:
    """The Mg2+ transport model, compiled once."""
    return mg.load_model("mg_transport")


@pytest.fixture(scope="session")
def composite() -> mg.Model:
    """The composite model (transport + insulin + cAMP/PKA), built and compiled once."""
    return mg.load_model("mg_signalling")


@pytest.fixture(scope="session")
def transport_state(transport: mg.Model):
    """Default steady state of the transport model (all outputs)."""
    return mg.steady_state(transport, outputs=list(transport.outputs))


def annotation_uris(sbml_model, sid: str) -> set[str]:
    """The identifiers.org URIs annotating element ``sid`` of a libsbml model."""
    element = sbml_model.getElementBySId(sid)
    return {term.getResourceURI(i) for term in element.getCVTerms() for i in range(term.getNumResources())}
