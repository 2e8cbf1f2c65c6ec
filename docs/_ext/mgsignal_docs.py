"""Pages the documentation generates from the package when it is built (into docs/generated/):

- ``parameters/<model>.md``: value, unit and source of every value of each shipped model, read
  by :func:`mgsignal.build.parameter_table` from the file the model is built from;
- ``scenarios.md``: every shipped scenario (:func:`mgsignal.available_scenarios`);
- ``figures/<model>.png``: each model's default behaviour, drawn by
  :func:`mgsignal.plotting.plot_time_course` in the package's style;
- ``reproductions/<BIOMD id>.md``: :func:`mgsignal.references.reproduce` of the published models;
- ``notebooks/*.ipynb``: copies of the committed, executed notebooks (rendered as committed:
  ``nb_execution_mode = "off"``).

Nothing here is committed; ``docs/generated/`` is rewritten on every build.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
GENERATED = DOCS / "generated"

#: model -> (scenario, outputs, panels, time unit, title) of its default-behaviour figure
DEFAULT_RUNS = {
    "mg_transport": ("hypomagnesaemia", [["Mg_e", "Mg_c", "Mg_m"], ["Mg_tot_c", "Mg_tot_m"]], "h",
                     "mg_transport: hypomagnesaemia (extracellular Mg²⁺ 0.6 → 0.35 mM at 1 h)"),
    "insulin": ("insulin_step", [["pAkt_frac", "pPKCz_frac"], ["GLUT4_pm_frac"]], "min",
                "insulin: 100 nM insulin for 15 min (the published protocol)"),
    "camp_pka": ("camp_isoproterenol", [["cAMP"], ["PKA_act"], ["SLC41A1_PKA_factor"]], "min",
                 "camp_pka: isoproterenol 0.1 µM at 1 min"),
    "neuron": ("neuron_coincidence", [["V"], ["I_NMDA"], ["Ca_c"]], "s",
               "neuron: L-aspartate 3 µM with AMPA receptor activation, 0.5-1.5 s"),
    "mg_signalling": ("hypomagnesaemia", [["Mg_e", "Mg_c"], ["Mg_tot_c"], ["PKA_act"], ["SLC41A1_PKA_factor"]],
                      "h", "mg_signalling: hypomagnesaemia (extracellular Mg²⁺ 0.6 → 0.35 mM at 1 h)"),
    "body": ("body_thiazide", [["plasma_Mg_total", "plasma_Mg_ionized"], ["urinary_Mg_excretion"]], "h",
             "body: hydrochlorothiazide once daily for 30 days"),
}
REFERENCES = {"BIOMD0000000137": "insulin", "BIOMD0000000165": "camp_pka"}


def _cell(text: object) -> str:
    """Text safe inside a MyST pipe table."""
    text = " ".join(str(text).split())
    for char in "\\|*`$<":
        text = text.replace(char, "\\" + char)
    return text


def _table(frame, code_columns=()) -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        cells = [f"`{row[c]}`" if c in code_columns else _cell(row[c]) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_parameter_tables() -> None:
    from mgsignal.build import available_models, model_source, parameter_table
    folder = GENERATED / "parameters"
    folder.mkdir(parents=True, exist_ok=True)
    for name in available_models():
        source = model_source(name)
        table = parameter_table(source)
        table = table.assign(value=[f"{v:.6g}" for v in table["value"]])
        columns = ["module", "id", "value", "unit", "source"] if "module" in table else ["id", "value", "unit", "source"]
        header = (f"{len(table)} values, read from `models/{source.name}` by "
                  f"`mgsignal.build.parameter_table` (also: `mgsignal parameters {name}`).\n\n")
        (folder / f"{name}.md").write_text(header + _table(table[columns], code_columns=("id",)), encoding="utf-8")


def write_scenario_table() -> None:
    import pandas as pd

    import mgsignal as mg
    rows = []
    for name in mg.available_scenarios():
        scenario = mg.load_scenario(name)
        duration = "" if scenario.duration is None else f"{scenario.duration / 3600:.4g} h"
        rows.append({"name": name, "model": scenario.model or "any with its ids", "duration": duration,
                     "phases": len(scenario.phases), "description": scenario.description,
                     "source": scenario.source or ""})
    text = (f"{len(rows)} scenarios shipped in `mgsignal/scenarios/` "
            "(`mgsignal.available_scenarios()`, `mgsignal scenarios`).\n\n")
    (GENERATED / "scenarios.md").write_text(text + _table(pd.DataFrame(rows), code_columns=("name",)),
                                            encoding="utf-8")


def write_figures() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import mgsignal as mg
    from mgsignal.plotting import plot_time_course
    folder = GENERATED / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (scenario_name, panels, unit, title) in DEFAULT_RUNS.items():
        if name not in mg.available_models():
            continue
        model = mg.load_model(name)
        scenario = mg.load_scenario(scenario_name)
        outputs = [sid for group in panels for sid in group]
        table = mg.simulate(model, scenario, n_points=361, outputs=outputs)
        figure = plot_time_course(table, panels=panels, names=model.names, time_unit=unit, title=title)
        figure.savefig(folder / f"{name}.png", dpi=90)
        plt.close(figure)


def write_reproductions() -> None:
    from mgsignal.references import reproduce
    folder = GENERATED / "reproductions"
    folder.mkdir(parents=True, exist_ok=True)
    for reference in REFERENCES:
        deviations = reproduce(reference).T
        deviations.index.name = "output"
        table = deviations.map(lambda v: f"{v:.1e}").reset_index()
        (folder / f"{reference}.md").write_text(_table(table, code_columns=("output",)), encoding="utf-8")


def copy_notebooks() -> None:
    folder = GENERATED / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copyfile(path, folder / path.name)


def generate(app=None) -> None:
    """Write every generated page (the builder-inited hook; also callable without Sphinx)."""
    os.environ.setdefault("SUNLOGGER_WARNING_FILENAME", os.devnull)  # CVODE's step-size notes
    import roadrunner
    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    GENERATED.mkdir(parents=True)
    write_parameter_tables()
    write_scenario_table()
    write_figures()
    write_reproductions()
    copy_notebooks()


_BACKTICKS = re.compile(r"(``.*?``|`[^`]*`)")
_STARS = re.compile(r"(?<![\\*\w])(\*\*?)(?=[A-Za-z_])(?![^*]*\*)")  # unclosed: not emphasis
_BARS = re.compile(r"(?<![\\\w])\|(?=[^|\s][^|]*\|)")


def _escape_outside_code(line: str) -> str:
    """``**settings`` and ``|value|`` written as plain text are literal, not RST markup."""
    parts = _BACKTICKS.split(line)
    for k in range(0, len(parts), 2):
        parts[k] = _STARS.sub(lambda m: "\\*" * len(m.group(1)), parts[k])
        parts[k] = _BARS.sub(r"\\|", parts[k]).replace("| ", "\\| ") if _BARS.search(parts[k]) else parts[k]
    return "".join(parts)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def plain_text_docstring(app, what, name, obj, options, lines) -> None:
    """Docstrings written as plain text, read as reStructuredText (before napoleon): ``**kwargs``
    and ``|x|`` are escaped, and an indented block whose lines indent further (code, aligned
    equations) becomes a literal block, unless a section header (a line ending in ":") opens it."""
    lines[:] = [_escape_outside_code(line) for line in lines]
    k = 0
    while k < len(lines):
        line = lines[k]
        start = k + 1
        if line.strip() and start < len(lines) and _indent(lines[start]) > _indent(line) and lines[start].strip():
            opener = k  # a term line directly followed by an indented block
        elif not line.strip() and k > 0 and start < len(lines) and lines[start].strip() \
                and _indent(lines[start]) > _indent(lines[k - 1]):
            opener = k - 1  # a paragraph, a blank line, then an indented block
        else:
            k += 1
            continue
        end = start
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= _indent(lines[start])):
            end += 1
        block = [lines[j] for j in range(start, end) if lines[j].strip()]
        nested = any(_indent(b) > _indent(block[0]) for b in block)
        if nested and not lines[opener].rstrip().endswith(":"):
            lines[start:start] = ["", "::", ""] if lines[k].strip() else ["::", ""]
            end += 3
        k = end


def setup(app):
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-docstring", plain_text_docstring, priority=300)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


if __name__ == "__main__":
    generate()
