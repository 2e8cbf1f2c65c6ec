"""Shared fixtures: each shipped model is built and compiled once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

import mgsignal as mg

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shipped() -> dict[str, mg.Model]:
    """Every shipped model, built once per test session (compiled on first simulation, once)."""
    return {name: mg.load_model(name) for name in mg.available_models()}


@pytest.fixture(scope="session")
def transport(shipped) -> mg.Model:
    """The Mg2+ transport model."""
    return shipped["mg_transport"]


@pytest.fixture(scope="session")
def composite(shipped) -> mg.Model:
    """The composite model (transport + insulin + cAMP/PKA)."""
    return shipped["mg_signalling"]


@pytest.fixture(scope="session")
def neuron(shipped) -> mg.Model:
    """The neuron model."""
    return shipped["neuron"]


@pytest.fixture(scope="session")
def insulin(shipped) -> mg.Model:
    """The insulin signalling module."""
    return shipped["insulin"]


@pytest.fixture(scope="session")
def camp(shipped) -> mg.Model:
    """The cAMP/PKA module."""
    return shipped["camp_pka"]


@pytest.fixture(scope="session")
def transport_state(transport: mg.Model):
    """Default steady state of the transport model (all outputs)."""
    return mg.steady_state(transport, outputs=list(transport.outputs))


def annotation_uris(sbml_model, sid: str) -> set[str]:
    """The identifiers.org URIs annotating element ``sid`` of a libsbml model."""
    element = sbml_model.getElementBySId(sid)
    return {term.getResourceURI(i) for term in element.getCVTerms() for i in range(term.getNumResources())}
