"""Wall time of a full first- and total-order Sobol' analysis of the transport model.

    python benchmarks/sobol_benchmark.py [--n 1024] [--workers 2]

All parameters but the fixed ones (mgsignal.sensitivity.FIXED_PARAMETERS) vary uniformly within
+-20 % of their values; the outputs are cytosolic free and total Mg2+ after a 1e6 s relaxation
(the steady state to ~1e-9 wherever the Newton solver also finds it). Prints the wall time, the
number of runs and failures, and the five parameters with the largest total-order index.
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024, help="Sobol' base sample size N")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    args = parser.parse_args(argv)

    import mgsignal as mg
    from mgsignal.ensemble import Feature
    from mgsignal.sensitivity import problem, sobol
    model = mg.load_model("mg_transport")
    spec = problem(model, "all", relative=0.2)
    started = time.perf_counter()
    result = sobol(model, spec, n=args.n, seed=7, backend="processes", n_workers=args.workers, progress=False,
                   features=[Feature("Mg_c", "end"), Feature("Mg_tot_c", "end")], t_end=1e6, n_points=2)
    wall = time.perf_counter() - started
    table = result.evaluations
    out = {"parameters": spec["num_vars"], "n": args.n, "runs": len(table), "failed": int(table.attrs["n_failed"]),
           "workers": args.workers, "wall_s": wall, "top5_ST_Mg_c": result.ranking(result.outputs[0]).head(5).to_dict()}
    print(f"Sobol' (first and total order), {out['parameters']} parameters, N = {args.n}: {out['runs']} runs "
          f"({out['failed']} failed) on {args.workers} processes in {wall:.1f} s")
    print(result.ranking(result.outputs[0]).head(5).to_string())
    return out


if __name__ == "__main__":
    main()
