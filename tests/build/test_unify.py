"""One substance unit for a composite (mgsignal.build.unify): modules in other units (mmol, amol)
and with their own conversion factors run exactly as alone, without SBML conversion factors
(COPASI 4.48 gets those wrong), whatever formulas read their species.

Independent truths: each module run alone (its own unit), first-order decay in closed form, and
the unit definitions (1 mmol = 1e12 fmol, 1 amol = 1e-3 fmol)."""

from __future__ import annotations

import math

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import build, parameter_table
from mgsignal.build.unify import is_conversion, species_scales
from mgsignal.build.units import species_unit_factor

BASE = """// the composite's first module: fmol (test)
model base
  unit fmol = 1e-15 mole
  unit pL = 1e-12 litre
  unit per_s = 1 / second
  unit substance = fmol
  unit extent = fmol
  unit volume = pL
  unit time_unit = second
  compartment box = 1 pL;  // test
  species A in box = 1;  // test
  k_a = 0.01 per_s;  // test
  R_a: A => ; k_a * A * box
end
"""

MILLI = """// a module in mmol (test): rules, rateOf, an event and an initial assignment read its species
model milli
  unit mmol = 1e-3 mole
  unit pL = 1e-12 litre
  unit per_s = 1 / second
  unit conc = mmol / pL
  unit conc_per_s = mmol / (pL * second)
  unit substance = mmol
  unit extent = mmol
  unit volume = pL
  unit time_unit = second
  compartment box = 1 pL;  // test
  species M in box = 2;  // test
  species N in box;  // test
  N = M / 4 dimensionless
  k_m = 0.02 per_s;  // test
  R_m: M => N; k_m * M * box
  total := M + N
  total has conc
  total is "M and N together"
  rate_M := rateOf(M)
  rate_M has conc_per_s
  rate_M is "rate of change of M"
  t_add = 50 second;  // test
  step_M = 1 conc;  // test
  E_add: at (time > t_add): M = M + step_M
end
"""

POOLS = """// a module in amol with its own conversion factors (test): a percent pool counted through
// pool_scale = 1 (kept) and one through double_scale = 2 (folded into the species)
model pools
  unit amol = 1e-18 mole
  unit pL = 1e-12 litre
  unit per_s = 1 / second
  unit percent = 1e-2 dimensionless
  unit percent_per_amol = 1e16 dimensionless / mole
  unit uM = 1e-6 mole / litre
  unit substance = amol
  unit extent = amol
  unit volume = pL
  unit time_unit = second
  compartment box = 1 pL;  // test
  species C in box = 3;  // test
  k_c = 0.05 per_s;  // test
  R_c: C => ; k_c * C * box
  substanceOnly species P in box, Q in box
  P has percent
  Q has percent
  P = 100;  // test
  Q = 0;  // test
  pool_scale = 1 percent_per_amol;  // test: an extent of 1 amol moves 1 %
  double_scale = 2 percent_per_amol;  // test: an extent of 1 amol moves 2 %
  P.conversionFactor = pool_scale
  Q.conversionFactor = double_scale
  k_p = 0.03 per_s;  // test
  R_p: P => ; k_p * P / pool_scale
  R_q: => Q; k_p * P / double_scale
  C_uM := C
  C_uM has uM
  C_uM is "C in uM"
end
"""


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unify")
    for name, text in (("base", BASE), ("milli", MILLI), ("pools", POOLS)):
        (folder / f"{name}.ant").write_text(text)
    (folder / "c.toml").write_text('name = "c"\nmodules = ["base", "milli", "pools"]\n')
    return {"composite": mg.load_model(folder / "c.toml"), "milli": mg.load_model(folder / "milli.ant"),
            "pools": mg.load_model(folder / "pools.ant"), "folder": folder}


def _sbml(model) -> libsbml.Model:
    return libsbml.readSBMLFromString(model.sbml).getModel()


def test_every_species_in_the_first_modules_unit_and_no_conversion_factor_but_1(parts):
    sbml = _sbml(parts["composite"])
    assert sbml.getSubstanceUnits() == sbml.getExtentUnits() == "fmol"
    assert {s.getId(): s.getSubstanceUnits() for s in sbml.getListOfSpecies()} == {
        "A": "fmol", "M": "fmol", "N": "fmol", "C": "fmol", "P": "percent", "Q": "fmol"}
    assert {s.getId(): s.getConversionFactor() for s in sbml.getListOfSpecies() if s.isSetConversionFactor()} == {
        "P": "pool_scale"}
    added = {p.getId(): p.getValue() for p in sbml.getListOfParameters() if is_conversion(p)}
    assert added == {"mmol_per_fmol": pytest.approx(1e-12, rel=1e-12), "amol_per_fmol": pytest.approx(1e3, rel=1e-12)}
    assert species_scales(sbml) == pytest.approx({"M": 1e12, "N": 1e12, "C": 1e-3, "Q": 0.5}, rel=1e-12)
    assert sbml.getParameter("pool_scale").getUnits() == "percent_per_fmol"  # same value, per composite unit
    # initial values: 2 mmol/pL = 2e12 fmol/pL; the initial assignment of N and 3 amol/pL = 3e-3 fmol/pL
    assert sbml.getSpecies("M").getInitialConcentration() == pytest.approx(2e-12 / 1e-24, rel=1e-12)
    assert sbml.getSpecies("C").getInitialConcentration() == pytest.approx(3e-3, rel=1e-12)


def test_the_composite_has_zero_unit_warnings(parts):
    document = libsbml.readSBMLFromString(parts["composite"].sbml)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    document.checkConsistency()
    assert [document.getError(i).getMessage() for i in range(document.getNumErrors())
            if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_WARNING] == []


def test_modules_run_as_alone(parts):
    """Species in the composite are the module's values times their scale; every readout
    (rules reading species, rateOf) and the event that adds to M are unchanged."""
    composite = parts["composite"]
    scales = species_scales(_sbml(composite))
    ours = mg.simulate(composite, t_end=100.0, n_points=101, rtol=1e-11, atol=1e-14)
    for name, ids in (("milli", ["M", "N", "total", "rate_M"]), ("pools", ["C", "P", "Q", "C_uM"])):
        alone = mg.simulate(parts[name], t_end=100.0, n_points=101, rtol=1e-11, atol=1e-14)
        for sid in ids:
            expected = alone[sid].to_numpy() * scales.get(sid, 1.0)
            np.testing.assert_allclose(ours[sid].to_numpy(), expected, rtol=1e-8,
                                       atol=1e-12 * np.abs(expected).max(), err_msg=sid)
    times = ours.index.to_numpy()
    np.testing.assert_allclose(ours["A"], np.exp(-0.01 * times), rtol=1e-8)  # the first module untouched
    assert ours.loc[50.0, "total"] == pytest.approx(2.5, rel=1e-9) and ours.loc[51.0, "total"] > 3.4  # event


def test_reaction_rates_are_in_the_composites_extent(parts):
    """R_m counted 0.04 mmol/s alone; in the composite the same flux is 4e10 fmol/s. Reactions
    among conversion-factor species keep their module's number (their extent is bookkeeping)."""
    ours = mg.simulate(parts["composite"], t_end=1.0, n_points=2, outputs=["R_m", "R_c", "R_p"])
    alone_m = mg.simulate(parts["milli"], t_end=1.0, n_points=2, outputs=["R_m"])
    alone_p = mg.simulate(parts["pools"], t_end=1.0, n_points=2, outputs=["R_c", "R_p"])
    assert ours.loc[0.0, "R_m"] == pytest.approx(alone_m.loc[0.0, "R_m"] * 1e12, rel=1e-12)
    assert ours.loc[0.0, "R_c"] == pytest.approx(alone_p.loc[0.0, "R_c"] * 1e-3, rel=1e-12)
    assert ours.loc[0.0, "R_p"] == pytest.approx(alone_p.loc[0.0, "R_p"], rel=1e-12)


def test_the_conversions_are_constants_in_the_parameter_table(parts):
    table = parameter_table(parts["folder"] / "c.toml").set_index("id")
    assert table.loc["amol_per_fmol", "source"].startswith("Constant: unit conversion added by the composite build")
    assert table.loc["pool_scale", "unit"] == "percent_per_fmol"
    assert {"amol_per_fmol", "mmol_per_fmol"} <= set(parts["composite"].fixed)


def test_a_value_in_another_unit_is_converted_to_the_species_unit(parts):
    composite = parts["composite"]
    assert species_unit_factor(composite.sbml, "C", "uM") == pytest.approx(1e-3, rel=1e-12)  # fmol/pL = mM
    assert species_unit_factor(parts["pools"].sbml, "C", "uM") == pytest.approx(1.0, rel=1e-12)
    assert species_unit_factor(composite.sbml, "C", "nmol/L") == pytest.approx(1e-6, rel=1e-12)
    with pytest.raises(mg.InvalidInputError, match="not a unit of species"):
        species_unit_factor(composite.sbml, "C", "s")


def test_absolute_tolerances_follow_each_species_unit(parts):
    """The simulator gives each converted species atol times its scale, so a module in a smaller
    unit is integrated as accurately as alone (here C is 1e-3 of its fmol value)."""
    from mgsignal.simulation.runner import compile_runner, set_tolerances
    runner = compile_runner(parts["composite"].sbml, "time_course")
    set_tolerances(runner, rtol=1e-8, atol=1e-12)
    tolerances = dict(zip(runner.model.getFloatingSpeciesIds(), runner.integrator.getValue("absolute_tolerance")))
    assert tolerances["A"] == 1e-12 and tolerances["P"] == 1e-12
    assert tolerances["C"] == pytest.approx(1e-15) and tolerances["M"] == pytest.approx(1.0)


def test_a_reaction_mixing_pool_and_rescaled_species_is_refused(tmp_path):
    mixed = POOLS.replace("R_q: => Q; k_p * P / double_scale", "R_q: C => Q; k_p * P / double_scale")
    (tmp_path / "base.ant").write_text(BASE)
    (tmp_path / "pools.ant").write_text(mixed)
    (tmp_path / "c.toml").write_text('name = "c"\nmodules = ["base", "pools"]\n')
    with pytest.raises(mg.ModelBuildError, match=r"reaction 'R_q' changes species with a conversion factor \(Q\) "
                                                 r"and species in 'amol'"):
        build(tmp_path / "c.toml")


def test_a_module_in_the_composites_unit_is_left_as_it_is(tmp_path):
    (tmp_path / "base.ant").write_text(BASE)
    (tmp_path / "other.ant").write_text(BASE.replace("model base", "model other").replace("species A", "species B")
                                        .replace("k_a", "k_b").replace("R_a: A", "R_b: B").replace("* A *", "* B *"))
    (tmp_path / "c.toml").write_text('name = "c"\nmodules = ["base", "other"]\n')
    sbml = libsbml.readSBMLFromString(build(tmp_path / "c.toml")).getModel()
    assert not any(is_conversion(p) for p in sbml.getListOfParameters()) and species_scales(sbml) == {}
    assert libsbml.formulaToL3String(sbml.getReaction("R_b").getKineticLaw().getMath()) == "k_b * B * box"
    assert math.isclose(sbml.getSpecies("B").getInitialConcentration(), 1.0)
