"""Wall time of a full first- and total-order Sobol' analysis over all parameters of a model,
with a study showing that its fast settings do not change the indices.

    python benchmarks/sobol_benchmark.py [--model mg_transport|mg_signalling] [--n 1024] [--workers 2]
                                         [--study-n N] [--target-n 1024] [--no-study] [--rtol R --atol A]
                                         [--json FILE]

All parameters but the fixed ones (mgsignal.sensitivity.FIXED_PARAMETERS, and inputs that are 0
in the model) vary uniformly within +-20 % of their values (Saltelli design, N (D + 2) runs).
Outputs:

- transport model (57 parameters, ~6e4 runs at N = 1024): cytosolic free and total Mg2+ at
  the steady state, solved by Newton (the model has no events). Reference: the state after a
  1e6 s relaxation integrated at rtol 1e-8, atol 1e-12 (what this benchmark ran before).
- composite (164 parameters, ~1.7e5 runs at N = 1024): the same after 12 h in Mg-deficient
  medium (extracellular Mg2+ 0.35 mM from t = 0), only the end point integrated (features-only
  output grid), at the chosen tolerances (default rtol 1e-4, atol 1e-8). Reference: rtol 1e-8,
  atol 1e-12 (the engine's default).

The fast analysis runs on a pool of local workers started before the clock starts (what
starting them costs is printed apart); its wall time, runs, failed runs and runs stopped by
``run_timeout`` are printed, then the five parameters with the largest total-order index.

The tolerance study runs the reference settings on the same design (``--study-n`` a smaller N to
save time) and prints, per output and index, the largest difference between the two, the
confidence half-widths (bootstrap, 95 %), and, over the parameters that matter (index > 0.01),
the largest ratio of difference to half-width at ``--target-n`` (default 1024). The difference
that tolerances make barely depends on N, while half-widths shrink as 1/sqrt(N): at a smaller
N the half-widths at the target N are estimated from those measured.

Pre-equilibration: the rows of a Saltelli design are distinct parameter vectors, so no two runs
share a pre-equilibrium and none is reused (the engine runs no pre-equilibration here).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

DEFICIENCY = {"Mg_e": 0.35}
TWELVE_HOURS = 12 * 3600.0


def setups(model_name: str, *, rtol: float | None, atol: float | None) -> tuple[dict, dict]:
    """(fast, reference) settings of the analysis of one model: features, scenarios, grid and
    tolerances, with the same result columns."""
    import mgsignal as mg
    from mgsignal.ensemble import Feature
    if model_name == "mg_transport":
        reference = {"features": [Feature("Mg_c", "end", name="steady_state_Mg_c"),
                                  Feature("Mg_tot_c", "end", name="steady_state_Mg_tot_c")],
                     "t_end": 1e6, "n_points": 2, "rtol": 1e-8, "atol": 1e-12,
                     "label": "1e6 s relaxation, rtol 1e-8, atol 1e-12"}
        # rows whose steady state Newton does not find (a slow phosphate mode: the state still
        # changes by ~1e-9 per s after 1e7 s) take the reference's value
        fast = {"features": [Feature("Mg_c", "steady_state"), Feature("Mg_tot_c", "steady_state")],
                "label": "Newton steady state", "fallback": reference}
        return fast, reference
    scenario = mg.Scenario(name="deficiency_12h", changes=DEFICIENCY, duration=TWELVE_HOURS)
    common = {"features": [Feature("Mg_c", "end"), Feature("Mg_tot_c", "end")], "scenarios": [scenario],
              "n_points": 2}
    rtol, atol = rtol or 1e-4, atol or 1e-8
    fast = {**common, "rtol": rtol, "atol": atol, "label": f"rtol {rtol:g}, atol {atol:g}"}
    reference = {**common, "rtol": 1e-8, "atol": 1e-12, "label": "rtol 1e-8, atol 1e-12"}
    return fast, reference


def analyse(model, spec: dict, X: np.ndarray, settings: dict, *, backend, run_timeout: float, seed: int,
            checkpoint: str | None = None) -> dict:
    """Evaluate the design (rows that fail take the ``fallback`` settings' value, when there are
    such settings) and, when every run gave a value, analyse it."""
    from mgsignal.errors import SampleFailureError
    from mgsignal.sensitivity import evaluate, sobol
    started = time.perf_counter()
    evaluation = evaluate(model, spec, X, backend=backend, progress=False, run_timeout=run_timeout,
                          checkpoint=checkpoint, **_options(settings))
    errors = evaluation.table["error"]
    failed = np.flatnonzero(evaluation.failed)
    out = {"runs": len(evaluation.table), "failed": len(failed), "settings": settings["label"], "result": None,
           "stopped": int(errors.str.contains("run_timeout", regex=False).sum()), "fallback": 0,
           "errors": errors[errors != ""].str.slice(0, 100).value_counts()}
    if len(failed) and "fallback" in settings:
        again = evaluate(model, spec, X[failed], backend=backend, progress=False, run_timeout=run_timeout,
                         **_options(settings["fallback"]))
        outputs = {label: values.copy() for label, values in evaluation.outputs.items()}
        for label, values in again.outputs.items():
            outputs[label][failed] = values
        evaluation = replace(evaluation, outputs=outputs)
        out["fallback"], out["failed"] = len(failed), int(evaluation.failed.sum())
    out["wall_s"] = time.perf_counter() - started
    try:
        out["result"] = sobol.analyze(spec, evaluation, seed=seed)
    except SampleFailureError:
        pass
    return out


def _options(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k not in ("label", "fallback")}


def compare(fast, reference, *, n: int, n_full: int) -> pd.DataFrame:
    """Per output and index: the largest |difference| between the two analyses (and where), the
    confidence half-widths (largest and median over the parameters, at this N and, when it is
    smaller, estimated at the full N), and whether the five largest total-order indices agree.
    (A ratio per parameter would compare noise with noise: parameters without effect have
    half-widths near 0 at both settings.)"""
    rows = []
    for output in fast.outputs:
        a, b = fast.indices.loc[output], reference.indices.loc[output]
        for index in ("S1", "ST"):
            difference = (a[index] - b[index]).abs()
            confidence = np.maximum(a[f"{index}_conf"], b[f"{index}_conf"])
            # parameters that matter: index above 0.01 at either setting
            relevant = (a[index].abs() > 0.01) | (b[index].abs() > 0.01)
            scale = np.sqrt(n / n_full)  # half-widths shrink as 1/sqrt(N)
            row = {"output": output, "index": index, "max |difference|": float(difference.max()),
                   "at": str(difference.idxmax()), "max half-width": float(confidence.max()),
                   "median half-width": float(confidence.median()), "parameters > 0.01": int(relevant.sum()),
                   f"max |difference| / half-width at N = {n_full}, those": float(
                       (difference[relevant] / (confidence[relevant] * scale)).max()) if relevant.any() else 0.0}
            row["same top 5"] = list(a["ST"].nlargest(5).index) == list(b["ST"].nlargest(5).index)
            rows.append(row)
    return pd.DataFrame(rows).set_index(["output", "index"])


def main(argv: list[str] | None = None) -> dict:
    args = _arguments(argv)
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return out


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mg_transport", "mg_signalling"], default="mg_transport")
    parser.add_argument("--n", type=int, default=1024, help="Sobol' base sample size N (a power of 2)")
    parser.add_argument("--study-n", type=int, default=None, help="N of the tolerance study (default: --n)")
    parser.add_argument("--target-n", type=int, default=1024,
                        help="N at which the study's half-widths are estimated (they shrink as 1/sqrt(N))")
    parser.add_argument("--no-study", action="store_true", help="only the fast analysis")
    parser.add_argument("--rtol", type=float, default=None, help="composite: relative tolerance of the fast analysis")
    parser.add_argument("--atol", type=float, default=None, help="composite: absolute tolerance of the fast analysis")
    parser.add_argument("--checkpoint", default=None, help="folder for the fast analysis's finished chunks")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--run-timeout", type=float, default=10.0,
                        help="seconds after which a run is stopped and counted as failed (runs take ~0.001-0.01 s)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict:
    import mgsignal as mg
    from mgsignal.ensemble import LocalWorkers
    from mgsignal.sensitivity import problem, sobol
    model = mg.load_model(args.model)
    spec = problem(model, "all", relative=0.2)
    fast_settings, reference_settings = setups(args.model, rtol=args.rtol, atol=args.atol)
    X = sobol.sample(spec, args.n, seed=7)
    out: dict = {"model": args.model, "parameters": spec["num_vars"], "n": args.n, "workers": args.workers}
    with LocalWorkers(args.workers) as workers:
        started = time.perf_counter()  # the workers start and load the model
        mg.ensemble.run_ensemble(model, pd.DataFrame(X[:2 * args.workers], columns=spec["names"]), backend=workers,
                                 progress=False, **_options(fast_settings))
        out["workers_start_s"] = time.perf_counter() - started
        fast = analyse(model, spec, X, fast_settings, backend=workers, run_timeout=args.run_timeout, seed=7,
                       checkpoint=args.checkpoint)
        out.update({key: fast[key] for key in ("wall_s", "runs", "failed", "stopped", "fallback", "settings")})
        fallback = (f"; {fast['fallback']} rows without a Newton steady state took the reference's value"
                    if fast["fallback"] else "")
        print(f"Sobol' (first and total order), {args.model}, {spec['num_vars']} parameters, N = {args.n}, "
              f"{fast['settings']}: {fast['runs']} runs on {args.workers} processes in {fast['wall_s']:.1f} s "
              f"({fast['wall_s'] / 60:.2f} min; {fast['failed']} failed, of which {fast['stopped']} stopped by "
              f"run_timeout {args.run_timeout:g} s{fallback}); workers started before, in "
              f"{out['workers_start_s']:.2f} s")
        if fast["result"] is None:
            print("no indices: Sobol' needs every run; reasons of the failures:")
            print(fast["errors"].to_string())
            return out
        result = fast["result"]
        out["top5_ST"] = {o: result.ranking(o).head(5).to_dict() for o in result.outputs}
        for output in result.outputs:
            print(f"largest total-order indices of {output}:")
            print(result.indices.loc[output].loc[result.ranking(output).head(5).index, ["ST", "ST_conf", "S1", "S1_conf"]]
                  .to_string(float_format=lambda v: f"{v:.4f}"))
        if args.no_study:
            return out
        study_n = args.study_n or args.n
        Y = X if study_n == args.n else sobol.sample(spec, study_n, seed=7)
        if study_n == args.n:
            low = result
        else:
            low_run = analyse(model, spec, Y, fast_settings, backend=workers, run_timeout=args.run_timeout, seed=7)
            low = low_run["result"]
        high_run = analyse(model, spec, Y, reference_settings, backend=workers, run_timeout=args.run_timeout, seed=7)
    out["study"] = {"n": study_n, "reference": reference_settings["label"], "reference_wall_s": high_run["wall_s"],
                    "reference_failed": high_run["failed"]}
    if low is None or high_run["result"] is None:
        print("tolerance study: a run failed at one of the settings; no comparison")
        return out
    table = compare(low, high_run["result"], n=study_n, n_full=args.target_n)
    out["study"]["table"] = json.loads(table.reset_index().to_json(orient="records"))
    print(f"\ntolerance study (N = {study_n}): {fast_settings['label']} vs {reference_settings['label']} "
          f"(the reference took {high_run['wall_s']:.1f} s)")
    print(table.to_string(float_format=lambda v: f"{v:.2e}"))
    return out


if __name__ == "__main__":
    main()
