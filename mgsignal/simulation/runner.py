"""Compiling models for libroadrunner, saving and loading compiled code, tolerances.

With :mod:`mgsignal.simulation.simulator` and :mod:`mgsignal.simulation.rows`, the only code in the
package that touches libroadrunner.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import libsbml
import numpy as np
import roadrunner

from ..build.unify import NAMESPACE, species_scales

#: the kinds of compiled runner a model gets (see :func:`compile_runner`)
KINDS = ("time_course", "reduced", "steady")


def quiet_logging() -> None:
    """libroadrunner prints its warnings and errors to stdout, between a program's results; every
    failure also raises, with its message, so its console log is switched off. SUNDIALS (CVODE)
    logs on its own, warnings to stdout: they go to stderr, read from the environment when an
    integrator is created, unless ``SUNLOGGER_WARNING_FILENAME`` already names a destination."""
    os.environ.setdefault("SUNLOGGER_WARNING_FILENAME", "stderr")
    roadrunner.Logger.disableConsoleLogging()


def compile_runner(sbml: str, kind: str) -> Any:
    """Compile SBML text into a libroadrunner instance of ``kind``.

    ``"time_course"`` integrates every species (what any run can use); ``"reduced"`` integrates
    only the independent species of a model with conserved pools (conserved-moiety analysis, see
    :func:`use_moiety_analysis`): CVODE's dense linear algebra shrinks with the state, so a run of
    the composite model takes ~30 % less time, but values set during a run on a dependent species
    would not change its pool, so the simulator uses it only for runs that set no species after
    the start (:meth:`~mgsignal.simulation.Simulator.course_kind`); ``"steady"`` uses the analysis
    too, since the Newton solver needs it where the model has conserved pools.
    """
    quiet_logging()
    runner = roadrunner.RoadRunner(sbml)
    if kind in ("reduced", "steady"):
        use_moiety_analysis(runner)
        # the solver would redo its own moiety analysis at every solve (models with rate rules):
        # off, steady states take half the time and are identical (checked on every shipped model)
        runner.getSteadyStateSolver().setValue("auto_moiety_analysis", False)
    return runner


def use_moiety_analysis(runner: Any) -> bool:
    """Turn on conserved-moiety analysis where it is safe, and say whether it is on.

    Newton's Jacobian is singular without it when the model has conserved pools (binding sites,
    the adenine nucleotide pool); a model without them (full-rank stoichiometry) runs without it. libroadrunner's analysis corrupts the rate-rule variables of
    some models (the neuron's gating states read ~1e-311 instead of 0, its membrane potential
    once ~1e250), so on a model with rate rules it stays on only if every rate-rule derivative
    at the initial state comes out bit-identical with and without it.
    """
    if not has_conserved_pools(runner):
        return False  # Newton does not need the analysis (and is spared its defects)
    rate_rules = list(runner.getRateRuleIds())
    before = _rate_rule_rates(runner, rate_rules)
    runner.conservedMoietyAnalysis = True
    if rate_rules and not np.array_equal(before, _rate_rule_rates(runner, rate_rules)):
        runner.conservedMoietyAnalysis = False
    return bool(runner.conservedMoietyAnalysis)


def has_conserved_pools(runner: Any) -> bool:
    """True when the stoichiometry has fewer independent rows than species (conserved pools)."""
    stoichiometry = np.asarray(runner.getFullStoichiometryMatrix(), dtype=float)
    return bool(stoichiometry.size and np.linalg.matrix_rank(stoichiometry) < stoichiometry.shape[0])


def _rate_rule_rates(runner: Any, ids: list[str]) -> np.ndarray:
    named = runner.getRatesOfChangeNamedArray()
    columns = list(named.colnames)
    return np.array([named[0][columns.index(f"{sid}'")] for sid in ids], dtype=float)


def event_targets(sbml: str) -> frozenset[str]:
    """Ids that the model's events assign."""
    model = libsbml.readSBMLFromString(sbml).getModel()
    return frozenset(a.getVariable() for e in model.getListOfEvents() for a in e.getListOfEventAssignments())


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
    """Set CVODE's tolerances. Every state gets its absolute tolerance as a vector: a scalar
    is rescaled by libroadrunner by each state's current value at every ``simulate`` call
    (libroadrunner issue 1349), so states near zero got tolerances near 1e-47 and CVODE failed
    after abrupt changes (insulin steps).

    ``atol`` is in the unit of each state's module: a species a composite converted from its
    module's unit (:func:`mgsignal.build.unify.species_scales`: insulin's ymol counted as 1e-9
    fmol) gets ``atol`` times that scale, so the composite is integrated as accurately as its
    modules (1e-12 fmol would be 1000 ymol, more than the insulin receptor's whole amount)."""
    runner.integrator.relative_tolerance = rtol
    ids = (runner.getIndependentFloatingSpeciesIds() if runner.conservedMoietyAnalysis
           else runner.model.getFloatingSpeciesIds())
    scales = state_scales(runner)
    tolerances = [float(atol) * scales.get(sid, 1.0) for sid in ids] + [float(atol)] * runner.model.getNumRateRules()
    runner.integrator.setValue("absolute_tolerance", tolerances)


def state_scales(runner: Any) -> dict[str, float]:
    """Species id -> amount of its module's unit in the model's, for species a composite build
    converted (empty for every other model)."""
    sbml = runner.getSBML()
    if NAMESPACE not in sbml:
        return {}
    return species_scales(libsbml.readSBMLFromString(sbml).getModel())
