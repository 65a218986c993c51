"""The benchmark scripts run (smoke test on tiny sizes; no timing is asserted)."""

import runpy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_probe_benchmark_runs_and_engines_agree(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["probes.py", "--sizes", "6", "8", "--reps", "1"])
    runpy.run_path(str(BENCH / "probes.py"), run_name="__main__")
    rows = [line.split() for line in capsys.readouterr().out.splitlines()
            if " x " in line and line.split()[0].isdigit()]
    assert len(rows) == 2
    for row in rows:
        assert float(row[-1]) < 1e-10, f"block and dense Green's functions disagree: {row}"


def test_blas_thread_benchmark_runs(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["blas_threads.py", "--size", "8", "--realizations", "2"])
    runpy.run_path(str(BENCH / "blas_threads.py"), run_name="__main__")
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| spin")
            or line.startswith("| Rashba")]
    assert len(rows) == 2
