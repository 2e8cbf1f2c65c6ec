"""A pool of local workers kept between ensembles: the serial numbers every time, on the same
processes, for any model; an ensemble stopped early leaves the pool usable; closing it leaves
no process and no temporary folder."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import mgsignal as mg
from mgsignal.ensemble import Feature, LocalWorkers, checkpoint, heartbeats, run_ensemble, sample_parameters

OPTIONS = dict(features=[Feature("Mg_c", "end"), Feature("Mg_c", "peak")], t_end=3600, n_points=13, progress=False)


@pytest.fixture(scope="module")
def samples(transport):
    return sample_parameters(transport, n=16, seed=11, relative=0.3, ids=["P_TRPM7", "Vmax_MagT1"])


def test_one_pool_runs_many_ensembles_on_the_same_processes(transport, camp, samples):
    serial = run_ensemble(transport, samples, backend="serial", **OPTIONS)
    scenario = mg.load_scenario("hypomagnesaemia")
    with_scenario = run_ensemble(transport, samples, backend="serial", scenarios=[scenario], **OPTIONS)
    with LocalWorkers(2) as workers:
        first = run_ensemble(transport, samples, backend=workers, chunk_size=3, **OPTIONS)
        pids = sorted(w.process.pid for w in workers.workers)
        again = run_ensemble(transport, samples, backend=workers, **OPTIONS)
        other = run_ensemble(transport, samples, backend=workers, scenarios=[scenario], **OPTIONS)
        assert sorted(w.process.pid for w in workers.workers) == pids and len(pids) == 2
        # another model on the same workers
        camp_options = dict(features=[Feature("cAMP_total", "peak")], t_end=600, n_points=7, progress=False)
        camp_samples = pd.DataFrame({"iso_applied": [0.0, 1e-3, 1e-2]})
        pd.testing.assert_frame_equal(run_ensemble(camp, camp_samples, backend=workers, **camp_options),
                                      run_ensemble(camp, camp_samples, backend="serial", **camp_options),
                                      check_exact=True)
    for table in (first, again):
        pd.testing.assert_frame_equal(table, serial, check_exact=True)
    pd.testing.assert_frame_equal(other, with_scenario, check_exact=True)
    assert first.attrs["backend"] == "LocalWorkers"
    assert not multiprocessing.active_children()
    assert not list(Path(tempfile.gettempdir()).glob(f"{heartbeats.heartbeat_prefix()}{os.getpid()}-*"))


def test_an_ensemble_stopped_early_leaves_the_pool_usable(transport, samples, tmp_path, monkeypatch):
    serial = run_ensemble(transport, samples, backend="serial", **OPTIONS)
    write = checkpoint.CheckpointStore.write

    def interrupt(self, rows):
        raise KeyboardInterrupt

    with LocalWorkers(2) as workers:
        monkeypatch.setattr(checkpoint.CheckpointStore, "write", interrupt)
        with pytest.raises(KeyboardInterrupt):
            run_ensemble(transport, samples, backend=workers, chunk_size=2, checkpoint=tmp_path, **OPTIONS)
        assert not workers.tasks and all(w.task is None for w in workers.workers)
        monkeypatch.setattr(checkpoint.CheckpointStore, "write", write)
        pd.testing.assert_frame_equal(run_ensemble(transport, samples, backend=workers, **OPTIONS), serial,
                                      check_exact=True)
    assert not multiprocessing.active_children()


def test_a_pool_refuses_a_second_ensemble_while_one_runs(transport, samples):
    with LocalWorkers(1) as workers:
        first = workers.run(None, [])
        workers.running = True  # as while the first ensemble's results are being read
        with pytest.raises(mg.InvalidInputError, match="one ensemble at a time"):
            next(workers.run(None, []))
        first.close()
    with pytest.raises(mg.InvalidInputError, match="n_workers"):
        LocalWorkers(0)
