"""The ``mgsignal`` command line: the only code that prints.

Results go to stdout (tables, or JSON with ``--json``); progress, notes and errors go to stderr.
Exit codes: 0 ok, 1 problems found (``validate``, ``build --check``), 2 usage or input error,
3 a run failed. No Python traceback reaches a user without ``--debug``. Commands are imported
when used, so ``mgsignal --help`` loads neither the simulator nor the sensitivity stack.
"""

from __future__ import annotations

import importlib
import sys

import click

#: exit codes
OK, PROBLEMS, INPUT_ERROR, RUN_FAILURE = 0, 1, 2, 3
#: command name -> (module, attribute, one-line help); modules are imported on first use
COMMANDS = {
    "run": ("mgsignal.cli.commands", "run", "Main job: normal, Mg deficiency, supplementation, loop diuretic, body to cells."),
    "simulate": ("mgsignal.cli.commands", "simulate_command", "Simulate a model and print the time course."),
    "steady-state": ("mgsignal.cli.commands", "steady_state_command", "Print the steady state of a model."),
    "scenarios": ("mgsignal.cli.commands", "scenarios", "List the built-in scenarios."),
    "scenario": ("mgsignal.cli.scenario", "scenario", "Browse, run and compare the scenario library."),
    "parameters": ("mgsignal.cli.commands", "parameters", "Value, unit and source of every parameter."),
    "validate": ("mgsignal.cli.commands", "validate", "Validate Antimony, composite or SBML files."),
    "build": ("mgsignal.cli.commands", "build", "Regenerate (or check) the SBML of the shipped models."),
    "sensitivity": ("mgsignal.cli.sensitivity", "sensitivity", "Global or local sensitivity analysis."),
    "export": ("mgsignal.cli.export", "export", "Write scenarios for other tools (COMBINE/OMEX, PEtab)."),
    "calibrate": ("mgsignal.cli.calibrate", "calibrate", "Fit parameters to published experiments (pyPESTO)."),
}


class _Group(click.Group):
    """Lazy commands; package errors become one line on stderr and an exit code, not a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in COMMANDS.items()])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the one place that turns errors into exit codes
            if ctx.obj and ctx.obj.get("debug"):
                raise
            sys.exit(report(error))


def report(error: BaseException) -> int:
    """Print one line about ``error`` on stderr; return the exit code it deserves."""
    from ..errors import MgSignalError, SimulationError
    if isinstance(error, SimulationError):
        click.echo(f"error: {error}", err=True)
        return RUN_FAILURE
    if isinstance(error, MgSignalError):
        click.echo(f"error: {error}", err=True)
        return INPUT_ERROR
    if isinstance(error, OSError):
        click.echo(f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), err=True)
        return INPUT_ERROR
    click.echo(f"error: {type(error).__name__}: {error} (run with --debug for the traceback)", err=True)
    return RUN_FAILURE


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mgsignal")
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of one-line errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Quantitative models of cellular magnesium: simulate, find steady states, analyse, validate.

    \b
    Exit codes: 0 ok, 1 problems found (validate, build --check), 2 usage or input error,
    3 a run failed. Results go to stdout, everything else to stderr.
    """
    ctx.obj = {"debug": debug}


def entry_point() -> None:
    """The ``mgsignal`` program. Compiled libraries (libroadrunner's CVODE) print warnings with C
    ``printf`` straight to file descriptor 1, where they would mix with results (and break
    ``--json``): descriptor 1 is pointed at stderr, and Python's stdout at a copy of the real one."""
    import io
    import os
    try:
        results = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = io.TextIOWrapper(os.fdopen(results, "wb", buffering=0), encoding=sys.stdout.encoding or "utf-8",
                                      write_through=True)
    except OSError:  # no usable descriptors (embedded use): run as it is
        pass
    main()
