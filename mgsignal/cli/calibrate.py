"""The ``mgsignal calibrate`` command. pyPESTO is imported when the command runs, never by
``mgsignal --help``."""

from __future__ import annotations

import json

import click

from ..errors import InvalidInputError
from .commands import _writable_folder


def _ids(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def _selection(text: str) -> str | list[str] | None:
    """A split name, ``none``, or comma-separated experiment ids."""
    if text in ("train", "held-out", "all"):
        return text
    if text == "none":
        return None
    return _ids(text)


@click.command("calibrate", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", "model_name", default="mg_transport", show_default=True, help="Model name or .ant/.xml file.")
@click.option("--experiments", default="train", show_default=True,
              help="Experiments to fit: 'train', 'all', or comma-separated ids.")
@click.option("--held-out", default="held-out", show_default=True,
              help="Experiments predicted but never fitted: 'held-out', 'none', or comma-separated ids.")
@click.option("--experiments-folder", type=click.Path(file_okay=False, exists=True), default=None,
              help="A folder of experiment folders (default: the ones that ship with mgsignal).")
@click.option("--parameters", default=None,
              help="Comma-separated ids of the parameters to estimate (default: every one in the parameter table).")
@click.option("--parameter-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Table of estimated parameters: bounds, scales, priors (default: the model's shipped one).")
@click.option("--starts", type=click.IntRange(min=1), default=10, show_default=True,
              help="Optimiser starts: the model's values, then a seeded Latin hypercube.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the starts (same seed, same result).")
@click.option("--max-iterations", type=click.IntRange(min=1), default=200, show_default=True,
              help="Residual evaluations per start and per profile step.")
@click.option("--profile/--no-profile", default=True, show_default=True,
              help="Profile likelihoods: 95 % intervals and which parameters the data fix.")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for starts and profiles.")
@click.option("--output", "output_dir", default="mgsignal-output/calibration", show_default=True,
              help="Folder for calibration.json, parameters.tsv and fit.tsv.")
@click.option("--write-model", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Also write the calibrated values, with the calibration as their source, into this Antimony "
                   "file (e.g. models/mg_transport.ant).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def calibrate(model_name: str, experiments: str, held_out: str, experiments_folder: str | None,
              parameters: str | None, parameter_file: str | None, starts: int, seed: int, max_iterations: int,
              profile: bool, processes: int, output_dir: str, write_model: str | None, quiet: bool,
              as_json: bool) -> None:
    """Fit a model's assumed parameters to published experiments (pyPESTO multi-start least
    squares) and report values, 95 % profile intervals, and the fit of every experiment,
    train and held-out, before and after. Needs pyPESTO: pip install 'mgsignal[calibration]'.

    \b
    Examples:
      mgsignal calibrate --starts 20 --seed 1 --processes 2
      mgsignal calibrate --parameters K_act_SLC41A1,Vmax_SLC41A1 --starts 4 --no-profile
      mgsignal calibrate --experiments all --held-out none --json
      mgsignal calibrate --starts 16 --seed 1 --max-iterations 100 --processes 2 --write-model models/mg_transport.ant
    """
    folder = _writable_folder(output_dir)
    if write_model is not None:  # checked before the calibration runs, not after
        from ..calibration.model_file import antimony_file
        antimony_file(write_model)
    train = _selection(experiments)
    if train is None:
        raise InvalidInputError("--experiments cannot be 'none': give a split or experiment ids")
    try:
        import pypesto  # noqa: F401 - only to say what is missing before any work
    except ImportError:
        raise InvalidInputError("mgsignal calibrate needs pyPESTO: pip install 'mgsignal[calibration]'") from None
    from ..calibration import calibrate as run
    result = run(model=model_name, experiments=train, held_out=_selection(held_out), parameters=_ids(parameters),
                 parameter_file=parameter_file, experiments_folder=experiments_folder, n_starts=starts, seed=seed,
                 max_iterations=max_iterations, profile=profile, n_processes=processes, progress=not quiet)
    written = [result.write(folder / "calibration.json")]
    parameters_table, fit = result.parameter_table(), result.fit
    parameters_table.to_csv(folder / "parameters.tsv", sep="\t")
    fit.to_csv(folder / "fit.tsv", sep="\t", index=False)
    written += [folder / "parameters.tsv", folder / "fit.tsv"]
    if write_model is not None:
        from ..calibration.model_file import write_calibrated_values
        write_calibrated_values(result, write_model)
        written.append(write_model)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=1))
    else:
        columns = ["experiment", "split", "n_after", "chi2_before", "chi2_after", "within_2sd_after", "reproduced_after"]
        click.echo(f"parameters ({result.model}; {len(result.train)} train, {len(result.held_out)} held-out experiments)\n"
                   f"{parameters_table.drop(columns=['lower_bound', 'upper_bound']).to_string(float_format=_format)}\n")
        click.echo(f"fit per experiment\n{fit[columns].to_string(index=False, float_format=_format)}\n")
        click.echo(f"totals\n{result.summary().to_string(float_format=_format)}")
    click.echo(f"calibration took {result.wall_time:.0f} s ({starts} starts, seed {seed})", err=True)
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _format(value: float) -> str:
    return f"{value:.4g}"
