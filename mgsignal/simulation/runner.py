"""Compiling models for libroadrunner, saving and loading compiled code, tolerances.

With :mod:`mgsignal.simulation.simulator` and :mod:`mgsignal.simulation.rows`, the only code in the
package that touches libroadrunner.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

import roadrunner

#: the two kinds of compiled runner a model gets (see :func:`compile_runner`)
KINDS = ("time_course", "steady")


def quiet_logging() -> None:
    """libroadrunner prints its (and CVODE's) warnings and errors to stdout, between a program's
    results; every failure also raises, with its message, so its console log is switched off."""
    roadrunner.Logger.disableConsoleLogging()


def compile_runner(sbml: str, kind: str) -> Any:
    """Compile SBML text into a libroadrunner instance of ``kind``.

    ``"time_course"`` runs without conserved-moiety analysis (CVODE can fail with it on models
    whose events or phases re-add a species); ``"steady"`` uses it, since the Newton solver needs
    it, except for models with rate rules, where libroadrunner's moiety analysis returns
    nonsense rates (~1e250) for the rate-rule variables (the neuron's membrane potential).
    """
    quiet_logging()
    runner = roadrunner.RoadRunner(sbml)
    if kind == "steady":
        runner.conservedMoietyAnalysis = runner.model.getNumRateRules() == 0
        # the solver would redo its own moiety analysis at every solve (models with rate rules):
        # off, steady states take half the time and are identical (checked on every shipped model)
        runner.getSteadyStateSolver().setValue("auto_moiety_analysis", False)
    return runner


def load_runner(state: bytes) -> Any:
    """A runner from libroadrunner saved-state bytes (:meth:`Simulator.saved_state`)."""
    quiet_logging()
    runner = roadrunner.RoadRunner()
    runner.loadStateS(state)
    return runner


def host_fingerprint() -> str:
    """What compiled code depends on: machine, Python and libroadrunner build."""
    return f"{platform.node()}|{platform.machine()}|{sys.version}|{roadrunner.__version__}"


def set_tolerances(runner: Any, *, rtol: float, atol: float) -> None:
    """Set CVODE's tolerances. Every state gets the same absolute tolerance as a vector: a scalar
    is rescaled by libroadrunner by each state's current value at every ``simulate`` call
    (libroadrunner issue 1349), so states near zero got tolerances near 1e-47 and CVODE failed
    after abrupt changes (insulin steps)."""
    runner.integrator.relative_tolerance = rtol
    species = (len(runner.getIndependentFloatingSpeciesIds()) if runner.conservedMoietyAnalysis
               else runner.model.getNumFloatingSpecies())
    size = species + runner.model.getNumRateRules()
    runner.integrator.setValue("absolute_tolerance", [float(atol)] * size)
