"""``mgsignal scenario list | show | run | compare``: the scenario library on the command line."""

from __future__ import annotations

import json

import click
import pandas as pd

from ..errors import UnknownIdError
from .commands import JSON_OPTION, _close, _writable, run as run_command


@click.group("scenario")
def scenario() -> None:
    """Browse, run and compare the scenario library.

    \b
    mgsignal scenario list --model body
    mgsignal scenario show body_thiazide
    mgsignal scenario run body_thiazide --out results
    mgsignal scenario compare body_normal body_loop_diuretic --clinical --plot compare.png
    mgsignal scenario compare body_thiazide body_loop_diuretic --no-cells --output FEMg
    """


@scenario.command("list")
@click.option("--model", "model_name", default=None, help="Only the scenarios of this model.")
@JSON_OPTION
def list_command(model_name: str | None, as_json: bool) -> None:
    """List the built-in scenarios (name, model, description)."""
    from ..build import available_models
    from ..library import scenario_model
    from ..scenario import available_scenarios, load_scenario

    if model_name is not None and model_name not in available_models():
        raise UnknownIdError(model_name, available_models(), what="model", where="mgsignal")
    loaded = [load_scenario(name) for name in available_scenarios()]
    loaded = [s for s in loaded if model_name is None or scenario_model(s) == model_name]
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in loaded], indent=1))
        return
    for item in loaded:
        click.echo(f"{item.name} ({scenario_model(item)}): {item.description}")


@scenario.command("show")
@click.argument("name")
@JSON_OPTION
def show(name: str, as_json: bool) -> None:
    """Print a scenario as plain data: model, description, source, duration, changes, phases, outputs."""
    from ..library import describe

    data = describe(name)
    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    duration = data["duration"]
    lines = [f"name: {data['name']}", f"model: {data['model']}", f"description: {data['description']}",
             f"source: {data['source'] or '-'}",
             f"duration: {'-' if duration is None else f'{duration:g} s ({_readable(duration)})'}",
             f"outputs: {', '.join(data['outputs']) or '(the model readouts)'}"]
    if data["preequilibration"] is not None:
        how = (f"simulated {data['preequilibration_time']:g} s" if data["preequilibration_time"]
               else "steady state")
        lines.append(f"pre-equilibration: {_changes(data['preequilibration']) or 'model defaults'}, then {how}")
    lines.append(f"changes at 0 s: {_changes(data['changes']) or '-'}")
    lines.append(f"phases: {len(data['phases'])}")
    lines += [f"  at {phase['start']:g} s ({_readable(phase['start'])}): {_changes(phase['changes']) or '-'}"
              for phase in data["phases"]]
    click.echo("\n".join(lines))


@scenario.command("run")
@click.argument("name")
@click.option("--out", "out_dir", default="mgsignal-output", show_default=True, help="Folder for the CSV and the figure.")
@JSON_OPTION
@click.pass_context
def run(ctx: click.Context, name: str, out_dir: str, as_json: bool) -> None:
    """Run scenario NAME on its model (as ``mgsignal run --scenario NAME``): table and figure."""
    ctx.invoke(run_command, model_name=None, scenario_name=name, out_dir=out_dir, as_json=as_json)


@scenario.command("compare")
@click.argument("names", nargs=-1, required=True)
@click.option("--output", "outputs", multiple=True,
              help="Id to compare (repeat); default: the scenarios' outputs and, for body scenarios, the cells'.")
@click.option("--points", type=click.IntRange(min=2), default=121, show_default=True,
              help="Output times per scenario, over its own duration.")
@click.option("--step", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Instead of --points: largest spacing of output times, in seconds (21600 = 6 h).")
@click.option("--no-cells", "no_cells", is_flag=True,
              help="Body scenarios without the cell layer (plasma and urine only; faster).")
@click.option("--csv", "csv_path", default=None,
              help="Write the long table (scenario, time, model, output, value, unit) here.")
@click.option("--plot", "plot_path", default=None, help="Save a figure (one panel per output) here.")
@click.option("--clinical", "in_clinical", is_flag=True,
              help="Also give clinical units (mmol/L and mg/dL, mg/day, FEMg %), in the table and the CSV.")
@JSON_OPTION
def compare_command(names: tuple[str, ...], outputs: tuple[str, ...], points: int, step: float | None,
                    no_cells: bool, csv_path: str | None, plot_path: str | None, in_clinical: bool,
                    as_json: bool) -> None:
    """Compare scenarios NAMES (of any models; body scenarios drive the cells): end values
    printed, time courses to --csv and --plot."""
    from ..library import clinical, compare, plot_comparison

    csv, plot = _writable(csv_path), _writable(plot_path)
    click.echo(f"running {len(names)} scenario(s)", err=True)
    table = compare(list(names), outputs=list(outputs) or None, n_points=points, step=step, cells=not no_cells)
    end = table.attrs["end"]
    shown = clinical(table) if in_clinical else table
    if csv:
        shown.to_csv(csv, index=False)
    if plot:
        figure = plot_comparison(shown)
        figure.savefig(plot, dpi=120)
        _close(figure)
    if as_json:
        result = {"model": table.attrs["model"], "scenarios": table.attrs["scenarios"],
                  "outputs": table.attrs["outputs"], "units": table.attrs["units"], "models": table.attrs["models"],
                  "end": {name: {sid: None if pd.isna(value) else float(value) for sid, value in row.items()}
                          for name, row in end.iterrows()},
                  "files": [str(path) for path in (csv, plot) if path]}
        if in_clinical:
            result["clinical_end"] = _records(shown.attrs["end"])
            result["conversions"] = shown.attrs["conversions"]
        click.echo(json.dumps(result, indent=1))
    else:
        units = table.attrs["units"]
        wide = end.T.copy()
        wide.index = [f"{sid} ({units[sid]})" if units[sid] else sid for sid in end.columns]
        wide.index.name = "output"
        click.echo(f"Model {table.attrs['model']}: values at the end of each scenario\n")
        click.echo(wide.to_string(float_format=lambda v: f"{v:.4g}"))
        if in_clinical:
            model_units = set(zip(table["output"], table["unit"]))
            columns = [c for c in shown.attrs["end"].columns if c not in model_units]
            if columns:
                extra = shown.attrs["end"][columns].T
                extra.index = [f"{sid} ({unit})" for sid, unit in columns]
                extra.index.name = "output"
                click.echo("\nIn clinical units\n")
                click.echo(extra.to_string(float_format=lambda v: f"{v:.4g}"))
            else:
                click.echo("note: none of these outputs has a clinical unit", err=True)
    written = [str(path) for path in (csv, plot) if path]
    if written:
        click.echo(f"wrote {' and '.join(written)}", err=True)


def _records(end: pd.DataFrame) -> list[dict]:
    return [{"scenario": name, "output": sid, "unit": unit, "value": float(value)}
            for name, row in end.iterrows() for (sid, unit), value in row.items() if not pd.isna(value)]


def _changes(changes: dict[str, float]) -> str:
    return ", ".join(f"{target} = {value:g}" for target, value in changes.items())


def _readable(seconds: float) -> str:
    for size, unit in ((86400.0, "d"), (3600.0, "h"), (60.0, "min")):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"
