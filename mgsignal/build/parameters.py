"""The parameter table: value, unit and source of every number in an Antimony module.

Each value is written once, in the module itself, on a line of the form::

    id = value unit;  // source

This module reads those lines back into a table, so that the source of a value sits beside the
value in the file a modeler edits, and tools (the SBML notes, the CLI, the tests) read it from
there. A declaration of a value without a ``//`` source is reported as such, never skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_DECLARATION = re.compile(
    r"^\s*(?P<id>[A-Za-z_]\w*)\s*=\s*(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)"
    r"\s*(?P<unit>[A-Za-z_]\w*)?\s*;?\s*(//\s*(?P<source>.*?))?\s*$"
)

COLUMNS = ("id", "value", "unit", "source", "line")


def read_parameter_table(path: str | Path) -> pd.DataFrame:
    """Read every numeric declaration of an Antimony file into a table.

    Args:
        path: the Antimony file.

    Returns:
        A DataFrame with columns ``id``, ``value`` (float), ``unit`` (unit id, empty when none is
        written), ``source`` (text after ``//``, empty when missing) and ``line`` (1-based), one
        row per declaration ``id = number [unit];``. Assignments of formulas are not values and
        are not listed.
    """
    rows = []
    for number, text in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if text.lstrip().startswith("//"):
            continue
        match = _DECLARATION.match(text)
        if match:
            rows.append({
                "id": match["id"],
                "value": float(match["value"]),
                "unit": match["unit"] or "",
                "source": (match["source"] or "").strip(),
                "line": number,
            })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def missing_sources(table: pd.DataFrame) -> list[str]:
    """Return the ids in ``table`` whose source is empty."""
    return table.loc[table["source"].str.len() == 0, "id"].tolist()
