"""Wall time of a full first- and total-order Sobol' analysis over all parameters of a model.

    python benchmarks/sobol_benchmark.py [--model mg_transport|mg_signalling] [--n 1024] [--workers 2]

All parameters but the fixed ones (mgsignal.sensitivity.FIXED_PARAMETERS, and inputs that are 0
in the model) vary uniformly within +-20 % of their values. Outputs: for the transport model,
cytosolic free and total Mg2+ after a 1e6 s relaxation (the steady state to ~1e-9 wherever the
Newton solver also finds it); for the composite (142 parameters, ~1.5e5 runs at N = 1024), the
same after 12 h in Mg-deficient medium (extracellular Mg2+ 0.6 -> 0.35 mM). Prints the wall
time, the number of runs and failures, and the five parameters with the largest total-order
index.
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mg_transport", "mg_signalling"], default="mg_transport")
    parser.add_argument("--n", type=int, default=1024, help="Sobol' base sample size N")
    parser.add_argument("--checkpoint", default=None, help="folder for finished chunks (a rerun resumes)")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--run-timeout", type=float, default=10.0,
                        help="seconds after which a run is stopped and counted as failed (runs take ~0.01 s)")
    args = parser.parse_args(argv)

    import mgsignal as mg
    from mgsignal.ensemble import Feature
    from mgsignal.errors import SampleFailureError
    from mgsignal.sensitivity import global_sensitivity, problem
    model = mg.load_model(args.model)
    spec = problem(model, "all", relative=0.2)
    if args.model == "mg_transport":
        scenario, t_end = None, 1e6
    else:
        scenario, t_end = mg.Scenario(name="deficiency_12h", changes={"Mg_e": 0.35}, duration=12 * 3600.0), None
    started = time.perf_counter()
    try:
        result = global_sensitivity(model, spec, method="sobol", n=args.n, seed=7, backend="processes", n_workers=args.workers, progress=False,
                       features=[Feature("Mg_c", "end"), Feature("Mg_tot_c", "end")], t_end=t_end, n_points=2,
                       scenarios=[scenario] if scenario else None, checkpoint=args.checkpoint,
                       run_timeout=args.run_timeout)
    except SampleFailureError as error:  # the estimator needs every run: report what failed
        result, table = None, error.evaluations
    else:
        table = result.evaluations
    wall = time.perf_counter() - started
    out = {"model": args.model, "parameters": spec["num_vars"], "n": args.n, "runs": len(table),
           "failed": int((table["error"] != "").sum()), "workers": args.workers, "wall_s": wall}
    print(f"Sobol' (first and total order), {args.model}, {out['parameters']} parameters, N = {args.n}: {out['runs']} runs "
          f"({out['failed']} failed) on {args.workers} processes in {wall:.1f} s")
    if result is None:
        print("no indices: Sobol' needs every run; reasons of the failures:")
        print(table.loc[table["error"] != "", "error"].str.slice(0, 100).value_counts().to_string())
        return out
    out["top5_ST_Mg_c"] = result.ranking(result.outputs[0]).head(5).to_dict()
    print(result.ranking(result.outputs[0]).head(5).to_string())
    return out


if __name__ == "__main__":
    main()
