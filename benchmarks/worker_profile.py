"""Where a worker's time goes, per run and per phase (``ensemble_benchmark.py --profile``).

Three measurements, each of the engine's own code path:

- per run: ``evaluate_chunk`` (what a worker does with a chunk) under cProfile, its time
  attributed to phases by function (reset, setting the row, selections, CVODE, libroadrunner's
  ``simulate`` wrapper, the engine's checks around it, feature reduction, heartbeats, the chunk's
  result table, the rest); beside it the same chunk without the profiler and the bare
  ``simulate`` calls of a tuned loop, for the real totals (cProfile inflates Python-level phases);
- per chunk: the result's transport (pickle, pipe, unpickle) and the parent's CPU time;
- per ensemble: what new workers cost before their first run (start, ready, job, model load,
  first chunk), timed inside a worker process that follows ``serve``'s steps.
"""

from __future__ import annotations

import cProfile
import multiprocessing
import pickle
import pstats
import tempfile
import time
from typing import Any

import numpy as np

#: phase -> (file suffix, function name, which time): "cum" includes callees, "tot" does not
PHASES = {
    "CVODE (inside simulate)": [("~", "<built-in method roadrunner._roadrunner.RoadRunner__simulate>", "tot")],
    "reset (resetToOrigin, reset)": [("~", "<built-in method roadrunner._roadrunner.RoadRunner_resetToOrigin>", "tot"),
                                     ("~", "<built-in method roadrunner._roadrunner.RoadRunner_reset>", "tot")],
    "setting the row (by index)": [("simulation/rows.py", "apply", "cum")],
    "selections": [("simulation/simulator.py", "_select", "cum"), ("simulation/simulator.py", "selection", "cum")],
    "scenario (checks, changes)": [("mgsignal/scenario.py", "check_scenario", "cum"),
                                   ("simulation/simulator.py", "_apply", "tot")],
    "feature reduction": [("ensemble/features.py", "reduce", "cum")],
    "heartbeats": [("ensemble/worker.py", "beat", "cum")],
}


def _times(stats: pstats.Stats) -> dict[tuple[str, str], tuple[float, float, int]]:
    """(file, function) -> (total time, cumulative time, calls)."""
    return {(file, name): (tt, ct, nc) for (file, _, name), (_, nc, tt, ct, _) in stats.stats.items()}


def _pick(times: dict, suffix: str, name: str, which: str) -> float:
    total = 0.0
    for (file, function), (tt, ct, _) in times.items():
        if function == name and file.endswith(suffix):
            total += tt if which == "tot" else ct
    return total


def per_run(model: Any, samples: Any, *, t_end: float, n_points: int, rtol: float, atol: float,
            features: list, scenarios: list | None = None) -> dict[str, float]:
    """ms per run of each phase of ``evaluate_chunk`` (one chunk of every sample, heartbeat on)."""
    import roadrunner

    from mgsignal.ensemble import EnsembleOptions, engine
    from mgsignal.ensemble.worker import Heartbeat, evaluate_chunk, job_simulator
    options = EnsembleOptions(t_end=t_end, n_points=n_points, rtol=rtol, atol=atol, backend="processes")
    job = engine._job(model, samples, features, tuple(scenarios or (None,)), options)
    simulator = job_simulator(job)  # as a worker makes it: from the caller's compiled code
    ids, rows = samples.index.to_numpy(), samples.to_numpy(dtype=float)
    n = len(rows) * len(job.scenarios)
    with tempfile.TemporaryDirectory() as folder:
        def chunk() -> Any:
            return evaluate_chunk(job, ids, rows, simulator=simulator, heartbeat=Heartbeat(folder, 0))

        chunk()  # first chunk: tolerances set, index arrays resolved
        profile = cProfile.Profile()
        profile.enable()
        chunk()
        profile.disable()
        started = time.perf_counter()
        chunk()
        unprofiled = time.perf_counter() - started
    times = _times(pstats.Stats(profile))
    out = {phase: 1e3 * sum(_pick(times, *entry) for entry in entries) / n for phase, entries in PHASES.items()}
    # libroadrunner's Python simulate() around its C++ one (the engine calls the C++ one directly)
    wrapper = _pick(times, "roadrunner/roadrunner.py", "simulate", "cum")
    out["libroadrunner's simulate() wrapper"] = max(0.0, 1e3 * wrapper / n - out["CVODE (inside simulate)"])
    integrate = _pick(times, "simulation/simulator.py", "_integrate_phases", "cum")
    out["engine checks around simulate"] = (1e3 * integrate / n - out["CVODE (inside simulate)"]
                                            - out["libroadrunner's simulate() wrapper"])
    chunk_total = _pick(times, "ensemble/worker.py", "evaluate_chunk", "cum")
    per_run_total = sum(_pick(times, "ensemble/worker.py", name, "cum") for name in ("features", "_features"))
    out["result table, chunk set-up (per run)"] = 1e3 * (chunk_total - per_run_total) / n - out["heartbeats"]
    out["other engine Python"] = 1e3 * chunk_total / n - sum(out.values())
    out["total (profiled)"] = 1e3 * chunk_total / n
    out["total (unprofiled)"] = 1e3 * unprofiled / n
    runner = roadrunner.RoadRunner()
    runner.loadStateS(simulator.saved_state())
    from mgsignal.simulation.runner import set_tolerances
    set_tolerances(runner, rtol=rtol, atol=atol)
    runner.timeCourseSelections = ["time", simulator.selection(job.outputs[0])]
    started, inside = time.perf_counter(), 0.0
    for _ in range(len(rows)):
        runner.resetToOrigin()
        before = time.perf_counter()
        runner.simulate(0.0, float(t_end), n_points)
        inside += time.perf_counter() - before
    out["bare simulate() of a loop (same runs, default rows)"] = 1e3 * inside / len(rows)
    return out


def per_chunk(model: Any, samples: Any, *, t_end: float, n_points: int, rtol: float, atol: float,
              features: list, workers: Any) -> dict[str, float]:
    """Result transport of a chunk (pickle, pipe, unpickle; ms per chunk and per run) and the
    parent's CPU time per run while a warm pool runs ``samples``."""
    from mgsignal.ensemble import EnsembleOptions, engine, run_ensemble
    from mgsignal.ensemble.worker import evaluate_chunk
    options = EnsembleOptions(t_end=t_end, n_points=n_points, rtol=rtol, atol=atol, backend="serial")
    job = engine._job(model, samples, features, (None,), options)
    size = min(len(samples), 256)
    table = evaluate_chunk(job, samples.index.to_numpy()[:size], samples.to_numpy(dtype=float)[:size])
    here, there = multiprocessing.Pipe()
    started = time.perf_counter()
    for _ in range(20):
        here.send(("done", 0, table))
        there.recv()
    transport = (time.perf_counter() - started) / 20
    here.close()
    there.close()
    settings = dict(features=features, t_end=t_end, n_points=n_points, rtol=rtol, atol=atol, progress=False)
    run_ensemble(model, samples.iloc[:8], backend=workers, **settings)  # the workers hold the model
    profile = cProfile.Profile()
    cpu = time.process_time()
    profile.enable()
    run_ensemble(model, samples, backend=workers, **settings)
    profile.disable()
    cpu = time.process_time() - cpu
    return {"rows per chunk": size, "bytes per chunk": len(pickle.dumps(table)),
            "transport ms per chunk": 1e3 * transport, "transport ms per run": 1e3 * transport / size,
            "parent CPU ms per run (warm pool)": 1e3 * cpu / len(samples)}


def handshake(model: Any, samples: Any, *, t_end: float, n_points: int, rtol: float, atol: float,
              features: list, repeats: int = 3) -> dict[str, float]:
    """Seconds new workers spend before their first run (median of ``repeats`` fresh workers,
    forked from the warm forkserver as ``backend="processes"`` does for every ensemble)."""
    from mgsignal.ensemble import EnsembleOptions, engine, pool
    options = EnsembleOptions(t_end=t_end, n_points=n_points, rtol=rtol, atol=atol, backend="processes")
    job = engine._job(model, samples.iloc[:2], features, (None,), options)
    context = pool._context()
    steps = []
    for _ in range(repeats):
        here, there = context.Pipe()
        started = time.time()
        process = context.Process(target=timed_worker, args=(there, started), daemon=True)
        process.start()
        there.close()
        here.recv()  # ready
        here.send_bytes(pickle.dumps(("job", job)))
        here.send(("task", 0, samples.index.to_numpy()[:2], samples.to_numpy(dtype=float)[:2], {}))
        steps.append(here.recv())
        here.send(None)
        process.join()
        here.close()
    return {name: float(np.median([s[name] for s in steps])) for name in steps[0]}


def timed_worker(connection: Any, started: float) -> None:
    """``serve``'s steps for one two-row task, each timed (wall clock, s)."""
    marks = {"process start": time.time() - started}
    connection.send(("ready",))
    t = time.perf_counter()
    _, job = connection.recv()
    marks["job unpickled"] = time.perf_counter() - t
    from mgsignal.ensemble.worker import evaluate_chunk, job_simulator
    t = time.perf_counter()
    simulator = job_simulator(job)
    simulator._runner("time_course")
    marks["model loaded (saved state)"] = time.perf_counter() - t
    _, _, ids, values, _ = connection.recv()
    t = time.perf_counter()
    evaluate_chunk(job, ids[:1], values[:1], simulator=simulator)
    marks["first run"] = time.perf_counter() - t
    t = time.perf_counter()
    evaluate_chunk(job, ids[1:], values[1:], simulator=simulator)
    marks["second run"] = time.perf_counter() - t
    connection.send(marks)
    connection.recv()


def report(name: str, runs: dict[str, float], chunk: dict[str, float], start: dict[str, float]) -> str:
    lines = [f"per-run profile of a worker, {name} (ms per run; cProfile inflates the Python-level phases):"]
    lines += [f"  {phase:52s} {value:8.3f}" for phase, value in runs.items()]
    lines += [(f"  result transport: {chunk['transport ms per chunk']:.3f} ms per chunk of {chunk['rows per chunk']} "
               f"rows ({chunk['bytes per chunk']} bytes; {chunk['transport ms per run']:.4f} ms per run); parent CPU "
               f"{chunk['parent CPU ms per run (warm pool)']:.3f} ms per run on a warm pool"),
              "  new workers (backend=\"processes\", each ensemble), s: "
              + ", ".join(f"{step} {value:.3f}" for step, value in start.items())]
    return "\n".join(lines)
