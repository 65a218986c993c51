"""Nothing lost, nothing wrong, no one in: checkpoint integrity, foreign directories, full
disks, loopback-only Dask, schedulers that do not answer, inputs refused before any work."""

import errno
import socket
import threading
import time

import numpy as np
import pytest
from helpers import SerialExecutor

import andersonwl as aw
from andersonwl.cli import main
from andersonwl.ensemble import checkpoint as ckmod
from andersonwl.ensemble.checkpoint import Checkpoint, CheckpointError, parts_dir

EXP = {"model": dict(length=6, width=4, energy=0.3, disorder=[1.0, 2.0]),
       "ensemble": dict(seed=5, realizations=12), "run": dict(chunk=3)}
FINGERPRINT = aw.load_experiment(EXP).fingerprint()
N_CHUNKS = 2 * 4


@pytest.fixture(scope="module")
def whole():
    return aw.run(EXP, workers=1, progress=False)["conductance"].values


def _partial(tmp_path, ok=6):
    out = tmp_path / "r.nc"
    with pytest.raises(RuntimeError, match="injected"):
        aw.run(EXP, SerialExecutor(ok), output=out, progress=False)
    chunks = sorted(parts_dir(out).glob("chunk-*.bin"))
    assert len(chunks) == ok
    return out, chunks


def _payload_offset(data):
    return data.index(b"\n") + 1


CORRUPTIONS = {
    "flipped exponent bit": lambda d: d[:-2] + bytes([d[-2] ^ 0x40]) + d[-1:],
    "truncated": lambda d: d[:-5],
    "zero length": lambda d: b"",
    "header only": lambda d: d[:_payload_offset(d)],
    "not json": lambda d: b"garbage\n" + d[_payload_offset(d):],
    "NaN values with a matching checksum": None,        # built in the test
    "another experiment": None,
    "random bytes": lambda d: bytes(range(256)) * 3,
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_damaged_chunk_is_named_set_aside_and_recomputed(kind, tmp_path, whole, caplog):
    out, chunks = _partial(tmp_path)
    victim = chunks[2]
    data = victim.read_bytes()
    if kind == "NaN values with a matching checksum":
        key = tuple(int(v) for v in victim.stem.split("-")[1:])
        victim.write_bytes(ckmod._chunk_bytes(key, np.full(3, np.nan), FINGERPRINT))
    elif kind == "another experiment":
        key = tuple(int(v) for v in victim.stem.split("-")[1:])
        victim.write_bytes(ckmod._chunk_bytes(key, np.ones(3), "0" * 64))
    else:
        victim.write_bytes(CORRUPTIONS[kind](data))
    executor = SerialExecutor()
    with caplog.at_level("WARNING", logger="andersonwl.ensemble"):
        ds = aw.run(EXP, executor, output=out, resume=True, progress=False)
    assert any(victim.name in r.getMessage() for r in caplog.records), caplog.text
    assert executor.calls == N_CHUNKS - len(chunks) + 1       # the damaged chunk recomputed
    assert ds["conductance"].values.tobytes() == whole.tobytes()
    assert not parts_dir(out).exists()


def test_a_renamed_chunk_does_not_pass_for_another(tmp_path, whole):
    out, chunks = _partial(tmp_path)
    chunks[0].rename(chunks[0].with_name("chunk-1-9-12.bin"))   # a key this run never made
    ds = aw.run(EXP, SerialExecutor(), output=out, resume=True, progress=False)
    assert ds["conductance"].values.tobytes() == whole.tobytes()


def test_foreign_parts_directory_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "r.nc"
    parts = parts_dir(out)
    parts.mkdir()
    (parts / "notes.txt").write_text("my notes")
    for resume in (True, False):
        with pytest.raises((CheckpointError, FileExistsError)):
            aw.run(EXP, SerialExecutor(), output=out, resume=resume, progress=False)
    assert (parts / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in parts.iterdir()) == ["notes.txt"]
    assert main(["run", str(_toml(tmp_path)), "-o", str(out), "--resume", "--quiet"]) == 2
    assert sorted(p.name for p in parts.iterdir()) == ["notes.txt"]


def test_symlinked_parts_directory_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / ".precious.1.abcdef01.tmp").write_text("keep")
    (target / "experiment.json").write_text("{}")
    out = tmp_path / "r.nc"
    parts_dir(out).symlink_to(target)
    with pytest.raises(CheckpointError, match="symbolic link"):
        aw.run(EXP, SerialExecutor(), output=out, resume=True, progress=False)
    assert sorted(p.name for p in target.iterdir()) == [".precious.1.abcdef01.tmp",
                                                         "experiment.json"]


def test_unknown_files_in_our_checkpoint_are_kept(tmp_path, whole):
    out, _ = _partial(tmp_path)
    (parts_dir(out) / "notes.txt").write_text("mine")
    ds = aw.run(EXP, SerialExecutor(), output=out, resume=True, progress=False)
    assert ds["conductance"].values.tobytes() == whole.tobytes()
    assert sorted(p.name for p in parts_dir(out).iterdir()) == ["notes.txt"]


def test_full_disk_at_the_final_write_keeps_the_checkpoint(tmp_path, whole, monkeypatch,
                                                           capsys):
    out = tmp_path / "r.nc"
    from andersonwl.ensemble import runner

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, f"could not write {out}: No space left on device")

    monkeypatch.setattr(runner, "atomic_write_netcdf", full)
    with pytest.raises(OSError, match="No space left"):
        aw.run(EXP, SerialExecutor(), output=out, progress=False)
    assert not out.exists() and len(list(parts_dir(out).glob("chunk-*.bin"))) == N_CHUNKS
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    toml = _toml(tmp_path)
    assert main(["run", str(toml), "-o", str(out), "--resume", "--quiet"]) == 1
    assert "No space left" in capsys.readouterr().err
    monkeypatch.undo()
    executor = SerialExecutor()
    ds = aw.run(EXP, executor, output=out, resume=True, progress=False)
    assert executor.calls == 0 and ds["conductance"].values.tobytes() == whole.tobytes()


def test_full_disk_at_the_start_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "r.nc"

    def full(path, data):
        raise OSError(errno.ENOSPC, f"could not write {path}: No space left on device")

    monkeypatch.setattr(ckmod, "atomic_write_bytes", full)
    with pytest.raises(OSError, match="No space left"):
        aw.run(EXP, SerialExecutor(), output=out, progress=False)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    aw.run(EXP, SerialExecutor(), output=out, progress=False)       # a plain run is not blocked


def test_the_lock_is_released_on_every_exit_path(tmp_path):
    out, chunks = _partial(tmp_path)
    chunks[0].write_bytes(b"")
    with pytest.raises(RuntimeError):            # fails again, after reading the checkpoint
        aw.run(EXP, SerialExecutor(0), output=out, resume=True, progress=False)
    with Checkpoint(parts_dir(out), FINGERPRINT) as ckpt:   # not "another run is using it"
        ckpt.open("{}", "now")


def _toml(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text("[model]\nlength = 6\nwidth = 4\nenergy = 0.3\ndisorder = [1.0, 2.0]\n"
                    "[ensemble]\nseed = 5\nrealizations = 12\n[run]\nchunk = 3\n")
    return path


def test_local_dask_listens_on_loopback_only():
    pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    from andersonwl.ensemble.executors import dask_client
    with dask_client("local-dask", 1) as client:
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        workers = client.scheduler_info()["workers"]
        assert workers and all(a.startswith("tcp://127.0.0.1:") for a in workers)
        me = psutil.Process()
        listening = [c.laddr for p in [me, *me.children(recursive=True)]
                     for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening


def test_a_scheduler_that_is_not_dask_fails_within_the_timeout():
    pytest.importorskip("distributed")
    from andersonwl.ensemble.executors import dask_client
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    stop = threading.Event()

    def serve():                      # accepts, sends garbage, never speaks Dask
        server.settimeout(0.2)
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nnot a scheduler" * 100)
    threading.Thread(target=serve, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    t0 = time.monotonic()
    try:
        with pytest.raises((TimeoutError, OSError)), dask_client(address, None, timeout=2):
            pass
    finally:
        stop.set()
        server.close()
    assert time.monotonic() - t0 < 15


def test_paths_are_checked_before_connecting(tmp_path, capsys):
    t0 = time.monotonic()
    code = main(["run", str(_toml(tmp_path)), "-o", str(tmp_path / "no" / "r.nc"),
                 "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2 and time.monotonic() - t0 < 5
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("model, match", [
    (dict(length=10**12, width=6, energy=0.55), "one realisation needs about"),
    (dict(length=400, width=400, energy=0.55, dephasing=0.1), "probes engine"),
])
def test_impossible_sizes_are_refused_before_any_work(model, match, tmp_path):
    exp = {"model": model, "ensemble": dict(seed=1, realizations=2)}
    with pytest.raises(aw.ensemble.ExperimentError, match=match):
        aw.run(exp, output=tmp_path / "r.nc", progress=False)
    with pytest.raises(aw.ensemble.ExperimentError, match="for the results alone"):
        aw.load_experiment({"model": dict(length=4, width=4, energy=0.55),
                            "ensemble": dict(seed=1, realizations=10**12)})
    assert list(tmp_path.iterdir()) == []


def test_booleans_and_executors_are_strict(tmp_path):
    with pytest.raises(TypeError, match="resume"):
        aw.run(EXP, resume="no", output=tmp_path / "r.nc")
    with pytest.raises(TypeError, match="executor"):
        aw.run(EXP, executor="local")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, match", [
    (["run", "{dir}", "-o", "{dir}/r.nc"], "is a directory"),
    (["run", "/dev/zero", "-o", "{dir}/r.nc"], "not a regular file"),
    (["run", "{toml}", "-o", "{toml}"], "experiment file itself"),
    (["scaling", "{toml}"], "not a netCDF result"),
    (["scaling", "{dir}/foreign.nc"], "not a result of andersonwl run"),
    (["fit", "{dir}"], "directory"),
])
def test_cli_failures_are_one_line_messages(argv, match, tmp_path, capsys):
    import xarray as xr
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(tmp_path / "foreign.nc", engine="h5netcdf")
    toml = _toml(tmp_path)
    argv = [a.format(dir=tmp_path, toml=toml) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and match in err, err


def test_planner_is_linear_in_the_chunks():
    """Bookkeeping only (no physics): Plan.keys and the chunk split for 100,000 chunks."""
    from andersonwl.ensemble.plan import Plan
    big = aw.load_experiment({"model": dict(length=1, width=1, energy=0.5),
                              "ensemble": dict(seed=1, realizations=100_000),
                              "run": dict(chunk=1)})
    t0 = time.perf_counter()
    keys = Plan.keys(big)
    plan = Plan(big, {})
    todo = plan.advance(0)
    assert len(keys) == len(todo) == 100_000
    assert time.perf_counter() - t0 < 60    # a quadratic planner took minutes; not a benchmark
