"""A model linearised at a steady state: elasticities and the structural matrices.

Why not libroadrunner's own MCA (libroadrunner 2.10, checked on ``mg_transport``): its matrices
(``getScaledConcentrationControlCoefficientMatrix``, ``getFullJacobian``,
``getUnscaledElasticityMatrix``, ...) raise ``std::exception`` for models whose species have
initial assignments (libroadrunner tries to set those species' initial values). So elasticities
are central differences of the rate laws at the steady state, and only the reduced
stoichiometry and link matrices, which libroadrunner computes correctly, are taken from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario
from .simulator import Simulator

#: relative step of the central differences of rate laws with respect to species amounts
ELASTICITY_STEP = 1e-6


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


def linearize(simulator: Simulator, scenario: Scenario | None, *, outputs: Sequence[str] = ()) -> Linearization:
    """Find the steady state of the scenario's final condition and linearise the model there.

    Elasticities and output gradients are central differences (relative step
    :data:`ELASTICITY_STEP`) of the rate laws and rules in the species amounts; the reduced
    stoichiometry and link matrices are libroadrunner's.
    """
    runner = simulator.steady_runner(scenario)
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
