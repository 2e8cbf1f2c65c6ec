"""Throughput of the ensemble engine against what users would write instead, in one run.

    python benchmarks/ensemble_benchmark.py            # full run (~30 min on 2 cores, 11 of them at 10^5 samples)
    python benchmarks/ensemble_benchmark.py --quick    # smoke run (tiny sizes, ~1 min)
    python benchmarks/ensemble_benchmark.py --profile  # where a worker's time goes, per run and phase

On the transport model and on the composite (transport, insulin, cAMP/PKA), every contender
simulates the same parameter rows, with the same tolerances and output grid, and must agree on
the result (cytosolic free Mg2+ at the end) before its speed counts:

- tuned libroadrunner loop: one process, parameters by index arrays, selections set once;
  the time spent inside ``simulate`` is the bare integration time; the same loop on the reduced
  system (conserved-moiety analysis on, as the engine integrates these runs), whose bare
  integration is the engine's own;
- the engine: serial (per-simulation overhead), a pool of 1 and of 2 local processes kept
  between ensembles (``LocalWorkers``), 2 processes started for each ensemble
  (``backend="processes"``), a Dask LocalCluster with 2 workers (composite);
- a user's ``multiprocessing.Pool`` of 2 (what one writes in 30 lines: model compiled once per
  worker, rows set by name, 50-row chunks, one output), kept between calls and, as a whole
  script, started for each call;
- tellurium inside a ``multiprocessing.Pool`` of 2 with libroadrunner's saved state per worker
  (``saveStateS`` / ``loadStateS``, the recipe users are pointed to);
- AMICI's own parallel simulation (``run_simulations`` on 2 OpenMP threads) and its loop, when
  installed (compile time reported apart); a plain tellurium loop; COPASI through copasi-basico
  (transport model, fewer rows).

Pools are started before the timed runs, and what starting them costs is printed apart. The
timed contenders run in interleaved rounds (``--repeats``; the two sides of each ratio run next to
each other), and every ratio is printed as the median with the lowest and highest round, because
this machine's speed drifts by 10-20 % over minutes. Peak memory (parent plus workers) of the
engine at two sample counts shows whether it is flat. ``--json`` writes every number.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # contenders and the profile, importable by workers
import contenders
import worker_profile

T_END, N_POINTS, RTOL, ATOL = 12 * 3600.0, 49, 1e-8, 1e-12
IDS = ["P_TRPM7", "Vmax_MagT1", "Vmax_SLC41A1", "K_Mg_SLC41A1", "IC50_TRPM7", "Kd_L"]
SETTINGS = dict(ids=IDS, t_end=T_END, n_points=N_POINTS, rtol=RTOL, atol=ATOL)
#: contenders that set rows by name, without re-evaluating initial assignments
BY_NAME = ("tellurium loop", "user's Pool of 2", "user's Pool of 2, whole script", "tellurium Pool of 2 (saved state)")
TARGETS = {"mg_transport": 1.8, "mg_signalling": 1.9}  # 2 processes / tuned loop
#: the tuned loop with conserved-moiety analysis on (what the engine integrates for these runs)
REDUCED = "tuned loop, reduced system"


def benchmark_sbml(name: str = "mg_signalling") -> str:
    """A shipped model with extracellular Mg2+ at 0.35 mM from t = 0, so that every run has a
    real transient."""
    import libsbml

    import mgsignal as mg
    document = libsbml.readSBMLFromString(mg.load_model(name).sbml)
    document.getModel().getSpecies("Mg_e").setInitialConcentration(0.35)
    return libsbml.writeSBMLToString(document)


def bench_model(name: str):
    """The benchmark's model (compiled here) and its SBML text."""
    import mgsignal as mg
    sbml = benchmark_sbml(name)
    return mg.model.model_from_sbml(sbml, name=f"{name}_bench"), sbml


def engine(model, samples, *, backend, n_workers=None, run_timeout=120.0) -> dict:
    from mgsignal.ensemble import Feature, run_ensemble
    started = time.perf_counter()
    table = run_ensemble(model, samples, features=[Feature("Mg_c", "end")], t_end=T_END, n_points=N_POINTS,
                         backend=backend, n_workers=n_workers, progress=False, rtol=RTOL, atol=ATOL,
                         run_timeout=run_timeout)
    return {"seconds": time.perf_counter() - started, "n": len(samples), "ends": table["end_Mg_c"].to_numpy(),
            "failed": int(table.attrs["n_failed"])}


class PeakMemory:
    """Samples the resident memory of this process and all its children every 20 ms."""

    def __init__(self) -> None:
        import psutil
        self._process, self.peak, self._stop = psutil.Process(), 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psutil
        while not self._stop.is_set():
            total = 0
            for process in [self._process, *self._process.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def difference(reference: np.ndarray, other: np.ndarray) -> float:
    """Largest relative difference between two contenders' results (inf when one failed)."""
    worst = np.max(np.abs(other - reference) / np.abs(reference))
    return float(worst) if np.isfinite(worst) else float("inf")


def agree(reference: np.ndarray, other: np.ndarray, rtol: float) -> float:
    """Largest relative difference; raises when contenders that must agree do not."""
    worst = difference(reference, other)
    if not worst <= rtol:
        raise AssertionError(f"results disagree: max relative difference {worst:.2e} > {rtol:.0e}")
    return worst


def compare(name: str, *, n: int, n_copasi: int, repeats: int, workdir: Path, with_amici: bool,
            with_dask: bool) -> dict:
    """Every contender on one model, in interleaved rounds."""
    from mgsignal.ensemble import LocalWorkers, sample_parameters
    model, sbml = bench_model(name)
    samples = sample_parameters(model, n=n, seed=1, relative=0.3, ids=IDS)
    rows = samples.to_numpy()
    out: dict = {"samples": n, "first_s": {}}
    first = out["first_s"]
    # the session's first ensemble starts the forkserver, which imports mgsignal (~1-2 s)
    label = "engine, new workers (8 rows; the session's first call starts the forkserver)"
    first[label] = engine(model, samples[:8], backend="processes", n_workers=2)["seconds"]
    user = contenders.UserPool(sbml, **SETTINGS)
    recipe = contenders.UserPool(sbml, **SETTINGS, recipe="saved state")
    amici = None
    if with_amici:
        try:
            amici = contenders.Amici(sbml, name=name, **SETTINGS, workdir=workdir)
            out["amici_compile_s"] = amici.compile_seconds
        except Exception as error:  # noqa: BLE001 - not installed, or its build failed: left out, said why
            out["amici_left_out"] = f"{type(error).__name__}: {error}"[:200]
    with LocalWorkers(2) as two, LocalWorkers(1) as one:
        first["engine pool of 2, start + model load (8 rows)"] = engine(model, samples[:8], backend=two)["seconds"]
        engine(model, samples[:8], backend=one)
        first["user's Pool of 2, start + compile"] = user.start()
        first["tellurium Pool of 2 (saved state), start + load"] = recipe.start()
        try:
            runs = {"tuned libroadrunner loop": lambda: contenders.tuned_loop(sbml, rows, **SETTINGS),
                    REDUCED: lambda: contenders.tuned_loop(sbml, rows, **SETTINGS, reduced=True),
                    "engine serial": lambda: engine(model, samples, backend="serial"),
                    "engine 2 processes": lambda: engine(model, samples, backend=two),
                    "engine 1 process": lambda: engine(model, samples, backend=one),
                    "user's Pool of 2": lambda: user.run(rows),
                    "engine 2 processes, new workers per call": lambda: engine(model, samples, backend="processes",
                                                                                n_workers=2),
                    "user's Pool of 2, whole script": lambda: contenders.UserPool(sbml, **SETTINGS).one_shot(rows),
                    "tellurium Pool of 2 (saved state)": lambda: recipe.run(rows)}
            if amici is not None:
                runs["AMICI run_simulations, 2 threads"] = lambda: amici.parallel(rows, threads=2)
            if with_dask:
                runs["engine Dask LocalCluster (2 workers)"] = lambda: dask_run(model, samples, first)
            # interleaved rounds: the machine's speed drifts, and each ratio is taken within one
            # round, between runs seconds apart
            rounds = [{label: measure() for label, measure in runs.items()} for _ in range(repeats)]
        finally:
            user.close()
            recipe.close()
    once = {"tellurium loop": contenders.tellurium_loop(sbml, rows, **SETTINGS)}
    if amici is not None:
        once["AMICI loop"] = amici.loop(rows)
    if n_copasi:
        once["COPASI (basico) loop"] = contenders.copasi_loop(sbml, rows[:n_copasi], **SETTINGS)
    reference = rounds[0]["tuned libroadrunner loop"]["ends"]
    out["throughput_per_s"] = {label: float(np.median([r[label]["n"] / r[label]["seconds"] for r in rounds]))
                               for label in runs}
    out["throughput_per_s"].update({label: c["n"] / c["seconds"] for label, c in once.items()})
    # libroadrunner-based contenders must agree to 1e-6, those that set rows by name to 1e-5 (they
    # leave initial assignments, e.g. the Mg-ligand complexes of a changed Kd_L, at the model's
    # values: ~1e-6 at the end); another simulator is reported, its ratio left out above 1e-4
    def check(label: str, ends: np.ndarray, reference: np.ndarray) -> float:
        if label.startswith(("AMICI", "COPASI")):
            return difference(reference, ends)
        return agree(reference, ends, 1e-5 if label in BY_NAME else 1e-6)

    out["max_rel_difference"] = {label: max(check(label, r[label]["ends"], reference) for r in rounds)
                                 for label in runs}
    out["max_rel_difference"].update({label: check(label, c["ends"], reference[:c["n"]]) for label, c in once.items()})
    out["ratios"] = ratios(name, rounds, out)
    out["bare_integration_ms"] = float(np.median([1e3 * r["tuned libroadrunner loop"]["integrating"] / n
                                                  for r in rounds]))
    out["engine_serial_ms_per_simulation"] = float(np.median([1e3 * r["engine serial"]["seconds"] / n for r in rounds]))
    return out


def dask_run(model, samples, first: dict) -> dict:
    from dask.distributed import Client, LocalCluster
    # a cluster of its own for each round: a LocalCluster's scheduler runs on a thread of this
    # process; kept alive beside the single-process contenders, it slowed them down
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        # a LocalCluster's workers are daemonic: they cannot guard runs (run_timeout)
        warm_up = engine(model, samples[:8], backend=client, run_timeout=None)  # this round's workers start
        first.setdefault("Dask LocalCluster start + model load (8 rows)", warm_up["seconds"])
        return engine(model, samples, backend=client, run_timeout=None)


def ratios(name: str, rounds: list[dict], out: dict) -> dict[str, dict[str, float]]:
    """Median, lowest and highest over the interleaved rounds; single measurements from the
    throughputs. A ratio against a contender that disagrees is left out."""
    rate, diff = out["throughput_per_s"], out["max_rel_difference"]

    def per_round(top: str, bottom: str, *, overhead: bool = False) -> dict[str, float]:
        values = []
        for r in rounds:
            if overhead:  # engine (serial) time per simulation over the loop's time inside simulate
                values.append(r[top]["seconds"] / r[bottom]["integrating"] - 1)
            else:
                values.append((r[top]["n"] / r[top]["seconds"]) / (r[bottom]["n"] / r[bottom]["seconds"]))
        return {"median": float(np.median(values)), "min": float(min(values)), "max": float(max(values))}

    def single(top: str, bottom: str) -> dict[str, float]:
        value = rate[top] / rate[bottom]
        return {"median": value, "min": value, "max": value}

    two = "engine 2 processes"
    result = {
        f"2 processes / tuned loop (target >= {TARGETS.get(name, 1.8)})": per_round(two, "tuned libroadrunner loop"),
        "engine overhead over bare integration (target <= 0.05)": per_round("engine serial", "tuned libroadrunner loop",
                                                                            overhead=True),
        "2 processes / tuned loop on the reduced system": per_round(two, REDUCED),
        "engine overhead over bare integration of the reduced system": per_round("engine serial", REDUCED,
                                                                                 overhead=True),
        "speed-up 1 -> 2 processes": per_round(two, "engine 1 process"),
        "2 processes / user's Pool of 2 (target >= 1.1)": per_round(two, "user's Pool of 2"),
        "whole script: new workers per call / user's Pool script": per_round(
            "engine 2 processes, new workers per call", "user's Pool of 2, whole script"),
        "2 processes / tellurium Pool of 2 (saved state)": per_round(two, "tellurium Pool of 2 (saved state)"),
    }
    if "AMICI run_simulations, 2 threads" in rate and diff["AMICI run_simulations, 2 threads"] <= 1e-4:
        result["2 processes / AMICI run_simulations (2 threads)"] = per_round(two, "AMICI run_simulations, 2 threads")
    if "engine Dask LocalCluster (2 workers)" in rate:
        result["Dask / local processes (target >= 0.85)"] = per_round("engine Dask LocalCluster (2 workers)", two)
    for label in ("tellurium loop", "AMICI loop", "COPASI (basico) loop"):
        if label in rate and diff[label] <= 1e-4:
            result[f"2 processes / {label}"] = single(two, label)
    return result


def peak_memory(model, sizes: list[int]) -> dict[int, dict]:
    """Peak resident memory of parent and workers while the engine runs ``size`` samples."""
    from mgsignal.ensemble import sample_parameters
    memory = {}
    for size in sizes:
        big = sample_parameters(model, n=size, seed=2, relative=0.3, ids=IDS)
        with PeakMemory() as watch:
            result = engine(model, big, backend="processes", n_workers=2)
        memory[size] = {"peak_rss_MB": watch.peak / 2**20, "seconds": result["seconds"], "failed": result["failed"]}
    return memory


def profile(*, n: dict[str, int]) -> dict:
    """``--profile``: a worker's time per run and phase, per chunk and per ensemble, on both models."""
    from mgsignal.ensemble import Feature, LocalWorkers, sample_parameters
    out = {}
    for name, size in n.items():
        model, _ = bench_model(name)
        samples = sample_parameters(model, n=size, seed=1, relative=0.3, ids=IDS)
        options = dict(t_end=T_END, n_points=N_POINTS, rtol=RTOL, atol=ATOL, features=[Feature("Mg_c", "end")])
        with LocalWorkers(2) as workers:
            out[name] = {"per_run_ms": worker_profile.per_run(model, samples, **options),
                         "per_chunk": worker_profile.per_chunk(model, samples, **options, workers=workers),
                         "new_workers_s": worker_profile.handshake(model, samples, **options)}
    return out


def report(out: dict) -> str:
    lines = [(f"mgsignal ensemble benchmark: t_end {T_END:.0f} s, {N_POINTS} points, rtol {RTOL:g}, atol {ATOL:g}; "
              f"medians of {out['repeats']} interleaved rounds")]
    for name, result in out["models"].items():
        lines += ["", f"== {name}: {result['samples']} rows", f"{'contender':48s} {'sims/s':>10s} {'max rel diff':>13s}"]
        for label, rate in result["throughput_per_s"].items():
            diff = result["max_rel_difference"][label]
            flag = "  DISAGREES (ratio left out)" if diff > 1e-4 else ""
            lines.append(f"{label:48s} {rate:10.1f} {diff:13.1e}{flag}")
        lines += [(f"bare integration {result['bare_integration_ms']:.3f} ms/simulation; engine (serial) "
                   f"{result['engine_serial_ms_per_simulation']:.3f} ms/simulation"),
                  "started before the timed runs: " + ", ".join(f"{label} {seconds:.2f} s"
                                                                for label, seconds in result["first_s"].items())]
        if "amici_compile_s" in result:
            lines.append(f"AMICI compile (or load of an earlier build) {result['amici_compile_s']:.1f} s")
        if "amici_left_out" in result:
            lines.append(f"AMICI left out: {result['amici_left_out']}")
        lines += ["ratios (median [lowest, highest] over the rounds):"]
        lines += [f"  {label}: {r['median']:.2f} [{r['min']:.2f}, {r['max']:.2f}]" for label, r in result["ratios"].items()]
    lines += ["", "peak memory (parent + workers), 2 processes, composite model:"]
    lines += [f"  {size:>7d} samples: {m['peak_rss_MB']:.0f} MB in {m['seconds']:.1f} s ({m['failed']} failed)"
              for size, m in out["memory"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="rows of the composite model")
    parser.add_argument("--transport-samples", type=int, default=4000, help="rows of the transport model")
    parser.add_argument("--copasi-samples", type=int, default=200, help="rows for the COPASI loop (transport model)")
    parser.add_argument("--memory", default="10000,100000", help="sample counts for the memory check")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds of the timed contenders")
    parser.add_argument("--models", default="mg_transport,mg_signalling", help="models to compare, comma-separated")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no AMICI: checks that everything runs")
    parser.add_argument("--no-amici", action="store_true", help="leave AMICI out (its first build takes minutes)")
    parser.add_argument("--profile", action="store_true", help="only profile a worker (per run and phase) on both models")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.transport_samples, args.copasi_samples, args.memory, args.repeats = 16, 24, 4, "50,100", 2
    if args.profile:
        out = {"profile": profile(n={"mg_transport": args.transport_samples // 4 if not args.quick else 24,
                                     "mg_signalling": args.samples // 5 if not args.quick else 16})}
        print("\n\n".join(worker_profile.report(name, p["per_run_ms"], p["per_chunk"], p["new_workers_s"])
                          for name, p in out["profile"].items()))
    else:
        workdir = Path(__file__).resolve().parent / "results"
        workdir.mkdir(exist_ok=True)
        sizes = {"mg_transport": (args.transport_samples, args.copasi_samples, False),
                 "mg_signalling": (args.samples, 0, True)}  # rows, COPASI rows, Dask
        out = {"repeats": args.repeats, "t_end_s": T_END, "n_points": N_POINTS, "rtol": RTOL, "atol": ATOL, "models": {
            name: compare(name, n=sizes[name][0], n_copasi=sizes[name][1], repeats=args.repeats, workdir=workdir,
                          with_amici=not (args.quick or args.no_amici), with_dask=sizes[name][2])
            for name in args.models.split(",")}}
        memory = [int(x) for x in args.memory.split(",") if x]
        out["memory"] = peak_memory(bench_model("mg_signalling")[0], memory) if memory else {}
        print(report(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float))
    return out


if __name__ == "__main__":
    main()
