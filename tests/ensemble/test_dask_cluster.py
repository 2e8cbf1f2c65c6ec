"""Dask beyond one machine: a scheduler and workers started as separate processes (as on other
hosts), results identical to serial, and run_timeout enforced there too."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.ensemble import Feature, default_values, run_ensemble, sample_parameters

from .chattering import chattering_row, chattering_scenarios

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker --no-nanny` processes on this machine."""
    folder = tmp_path_factory.mktemp("dask")
    address_file = folder / "scheduler.json"
    dask = str(Path(sys.executable).parent / "dask")
    common = ["--no-dashboard"]
    processes = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(address_file), "--port", "0", *common],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.time() + 60
    while not address_file.is_file() and time.time() < deadline:
        time.sleep(0.2)
    for _ in range(2):
        processes.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(address_file), "--nthreads", "1",
                                           "--no-nanny", *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    address = json.loads(address_file.read_text())["address"]
    from dask.distributed import Client
    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
    yield address
    for process in processes[::-1]:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a worker still closing its connections: stop it
            process.kill()
            process.wait(timeout=10)


def test_a_cluster_of_separate_processes_gives_the_serial_numbers(transport, cluster):
    samples = sample_parameters(transport, n=12, seed=3, relative=0.3, ids=["P_TRPM7", "Vmax_SLC41A1"])
    options = dict(features=[Feature("Mg_c", "end"), Feature("Mg_c", "steady_state")],
                   scenarios=[mg.load_scenario("hypomagnesaemia")], n_points=13, progress=False)
    serial = run_ensemble(transport, samples, backend="serial", **options)
    remote = run_ensemble(transport, samples, backend=cluster, chunk_size=5, **options)
    pd.testing.assert_frame_equal(remote, serial, check_exact=True)


def test_run_timeout_is_enforced_on_the_cluster(composite, cluster):
    """The stored row with the published (event) switch never ends: it is stopped after the
    timeout on the Dask worker, and the other rows come back."""
    row = chattering_row(published_events=True)
    defaults = default_values(composite, list(row))
    samples = pd.DataFrame([defaults, row], index=pd.Index(["default", "chattering"], name="sample"))
    (scenario,) = chattering_scenarios((0.35,))
    started = time.perf_counter()
    table = run_ensemble(composite, samples, features=[Feature("Mg_c", "end")], scenarios=[scenario], n_points=2,
                         backend=cluster, chunk_size=1, run_timeout=5, progress=False)
    assert time.perf_counter() - started < 120
    assert table.loc["chattering", "error"].startswith("SimulationError: run stopped after 5 s (run_timeout)")
    assert table.loc["default", "error"] == "" and 0.2 < table.loc["default", "end_Mg_c"] < 2.0  # free Mg2+, mM
