"""Build an Antimony file to SBML, set area compartments to 2-D, run libsbml unit + modelling-practice checks.
Usage: python check_model.py file.ant  -> prints problems, exit 1 if any; writes file.xml"""
import sys, antimony, libsbml
from pathlib import Path

def build(path):
    text = Path(path).read_text()
    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(text) < 0:
        raise SystemExit("antimony error: " + antimony.getLastError())
    w = antimony.getWarnings() or ""
    sbml = antimony.getSBMLString(antimony.getMainModuleName())
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    for c in m.getListOfCompartments():
        ud = m.getUnitDefinition(c.getUnits())
        if ud is not None and ud.isVariantOfArea():
            c.setSpatialDimensions(2)
    sbml = libsbml.writeSBMLToString(doc)
    return sbml, w

def problems(sbml):
    doc = libsbml.readSBMLFromString(sbml)
    for cat in (libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, libsbml.LIBSBML_CAT_MODELING_PRACTICE):
        doc.setConsistencyChecks(cat, True)
    doc.checkConsistency()
    out = []
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        if e.getSeverity() >= libsbml.LIBSBML_SEV_WARNING:
            out.append(f"{e.getSeverityAsString()} {e.getErrorId()} line {e.getLine()}: {' '.join(e.getMessage().split())}")
    return out

if __name__ == "__main__":
    p = sys.argv[1]
    sbml, w = build(p)
    Path(p).with_suffix(".xml").write_text(sbml)
    pr = problems(sbml)
    if w.strip(): pr.insert(0, "antimony warning: " + w)
    print(f"{p}: {len(pr)} errors+warnings")
    for x in pr: print("  ", x)
    sys.exit(1 if pr else 0)
