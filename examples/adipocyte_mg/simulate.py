"""Insulin (10 nM) on the coupled adipocyte model at the default and at a low extracellular Mg2+.

Run from the repository root: ``python examples/adipocyte_mg/simulate.py``. Time is in seconds
(the composite's unit; the published model's minutes are converted by the build).
"""

from pathlib import Path

import pandas as pd

import mgsignal as mg

HERE = Path(__file__).resolve().parent


def run(mg_e: float | None = None, *, minutes: float = 30.0) -> pd.DataFrame:
    """Basal steady state (insulin 0, optionally another Mg_e), then 10 nM insulin at t = 0."""
    model = mg.load_model(HERE / "adipocyte_mg.toml")
    basal = {"insulin": 0.0} | ({"Mg_e": mg_e} if mg_e is not None else {})
    scenario = mg.Scenario(name="insulin_10nM", preequilibration=basal, changes={"insulin": 10.0})
    return mg.simulate(model, scenario, t_end=60.0 * minutes, n_points=31)


if __name__ == "__main__":
    columns = ["Mg_c", "measuredIRp", "GLUT4m", "glucoseuptake"]
    for label, mg_e in (("default Mg_e", None), ("Mg_e 0.1 mM", 0.1)):
        print(label)
        print(run(mg_e)[columns].iloc[::5].to_string(float_format="%.4g"))
