"""The benchmark runs end to end (tiny sizes) and its contenders agree; speed is not tested here."""

from __future__ import annotations

import importlib.util

import pytest

from .conftest import ROOT


def test_benchmark_quick_run_agrees_across_contenders(capsys):
    pytest.importorskip("psutil")
    spec = importlib.util.spec_from_file_location("ensemble_benchmark", ROOT / "benchmarks" / "ensemble_benchmark.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    out = benchmark.main(["--quick"])
    assert set(out["throughput_per_s"]) >= {"tuned libroadrunner loop", "tellurium loop", "engine 2 processes",
                                            "engine Dask LocalCluster (2 workers)", "transport: COPASI (basico) loop"}
    assert all(diff <= 1e-4 for diff in out["max_rel_difference"].values())
    assert all(m["failed"] == 0 for m in out["memory"].values())
    assert set(out["ratios"]["2 processes / tuned loop (target >= 1.8)"]) == {"median", "min", "max"}
    assert "ratios (median [lowest, highest] over the rounds):" in capsys.readouterr().out
