"""The commands that run, inspect and check models (``mgsignal run``, ``simulate``, ...)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd

from ..build import (available_models, build as build_model, model_file, model_source, models_dir, parameter_table,
                     validate_file)
from ..errors import InvalidInputError, SteadyStateError
from ..model import Model, load_model
from ..scenario import Scenario, available_scenarios, load_scenario
from ..simulation import simulate, steady_state
from . import PROBLEMS

#: compartments of the transport model: (free Mg2+ id, total Mg id, literature range in mM)
COMPARTMENTS = {"extracellular": ("Mg_e", None, "free 0.5-0.7"),
                "cytosol": ("Mg_c", "Mg_tot_c", "free 0.5-1.2, total 17-20"),
                "mitochondrial matrix": ("Mg_m", "Mg_tot_m", "free 0.8-1.2, total 17-20")}
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")


def _writable(path: str | None) -> Path | None:
    """Check before any work that ``path`` can be written (its folder exists and is writable)."""
    if path is None:
        return None
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InvalidInputError(f"{target}: is a folder; give a file name")
    if not folder.is_dir():
        raise InvalidInputError(f"{target}: folder {folder} does not exist")
    probe = folder / f".mgsignal-write-test-{target.name}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise InvalidInputError(f"{target}: cannot write in {folder} ({error.strerror})") from None
    return target


def _writable_folder(path: str) -> Path:
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{folder}: is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInputError(f"{folder}: cannot create the folder ({error.strerror})") from None
    _writable(str(folder / "probe"))
    return folder


def _model_and_scenario(model_name: str | None, scenario_name: str | None) -> tuple[Model, Scenario | None]:
    """Load the scenario (if any) and the model: the one named, else the scenario's, else
    the transport model."""
    scenario = load_scenario(scenario_name) if scenario_name else None
    chosen = model_name or (scenario.model if scenario and scenario.model else "mg_transport")
    return load_model(chosen), scenario


def _table_json(table: pd.DataFrame | pd.Series) -> str:
    frame = table.to_frame("value") if isinstance(table, pd.Series) else table
    records = json.loads(frame.reset_index().to_json(orient="records"))
    return json.dumps({"columns": [str(c) for c in frame.reset_index().columns], "rows": records,
                       "units": table.attrs.get("units", {}), "model": table.attrs.get("model"),
                       "model_sha256": table.attrs.get("model_sha256")}, indent=1)


def _time_scale(duration: float) -> tuple[float, str]:
    """(seconds per unit, unit) to print a time course of ``duration`` seconds."""
    if duration >= 4 * 3600:
        return 3600.0, "h"
    if duration >= 240:
        return 60.0, "min"
    return 1.0, "s"


def _shown_outputs(model: Model, scenario: Scenario | None) -> list[str]:
    if scenario is not None and scenario.outputs:
        return list(scenario.outputs)
    headline = ["Mg_e", "Mg_c", "Mg_tot_c", "Mg_m", "Mg_tot_m", "ATP_tot_c", "J_pm_net"]
    if set(headline) <= set(model.species + model.readouts):
        return headline
    return list(model.readouts[:8]) or list(model.species[:8])


#: the scenarios of the main job, the first being the reference of the percent changes
MAIN_JOB = ("body_normal", "body_dietary_mg_deprivation", "body_deficiency_supplementation", "body_loop_diuretic")
#: spacing of the main job's output times (s): 6 h, so daily doses are sampled at the same clock times
MAIN_JOB_STEP = 6 * 3600.0


@click.command()
@click.option("--scenario", "scenario_name", default=None,
              help="Run this one scenario (name or .toml file) instead: its model's default steady state and its "
                   "time course.")
@click.option("--model", "model_name", default=None,
              help="With --scenario: model name or file (default: the scenario's model, else mg_transport).")
@click.option("--out", "out_dir", default="mgsignal-output", show_default=True, help="Folder for the CSV and the figure.")
@JSON_OPTION
def run(model_name: str | None, scenario_name: str | None, out_dir: str, as_json: bool) -> None:
    """Main job: normal, dietary Mg deficiency, deficiency plus supplementation and a loop diuretic,
    from plasma Mg to the cells (end values and changes printed; long table and figure saved)."""
    folder = _writable_folder(out_dir)
    if scenario_name is not None:
        _run_scenario(model_name, scenario_name, folder, as_json)
        return
    if model_name is not None:
        raise InvalidInputError("--model needs --scenario (the main job runs the body model and the cell models)")
    from ..clinical.summary import relative_change, summary_table
    from ..clinical.units import CELL_UNITS, CLINICAL_UNITS, in_units
    from ..library import compare, plot_comparison

    click.echo(f"running {len(MAIN_JOB)} scenarios: the body model, then the cells following plasma ionized Mg2+",
               err=True)
    table = compare(list(MAIN_JOB), step=MAIN_JOB_STEP)
    shown = in_units(table, CLINICAL_UNITS + CELL_UNITS)
    summary = summary_table(table)
    change = relative_change(summary)
    csv, png = folder / "clinical_comparison.csv", folder / "clinical_comparison.png"
    shown.to_csv(csv, index=False)
    figure = plot_comparison(shown, panels=summary.attrs["rows"], title="normal, Mg deficiency, supplementation, "
                                                                       "loop diuretic: plasma to cells")
    figure.savefig(png, dpi=110)
    _close(figure)
    if as_json:
        labels = list(summary.index)
        click.echo(json.dumps({
            "scenarios": list(summary.columns), "days": summary.attrs["days"],
            "readouts": [{"readout": label, "output": sid, "unit": unit}
                         for label, (sid, unit) in zip(labels, summary.attrs["rows"])],
            "end": {name: {label: float(v) for label, v in summary[name].items()} for name in summary.columns},
            "change_percent": {"reference": change.attrs["reference"],
                               **{name: {label: float(v) for label, v in change[name].items()}
                                  for name in change.columns}},
            "conversions": summary.attrs["conversions"], "files": [str(csv), str(png)]}, indent=1))
    else:
        short = {name: name.removeprefix("body_") for name in summary.columns}
        days = ", ".join(f"{short[name]} {summary.attrs['days'][name]:g} d" for name in summary.columns)
        click.echo("Whole body to cells: values at the end of each scenario "
                   f"({days}); the cells' extracellular Mg2+ follows plasma ionized Mg2+\n")
        click.echo(summary.rename(columns=short).to_string(float_format=lambda v: f"{v:.4g}"))
        click.echo(f"\nChange from {short[change.attrs['reference']]} (%)\n")
        click.echo(change.rename(columns=short).to_string(float_format=lambda v: f"{v:+.3g}"))
        click.echo("\nScenarios: " + "; ".join(f"{name}: {load_scenario(name).description}" for name in MAIN_JOB))
    click.echo(f"wrote {csv} and {png}", err=True)


def _run_scenario(model_name: str | None, scenario_name: str, folder: Path, as_json: bool) -> None:
    """One scenario: the model's default steady state, then the scenario's time course."""
    model, scenario = _model_and_scenario(model_name, scenario_name)
    shown = _shown_outputs(model, scenario)
    try:
        state = steady_state(model, outputs=list(dict.fromkeys(shown + _compartment_ids(model))))
    except SteadyStateError as error:
        state = None
        click.echo(f"note: no default steady state ({error}); showing the time course only", err=True)
    duration = scenario.duration or 12 * 3600.0
    table = simulate(model, scenario, t_end=duration, n_points=121, outputs=shown)
    scale, unit = _time_scale(duration)
    rows = table[shown].iloc[::10].copy()
    rows.index = (rows.index / scale).round(4).rename(f"time ({unit})")
    csv, png = folder / f"{scenario.name}.csv", folder / f"{scenario.name}.png"
    table.to_csv(csv)
    from ..plotting import plot_time_course
    figure = plot_time_course(table, names=model.names, time_unit=unit,
                              panels=_panels(shown, model, table))
    figure.savefig(png, dpi=120)
    _close(figure)
    if as_json:
        click.echo(json.dumps({"model": model.name, "scenario": scenario.to_dict(),
                               "steady_state": None if state is None else state.to_dict(),
                               "time_course": json.loads(_table_json(rows)), "files": [str(csv), str(png)]}, indent=1))
    else:
        if state is not None:
            click.echo(f"Model {model.name} (sha256 {model.sha256[:12]}): default steady state\n")
            frame = _compartment_frame(state) if _compartment_ids(model) else _steady_state_frame(state, model)
            click.echo(frame.to_string(float_format=lambda v: f"{v:.4g}"))
        click.echo(f"\nScenario {scenario.name}: {scenario.description}\n")
        click.echo(rows.to_string(float_format=lambda v: f"{v:.4g}"))
    click.echo(f"wrote {csv} and {png}", err=True)


def _panels(shown: list[str], model: Model, table: pd.DataFrame | None = None) -> list[list[str]]:
    """One panel per unit, so that every axis has one quantity; within a unit, values more than
    ten times apart (free and total Mg) get panels of their own."""
    groups: dict[tuple[str, int], list[str]] = {}
    for sid in shown:
        size = 0
        if table is not None and sid in table.columns:
            peak = float(np.nanmax(np.abs(table[sid].to_numpy(dtype=float))))
            size = int(np.floor(np.log10(peak))) if peak > 0 else 0
        groups.setdefault((model.units.get(sid, ""), size), []).append(sid)
    return list(groups.values())


def _steady_state_frame(state: pd.Series, model: Model) -> pd.DataFrame:
    return pd.DataFrame({"value": state, "unit": [model.units.get(i, "") for i in state.index],
                         "name": [model.names.get(i, "") for i in state.index]})


def _compartment_ids(model: Model) -> list[str]:
    """The free and total Mg ids of the transport model's compartments, when the model has them."""
    ids = [sid for free, total, _ in COMPARTMENTS.values() for sid in (free, total) if sid]
    return ids if set(ids) <= set(model.outputs) else []


def _compartment_frame(state: pd.Series) -> pd.DataFrame:
    rows = [(name, state[free], state[total] if total else float("nan"), text)
            for name, (free, total, text) in COMPARTMENTS.items()]
    table = pd.DataFrame(rows, columns=["compartment", "free Mg2+ (mM)", "total Mg (mM)", "literature range (mM)"])
    return table.set_index("compartment")


@click.command("simulate")
@click.argument("model_name", required=False)
@click.option("--scenario", "scenario_name", default=None, help="Scenario name or .toml file.")
@click.option("--t-end", type=float, default=None, help="End time in seconds (default: the scenario's duration, else 12 h).")
@click.option("--points", type=click.IntRange(min=2), default=101, show_default=True, help="Number of output times.")
@click.option("--output", "outputs", multiple=True, help="Id to report (repeat); default: species and readouts.")
@click.option("--csv", "csv_path", default=None, help="Write the table to this CSV file.")
@click.option("--plot", "plot_path", default=None, help="Save a figure of the outputs here.")
@JSON_OPTION
def simulate_command(model_name: str | None, scenario_name: str | None, t_end: float | None, points: int,
                     outputs: tuple[str, ...], csv_path: str | None, plot_path: str | None, as_json: bool) -> None:
    """Simulate MODEL_NAME (a shipped model or a file; default: the scenario's model, else
    mg_transport) and print the time course."""
    csv, plot = _writable(csv_path), _writable(plot_path)
    model, scenario = _model_and_scenario(model_name, scenario_name)
    if t_end is None and (scenario is None or scenario.duration is None):
        t_end = 12 * 3600.0
        click.echo("note: no --t-end and no scenario duration: simulating 12 h", err=True)
    table = simulate(model, scenario, t_end=t_end, n_points=points, outputs=list(outputs) or None)
    click.echo(_table_json(table) if as_json else table.to_string(float_format=lambda v: f"{v:.6g}"))
    if csv:
        table.to_csv(csv)
    if plot:
        from ..plotting import plot_time_course
        figure = plot_time_course(table, panels=_panels(list(table.columns), model, table), names=model.names,
                                  time_unit=_time_scale(float(table.index[-1]))[1])
        figure.savefig(plot, dpi=120)
        _close(figure)


@click.command("steady-state")
@click.argument("model_name", required=False)
@click.option("--scenario", "scenario_name", default=None, help="Scenario name or .toml file (its final condition).")
@JSON_OPTION
def steady_state_command(model_name: str | None, scenario_name: str | None, as_json: bool) -> None:
    """Print the steady state of MODEL_NAME (species and readouts; default model as for simulate)."""
    model, scenario = _model_and_scenario(model_name, scenario_name)
    state = steady_state(model, scenario)
    if state.attrs.get("note"):
        click.echo(f"note: {state.attrs['note']}", err=True)
    frame = _steady_state_frame(state, model)
    click.echo(_table_json(frame) if as_json else frame.to_string(float_format=lambda v: f"{v:.6g}"))


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--report", "report", is_flag=True,
              help="Also print annotation coverage (identifiers.org, SBO terms, model metadata) and its gaps; "
                   "exit 1 unless species, compartments and reactions are all annotated, reactions and "
                   "parameters all have SBO terms and every identifier matches its registry's pattern.")
@JSON_OPTION
def validate(files: tuple[str, ...], report: bool, as_json: bool) -> None:
    """Validate Antimony (.ant), composite (.toml) or SBML files: one line per problem, exit 1 if any."""
    from ..build.annotations import annotation_report, format_report, report_passes

    problems = {path: validate_file(path) for path in files}
    lines = [line for found in problems.values() for line in found]
    reports = {path: annotation_report(build_model(path)) for path in files if report and not problems[path]}
    incomplete = [path for path, found in reports.items() if not report_passes(found)]
    if as_json:
        result = {"files": problems, "valid": not lines}
        if report:
            result |= {"reports": reports, "annotated": not incomplete}
        click.echo(json.dumps(result, indent=1))
    else:
        for line in lines:
            click.echo(line)
        for path, found in reports.items():
            for line in format_report(found, source=path):
                click.echo(line)
        if not lines:
            click.echo(f"{len(files)} file(s) valid: no errors, no warnings (unit checks on)")
        if report and reports:
            click.echo(f"{len(reports) - len(incomplete)} of {len(reports)} file(s) fully annotated")
    if lines or incomplete:
        sys.exit(PROBLEMS)


@click.command()
@click.argument("model_name", default="mg_transport")
@JSON_OPTION
def parameters(model_name: str, as_json: bool) -> None:
    """Print the value, unit and source of every parameter of a model (a shipped name, or an
    .ant module or .toml composite file) as TSV."""
    table = parameter_table(model_file(model_name))  # unknown names get the did-you-mean error
    if as_json:
        click.echo(table.to_json(orient="records", indent=1))
    else:
        click.echo(table.to_csv(sep="\t", index=False), nl=False)


@click.command()
@JSON_OPTION
def scenarios(as_json: bool) -> None:
    """List the built-in scenarios."""
    loaded = [load_scenario(name) for name in available_scenarios()]
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in loaded], indent=1))
        return
    for scenario in loaded:
        click.echo(f"{scenario.name} ({scenario.model or 'mg_transport'}): {scenario.description}")


@click.command()
@click.option("--check", is_flag=True, help="Only report models whose committed SBML is out of date (exit 1).")
def build(check: bool) -> None:
    """Regenerate the SBML file beside each shipped Antimony module and composite."""
    stale = []
    for name in available_models():
        sbml = build_model(model_source(name))
        target = models_dir() / f"{name}.xml"
        if not target.is_file() or target.read_text(encoding="utf-8") != sbml:
            stale.append(target)
            if not check:
                _write_atomically(target, sbml)
    for target in stale:
        click.echo(f"{target}: {'out of date' if check else 'written'}")
    if check and stale:
        sys.exit(PROBLEMS)


def _write_atomically(target: Path, text: str) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)



def _close(figure) -> None:
    """Release a saved figure (pyplot keeps every figure it made open)."""
    import matplotlib.pyplot as plt
    plt.close(figure)
