"""The ensemble engine: values, reproducibility, stopping rule, checkpoints and resume."""

import json
import logging
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr
from helpers import SerialExecutor

import andersonwl as aw
from andersonwl import ensemble
from andersonwl._random import hash64
from andersonwl.cli import main
from andersonwl.ensemble.checkpoint import CheckpointError, parts_dir
from andersonwl.ensemble.experiment import load_experiment
from andersonwl.ensemble.progress import Progress
from andersonwl.hamiltonian import STREAM_BOX

EXP = {
    "model": dict(length=8, width=6, energy=0.5, disorder=[1.0, 3.0], flux=[0.0, 0.02]),
    "ensemble": dict(seed=11, realizations=12),
    "run": dict(chunk=4),
}
STOP = {
    "model": dict(length=8, width=6, energy=0.5, disorder=[0.5, 1.5, 2.0, 3.0]),
    "ensemble": dict(seed=2, rel_stderr=0.03, min_realizations=6, max_realizations=30,
                     batch=6),
    "run": dict(chunk=4),
}


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _files(directory):
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """EXP run on the default pool of 2 processes, written to a file."""
    out = tmp_path_factory.mktemp("ref") / "ref.nc"
    ds = aw.run(EXP, output=out, workers=2, progress=False)
    return ds, out


# ----------------------------------------------------------------------
def test_realization_seeds():
    s = ensemble.realization_seeds(11, 1000)
    assert s.dtype == np.int64 and s.shape == (1000,)
    assert np.all(s >= 0) and len(np.unique(s)) == 1000
    assert _same_bits(s[:10], ensemble.realization_seeds(11, 10))   # prefix-stable
    expected = hash64(11, ensemble.SEED_STREAM, np.arange(1000)) >> np.uint64(1)
    assert _same_bits(s, expected.astype(np.int64))
    # neighbouring base seeds share no realisation (seed + r would share 999 of 1000)
    assert not set(s) & set(ensemble.realization_seeds(12, 1000))
    assert ensemble.SEED_STREAM not in range(STREAM_BOX, STREAM_BOX + 100)
    with pytest.raises(ValueError):
        ensemble.realization_seeds(-1, 3)


def test_reductions_skip_nan():
    rng = np.random.default_rng(0)
    g = rng.uniform(0.5, 3, size=(2, 9))
    padded = g.copy()
    padded[1, 5:] = np.nan
    red = ensemble.reductions(padded)
    assert red["count"].tolist() == [9, 5]
    for i, n in enumerate([9, 5]):
        x = g[i, :n]
        np.testing.assert_allclose(red["mean"][i], x.mean(), rtol=1e-14)
        np.testing.assert_allclose(red["var"][i], x.var(ddof=1), rtol=1e-13)
        np.testing.assert_allclose(red["std"][i], x.std(ddof=1), rtol=1e-13)
        np.testing.assert_allclose(red["stderr"][i], x.std(ddof=1) / np.sqrt(n), rtol=1e-13)
        np.testing.assert_allclose(red["mean_log"][i], np.log(x).mean(), rtol=1e-13)


def test_run_values_layout_and_file(reference):
    ds, out = reference
    assert ds["conductance"].dims == ("disorder", "flux", "realization")
    assert ds["mean"].dims == ("disorder", "flux")
    assert ds["disorder"].values.tolist() == [1.0, 3.0]
    assert ds["flux"].values.tolist() == [0.0, 0.02]
    assert "length" not in ds.dims and int(ds["length"]) == 8   # scalars are not dimensions
    assert ds["count"].values.tolist() == [[12, 12], [12, 12]]
    seeds = ensemble.realization_seeds(11, 12)
    assert _same_bits(ds["seed"].values, seeds)
    # every value is the conductance of its realisation, the same seed at every grid point
    for w in (1.0, 3.0):
        for f in (0.0, 0.02):
            model = aw.StripModel(8, 6, 0.5, disorder=w, flux=f)
            direct = [aw.conductance(model, int(s)) for s in seeds]
            assert _same_bits(ds["conductance"].sel(disorder=w, flux=f).values, direct)
    g = ds["conductance"].values
    np.testing.assert_allclose(ds["mean"].values, g.mean(-1), rtol=1e-14)
    np.testing.assert_allclose(ds["std"].values, g.std(-1, ddof=1), rtol=1e-13)
    np.testing.assert_allclose(ds["mean_log"].values, np.log(g).mean(-1), rtol=1e-13)
    assert ds["conductance"].attrs["units"] == "e^2/h"
    # provenance
    import kwant
    a = ds.attrs
    assert json.loads(a["experiment"]) == load_experiment(EXP).as_dict()
    assert a["andersonwl_version"] == aw.__version__ and a["kwant_version"] == kwant.__version__
    assert a["numpy_version"] == np.__version__ and a["host"] and a["ensemble_seed"] == 11
    assert a["start_time"] <= a["end_time"]
    # the file holds the same dataset; nothing else is left behind
    xr.testing.assert_identical(xr.load_dataset(out, engine="h5netcdf"), ds)
    assert _files(out.parent) == ["ref.nc"]


@pytest.mark.core
def test_worker_counts_give_identical_bits(reference):
    one = aw.run(EXP, workers=1, progress=False)
    assert _same_bits(one["conductance"].values, reference[0]["conductance"].values)
    xr.testing.assert_identical(one.drop_attrs(), reference[0].drop_attrs())


@pytest.mark.core
def test_chunk_sets_the_tasks_never_the_values(reference):
    """Chunks of 1, 5 and the automatic one: the same bits as chunks of 4."""
    for chunk in (1, 5, None):
        exp = {**EXP, "run": {} if chunk is None else {"chunk": chunk}}
        ds = aw.run(exp, workers=1, progress=False)
        assert _same_bits(ds["conductance"].values, reference[0]["conductance"].values), chunk


def test_dask_local_cluster_gives_identical_bits(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = tmp_path / "exp.toml"
    exp.write_text("[model]\nlength = 8\nwidth = 6\nenergy = 0.5\ndisorder = [1.0, 3.0]\n"
                   "flux = [0.0, 0.02]\n[ensemble]\nseed = 11\nrealizations = 12\n"
                   "[run]\nchunk = 4\n")
    assert load_experiment(exp).fingerprint() == load_experiment(EXP).fingerprint()
    out = tmp_path / "r.nc"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        ds = aw.run(EXP, client, progress=False)
        assert len(client.scheduler_info()["workers"]) == 2
        # the command line on the same cluster, by its address
        assert main(["run", str(exp), "-o", str(out), "--scheduler",
                     cluster.scheduler_address, "--quiet"]) == 0
    assert ds.attrs["executor"].startswith("dask tcp://")
    assert _same_bits(ds["conductance"].values, reference[0]["conductance"].values)
    from_cli = xr.load_dataset(out, engine="h5netcdf")
    assert _same_bits(from_cli["conductance"].values, reference[0]["conductance"].values)


def test_cli_local_dask(tmp_path):
    pytest.importorskip("distributed")
    exp = tmp_path / "exp.toml"
    exp.write_text("[model]\nlength = 6\nwidth = 4\nenergy = 0.3\ndisorder = [1.0, 2.0]\n"
                   "[ensemble]\nseed = 9\nrealizations = 4\n[run]\nchunk = 2\n")
    out = tmp_path / "r.nc"
    assert main(["run", str(exp), "-o", str(out), "--scheduler", "local-dask", "--workers",
                 "1", "--quiet"]) == 0
    ds = xr.load_dataset(out, engine="h5netcdf")
    assert ds.attrs["executor"].startswith("dask tcp://")
    seeds = ensemble.realization_seeds(9, 4)
    for w in (1.0, 2.0):
        model = aw.StripModel(6, 4, 0.3, disorder=w)
        assert _same_bits(ds["conductance"].sel(disorder=w).values,
                          [aw.conductance(model, int(s)) for s in seeds])


def test_stopping_rule_is_deterministic():
    ds = aw.run(STOP, workers=2, progress=False)
    again = aw.run(STOP, SerialExecutor(), progress=False)
    assert _same_bits(ds["conductance"].values, again["conductance"].values)
    counts = ds["count"].values.tolist()
    # the weakly disordered strip stops at the minimum, the others later (here: 6, 12, 18, 30)
    assert counts[0] == 6 and counts[-1] > counts[0] and len(set(counts)) >= 3, counts
    assert ds.sizes["realization"] == max(counts)
    g = ds["conductance"].values
    for i, n in enumerate(counts):
        assert n % 6 == 0 or n == 30
        assert not np.isnan(g[i, :n]).any() and np.isnan(g[i, n:]).all()

        def rel(m, i=i):
            return g[i, :m].std(ddof=1) / np.sqrt(m) / abs(g[i, :m].mean())
        if n < 30:
            assert rel(n) <= 0.03
        for m in range(6, n, 6):          # it did not stop at an earlier round
            assert rel(m) > 0.03
        np.testing.assert_allclose(ds["mean"].values[i], g[i, :n].mean(), rtol=1e-14)
        np.testing.assert_allclose(ds["stderr"].values[i],
                                   g[i, :n].std(ddof=1) / np.sqrt(n), rtol=1e-13)


def test_failure_keeps_finished_chunks_and_resume_computes_only_the_rest(tmp_path, caplog):
    out = tmp_path / "r.nc"
    with pytest.raises(RuntimeError, match="injected failure"):
        aw.run(EXP, SerialExecutor(fail_after=5), output=out, progress=False)
    parts = parts_dir(out)
    saved = {n for n in _files(parts) if n.startswith("chunk-")}
    assert len(saved) == 5 and not out.exists()
    with pytest.raises(FileExistsError, match="resume"):
        aw.run(EXP, SerialExecutor(), output=out, progress=False)
    executor = SerialExecutor()
    with caplog.at_level(logging.DEBUG, logger="andersonwl.ensemble"):
        aw.run(EXP, executor, output=out, resume=True, progress=False)
    computed = {"chunk-{}-{}-{}.bin".format(*json.loads(r.getMessage().split("chunk ")[1]))
                for r in caplog.records if r.getMessage().startswith("computed chunk")}
    assert executor.calls == len(computed) == 12 - 5     # 4 points x 3 chunks
    assert not computed & saved
    assert not parts.exists() and _files(tmp_path) == ["r.nc"]


def test_resume_refuses_another_experiment(tmp_path):
    out = tmp_path / "r.nc"
    with pytest.raises(RuntimeError):
        aw.run(EXP, SerialExecutor(fail_after=2), output=out, progress=False)
    other = {**EXP, "ensemble": dict(seed=12, realizations=12)}
    before = _files(parts_dir(out))
    with pytest.raises(CheckpointError, match="different experiment"):
        aw.run(other, SerialExecutor(), output=out, resume=True, progress=False)
    assert _files(parts_dir(out)) == before


def test_existing_result_is_never_clobbered(reference, tmp_path):
    ds, ref = reference
    out = tmp_path / "r.nc"
    out.write_bytes(ref.read_bytes())
    with pytest.raises(FileExistsError, match="exists"):
        aw.run(EXP, SerialExecutor(), output=out, progress=False)
    # resuming a finished run loads it and computes nothing
    executor = SerialExecutor()
    again = aw.run(EXP, executor, output=out, resume=True, progress=False)
    assert executor.calls == 0
    xr.testing.assert_identical(again, ds)
    other = {**EXP, "ensemble": dict(seed=12, realizations=12)}
    with pytest.raises(CheckpointError, match="different experiment"):
        aw.run(other, executor, output=out, resume=True, progress=False)
    assert out.read_bytes() == ref.read_bytes() and _files(tmp_path) == ["r.nc"]


def test_resume_after_kill_at_the_end_and_with_stale_temporaries(reference, tmp_path):
    ds, ref = reference
    out = tmp_path / "r.nc"
    # killed while writing a chunk and while writing the result: only temporaries left
    with pytest.raises(RuntimeError):
        aw.run(EXP, SerialExecutor(fail_after=7), output=out, progress=False)
    parts = parts_dir(out)
    (parts / ".chunk-0-0-4.bin.123.abcdef01.tmp").write_bytes(b"{half")
    (tmp_path / ".r.nc.123.abcdef01.tmp").write_bytes(b"\x89HDF half")
    got = aw.run(EXP, SerialExecutor(), output=out, resume=True, progress=False)
    assert _same_bits(got["conductance"].values, ds["conductance"].values)
    assert _files(tmp_path) == ["r.nc"]
    # killed after the final rename but before the checkpoint was removed
    from andersonwl.ensemble.checkpoint import Checkpoint
    with Checkpoint(parts, aw.load_experiment(EXP).fingerprint()) as left:
        left.open("{}", "now")
        left.save((0, 0, 4), np.ones(4))
    executor = SerialExecutor()
    got = aw.run(EXP, executor, output=out, resume=True, progress=False)
    assert executor.calls == 0 and _files(tmp_path) == ["r.nc"]


def test_sigkill_and_resume(reference, tmp_path, caplog):
    """A real `andersonwl run` process group killed with SIGKILL, then resumed."""
    exp = tmp_path / "exp.toml"
    exp.write_text("""
[model]
length = 8
width = 6
energy = 0.5
disorder = 2.0
flux = [0.0, 0.01, 0.02]

[ensemble]
seed = 4
realizations = 60

[run]
chunk = 2
""")
    n_chunks = 3 * 30
    out = tmp_path / "r.nc"
    parts = parts_dir(out)
    proc = subprocess.Popen([sys.executable, "-m", "andersonwl", "run", str(exp), "-o",
                             str(out), "--workers", "1", "--quiet"],
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if parts.exists() and len(list(parts.glob("chunk-*.bin"))) >= 8:
                break
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    saved = {p.name for p in parts.glob("chunk-*.bin")}
    assert 8 <= len(saved) < n_chunks, len(saved)
    assert not out.exists()
    assert main(["run", str(exp), "-o", str(out), "--quiet"]) == 2   # no --resume: refused

    with caplog.at_level(logging.DEBUG, logger="andersonwl.ensemble"):
        assert main(["run", str(exp), "-o", str(out), "--resume", "--workers", "2",
                     "--quiet"]) == 0
    computed = {"chunk-{}-{}-{}.bin".format(*json.loads(r.getMessage().split("chunk ")[1]))
                for r in caplog.records if r.getMessage().startswith("computed chunk")}
    assert not computed & saved and len(computed | saved) == n_chunks
    assert not parts.exists() and _files(tmp_path) == ["exp.toml", "r.nc"]
    resumed = xr.load_dataset(out, engine="h5netcdf")
    whole = aw.run(exp, workers=2, progress=False)
    assert _same_bits(resumed["conductance"].values, whole["conductance"].values)
    xr.testing.assert_identical(resumed.drop_attrs(), whole.drop_attrs())


@pytest.mark.core
def test_cli_run_prints_progress_lines(tmp_path, capsys):
    exp = tmp_path / "exp.toml"
    exp.write_text("[model]\nlength = 6\nwidth = 4\nenergy = 0.3\ndisorder = 1.0\n"
                   "[ensemble]\nseed = 1\nrealizations = 6\n[run]\nchunk = 3\n")
    out = tmp_path / "r.nc"
    assert main(["run", str(exp), "-o", str(out), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out}: 1 grid point(s), 6 realisations")
    assert "andersonwl run: 6/6 realisations (100%)" in captured.err
    ds = xr.load_dataset(out, engine="h5netcdf")
    assert ds["conductance"].dims == ("realization",) and ds.sizes["realization"] == 6


def test_progress_bar_shows_rate_and_time_left():
    import io
    buf = io.StringIO()
    bar = Progress(10, 2, True, file=buf)
    time.sleep(0.01)
    bar.update(3)
    bar.set_total(8)
    bar.close()
    text = buf.getvalue()
    assert "5/8" in text and "real/s" in text and "<" in text, text
