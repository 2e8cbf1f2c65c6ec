"""Simulate every experiment folder with roadrunner for a model and score it against the data.

Usage: python run_experiments.py [model.ant ...]   (default: original and revised)
Does not import mgsignal. Observation parameters (scales, offsets) are fitted in closed form per
experiment within their bounds (parameters.tsv); everything else comes from the model file.
"""
from __future__ import annotations
import csv, math, sys, time
from pathlib import Path
import numpy as np
from simlib import Model

ROOT = Path(__file__).parent
ORIGINAL_V_SYN = 0.25   # the original model's v_ATP_syn (conditions are written for the revised default 0.5)


def read_tsv(p):
    with open(p) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_experiment(d):
    conds = {r["conditionId"]: {k: float(v) for k, v in r.items() if k not in ("conditionId", "conditionName") and v != ""}
             for r in read_tsv(d / "conditions.tsv")}
    prot = {}
    for r in read_tsv(d / "protocol.tsv"):
        prot.setdefault(r["protocolId"], []).append((float(r["start_time"]), r["conditionId"]))
    obs = {r["observableId"]: r for r in read_tsv(d / "observables.tsv")}
    meas = read_tsv(d / "measurements.tsv")
    pars = {r["parameterId"]: r for r in read_tsv(d / "parameters.tsv")} if (d / "parameters.tsv").exists() else {}
    split = (d / "SPLIT").read_text().strip()
    return conds, prot, obs, meas, pars, split


def adapt(model, changes, original):
    ch = dict(changes)
    if original and "v_ATP_syn" in ch:
        ch["v_ATP_syn"] = ch["v_ATP_syn"] * ORIGINAL_V_SYN / 0.5
    return ch


def quantities(model):
    g = model.get
    q = {"Mg_c": g("Mg_c"), "Mg_tot_c": g("Mg_tot_c"), "J_pm_net": g("J_pm_net")}
    q["J_pm_influx"] = g("J_pm_influx") if "J_pm_influx" in model.ids else \
        model.r["J_TRPM7"] + model.r["J_TRPM6"] + model.r["J_MagT1"]
    for extra in ("ATP_tot_c", "Mg_m", "Mg_tot_m", "Pi_tot_c", "ADP_tot_c"):
        if extra in model.ids:
            q[extra] = g(extra)
    return q


def simulate_protocol(model, conds, pre_id, phases, times, original=False, dense=None, cache=None):
    """Returns {t: quantities} for requested times, and a dense trajectory if dense (n points per phase)."""
    pre = adapt(model, conds[pre_id], original)
    model.fresh(pre)
    rr_params = [p for p in ("uptake_reg",) if p in model.ids]
    if cache is not None and pre_id in cache:
        amounts, extra = cache[pre_id]
        model.r.model.setFloatingSpeciesAmounts(amounts)
        for p, v in zip(rr_params, extra):
            model.r[p] = v
        model.r.model.setTime(0.0)
    else:
        model.relax()
        if cache is not None:
            cache[pre_id] = (model.r.model.getFloatingSpeciesAmounts().copy(), [model.r[p] for p in rr_params])
    out, traj = {}, []
    times = sorted(set(times))
    t = 0.0
    phases = sorted(phases)
    ends = [p[0] for p in phases[1:]] + [max(times + [phases[-1][0]]) + 1.0]
    for (t0, cid), t1 in zip(phases, ends):
        model.apply(adapt(model, conds[cid], original))
        grid = [x for x in times if t0 <= x < t1 or (x == t1 and t1 == ends[-1])]
        if dense:
            grid = sorted(set(grid + list(np.linspace(t0, t1, dense))))
        for x in grid:
            if x > t:
                model.r.simulate(t, x, 2)
                t = x
            qs = quantities(model)
            if x in times:
                out[x] = qs
            traj.append((x, qs))
        if t1 > t:
            model.r.simulate(t, t1, 2)
            t = t1
    return out, traj


def score_experiment(model, d, original=False):
    conds, prot, obs, meas, pars, split = load_experiment(d)
    by_prot = {}
    for m in meas:
        by_prot.setdefault((m["protocolId"], m["preequilibrationConditionId"]), []).append(m)
    rows, skipped, cache = [], set(), {}
    for (pid, pre), ms in by_prot.items():
        for cid in [c for _, c in prot[pid]] + [pre]:
            skipped |= {k for k in conds[cid] if k not in model.ids}
        res, _ = simulate_protocol(model, conds, pre, prot[pid], [float(m["time"]) for m in ms], original, cache=cache)
        for m in ms:
            o = obs[m["observableId"]]
            f = o["observableFormula"].replace(f"observableParameter1_{m['observableId']}", "P")
            q = res[float(m["time"])]
            rows.append(dict(m, q=q, formula=f))
    # closed-form observation parameters: formulas are P*X, -P*X or X - P
    fitted = {}
    for pid in {r["observableParameters"] for r in rows if r["observableParameters"]}:
        sel = [r for r in rows if r["observableParameters"] == pid]
        X = np.array([eval(r["formula"].replace("P", "1").replace("- 1", "- 0").replace("-1 *", "-"), {}, dict(r["q"]))
                      if "- P" in r["formula"] else eval(r["formula"].replace("P", "1"), {}, dict(r["q"])) for r in sel])
        y = np.array([float(r["measurement"]) for r in sel]); s = np.array([float(r["noiseParameters"]) for r in sel])
        lb, ub = float(pars[pid]["lowerBound"]), float(pars[pid]["upperBound"])
        if "- P" in sel[0]["formula"]:     # offset: y = X - P
            p = float(np.sum((X - y) / s**2) / np.sum(1 / s**2))
        else:
            p = float(np.sum(y * X / s**2) / np.sum(X**2 / s**2)) if np.any(X) else 1.0
        fitted[pid] = min(max(p, lb), ub)
    out = []
    for r in rows:
        env = dict(r["q"]); env["P"] = fitted.get(r["observableParameters"], 1.0)
        yhat = eval(r["formula"], {}, env)
        y, s = float(r["measurement"]), float(r["noiseParameters"])
        out.append({"obs": r["observableId"], "protocol": r["protocolId"], "t": float(r["time"]), "y": y, "sd": s,
                    "yhat": yhat, "z": (yhat - y) / s, "note": r["note"]})
    return split, out, fitted, skipped


def main(paths):
    dirs = sorted(p for p in ROOT.iterdir() if (p / "measurements.tsv").exists())
    summary = {}
    for path in paths:
        original = "original" in path
        t0 = time.time()
        model = Model(path)
        print(f"\n===== {path}")
        for d in dirs:
            try:
                split, rows, fitted, skipped = score_experiment(model, d, original)
            except Exception as e:   # a failed simulation is a result too
                print(f"{d.name:30s} FAILED: {str(e).splitlines()[0][:120]}")
                summary[(path, d.name)] = (None, None, None)
                continue
            z = np.array([r["z"] for r in rows])
            chi2 = float(np.sum(z**2)); n = len(z); w1 = float(np.mean(np.abs(z) <= 1)); w2 = float(np.mean(np.abs(z) <= 2))
            summary[(path, d.name)] = (chi2, n, w2)
            print(f"{d.name:30s} {split:9s} n={n:2d} chi2={chi2:10.2f} within1sd={w1:4.2f} within2sd={w2:4.2f} "
                  f"obspar={ {k: round(v, 4) for k, v in fitted.items()} } {'ignored ids: ' + ','.join(sorted(skipped)) if skipped else ''}")
            for r in rows:
                print(f"    {r['obs']:18s} {r['protocol']:8s} t={r['t']:8.0f} y={r['y']:8.4g} sd={r['sd']:6.3g} model={r['yhat']:9.4g} z={r['z']:7.2f}  {r['note'][:60]}")
        print(f"({time.time() - t0:.1f} s)")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:] or ["mg_transport_original.ant", "mg_transport.ant"])
