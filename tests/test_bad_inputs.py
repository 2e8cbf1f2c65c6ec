"""Bad input as users meet it: each gets one clear error naming what and where (issue table in
the development notes); nothing runs silently wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.ensemble import Feature, run_ensemble, sample_parameters
from mgsignal.sensitivity import global_sensitivity, problem

UNITS = ("  unit substance = 1e-15 mole\n  unit extent = 1e-15 mole\n  unit volume = 1e-12 litre\n"
         "  unit time_unit = second\n  unit per_s = 1 / second\n")


def _file(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return path


@pytest.mark.parametrize(("name", "text", "message"), [
    ("empty.ant", "", "empty file: no model defined"),
    ("nothing.ant", "model nothing\nend\n", "defines nothing"),
    ("nomodel.xml", '<?xml version="1.0" encoding="UTF-8"?><sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" '
                    'level="3" version="2"></sbml>', "no <model> element"),
    ("binary.ant", b"model m\n  x = 1; // \xff\xfe\nend\n", "not a UTF-8 text file"),
    ("undefined.ant", "model m\n" + UNITS + "  compartment c = 1 volume; // t\n  k = 1 per_s; // t\n"
                      "  species S in c = 1; // t\n  J: S -> ; c * kk * S\nend\n",
     r"undefined.ant:10: error: undefined symbol 'kk' .*did you mean 'k'"),
    ("syntax.ant", "model m\n  x := 3 +\nend\n", r"syntax.ant:2: antimony error"),
])
def test_bad_model_files_are_refused_by_load_and_validate(tmp_path, name, text, message):
    path = _file(tmp_path, name, text)
    with pytest.raises(mg.ModelBuildError, match=message):
        mg.load_model(path)
    problems = mg.validate_file(path)
    assert len(problems) >= 1 and any(__import__("re").search(message, p) for p in problems)


def test_a_folder_is_not_a_model_or_a_scenario(tmp_path):
    with pytest.raises(mg.ModelBuildError, match="is a folder"):
        mg.load_model(tmp_path)
    with pytest.raises(mg.InvalidInputError, match="is a folder"):
        mg.load_scenario(tmp_path)
    with pytest.raises(mg.InvalidInputError, match="no such scenario file"):
        mg.load_scenario(tmp_path / "missing.toml")


@pytest.mark.parametrize(("text", "message"), [
    ('name = "b"\nchanges = { Mg_e = true }\n', r"b.toml: changes: 'Mg_e' must be a number, got True"),
    ('name = "t"\nchanges = { Mg_e = "high" }\n', r"t.toml: changes: 'Mg_e' must be a number, got 'high'"),
    ('name = "d"\nduration = "1 h"\n', r"'duration' must be a number, got '1 h'"),
    ('name = "p"\n[[phases]]\nstart = 10.0\nchanges = { Mg_e = 0.3 }\n[[phases]]\nstart = 10.0\nchanges = { Mg_e = 0.4 }\n',
     "two phases start at 10 s"),
    ('name = "e"\nduration = 100.0\n[[phases]]\nstart = 200.0\nchanges = { Mg_e = 0.3 }\n',
     r"a phase starts at 200 s, at or after the scenario's end \(100 s\)"),
    ('name = "x\n', "invalid TOML"),
    ('name = "k"\nchange = { Mg_e = 0.3 }\n', r"keys \['change'\] are not known"),
    ('name = "q"\n[[phases]]\nstart = "soon"\n', r"phases\[0\] needs a number 'start'"),
])
def test_bad_scenario_files_name_the_file_and_the_key(tmp_path, text, message):
    path = _file(tmp_path, f"{text.split(chr(34))[1][:1] or 'x'}.toml", text)
    with pytest.raises(mg.InvalidInputError, match=message) as info:
        mg.load_scenario(path)
    assert str(path) in str(info.value)


def test_numbers_of_every_kind_are_taken(transport):
    scenario = mg.Scenario(name="numpy", changes={"TRPM7": np.int64(0), "Mg_e": np.float32(0.5)})
    assert mg.simulate(transport, scenario, t_end=10, n_points=2, outputs=["Mg_e"])["Mg_e"].iloc[-1] == 0.5


def test_sensitivity_bounds_that_are_not_physical_or_inverted(transport):
    with pytest.raises(mg.InvalidInputError, match=r"relative range 1.5 of 'P_TRPM7' would cross zero"):
        problem(transport, ["P_TRPM7"], relative=1.5)
    with pytest.raises(mg.InvalidInputError, match=r"bounds of 'P_TRPM7' .* cross zero"):
        problem(transport, ["P_TRPM7"], bounds={"P_TRPM7": (-1e-3, 1e-3)})
    with pytest.raises(mg.InvalidInputError, match=r"bounds of 'a' must be finite with low < high"):
        global_sensitivity(lambda X: X[:, 0], {"num_vars": 1, "names": ["a"], "bounds": [[1, 0]]}, n=8, seed=1)
    with pytest.raises(mg.InvalidInputError, match="would cross zero"):
        sample_parameters(transport, n=4, seed=1, relative=1.5, ids=["P_TRPM7"])
    with pytest.raises(mg.InvalidInputError, match=r"bounds of 'P_TRPM7' must be finite with low < high"):
        sample_parameters(transport, n=4, seed=1, bounds={"P_TRPM7": (2e-3, 1e-3)})


def test_ensemble_inputs_are_checked_before_any_run(transport, tmp_path):
    options = dict(features=[Feature("Mg_c")], t_end=10, backend="serial", progress=False)
    with pytest.raises(mg.InvalidInputError, match=r"samples column 'P_TRPM7', row 1: nan"):
        run_ensemble(transport, pd.DataFrame({"P_TRPM7": [1e-3, np.nan]}), **options)
    with pytest.raises(mg.InvalidInputError, match=r"samples column 'P_TRPM7', row 0: 'x'"):
        run_ensemble(transport, pd.DataFrame({"P_TRPM7": ["x"]}), **options)
    with pytest.raises(mg.UnknownIdError, match="did you mean 'backend'"):
        run_ensemble(transport, pd.DataFrame({"P_TRPM7": [1e-3]}), features=[Feature("Mg_c")], t_end=10, backnd="serial")
    with pytest.raises(mg.InvalidInputError, match="is a file, not a folder"):
        run_ensemble(transport, pd.DataFrame({"P_TRPM7": [1e-3]}), checkpoint=str(_file(tmp_path, "ck", "x")), **options)
