"""Crash-safe persistence of an ensemble run: atomic files and the checkpoint directory.

Every file is written to a temporary file in the directory of its final name,
flushed, fsync'ed, renamed over the final name with :func:`os.replace` and the
directory is fsync'ed: a reader (or a run killed at any moment) sees either
the old state or the complete new file, never a partial one.

Layout of the checkpoint of ``RESULT.nc``::

    RESULT.nc.parts/
        experiment.json              fingerprint, experiment, start time
        lock                         flock'ed by the run using the directory
        chunk-P-START-STOP.npy       conductances of grid point P, realisations
                                     START <= r < STOP (float64)
        .*.tmp                       files being written (removed on resume)
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import secrets
import shutil
from pathlib import Path

import numpy as np

__all__ = ["CheckpointError", "Checkpoint", "atomic_write_bytes", "atomic_write_netcdf",
           "fsync_dir", "parts_dir", "temp_name"]

_CHUNK = re.compile(r"chunk-(\d+)-(\d+)-(\d+)\.npy")
FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint or result that cannot be used for this run."""


def parts_dir(output) -> Path:
    """The checkpoint directory of ``output``: ``output`` + ``".parts"`` beside it."""
    output = Path(output)
    return output.with_name(output.name + ".parts")


def temp_name(path) -> Path:
    """A fresh hidden temporary name in the directory of ``path``."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def fsync_dir(directory) -> None:
    """Make the renames in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _atomic(path):
    """Yield a temporary name beside ``path``; on success fsync it, rename it onto ``path``
    and fsync the directory; on any failure remove it and re-raise."""
    path = Path(path)
    tmp = temp_name(path)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, os.replace, fsync dir)."""
    with _atomic(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "wb") as f:
            f.write(data)


def atomic_write_netcdf(dataset, path) -> None:
    """Write an xarray Dataset as netCDF-4/HDF5 (h5netcdf) to ``path`` atomically."""
    with _atomic(path) as tmp:
        dataset.to_netcdf(tmp, engine="h5netcdf")


def remove_stale_temporaries(path) -> None:
    """Remove temporaries of ``path`` left by a killed writer (``.NAME.*.tmp``)."""
    path = Path(path)
    for tmp in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


class Checkpoint:
    """The checkpoint directory of one run (see the module docstring).

    Use as a context manager: entering takes an exclusive lock on the
    directory (another run on the same output fails at once), leaving releases it.
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self._lock = None

    @property
    def manifest(self) -> Path:
        return self.directory / "experiment.json"

    def exists(self) -> bool:
        return self.directory.exists()

    # -- opening --------------------------------------------------------
    def open(self, fingerprint: str, experiment_json: str, start_time: str) -> dict:
        """Create the directory or reopen it; return its manifest.

        Raises
        ------
        CheckpointError
            When the directory belongs to a different experiment, or another
            run holds its lock.
        """
        self.directory.mkdir(exist_ok=True)
        self._acquire()
        for tmp in self.directory.glob(".*.tmp"):
            tmp.unlink()
        if self.manifest.exists():
            manifest = json.loads(self.manifest.read_text())
            if manifest.get("fingerprint") != fingerprint:
                self.close()
                raise CheckpointError(
                    f"the checkpoint {self.directory} belongs to a different experiment "
                    f"(fingerprint {manifest.get('fingerprint', '?')[:12]}, this experiment "
                    f"{fingerprint[:12]}): remove it, or write to another output")
            return manifest
        if any(self.directory.glob("chunk-*")):
            self.close()
            raise CheckpointError(f"the checkpoint {self.directory} has results but no "
                                  "experiment.json: it was not written by andersonwl run")
        manifest = dict(format=FORMAT, fingerprint=fingerprint, start_time=start_time,
                        experiment=json.loads(experiment_json))
        atomic_write_bytes(self.manifest, json.dumps(manifest, indent=1).encode())
        return manifest

    def _acquire(self):
        fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CheckpointError(f"another run is using the checkpoint {self.directory}") \
                from None
        self._lock = fd

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- chunks ---------------------------------------------------------
    @staticmethod
    def chunk_name(key) -> str:
        point, start, stop = key
        return f"chunk-{point}-{start}-{stop}.npy"

    def save(self, key, values: np.ndarray) -> None:
        """Persist the conductances of one chunk ``key = (point, start, stop)`` atomically."""
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(values, dtype=np.float64), allow_pickle=False)
        atomic_write_bytes(self.directory / self.chunk_name(key), buf.getvalue())

    def load(self) -> dict:
        """All persisted chunks: ``{(point, start, stop): float64 array}``."""
        out = {}
        for path in sorted(self.directory.glob("chunk-*.npy")):
            m = _CHUNK.fullmatch(path.name)
            if m is None:
                continue
            key = tuple(int(v) for v in m.groups())
            values = np.load(path, allow_pickle=False)
            if values.dtype != np.float64 or values.shape != (key[2] - key[1],):
                raise CheckpointError(f"{path}: expected {key[2] - key[1]} float64 values, "
                                      f"found {values.shape} {values.dtype}")
            out[key] = values
        return out

    def remove(self) -> None:
        """Delete the directory (after the result has been written)."""
        self.close()
        shutil.rmtree(self.directory, ignore_errors=True)
