"""The ensemble engine: same numbers on every backend and chunking, failures contained,
checkpoints resumed, features equal to what a direct simulation gives."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.ensemble import (DoseResponse, Feature, default_values, dose_response, half_maximal_dose,
                               run_ensemble, sample_parameters, scan)

from .chattering import chattering_row, chattering_scenarios

IDS = ["P_TRPM7", "Vmax_MagT1", "Vmax_SLC41A1", "K_Mg_SLC41A1", "TRPM7", "Mg_c"]
FEATURES = [Feature("Mg_c", "end"), Feature("Mg_tot_c", "peak"), Feature("Mg_c", "auc"),
            Feature("Mg_c", "time_to_peak"), Feature("Mg_m", "min"), Feature("Mg_c", "steady_state")]


@pytest.fixture(scope="module")
def samples(transport):
    return sample_parameters(transport, n=24, seed=7, relative=0.4, ids=IDS)


@pytest.fixture(scope="module")
def serial(transport, samples):
    return run_ensemble(transport, samples, features=FEATURES, scenarios=[mg.load_scenario("hypomagnesaemia")],
                        n_points=49, backend="serial", progress=False)


def test_latin_hypercube_rows_are_seeded_and_stratified(transport, samples):
    again = sample_parameters(transport, n=24, seed=7, relative=0.4, ids=IDS)
    pd.testing.assert_frame_equal(samples, again)
    assert not samples.equals(sample_parameters(transport, n=24, seed=8, relative=0.4, ids=IDS))
    p_trpm7 = default_values(transport, ["P_TRPM7"])["P_TRPM7"]
    low, high = p_trpm7 * 0.6, p_trpm7 * 1.4  # P_TRPM7 default +- 40 %
    strata = np.floor((samples["P_TRPM7"] - low) / (high - low) * 24).astype(int)
    assert sorted(strata) == list(range(24))  # one sample per stratum


def test_features_equal_a_direct_simulation(transport, samples, serial):
    """The engine sets values by index in workers; the direct path sets them by name."""
    scenario = mg.load_scenario("hypomagnesaemia")
    for sample in (0, 5, 17):
        row = samples.loc[sample].to_dict()
        direct = mg.Scenario(name="direct", preequilibration=row, changes={},
                             phases=scenario.phases, duration=scenario.duration)
        # pre-equilibration applies the row then the steady state, exactly as the engine does
        table = mg.simulate(transport, direct, n_points=49, outputs=["Mg_c", "Mg_tot_c", "Mg_m"])
        got = serial.loc[sample]
        assert got["end_Mg_c"] == pytest.approx(table["Mg_c"].iloc[-1], rel=1e-9)
        assert got["peak_Mg_tot_c"] == pytest.approx(table["Mg_tot_c"].max(), rel=1e-9)
        assert got["auc_Mg_c"] == pytest.approx(np.trapezoid(table["Mg_c"], table.index), rel=1e-9)
        # a time at which the direct run is at its peak (the trajectory may be flat to 1e-15 there)
        assert table.loc[got["time_to_peak_Mg_c"], "Mg_c"] == pytest.approx(table["Mg_c"].max(), rel=1e-9)
        assert got["min_Mg_m"] == pytest.approx(table["Mg_m"].min(), rel=1e-9)
        steady = mg.steady_state(transport, mg.Scenario(name="ss", changes={**row, "Mg_e": 0.35}), outputs=["Mg_c"])
        assert got["steady_state_Mg_c"] == pytest.approx(steady["Mg_c"], rel=1e-7)


def test_same_numbers_on_every_backend_and_chunking(transport, samples, serial):
    from dask.distributed import Client, LocalCluster
    scenario = [mg.load_scenario("hypomagnesaemia")]
    local = run_ensemble(transport, samples, features=FEATURES, scenarios=scenario, n_points=49,
                         backend="processes", n_workers=2, chunk_size=5, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = run_ensemble(transport, samples, features=FEATURES, scenarios=scenario, n_points=49,
                            backend=client, chunk_size=7, progress=False)
        # short runs of one job back to back on one client (scattered under its content hash,
        # the job of the second run was lost or the scatter hung)
        short = dict(features=[Feature("Mg_c", "end")], t_end=100, progress=False)
        expected = run_ensemble(transport, samples, backend="serial", **short)
        for rows in (samples.iloc[:4], samples, samples.iloc[:4], samples.iloc[:8]):
            again = run_ensemble(transport, rows, backend=client, **short)
            pd.testing.assert_frame_equal(again, expected.loc[rows.index], check_exact=True)
    assert serial["error"].eq("").all()
    for other in (local, dask):
        pd.testing.assert_frame_equal(other, serial, check_exact=True)


def test_default_chunks_shrink_towards_the_end_and_cover_every_row():
    from mgsignal.ensemble.engine import chunk_bounds
    for n, workers in [(4000, 2), (24, 2), (1, 8), (100_000, 16)]:
        bounds = chunk_bounds(n, workers=workers)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # contiguous, no row twice
        sizes = [stop - start for start, stop in bounds]
        assert sizes == sorted(sizes, reverse=True) and max(sizes) <= 256
        assert all(size >= 4 for size in sizes[:-1])
    sizes = [stop - start for start, stop in chunk_bounds(4000, workers=2)]
    assert sizes[0] == 256 and sizes[-1] <= 4  # a worker idles at most ~4 runs at the end
    assert chunk_bounds(10, workers=2, chunk_size=3) == [(0, 3), (3, 6), (6, 9), (9, 10)]
    with pytest.raises(mg.InvalidInputError, match="chunk_size"):
        chunk_bounds(10, workers=2, chunk_size=0)


def test_workers_load_compiled_code_on_its_host_and_compile_elsewhere(transport, samples, serial, monkeypatch):
    """A job carries the caller's compiled runners; a worker on another host (or libroadrunner
    build) compiles the SBML instead. Both give the serial numbers exactly."""
    from dataclasses import replace

    from mgsignal.ensemble import EnsembleOptions, engine, worker
    job = engine._job(transport, samples, FEATURES, (mg.load_scenario("hypomagnesaemia"),),
                      EnsembleOptions(n_points=49, backend="processes"))
    assert dict(job.compiled.states).keys() >= {"time_course", "steady"}  # steady features need both
    built = []
    monkeypatch.setattr(worker, "Simulator", lambda model, **options: built.append(options["compiled"])
                        or mg.Simulator(model, **options))
    ids, rows = samples.index.to_numpy()[:6], samples.to_numpy()[:6]
    for compiled, loaded in [(job.compiled, True), (replace(job.compiled, host="elsewhere"), False)]:
        worker.compiled_simulator.cache_clear()
        part = worker.evaluate_chunk(replace(job, compiled=compiled), ids, rows).set_index("sample")
        assert (built[-1] is not None) == loaded
        expected = serial.iloc[:6]
        pd.testing.assert_frame_equal(part[expected.columns], expected, check_exact=True, check_names=False)
    worker.compiled_simulator.cache_clear()


def test_a_run_that_never_ends_is_stopped_and_the_rest_goes_on(composite):
    """A sample found by a Sobol' design over the composite model: its insulin-receptor
    synthesis events fire without end (tests/data/SOURCES.md), and libroadrunner cannot be
    interrupted. Its worker is killed after ``run_timeout``; the other rows of its chunk are run
    again on a new worker and give what a serial run gives."""
    row = chattering_row(published_events=True)
    defaults = default_values(composite, list(row))
    samples = pd.DataFrame([defaults, row, {**defaults, "Vmax_MagT1": 1.1 * defaults["Vmax_MagT1"]}],
                           index=pd.Index(["default", "chattering", "more MagT1"], name="sample"))
    scenarios = chattering_scenarios()
    options = dict(features=[Feature("Mg_c", "end")], progress=False, n_points=2, scenarios=scenarios)
    table = run_ensemble(composite, samples, backend="processes", n_workers=2, chunk_size=3, run_timeout=3, **options)
    stopped = table.xs("chattering", level="sample")
    assert stopped["error"].str.startswith("SimulationError: run stopped after 3 s (run_timeout)").all()
    assert stopped["end_Mg_c"].isna().all() and table.attrs["n_failed"] == 2  # under both scenarios
    serial = run_ensemble(composite, samples.drop(index="chattering"), backend="serial", **options)
    pd.testing.assert_frame_equal(table.drop(index="chattering", level="sample"), serial, check_exact=True)
    with pytest.raises(mg.InvalidInputError, match="run_timeout"):
        run_ensemble(composite, samples, run_timeout=0, **options)


def crash_when_large(times, values):
    """A user-defined feature that crashes its process (as a fault in compiled code would) when
    the value is above 1e-2."""
    if values[-1] > 1e-2:
        os._exit(3)
    return float(values[-1])


def test_a_worker_that_dies_costs_only_its_run(transport):
    samples = pd.DataFrame({"P_TRPM7": [1e-3, 2e-3, 5e-2, 3e-3, 4e-3]}, index=pd.Index(list("abcde"), name="sample"))
    table = run_ensemble(transport, samples, features=[Feature("P_TRPM7", "function", name="p", function=crash_when_large),
                                                       Feature("Mg_c", "end")],
                         t_end=60, backend="processes", n_workers=2, chunk_size=5, progress=False)
    # tried once more on another worker, which died too; the reason says how
    assert table.loc["c", "error"].startswith("SimulationError: the worker process died during this run "
                                              "(it exited with code 3), and again on its retry (it exited with code 3)")
    assert table.attrs["n_retried"] == 1 and table.attrs["n_failed"] == 1
    assert table.drop(index="c")["error"].eq("").all()
    assert table.drop(index="c")["p"].tolist() == [1e-3, 2e-3, 3e-3, 4e-3]


def test_a_failing_sample_gives_nan_and_its_reason(transport):
    samples = pd.DataFrame({"temperature": [310.15, 1e-300, 300.0]}, index=pd.Index(["a", "b", "c"], name="sample"))
    table = run_ensemble(transport, samples, features=[Feature("Mg_c", "end")], t_end=600, backend="serial",
                         progress=False)
    assert table.loc["b", "error"].startswith("SimulationError") and np.isnan(table.loc["b", "end_Mg_c"])
    assert table.loc[["a", "c"], "error"].eq("").all() and table.loc[["a", "c"], "end_Mg_c"].notna().all()
    assert table.attrs["n_failed"] == 1


CALLS = {"n": 0, "stop_after": None}


def counted_end(times, values):
    """A user-defined feature that counts its calls and can simulate an interruption."""
    CALLS["n"] += 1
    if CALLS["stop_after"] is not None and CALLS["n"] > CALLS["stop_after"]:
        raise KeyboardInterrupt
    return float(values[-1])


def test_an_interrupted_run_resumes_from_its_checkpoint(transport, samples, tmp_path):
    feature = [Feature("Mg_c", "function", name="last_Mg_c", function=counted_end)]
    options = dict(features=feature, t_end=3600, n_points=13, backend="serial", chunk_size=5, progress=False)
    CALLS.update(n=0, stop_after=12)
    with pytest.raises(KeyboardInterrupt):
        run_ensemble(transport, samples, checkpoint=str(tmp_path / "ck"), **options)
    assert len(list((tmp_path / "ck").glob("chunk-*.parquet"))) == 2  # 10 samples stored
    CALLS.update(n=0, stop_after=None)
    resumed = run_ensemble(transport, samples, checkpoint=str(tmp_path / "ck"), **options)
    assert CALLS["n"] == len(samples) - 10 and resumed.attrs["resumed"] == 10
    fresh = run_ensemble(transport, samples, **options)
    pd.testing.assert_frame_equal(resumed, fresh, check_exact=True)
    with pytest.raises(mg.InvalidInputError, match="different run"):
        run_ensemble(transport, samples.iloc[:3], checkpoint=str(tmp_path / "ck"), **options)


def test_checkpoint_files_are_whole_and_unreadable_ones_are_set_aside(transport, samples, tmp_path):
    options = dict(features=[Feature("Mg_c", "end")], t_end=3600, n_points=13, backend="serial", chunk_size=5,
                   progress=False)
    fresh = run_ensemble(transport, samples, **options)
    folder = tmp_path / "ck"
    run_ensemble(transport, samples, checkpoint=folder, **options)
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["key"]
    cut = sorted(folder.glob("chunk-*.parquet"))[0]  # a copy cut short, a disk that failed
    lost = len(pd.read_parquet(cut))
    cut.write_bytes(cut.read_bytes()[:100])
    (folder / f".{cut.name}.0a1b2c3d.tmp").write_bytes(b"")  # left by a run killed while writing
    with pytest.warns(RuntimeWarning, match=f"checkpoint file .*{cut.name} is unreadable.*set aside"):
        resumed = run_ensemble(transport, samples, checkpoint=folder, **options)
    assert resumed.attrs["resumed"] == len(samples) - lost and resumed.attrs["checkpoint_set_aside"] == [cut.name]
    assert (folder / f"{cut.name}.corrupt").exists() and not list(folder.glob(".*.tmp"))
    pd.testing.assert_frame_equal(resumed, fresh, check_exact=True)
    # a manifest of 0 bytes (a full disk, when it was not written atomically): set aside; the
    # chunks carry the run's key, so they still count
    (folder / "manifest.json").write_bytes(b"")
    with pytest.warns(RuntimeWarning, match="manifest.json is unreadable"):
        again = run_ensemble(transport, samples, checkpoint=folder, **options)
    assert again.attrs["resumed"] == len(samples) and (folder / "manifest.json.corrupt").exists()
    pd.testing.assert_frame_equal(again, fresh, check_exact=True)


def test_checkpoint_folders_that_cannot_work_are_refused_before_any_run(transport, samples, tmp_path, monkeypatch):
    import shutil

    from mgsignal.ensemble import checkpoint
    options = dict(features=[Feature("Mg_c", "function", name="last_Mg_c", function=counted_end)], t_end=60,
                   n_points=3, backend="serial", progress=False)
    CALLS.update(n=0, stop_after=None)
    a_file = tmp_path / "results.csv"
    a_file.write_text("not a folder", encoding="utf-8")
    with pytest.raises(mg.InvalidInputError, match="is a file, not a folder"):
        run_ensemble(transport, samples, checkpoint=a_file, **options)

    def denied(**_):
        raise PermissionError(13, "Permission denied")
    with monkeypatch.context() as patch:  # a read-only folder (root may write anywhere: simulated)
        patch.setattr(checkpoint.tempfile, "mkstemp", denied)
        with pytest.raises(mg.InvalidInputError, match=r"cannot be written \(Permission denied\)"):
            run_ensemble(transport, samples, checkpoint=tmp_path / "ck", **options)
    with monkeypatch.context() as patch:  # a full disk
        full = shutil._ntuple_diskusage(2**30, 2**30 - 2**20, 2**20)
        patch.setattr(checkpoint.shutil, "disk_usage", lambda path: full)
        with pytest.raises(mg.InvalidInputError, match="1.0 MB free"):
            run_ensemble(transport, samples, checkpoint=tmp_path / "ck", **options)
    assert CALLS["n"] == 0


def test_sample_values_that_are_not_finite_numbers_are_refused_up_front(transport):
    good = pd.DataFrame({"P_TRPM7": [1e-3, 2e-3, 3e-3]}, index=pd.Index(list("abc"), name="sample"))
    options = dict(features=[Feature("Mg_c", "end")], t_end=60, n_points=3, backend="serial", progress=False)
    for bad, shown in [(np.nan, "nan"), (np.inf, "inf"), ("2e-3", "'2e-3'"), (None, "None")]:
        for samples in (good.astype(object), good.copy()):
            if isinstance(bad, str | None) and samples["P_TRPM7"].dtype != object:
                continue
            samples.loc["b", "P_TRPM7"] = bad
            with pytest.raises(mg.InvalidInputError,
                               match=rf"samples column 'P_TRPM7', row 'b': {re.escape(shown)} is not a finite number"):
                run_ensemble(transport, samples, **options)
    floats = run_ensemble(transport, pd.DataFrame({"TRPM7": [1.0, 2.0]}), **options)
    for ints in (pd.DataFrame({"TRPM7": np.array([1, 2], dtype=np.int64)}),
                 pd.DataFrame({"TRPM7": pd.Series([np.int64(1), 2.0], dtype=object)})):
        pd.testing.assert_frame_equal(run_ensemble(transport, ints, **options), floats, check_exact=True)


def test_an_interrupted_run_leaves_no_workers_and_no_temporary_folders(transport, samples, tmp_path, monkeypatch):
    import multiprocessing
    import tempfile

    from mgsignal.ensemble import checkpoint, heartbeats
    stale = Path(tempfile.mkdtemp(prefix=f"{heartbeats.heartbeat_prefix()}{dead_pid()}-"))  # of a killed run
    (stale / "12345").write_text("0 0 0 0.0 0", encoding="ascii")

    def interrupt(self, rows):
        raise KeyboardInterrupt
    monkeypatch.setattr(checkpoint.CheckpointStore, "write", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_ensemble(transport, samples, features=[Feature("Mg_c", "end")], t_end=60, n_points=3, chunk_size=4,
                     backend="processes", n_workers=2, checkpoint=tmp_path, progress=False)
    assert not multiprocessing.active_children()
    assert not stale.exists()
    assert not list(Path(tempfile.gettempdir()).glob(f"{heartbeats.heartbeat_prefix()}{os.getpid()}-*"))


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(process.stdout)


def test_several_scenarios_index_by_scenario_and_sample(transport, samples):
    scenarios = [mg.load_scenario("hypomagnesaemia"), mg.load_scenario("trpm7_knockout")]
    table = run_ensemble(transport, samples.iloc[:4], features=[Feature("Mg_c", "end")], t_end=7200,
                         scenarios=scenarios, backend="serial", progress=False)
    assert table.index.names == ["scenario", "sample"] and len(table) == 8
    for scenario in scenarios:  # each row is that sample under that scenario, as a direct run gives it
        for sample in samples.index[:4]:
            row = samples.loc[sample].to_dict()
            direct = mg.Scenario(name="direct", preequilibration=row, phases=scenario.phases)
            end = mg.simulate(transport, direct, t_end=7200, n_points=2, outputs=["Mg_c"])["Mg_c"]
            assert table.loc[(scenario.name, sample), "end_Mg_c"] == pytest.approx(end.iloc[-1], rel=1e-9)
            # both lower the cell's Mg2+ one hour after the change (less entry)
            assert table.loc[(scenario.name, sample), "end_Mg_c"] < end.iloc[0]


def test_unknown_ids_and_bad_input_are_refused(transport, samples):
    with pytest.raises(mg.UnknownIdError, match="did you mean 'P_TRPM7'"):
        run_ensemble(transport, samples.rename(columns={"P_TRPM7": "P_TRPM8"}), features=FEATURES, t_end=10)
    with pytest.raises(mg.UnknownIdError):
        run_ensemble(transport, samples, features=[Feature("Mg_x", "end")], t_end=10)
    with pytest.raises(mg.InvalidInputError, match="t_end"):
        run_ensemble(transport, samples, features=FEATURES)
    with pytest.raises(mg.InvalidInputError):
        Feature("Mg_c", "median")


def test_half_maximal_dose_of_a_hill_curve():
    doses = np.geomspace(1e-3, 1e3, 121)
    for k, n in [(0.3, 1.0), (2.0, 2.5)]:
        response = 5.0 + 10 * doses**n / (k**n + doses**n)
        ec50, top = half_maximal_dose(doses, response)
        half = (response[0] + response.max()) / 2  # half-way between the observed ends
        exact = k * ((half - 5.0) / (15.0 - half)) ** (1 / n)  # the Hill curve solved for it
        assert exact == pytest.approx(k, rel=1e-2)
        assert ec50 == pytest.approx(exact, rel=2e-3) and top == pytest.approx(response.max(), rel=1e-12)
    assert np.isnan(half_maximal_dose(doses, -doses)[0])


def test_scans_and_dose_responses(transport):
    grid = scan(transport, {"Mg_e": [0.3, 0.6, 0.9], "TRPM7": [0.5, 1.0]},
                features=[Feature("Mg_c", "steady_state")], t_end=1, backend="serial", progress=False)
    assert grid.index.names == ["Mg_e", "TRPM7"] and len(grid) == 6
    assert grid.loc[(0.6, 1.0), "steady_state_Mg_c"] == pytest.approx(mg.steady_state(transport)["Mg_c"], rel=1e-9)
    assert (grid.xs(1.0, level="TRPM7")["steady_state_Mg_c"].diff().dropna() > 0).all()
    curve = dose_response(transport, dose="Mg_e", doses=np.geomspace(0.05, 5, 9),
                          response=Feature("Mg_c", "steady_state"), t_end=1, backend="serial", progress=False)
    ec50, top = curve.attrs["ec50"]["steady_state_Mg_c"], curve.attrs["max"]["steady_state_Mg_c"]
    half = curve.iloc[0, 0] + 0.5 * (top - curve.iloc[0, 0])
    low, high = curve.index[curve.index < ec50][-1], curve.index[curve.index > ec50][0]
    assert curve.loc[low].iloc[0] < half < curve.loc[high].iloc[0]
    inside = run_ensemble(transport, pd.DataFrame({"TRPM7": [1.0]}), t_end=24 * 3600, backend="serial", progress=False,
                          features=[DoseResponse("mg", dose="Mg_e", doses=tuple(np.geomspace(0.05, 5, 9)),
                                                 response=Feature("Mg_c", "end"))])
    # after 24 h the end value is the steady state to ~1e-5 (relaxation is slowest at high doses)
    assert inside.loc[0, "mg_ec50"] == pytest.approx(ec50, rel=1e-4)
    assert inside.loc[0, "mg_max"] == pytest.approx(top, rel=1e-4)


def test_the_stored_chattering_row_finishes_quickly_with_the_smooth_switch(composite):
    """The same row with the default receptor-synthesis switch (switch_width 1e-4) ends in
    well under a second per scenario instead of never (issue: sliding mode of the events)."""
    import time
    row = chattering_row(published_events=False)
    samples = pd.DataFrame([row], index=pd.Index(["chattering"], name="sample"))
    scenarios = chattering_scenarios()
    started = time.perf_counter()
    table = run_ensemble(composite, samples, features=[Feature("Mg_c", "end")], scenarios=scenarios, n_points=2,
                         backend="serial", progress=False)
    assert table["error"].eq("").all() and table["end_Mg_c"].between(0.2, 2.0).all()  # free Mg2+, mM
    assert time.perf_counter() - started < 30  # it never ended before; measured ~0.05 s


def test_physically_impossible_sample_values_are_refused_before_any_run(transport):
    samples = pd.DataFrame({"temperature": [310.0, -1.0], "P_TRPM7": [1e-3, 2e-3]}, index=pd.Index(["a", "b"], name="sample"))
    with pytest.raises(mg.InvalidInputError, match=r"sample 'b': temperature = -1 is not physical: it must be > 0"):
        run_ensemble(transport, samples, features=[Feature("Mg_c", "end")], t_end=10, backend="serial", progress=False)
