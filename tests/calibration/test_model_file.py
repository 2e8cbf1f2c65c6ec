"""Calibrated values written back into the model's .ant file: value, unit and source line."""

from __future__ import annotations

import dataclasses
import re

import pytest

import mgsignal as mg
from mgsignal.build import model_file
from mgsignal.calibration import load_result, write_calibrated_values
from mgsignal.errors import InvalidInputError


def _line(text: str, pid: str) -> re.Match:
    match = re.search(rf"^  {pid} = ([-+0-9.eE]+) (\w+);  // (.*)$", text, re.M)
    assert match is not None, pid
    return match


def test_the_committed_result_written_into_a_copy_gives_the_shipped_model(tmp_path):
    """Writing the committed calibration into a copy of models/mg_transport.ant whose calibrated
    values were changed gives back the shipped file, value and source, line for line."""
    shipped = model_file("mg_transport").with_suffix(".ant").read_text(encoding="utf-8")
    result = load_result("mg_transport")
    changed = shipped
    for estimate in result.parameters:
        match = _line(changed, estimate.id)
        changed = changed[:match.start(1)] + "1.0" + changed[match.end(1):]
    copy = tmp_path / "mg_transport.ant"
    copy.write_text(changed, encoding="utf-8")
    assert write_calibrated_values(result, copy) == [p.id for p in result.parameters]
    assert copy.read_text(encoding="utf-8") == shipped


def test_values_units_and_intervals_are_written(tmp_path):
    result = load_result("mg_transport")
    copy = tmp_path / "mg_transport.ant"
    copy.write_text(model_file("mg_transport").with_suffix(".ant").read_text(encoding="utf-8"), encoding="utf-8")
    bumped = [dataclasses.replace(p, after=p.after * 1.5) for p in result.parameters]
    write_calibrated_values(dataclasses.replace(result, parameters=tuple(bumped)), copy)
    text = copy.read_text(encoding="utf-8")
    for estimate in bumped:
        value, unit, source = _line(text, estimate.id).groups()
        assert float(value) == pytest.approx(estimate.after, rel=5e-4), estimate.id
        assert source.startswith(f"Calibrated: pyPESTO multi-start (mgsignal calibrate, "
                                 f"{result.settings['n_starts']} starts seeded with {result.settings['seed']}) "
                                 f"on the {len(result.train)} training experiments"), estimate.id
        if estimate.ci_lower is not None and estimate.ci_upper is not None:
            assert f"95 % profile CI [{estimate.ci_lower:.4g}, {estimate.ci_upper:.4g}]" in source
        assert source.count("Calibrated:") == 1  # the old source text is replaced, not repeated
    model = mg.load_model(copy)  # still valid Antimony with consistent units
    values = mg.simulation.Simulator(model).initial_values([p.id for p in bumped])
    assert all(values[p.id] == pytest.approx(p.after, rel=5e-4) for p in bumped)


def test_a_missing_parameter_line_is_refused_and_nothing_is_written(tmp_path):
    result = load_result("mg_transport")
    copy = tmp_path / "other.ant"
    copy.write_text("model other\n  Vmax_SLC41A1 = 1 fmol_per_s;  // test\nend\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"other.ant: no line .* 'K_act_SLC41A1'"):
        write_calibrated_values(result, copy)
    assert "Calibrated" not in copy.read_text(encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"Antimony \(.ant\)"):
        write_calibrated_values(result, tmp_path / "model.xml")
