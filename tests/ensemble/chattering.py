"""The stored composite-model row whose published receptor-synthesis events fire without end
(tests/data/SOURCES.md), and the runs in which they do: shared by the engine and cluster tests,
so that a model change that moves where the events chatter is mended in one place."""

from __future__ import annotations

import json

import mgsignal as mg

from ..conftest import DATA


def chattering_row(*, published_events: bool) -> dict[str, float]:
    """The row's parameter values; with ``published_events`` the events switch as published
    (``switch_width`` 0), else through the model's default smooth switch, which never chatters."""
    row = json.loads((DATA / "mg_signalling_chattering_sample.json").read_text(encoding="utf-8"))
    return {**row, "switch_width": 0.0} if published_events else row


def chattering_scenarios(mg_e: tuple[float, ...] = (0.35, 0.25)) -> list[mg.Scenario]:
    """12 h at low outside Mg2+ from the model's own state (the reduced runner), where the row's
    published events fire without end."""
    return [mg.Scenario(name=f"Mg_e_{value}", changes={"Mg_e": value}, duration=12 * 3600.0) for value in mg_e]
