"""The runs behind local sensitivities: the only module of ``mgsignal.sensitivity`` that touches
libroadrunner.

Every run starts through :func:`mgsignal.simulate.start_run` (time courses) or
:func:`mgsignal.simulate.start_steady_state` (steady states): ``resetToOrigin``, then the
parameter row, then the scenario's start, so runs never leak into each other or into later
simulations. Rows of values are set by index arrays with the ensemble engine's
:class:`~mgsignal.ensemble.samples.RowSetter`, exactly as ensemble samples are.

Why not libroadrunner's own derivatives (libroadrunner 2.10, checked on ``mg_transport``):

* the MCA matrices (``getScaledConcentrationControlCoefficientMatrix``, ``getFullJacobian``,
  ``getUnscaledElasticityMatrix``, ...) raise ``std::exception`` for models whose species have
  initial assignments (libroadrunner tries to set those species' initial values);
* ``getCC``/``getuCC`` perturb a parameter and re-solve from the current state, so changes of
  conserved totals through initial assignments (e.g. ``L_tot_c``) are missed;
* ``timeSeriesSensitivities`` (CVODES forward sensitivities) fails on models with
  assignment-rule parameters when asked for all parameters, labels its rows wrongly when asked
  for a subset, starts from zero sensitivities (so pre-equilibration is lost), and knows
  nothing of boundary species or scenario phases.

So sensitivities to parameters are central differences of whole runs (each run exactly as
:func:`mgsignal.simulate` or :func:`mgsignal.steady_state` would do it), and control
coefficients come from elasticities (central differences of the rate laws at the steady state)
and the structural matrices, which libroadrunner computes correctly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..ensemble.samples import RowSetter
from ..model import Model, species_selection
from ..scenario import Scenario
from ..simulate import integrate_time_course, solve_steady_state, start_run, start_steady_state

#: relative step of the central differences of rate laws with respect to species amounts
ELASTICITY_STEP = 1e-6


def steady_state_rows(model: Model, scenario: Scenario | None, *, ids: Sequence[str],
                      rows: np.ndarray, outputs: Sequence[str]) -> np.ndarray:
    """Steady-state values of ``outputs`` (columns) for each row of values of ``ids``.

    The steady state is that of the scenario's final condition, found as
    :func:`mgsignal.steady_state` finds it; the row is set before the scenario's changes.
    """
    setter = RowSetter.for_columns(model, list(ids))
    changes = scenario.final_changes() if scenario else {}
    selections = [_selection(model, sid) for sid in outputs]
    values = np.empty((len(rows), len(outputs)))
    for k, row in enumerate(np.asarray(rows, dtype=float)):
        runner = start_steady_state(model, changes, sample=setter.bind(row))
        solve_steady_state(runner, scenario)
        values[k] = [runner[selection] for selection in selections]
    return values


def time_course_rows(model: Model, scenario: Scenario | None, *, ids: Sequence[str], rows: np.ndarray,
                     outputs: Sequence[str], times: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Time courses (rows x times x outputs) of ``outputs`` for each row of values of ``ids``.

    Each run is :func:`mgsignal.simulate`'s: the row is set first, then the scenario's
    pre-equilibration, time-0 changes and phases apply.
    """
    setter = RowSetter.for_columns(model, list(ids))
    selections = ["time"] + [_selection(model, sid) for sid in outputs]
    values = np.empty((len(rows), len(times), len(outputs)))
    for k, row in enumerate(np.asarray(rows, dtype=float)):
        runner = start_run(model, scenario, rtol=rtol, atol=atol, sample=setter.bind(row))
        runner.timeCourseSelections = selections
        values[k] = integrate_time_course(runner, model, scenario, times)[:, 1:]
    return values


@dataclass(frozen=True)
class Linearization:
    """A model linearised at a steady state, in amounts (extent units for rates).

    Attributes:
        species: ids of the floating species (state variables), in the order of the arrays.
        amounts: their amounts at the steady state.
        reactions: ids of the reactions.
        rates: reaction rates at the steady state.
        elasticities: d rate / d amount (reactions x species), with every other value fixed.
        reduced_stoichiometry: the linearly independent rows of the stoichiometry matrix
            (independent species x reactions).
        link: the link matrix (species x independent species): a change of the independent
            species moves every species by ``link @ change`` on the conservation manifold.
        outputs: ids of the other outputs linearised (readouts, intermediates).
        output_values: their values at the steady state.
        output_gradients: d output / d amount (outputs x species).
    """

    species: tuple[str, ...]
    amounts: np.ndarray
    reactions: tuple[str, ...]
    rates: np.ndarray
    elasticities: np.ndarray
    reduced_stoichiometry: np.ndarray
    link: np.ndarray
    outputs: tuple[str, ...]
    output_values: np.ndarray
    output_gradients: np.ndarray


def linearize_steady_state(model: Model, scenario: Scenario | None, *,
                           outputs: Sequence[str] = ()) -> Linearization:
    """Find the steady state of the scenario's final condition and linearise the model there.

    Elasticities and output gradients are central differences (relative step
    :data:`ELASTICITY_STEP`) of the rate laws and rules in the species amounts; the reduced
    stoichiometry and link matrices are libroadrunner's (conserved-moiety analysis is on for
    every compiled model).
    """
    runner = start_steady_state(model, scenario.final_changes() if scenario else {})
    solve_steady_state(runner, scenario)
    executable = runner.model
    species = tuple(executable.getFloatingSpeciesIds())
    reactions = tuple(executable.getReactionIds())
    amounts = np.array(executable.getFloatingSpeciesAmounts(), dtype=float)
    rates = np.array(executable.getReactionRates(), dtype=float)
    outputs = tuple(outputs)
    output_values = np.array([runner[sid] for sid in outputs], dtype=float)

    nr = runner.getNrMatrix()
    independent = list(nr.rownames)
    columns = [list(nr.colnames).index(rid) for rid in reactions]
    reduced = np.asarray(nr, dtype=float)[:, columns] if independent else np.zeros((0, len(reactions)))
    link_named = runner.getLinkMatrix()
    link_rows = [list(link_named.rownames).index(sid) for sid in species]
    link_columns = [list(link_named.colnames).index(sid) for sid in independent]
    link = np.asarray(link_named, dtype=float)[np.ix_(link_rows, link_columns)]

    elasticities = np.empty((len(reactions), len(species)))
    gradients = np.empty((len(outputs), len(species)))
    everything = np.arange(len(species), dtype=np.int32)
    scale = max(float(np.max(np.abs(amounts), initial=0.0)), 1e-300)
    try:
        for k in range(len(species)):
            step = ELASTICITY_STEP * max(abs(amounts[k]), 1e-6 * scale)
            sampled = []
            for sign in (1.0, -1.0):
                moved = amounts.copy()
                moved[k] += sign * step
                executable.setFloatingSpeciesAmounts(everything, moved)
                sampled.append((np.array(executable.getReactionRates(), dtype=float),
                                np.array([runner[sid] for sid in outputs], dtype=float)))
            elasticities[:, k] = (sampled[0][0] - sampled[1][0]) / (2 * step)
            gradients[:, k] = (sampled[0][1] - sampled[1][1]) / (2 * step)
    finally:
        executable.setFloatingSpeciesAmounts(everything, amounts)
    return Linearization(species=species, amounts=amounts, reactions=reactions, rates=rates,
                         elasticities=elasticities, reduced_stoichiometry=reduced, link=link,
                         outputs=outputs, output_values=output_values, output_gradients=gradients)


def _selection(model: Model, sid: str) -> str:
    return species_selection(sid, model.amount_species) if sid in model.species else sid
