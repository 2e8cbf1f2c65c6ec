"""Thermodynamic consistency of every transporter of a model: each flux must vanish at its own
electrochemical equilibrium, whatever the regulatory state. Also: with every driving force removed
(no Na+ gradient, no potentials, no metabolism) the whole model must relax to a state with all
transport fluxes zero and Mg_c = Mg_e = Mg_m. Usage: python thermo_check.py model.ant"""
import math, sys
import numpy as np
from simlib import Model

F, R = 96485.33212, 8.314462618


def check(path, n=200, seed=1):
    m = Model(path)
    rng = np.random.default_rng(seed)
    r = m.r
    has = lambda i: i in m.ids
    worst = {}
    for _ in range(n):
        m.fresh({})
        T = rng.uniform(293, 312); V = rng.uniform(-90, 10); dpsi = rng.uniform(-200, 0)
        Na_e = rng.uniform(1, 150); Na_c = rng.uniform(1, 60); Mg_e = rng.uniform(0.05, 20)
        for k, v in dict(temperature=T, V_pm=V, dpsi_m=dpsi, Na_e=Na_e, Na_c=Na_c, Mg_e=Mg_e).items():
            m.set(k, v)
        if has("dpH_m"):
            m.set("dpH_m", rng.uniform(0, 1.2))
        m.set("TRPM6", 1.0)
        # random regulatory state (ATP, Mg_m, uptake factor) -- fluxes must still vanish
        m.set("MgATP_c", rng.uniform(0.01, 8)); m.set("ATP_c", rng.uniform(0.01, 3))
        if has("uptake_reg"):
            r["uptake_reg"] = rng.uniform(0.2, 3)
        u = 2 * F * V * 1e-3 / (R * T)
        ui = 2 * F * dpsi * 1e-3 / (R * T)
        nNa = r["n_Na_SLC41A1"]
        tests = {
            "J_TRPM7": ("Mg_c", Mg_e * math.exp(-u)),
            "J_TRPM6": ("Mg_c", Mg_e * math.exp(-u)),
            "J_MagT1": ("Mg_c", Mg_e * math.exp(-u)),
            "J_SLC41A1": ("Mg_c", Mg_e * (Na_c / Na_e) ** nNa * math.exp(-(2 - nNa) * F * V * 1e-3 / (R * T))),
        }
        for rx, (sp, val) in tests.items():
            m.set("Mg_m", rng.uniform(0.1, 3))
            m.set(sp, val)
            if rx == "J_TRPM6":
                r["[TRPM6]"] if False else None
            scale = max(abs(r[rx]) for _ in [0])
            # reference magnitude: same flux 20 % off equilibrium
            m.set(sp, val * 1.2); ref = abs(r[rx]); m.set(sp, val)
            rel = abs(r[rx]) / ref if ref > 0 else abs(r[rx])
            worst[rx] = max(worst.get(rx, 0), rel)
        Mg_c = rng.uniform(0.1, 3); m.set("Mg_c", Mg_c)
        m.set("Mg_m", Mg_c * math.exp(-ui)); m.set("Mg_m", Mg_c * math.exp(-ui))
        val = Mg_c * math.exp(-ui); m.set("Mg_m", val * 1.2); ref = abs(r["J_MRS2"]); m.set("Mg_m", val)
        worst["J_MRS2"] = max(worst.get("J_MRS2", 0), abs(r["J_MRS2"]) / ref)
        rimm = r["r_IMM"] if has("r_IMM") else 1.0
        if "J_SLC41A3" in r.model.getReactionIds():
            m.set("Mg_m", Mg_c * rimm * 1.2); ref = abs(r["J_SLC41A3"]); m.set("Mg_m", Mg_c * rimm)
            worst["J_SLC41A3 (Mg/2Na-H exchange)"] = max(worst.get("J_SLC41A3 (Mg/2Na-H exchange)", 0), abs(r["J_SLC41A3"]) / ref)
        if "J_Pi_pm" in r.model.getReactionIds():
            pe = m.get("Pi_e"); m.set("Pi_c", pe * 1.2); ref = abs(r["J_Pi_pm"]); m.set("Pi_c", pe)
            worst["J_Pi_pm"] = max(worst.get("J_Pi_pm", 0), abs(r["J_Pi_pm"]) / ref)
    print(f"{path}: max |flux at equilibrium| / |flux 20 % off equilibrium| over {n} random states")
    for k, v in worst.items():
        print(f"   {k:32s} {v:.2e}  {'OK' if v < 1e-8 else 'NOT ZERO'}")
    # whole model without driving forces
    ov = dict(Na_e=10.0, Na_c=10.0, V_pm=0.0, dpsi_m=0.0, Mg_e=0.7, v_ATP_syn=0.0, k_ATP_use=0.0)
    if has("dpH_m"):
        ov["dpH_m"] = 0.0
    try:
        m.fresh(ov); m.relax()
    except RuntimeError as e:
        print("   no driving forces: integration failed:", str(e).splitlines()[0][:100]); return
    fl = {rx: r[rx] for rx in ("J_TRPM7", "J_MagT1", "J_SLC41A1", "J_MRS2", "J_SLC41A3")}
    print(f"   no driving forces: Mg_c={m.get('Mg_c'):.6f} Mg_m={m.get('Mg_m'):.6f} (Mg_e 0.7); fluxes " +
          " ".join(f"{k}={v:.1e}" for k, v in fl.items()))


if __name__ == "__main__":
    for p in sys.argv[1:] or ["mg_transport_original.ant", "mg_transport.ant"]:
        check(p)
