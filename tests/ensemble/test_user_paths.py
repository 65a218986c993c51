"""The ways people run andersonwl, each in a fresh subprocess with no BLAS variables set.

A plain script calling ``aw.run(..., workers=2)`` at top level (no main guard), the same
script from standard input, ``python -c`` and IPython must all give the bits of
``andersonwl run`` on the same experiment; worker processes and in-process compute run with
one BLAS thread whatever the environment says.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

pytestmark = pytest.mark.core

EXPERIMENT = {"model": {"length": 10, "width": 6, "energy": 0.5, "disorder": 2.0,
                        "flux": [0.0, 0.01]},
              "ensemble": {"realizations": 12, "seed": 3}, "run": {"chunk": 3}}
SCRIPT = f"""
import numpy as np
import andersonwl as aw
ds = aw.run({EXPERIMENT!r}, workers=2, progress=False)
print("G=" + ",".join(float(v).hex() for v in np.ravel(ds["conductance"].values)))
"""


def _env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    return env


def _bits(out):
    line = [x for x in out.splitlines() if x.startswith("G=")]
    assert line, out
    return [float.fromhex(v) for v in line[-1][2:].split(",")]


@pytest.fixture(scope="module")
def cli_bits(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "exp.json").write_text(json.dumps(EXPERIMENT))
    toml = ("[model]\nlength = 10\nwidth = 6\nenergy = 0.5\ndisorder = 2.0\nflux = [0.0, 0.01]\n"
            "[ensemble]\nrealizations = 12\nseed = 3\n[run]\nchunk = 3\n")
    (d / "exp.toml").write_text(toml)
    r = subprocess.run([sys.executable, "-m", "andersonwl", "run", str(d / "exp.toml"), "-o",
                        str(d / "r.nc"), "--quiet"], env=_env(), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return xr.load_dataset(d / "r.nc")["conductance"].values.ravel().tolist()


@pytest.mark.parametrize("form", ["script", "stdin", "dash-c", "ipython"])
def test_every_form_gives_the_bits_of_the_cli(form, tmp_path, cli_bits):
    script = tmp_path / "plain.py"
    script.write_text(SCRIPT)
    cmd = {"script": ([sys.executable, str(script)], None),
           "stdin": ([sys.executable, "-"], SCRIPT),
           "dash-c": ([sys.executable, "-c", SCRIPT], None),
           "ipython": ([sys.executable, "-m", "IPython", "--quick", "--no-banner",
                        str(script)], None)}[form]
    if form == "ipython":
        pytest.importorskip("IPython")
    r = subprocess.run(cmd[0], input=cmd[1], cwd=tmp_path, env=_env(), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, f"{form}: {r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    got = _bits(r.stdout)
    assert np.array_equal(np.array(got).view(np.uint64), np.array(cli_bits).view(np.uint64)), \
        f"{form}: values differ from andersonwl run"


def test_blas_threads_inside_workers_and_in_process():
    code = """
import andersonwl as aw
from andersonwl import _blas
from andersonwl.ensemble.executors import local_pool
before = _blas.current_threads()
inside = _blas.limited(_blas.current_threads)()
with local_pool(2) as pool:
    workers = [pool.submit(_blas.current_threads).result() for _ in range(4)]
print("T", before, inside, _blas.current_threads(), *workers)
"""
    r = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("T "))
    before, inside, after, *workers = map(int, line.split()[1:])
    assert inside == 1 and workers == [1, 1, 1, 1], line
    assert after == before, "the caller's BLAS setting must be restored"
