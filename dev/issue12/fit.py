"""Calibrate the assumed parameters of the revised model to the TRAIN experiments (scipy least_squares,
log10 parameters, 2 worker processes). Held-out experiments are never used here.
Writes fit_result.json (best parameters, residuals, approximate standard errors from the Jacobian).
Usage: python fit.py [max_nfev]
"""
from __future__ import annotations
import json, sys, time
from multiprocessing import Pool
from pathlib import Path
import numpy as np
from scipy.optimize import least_squares

ROOT = Path(__file__).parent
MODEL = "mg_transport.ant"
PARAMS = {  # id: (lower, upper) on the linear scale; start = value in the model file
    "Vmax_SLC41A1": (1e-3, 1.0), "K_act_SLC41A1": (0.2, 5.0), "h_act_SLC41A1": (1.0, 12.0),
    "K_Mg_SLC41A1": (0.2, 50.0), "K_Na_SLC41A1": (5.0, 150.0), "Vmax_MagT1": (1e-4, 0.05),
    "P_TRPM7": (1e-6, 1e-2), "Kd_L": (0.01, 3.0), "L_tot_c": (3.0, 60.0), "k_ATP_use": (0.005, 0.5),
    "reg_max_uptake": (1.0, 20.0), "K_reg_uptake": (0.1, 3.0),
}
# weak log-normal priors (log10 centre, log10 SD): literature values where there is one, the
# assumption of the model file otherwise; used only when PRIORS_ON (command-line flag "priors")
PRIORS = {"h_act_SLC41A1": (2.4, 0.3), "K_Na_SLC41A1": (25.0, 0.3), "reg_max_uptake": (2.5, 0.5),
          "K_reg_uptake": (0.8, 0.5), "K_Mg_SLC41A1": (5.0, 0.5), "P_TRPM7": (6e-4, 0.5), "Kd_L": (0.15, 0.5)}
PRIORS_ON = "priors" in sys.argv
import os
FIX = dict((kv.split("=")[0], float(kv.split("=")[1])) for kv in os.environ.get("FIX", "").split(",") if kv)
for _k in FIX:
    PARAMS.pop(_k, None)
TRAIN = sorted(d.name for d in ROOT.iterdir() if (d / "SPLIT").exists() and (d / "SPLIT").read_text().strip() == "train")
_model = None


def _init():
    global _model
    sys.path.insert(0, str(ROOT))
    from simlib import Model
    _model = Model(str(ROOT / MODEL))


def _set_defaults(values):
    m = _model
    m.fresh({})
    for k, v in values.items():
        m.defaults[k] = v
        m.touched.add(k)


def _experiment(args):
    values, name = args
    from run_experiments import score_experiment
    _set_defaults(values)
    try:
        split, rows, fitted, _ = score_experiment(_model, ROOT / name)
        return name, [r["z"] for r in rows]
    except Exception as e:
        return name, None


def _prior(values):
    """Penalties that keep the default steady state in the literature ranges (literature.md)."""
    _set_defaults(values)
    m = _model
    m.fresh({})
    m.relax()
    mg, tot = m.get("Mg_c"), m.get("Mg_tot_c")
    # buffering power d total / d free at rest, by finite difference of the binding equilibria
    kd = {"ATP": values.get("Kd_MgATP", 0.084)}
    B = (m.get("ATP_tot_c") * 0.084 / (0.084 + mg) ** 2 + m.get("ADP_tot_c") * 0.562 / (0.562 + mg) ** 2
         + m.get("Pi_tot_c") * 13 / (13 + mg) ** 2 + values["L_tot_c"] * values["Kd_L"] / (values["Kd_L"] + mg) ** 2 + 1)
    res = [(mg - 0.8) / 0.1, (tot - 18.5) / 0.5,
           max(0.0, 2.0 - B) / 0.3, max(0.0, B - 5.0) / 0.3]
    return res, {"Mg_c": mg, "Mg_tot_c": tot, "B": B, "Mg_m": m.get("Mg_m"), "Mg_tot_m": m.get("Mg_tot_m")}


class Objective:
    def __init__(self, pool, names, start):
        self.pool, self.names, self.start, self.n = pool, names, start, 0
        self.best = (np.inf, None)

    def values(self, x):
        v = {k: float(10 ** xi) for k, xi in zip(self.names, x)}
        v.update(FIX)
        return v

    def __call__(self, x):
        vals = self.values(x)
        out = self.pool.map(_experiment, [(vals, e) for e in TRAIN])
        prior, info = self.pool.apply(_prior, (vals,))
        r = []
        for name, z in out:
            r.extend(z if z is not None else [30.0] * 12)
        if PRIORS_ON:
            prior = prior + [(np.log10(vals[k]) - np.log10(c)) / sd for k, (c, sd) in PRIORS.items() if k in vals]
        r = np.array(r + prior, dtype=float)
        r = np.clip(np.nan_to_num(r, nan=30.0, posinf=30.0, neginf=-30.0), -100, 100)
        cost = float(np.sum(r ** 2))
        self.n += 1
        if cost < self.best[0]:
            self.best = (cost, vals, info)
            print(f"[{self.n}] cost {cost:.2f} {info} " + " ".join(f"{k}={v:.4g}" for k, v in vals.items()), flush=True)
        return r


def main(max_nfev=200, x_start=None):
    sys.path.insert(0, str(ROOT))
    from simlib import Model
    base = Model(str(ROOT / MODEL))
    names = list(PARAMS)
    x0 = np.log10([base.r[k] for k in names])
    lb = np.log10([PARAMS[k][0] for k in names]); ub = np.log10([PARAMS[k][1] for k in names])
    if x_start is not None:
        x0 = np.log10([x_start.get(k, base.r[k]) for k in names])
    x0 = np.clip(x0, lb + 1e-6, ub - 1e-6)
    class Serial:
        def map(self, f, xs): return [f(x) for x in xs]
        def apply(self, f, args): return f(*args)
    _init()
    if True:
        pool = Serial()
        obj = Objective(pool, names, x0)
        t0 = time.time()
        res = least_squares(obj, x0, bounds=(lb, ub), diff_step=0.02, max_nfev=max_nfev, x_scale=1.0, verbose=1)
        vals = obj.values(res.x)
        J = res.jac
        try:
            cov = np.linalg.pinv(J.T @ J)
            se = np.sqrt(np.clip(np.diag(cov), 0, None))
        except Exception:
            se = np.full(len(names), np.nan)
        sv = np.linalg.svd(J, compute_uv=False)
        out = {"values": vals, "se_log10": dict(zip(names, map(float, se))), "cost": float(2 * res.cost),
               "train": TRAIN, "nfev": res.nfev, "seconds": time.time() - t0,
               "singular_values": list(map(float, sv)), "best_info": obj.best[2]}
        Path(ROOT / os.environ.get("OUT", "fit_result.json")).write_text(json.dumps(out, indent=1))
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "priors"]
    start = json.loads(Path(args[1]).read_text())["values"] if len(args) > 1 else None
    main(int(args[0]) if args else 200, start)
