"""Every experiment, simulated at the model's values (the calibrated ones in
models/mg_transport.ant), against its published numbers: reproduced when every measurement lies
within 2 reported SDs. Training and held-out experiments are tested separately; those the model
does not reproduce are strict xfails whose reason gives the numbers (model vs data +- SD)."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from mgsignal.calibration import (
    CalibrationObjective,
    experiments_folder,
    load_parameters,
    load_result,
    read_experiment,
)
from mgsignal.calibration.report import WITHIN
from mgsignal.simulation import Simulator

from .test_experiments import HELD_OUT, TRAIN

#: experiment -> why it is not reproduced, with the numbers (observation scales as fitted)
NOT_REPRODUCED = {
    "dai1991_ctal": "16 h in 5 mM Mg2+: model 0.534 vs 0.48 +- 0.02 mM (z = +2.7), and basal 0.475 vs 0.52 +- 0.02 "
                    "(z = -2.2, dye scale as fitted): free Mg2+ creeps up by ~12 % in 5 mM medium (more influx "
                    "through TRPM7; the slow down-regulation of uptake and the set point of SLC41A1 only limit the "
                    "rise), where the cTAL cells keep it at or below basal. Steeper adaptation and stronger pore "
                    "saturation leave it outside 2 SD; integral (set-point) control of uptake, re-fitted, moves the "
                    "miss to the 16 h Mg-free point (0.243 vs 0.27 +- 0.01). Read after 30 min in a 1 mM saline "
                    "instead of in the 5 mM medium (the abstract does not give the reading medium), it is "
                    "reproduced: chi2 13.8 -> 4.1 (docs/calibration.md)",
}


@pytest.fixture(scope="module")
def predictions(transport, experiments):
    objective = CalibrationObjective(transport, list(experiments.values()), load_parameters(model=transport))
    return objective.predict()


def _cases(ids):
    return [pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=NOT_REPRODUCED[i])) if i in NOT_REPRODUCED
            else i for i in sorted(ids)]


def _assert_reproduced(predictions, experiment):
    rows = predictions[predictions["experiment"] == experiment]
    assert not rows.empty and (rows["error"] == "").all(), rows["error"].tolist()
    outside = rows[rows["residual"].abs() > WITHIN]
    assert outside.empty, "\n" + outside[["protocolId", "time", "measurement", "sd", "simulation",
                                           "residual"]].to_string()


@pytest.mark.parametrize("experiment", _cases(TRAIN))
def test_training_experiment_is_reproduced_within_2_sd(predictions, experiment):
    _assert_reproduced(predictions, experiment)


@pytest.mark.parametrize("experiment", _cases(HELD_OUT))
def test_held_out_experiment_is_predicted_within_2_sd(predictions, experiment):
    _assert_reproduced(predictions, experiment)


def test_the_model_carries_the_committed_calibration(transport, predictions):
    """models/mg_transport.ant holds the committed result's values (to the 4 digits written
    there), so the committed fit table is what the model gives."""
    result = load_result("mg_transport")
    table = load_parameters(model=transport)
    assert [p.id for p in result.parameters] == [p.id for p in table]
    model_values = Simulator(transport).initial_values([p.id for p in table])
    for estimate in result.parameters:
        assert model_values[estimate.id] == pytest.approx(estimate.after, rel=6e-4), estimate.id
        assert estimate.ci_lower is None or estimate.ci_lower < estimate.after
        assert estimate.ci_upper is None or estimate.after < estimate.ci_upper
    fit = result.fit.set_index("experiment")
    for experiment, rows in predictions.groupby("experiment"):
        chi2 = float(np.sum(rows["residual"] ** 2))
        assert chi2 == pytest.approx(fit.loc[experiment, "chi2_after"], rel=0.02, abs=0.02), experiment
    assert set(result.train) == TRAIN and set(result.held_out) == HELD_OUT
    best = min(s["fval"] for s in result.starts)
    assert sum(math.isclose(s["fval"], best, rel_tol=1e-4) for s in result.starts) >= len(result.starts) // 2


def test_dai1991_read_after_30_min_in_a_1_mM_saline_is_reproduced(transport, predictions, tmp_path):
    """Whether dai1991_ctal's 16 h point in 5 mM misses depends on the medium the cells were read in,
    which the abstract does not give (docs/calibration.md): the same experiment with that point read
    after 30 min back in 1 mM (the culture medium's Mg2+) is reproduced at the committed values,
    chi2 13.8 -> 4.1."""
    folder = tmp_path / "dai1991_ctal"
    shutil.copytree(experiments_folder() / "dai1991_ctal", folder)
    protocol = folder / "protocol.tsv"
    back_in_1_mM = "high16\t0\t0\tMg5\nhigh16\t1\t57600\tbasal\n"
    protocol.write_text(protocol.read_text().replace("high16\t0\t0\tMg5\n", back_in_1_mM))
    measurements = folder / "measurements.tsv"
    old = "mgc_dai91\tbasal\tMg5\t57600\t0.48"
    assert old in measurements.read_text()
    measurements.write_text(measurements.read_text().replace(old, "mgc_dai91\tbasal\tbasal\t59400\t0.48"))
    variant = CalibrationObjective(transport, [read_experiment(folder)], load_parameters(model=transport)).predict()
    committed = predictions[predictions["experiment"] == "dai1991_ctal"]
    assert float(np.sum(committed["residual"] ** 2)) == pytest.approx(13.8, abs=0.1)
    assert float(np.sum(variant["residual"] ** 2)) == pytest.approx(4.1, abs=0.1)
    assert (variant["residual"].abs() <= WITHIN).all()
