"""The example experiments and scripts in examples/: valid, compilable, documented.

Nothing is run.
"""

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
from andersonwl.ensemble.experiment import load_experiment

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


def _bash():
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    return bash


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
    r = subprocess.run([_bash(), "-n", str(EXAMPLES / "run_local.sh")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert os.access(EXAMPLES / "run_local.sh", os.X_OK), "run_local.sh is not executable"


def test_run_local_dry_run(tmp_path):
    env = dict(os.environ, DRY_RUN="1", PYTHON=sys.executable, WORKERS="3")
    out = tmp_path / "results" / "su2.nc"
    r = subprocess.run([_bash(), str(EXAMPLES / "run_local.sh"),
                        str(EXAMPLES / "thesis_beta_su2.toml"), str(out)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    command = r.stdout.strip()
    assert "-m andersonwl run" in command and "--resume" in command
    assert "--workers 3" in command and str(out) in command
    assert not out.exists() and not (tmp_path / "results" / "su2.nc.parts").exists()


def test_run_local_rejects_bad_input(tmp_path):
    env = dict(os.environ, DRY_RUN="1", PYTHON=sys.executable)
    script = str(EXAMPLES / "run_local.sh")
    r = subprocess.run([_bash(), script], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "EXPERIMENT.toml OUTPUT.nc" in r.stderr
    r = subprocess.run([_bash(), script, str(tmp_path / "missing.toml"),
                        str(tmp_path / "out.nc")], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "no experiment file" in r.stderr


def test_run_local_runs_and_resumes_a_tiny_experiment(tmp_path):
    """The script itself, on a tiny experiment (not one of the examples): run, then re-run."""
    exp = tmp_path / "tiny.toml"
    exp.write_text('[model]\nlength = [4, 6]\nwidth = "length"\nenergy = 0.5\n'
                   'disorder = 1.0\n[ensemble]\nseed = 3\nrealizations = 4\n'
                   '[run]\nchunk = 2\n', encoding="utf-8")
    out = tmp_path / "res" / "tiny.nc"
    env = dict(os.environ, PYTHON=sys.executable, WORKERS="1")
    cmd = [_bash(), str(EXAMPLES / "run_local.sh"), str(exp), str(out)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert out.exists() and not (tmp_path / "res" / "tiny.nc.parts").exists()
    again = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    import xarray as xr
    ds = xr.load_dataset(out, engine="h5netcdf")
    assert ds.conductance.dims == ("length", "realization")


def test_run_slurm_parses_without_dask_jobqueue():
    spec = importlib.util.spec_from_file_location("run_slurm", EXAMPLES / "run_slurm.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)          # dask_jobqueue is imported only inside main()
    args = mod.parse_args(["exp.toml", "out.nc", "--jobs", "2", "--cores", "8",
                           "--job-extra=--qos=long"])
    assert (args.jobs, args.cores, args.job_extra) == (2, 8, ["--qos=long"])
    with pytest.raises(SystemExit):
        mod.parse_args(["exp.toml", "out.nc", "--jobs", "0"])


def test_thesis_beta_su2_is_a_ladder_of_squares():
    exp = load_experiment(EXAMPLES / "thesis_beta_su2.toml")
    assert exp.swept == ("length", "disorder")
    assert tuple(exp.model["length"]) == LADDER
    models = exp.models()
    assert all(m.width == m.length and m.spin_orbit == "su2" for m in models)
    # E = 1 lies on a lead subband threshold when W + 1 is a multiple of 3
    assert all((m.width + 1) % 3 for m in models)


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
