"""measure(): what each method reads from a simulation result, and what it cannot see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mgsignal.errors import InvalidInputError, UnknownIdError
from mgsignal.assays import measure


@pytest.fixture
def result() -> pd.DataFrame:
    """Three time points: free Mg rises at 10 s with total fixed; total rises at 20 s."""
    df = pd.DataFrame(
        {"Mg_c": [0.5, 1.0, 1.0], "Mg_tot_c": [18.0, 18.0, 20.0],
         "ATP_c": [0.5, 0.4, 0.4], "MgATP_c": [4.5, 4.6, 4.6]},
        index=pd.Index([0.0, 10.0, 20.0], name="time"))
    df.attrs["scenario"] = "hand-made"
    return df


def test_magfura2_follows_free_mg_only(result):
    out = measure(result, method="mag-fura-2")
    assert list(out.columns) == ["ratio_340_380", "Mg_free_inferred"]
    assert out.index.equals(result.index) and out.index.name == "time"
    np.testing.assert_allclose(out["Mg_free_inferred"], result["Mg_c"], rtol=1e-9)
    assert out["ratio_340_380"].iloc[1] > out["ratio_340_380"].iloc[0]  # free Mg rose
    assert out["ratio_340_380"].iloc[2] == out["ratio_340_380"].iloc[1]  # only total rose
    assert "Mg_total_inferred" not in out.columns
    assert "cannot_see" in out.attrs["measurement"] and out.attrs["scenario"] == "hand-made"


def test_aas_tracks_total_not_free(result):
    out = measure(result, method="aas")
    np.testing.assert_allclose(out["Mg_total_inferred"], result["Mg_tot_c"], rtol=1e-9)
    assert out["Mg_total_inferred"].iloc[1] == pytest.approx(out["Mg_total_inferred"].iloc[0])
    assert out["Mg_total_inferred"].iloc[2] > out["Mg_total_inferred"].iloc[1]
    np.testing.assert_allclose(out["Mg_total_fmol_per_cell"], result["Mg_tot_c"] * 2.0)  # 2 pL
    assert "Mg_free_inferred" not in out.columns
    assert out.attrs["measurement"]["units"]["Mg_total_fmol_per_cell"] == "fmol/cell"


def test_aas_noise_is_seeded_and_reported(result):
    a = measure(result, method="aas", noise_sd=0.003, seed=5)
    b = measure(result, method="aas", noise_sd=0.003, seed=5)
    pd.testing.assert_frame_equal(a, b)
    err = (a["Mg_total_inferred"] - result["Mg_tot_c"]).abs()
    assert (err > 0).all() and (err < 4 * a["Mg_total_inferred_se"]).all()


@pytest.mark.parametrize("form", ["gupta", "iotti"])
def test_nmr_infers_kd_times_mgatp_over_atp(result, form):
    out = measure(result, method="31p-nmr", form=form, kd_mgatp=0.084)
    shift = "delta_alpha_beta_ppm" if form == "gupta" else "delta_beta_ppm"
    assert list(out.columns) == [shift, "Mg_free_inferred"]
    np.testing.assert_allclose(out["Mg_free_inferred"],
                               0.084 * result["MgATP_c"] / result["ATP_c"], rtol=1e-9)


def test_nmr_with_model_kd_recovers_free_mg():
    # a state in binding equilibrium with Kd 0.1 mM: MgATP/ATP = Mg/Kd
    mg = np.array([0.2, 0.5, 1.0])
    atp = np.array([1.0, 0.5, 0.25])
    df = pd.DataFrame({"ATP_c": atp, "MgATP_c": atp * mg / 0.1}, index=["low", "mid", "high"])
    for form in ("gupta", "iotti"):
        out = measure(df, method="31p-nmr", form=form, kd_mgatp=0.1)
        assert list(out.index) == ["low", "mid", "high"]
        np.testing.assert_allclose(out["Mg_free_inferred"], mg, rtol=1e-9)


def test_missing_column_names_column_and_method(result):
    with pytest.raises(InvalidInputError, match="method 'aas' needs column 'Mg_tot_c'"):
        measure(result.drop(columns="Mg_tot_c"), method="aas")
    with pytest.raises(InvalidInputError, match="method '31p-nmr' needs column 'MgATP_c'"):
        measure(result.drop(columns="MgATP_c"), method="31p-nmr")
    # a method reads only its own columns
    assert len(measure(result[["Mg_c"]], method="mag-fura-2")) == 3


def test_bad_method_options_and_values(result):
    with pytest.raises(UnknownIdError, match="did you mean 'mag-fura-2'"):
        measure(result, method="magfura2")
    with pytest.raises(InvalidInputError, match="has no option\\(s\\) celcount"):
        measure(result, method="aas", celcount=1e6)
    with pytest.raises(InvalidInputError, match="form must be 'gupta' or 'iotti'"):
        measure(result, method="31p-nmr", form="other")
    neg = result.assign(Mg_c=[0.5, -0.2, 1.0])
    with pytest.raises(InvalidInputError, match="'Mg_c' has negative concentrations"):
        measure(neg, method="mag-fura-2")
    with pytest.raises(InvalidInputError, match="'ATP_c' has non-finite values"):
        measure(result.assign(ATP_c=[0.5, np.nan, 0.4]), method="31p-nmr")
    with pytest.raises(InvalidInputError, match="must be a pandas DataFrame"):
        measure(result.to_dict(), method="aas")
    with pytest.raises(InvalidInputError, match="free ATP is zero"):
        measure(result.assign(ATP_c=[0.5, 0.0, 0.4]), method="31p-nmr")
    with pytest.raises(InvalidInputError, match="method 'mag-fura-2': .*outside the calibrated"):
        measure(result, method="mag-fura-2", noise_sd=5.0, seed=1)


def test_integrator_round_off_reads_as_zero(result):
    out = measure(result.assign(Mg_c=[-1e-12, 0.5, 1.0]), method="mag-fura-2")
    assert 0.0 <= out["Mg_free_inferred"].iloc[0] < 1e-12


def test_calcium_interference_visible(result):
    plain = measure(result, method="mag-fura-2")
    with_ca = measure(result, method="mag-fura-2", ca=0.001)
    corrected = measure(result, method="mag-fura-2", ca=0.001, correct_ca=True)
    assert (with_ca["Mg_free_inferred"] > plain["Mg_free_inferred"]).all()
    np.testing.assert_allclose(corrected["Mg_free_inferred"], result["Mg_c"], rtol=1e-9)


SECOND_MODEL = """model buffer_cell
  unit substance = 1e-15 mole
  unit extent = 1e-15 mole
  unit volume = 1e-12 litre
  unit time_unit = second
  unit mM = 1e-3 mole / litre
  unit per_mM_per_s = 1e3 litre / (mole * second)
  compartment cell = 2 volume;  // test model
  species Mg_free in cell, ATP_free in cell, MgATP in cell
  Mg_free = 0.7;  // test model: free Mg2+ (mM) before binding
  ATP_free = 5;  // test model: ATP (mM) before binding
  MgATP = 0;  // test model
  Kd = 0.084 mM;  // the assays' Kd(MgATP), so the 31P NMR inference is exact at equilibrium
  kon = 1e3 per_mM_per_s;  // test model: fast binding
  bind: Mg_free + ATP_free -> MgATP; cell * kon * (Mg_free * ATP_free - Kd * MgATP)
  Mg_all := Mg_free + MgATP
  Mg_all has mM
  Mg_all is "total Mg"
end
"""


def test_the_assays_read_any_model_through_an_id_map(tmp_path):
    """A second model with other ids (a closed cell buffering Mg2+ with ATP): mapped, every
    method reads what its physics sees, against the model's own state as truth."""
    import mgsignal as mg
    path = tmp_path / "buffer_cell.ant"
    path.write_text(SECOND_MODEL)
    model = mg.load_model(path)
    table = mg.simulate(model, t_end=10.0, n_points=3)  # binding equilibrium within ms
    ids = {"free_mg": "Mg_free", "free_atp": "ATP_free", "mgatp": "MgATP", "total_mg": "Mg_all"}
    total = table["Mg_all"].to_numpy()
    np.testing.assert_allclose(total, 0.7, rtol=1e-9)  # conserved
    free = table["Mg_free"].to_numpy()
    np.testing.assert_allclose(measure(table, method="mag-fura-2", ids=ids)["Mg_free_inferred"], free, rtol=1e-9)
    nmr = measure(table.iloc[1:], method="31p-nmr", ids=ids)["Mg_free_inferred"]
    np.testing.assert_allclose(nmr, free[1:], rtol=1e-6)  # equilibrium: free = Kd MgATP / ATP
    aas = measure(table, method="aas", ids=ids)
    np.testing.assert_allclose(aas["Mg_total_inferred"], total, rtol=1e-9)
    assert aas.attrs["measurement"]["columns_read"] == ["Mg_all"]
    with pytest.raises(InvalidInputError, match="needs column 'Mg_c'"):  # unmapped: the default ids
        measure(table, method="mag-fura-2")
    with pytest.raises(UnknownIdError, match="did you mean 'free_mg'"):
        measure(table, method="mag-fura-2", ids={"free_mgg": "Mg_free"})
