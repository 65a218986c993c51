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


def test_ensemble_scaling_benchmark_runs(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["ensemble_scaling.py", "--size", "4", "--per-worker",
                                      "20", "--repeat", "1"])
    runpy.run_path(str(BENCH / "ensemble_scaling.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "efficiency" in out and "auto -> rgf" in out


def test_engine_benchmark_runs_and_engines_agree(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["engines.py", "--quick", "--reps", "1"])
    runpy.run_path(str(BENCH / "engines.py"), run_name="__main__")
    rows = [line.split() for line in capsys.readouterr().out.splitlines()
            if line.strip() and line.split()[0][0].isdigit() and "x" in line.split()[0]]
    assert rows and all(float(r[-1]) < 1e-9 for r in rows), rows


def test_planner_benchmark_runs(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["planner.py", "--chunks", "100", "1000"])
    runpy.run_path(str(BENCH / "planner.py"), run_name="__main__")
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 1")]
    assert len(rows) == 2


def test_energy_sweep_benchmark_runs_and_agrees(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["energy_sweep.py", "--length", "6", "--width", "4",
                                      "--energies", "5", "--realizations", "1",
                                      "--repeat", "1"])
    runpy.run_path(str(BENCH / "energy_sweep.py"), run_name="__main__")
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| cold")
            or line.startswith("| warm")]
    assert len(rows) == 2
    assert float(out.split("g_separate| = ")[1].split()[0]) < 1e-12


def test_transfer_matrix_benchmark_runs(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["transfer_matrix.py", "--quick"])
    runpy.run_path(str(BENCH / "transfer_matrix.py"), run_name="__main__")
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) >= 4
