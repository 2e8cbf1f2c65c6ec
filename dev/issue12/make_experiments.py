"""Writes the PEtab-style experiment folders (one per experiment) from the tables below.

Every number comes from the source named in the experiment's SOURCE.md; values computed from a
reported fit (rate constant, Hill curve) are marked "derived" there. Multi-phase protocols
(loading, then efflux) are given in protocol.tsv (phase start times on the measurement clock,
condition active from that time); measurements.tsv names the condition active at each
measurement time as simulationConditionId (PEtab v1 columns; protocolId is an extra column, the
same information as a PEtab v2 experiments table).
"""
from __future__ import annotations
import csv
from pathlib import Path

ROOT = Path(__file__).parent
DEFAULTS = {  # revised-model defaults, written out in every condition row
    "Mg_e": 0.6, "Na_e": 140.0, "Na_c": 10.0, "temperature": 310.15, "V_pm": -70.0,
    "v_ATP_syn": 0.5, "dpsi_m": -160.0, "dpH_m": 0.8, "Pi_e": 1.0, "Cr_tot_c": 0.0,
    "SLC41A1": 1.0, "MRS2": 1.0, "SLC41A3": 1.0,
}


def write_tsv(path, rows, columns):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})


def experiment(eid, split, conditions, protocols, observables, measurements, parameters, source):
    d = ROOT / eid
    d.mkdir(exist_ok=True)
    used = sorted({k for c in conditions.values() for k in c})
    cols = ["conditionId", "conditionName"] + used
    rows = []
    for cid, ch in conditions.items():
        row = {"conditionId": cid, "conditionName": ch.get("_name", cid)}
        for k in used:
            if k.startswith("_"):
                continue
            row[k] = ch.get(k, DEFAULTS[k])
        rows.append(row)
    write_tsv(d / "conditions.tsv", rows, [c for c in cols if not c.startswith("_")])
    prow = [{"protocolId": pid, "phase": i, "start_time": t, "conditionId": cid}
            for pid, phases in protocols.items() for i, (t, cid) in enumerate(phases)]
    write_tsv(d / "protocol.tsv", prow, ["protocolId", "phase", "start_time", "conditionId"])
    write_tsv(d / "observables.tsv", observables,
              ["observableId", "observableName", "observableFormula", "observableTransformation",
               "noiseFormula", "noiseDistribution", "assay"])
    mrows = []
    for m in measurements:
        pid = m["protocolId"]
        phases = protocols[pid]
        active = [cid for t, cid in phases if t <= m["time"]][-1]
        mrows.append({"observableId": m["obs"], "preequilibrationConditionId": m.get("pre", "basal"),
                      "simulationConditionId": active, "time": m["time"], "measurement": m["y"],
                      "observableParameters": m.get("op", ""), "noiseParameters": m["sd"],
                      "datasetId": m.get("ds", eid), "protocolId": pid, "note": m.get("note", "")})
    write_tsv(d / "measurements.tsv", mrows,
              ["observableId", "preequilibrationConditionId", "simulationConditionId", "time",
               "measurement", "observableParameters", "noiseParameters", "datasetId", "protocolId", "note"])
    write_tsv(d / "parameters.tsv", parameters,
              ["parameterId", "parameterScale", "lowerBound", "upperBound", "nominalValue", "estimate", "note"])
    (d / "SOURCE.md").write_text(source.strip() + "\n")
    (d / "SPLIT").write_text(split + "\n")


def scale_par(pid, note):
    return {"parameterId": pid, "parameterScale": "log10", "lowerBound": 0.5, "upperBound": 2.0,
            "nominalValue": 1.0, "estimate": 1, "note": note}


def free_mg_obs(oid, scale, assay):
    return {"observableId": oid, "observableName": "cytosolic free Mg2+ as reported",
            "observableFormula": f"observableParameter1_{oid} * Mg_c", "observableTransformation": "lin",
            "noiseFormula": f"noiseParameter1_{oid}", "noiseDistribution": "normal", "assay": assay}


MAGFURA = ("mag-fura-2 (furaptra) F340/F380 ratio converted by the authors to free Mg2+ (mM); the "
           "scale parameter absorbs the in-situ Kd uncertainty (Kd in cells 20-100 % above the in-vitro value) "
           "and cell-type differences; forward model: mgsignal.experiments.magfura2")

# -------------------------------------------------------------------------------------------------
# 1. Almulla 2006: recovery of free Mg2+ after Mg loading, rat ventricular myocytes, 37 degC
rat_heart = {"Cr_tot_c": 25.0, "Mg_e": 1.0, "Na_e": 140.0, "Na_c": 10.0}
k = 0.3 / 60.0
import math
rec = lambda t, k=k: round(0.75 + 0.75 * math.exp(-k * t), 3)
experiment(
    "almulla2006_recovery", "train",
    {"basal": dict(rat_heart, _name="normal Tyrode (1 mM Mg assumed)"),
     "load_NaFree_Mg30": dict(rat_heart, Mg_e=30.0, Na_e=0.0, _name="Na+- and Ca2+-free, 30 mM Mg2+"),
     "recovery_Na140": dict(rat_heart, _name="Na+ re-added: normal Tyrode"),
     "recovery_Na70": dict(rat_heart, Na_e=70.0, _name="Na+ re-added at 70 mM"),
     "recovery_imipramine": dict(rat_heart, SLC41A1=0.0, _name="normal Tyrode + 200 uM imipramine (exchanger blocked)")},
    {"rec140": [(0, "basal"), (60, "load_NaFree_Mg30"), (960, "recovery_Na140")],
     "rec70": [(0, "basal"), (60, "load_NaFree_Mg30"), (960, "recovery_Na70")],
     "recimi": [(0, "basal"), (60, "load_NaFree_Mg30"), (960, "recovery_imipramine")]},
    [free_mg_obs("mgc_almulla", "scale_almulla", MAGFURA)],
    [{"obs": "mgc_almulla", "protocolId": "rec140", "time": 0, "y": 0.75, "sd": 0.1, "op": "scale_almulla", "note": "basal, abstract"},
     {"obs": "mgc_almulla", "protocolId": "rec140", "time": 959, "y": 1.5, "sd": 0.3, "op": "scale_almulla", "note": "end of 15 min load: 'more than doubled' (lower bound 2 x 0.75)"}]
    + [{"obs": "mgc_almulla", "protocolId": "rec140", "time": 960 + t, "y": rec(t), "sd": 0.1, "op": "scale_almulla",
        "note": f"derived: 0.75 + 0.75 exp(-0.3/min t), t = {t/60:g} min"} for t in (60, 120, 240, 480, 900)]
    + [{"obs": "mgc_almulla", "protocolId": "rec70", "time": 960 + t, "y": rec(t, k * 0.5 ** 1.06), "sd": 0.1, "op": "scale_almulla",
        "note": f"derived: rate 0.3/min x (70/140)^1.06, t = {t/60:g} min"} for t in (120, 240, 480)]
    + [{"obs": "mgc_almulla", "protocolId": "recimi", "time": 960 + 480, "y": 1.5, "sd": 0.3, "op": "scale_almulla",
        "note": "imipramine: recovery completely inhibited -> stays at the loaded level"}],
    [scale_par("scale_almulla", "mag-fura-2 calibration / cell-type factor")],
    """
# almulla2006_recovery (train)

**Source.** Almulla HA, Bush PG, Steele MG, Ellis D, Flatman PW. Sodium-dependent recovery of
ionised magnesium concentration following magnesium load in rat heart myocytes. 2006; journal
recalled as Pflügers Arch (to verify; volume, pages, DOI, PMID not read).
Read via search result https://discovery.researcher.life/article/sodium-dependent-recovery-of-ionised-magnesium-concentration-following-magnesium-load-in-rat-heart-myocytes/9e6516edfaab3702b8f6c5ec9012e777
(abstract only; also https://staging.scite.ai/authors/hasan-almulla-Z8mN5d).

**Cells, method.** Isolated rat ventricular myocytes, 37 °C, mag-fura-2 (free Mg2+, mM).

**Numbers read (abstract).** Basal free Mg2+ 0.75 mM. Superfusion 15 min with Na+- and Ca2+-free
solution containing 30 mM Mg2+ "more than doubled" free Mg2+. Re-addition of Na+: exponential
fall to the basal level; rate 0.3 min-1 in normal Tyrode; log(rate) vs log([Na+]) slope 1.06
(95 % CI 0.94-1.17); Q10 2.2; 200 µM imipramine inhibits recovery completely; recovery complete
even at 0 mV or 3 mM external Mg2+; depolarisation (70 mM K+ or clamp to 0 mV) raises the rate
more than threefold (-> held-out experiment almulla2006_depolarisation).

**Encoding and conversions.** No figure values were available, so the recovery points are
*derived* from the reported exponential: Mg(t) = 0.75 + 0.75 exp(-k t), k = 0.3 min-1, starting
from the lower bound of the load (2 x 0.75 = 1.5 mM). At 70 mM Na+, k = 0.3 x 0.5^1.06 min-1.
No SD/SEM or n in the abstract: noise assumed 0.1 mM (0.3 mM for the load level, a lower bound).
Bath composition of "normal Tyrode" not in the abstract: Na+ 140 mM and Mg2+ 1 mM assumed (to verify).
Imipramine is encoded as SLC41A1 = 0. Na+ replacement in the loading solution is encoded as
Na_e = 0; Ca2+ is not in the model. Heart creatine pool Cr_tot_c = 25 mM (assumption, to verify).
Protocol: 60 s basal, 15 min loading, recovery from t = 960 s.
""")

experiment(
    "almulla2006_depolarisation", "held-out",
    {"basal": dict(rat_heart, _name="normal Tyrode"),
     "load_NaFree_Mg30": dict(rat_heart, Mg_e=30.0, Na_e=0.0, _name="Na+- and Ca2+-free, 30 mM Mg2+"),
     "recovery_0mV": dict(rat_heart, V_pm=0.0, _name="Na+ re-added, membrane clamped to 0 mV")},
    {"rec0mV": [(0, "basal"), (60, "load_NaFree_Mg30"), (960, "recovery_0mV")]},
    [free_mg_obs("mgc_almulla_dep", "scale_almulla_dep", MAGFURA)],
    [{"obs": "mgc_almulla_dep", "protocolId": "rec0mV", "time": 0, "y": 0.75, "sd": 0.1, "op": "scale_almulla_dep", "note": "basal"},
     {"obs": "mgc_almulla_dep", "protocolId": "rec0mV", "time": 959, "y": 1.5, "sd": 0.3, "op": "scale_almulla_dep", "note": "end of load, lower bound"}]
    + [{"obs": "mgc_almulla_dep", "protocolId": "rec0mV", "time": 960 + t, "y": rec(t, 3 * k), "sd": 0.1, "op": "scale_almulla_dep",
        "note": f"derived: rate 3 x 0.3/min (lower bound 'more than threefold'), t = {t/60:g} min"} for t in (60, 120, 240)],
    [scale_par("scale_almulla_dep", "mag-fura-2 calibration / cell-type factor")],
    """
# almulla2006_depolarisation (held-out)

**Source.** As almulla2006_recovery: Almulla HA et al. 2006 (journal recalled as Pflügers Arch, to verify), abstract read via https://discovery.researcher.life/article/sodium-dependent-recovery-of-ionised-magnesium-concentration-following-magnesium-load-in-rat-heart-myocytes/9e6516edfaab3702b8f6c5ec9012e777

**Numbers.** "Membrane depolarisation by increasing superfusate [K+] to 70 mM, or voltage clamp to
0 mV, increased recovery rate in Na+ containing solutions more than threefold." Encoded as V_pm = 0
during recovery, rate >= 3 x 0.3 min-1 (derived points; noise assumed 0.1 mM).

**Why held out.** A direct test of the exchanger's electrogenicity: an electroneutral 2Na+:1Mg2+
exchanger (the revision) predicts no voltage effect, a 1:1 exchanger a rise. Note the conflicting
observation of Tashiro & Konishi 1997 (tenia caeci): depolarisation with 56 mM K+ *inhibited* the
exchange slightly.
""")

# -------------------------------------------------------------------------------------------------
# 2. Tashiro & Konishi 1997: rate of rise of free Mg2+ when external Na+ is lowered (tenia caeci)
hill = lambda na: 0.16e-3 * 30 ** 3 / (30 ** 3 + na ** 3)   # mM/s
teniae = {"Mg_e": 1.0, "Na_e": 140.0, "temperature": 298.15}
conds = {"basal": dict(teniae, _name="normal solution, Ca2+-free (Mg2+ 1 mM assumed)")}
prots, meas = {}, []
for na in (0, 15, 30, 60):
    cid = f"Na{na}"
    conds[cid] = dict(teniae, Na_e=float(na), _name=f"external Na+ lowered to {na} mM")
    prots[f"p{na}"] = [(0, "basal"), (1e-9, cid)] if False else [(0, cid)]
    meas.append({"obs": "dmgc_tashiro97", "protocolId": f"p{na}", "time": 0, "y": 0.0, "sd": 0.003,
                 "op": "offset_tashiro97", "note": "start of the Na+ step (offset = basal free Mg2+)"})
    meas.append({"obs": "dmgc_tashiro97", "protocolId": f"p{na}", "time": 300, "y": round(hill(na) * 300, 4),
                 "sd": 0.005, "op": "offset_tashiro97",
                 "note": f"derived: initial rate {hill(na)*1e3:.3f} uM/s x 300 s from the Hill fit (max 0.16 uM/s, K 30 mM, n 3)"})
experiment(
    "tashiro1997_na_dependence", "train", conds, prots,
    [{"observableId": "dmgc_tashiro97", "observableName": "rise of cytosolic free Mg2+ after lowering external Na+",
      "observableFormula": "Mg_c - observableParameter1_dmgc_tashiro97", "observableTransformation": "lin",
      "noiseFormula": "noiseParameter1_dmgc_tashiro97", "noiseDistribution": "normal", "assay": MAGFURA}],
    meas,
    [{"parameterId": "offset_tashiro97", "parameterScale": "lin", "lowerBound": 0.1, "upperBound": 3,
      "nominalValue": 0.8, "estimate": 1, "note": "basal free Mg2+ of the preparation (pinned by the t = 0 rows)"}],
    """
# tashiro1997_na_dependence (train)

**Source.** Tashiro M, Konishi M. Na+ gradient-dependent Mg2+ transport in smooth muscle cells of
guinea pig tenia cecum. Biophys J 1997; 73(6):3371-3384. doi:10.1016/S0006-3495(97)78361-9,
PMID 9414247, PMC1181238. Read via search result https://pmc.ncbi.nlm.nih.gov/articles/PMC1181238/ (abstract).

**Cells, method.** Thin strips of guinea-pig tenia caeci loaded with furaptra (mag-fura-2), Ca2+-free
solutions. Temperature not given in the abstract (the group works at 25 °C; to verify) -> 298.15 K.

**Numbers read.** Lowering [Na+]o reversibly raises free Mg2+. Relation between [Na+]o and the rate
of rise: Hill coefficient ~3, [Na+]o at half-maximal rate ~30 mM, maximal rate 0.16 ± 0.01 µM/s
(mean ± SE, n = 6). Depolarisation (56 mM K+) shifted the curve slightly to higher [Na+]o. The
authors convert with a cytoplasmic Mg2+ buffering power (Δtotal/Δfree) of 2-5 (used in the model as
the target range of the buffering power).

**Encoding.** Rates at 0, 15, 30, 60 mM Na+ are *derived* from the reported Hill fit,
r = 0.16 µM/s x 30^3/(30^3 + Na^3), and encoded as the rise of free Mg2+ over the first 300 s
(initial-rate approximation), observable Mg_c - offset with the offset (basal free Mg2+) estimated
and pinned by t = 0 rows. Noise: 0.005 mM at 300 s (SE of the maximum 0.01 µM/s x 300 s = 0.003 mM,
rounded up for the derivation), 0.003 mM at t = 0. Bath Mg2+ not in the abstract: 1 mM assumed.
Model gap: the model has no separate smooth-muscle parameter set; this experiment constrains the
ratio of the Na+-independent influx to the buffering power (maximal rate at Na+ = 0).
""")

# -------------------------------------------------------------------------------------------------
# 3. Tashiro, Tursun & Konishi 2005: inhibition of efflux by intracellular Na+ (rat myocytes, 25 degC)
myo25 = dict(rat_heart, temperature=298.15, Na_c=12.0)
conds = {"basal": dict(myo25, _name="normal Tyrode, 25 degC"),
         "load_Mg24": dict(myo25, Mg_e=24.0, Na_e=1.6, _name="Mg2+ loading: 24 mM Mg2+, 1.6 mM Na+")}
prots, meas = {}, []
for nac, y in ((12, 1.0), (31, 0.60), (47, 0.36)):
    cid = f"efflux_Nai{nac}"
    conds[cid] = dict(myo25, Na_e=140.0, Mg_e=1.0, Na_c=float(nac), _name=f"efflux: 140 mM Na+, 1 mM Mg2+, [Na+]i {nac} mM")
    prots[f"p{nac}"] = [(0, "basal"), (60, "load_Mg24"), (3660, cid)]
    meas.append({"obs": "efflux_tashiro05", "protocolId": f"p{nac}", "time": 3690, "y": y, "sd": 0.1,
                 "op": "scale_tashiro05", "note": f"initial efflux relative to control ([Na+]i 12 mM); {'control' if nac == 12 else ('-40 % at 1 h Na+ loading' if nac == 31 else '-64 % at 3 h Na+ loading')}"})
experiment(
    "tashiro2005_nai_inhibition", "train", conds, prots,
    [{"observableId": "efflux_tashiro05", "observableName": "initial Na+-dependent Mg2+ efflux (relative)",
      "observableFormula": "-observableParameter1_efflux_tashiro05 * J_pm_net", "observableTransformation": "lin",
      "noiseFormula": "noiseParameter1_efflux_tashiro05", "noiseDistribution": "normal",
      "assay": "initial rate of decrease of mag-fura-2 free Mg2+ after adding 140 mM Na+ (relative to control); proportional to net Mg2+ efflux at constant buffering power"}],
    meas,
    [{"parameterId": "scale_tashiro05", "parameterScale": "log10", "lowerBound": 1e-3, "upperBound": 1e5,
      "nominalValue": 100, "estimate": 1, "note": "relative data: efflux units -> fraction of control"}],
    """
# tashiro2005_nai_inhibition (train)

**Source.** Tashiro M, Tursun P, Konishi M. Intracellular and extracellular concentrations of Na+
modulate Mg2+ transport in rat ventricular myocytes. Biophys J, November 2005 (volume/pages not
read), PMID 16085772. Read via search result
https://www.mysciencework.com/publication/show/intracellular-extracellular-concentrations-na+-modulate-mg2+-transport-rat-ventricular-myocytes-1b836b8b (abstract).

**Cells, method.** Rat ventricular myocytes, 25 °C, Ca2+-free; furaptra (mag-fura-2) for Mg2+, SBFI for Na+.

**Numbers read.** Loading in 24 mM Mg2+ with 106 mM Na+ + 1 mM ouabain (Na+ loading) or with
1.6 mM Na+ (Na+ depletion). [Na+]i 12 mM (control) -> 31 mM (1 h Na+ loading) -> 47 mM (3 h);
~0 after 3 h Na+ depletion. Initial rate of decrease of [Mg2+]i in 140 mM Na+, 1 mM Mg2+ reduced
by 40 % (1 h) and 64 % (3 h): relative efflux 1.00, 0.60, 0.36; 50 % inhibition at ~40 mM [Na+]i.
No SE/n in the abstract: noise assumed 0.1 (relative units).

**Encoding and simplifications.** All three conditions share one 1 h loading phase (24 mM Mg2+,
1.6 mM Na+) so that the Mg2+ load is the same; [Na+]i is then set to 12, 31 or 47 mM for the efflux
phase (Na_c is a parameter of the model). The observable is the net efflux (-J_pm_net) 30 s after
adding Na+, times a scale factor (relative data). Heart creatine pool Cr_tot_c = 25 mM (assumption).
""")

# -------------------------------------------------------------------------------------------------
# 4. Tashiro, Inoue & Konishi 2009: free Mg2+ rise after FCCP (rat myocytes, Na+-free, 25 degC)
experiment(
    "tashiro2009_fccp", "train",
    {"basal": dict(myo25, _name="normal Tyrode, 25 degC"),
     "fccp_NaFree": dict(myo25, Na_e=0.0, v_ATP_syn=0.0, dpsi_m=0.0, dpH_m=0.0,
                         _name="Na+- and Ca2+-free + 1 uM FCCP (no ATP synthesis, mitochondria depolarised)")},
    {"fccp": [(0, "fccp_NaFree")]},
    [free_mg_obs("mgc_tashiro09", "scale_tashiro09", MAGFURA)],
    [{"obs": "mgc_tashiro09", "protocolId": "fccp", "time": 0, "y": 0.9, "sd": 0.1, "op": "scale_tashiro09", "note": "~0.9 mM before FCCP"},
     {"obs": "mgc_tashiro09", "protocolId": "fccp", "time": 480, "y": 2.5, "sd": 0.3, "op": "scale_tashiro09", "note": "~2.5 mM reached within 5-8 min"},
     {"obs": "mgc_tashiro09", "protocolId": "fccp", "time": 900, "y": 2.5, "sd": 0.3, "op": "scale_tashiro09", "note": "assumed to stay elevated (efflux inhibited by 90 % after FCCP, Na+-free)"}],
    [scale_par("scale_tashiro09", "mag-fura-2 calibration / cell-type factor")],
    """
# tashiro2009_fccp (train)

**Source.** Tashiro M, Inoue H, Konishi M. Metabolic inhibition strongly inhibits Na+-dependent
Mg2+ efflux in rat ventricular myocytes. Biophys J 2009; 96(12):4941-4950.
doi:10.1016/j.bpj.2009.02.013, PMID 19527653, PMC2712039. Read via search result
https://pmc.ncbi.nlm.nih.gov/articles/PMC2712039 (abstract).

**Cells, method.** Rat ventricular myocytes, furaptra (mag-fura-2), 25 °C.

**Numbers read.** In the absence of extracellular Na+ and Ca2+, 1 µM FCCP raised [Mg2+]i from ~0.9
mM to ~2.5 mM in 5-8 min (MgATP breakdown; rigor shortening to ~50 %). KCN (5 mM) gave similar
rises after >= 90 min. Initial Na+-dependent efflux diminished by 90 % (FCCP), 92 % (KCN >= 90 min),
59 % (KCN 59-85 min). No SD in the abstract ("~"): noise assumed 0.1 mM (basal), 0.3 mM (peak).

**Encoding.** FCCP = no ATP synthesis (v_ATP_syn = 0), mitochondrial potential and ΔpH collapsed
(dpsi_m = 0, dpH_m = 0); Na_e = 0 (Na+-free). The 15 min point (2.5 mM) encodes "stays elevated"
(assumption from the 90 % efflux inhibition; not a reported value). The 90 % inhibition itself is
used as a parameter source (K_ATP_SLC41A1), not as a data point.
""")

# -------------------------------------------------------------------------------------------------
# 5. Murphy et al. 1989: ischaemia, perfused rat heart, 19F NMR
heart = {"Cr_tot_c": 25.0, "Mg_e": 1.2, "Pi_e": 1.2, "Na_e": 143.0}
experiment(
    "murphy1989_ischemia", "held-out",
    {"basal": dict(heart, _name="Krebs-Henseleit perfusion"),
     "ischemia": dict(heart, v_ATP_syn=0.05, _name="global ischaemia: ATP synthesis 10 % (anaerobic glycolysis, assumed)"),
     "reperfusion": dict(heart, _name="reperfusion with Krebs-Henseleit")},
    {"isch": [(0, "basal"), (60, "ischemia"), (60 + 900, "reperfusion")]},
    [{"observableId": "mgc_murphy89", "observableName": "cytosolic free Mg2+ (19F NMR, fluorinated APTRA indicators)",
      "observableFormula": "observableParameter1_mgc_murphy89 * Mg_c", "observableTransformation": "lin", "noiseFormula": "noiseParameter1_mgc_murphy89",
      "noiseDistribution": "normal", "assay": "19F NMR of intracellular fluorinated o-aminophenol-N,N,O-triacetate indicators (Kd-calibrated free Mg2+, mM); not a dye ratio, not 31P"}],
    [{"obs": "mgc_murphy89", "protocolId": "isch", "time": 0, "y": 0.85, "sd": 0.10, "op": "scale_murphy89", "note": "basal, n = 9"},
     {"obs": "mgc_murphy89", "protocolId": "isch", "time": 60 + 750, "y": 2.1, "sd": 0.4, "op": "scale_murphy89", "note": "10-15 min ischaemia (midpoint 12.5 min)"},
     {"obs": "mgc_murphy89", "protocolId": "isch", "time": 60 + 900 + 1200, "y": 1.5, "sd": 0.5, "op": "scale_murphy89", "note": "after 20 min reperfusion"}],
    [scale_par("scale_murphy89", "indicator calibration factor (Kd of the 19F indicators in cells)")],
    """
# murphy1989_ischemia (held-out)

**Source.** Murphy E, Steenbergen C, Levy LA, Raju B, London RE. Cytosolic free magnesium levels
in ischemic rat heart. J Biol Chem 1989; 264(10):5622-5627. doi:10.1016/S0021-9258(18)83593-1.
Read via search result https://jhu.pure.elsevier.com/en/publications/cytosolic-free-magnesium-levels-in-ischemic-rat-heart-4 (abstract).
(The brief cites a Circ Res paper of the same group; the numbers here are from this JBC paper.)

**Preparation, method.** Langendorff-perfused rat hearts (Krebs-Henseleit), 19F NMR of three
fluorinated Mg2+ indicators (AM esters); 31P NMR checked that loading did not lower free Mg2+.
Temperature not in the abstract (37 °C assumed, to verify).

**Numbers read.** Basal 0.85 ± 0.10 mM (n = 9); between 10 and 15 min of ischaemia 2.1 ± 0.4 mM,
"over the same time course as the decrease in ATP"; after 20 min reperfusion 1.5 ± 0.5 mM. The
abstract does not say whether ± is SD or SEM (JBC convention SEM, to verify).

**Encoding.** Ischaemia duration not in the abstract: 15 min assumed (to verify). Ischaemia =
ATP synthesis at 10 % of the model default (v_ATP_syn = 0.05 mM/s; residual anaerobic glycolysis,
assumption); no washout so Mg_e and Pi_e unchanged (the model has no interstitial accumulation or
acidosis). Krebs-Henseleit: Mg2+ 1.2, Pi 1.2, Na+ 143 mM. Heart creatine Cr_tot_c = 25 mM (assumption).
Observable: free Mg2+ times a calibration factor in [0.5, 2] (indicator Kd in cells; the three heart studies here report basal 0.53 (31P), 0.85 (19F) and 1.06 mM (electrode)), so the experiment tests the relative rise.
""")

# -------------------------------------------------------------------------------------------------
# 6. Masuda et al. 2003: high extracellular Pi lowers free Mg2+, perfused rat heart, 31P NMR
experiment(
    "masuda2003_pi", "held-out",
    {"basal": dict(heart, _name="Krebs-Henseleit, Pi 1.2 mM"),
     "Pi5": dict(heart, Pi_e=5.0, _name="Krebs-Henseleit, Pi 5.0 mM"),
     "Pi1p2": dict(heart, _name="Pi restored to 1.2 mM")},
    {"pi": [(0, "basal"), (60, "Pi5"), (60 + 1800, "Pi1p2")]},
    [{"observableId": "mgc_masuda03", "observableName": "cytosolic free Mg2+ from the 31P NMR ATP alpha-beta shift",
      "observableFormula": "observableParameter1_mgc_masuda03 * Mg_c", "observableTransformation": "lin", "noiseFormula": "noiseParameter1_mgc_masuda03",
      "noiseDistribution": "normal", "assay": "31P NMR: free Mg2+ from the Palpha-Pbeta frequency difference of ATP (LPZAR spectra); forward model: mgsignal.experiments.nmr31p (Gupta form)"}],
    [{"obs": "mgc_masuda03", "protocolId": "pi", "time": 0, "y": 0.53, "sd": 0.05, "op": "scale_masuda03", "note": "Pi 1.2 mM"},
     {"obs": "mgc_masuda03", "protocolId": "pi", "time": 60 + 1799, "y": 0.407, "sd": 0.025, "op": "scale_masuda03", "note": "Pi 5.0 mM (duration assumed 30 min)"},
     {"obs": "mgc_masuda03", "protocolId": "pi", "time": 60 + 3600, "y": 0.60, "sd": 0.05, "op": "scale_masuda03", "note": "Pi back to 1.2 mM (duration assumed 30 min)"}],
    [scale_par("scale_masuda03", "31P NMR calibration factor (Kd(MgATP) and limiting shifts assumed by the authors)")],
    """
# masuda2003_pi (held-out)

**Source.** Masuda T, Uchiyama T, Ishida H, Fukuyama N, Chen Y, Nakazawa H. High extracellular
inorganic phosphate causes reduction of intracellular free magnesium in perfused rat heart.
Trakia J Sci 2003; 1(1):15-21. Read via search result
https://studylib.net/doc/5905602/vascular-development-is-governed-by-a-number-of-regulatory (abstract).
DOI/PMID: none found.

**Preparation, method.** Langendorff-perfused rat heart, Krebs-Henseleit buffer, 31P NMR, free
Mg2+ from the α-β ATP frequency difference (LPZAR processing). Temperature not in the abstract
(37 °C assumed).

**Numbers read.** [Pi]o 1.2 -> 5.0 -> 1.2 mM: free Mg2+ 0.53 ± 0.05 -> 0.407 ± 0.025 -> 0.60 ± 0.05
mM (± type and n not given in the abstract). The authors propose Mg2+-Pi exchange across the
plasma membrane.

**Encoding.** Period durations not in the abstract: 30 min each (assumption, to verify).
Observable: free Mg2+ times a calibration factor in [0.5, 2] (31P NMR free Mg2+ depends on the assumed Kd(MgATP) and limiting shifts), so the experiment tests the relative fall and recovery.
""")

# -------------------------------------------------------------------------------------------------
# 7. Dai & Quamme 1991: cTAL cells in Mg-free or 5 mM Mg medium for 16 h, refill, 28Mg uptake
ctal = {"Mg_e": 1.0}
H16 = 16 * 3600
experiment(
    "dai1991_ctal", "train",
    {"basal": dict(ctal, _name="culture medium (Mg2+ 1 mM assumed)"),
     "MgFree": dict(ctal, Mg_e=0.0, _name="nominally Mg-free medium"),
     "Mg5": dict(ctal, Mg_e=5.0, _name="5 mM Mg2+ medium"),
     "uptake_assay": dict(ctal, _name="28Mg uptake assay in control medium")},
    {"free16": [(0, "MgFree")],
     "high16": [(0, "Mg5")],
     "refill": [(0, "MgFree"), (H16, "Mg5")],
     "upt_ctrl": [(0, "uptake_assay")],
     "upt_low": [(0, "MgFree"), (H16, "uptake_assay")]},
    [free_mg_obs("mgc_dai91", "scale_dai91", MAGFURA),
     {"observableId": "influx_dai91", "observableName": "28Mg uptake (unidirectional influx, nmol/mg protein/min)",
      "observableFormula": "observableParameter1_influx_dai91 * J_pm_influx", "observableTransformation": "lin",
      "noiseFormula": "noiseParameter1_influx_dai91", "noiseDistribution": "normal",
      "assay": "28Mg uptake per mg protein; scale converts fmol/s per cell to nmol/(mg min)"}],
    [{"obs": "mgc_dai91", "protocolId": "free16", "time": 0, "y": 0.52, "sd": 0.02, "op": "scale_dai91", "note": "basal"},
     {"obs": "mgc_dai91", "protocolId": "free16", "time": H16, "y": 0.27, "sd": 0.01, "op": "scale_dai91", "note": "16 h Mg-free"},
     {"obs": "mgc_dai91", "protocolId": "high16", "time": H16, "y": 0.48, "sd": 0.02, "op": "scale_dai91", "note": "16 h in 5 mM Mg2+"},
     {"obs": "mgc_dai91", "protocolId": "refill", "time": H16 + 300, "y": 0.347, "sd": 0.015, "op": "scale_dai91",
      "note": "derived: 0.27 mM + 257 nM/s x 300 s (initial refill rate 257 +/- 37 nM/s)"},
     {"obs": "mgc_dai91", "protocolId": "refill", "time": H16 + 3600, "y": 0.53, "sd": 0.03, "op": "scale_dai91",
      "note": "refilled level; time to plateau not in the abstract (1 h assumed)"},
     {"obs": "influx_dai91", "protocolId": "upt_ctrl", "time": 10, "y": 0.19, "sd": 0.03, "op": "scale_influx_dai91", "note": "control 28Mg uptake"},
     {"obs": "influx_dai91", "protocolId": "upt_low", "time": H16 + 10, "y": 0.35, "sd": 0.01, "op": "scale_influx_dai91", "note": "after 16 h Mg-free"}],
    [scale_par("scale_dai91", "mag-fura-2 calibration / cell-type factor"),
     {"parameterId": "scale_influx_dai91", "parameterScale": "log10", "lowerBound": 1, "upperBound": 1e6,
      "nominalValue": 100, "estimate": 1, "note": "fmol/s per cell -> nmol/(mg protein min)"}],
    """
# dai1991_ctal (train)

**Source.** Dai LJ, Quamme GA. Intracellular Mg2+ and magnesium depletion in isolated renal thick
ascending limb cells. 1991; journal recalled as J Clin Invest (to verify; volume/pages not read),
PMID 1655827 (from the page address). Read via search result
https://www.wikigenes.org/e/ref/e/1655827.html (abstract).

**Cells, method.** Primary cultures of porcine cortical thick ascending limb (cTAL) cells, single
cells, mag-fura-2; 28Mg uptake. Temperature not in the abstract (37 °C assumed).

**Numbers read (mean ± SE as printed).** Basal [Mg2+]i 0.52 ± 0.02 mM (~2 % of total cell Mg).
16 h in 5 mM Mg2+: 0.48 ± 0.02 mM. 16 h in nominally Mg-free medium: 0.27 ± 0.01 mM, with net
28Mg uptake up from 0.19 ± 0.03 to 0.35 ± 0.01 nmol/(mg protein·min) (units as printed, partly
garbled: "protein.min-1"). Refill in 5 mM Mg2+: back to 0.53 ± 0.03 mM at 257 ± 37 nM/s.
Mg2+ entry "maximally stimulated after 4 h in magnesium-free media". n not in the abstract.

**Encoding.** Culture-medium Mg2+ not in the abstract: 1 mM assumed. Mg-free = Mg_e 0. The refill
point at +300 s is *derived* (0.27 + 0.257 µM/s x 300 s; SD from the rate SE and the 0.27 SE);
the plateau time (1 h) is an assumption. 28Mg uptake = unidirectional influx J_pm_influx (a
readout added in the revised model; for the original model the script sums J_TRPM7 + J_TRPM6 +
J_MagT1) measured 10 s into an uptake assay in control medium, with a scale factor.
""")

# -------------------------------------------------------------------------------------------------
# 8. Gasser et al. 2005: free Mg2+ insensitive to external Mg2+ 0-8 mM, guinea-pig papillary muscle
gp = {"Cr_tot_c": 25.0, "Mg_e": 1.0}
experiment(
    "gasser2005_papillary", "held-out",
    {"basal": dict(gp, _name="Tyrode (Mg2+ 1 mM assumed)"),
     "Mg0": dict(gp, Mg_e=0.0, _name="Mg-free superfusate"),
     "Mg8": dict(gp, Mg_e=8.0, _name="8 mM Mg2+ superfusate")},
    {"m0": [(0, "Mg0")], "m8": [(0, "Mg8")]},
    [{"observableId": "mgc_gasser05", "observableName": "cytosolic free Mg2+ (Mg2+-selective microelectrode)",
      "observableFormula": "observableParameter1_mgc_gasser05 * Mg_c", "observableTransformation": "lin", "noiseFormula": "noiseParameter1_mgc_gasser05",
      "noiseDistribution": "normal", "assay": "Mg2+-selective microelectrode (ETH 7025), free Mg2+ in mM; not a dye ratio"}],
    [{"obs": "mgc_gasser05", "protocolId": "m0", "time": 0, "y": 1.06, "sd": 0.11, "op": "scale_gasser05", "note": "resting, n = 7"},
     {"obs": "mgc_gasser05", "protocolId": "m0", "time": 1800, "y": 1.06, "sd": 0.11, "op": "scale_gasser05", "note": "Mg-free: no significant change (value = resting mean)"},
     {"obs": "mgc_gasser05", "protocolId": "m8", "time": 1800, "y": 1.06, "sd": 0.11, "op": "scale_gasser05", "note": "8 mM: no significant change (value = resting mean)"}],
    [scale_par("scale_gasser05", "electrode calibration / cell-type factor")],
    """
# gasser2005_papillary (held-out)

**Source.** Gasser S et al. Free intracellular magnesium remains uninfluenced by changes of
extracellular magnesium in cardiac guinea pig papillary muscle. J Clin Basic Cardiol 2005;
8(1-4):29-32. Read via search result http://www.kup.at/journals/summary/5571.html (abstract;
full author list not shown there). DOI/PMID not found.

**Preparation, method.** Isolated guinea-pig papillary muscles, Mg2+-selective microelectrodes
(ETH 7025). Temperature not in the abstract (37 °C assumed, to verify).

**Numbers read.** Resting free Mg2+ 1.06 ± 0.11 mM (n = 7; ± type not stated). Varying
extracellular Mg2+ between 0 and 8 mM produced no significant change in free Mg2+.

**Encoding.** "No significant change" is encoded as the resting mean (1.06 ± 0.11 mM) after 30 min
at Mg_e = 0 and at 8 mM (exposure times not in the abstract: 30 min assumed). Control Mg2+ 1 mM
assumed. Heart creatine Cr_tot_c = 25 mM (assumption). Observable: free Mg2+ times a calibration factor in [0.5, 2].
""")

# -------------------------------------------------------------------------------------------------
# 9. Kolisek et al. 2012: SLC41A1-overexpressing HEK293, Na+ dependence and block of efflux
hek = {"Mg_e": 0.8, "SLC41A1": 3.0}
experiment(
    "kolisek2012_hek", "train",
    {"basal": dict(hek, _name="HEK293 + tetracycline-induced hSLC41A1 (level 3 x reference assumed)"),
     "load": dict(hek, Mg_e=10.0, Na_e=0.0, _name="Mg2+ loading (high Mg2+, Na+-free; protocol assumed)"),
     "efflux_Na": dict(hek, Mg_e=0.0, _name="Mg-free, 140 mM Na+"),
     "efflux_NMDG": dict(hek, Mg_e=0.0, Na_e=0.0, _name="Mg-free, Na+ replaced by NMDG"),
     "efflux_imipramine": dict(hek, Mg_e=0.0, SLC41A1=0.0, _name="Mg-free, 140 mM Na+, imipramine/quinidine")},
    {"na": [(0, "basal"), (60, "load"), (60 + 1800, "efflux_Na")],
     "nmdg": [(0, "basal"), (60, "load"), (60 + 1800, "efflux_NMDG")],
     "imi": [(0, "basal"), (60, "load"), (60 + 1800, "efflux_imipramine")]},
    [{"observableId": "efflux_kolisek12", "observableName": "initial Mg2+ efflux (relative to Na+ control)",
      "observableFormula": "-observableParameter1_efflux_kolisek12 * J_pm_net", "observableTransformation": "lin",
      "noiseFormula": "noiseParameter1_efflux_kolisek12", "noiseDistribution": "normal",
      "assay": "initial rate of decrease of mag-fura-2 free Mg2+ in Mg-free medium, relative"}],
    [{"obs": "efflux_kolisek12", "protocolId": "na", "time": 1890, "y": 1.0, "sd": 0.1, "op": "scale_kolisek12", "note": "control"},
     {"obs": "efflux_kolisek12", "protocolId": "nmdg", "time": 1890, "y": 0.09, "sd": 0.05, "op": "scale_kolisek12", "note": "-91 % without Na+"},
     {"obs": "efflux_kolisek12", "protocolId": "imi", "time": 1890, "y": 0.06, "sd": 0.06, "op": "scale_kolisek12", "note": "88-100 % inhibition (mid 94 %)"}],
    [{"parameterId": "scale_kolisek12", "parameterScale": "log10", "lowerBound": 1e-3, "upperBound": 1e5,
      "nominalValue": 100, "estimate": 1, "note": "relative data"}],
    """
# kolisek2012_hek (train)

**Source.** Kolisek M, Nestler A, Vormann J, Schweigel-Röntgen M. Human gene SLC41A1 encodes for
the Na+/Mg2+ exchanger. Am J Physiol Cell Physiol 2012; 302(1):C318-C326.
doi:10.1152/ajpcell.00289.2011, PMID 22031603. Read via search result
https://bib.vetmed.fu-berlin.de/pubdb/pub/13006-human-gene-slc-a-encodes-for-the-na-mg-exchanger/ (abstract).

**Cells, method.** HEK293 cells with tetracycline-induced hSLC41A1 overexpression, mag-fura-2.
Temperature not in the abstract (37 °C assumed).

**Numbers read.** "A three- to fourfold elevation of [Mg2+]i was accompanied by a five- to
ninefold increase of Mg2+ efflux" (not encoded: it is not clear from the abstract whether the
comparison is loaded vs unloaded or induced vs non-induced; to verify in the full text).
Efflux "strictly dependent on extracellular Na+ and reduced by 91 % after complete replacement
of Na+ with NMDG"; imipramine and quinidine "led to a strong 88 % to 100 % inhibition"; PKA
regulation. No SD/n in the abstract: noise assumed (0.1 control, 0.05 NMDG, 0.06 = half-range
for the inhibitors).

**Encoding.** Loading protocol not in the abstract: 30 min in 10 mM Mg2+, Na+-free (assumption,
to verify); efflux in Mg-free medium. Overexpression level SLC41A1 = 3 (assumption; relative data
are insensitive to it). Inhibitors = SLC41A1 = 0. Observable -J_pm_net 30 s after the switch, scaled.
""")

# -------------------------------------------------------------------------------------------------
# 10. Guenther & Vormann: Na+-dependent efflux from Mg-loaded rat erythrocytes stops at the
#     physiological Mg content
rbc = {"MRS2": 0.0, "SLC41A3": 0.0, "Mg_e": 0.6}
experiment(
    "gunther_rbc_setpoint", "train",
    {"basal": dict(rbc, _name="rat erythrocytes (no mitochondria: MRS2 = SLC41A3 = 0)"),
     "load": dict(rbc, Mg_e=10.0, Na_e=0.0, _name="Mg2+ loading (ionophore in the paper; here high Mg2+, Na+-free, assumed)"),
     "efflux": dict(rbc, Mg_e=0.0, _name="Na+ medium without Mg2+")},
    {"se": [(0, "basal"), (60, "load"), (60 + 3600, "efflux")]},
    [{"observableId": "mgtot_gunther", "observableName": "cell total Mg relative to the unloaded cells",
      "observableFormula": "observableParameter1_mgtot_gunther * Mg_tot_c", "observableTransformation": "lin",
      "noiseFormula": "noiseParameter1_mgtot_gunther", "noiseDistribution": "normal",
      "assay": "atomic absorption spectrophotometry of cell Mg (mgsignal.experiments.aas), relative"}],
    [{"obs": "mgtot_gunther", "protocolId": "se", "time": 0, "y": 1.0, "sd": 0.05, "op": "scale_gunther", "note": "physiological content (reference)"},
     {"obs": "mgtot_gunther", "protocolId": "se", "time": 60 + 3600 + 7200, "y": 1.0, "sd": 0.1, "op": "scale_gunther",
      "note": "net efflux stops when the physiological Mg content is reached (2 h assumed)"}],
    [dict(scale_par("scale_gunther", "normalisation to the unloaded content (1/total Mg)"), lowerBound=1e-3, upperBound=10)],
    """
# gunther_rbc_setpoint (train)

**Source.** Günther T, Vormann J. Characterization of Na+-dependent Mg2+ efflux from
Mg2+-loaded rat erythrocytes. FEBS Lett 1990 (journal, year, volume and pages recalled, to verify;
DOI/PMID not read). Abstract read via search result
https://www.semanticscholar.org/paper/Characterization-of-Na-dependent-Mg2-efflux-from-M-G%C3%BCnther-Vormann/8adbd7384f92332975abed8a34668ed3ebd620ff
Companion source for K_Na: Günther T, Vormann J, (Höllriegl V?). Mg2+ efflux is accomplished by an
amiloride-sensitive Na+/Mg2+ antiport (chicken erythrocytes; citation to verify), abstract read via
https://www.semanticscholar.org/paper/Mg2-efflux-is-accomplished-by-an-amiloride-sensiti-G%C3%BCnther-Vormann/d1a9e9cdffa291d5656df63cd73e06b07c2f852c

**Cells, method.** Mg2+-loaded rat erythrocytes; efflux from the rise of medium Mg2+ or the fall of
cell Mg2+ content (atomic absorption). Temperature not in the abstract (37 °C assumed).

**Statements read.** 2 Na+ : 1 Mg2+ (electroneutral); needs intracellular ATP; inhibited by
amiloride and quinidine; "Net Mg2+ efflux was only occurring at increased [Mg2+]i, and stopped
when the physiological Mg2+ content was reached"; Hill coefficient 2.4 for intracellular Mg2+;
intracellular Na+ competes with Mg2+; no net uptake. Chicken erythrocytes: Km 25 mM for external Na+.

**Encoding.** The set-point statement is encoded as cell total Mg, relative to the unloaded cells,
returning to 1.0 (not below) after 2 h of efflux in Mg-free Na+ medium (noise 0.1 assumed; time
assumed). Loading in the paper used an ionophore; here 1 h in 10 mM Mg2+, Na+-free (assumption).
Erythrocytes have no mitochondria: MRS2 = SLC41A3 = 0. This is a qualitative statement turned
into a data point; Hill 2.4, 2:1 and Km(Na) 25 mM are used as model parameters.
""")

# -------------------------------------------------------------------------------------------------
# 11. Okazaki et al. 1987: HL-60 cells in Mg-deficient medium for 3 days
experiment(
    "okazaki1987_hl60", "held-out",
    {"basal": {"Mg_e": 0.4, "_name": "standard medium, 0.4 mM Mg2+"},
     "MgDef": {"Mg_e": 0.005, "_name": "Mg-deficient medium (< 0.01 mM)"}},
    {"def": [(0, "MgDef")]},
    [{"observableId": "mgtot_okazaki87", "observableName": "total cell Mg relative to day 0",
      "observableFormula": "observableParameter1_mgtot_okazaki87 * Mg_tot_c", "observableTransformation": "lin",
      "noiseFormula": "noiseParameter1_mgtot_okazaki87", "noiseDistribution": "normal",
      "assay": "total intracellular Mg content (atomic absorption, relative)"}],
    [{"obs": "mgtot_okazaki87", "protocolId": "def", "time": 0, "y": 1.0, "sd": 0.05, "op": "scale_okazaki87", "note": "day 0 reference"},
     {"obs": "mgtot_okazaki87", "protocolId": "def", "time": 3 * 86400, "y": 0.61, "sd": 0.1, "op": "scale_okazaki87", "note": "day 3: decreased to 61 %"}],
    [dict(scale_par("scale_okazaki87", "normalisation to day 0 (1/total Mg)"), lowerBound=1e-3, upperBound=10)],
    """
# okazaki1987_hl60 (held-out)

**Source.** Okazaki T, Mochizuki T, Tashima M, Sawada H, Uchino H. Magnesium deprivation inhibits
the expression of differentiation-related phenotypes in human promyelocytic leukemia HL-60 cells.
J Cell Physiol 1987; 131(1):50-57. PMID 3032994. Read via search result
https://pubmedhh.nlm.nih.gov/cgi-bin/abstract.cgi?from=jb&id=3032994 (abstract).

**Cells.** Human HL-60 cells in culture (37 °C), standard medium 0.4 mM Mg2+, Mg-deficient < 0.01 mM.

**Numbers read.** In Mg-deficient medium total intracellular Mg content fell to 61 % (and
[3H]leucine incorporation to 28 %) on day 3. Method of Mg measurement and error not in the
abstract (noise 0.1 assumed).

**Caveat.** Proliferating cells: part of the fall per cell is dilution by growth, which the model
does not have; a model without growth should keep *at least* this much. Held out as a check that
Mg-depleted cells keep most of their Mg for days rather than hours.
""")
print("written")
