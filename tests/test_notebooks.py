"""The notebooks in notebooks/ are committed executed, and their outputs are current.

Each notebook is re-executed; the test fails when a cell errors, when a committed notebook lacks
outputs or figures, when anything is written to stderr (warnings a reader would not understand),
or when a code cell's committed text (text/plain results and printed output) differs from the
new one. Text is compared after normalisation: execution counts, memory addresses, timings,
progress bars and runs of spaces are ignored, and numbers are compared to ~4 significant digits
(|x| < 1e-10 counts as 0), so solver noise does not fail it but a changed result does. Figures
are compared by presence (pixels differ between library versions).

Refresh the committed outputs after a change (from the repository root)::

    .venv/bin/python tests/test_notebooks.py              # every notebook
    .venv/bin/python tests/test_notebooks.py sensitivity  # some of them
"""

from __future__ import annotations

import copy
import math
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT = 900  # s per cell
REFRESH = "refresh with: .venv/bin/python tests/test_notebooks.py {stem}"

_NUMBER = re.compile(r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")
_NOISE_LINE = re.compile(r"(it/s|s/it|\d+%\|)|^(CPU times|Wall time|Elapsed)|\btook \d", re.IGNORECASE)
_RELATIVE, _ABSOLUTE = 5e-4, 1e-10


def execute(notebook):
    """A copy of ``notebook`` executed top to bottom in its folder (kernel ``python3``)."""
    nbclient = pytest.importorskip("nbclient")
    executed = copy.deepcopy(notebook)
    client = nbclient.NotebookClient(executed, timeout=TIMEOUT, kernel_name="python3", record_timing=False,
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    client.execute()
    return executed


def normalise(text: str) -> str:
    """Text without what changes from run to run (see the module docstring); numbers kept."""
    text = _ADDRESS.sub("at 0x?", _ANSI.sub("", text))
    lines = [line.rsplit("\r", 1)[-1] for line in text.splitlines()]
    return "\n".join(" ".join(line.split()) for line in lines if line.strip() and not _NOISE_LINE.search(line))


def same_text(committed: str, new: str) -> bool:
    """Equal after :func:`normalise`, numbers within ~4 significant digits."""
    old_parts, new_parts = _NUMBER.split(normalise(committed)), _NUMBER.split(normalise(new))
    if len(old_parts) != len(new_parts):
        return False
    for k, (a, b) in enumerate(zip(old_parts, new_parts)):
        if k % 2 == 0:
            if a != b:
                return False
        elif not _same_number(float(a), float(b)):
            return False
    return True


def _same_number(a: float, b: float) -> bool:
    if abs(a) < _ABSOLUTE and abs(b) < _ABSOLUTE:
        return True
    return math.isclose(a, b, rel_tol=_RELATIVE, abs_tol=_ABSOLUTE) or (math.isnan(a) and math.isnan(b))


def cell_outputs(cell) -> dict[str, object]:
    """What a code cell shows: printed text per stream, text/plain results, number of figures, errors."""
    streams: dict[str, str] = {}
    results, figures, errors = [], 0, []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            streams[output["name"]] = streams.get(output["name"], "") + output["text"]
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            figures += "image/png" in data
            if "text/plain" in data and "image/png" not in data:  # a figure's text is "<Figure size ...>"
                results.append(data["text/plain"])
        elif kind == "error":
            errors.append(f"{output.get('ename')}: {output.get('evalue')}")
    return {"streams": streams, "results": results, "figures": figures, "errors": errors}


def differences(committed, executed) -> list[str]:
    """Where an executed notebook shows something other than the committed one."""
    found = []
    pairs = [(i, a, b) for i, (a, b) in enumerate(zip(committed.cells, executed.cells)) if a.cell_type == "code"]
    if len(committed.cells) != len(executed.cells):
        found.append("the number of cells changed")
    for index, old_cell, new_cell in pairs:
        old, new = cell_outputs(old_cell), cell_outputs(new_cell)
        where = f"cell {index} ({old_cell.source.strip().splitlines()[0][:60] if old_cell.source.strip() else ''!r})"
        if new["errors"]:
            found.append(f"{where} raises {new['errors'][0]}")
        if old["figures"] != new["figures"]:
            found.append(f"{where}: {old['figures']} committed figure(s), {new['figures']} now")
        for name in sorted(set(old["streams"]) | set(new["streams"])):
            a, b = old["streams"].get(name, ""), new["streams"].get(name, "")
            if not same_text(a, b):
                found.append(f"{where}: {name} differs\n  committed: {a.strip()[:300]!r}\n  now:       {b.strip()[:300]!r}")
        if len(old["results"]) != len(new["results"]):
            found.append(f"{where}: {len(old['results'])} committed result(s), {len(new['results'])} now")
        for a, b in zip(old["results"], new["results"]):
            if not same_text(a, b):
                found.append(f"{where}: result differs\n  committed: {a.strip()[:300]!r}\n  now:       {b.strip()[:300]!r}")
    return found


def committed_problems(notebook) -> list[str]:
    """A committed notebook must be executed: every code cell run in order, figures present,
    nothing on stderr, no errors."""
    problems = []
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    counts = [cell.get("execution_count") for cell in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"not executed top to bottom in one run (execution counts {counts})")
    outputs = [cell_outputs(cell) for cell in code]
    if not any(o["figures"] for o in outputs):
        problems.append("no figure")
    for cell, o in zip(code, outputs):
        first = cell.source.strip().splitlines()[0][:60]
        if o["errors"]:
            problems.append(f"{first!r}: committed with an error {o['errors'][0]}")
        if o["streams"].get("stderr", "").strip():
            problems.append(f"{first!r}: writes to stderr: {o['streams']['stderr'].strip()[:300]!r}")
    return problems


def _read(path: Path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def test_the_comparison_ignores_noise_and_catches_changes():
    assert same_text("S = 0.123456789 at 0x7f3a", "S = 0.1234568 at 0x55aa")
    assert same_text("x -1.2e-17\n 10%|###  | 3/30 [00:01<00:09, 3.0it/s]", "x 3.4e-16")
    assert same_text("a     0.0\nb    -0.0", "a 0.0\nb 0.0")
    assert not same_text("largest: V_pm 2.429", "largest: V_pm 2.441")
    assert not same_text("largest: V_pm", "largest: temperature")
    assert not same_text("3 rows", "3 rows 4")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_executed(path):
    assert committed_problems(_read(path)) == [], REFRESH.format(stem=path.stem)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_its_outputs_are_current(path):
    committed = _read(path)
    executed = execute(committed)
    found = differences(committed, executed)
    assert not found, f"{path.name} is stale ({REFRESH.format(stem=path.stem)}):\n" + "\n".join(found)
    assert not [p for p in committed_problems(executed) if "execution counts" not in p]


def refresh(names: list[str]) -> None:
    """Re-execute notebooks in place (all, or those whose stem is in ``names``)."""
    import nbformat
    for path in NOTEBOOKS:
        if names and path.stem not in names:
            continue
        executed = execute(nbformat.read(path, as_version=4))
        nbformat.write(executed, path)
        problems = committed_problems(executed)
        print(f"{path.name}: {'ok' if not problems else '; '.join(problems)}")


if __name__ == "__main__":
    refresh(sys.argv[1:])
