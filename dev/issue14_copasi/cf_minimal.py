"""How COPASI 4.48 treats SBML conversion factors: minimal models."""
import antimony, basico, roadrunner, libsbml

def sbml_of(ant):
    antimony.clearPreviousLoads(); assert antimony.loadAntimonyString(ant) >= 0, antimony.getLastError()
    return antimony.getSBMLString(antimony.getMainModuleName())

def add_cf(sbml, species, cf, model_cf=None):
    d = libsbml.readSBMLFromString(sbml); m = d.getModel()
    for s in species: m.getSpecies(s).setConversionFactor(cf)
    if model_cf: m.setConversionFactor(model_cf)
    return libsbml.writeSBMLToString(d)

cases = {
 "conc species, cf=10": ("model a\n compartment c = 2; species A in c = 1; J: -> A; c*1; f = 10\nend", ["A"], "f"),
 "amount species, cf=10": ("model a\n compartment c = 2; substanceOnly species A in c = 1; J: -> A; 1; f = 10\nend", ["A"], "f"),
 "conc, cf=1e9, rate 1e-9": ("model a\n compartment c = 2; species A in c = 1, B in c = 1; J: A -> B; 1e-9*c*A; f = 1e9\nend", ["A","B"], "f"),
 "conc, cf=1e9, rate e*c*(A)": ("model a\n compartment c = 2; species A in c = 1, B in c = 1; J: A -> B; e*c*A; f = 1e9; e = 1e-9\nend", ["A","B"], "f"),
}
for label, (ant, sp, cf) in cases.items():
    sbml = add_cf(sbml_of(ant), sp, cf)
    rr = roadrunner.RoadRunner(sbml)
    r = rr.simulate(0, 1, 2, selections=["time"] + [f"[{s}]" for s in sp])
    m = basico.load_model_from_string(sbml)
    tc = basico.run_time_course(duration=1, intervals=1, model=m, use_concentrations=True, update_model=False, r_tol=1e-12, a_tol=1e-14)
    print(label, "| rr:", r[-1, 1:], "| copasi:", tc.iloc[-1].values, "|", basico.get_reactions(model=m)["scheme"].iloc[0])
