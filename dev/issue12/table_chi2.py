"""Per-experiment chi2 table for several model files. Usage: python table_chi2.py label=file.ant ..."""
import sys, io, contextlib
import numpy as np
from pathlib import Path
from simlib import Model
from run_experiments import score_experiment, ROOT
dirs = sorted(p for p in ROOT.iterdir() if (p / "measurements.tsv").exists())
labels = [a.split("=")[0] for a in sys.argv[1:]]
res = {}
for a in sys.argv[1:]:
    lab, f = a.split("=")
    m = Model(f)
    for d in dirs:
        try:
            split, rows, fitted, _ = score_experiment(m, d, "original" in f)
            z = np.array([r["z"] for r in rows]); res[(lab, d.name)] = (split, len(z), float(np.sum(z**2)), float(np.mean(np.abs(z) <= 2)))
        except Exception as e:
            res[(lab, d.name)] = ("?", 0, float("nan"), float("nan"))
print(f"{'experiment':30s} {'split':9s} {'n':>3s} " + " ".join(f"{l:>16s}" for l in labels))
tot = {l: [0, 0] for l in labels}
for d in dirs:
    s, n = res[(labels[0], d.name)][:2]
    print(f"{d.name:30s} {s:9s} {n:3d} " + " ".join(f"{res[(l, d.name)][2]:9.1f} ({res[(l, d.name)][3]:.2f})" for l in labels))
for split in ("train", "held-out"):
    print(f"{'TOTAL ' + split:30s} {'':9s} {'':3s} " + " ".join(f"{sum(res[(l, d.name)][2] for d in dirs if res[(labels[0], d.name)][0] == split):16.1f}" for l in labels))
