"""Every source a user reads points to something a user can follow: a paper, a database, a
textbook or a stated assumption, never a project-internal note (``literature.md``, ``body.md``,
``shared/...``, ``DESIGN.md``) or the "seed" documents the project started from, which a clone
of the repository does not contain."""

from __future__ import annotations

import re

import pytest

import mgsignal
from mgsignal.assays import load_constants
from mgsignal.build import available_models, model_source, models_dir, parameter_table

#: references a user's clone cannot resolve
INTERNAL = re.compile(r"literature\.md|body\.md|shared/|design\.md|\bseeds?\b", re.IGNORECASE)


def _internal(sources: dict[str, str]) -> dict[str, str]:
    return {key: text for key, text in sources.items() if INTERNAL.search(str(text))}


def test_the_pattern_catches_internal_references_and_passes_citations():
    assert INTERNAL.search("seed Table 1: plasma free Mg2+") and INTERNAL.search("(literature.md)")
    assert INTERNAL.search("see shared/reference/x") and INTERNAL.search("the seed's aCSF")
    assert not INTERNAL.search("Jahr & Stevens 1990, J Neurosci 10:3178")
    assert not INTERNAL.search("seeded sampler; Romani 2011, Arch Biochem Biophys 512:1")


@pytest.mark.parametrize("name", available_models())
def test_parameter_sources_of_every_shipped_model(name):
    table = parameter_table(model_source(name))
    assert _internal(dict(zip(table["id"], table["source"]))) == {}


@pytest.mark.parametrize("path", sorted(models_dir().glob("*.ant")) + sorted(models_dir().glob("*.toml")),
                         ids=lambda p: p.name)
def test_model_file_comments(path):
    """Comments beside the values (the header conventions, the assumptions) too."""
    lines = {f"{path.name}:{n}": text for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)}
    assert _internal(lines) == {}


def test_assay_constants():
    sources = {f"{section}.{name}": entry["source"]
               for section, table in load_constants().items() for name, entry in table.items()}
    assert _internal(sources) == {}
    from importlib import resources
    text = (resources.files("mgsignal.assays") / "constants.toml").read_text(encoding="utf-8")
    assert _internal({f"constants.toml:{n}": line for n, line in enumerate(text.splitlines(), 1)}) == {}


def test_scenario_sources():
    sources = {name: mgsignal.load_scenario(name).source for name in mgsignal.available_scenarios()}
    assert _internal(sources) == {}


def test_recording_solutions():
    from mgsignal.protocols import patch_clamp
    solutions = {name: value.source for name, value in vars(patch_clamp).items()
                 if isinstance(value, patch_clamp.Solution)}
    assert {"ACSF", "PIPETTE_SOLUTION"} <= set(solutions)
    assert _internal(solutions) == {}
