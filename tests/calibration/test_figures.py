"""The calibration figures label every axis with a quantity and its unit."""

from __future__ import annotations

import matplotlib.pyplot as plt

from mgsignal.calibration import CalibrationObjective, load_parameters, load_result
from mgsignal.calibration.figures import plot_fits, plot_parameters, plot_profiles

CATEGORICAL = ("protocol", "resting-state quantity", "estimated parameter")


def _labelled(figure) -> int:
    """Check every visible axis's x and y labels; return how many axes were checked."""
    visible = [axis for axis in figure.axes if axis.get_visible()]
    for axis in visible:
        for label in (axis.get_xlabel(), axis.get_ylabel()):
            assert label, f"unlabelled axis in {axis.get_title()!r}"
            assert "(" in label or label.startswith(CATEGORICAL), label
    return len(visible)


def test_every_axis_says_what_it_shows_and_in_which_unit(transport, experiments):
    result = load_result()
    chosen = [experiments[i] for i in ("kolisek2012_hek", "tashiro2009_fccp", "dai1991_ctal",
                                       "romani2011_resting_state")]
    objective = CalibrationObjective(transport, chosen, load_parameters(model=transport))
    figures = [plot_fits(chosen, objective.predict(), curves=objective.curves(n_points=20)),
               plot_parameters(result, units={"K_act_SLC41A1": "mM"}), plot_profiles(result)]
    for figure in figures:
        assert _labelled(figure) > 0  # a figure with no visible axis would pass the label check vacuously
        plt.close(figure)
