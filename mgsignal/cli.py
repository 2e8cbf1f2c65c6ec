"""The ``mgsignal`` command line. The only module that prints."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from .build import validate_file
from .errors import MgSignalError
from .model import available_models, build_model_sbml, load_model, model_source, models_dir
from .parameters import read_parameter_table
from .scenario import available_scenarios, load_scenario
from .simulate import simulate, steady_state

#: the readouts the main job tabulates, with the literature ranges they should fall in
MAIN_COLUMNS = ("Mg_e", "Mg_c", "Mg_tot_c", "Mg_m", "Mg_tot_m", "ATP_tot_c", "J_pm_net")


class _Group(click.Group):
    """Turn package errors into one clear line and exit code 2, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MgSignalError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mgsignal")
def main() -> None:
    """Quantitative models of cellular magnesium: simulate, find steady states, validate."""


@main.command()
@click.option("--model", "model_name", default=None, help="Model name or file (default: the scenario's model, else mg_transport).")
@click.option("--scenario", "scenario_name", default="hypomagnesaemia", show_default=True, help="Scenario name or .toml file.")
@click.option("--out", "out_dir", default="mgsignal-output", show_default=True, type=click.Path(file_okay=False), help="Folder for the CSV and the figure.")
def run(model_name: str | None, scenario_name: str, out_dir: str) -> None:
    """Main job: the default steady state, then a scenario's time course (table and figure)."""
    model, scenario = _model_and_scenario(model_name, scenario_name)
    state = steady_state(model)
    click.echo(f"Model {model.name} (sha256 {model.sha256[:12]}): default steady state\n")
    click.echo(_steady_state_table(state).to_string())
    duration = scenario.duration or 12 * 3600.0
    table = simulate(model, scenario, t_end=duration, n_points=int(duration // 300) + 1)
    click.echo(f"\nScenario {scenario.name}: {scenario.description}\n")
    shown = [c for c in MAIN_COLUMNS if c in table.columns]
    hourly = table[shown].iloc[::6].copy()
    hourly.index = (hourly.index / 3600).round(2).rename("time (h)")
    click.echo(hourly.to_string(float_format=lambda v: f"{v:.4g}"))
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / f"{scenario.name}.csv")
    from .plotting import plot_time_course
    figure = plot_time_course(table, names=model.names, panels=[
        [c for c in ("Mg_e", "Mg_c", "Mg_m") if c in table.columns],
        [c for c in ("Mg_tot_c", "Mg_tot_m") if c in table.columns]])
    figure.savefig(folder / f"{scenario.name}.png", dpi=120)
    click.echo(f"\nwrote {folder / (scenario.name + '.csv')} and {folder / (scenario.name + '.png')}")


@main.command("simulate")
@click.argument("model_name", required=False)
@click.option("--scenario", "scenario_name", default=None, help="Scenario name or .toml file.")
@click.option("--t-end", type=float, default=None, help="End time in seconds (default: the scenario's duration).")
@click.option("--points", type=int, default=101, show_default=True, help="Number of output times.")
@click.option("--output", "outputs", multiple=True, help="Id to report (repeat); default: species and readouts.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="Write the table to this CSV file.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None, help="Save a figure of the outputs here.")
def simulate_command(model_name: str | None, scenario_name: str | None, t_end: float | None, points: int,
                     outputs: tuple[str, ...], csv_path: str | None, plot_path: str | None) -> None:
    """Simulate MODEL_NAME (a shipped model or a file; default: the scenario's model, else
    mg_transport) and print the time course."""
    model, scenario = _model_and_scenario(model_name, scenario_name)
    table = simulate(model, scenario, t_end=t_end, n_points=points, outputs=list(outputs) or None)
    click.echo(table.to_string(float_format=lambda v: f"{v:.6g}"))
    if csv_path:
        table.to_csv(csv_path)
    if plot_path:
        from .plotting import plot_time_course
        plot_time_course(table, panels=[list(table.columns)], names=model.names).savefig(plot_path, dpi=120)


@main.command("steady-state")
@click.argument("model_name", required=False)
@click.option("--scenario", "scenario_name", default=None, help="Scenario name or .toml file (its final condition).")
def steady_state_command(model_name: str | None, scenario_name: str | None) -> None:
    """Print the steady state of MODEL_NAME (species and readouts; default model as for simulate)."""
    model, scenario = _model_and_scenario(model_name, scenario_name)
    state = steady_state(model, scenario)
    frame = pd.DataFrame({"value": state, "unit": [model.units.get(i, "") for i in state.index]})
    click.echo(frame.to_string(float_format=lambda v: f"{v:.6g}"))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files: tuple[str, ...]) -> None:
    """Validate Antimony (.ant) or SBML files: one line per problem, exit 1 if any."""
    problems = [line for path in files for line in validate_file(path)]
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    click.echo(f"{len(files)} file(s) valid: no errors, no warnings (unit checks on)")


@main.command()
@click.argument("model_name", default="mg_transport")
def parameters(model_name: str) -> None:
    """Print the value, unit and source of every parameter of a shipped model (TSV)."""
    source = model_source(model_name)  # raises the did-you-mean error
    if source.suffix == ".toml":
        from .compose import composite_parameter_table
        table = composite_parameter_table(source)
    else:
        table = read_parameter_table(source)
    click.echo(table.to_csv(sep="\t", index=False), nl=False)


@main.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    for name in available_scenarios():
        click.echo(f"{name}: {load_scenario(name).description}")


@main.command()
@click.option("--check", is_flag=True, help="Only report models whose committed SBML is out of date (exit 1).")
def build(check: bool) -> None:
    """Regenerate the SBML file beside each shipped Antimony module."""
    stale = []
    for name in available_models():
        sbml = build_model_sbml(model_source(name))
        target = models_dir() / f"{name}.xml"
        if not target.is_file() or target.read_text(encoding="utf-8") != sbml:
            stale.append(target)
            if not check:
                target.write_text(sbml, encoding="utf-8")
    for target in stale:
        click.echo(f"{target}: {'out of date' if check else 'written'}")
    if check and stale:
        sys.exit(1)


def _register_commands() -> None:
    from .sensitivity.command import sensitivity
    main.add_command(sensitivity)


_register_commands()


def _model_and_scenario(model_name: str | None, scenario_name: str | None):
    """Load the scenario (if any) and the model: the one named, else the scenario's, else
    the transport model."""
    scenario = load_scenario(scenario_name) if scenario_name else None
    chosen = model_name or (scenario.model if scenario and scenario.model else "mg_transport")
    return load_model(chosen), scenario


def _steady_state_table(state: pd.Series) -> pd.DataFrame:
    rows = [("extracellular", state.get("Mg_e"), float("nan"), "free 0.5-0.7"),
            ("cytosol", state.get("Mg_c"), state.get("Mg_tot_c"), "free 0.5-1.2, total 17-20"),
            ("mitochondrial matrix", state.get("Mg_m"), state.get("Mg_tot_m"), "free 0.8-1.2, total 17-20")]
    table = pd.DataFrame(rows, columns=["compartment", "free Mg2+ (mM)", "total Mg (mM)", "literature range (mM)"])
    return table.set_index("compartment").round(4)
