"""What users would write instead of the engine: the contenders of ``ensemble_benchmark.py``.

Each simulates the same rows (values of ``ids``) with the same tolerances and output grid and
returns ``{"seconds", "n", "ends"}`` (cytosolic free Mg2+ at the end of each run). The pools are
objects started before the timed runs (``start``), as the engine's workers are, so that a timed
run compares running rows with running rows; what starting them costs is timed apart.

The functions that run in pool workers live at module level and keep the worker's model in a
module variable, as a user's script does: it is what is being compared.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

_WORKER: dict[str, Any] = {}  # a pool worker's model (one per process), as a user's script keeps it


def tolerances(runner: Any, *, rtol: float, atol: float) -> None:
    """The engine's tolerances exactly: one absolute tolerance per state (a scalar is rescaled
    by each state's value, libroadrunner issue 1349), scaled for species a composite converted."""
    from mgsignal.simulation.runner import set_tolerances
    set_tolerances(runner, rtol=rtol, atol=atol)


def tuned_loop(sbml: str, rows: np.ndarray, *, ids: list[str], t_end: float, n_points: int, rtol: float,
               atol: float, reduced: bool = False) -> dict:
    """One process, parameters by index arrays, selections set once; ``integrating`` is the time
    spent inside ``simulate`` (the bare integration). ``reduced``: with libroadrunner's
    conserved-moiety analysis on (only independent species integrated), as the engine does for
    runs that set no species after time 0."""
    import roadrunner
    runner = roadrunner.RoadRunner(sbml)
    runner.conservedMoietyAnalysis = reduced
    tolerances(runner, rtol=rtol, atol=atol)
    runner.timeCourseSelections = ["time", "[Mg_c]"]
    names = list(runner.model.getGlobalParameterIds())
    index = np.array([names.index(p) for p in ids], dtype=np.int32)
    ends, integrating = np.empty(len(rows)), 0.0
    started = time.perf_counter()
    for i, row in enumerate(rows):
        runner.resetToOrigin()
        runner.model.setGlobalParameterValues(index, row)
        runner.reset()
        before = time.perf_counter()
        result = runner.simulate(0.0, t_end, n_points)
        integrating += time.perf_counter() - before
        ends[i] = result[-1, 1]
    return {"seconds": time.perf_counter() - started, "n": len(rows), "ends": ends, "integrating": integrating}


def tellurium_loop(sbml: str, rows: np.ndarray, *, ids: list[str], t_end: float, n_points: int, rtol: float,
                   atol: float) -> dict:
    """Load once, ``resetToOrigin``, parameters by name, ``simulate`` with selections."""
    import tellurium as te
    runner = te.loadSBMLModel(sbml)
    tolerances(runner, rtol=rtol, atol=atol)
    ends = np.empty(len(rows))
    started = time.perf_counter()
    for i, row in enumerate(rows):
        runner.resetToOrigin()
        for name, value in zip(ids, row):
            runner[name] = value
        ends[i] = runner.simulate(0.0, t_end, n_points, ["time", "[Mg_c]"])[-1, 1]
    return {"seconds": time.perf_counter() - started, "n": len(rows), "ends": ends}


# ------------------------------------------------------------------ a user's multiprocessing.Pool

def _load_sbml(sbml: str, settings: dict) -> None:
    """Pool initializer of the user's script: the model compiled once per worker."""
    import roadrunner
    runner = roadrunner.RoadRunner(sbml)
    _configure(runner, settings)


def _load_saved_state(state: bytes, settings: dict) -> None:
    """Pool initializer of the tellurium recipe: the parent's saved state loaded once per worker."""
    import tellurium as te
    runner = te.roadrunner.ExtendedRoadRunner()
    runner.loadStateS(state)
    _configure(runner, settings)


def _configure(runner: Any, settings: dict) -> None:
    tolerances(runner, rtol=settings["rtol"], atol=settings["atol"])
    runner.timeCourseSelections = ["time", "[Mg_c]"]
    _WORKER.update(runner=runner, **settings)


def _run_rows(rows: np.ndarray) -> list[float]:
    """One chunk of the user's script: reset, rows by name, simulate, keep one number."""
    runner, settings = _WORKER["runner"], _WORKER
    ends = []
    for row in rows:
        runner.resetToOrigin()
        for name, value in zip(settings["ids"], row):
            runner[name] = float(value)
        ends.append(float(runner.simulate(0.0, settings["t_end"], settings["n_points"])[-1, 1]))
    return ends


def _pid(_: int) -> int:
    time.sleep(0.05)
    return os.getpid()


class UserPool:
    """``multiprocessing.Pool`` of ``processes`` (the platform's default start method), the model
    loaded once per worker by an initializer (``recipe="sbml"``: compiled from the SBML, as in a
    30-line script; ``recipe="saved state"``: tellurium's ExtendedRoadRunner loading the parent's
    ``saveStateS``, the recipe users are pointed to), rows set by name, ``chunk`` rows per task."""

    def __init__(self, sbml: str, *, ids: list[str], t_end: float, n_points: int, rtol: float, atol: float,
                 processes: int = 2, chunk: int = 50, recipe: str = "sbml"):
        self.sbml, self.processes, self.chunk, self.recipe = sbml, processes, chunk, recipe
        self.settings = dict(ids=list(ids), t_end=t_end, n_points=n_points, rtol=rtol, atol=atol)
        self.pool: Any = None

    def start(self) -> float:
        """Start the pool and wait until every worker has loaded the model; returns seconds."""
        started = time.perf_counter()
        if self.recipe == "saved state":
            import tellurium as te
            initializer, argument = _load_saved_state, te.loadSBMLModel(self.sbml).saveStateS()
        else:
            initializer, argument = _load_sbml, self.sbml
        self.pool = multiprocessing.Pool(self.processes, initializer=initializer, initargs=(argument, self.settings))
        seen: set[int] = set()
        while len(seen) < self.processes:  # initializers run before a worker takes its first task
            seen |= set(self.pool.map(_pid, range(2 * self.processes), chunksize=1))
        return time.perf_counter() - started

    def run(self, rows: np.ndarray) -> dict:
        started = time.perf_counter()
        chunks = [rows[i:i + self.chunk] for i in range(0, len(rows), self.chunk)]
        ends = np.concatenate(self.pool.map(_run_rows, chunks, chunksize=1))
        return {"seconds": time.perf_counter() - started, "n": len(rows), "ends": ends}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def one_shot(self, rows: np.ndarray) -> dict:
        """The whole script timed: pool started, models loaded, rows run, pool closed."""
        started = time.perf_counter()
        self.start()
        try:
            result = self.run(rows)
        finally:
            self.close()
        result["seconds"] = time.perf_counter() - started
        return result


# ------------------------------------------------------------------ other simulators

def copasi_loop(sbml: str, rows: np.ndarray, *, ids: list[str], t_end: float, n_points: int, rtol: float,
                atol: float) -> dict:
    import basico
    model = basico.load_model_from_string(sbml)
    ends = np.empty(len(rows))
    started = time.perf_counter()
    try:
        for i, row in enumerate(rows):
            for name, value in zip(ids, row):
                basico.set_parameters(name, initial_value=float(value), exact=True, model=model)
            table = basico.run_time_course(duration=t_end, intervals=n_points - 1, r_tol=rtol, a_tol=atol,
                                           use_concentrations=True, update_model=False, model=model)
            ends[i] = table["cytosolic free Mg2+"].iloc[-1]  # COPASI names columns by display name
    finally:
        basico.remove_datamodel(model)
    return {"seconds": time.perf_counter() - started, "n": len(rows), "ends": ends}


class Amici:
    """AMICI (1.0 API), compiled once per SBML text (kept in ``workdir`` for later runs, its
    compile time reported apart), runs given as one ``ExpData`` per row: ``loop`` one
    ``run_simulation`` after another, ``parallel`` one ``run_simulations`` call on ``threads``
    OpenMP threads. Tolerances as given (AMICI's absolute tolerance is one number)."""

    def __init__(self, sbml: str, *, name: str, ids: list[str], t_end: float, n_points: int, rtol: float,
                 atol: float, workdir: Path):
        import hashlib

        import amici.sim.sundials  # noqa: F401 - a built model module checks its SWIG version against it
        from amici import import_model_module
        from amici.importers.sbml import SbmlImporter
        digest = hashlib.sha256(sbml.encode()).hexdigest()[:12]
        module_name = f"amici_{name}_{digest}"
        folder = workdir / module_name
        # the model build calls `swig`, which `pip install swig` puts beside this interpreter
        os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        for logger in [n for n in logging.root.manager.loggerDict if n.startswith("amici")]:
            logging.getLogger(logger).setLevel(logging.ERROR)  # else a DEBUG line per simulation
        started = time.perf_counter()
        if not (folder / "done").is_file():
            path = workdir / f"{module_name}.xml"
            path.write_text(sbml)
            SbmlImporter(str(path)).sbml2amici(module_name, str(folder), generate_sensitivity_code=False)
            (folder / "done").write_text(digest)
        self.model = import_model_module(module_name, str(folder)).get_model()
        self.compile_seconds = time.perf_counter() - started
        for logger in [n for n in logging.root.manager.loggerDict if n.startswith("amici")]:
            logging.getLogger(logger).setLevel(logging.ERROR)
        self.times = np.linspace(0.0, t_end, n_points)
        self.model.set_timepoints(self.times)
        self.solver = self.model.create_solver()
        self.solver.set_relative_tolerance(rtol)
        self.solver.set_absolute_tolerance(atol)
        names = list(self.model.get_free_parameter_ids())
        self.index = np.array([names.index(p) for p in ids], dtype=np.intp)
        self.base = np.asarray(self.model.get_free_parameters(), dtype=float)
        self.column = list(self.model.get_state_ids()).index("Mg_c")

    def _data(self, rows: np.ndarray) -> list:
        from amici.sim.sundials import ExpData
        datas = []
        for row in rows:
            data = ExpData(self.model)
            values = self.base.copy()
            values[self.index] = row
            data.free_parameters = values
            datas.append(data)
        return datas

    def loop(self, rows: np.ndarray) -> dict:
        from amici.sim.sundials import run_simulation
        started = time.perf_counter()
        ends = np.array([run_simulation(self.model, self.solver, data).x[-1, self.column] for data in self._data(rows)])
        return {"seconds": time.perf_counter() - started, "n": len(rows), "ends": ends}

    def parallel(self, rows: np.ndarray, *, threads: int = 2) -> dict:
        from amici.sim.sundials import run_simulations
        started = time.perf_counter()
        results = run_simulations(self.model, self.solver, self._data(rows), failfast=False, num_threads=threads)
        ends = np.array([np.asarray(r.x)[-1, self.column] if r.status == 0 else np.nan for r in results])
        return {"seconds": time.perf_counter() - started, "n": len(rows), "ends": ends,
                "failed": int(sum(r.status != 0 for r in results))}
