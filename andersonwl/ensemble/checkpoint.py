"""Crash-safe persistence of an ensemble run: the checkpoint directory.

Every file is written atomically (:func:`andersonwl.io.atomic_write_bytes`):
a reader, or a run killed at any moment, sees either the old state or the
complete new file, never a partial one.

Layout of the checkpoint of ``RESULT.nc``::

    RESULT.nc.parts/
        experiment.json              fingerprint, experiment, start time
        lock                         flock'ed by the run using the directory
        chunk-P-START-STOP.npy       conductances of grid point P, realisations
                                     START <= r < STOP (float64)
        .*.tmp                       files being written (removed on resume)
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from ..io import atomic_write_bytes

__all__ = ["CheckpointError", "Checkpoint", "parts_dir"]

_CHUNK = re.compile(r"chunk-(\d+)-(\d+)-(\d+)\.npy")
FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint or result that cannot be used for this run."""


def parts_dir(output) -> Path:
    """The checkpoint directory of ``output``: ``output`` + ``".parts"`` beside it."""
    output = Path(output)
    return output.with_name(output.name + ".parts")


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
        """Path of the manifest ``experiment.json`` in the checkpoint directory."""
        return self.directory / "experiment.json"

    def exists(self) -> bool:
        """Whether the checkpoint directory exists."""
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
        """Release the lock on the directory (nothing happens when it is not held)."""
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
        """File name ``chunk-POINT-START-STOP.npy`` of the chunk ``key = (point, start, stop)``."""
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
