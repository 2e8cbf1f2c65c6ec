"""Local sensitivities: how outputs respond to small changes of parameters, over time and at
steady state, and the control coefficients of metabolic control analysis.

Definitions (``p`` a settable id, ``y`` an output, ``v_j`` the rate of reaction ``j``):

* scaled sensitivity (response coefficient) ``d ln y / d ln p = (p / y) dy/dp``; unscaled
  ``dy/dp``. A change of ``p`` is a change of the model's own value: it is set before the
  scenario's pre-equilibration and changes, so initial assignments (bound forms, conserved
  totals) follow it, and a scenario that sets ``p`` itself overrides it.
* control coefficient ``C^y_j = d ln y / d ln lambda_j`` at steady state, where ``lambda_j``
  multiplies the rate law of reaction ``j``. For a species ``y`` it is a concentration control
  coefficient, for a reaction a flux control coefficient. Summation theorems: the
  concentration control coefficients of a species sum to 0 and the flux control coefficients
  of a reaction sum to 1 over all reactions.

Sensitivities to parameters are central differences of whole runs; control coefficients are
computed from elasticities and the stoichiometry (``C = -L (N_r E L)^-1 N_r`` scaled), which is
independent of those differences.

Why not libroadrunner's own derivatives (libroadrunner 2.10, checked on ``mg_transport``):
``getCC``/``getuCC`` perturb a parameter and re-solve from the current state, so changes of
conserved totals through initial assignments (e.g. ``L_tot_c``) are missed;
``timeSeriesSensitivities`` (CVODES forward sensitivities) fails on models with assignment-rule
parameters when asked for all parameters, labels its rows wrongly when asked for a subset,
starts from zero sensitivities (so pre-equilibration is lost), and knows nothing of boundary
species or scenario phases; its MCA matrices fail on models with initial assignments
(:mod:`mgsignal.simulation.linearize`).
"""

from __future__ import annotations

from collections.abc import Sequence

import libsbml
import numpy as np
import pandas as pd

from ..ensemble.samples import default_values
from ..errors import InvalidInputError
from ..model import Model
from ..provenance import provenance
from ..scenario import Scenario
from ..simulation import Row, Simulator, linearize
from .problem import resolve_parameters

#: a reaction rate below this fraction of the largest rate counts as zero (no flux to scale by)
ZERO_FLUX = 1e-8
#: an output of at most this magnitude counts as zero: it has no scaled sensitivity (a net flux
#: at steady state is zero up to solver noise of ~1e-12 in the model's units)
ZERO = 1e-9


def steady_state_sensitivities(model: Model, scenario: Scenario | None = None, *,
                               parameters: str | Sequence[str] = "all", outputs: Sequence[str] | None = None,
                               scaled: bool = True, step: float = 1e-4, zero: float = ZERO) -> pd.DataFrame:
    """Sensitivities of steady-state outputs to parameters.

    Args:
        model: from :func:`mgsignal.load_model`.
        scenario: its final condition sets the steady state (as in :func:`mgsignal.steady_state`).
        parameters: ``"all"`` (see :func:`mgsignal.sensitivity.model_parameters`) or settable ids (parameters,
            species such as transporter expression levels, compartments).
        outputs: output ids; default: the non-boundary species and the readouts.
        scaled: ``d ln y / d ln p`` (True) or ``dy/dp`` (False).
        step: relative step of the central differences (absolute when ``p`` is 0).
        zero: outputs of at most this magnitude count as zero (e.g. net fluxes at steady
            state): their scaled sensitivities are NaN.

    Returns:
        A DataFrame, outputs (index ``output``) x parameters (columns ``parameter``). ``.attrs`` holds provenance, the steady-state values and
        the parameter values.

    Raises:
        SteadyStateError: when a perturbed steady state is not found.
    """
    ids, outputs = resolve_parameters(model, parameters), _outputs(model, outputs)
    base, deltas, rows = _central_rows(model, ids, step)
    simulator = Simulator.of(model)
    setter = simulator.rows(ids)
    values = np.array([simulator.steady_state(scenario, outputs, row=Row(setter, row)) for row in rows])
    derivative = (values[1::2] - values[2::2]).T / (2 * deltas)  # outputs x parameters
    table = pd.DataFrame(_scale(derivative, values[0][:, None], base[None, :], scaled=scaled, zero=zero),
                         index=pd.Index(outputs, name="output"), columns=pd.Index(ids, name="parameter"))
    table.attrs.update(provenance(model, scenario, scaled=scaled, step=step,
                                  values=dict(zip(outputs, values[0].tolist())),
                                  parameter_values=dict(zip(ids, base.tolist()))))
    return table


def time_course_sensitivities(model: Model, scenario: Scenario | None = None, *,
                              parameters: str | Sequence[str] = "all", outputs: Sequence[str] | None = None,
                              t_end: float | None = None, n_points: int = 101, scaled: bool = True,
                              step: float = 1e-3, rtol: float = 1e-10, atol: float = 1e-14,
                              zero: float = ZERO) -> pd.DataFrame:
    """Sensitivities of outputs to parameters along a time course.

    Args:
        model, scenario: as for :func:`mgsignal.simulation` (pre-equilibration and phases apply).
        parameters: ``"all"`` or settable ids.
        outputs: output ids; default: the non-boundary species and the readouts.
        t_end: end time in seconds (default: the scenario's ``duration``).
        n_points: output times, evenly spaced from 0 to ``t_end``.
        scaled: ``d ln y(t) / d ln p`` (True) or ``dy(t)/dp`` (False).
        step: relative step of the central differences (absolute when ``p`` is 0).
        rtol, atol: integrator tolerances, tighter than a plain simulation's so that the
            differences are not integration noise.
        zero: outputs of at most this magnitude count as zero: no scaled sensitivity (NaN).

    Returns:
        A DataFrame with a (``output``, ``time``) MultiIndex and one column per parameter, so
        ``table.loc["Mg_c"]`` is time x parameters. ``.attrs`` holds provenance and settings.
    """
    ids, outputs = resolve_parameters(model, parameters), _outputs(model, outputs)
    t_end = t_end if t_end is not None else (scenario.duration if scenario else None)
    if t_end is None or not t_end > 0:
        raise InvalidInputError(f"t_end must be a positive number of seconds (or the scenario must set a duration), got {t_end!r}")
    if n_points < 2:
        raise InvalidInputError(f"n_points must be at least 2, got {n_points}")
    times = np.linspace(0.0, t_end, n_points)
    base, deltas, rows = _central_rows(model, ids, step)
    simulator = Simulator.of(model)
    simulator.set_tolerances(rtol=rtol, atol=atol)
    setter = simulator.rows(ids)
    values = np.array([simulator.time_course(scenario, times, outputs, row=Row(setter, row))
                       for row in rows])  # rows x times x outputs
    derivative = (values[1::2] - values[2::2]) / (2 * deltas[:, None, None])  # parameters x times x outputs
    derivative = derivative.transpose(2, 1, 0).reshape(len(outputs) * len(times), len(ids))
    reference = values[0].T.reshape(-1, 1)  # outputs x times, flattened like the rows
    index = pd.MultiIndex.from_product([outputs, times], names=["output", "time"])
    table = pd.DataFrame(_scale(derivative, reference, base[None, :], scaled=scaled, zero=zero),
                         index=index, columns=pd.Index(ids, name="parameter"))
    table.attrs.update(provenance(model, scenario, scaled=scaled, step=step, t_end=t_end,
                                  tolerances={"rtol": rtol, "atol": atol},
                                  parameter_values=dict(zip(ids, base.tolist()))))
    return table


def control_coefficients(model: Model, scenario: Scenario | None = None, *,
                         outputs: Sequence[str] | None = None) -> pd.DataFrame:
    """Scaled control coefficients at the steady state of a scenario's final condition.

    Args:
        model, scenario: as for :func:`mgsignal.steady_state`.
        outputs: floating species (concentration control coefficients), reactions (flux
            control coefficients) and rules that depend on species only (readouts such as
            ``Mg_tot_c``); default: all of these but the unnamed intermediates. Rules that read reaction rates (e.g.
            ``J_pm_net``) are not supported: their direct dependence on a rate multiplier is
            not available from the compiled model.

    Returns:
        A DataFrame, outputs (index ``output``) x reactions (columns ``reaction``):
        ``d ln y / d ln lambda_j`` with ``lambda_j`` multiplying the rate of reaction ``j``.
        Rows of outputs that are zero at steady state (reactions carrying less than
        :data:`ZERO_FLUX` of the largest rate, e.g. binding reactions at equilibrium or a
        transporter that is not expressed) are NaN; a reaction without flux has zero
        coefficients in its column. ``.attrs`` holds provenance, the steady-state values
        and the rates.

    Raises:
        SteadyStateError: when the steady state is not found.
    """
    unsupported = _rules_reading_rates(model)
    species_ids = [s for s in model.species if s not in model.boundary_species]
    rules = [r for r in model.readouts + model.intermediates if r not in unsupported]
    if outputs is None:
        outputs = species_ids + [r for r in model.readouts if r in rules] + list(model.reactions)
    outputs = list(outputs)
    for sid in outputs:
        if sid not in species_ids and sid not in rules and sid not in model.reactions:
            model.check_ids([sid])  # unknown ids get the did-you-mean error
            raise InvalidInputError(f"no control coefficients for {sid!r}: give floating species, reactions "
                                    "or rules that depend on species only")
    linear = linearize(Simulator.of(model), scenario, outputs=[o for o in outputs if o in rules])
    if not linear.reactions:
        raise InvalidInputError(f"model {model.name!r} has no reactions")
    rates, reduced, link = linear.rates, linear.reduced_stoichiometry, linear.link
    jacobian = reduced @ linear.elasticities @ link
    independent = -np.linalg.solve(jacobian, reduced * rates[None, :])  # per unit relative rate change
    amounts = link @ independent  # species x reactions
    fluxes = linear.elasticities @ amounts + np.diag(rates)
    rules_change = linear.output_gradients @ amounts
    zero_flux = ZERO_FLUX * float(np.max(np.abs(rates)))
    rows = []
    for sid in outputs:
        if sid in linear.reactions:
            k = linear.reactions.index(sid)
            rows.append(fluxes[k] / rates[k] if abs(rates[k]) > zero_flux else np.full(len(rates), np.nan))
        elif sid in linear.species:
            k = linear.species.index(sid)
            rows.append(amounts[k] / linear.amounts[k] if abs(linear.amounts[k]) > 0 else np.full(len(rates), np.nan))
        else:
            k = linear.outputs.index(sid)
            value = linear.output_values[k]
            rows.append(rules_change[k] / value if abs(value) > ZERO else np.full(len(rates), np.nan))
    table = pd.DataFrame(np.array(rows), index=pd.Index(outputs, name="output"),
                         columns=pd.Index(linear.reactions, name="reaction"))
    table.attrs.update(provenance(model, scenario, rates=dict(zip(linear.reactions, rates.tolist())),
                                  values=dict(zip(linear.outputs, linear.output_values.tolist()))))
    return table


def _central_rows(model: Model, ids: list[str], step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base values, steps, rows): rows are base, then base +- step for each id in turn. A
    parameter at 0 that cannot be negative (a pool that is absent, e.g. no creatine in a generic
    cell) gets a forward difference instead: rows at 0 and 2 step, the same formula."""
    if not 0 < step < 0.5:
        raise InvalidInputError(f"step must be a small positive fraction, got {step}")
    defaults = default_values(model, ids)
    base = np.array([defaults[sid] for sid in ids], dtype=float)
    deltas = np.where(base != 0, step * np.abs(base), step)
    rows = [base]
    for j, sid in enumerate(ids):
        forward = base[j] == 0 and sid in model.lower_bounds and model.lower_bounds[sid][0] >= 0
        for sign in (1.0, -1.0):
            row = base.copy()
            row[j] += (1.0 + sign) * deltas[j] if forward else sign * deltas[j]
            rows.append(row)
    return base, deltas, np.array(rows)


def _scale(derivative: np.ndarray, reference: np.ndarray, parameter: np.ndarray, *, scaled: bool,
           zero: float) -> np.ndarray:
    """``dy/dp``, or ``(p / y) dy/dp`` with NaN where ``|y| <= zero``."""
    if not scaled:
        return derivative
    with np.errstate(divide="ignore", invalid="ignore"):
        result = derivative * parameter / reference
    return np.where(np.abs(reference) > zero, result, np.nan)


def _outputs(model: Model, outputs: Sequence[str] | None) -> list[str]:
    if outputs is None:
        return [s for s in model.species if s not in model.boundary_species] + list(model.readouts)
    ids = list(outputs)
    if not ids:
        raise InvalidInputError("give at least one output id")
    model.check_ids(ids)
    return ids


def _rules_reading_rates(model: Model) -> set[str]:
    """Ids of assignment rules whose formula reads a reaction rate, directly or via other rules."""
    document = libsbml.readSBMLFromString(model.sbml)
    names: dict[str, set[str]] = {}
    for rule in document.getModel().getListOfRules():
        if rule.isAssignment() and rule.getMath() is not None:
            names[rule.getVariable()] = _names(rule.getMath())
    reading = set(model.reactions)
    changed = True
    while changed:
        found = {rid for rid, used in names.items() if rid not in reading and used & reading}
        reading |= found
        changed = bool(found)
    return reading - set(model.reactions)


def _names(node: libsbml.ASTNode) -> set[str]:
    found = {node.getName()} if node.isName() else set()
    for i in range(node.getNumChildren()):
        found |= _names(node.getChild(i))
    return found
