"""The experiments, the parameter table and the committed result ship in the wheel and are read
from an installed copy without the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from ..conftest import ROOT
from .test_experiments import HELD_OUT, TRAIN

PACKAGE = ROOT / "mgsignal" / "calibration"


def test_the_wheel_carries_the_calibration_data(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "dist")], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("mgsignal-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    data = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
            and "__pycache__" not in p.parts]
    assert len(data) > 100
    missing = [str(p.relative_to(ROOT)) for p in data if str(p.relative_to(ROOT)) not in names]
    assert missing == []
    site = str(tmp_path / "site")
    script = (f"import mgsignal.calibration as c; assert c.__file__.startswith({site!r}), c.__file__; "
              "print('RESULT', len(c.load_experiments()), len(c.load_parameters()), len(c.load_result().parameters))")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False,
                         env={"PYTHONPATH": site, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    # experiments, estimated parameters, fitted values
    assert f"RESULT {len(TRAIN | HELD_OUT)} 14 14" in run.stdout
