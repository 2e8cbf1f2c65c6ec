"""Fixtures of the calibration tests: the shipped experiments, read once."""

from __future__ import annotations

import pytest

from mgsignal.calibration import load_experiments


@pytest.fixture(scope="session")
def experiments():
    """Every shipped experiment, by id."""
    return {e.id: e for e in load_experiments()}
