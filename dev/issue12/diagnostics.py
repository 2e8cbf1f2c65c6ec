"""The issue's symptoms, for the original and the revised model: Mg-free medium, Mg loading,
local sensitivities of the steady state, ATP depletion. Usage: python diagnostics.py [model.ant ...]"""
import sys
import numpy as np
from simlib import Model

ORIG_VSYN = 0.25


def steady(m, over):
    m.fresh(over); m.relax()
    return m


def run(m, t_end, changes, ids, times):
    m.apply(changes)
    out, t = {}, 0.0
    for x in times:
        m.r.simulate(t, x, 2); t = x
        out[x] = {i: m.get(i) for i in ids}
    return out


def main(path):
    orig = "original" in path
    m = Model(path)
    vsyn = ORIG_VSYN if orig else 0.5
    print(f"===== {path}")
    steady(m, {})
    d = {i: m.get(i) for i in ("Mg_c", "Mg_tot_c", "Mg_m", "Mg_tot_m", "ATP_tot_c", "MgATP_c")}
    extra = {i: m.get(i) for i in ("ADP_tot_c", "AMP_c", "Pi_tot_c", "uptake_reg") if i in m.ids}
    print("default steady state:", {k: round(v, 3) for k, v in {**d, **extra}.items()})
    J = {rx: m.r[rx] for rx in ("J_TRPM7", "J_MagT1", "J_SLC41A1", "J_MRS2", "J_SLC41A3")}
    print("resting fluxes (fmol/s):", {k: f"{v:.3g}" for k, v in J.items()},
          f"cytosolic Mg turnover {d['Mg_tot_c'] * 2 / (J['J_TRPM7'] + J['J_MagT1']) / 3600:.1f} h")
    # Mg-free medium
    steady(m, {})
    r = run(m, 0, {"Mg_e": 0.0}, ["Mg_c", "Mg_tot_c"], [1800, 10800, 16 * 3600, 48 * 3600])
    print("Mg-free medium:", "; ".join(f"{t/3600:g} h: free {v['Mg_c']:.3g}, total {v['Mg_tot_c']:.3g}" for t, v in r.items()))
    # loading
    for mge in (2.0, 5.0, 10.0):
        try:
            steady(m, {"Mg_e": mge})
            ss = (m.get("Mg_c"), m.get("Mg_tot_c"), m.get("Mg_m"))
            steady(m, {})
            r = run(m, 0, {"Mg_e": mge}, ["Mg_c", "Mg_tot_c", "Mg_m", "Mg_tot_m"], [3600, 48 * 3600])
            print(f"Mg_e {mge:g} mM: 1 h free {r[3600]['Mg_c']:.3g}; 48 h free {r[172800]['Mg_c']:.3g}, total {r[172800]['Mg_tot_c']:.3g}, "
                  f"matrix free {r[172800]['Mg_m']:.3g} total {r[172800]['Mg_tot_m']:.3g}; steady state free {ss[0]:.3g}")
        except RuntimeError as e:
            print(f"Mg_e {mge:g}: failed ({str(e)[:60]})")
    # local sensitivities of the steady-state Mg_c
    steady(m, {}); base = m.get("Mg_c")
    sens = {}
    for p in ("V_pm", "temperature", "Na_e", "Na_c", "Mg_e", "Vmax_SLC41A1", "P_TRPM7", "Vmax_MagT1"):
        v0 = m.defaults[p] if p in m.defaults else m.bdefaults[p]
        steady(m, {p: v0 * 1.01}); sens[p] = (m.get("Mg_c") / base - 1) / 0.01
    print("d ln Mg_c / d ln p:", {k: round(v, 2) for k, v in sens.items()})
    # ATP depletion (synthesis to 20 %), free Mg peak and time course
    steady(m, {})
    times = [30, 60, 90, 120, 300, 600, 1800, 3600, 7200]
    r = run(m, 0, {"v_ATP_syn": 0.2 * vsyn}, ["Mg_c", "ATP_tot_c"], times)
    print("ATP synthesis -> 20 %:", "; ".join(f"{t/60:g} min {v['Mg_c']/base:.2f}x (ATP {v['ATP_tot_c']:.2f})" for t, v in r.items()))
    steady(m, {})
    r = run(m, 0, {"v_ATP_syn": 0.0, "dpsi_m": 0.0, **({} if orig else {"dpH_m": 0.0})}, ["Mg_c", "ATP_tot_c", "Mg_m"], times)
    print("uncoupler (no synthesis, dpsi 0):", "; ".join(f"{t/60:g} min {v['Mg_c']/base:.2f}x" for t, v in r.items()))


if __name__ == "__main__":
    for p in sys.argv[1:] or ["mg_transport_original.ant", "mg_transport.ant"]:
        main(p)
