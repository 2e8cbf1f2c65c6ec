"""cAMP/PKA coupled to Mg2+ in the composite: lower Mg2+ (from lower extracellular Mg2+) weakens
the cAMP response; PKA stimulates SLC41A1 and so pushes Mg2+ out of the cell (the loop)."""

from __future__ import annotations

import numpy as np
import pytest

import mgsignal as mg
from mgsignal.ensemble import default_values

OUTPUTS = ["Mg_c", "J_SLC41A1", "SLC41A1_PKA_factor", "cAMP_total", "PKA_act"]
ADAPT = 12 * 3600.0  # pre-equilibration by simulation (the insulin module has no steady state)


def _run(model, *, iso=0.0, mg_e=0.6, link=True, t_end=4 * 3600.0):
    unlinked = {} if link else {"s_max_SLC41A1": 0.0}
    scenario = mg.Scenario(name=f"iso{iso}_Mg{mg_e}_link{link}", preequilibration={**unlinked, "Mg_e": mg_e},
                           preequilibration_time=ADAPT, changes={"iso_applied": iso} if iso else {})
    return mg.simulate(model, scenario, t_end=t_end, n_points=97, outputs=OUTPUTS)


def test_agonist_raises_slc41a1_efflux_and_lowers_cytosolic_mg(composite):
    control, stimulated = _run(composite), _run(composite, iso=0.1)
    assert np.ptp(control["Mg_c"]) < 1e-7 * control["Mg_c"].mean()  # the adapted cell is at rest
    assert stimulated["SLC41A1_PKA_factor"].max() > 1.3
    early = stimulated.index <= 600  # efflux jumps before cytosolic Mg2+ has fallen
    assert stimulated.loc[early, "J_SLC41A1"].max() > 1.1 * control["J_SLC41A1"].iloc[0]
    # the efflux set point defends free Mg2+: stronger efflux lowers it by a few per cent only
    assert stimulated["Mg_c"].iloc[-1] < 0.98 * control["Mg_c"].iloc[-1]
    # a new steady state: efflux is back to balance influx at a lower cytosolic Mg2+
    assert stimulated["J_SLC41A1"].iloc[-1] == pytest.approx(stimulated["J_SLC41A1"].iloc[-2], rel=1e-4)


def test_without_the_pka_link_the_agonist_leaves_mg_alone(composite):
    control, unlinked = _run(composite, link=False), _run(composite, iso=0.1, link=False)
    assert unlinked["cAMP_total"].max() > 2 * control["cAMP_total"].iloc[0]  # cAMP still rises
    np.testing.assert_allclose(unlinked["Mg_c"], control["Mg_c"], rtol=1e-9)
    assert np.ptp(unlinked["SLC41A1_PKA_factor"]) == 0.0


@pytest.mark.parametrize("iso", [0.01, 0.1])
def test_lower_extracellular_mg_lowers_the_camp_and_pka_response(composite, iso):
    """Deficiency made by 12 h in Mg2+-free medium (the cell keeps its Mg2+ at any plasma level
    in the reference range); the PKA link is cut so that both arms compare the cyclase and
    kinase at fixed Mg2+ states."""
    normal = _run(composite, iso=iso, link=False, t_end=900)
    deficient = _run(composite, iso=iso, mg_e=0.0, link=False, t_end=900)
    assert deficient["Mg_c"].iloc[0] < 0.6 * normal["Mg_c"].iloc[0]
    for readout in ("cAMP_total", "PKA_act"):
        rise_normal = normal[readout].max() - normal[readout].iloc[0]
        rise_deficient = deficient[readout].max() - deficient[readout].iloc[0]
        assert rise_deficient < 0.85 * rise_normal, readout


def test_composite_camp_matches_the_module_at_the_reference_mg(composite, camp):
    module = camp
    scenario = mg.Scenario(name="iso", preequilibration={"s_max_SLC41A1": 0.0}, preequilibration_time=1e4,
                           changes={"iso_applied": 0.1})
    alone = mg.simulate(module, scenario, t_end=900, n_points=31, outputs=["cAMP_total", "PKA_act"])
    coupled = mg.simulate(composite, scenario, t_end=900, n_points=31, outputs=["cAMP_total", "PKA_act", "Mg_c"])
    # the transport model settles at its steady state, the module's reference (to 4 digits)
    reference = default_values(camp, ["Mg_ref"])["Mg_ref"]
    assert coupled["Mg_c"].iloc[0] == pytest.approx(reference, rel=1e-4)
    for readout in ("cAMP_total", "PKA_act"):
        np.testing.assert_allclose(coupled[readout], alone[readout], rtol=1e-3)
