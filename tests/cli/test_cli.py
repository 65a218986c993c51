import subprocess
import sys

import pytest

from andersonwl.cli import main


@pytest.mark.core
def test_demo_quick_writes_everything(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("summary.md", "cusps.png", "beta.png", "distributions.png", "cusp_AI.nc",
                 "cusp_AII.nc", "cusp_A.nc", "ladder_AI.nc", "ladder_AII.nc", "ladder_A.nc"):
        assert (out / name).stat().st_size > 0, name
    rows = [line.split("|")[1:-1] for line in (out / "summary.md").read_text().splitlines()
            if line.startswith("| A")]
    assert [r[1].strip() for r in rows] == ["AI", "AII", "A"]      # classes found numerically
    cusps = {r[0].strip(): r[2].strip() for r in rows}
    # quick mode has few realisations: a cusp may be below 3 standard errors, but never of the
    # wrong sign
    assert cusps["AI"] in ("WL", "none") and cusps["AII"] in ("WAL", "none")
    assert cusps["A"] == "none"
    assert "summary.md" in printed


def test_bad_arguments_are_errors(capsys):
    assert main(["demo", "--workers", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["nonsense"])


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "andersonwl", "--version"], capture_output=True,
                       text=True, check=True)
    assert r.stdout.startswith("andersonwl ")
