"""Experiments as data: every shipped folder reads, says where its numbers come from, and a
malformed folder is refused with a message naming the file and the column."""

from __future__ import annotations

import re
import shutil

import pytest

from mgsignal.calibration import (
    ExperimentFormatError,
    available_experiments,
    experiments_folder,
    load_experiments,
    read_experiment,
)
from mgsignal.errors import UnknownIdError

from ..conftest import ROOT

#: the experiments the package ships, and which are held out of the fit
HELD_OUT = {"almulla2006_depolarisation", "gasser2005_papillary", "okazaki1987_hl60", "tashiro2020_h9c2"}
TRAIN = {"almulla2006_recovery", "bashir2014_heart_pcr_atp", "dai1991_ctal", "gunther_rbc_setpoint", "kolisek2012_hek",
         "masuda2003_pi", "murphy1989_ischemia", "romani2011_resting_state", "tashiro1997_na_dependence",
         "tashiro2005_nai_inhibition", "tashiro2009_fccp", "tashiro2018_ns8593"}


def test_the_shipped_experiments_and_their_split(experiments):
    assert set(experiments) == TRAIN | HELD_OUT
    assert {e.id for e in load_experiments("train")} == TRAIN
    assert {e.id for e in load_experiments("held-out")} == HELD_OUT
    assert sum(len(e.measurements) for e in experiments.values()) == 62


def test_every_source_names_authors_year_journal_and_an_identifier_or_says_none_was_found(experiments):
    for experiment in experiments.values():
        source = experiment.source
        assert source.startswith(f"# {experiment.id} ({experiment.split})"), experiment.id
        assert re.search(r"\b(19|20)\d\d\b", source), experiment.id
        assert re.search(r"doi:10\.|PMID \d+|DOI/PMID not (found|read)", source), experiment.id
        assert "Encoding" in source, experiment.id  # how the numbers were turned into data
        assert "/work/" not in source and "scratch" not in source.lower(), experiment.id


def test_runs_follow_the_protocol_table(experiments):
    recovery = experiments["almulla2006_recovery"]
    runs = {run.protocol: run for run in recovery.runs(preequilibration_time=1e7)}
    assert set(runs) == {"rec140", "rec70", "recimi"}
    scenario = runs["rec70"].scenario
    assert scenario.preequilibration == {"Cr_tot_c": 25.0, "Mg_e": 1.0, "Na_c": 10.0, "Na_e": 140.0, "SLC41A1": 1.0}
    assert [p.start for p in scenario.phases] == [60.0, 960.0]
    assert scenario.phases[0].changes["Mg_e"] == 30.0 and scenario.phases[0].changes["Na_e"] == 0.0
    assert scenario.phases[1].changes["Na_e"] == 70.0 and scenario.preequilibration_time == 1e7
    assert runs["rec70"].rows == (7, 8, 9)


def test_unknown_experiment_names_near_matches():
    with pytest.raises(UnknownIdError, match="did you mean 'dai1991_ctal'"):
        load_experiments(["dai1991_ctl"])


def _copy(tmp_path, name="tashiro2009_fccp"):
    target = tmp_path / name
    shutil.copytree(experiments_folder() / name, target)
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "column", "message"), [
    ("measurements.tsv", "\ttime\t", "\ttimes\t", "time", "missing column"),
    ("measurements.tsv", "\t480\t", "\tlate\t", "time", "'late' is not a number"),
    ("measurements.tsv", "\t0.3\t", "\t-0.3\t", "noiseParameters", "positive"),
    ("measurements.tsv", "mgc_tashiro09\tbasal\tfccp_NaFree\t480", "mgc_tashiro9\tbasal\tfccp_NaFree\t480",
     "observableId", "not in observables.tsv"),
    ("measurements.tsv", "basal\tfccp_NaFree\t480", "basal\tbasal\t480", "simulationConditionId", "is in condition"),
    ("conditions.tsv", "\t298.15\t0.5", "\twarm\t0.5", "temperature", "not a number"),
    ("observables.tsv", "\tmag-fura-2\t", "\tfura-2\t", "assay", "unknown assay"),
    ("observables.tsv", "noiseParameter1_mgc_tashiro09\tnormal", "0.1\tnormal", "noiseFormula", "per measurement"),
    ("parameters.tsv", "\t0.5\t2.0\t1.0\t", "\t0.5\t2.0\t3.0\t", "nominalValue", "outside"),
    ("protocol.tsv", "fccp\t0\t0\tfccp_NaFree", "fccp\t0\t0\tfccp", "conditionId", "not in conditions.tsv"),
])
def test_a_malformed_table_is_refused_naming_file_and_column(tmp_path, file, old, new, column, message):
    folder = _copy(tmp_path)
    _edit(folder / file, old, new)
    with pytest.raises(ExperimentFormatError, match=message) as caught:
        read_experiment(folder)
    assert caught.value.path.name == file and caught.value.column == column
    assert file in str(caught.value) and repr(column) in str(caught.value)


def test_missing_files_and_a_bad_split_are_named(tmp_path):
    folder = _copy(tmp_path)
    (folder / "SPLIT").write_text("maybe\n")
    with pytest.raises(ExperimentFormatError, match=r"SPLIT: must hold one of \('train', 'held-out'\)"):
        read_experiment(folder)
    (folder / "SPLIT").write_text("train\n")
    (folder / "protocol.tsv").unlink()
    with pytest.raises(ExperimentFormatError, match="protocol.tsv: missing"):
        read_experiment(folder)
    assert available_experiments(folder=tmp_path) == ["tashiro2009_fccp"]


def test_the_calibration_page_lists_every_experiment_with_its_split(experiments):
    """docs/calibration.md's table of experiments is what a reader sees first: one row per shipped
    experiment, with the split the package uses."""
    page = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (train|held-out) \|", page, re.MULTILINE))
    assert rows == {e.id: e.split for e in experiments.values()}
