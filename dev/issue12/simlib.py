"""Small roadrunner harness shared by the scratch scripts (does not import mgsignal)."""
from __future__ import annotations
import numpy as np
import roadrunner
from check_model import build

roadrunner.Config.setValue(roadrunner.Config.LLVM_SYMBOL_CACHE, True)


class Model:
    def __init__(self, ant_path):
        sbml, _ = build(ant_path)
        self.sbml = sbml
        self.r = roadrunner.RoadRunner(sbml)
        self.r.integrator.absolute_tolerance = 1e-12
        self.r.integrator.relative_tolerance = 1e-8
        self.r.integrator.max_num_steps = 200000
        self.ids = set(self.r.model.getGlobalParameterIds()) | set(self.r.model.getFloatingSpeciesIds()) \
            | set(self.r.model.getBoundarySpeciesIds()) | set(self.r.model.getCompartmentIds())
        import libsbml
        doc = libsbml.readSBMLFromString(sbml)
        self.species = {sp.getId() for sp in doc.getModel().getListOfSpecies() if not sp.getHasOnlySubstanceUnits()}

    def key(self, i):
        return f"[{i}]" if i in self.species else i

    def get(self, i):
        return self.r[self.key(i)]

    def set(self, i, v):
        self.r[self.key(i)] = v

    def _initial_assignments(self):
        import libsbml, math
        doc = libsbml.readSBMLFromString(self.sbml)
        model = doc.getModel()
        out = []
        for ia in model.getListOfInitialAssignments():
            f = libsbml.formulaToL3String(ia.getMath()).replace("^", "**")
            f = f.replace(" dimensionless", "").replace(" mM", "")
            out.append((ia.getSymbol(), compile(f, ia.getSymbol(), "eval")))
        self.ia = out
        self.math_env = {"exp": math.exp, "log": math.log, "ln": math.log, "pow": pow, "abs": abs}

    def fresh(self, overrides=None):
        """Back to the model's own values with parameter overrides; species initial assignments are
        re-evaluated here in Python with the overridden parameters (setting init(...) values in
        roadrunner costs ~0.2 s each)."""
        r = self.r
        if not hasattr(self, "defaults"):
            self.defaults = {p: r[p] for p in r.model.getGlobalParameterIds()}
            self.bdefaults = {b: self.get(b) for b in r.model.getBoundarySpeciesIds()}
            self.touched = set()
            self._initial_assignments()
        overrides = {k: v for k, v in (overrides or {}).items() if k in self.ids}
        self.touched |= {k for k in overrides if k in self.defaults}
        r.resetAll()
        for b, v in self.bdefaults.items():
            self.set(b, overrides.get(b, v))
        for k in self.touched:
            r[k] = overrides.get(k, self.defaults[k])
        env = dict(self.math_env)
        env.update({p: r[p] for p in r.model.getGlobalParameterIds()})
        env.update({sp: self.get(sp) for sp in self.species if sp in self.ids})
        env.update({c: r[c] for c in r.model.getCompartmentIds()})
        for sym, code in self.ia:
            if sym in self.species:
                v = eval(code, {"__builtins__": {}}, env)
                env[sym] = v
                self.set(sym, v)
        return r

    def apply(self, changes):
        skipped = []
        for k, v in changes.items():
            if k in self.ids:
                self.set(k, v)
            else:
                skipped.append(k)
        return skipped

    def relax(self, t=2e6):
        """Pre-equilibrate: integrate long (robust for stiff, slowly converging systems), then polish."""
        r = self.r
        t0 = r.model.getTime()
        r.simulate(t0, t0 + t, 3)
        r.simulate(t0 + t, t0 + 1.5 * t, 2)   # long integration only (NLEQ polishing found spurious roots)
        r.model.setTime(0.0)

    def run(self, t_end, times, selections):
        """Integrate from the current state from 0 to t_end, returning values at `times` (sorted)."""
        r = self.r
        grid = sorted(set([0.0] + [float(t) for t in times] + [float(t_end)]))
        out = {}
        t = r.model.getTime()
        vals = {0.0: {s: self.get(s) for s in selections}} if t == 0.0 else {}
        for t_next in grid:
            if t_next <= t:
                if t_next == t:
                    vals[t_next] = {s: self.get(s) for s in selections}
                continue
            r.simulate(t, t_next, 2)
            t = t_next
            vals[t] = {s: self.get(s) for s in selections}
        return vals

    def state(self, ids):
        return {i: self.get(i) for i in ids}
