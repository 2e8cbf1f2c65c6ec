"""``mgsignal export``: scenarios as COMBINE/OMEX archives (SBML + SED-ML) or PEtab problems."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .commands import _model_and_scenario, _writable_folder


@click.group("export")
def export() -> None:
    """Write scenarios for other tools: `omex` (SBML + SED-ML L1V4, any SED-ML runner) or
    `petab` (a PEtab v1 problem; scenarios without phases)."""


@export.command("omex")
@click.argument("scenario_name")
@click.option("--model", "model_name", default=None, help="Model name or file (default: the scenario's model).")
@click.option("--out", "out_dir", default="mgsignal-output", show_default=True, help="Folder for the archive.")
@click.option("--points", type=click.IntRange(min=2), default=101, show_default=True, help="Output times.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def omex(scenario_name: str, model_name: str | None, out_dir: str, points: int, as_json: bool) -> None:
    """Write SCENARIO_NAME as a COMBINE/OMEX archive: the model, the model with the scenario
    written in (changes as initial values and events), SED-ML with CVODE tolerances as KiSAO
    terms, a report and a plot."""
    from ..export import write_omex
    folder = _writable_folder(out_dir)
    model, scenario = _model_and_scenario(model_name, scenario_name)
    path = write_omex(model, scenario, folder / f"{scenario.name}.omex", n_points=points)
    click.echo(json.dumps({"archive": str(path)}) if as_json else str(path))


@export.command("petab")
@click.argument("scenario_names", nargs=-1, required=True)
@click.option("--model", "model_name", default=None, help="Model name or file (default: the first scenario's model).")
@click.option("--out", "out_dir", default="mgsignal-petab", show_default=True, help="Folder for the problem.")
@click.option("--estimate", multiple=True, help="Parameter to mark for estimation (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def petab(scenario_names: tuple[str, ...], model_name: str | None, out_dir: str, estimate: tuple[str, ...],
          as_json: bool) -> None:
    """Write SCENARIO_NAMES (without phases) as a PEtab v1 problem; measurements are the model's
    own values (a template to replace by data). The PEtab linter must pass."""
    from ..export import lint, write_petab
    from ..scenario import load_scenario
    folder = _writable_folder(out_dir)
    model, first = _model_and_scenario(model_name, scenario_names[0])
    scenarios = [first] + [load_scenario(name) for name in scenario_names[1:]]
    yaml = write_petab(model, scenarios, Path(folder), estimate=estimate)
    clean = lint(yaml)
    click.echo(json.dumps({"problem": str(yaml), "lint_clean": clean}) if as_json else str(yaml))
    if not clean:
        click.echo("error: the PEtab linter found problems (see above)", err=True)
        raise SystemExit(1)
