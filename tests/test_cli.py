import subprocess
import sys

import pytest

from andersonwl.cli import main


def test_demo_quick_prints_three_classes(capsys):
    assert main(["demo", "--quick", "--realizations", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    classes = [line.split()[2] for line in lines[2:5]]
    assert classes == ["AI", "AII", "A"], lines


def test_bad_arguments_are_errors(capsys):
    assert main(["demo", "--realizations", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["nonsense"])


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "andersonwl", "--version"], capture_output=True,
                       text=True, check=True)
    assert r.stdout.startswith("andersonwl ")
