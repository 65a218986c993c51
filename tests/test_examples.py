"""The example experiments and scripts in examples/: valid, compilable, documented; nothing is run."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import andersonwl
from andersonwl.experiment import load_experiment

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TOMLS = sorted(EXAMPLES.glob("*.toml"))
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
#: files that must state their expected run time in their header
THESIS = ["thesis_beta_su2.toml", "thesis_magnetoconductance.toml", "run_local.sh",
          "run_slurm.py"]
#: the size ladder documented in thesis_beta_su2.toml
LADDER = (16, 24, 36, 48, 64, 96)


def _header(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return text.split('"""')[1]
    return "\n".join(line for line in text.splitlines()[:60] if line.startswith("#"))


def test_examples_present():
    names = {p.name for p in EXAMPLES.iterdir()}
    assert set(THESIS) | {"README.md"} <= names


@pytest.mark.parametrize("path", TOMLS, ids=[p.name for p in TOMLS])
def test_experiment_files_are_valid(path):
    exp = load_experiment(path)
    assert exp.n_points >= 1
    assert len(exp.models()) == exp.n_points      # every grid point is a valid StripModel


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_python_examples_compile(path, tmp_path):
    py_compile.compile(str(path), cfile=str(tmp_path / (path.stem + ".pyc")), doraise=True)


@pytest.mark.parametrize("name", THESIS)
def test_thesis_files_state_their_run_time(name):
    header = _header(EXAMPLES / name)
    assert re.search(r"expected run time", header, re.IGNORECASE), name


def test_run_local_is_valid_bash():
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    r = subprocess.run([bash, "-n", str(EXAMPLES / "run_local.sh")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert os.access(EXAMPLES / "run_local.sh", os.X_OK), "run_local.sh is not executable"


def test_run_local_dry_run_writes_valid_size_ladder(tmp_path):
    """DRY_RUN=1: the per-size experiment files are written (square samples) and valid."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    exp = EXAMPLES / "thesis_beta_su2.toml"
    assert ", ".join(map(str, LADDER)) in exp.read_text(encoding="utf-8")
    env = dict(os.environ, DRY_RUN="1", PYTHON=sys.executable)
    r = subprocess.run([bash, str(EXAMPLES / "run_local.sh"), str(exp), str(tmp_path),
                        *map(str, LADDER)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    commands = r.stdout.strip().splitlines()
    assert len(commands) == len(LADDER)
    base = load_experiment(exp)
    for size, command in zip(LADDER, commands):
        path = tmp_path / f"thesis_beta_su2_L{size}.toml"
        assert "--resume" in command and f"thesis_beta_su2_L{size}.nc" in command
        e = load_experiment(path)
        assert e.model["length"] == e.model["width"] == size
        assert {k: v for k, v in e.model.items() if k not in ("length", "width")} == \
            {k: v for k, v in base.model.items() if k not in ("length", "width")}
        assert (e.seed, e.realizations, e.chunk) == (base.seed, base.realizations, base.chunk)
    assert not list(tmp_path.glob("*.nc")) and not list(tmp_path.glob("*.parts"))


def test_run_local_rejects_bad_input(tmp_path):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    env = dict(os.environ, DRY_RUN="1", PYTHON=sys.executable)
    script = str(EXAMPLES / "run_local.sh")
    assert subprocess.run([bash, script], capture_output=True, env=env).returncode == 2
    r = subprocess.run([bash, script, str(EXAMPLES / "thesis_beta_su2.toml"), str(tmp_path),
                        "x12"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "positive integer" in r.stderr


def test_run_slurm_helpers_without_dask_jobqueue():
    spec = importlib.util.spec_from_file_location("run_slurm", EXAMPLES / "run_slurm.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)          # dask_jobqueue is imported only inside main()
    base = mod._read_toml(EXAMPLES / "thesis_beta_su2.toml")
    for size in LADDER:
        e = load_experiment(mod.experiment_for_size(base, size))
        assert e.model["length"] == e.model["width"] == size
    assert base["model"]["length"] == 48            # the template is not modified
    args = mod.parse_args(["exp.toml", "out", "--sizes", "16", "24", "--jobs", "2"])
    assert args.sizes == [16, 24] and args.jobs == 2


def test_thesis_magnetoconductance_has_no_lead_subband_edge_in_the_sweep():
    """The number of open lead channels is the same at every flux of the sweep."""
    exp = load_experiment(EXAMPLES / "thesis_magnetoconductance.toml")
    assert exp.swept == ("flux", "rashba")
    channels = {}
    for model in exp.models():
        channels.setdefault(model.rashba, set()).add(andersonwl.open_channels(model))
    assert all(len(v) == 1 for v in channels.values()), channels
    size = exp.model["length"]
    assert exp.model["width"] == size
    x = [round(f * size**2, 4) for f in exp.model["flux"]]
    assert x == [0.0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2]
