"""benchmarks/teach_latency.py runs (smoke test on a tiny size; no timing is asserted)."""

import runpy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "teach_latency.py"


def test_teach_latency_benchmark_runs(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["teach_latency.py", "--quick"])
    runpy.run_path(str(BENCH), run_name="__main__")
    rows = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith(("| AI ", "| AII ", "| A "))]
    assert len(rows) == 3 and all("| rgf |" in r for r in rows)
