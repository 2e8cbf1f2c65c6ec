"""The ``mgsignal sensitivity`` command. The sensitivity stack (SALib) is imported when the
command runs, never by ``mgsignal --help``."""

from __future__ import annotations

import json

import click

from ..ensemble.features import KINDS
from ..errors import InvalidInputError
from .commands import _close, _writable

METHODS = ("sobol", "morris", "efast", "local")


@click.command("sensitivity", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", "model_name", default="mg_transport", show_default=True, help="Model name or .ant/.xml file.")
@click.option("--scenario", "scenario_name", default=None, help="Scenario name or .toml file (default: the model as it is).")
@click.option("--parameters", default="all", show_default=True,
              help="Comma-separated settable ids, or 'all' (every constant parameter but physical constants).")
@click.option("--relative", type=click.FloatRange(min=0, min_open=True, max=1, max_open=True), default=0.2,
              show_default=True, help="Global methods: vary each parameter uniformly within +-this fraction of its value (0 < r < 1).")
@click.option("--method", type=click.Choice(METHODS), default="sobol", show_default=True,
              help="Sobol' (S1, ST), Morris (mu*, sigma), eFAST (S1, ST), or local scaled sensitivities.")
@click.option("-n", "--n", "n", type=int, default=256, show_default=True,
              help="Sobol': base sample size (power of 2; N(D+2) runs). Morris: trajectories (N(D+1) runs). eFAST: samples per curve (> 64; N D runs).")
@click.option("--output", "outputs", multiple=True, default=("Mg_c",), show_default=True, help="Output id to analyse (repeat).")
@click.option("--feature", "kind", type=click.Choice([k for k in KINDS if k != "function"]), default="steady_state",
              show_default=True, help="How each run is reduced to a number (local: steady_state or end).")
@click.option("--t-end", type=float, default=None, help="Simulated time in s for time-course features (default: the scenario's duration).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sampler and of the bootstrap.")
@click.option("--second-order", is_flag=True, help="Sobol': also estimate second-order indices.")
@click.option("--backend", default="processes", show_default=True, help="'serial', 'processes' or a Dask scheduler address (tcp://host:port).")
@click.option("--n-workers", type=int, default=None, help="Local worker processes (default: CPU count).")
@click.option("--checkpoint", type=click.Path(file_okay=False), default=None, help="Folder for finished chunks; a rerun resumes.")
@click.option("--csv", "csv_path", default=None, help="Write the indices (or sensitivities) to this CSV file.")
@click.option("--plot", "plot_path", default=None, help="Save a figure (bar chart, or tornado chart for local) here.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def sensitivity(model_name: str, scenario_name: str | None, parameters: str, relative: float, method: str, n: int,
                outputs: tuple[str, ...], kind: str, t_end: float | None, seed: int, second_order: bool, backend: str,
                n_workers: int | None, checkpoint: str | None, csv_path: str | None, plot_path: str | None,
                quiet: bool, as_json: bool) -> None:
    """Which parameters does an output depend on? Global (Sobol', Morris, eFAST) or local
    sensitivity analysis of a model's outputs, printed as a table.

    \b
    Examples:
      mgsignal sensitivity --method local --output Mg_c --output Mg_tot_c
      mgsignal sensitivity --method sobol -n 1024 --parameters all --n-workers 2
      mgsignal sensitivity --scenario hypomagnesaemia --feature end --method morris -n 20
    """
    csv, plot = _writable(csv_path), _writable(plot_path)
    tables, notes, figure = _run(model_name, scenario_name, parameters, relative, method, n, list(outputs), kind,
                                 t_end, seed, second_order, backend, n_workers, checkpoint, not quiet,
                                 plot is not None)
    if as_json:
        click.echo(json.dumps({title: json.loads(table.reset_index().to_json(orient="records"))
                               for title, table in tables.items()}, indent=1))
    else:
        for title, table in tables.items():
            click.echo(f"{title}\n{table.to_string(float_format=lambda v: f'{v:.4g}')}\n")
    for note in notes:
        click.echo(note, err=True)
    if csv:
        for k, table in enumerate(tables.values()):
            path = csv if k == 0 else csv.with_name(f"{csv.stem}_second_order.csv")
            table.to_csv(path)
            click.echo(f"wrote {path}", err=True)
    if figure is not None:
        figure.savefig(plot, dpi=120)
        _close(figure)
        click.echo(f"wrote {plot}", err=True)


def _run(model_name: str, scenario_name: str | None, parameters: str, relative: float, method: str, n: int,
         outputs: list[str], kind: str, t_end: float | None, seed: int, second_order: bool, backend: str,
         n_workers: int | None, checkpoint: str | None, progress: bool, plot: bool):
    from ..ensemble import EnsembleOptions, Feature
    from ..model import load_model
    from ..scenario import load_scenario
    from ..sensitivity import (global_sensitivity, problem, resolve_parameters, steady_state_sensitivities,
                               time_course_sensitivities)
    model = load_model(model_name)
    scenario = load_scenario(scenario_name) if scenario_name else None
    ids = "all" if parameters.strip() == "all" else [p.strip() for p in parameters.split(",") if p.strip()]
    ids = resolve_parameters(model, ids)
    if method == "local":
        if kind == "steady_state":
            table = steady_state_sensitivities(model, scenario, parameters=ids, outputs=outputs).T
        elif kind == "end":
            series = time_course_sensitivities(model, scenario, parameters=ids, outputs=outputs, t_end=t_end, n_points=2)
            table = series.xs(series.index.get_level_values("time").max(), level="time").T
        else:
            raise InvalidInputError(f"local sensitivities are of steady states or end values, not {kind!r}")
        table.columns = [f"{kind}_{c}" for c in table.columns]
        figure = None
        if plot:
            from ..sensitivity.plotting import plot_tornado
            figure = plot_tornado(table.iloc[:, 0], title=f"{model.name}: {table.columns[0]}")
        return {f"scaled sensitivities d ln y / d ln p ({model.name})": table}, [], figure
    features = [Feature(output, kind) for output in outputs]
    spec = problem(model, ids, relative=relative)
    options = EnsembleOptions(t_end=t_end, backend=backend, n_workers=n_workers, checkpoint=checkpoint,
                              progress=progress)
    method_options = {"calc_second_order": second_order} if method == "sobol" else {}
    result = global_sensitivity(model, spec, method=method, n=n, seed=seed, features=features,
                                scenarios=[scenario] if scenario else None, options=options, **method_options)
    tables = {f"{result.method} indices ({model.name}, {len(spec['names'])} parameters, "
              f"{len(result.samples)} samples)": result.indices}
    if result.second_order is not None:
        tables["second-order indices"] = result.second_order
    notes = [f"{result.n_failed} samples failed; {result.n_dropped} Morris trajectories dropped"] if result.n_failed else []
    figure = None
    if plot:
        from ..sensitivity.plotting import plot_indices
        figure = plot_indices(result)
    return tables, notes, figure
