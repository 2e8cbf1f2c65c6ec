"""The reproductions of published models ship with the package and run from an installed wheel,
without the repository (its tests, data or models folders)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from mgsignal.references import REPRODUCTIONS, reproduce

from ..conftest import ROOT


def test_every_reproduction_meets_its_agreement():
    insulin = reproduce("BIOMD0000000137")
    assert list(insulin.index) == ["100 nM (BIOMD0000000137)", "1 nM"] and insulin.shape[1] == 21
    assert insulin.to_numpy().max() < 1e-3
    camp = reproduce("BIOMD0000000165")
    assert camp.loc["published protocol"].max() < 1e-4
    assert camp.loc["before propranolol"].max() < 1e-8  # the same equations until propranolol
    assert set(REPRODUCTIONS) == {"BIOMD0000000137", "BIOMD0000000165"}


def test_unknown_reproduction_names_near_matches():
    with pytest.raises(KeyError, match="did you mean 'BIOMD0000000137'"):
        reproduce("BIOMD000000137")


def test_a_wheel_runs_the_reproductions_without_the_repository(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "dist")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("mgsignal-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "mgsignal/references/data/BIOMD0000000137.xml" in names and "mgsignal/models/insulin.ant" in names
    script = ("import mgsignal, mgsignal.references as r; "
              "assert mgsignal.__file__.startswith(%r), mgsignal.__file__; "
              "print('RESULT', r.reproduce('BIOMD0000000137').to_numpy().max(), r.reproduce('BIOMD0000000165').to_numpy().max())"
              % str(site))
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    (line,) = [line for line in run.stdout.splitlines() if line.startswith("RESULT")]
    insulin, camp = (float(v) for v in line.split()[1:])
    assert insulin < 1e-3 and camp < 1e-4
