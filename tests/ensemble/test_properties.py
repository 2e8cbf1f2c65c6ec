"""Properties of the transport model run through the ensemble engine, for random valid parameter
rows (within +-50 % of the defaults) and random scenario times: concentrations never go
negative, Mg is conserved when transport is off, repeats are bit-identical and the order rows
run in does not matter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mgsignal as mg
from mgsignal.ensemble import Feature, default_values, run_ensemble

#: transport parameters varied by the properties
VARIED = ["P_TRPM7", "Vmax_MagT1", "Vmax_SLC41A1", "K_Mg_SLC41A1", "P_MRS2", "Vmax_SLC41A3"]
#: every transport rate of the model; all 0: no Mg crosses a membrane
TRANSPORT = ["P_TRPM7", "P_TRPM6", "Vmax_MagT1", "Vmax_SLC41A1", "P_MRS2", "Vmax_SLC41A3"]
#: parameters that move Mg between its bound and free forms or change ATP, varied with transport off
INSIDE = ["Kd_MgATP", "Kd_L", "v_ATP_syn", "k_ATP_use", "L_tot_c", "L_tot_m"]
#: concentrations may dip below 0 by the integrator's error at most (mM)
NEGATIVE_TOLERANCE = 1e-9
PROPERTIES = settings(max_examples=15, deadline=None, database=None)


@pytest.fixture(scope="module")
def defaults(transport):
    return default_values(transport, VARIED + INSIDE)


def rows(ids: list[str], defaults: dict[str, float], *, n: st.SearchStrategy[int]) -> st.SearchStrategy[pd.DataFrame]:
    """Sample tables of ``n`` rows, each value within +-50 % of its default."""
    row = st.fixed_dictionaries({sid: st.floats(0.5 * defaults[sid], 1.5 * defaults[sid]) for sid in ids})
    return n.flatmap(lambda size: st.lists(row, min_size=size, max_size=size)).map(
        lambda found: pd.DataFrame(found, columns=ids, index=pd.RangeIndex(len(found), name="sample")))


@st.composite
def scenarios(draw: st.DrawFn) -> mg.Scenario:
    """A change of the medium's Mg2+ (and of ATP use) at a random time of a random duration."""
    duration = draw(st.floats(60.0, 48 * 3600.0))
    start = draw(st.floats(0.02, 0.98)) * duration
    changes = {"Mg_e": draw(st.floats(0.0, 3.0)), "k_ATP_use": draw(st.floats(0.025, 0.075))}
    return mg.Scenario(name="random", changes={"Mg_e": draw(st.floats(0.1, 1.5))},
                       phases=(mg.Phase(start=start, changes=changes),), duration=duration)


def test_a_phase_that_starts_within_rounding_of_an_output_time(transport):
    """Found by the properties below: an output time a rounding error after a phase start
    (117.59375000000001 for 117.59375) was integrated to as its own step and CVODE failed with
    CV_TOO_CLOSE; such a time is now on the phase start."""
    scenario = mg.Scenario(name="random", changes={"Mg_e": 1.0},
                           phases=(mg.Phase(start=117.59375, changes={"Mg_e": 0.0}),), duration=235.1875)
    assert np.linspace(0.0, 235.1875, 201)[100] - 117.59375 == pytest.approx(1.4e-14, rel=0.1)
    table = mg.simulate(transport, scenario, n_points=201, outputs=["Mg_c", "Mg_e"])
    assert table["Mg_c"].notna().all()
    assert table["Mg_e"].iloc[100] == 1.0 and table["Mg_e"].iloc[101] == 0.0  # the row at the start: just before


def species_minima(transport: mg.Model) -> list[Feature]:
    return [Feature(sid, "min") for sid in transport.species if sid not in transport.boundary_species]


def test_concentrations_stay_non_negative(transport, defaults):
    @PROPERTIES
    @given(samples=rows(VARIED, defaults, n=st.integers(1, 4)), scenario=scenarios())
    def check(samples: pd.DataFrame, scenario: mg.Scenario) -> None:
        table = run_ensemble(transport, samples, features=species_minima(transport), scenarios=[scenario],
                             n_points=201, backend="serial", progress=False)
        assert table["error"].eq("").all()
        assert (table.drop(columns="error") >= -NEGATIVE_TOLERANCE).all().all(), table
    check()


def test_total_mg_is_conserved_with_transport_off(transport, defaults):
    volumes = {"c": transport_volume(transport, "cytosol"), "m": transport_volume(transport, "matrix")}

    @PROPERTIES
    @given(samples=rows(INSIDE, defaults, n=st.just(1)), scenario=scenarios(), mg_c=st.floats(0.2, 2.0))
    def check(samples: pd.DataFrame, scenario: mg.Scenario, mg_c: float) -> None:
        off = {sid: 0.0 for sid in TRANSPORT}
        start = mg.Scenario(name="transport off", changes={**samples.iloc[0].to_dict(), **off, "Mg_c": mg_c,
                                                           **scenario.changes},
                            phases=scenario.phases, duration=scenario.duration)
        table = mg.simulate(transport, start, n_points=101, outputs=["Mg_tot_c", "Mg_tot_m", "MgATP_c"])
        total = table["Mg_tot_c"] * volumes["c"] + table["Mg_tot_m"] * volumes["m"]  # fmol
        assert np.allclose(total, total.iloc[0], rtol=1e-9, atol=0)
        assert table["MgATP_c"].max() > table["MgATP_c"].min()  # Mg does move between its forms
    check()


def transport_volume(model: mg.Model, compartment: str) -> float:
    return float(default_values(model, [compartment])[compartment])


def test_repeats_are_bit_identical_and_row_order_does_not_matter(transport, defaults):
    features = [Feature("Mg_c", "end"), Feature("Mg_tot_m", "peak"), Feature("Mg_c", "auc"),
                Feature("Mg_c", "steady_state")]

    @PROPERTIES
    @given(samples=rows(VARIED, defaults, n=st.integers(2, 8)), scenario=scenarios(), data=st.data())
    def check(samples: pd.DataFrame, scenario: mg.Scenario, data: st.DataObject) -> None:
        options = dict(features=features, scenarios=[scenario], n_points=31, backend="serial", progress=False)
        first = run_ensemble(transport, samples, **options)
        pd.testing.assert_frame_equal(run_ensemble(transport, samples, **options), first, check_exact=True)
        order = data.draw(st.permutations(range(len(samples))), label="order")
        chunk = data.draw(st.integers(1, len(samples)), label="chunk_size")
        shuffled = run_ensemble(transport, samples.iloc[order], chunk_size=chunk, **options)
        pd.testing.assert_frame_equal(shuffled.loc[samples.index], first, check_exact=True)
    check()
