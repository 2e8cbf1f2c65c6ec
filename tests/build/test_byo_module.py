"""Bring your own module: published SBML files (with and without units) and Antimony files from
anywhere, coupled to Mg2+ by a few lines of TOML (docs/byo_module.md).

Independent truths: the published files run as published by libroadrunner
(:mod:`mgsignal.references`), first-order decay in closed form, and the units the papers give
(Brännmark 2013 and Sedaghat 2002: rate constants per minute).
"""

from __future__ import annotations

import hashlib
import math
import re
import runpy
import shutil

import libsbml
import numpy as np
import pytest

import mgsignal as mg
from mgsignal.build import build, parameter_table, sbml_problems, validate_file
from mgsignal.references import load_reference, simulate_reference

from ..conftest import DATA, ROOT

ADIPOCYTE = ROOT / "examples" / "adipocyte_mg" / "adipocyte_mg.toml"
SEDAGHAT = ROOT / "examples" / "sedaghat_mg" / "sedaghat_mg.toml"
PUBLISHED_448 = DATA / "BIOMD0000000448.xml"  # verbatim BioModels copy (tests/data/SOURCES.md)
MINUTE = 60.0


@pytest.fixture(scope="module")
def adipocyte() -> mg.Model:
    return mg.load_model(ADIPOCYTE)


@pytest.fixture(scope="module")
def sedaghat() -> mg.Model:
    return mg.load_model(SEDAGHAT)


@pytest.fixture(scope="module")
def transport_at_rest(transport) -> dict[str, float]:
    """The transport model's steady state: with it Mg_c stays at its reference (factor 1)."""
    state = mg.steady_state(transport)
    return {sid: float(state[sid]) for sid in transport.species if sid not in transport.boundary_species}


def _max_relative_deviation(ours, theirs, species) -> dict[str, float]:
    deviations = {}
    for sid in species:
        a, b = ours[sid].to_numpy(), theirs[sid].to_numpy()
        scale = np.maximum(np.abs(b), 1e-6 * np.abs(b).max())
        scale[scale == 0] = 1.0
        deviations[sid] = float(np.max(np.abs(a - b) / scale))
    return deviations


# ----------------------------------------------------------------------------- the examples


def test_the_example_uses_the_published_file_unchanged():
    example = ADIPOCYTE.parent / "BIOMD0000000448.xml"
    assert hashlib.sha256(example.read_bytes()).digest() == hashlib.sha256(PUBLISHED_448.read_bytes()).digest()
    shipped = ROOT / "mgsignal" / "references" / "data" / "BIOMD0000000137.xml"
    assert (SEDAGHAT.parent / "BIOMD0000000137.xml").read_bytes() == shipped.read_bytes()


@pytest.mark.parametrize("path", [ADIPOCYTE, SEDAGHAT], ids=lambda p: p.stem)
def test_examples_build_with_zero_errors_and_zero_warnings(path):
    assert validate_file(path) == []
    document = libsbml.readSBMLFromString(build(path))
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    document.checkConsistency()
    assert [document.getError(i).getMessage() for i in range(document.getNumErrors())
            if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_WARNING] == []


def test_cli_validate_reports_zero_problems():
    from click.testing import CliRunner

    from mgsignal.cli import main
    result = CliRunner().invoke(main, ["validate", str(ADIPOCYTE), str(SEDAGHAT)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("published", "before"), [(PUBLISHED_448, 100), (SEDAGHAT.parent / "BIOMD0000000137.xml", 60)],
                         ids=["448", "137"])
def test_the_published_files_alone_have_unit_warnings_the_unit_map_removes(published, before):
    """What the path is for: as published, libsbml cannot check their units (115 and 71
    warnings); built through the unit map, the composites have none (test above)."""
    problems = sbml_problems(published.read_text(encoding="utf-8"), source=published)
    assert len(problems) > before
    assert {re.search(r"(warning|error) (\d+)", p).group(2) for p in problems} <= {"80701", "99505", "10501"}


def test_every_value_has_a_unit_and_a_source():
    for path in (ADIPOCYTE, SEDAGHAT):
        table = parameter_table(path)
        assert table["source"].str.strip().str.len().min() > 0, path
        brought = table[table["module"] != "mg_transport"]
        assert brought["unit"].str.len().min() > 0, path
    table = parameter_table(ADIPOCYTE).set_index("id")
    assert table.loc["K_Mg_IR", "source"].startswith("Assumption: ")
    assert "pubmed/23400783" in table.loc["k1a", "source"]


def test_units_follow_from_the_rate_laws():
    """Brännmark 2013 and Sedaghat 2002 give rate constants per minute and second-order
    constants per concentration per minute: the inference finds the same."""
    units = parameter_table(ADIPOCYTE).set_index("id")["unit"]
    assert units["k1a"] == "per_minute_per_nM"  # IR * k1a * insulin, insulin in nM
    assert units[["k1basal", "k2c", "k6f2", "k7f", "k9f1"]].eq("per_minute").all()
    assert units["diabetes"] == "dimensionless"  # the switch, not the rate constant beside it
    units = parameter_table(SEDAGHAT).set_index("id")["unit"]
    assert units[["kminus1", "k3", "k7", "kminus13"]].eq("per_minute").all()
    assert units["k1"] == "litre_per_fmol_per_minute"  # per fM per minute
    assert units["time_scale_BIOMD0000000137"] == "minute_per_second"


def test_adipocyte_reproduces_brannmark_2013_at_the_reference_mg(adipocyte, transport_at_rest):
    """With Mg_c at its reference the coupling factor is 1: the coupled model is the published
    model (insulin 10 nM, its own protocol: 60 min from the published initial state)."""
    changes = dict(transport_at_rest, Mg_ref_IR=transport_at_rest["Mg_c"])
    ours = mg.simulate(adipocyte, mg.Scenario(name="brannmark_protocol", changes=changes),
                       t_end=60 * MINUTE, n_points=121, rtol=1e-10, atol=1e-14)
    reference = load_reference(PUBLISHED_448)
    theirs = simulate_reference(reference, t_end=60, n_points=121, rtol=1e-10, atol=1e-14)  # minutes
    assert np.allclose(ours.index.to_numpy(), theirs.index.to_numpy() * MINUTE)
    deviations = _max_relative_deviation(ours, theirs, reference.model.species)
    assert max(deviations.values()) < 1e-6, sorted(deviations.items(), key=lambda kv: -kv[1])[:3]
    assert ours["GLUT4m"].iloc[-1] > 2 * ours["GLUT4m"].iloc[0]  # insulin moves GLUT4 to the membrane


def test_sedaghat_reproduces_biomd137_at_the_reference_mg(sedaghat, transport_at_rest):
    """A module with units, in minutes and fM, with events on time and a fast reaction."""
    changes = dict(transport_at_rest, Mg_ref_IR=transport_at_rest["Mg_c"])
    ours = mg.simulate(sedaghat, mg.Scenario(name="sedaghat_protocol", changes=changes),
                       t_end=120 * MINUTE, n_points=241, rtol=1e-10, atol=1e-12)
    reference = load_reference("BIOMD0000000137")
    theirs = simulate_reference(reference, t_end=120, n_points=241, rtol=1e-10, atol=1e-12)
    assert reference.time_unit_seconds == MINUTE
    deviations = _max_relative_deviation(ours, theirs, [s for s in reference.model.species if s != "x1"])
    assert max(deviations.values()) < 1e-6, sorted(deviations.items(), key=lambda kv: -kv[1])[:3]
    assert ours.loc[14 * MINUTE, "x1"] == pytest.approx(1e8) and ours.loc[16 * MINUTE, "x1"] == 0.0  # event at 15 min


def _insulin(model, mg_e=None, hours=None, **changes):
    basal = {"insulin": 0.0} | ({"Mg_e": mg_e} if mg_e is not None else {})
    settle = {} if hours is None else {"preequilibration_time": hours * 3600.0}
    scenario = mg.Scenario(name="insulin_10nM", preequilibration=basal, changes={"insulin": 10.0, **changes},
                           **settle)
    return mg.simulate(model, scenario, t_end=10 * MINUTE, n_points=21)


def test_lower_extracellular_mg_lowers_the_insulin_response(adipocyte):
    # 16 h in Mg2+-free medium, as Dai & Quamme 1991 depleted cells (free Mg2+ about halved)
    normal, low = _insulin(adipocyte), _insulin(adipocyte, mg_e=0.0, hours=16)
    assert low["Mg_c"].iloc[0] < 0.5 * normal["Mg_c"].iloc[0]
    assert low["measuredIRp"].max() < 0.9 * normal["measuredIRp"].max()
    assert (low["GLUT4m"].iloc[1:] < normal["GLUT4m"].iloc[1:]).all()
    assert low["glucoseuptake"].iloc[-1] < normal["glucoseuptake"].iloc[-1]
    # the basal state does not depend on Mg2+ (v1a is zero without insulin)
    assert low["GLUT4m"].iloc[0] == pytest.approx(normal["GLUT4m"].iloc[0], rel=1e-6)


def test_lower_extracellular_mg_lowers_glut4_in_sedaghat(sedaghat):
    def run(mg_e):
        scenario = mg.Scenario(name="x", preequilibration={"x1": 0.0} | ({"Mg_e": mg_e} if mg_e else {}),
                               changes={"x1": 1e8})
        return mg.simulate(sedaghat, scenario, t_end=10 * MINUTE, n_points=11)
    normal, low = run(None), run(0.1)
    assert low["x21"].iloc[-1] < normal["x21"].iloc[-1]
    assert low["x5"].max() < normal["x5"].max()  # once-phosphorylated receptor


def test_the_example_script_runs():
    script = runpy.run_path(str(ADIPOCYTE.parent / "simulate.py"))
    table = script["run"](minutes=5.0)
    assert table["GLUT4m"].iloc[-1] > table["GLUT4m"].iloc[0]


# ----------------------------------------------------------------------------- an Antimony file from anywhere

DECAY = """// a module in minutes (test)
model decay
  unit fmol = 1e-15 mole
  unit pL = 1e-12 litre
  unit minute = 60 second
  unit per_min = 1 / minute
  unit substance = fmol
  unit extent = fmol
  unit volume = pL
  unit time_unit = minute
  compartment box = 1 pL;  // test
  species A in box = 1;  // test
  k_decay = 0.1 per_min;  // test: 0.1 per minute
  R_decay: A => ; k_decay * A * box
end
"""


def test_an_antimony_module_in_minutes_runs_in_seconds(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "decay.ant").write_text(DECAY)
    (tmp_path / "c.toml").write_text('name = "c"\nmodules = ["mg_transport", "elsewhere/decay.ant"]\n')
    table = mg.simulate(mg.load_model(tmp_path / "c.toml"), mg.Scenario(name="x"), t_end=600, n_points=3)
    assert table["A"].iloc[-1] == pytest.approx(math.exp(-0.1 * 10), rel=1e-5)  # 10 minutes


# ----------------------------------------------------------------------------- each mistake, one clear error


@pytest.fixture
def broken(tmp_path):
    """Write the adipocyte example with one change into tmp_path; return its build's problems."""
    shutil.copy(PUBLISHED_448, tmp_path / "BIOMD0000000448.xml")
    text = ADIPOCYTE.read_text(encoding="utf-8")

    def problems(old: str, new: str, *, files: dict[str, str] | None = None) -> list[str]:
        assert old in text
        path = tmp_path / "broken.toml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        for name, content in (files or {}).items():
            (tmp_path / name).write_text(content)
        with pytest.raises(mg.ModelBuildError) as info:
            build(path)
        assert all(line.startswith(str(path)) for line in info.value.problems), info.value.problems
        return info.value.problems
    return problems


def _one(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_unknown_module_file(broken):
    message = _one(broken('"BIOMD0000000448.xml"]', '"BIOMD0000000449.xml"]'))
    assert "modules: 'BIOMD0000000449.xml' not found" in message


def test_unknown_shipped_module(broken):
    message = _one(broken('"mg_transport",', '"mg_transprt",'))
    assert "module 'mg_transprt' not found" in message and "did you mean 'mg_transport'" in message


def test_unknown_reaction_in_a_coupling(broken):
    message = _one(broken('reaction = "v1a"', 'reaction = "v1_a"'))
    assert "[[couplings]] #1 reaction = 'v1_a'" in message and "did you mean 'v1a'" in message


def test_unknown_id_in_a_coupling_factor(broken):
    message = _one(broken('factor = "(Mg_c /', 'factor = "(Mg_cyt /'))
    assert "[[couplings]] #1 factor" in message and "'Mg_cyt'" in message and "did you mean 'Mg_c'" in message


def test_a_factor_that_does_not_parse(broken):
    message = _one(broken('factor = "(Mg_c /', 'factor = "((Mg_c /'))
    assert "[[couplings]] #1 factor" in message and "does not parse" in message


def test_a_factor_with_units(broken):
    message = _one(broken('factor = "(Mg_c / (K_Mg_IR + Mg_c)) / (Mg_ref_IR / (K_Mg_IR + Mg_ref_IR))"',
                          'factor = "Mg_c / K_Mg_IR / Mg_ref_IR"'))
    assert "[[couplings]] #1 factor" in message and "must be dimensionless" in message


def test_a_coupling_parameter_without_source(broken):
    problems = broken('K_Mg_IR = { value = 1.0, unit = "mM", source = "Assumption:',
                      'K_Mg_IR = { value = 1.0, unit = "mM", reference = "Assumption:')
    assert any("parameters.K_Mg_IR: source = " in p and "is missing: every value needs one" in p for p in problems)
    assert any("parameters.K_Mg_IR: unknown key(s) ['reference']" in p for p in problems)


def test_a_coupling_parameter_clashing_with_an_id(broken):
    message = _one(broken('Mg_ref_IR = { value', 'Mg_e = { value'))
    assert "parameters.Mg_e" in message and "already" in message


def test_a_link_to_an_id_no_module_defines(broken):
    message = _one(broken('[[couplings]]', '[links]\nMg_cytosol = "mg_transport"\n\n[[couplings]]'))
    assert "[links] Mg_cytosol = 'mg_transport'" in message and "no module defines it" in message


def test_a_unit_map_naming_an_unknown_unit(broken):
    message = _one(broken('time = "minute"', 'time = "minutes"'))
    assert "[units.BIOMD0000000448] time = 'minutes'" in message and "did you mean 'minute'" in message


def test_a_unit_map_naming_an_unknown_id(broken):
    message = _one(broken('insulin = "nM"', 'insulinn = "nM"'))
    assert "[units.BIOMD0000000448.ids] insulinn" in message and "did you mean 'insulin'" in message


def test_a_unitless_module_without_its_units(broken):
    message = _one(broken('time = "minute"', '# no time'))
    assert "[units.BIOMD0000000448]" in message and "declares no units" in message and 'time = "<unit>"' in message


def test_values_the_equations_leave_open_are_named(broken):
    message = _one(broken('undetermined = "dimensionless"', '# nothing'))
    assert "do not determine the unit of" in message
    assert "diabetes (in reaction v2c)" in message and "scaleIR (in rule measuredIRp)" in message
    assert "[units.BIOMD0000000448.ids]" in message and "undetermined" in message


def test_remaining_unit_warnings_are_listed_with_their_elements(broken):
    problems = broken('insulin = "nM"', 'insulin = "nM"\nk1a = "1/min"')  # nM/min: not % per minute
    assert any("module BIOMD0000000448 in reaction v1a: warning 10541" in p for p in problems), problems
    assert all("[units.BIOMD0000000448]" in p for p in problems)


def test_ids_defined_by_two_modules(broken):
    clash = DECAY.replace("species A in box", "species IR in box").replace("k_decay * A", "k_decay * IR") \
        .replace("A = 1;", "IR = 1;").replace("A => ;", "IR => ;")
    message = _one(broken('"BIOMD0000000448.xml"]', '"BIOMD0000000448.xml", "clash.ant"]', files={"clash.ant": clash}))
    assert "id 'IR' is defined by both BIOMD0000000448 and clash" in message
    assert '[links] IR = "BIOMD0000000448"' in message and '[rename.clash] IR = ' in message


def test_rename_resolves_a_clash(broken, tmp_path):
    clash = DECAY.replace("species A in box", "species IR in box").replace("k_decay * A", "k_decay * IR") \
        .replace("A = 1;", "IR = 1;").replace("A => ;", "IR => ;")
    (tmp_path / "clash.ant").write_text(clash)
    text = ADIPOCYTE.read_text(encoding="utf-8").replace('"BIOMD0000000448.xml"]', '"BIOMD0000000448.xml", "clash.ant"]')
    path = tmp_path / "renamed.toml"
    path.write_text(text + '\n[rename.clash]\nIR = "IR_test"\n', encoding="utf-8")
    assert validate_file(path) == []


def test_unknown_keys_are_named(broken):
    message = _one(broken('undetermined = "dimensionless"', 'undetermined = "dimensionless"\ntimes = "s"'))
    assert "[units.BIOMD0000000448]" in message and "'times'" in message


# ----------------------------------------------------------------------------- in a second simulator


def test_a_module_in_arbitrary_units_agrees_with_copasi(adipocyte):
    """The one kind of SBML conversion factor a composite of brought-in modules keeps: a module
    whose amounts are not amounts of substance (BIOMD0000000448, % of each protein) counts its
    reactions in the composite's extent and back through ``amount_per_extent_<module>`` = 1.
    COPASI 4.48 multiplies stoichiometries by conversion factors without recompiling; with a
    factor of 1 it integrates the same model (every species within 1e-4 over the published hour)."""
    basico = pytest.importorskip("basico")
    sbml = libsbml.readSBMLFromString(adipocyte.sbml).getModel()
    factors = {s.getConversionFactor() for s in sbml.getListOfSpecies() if s.isSetConversionFactor()}
    assert factors == {"amount_per_extent_BIOMD0000000448"}
    assert sbml.getParameter("amount_per_extent_BIOMD0000000448").getValue() == 1.0
    times = np.linspace(0.0, 60 * MINUTE, 25)
    ours = mg.simulate(adipocyte, t_end=times[-1], n_points=times.size, rtol=1e-10, atol=1e-14,
                       outputs=list(adipocyte.species))
    copasi = basico.load_model_from_string(adipocyte.sbml)
    try:
        theirs = basico.run_time_course(duration=times[-1], values=list(times), model=copasi, r_tol=1e-10,
                                        a_tol=1e-14, use_concentrations=True, update_model=False)
        species = basico.get_species(model=copasi)
        sizes = basico.get_compartments(model=copasi)["size"]
    finally:
        basico.remove_datamodel(copasi)
    compared = 0
    for row in species.itertuples():
        if row.Index not in theirs.columns:
            continue  # constant boundary species
        # COPASI reports concentrations; amount-only species are compared as amounts
        a = theirs[row.Index].to_numpy() * (sizes[row.compartment] if row.sbml_id in adipocyte.amount_species else 1.0)
        b = ours[row.sbml_id].to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=max(1e-6 * np.abs(b).max(), 1e-12), err_msg=row.sbml_id)
        compared += 1
    assert compared == len(adipocyte.species) - len(adipocyte.boundary_species)
    assert ours["GLUT4m"].iloc[-1] > ours["GLUT4m"].iloc[0]  # the published insulin response runs
