"""The benchmark runs end to end (tiny sizes) and its contenders agree; speed is not tested here."""

from __future__ import annotations

import importlib.util

import pytest

from .conftest import ROOT


def load_benchmark():
    spec = importlib.util.spec_from_file_location("ensemble_benchmark", ROOT / "benchmarks" / "ensemble_benchmark.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark


def test_benchmark_quick_run_agrees_across_contenders(capsys):
    pytest.importorskip("psutil")
    out = load_benchmark().main(["--quick"])
    for name in ("mg_transport", "mg_signalling"):
        result = out["models"][name]
        assert set(result["throughput_per_s"]) >= {
            "tuned libroadrunner loop", "tellurium loop", "engine 2 processes", "engine serial",
            "engine 2 processes, new workers per call", "user's Pool of 2", "user's Pool of 2, whole script",
            "tellurium Pool of 2 (saved state)"}
        assert all(diff <= 1e-5 for diff in result["max_rel_difference"].values())
        assert set(result["ratios"]["2 processes / user's Pool of 2 (target >= 1.1)"]) == {"median", "min", "max"}
    assert "engine Dask LocalCluster (2 workers)" in out["models"]["mg_signalling"]["throughput_per_s"]
    assert "COPASI (basico) loop" in out["models"]["mg_transport"]["throughput_per_s"]
    assert all(m["failed"] == 0 for m in out["memory"].values())
    assert "ratios (median [lowest, highest] over the rounds):" in capsys.readouterr().out


def test_benchmark_profile_attributes_a_workers_time(capsys):
    out = load_benchmark().main(["--quick", "--profile"])
    for name in ("mg_transport", "mg_signalling"):
        phases = out["profile"][name]["per_run_ms"]
        assert phases["CVODE (inside simulate)"] > 0 and phases["total (profiled)"] >= phases["CVODE (inside simulate)"]
        assert out["profile"][name]["new_workers_s"]["model loaded (saved state)"] > 0
    assert "per-run profile of a worker, mg_signalling" in capsys.readouterr().out
