"""The calibration figures label every axis with a quantity and its unit."""

from __future__ import annotations

import matplotlib.pyplot as plt

from mgsignal.calibration import CalibrationObjective, load_parameters, load_result
from mgsignal.calibration.figures import plot_fits, plot_parameters, plot_profiles

CATEGORICAL = ("protocol", "resting-state quantity", "estimated parameter")


def _labelled(figure):
    for axis in figure.axes:
        if not axis.get_visible():
            continue
        for label in (axis.get_xlabel(), axis.get_ylabel()):
            assert label, f"unlabelled axis in {axis.get_title()!r}"
            assert "(" in label or label.startswith(CATEGORICAL), label


def test_every_axis_says_what_it_shows_and_in_which_unit(transport, experiments):
    result = load_result()
    chosen = [experiments[i] for i in ("kolisek2012_hek", "tashiro2009_fccp", "dai1991_ctal",
                                       "romani2011_resting_state")]
    objective = CalibrationObjective(transport, chosen, load_parameters(model=transport))
    figures = [plot_fits(chosen, objective.predict(), curves=objective.curves(n_points=20)),
               plot_parameters(result, units={"K_act_SLC41A1": "mM"}), plot_profiles(result)]
    for figure in figures:
        _labelled(figure)
        plt.close(figure)
