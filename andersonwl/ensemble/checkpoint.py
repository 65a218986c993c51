"""Crash-safe persistence of an ensemble run: the checkpoint directory.

Every file is written atomically (:func:`andersonwl.io.atomic_write_bytes`):
a reader, or a run killed at any moment, sees either the old state or the
complete new file, never a partial one.  The marker is fsync'ed; the chunks are
not (they are checksummed instead: one torn by a power loss or an
operating-system crash is detected on resume and recomputed).

Layout of the checkpoint of ``RESULT.nc``::

    RESULT.nc.parts/
        experiment.json              marker: format, fingerprint, experiment, start time
        lock                         flock'ed by the run using the directory
        chunk-P-START-STOP.bin       conductances of grid point P, realisations
                                     START <= r < STOP: a JSON header line (format,
                                     fingerprint, key, count, SHA-256 of the payload;
                                     width when each row also holds transmission
                                     eigenvalues or the four spin-resolved g),
                                     then the float64 values
                                     (little-endian, row by row)
        damaged/                     chunks that failed verification, set aside
        .*.tmp                       files being written (removed on resume)

Safety rules: a directory is adopted only if its marker was written by
andersonwl for the same experiment (anything else is refused and left as it
is); symbolic links are never followed; removal deletes only the files named
above and keeps the directory if anything else is in it; a chunk whose
checksum, fingerprint, key, size or values do not verify is named, moved to
``damaged/`` and recomputed, so the result equals an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
from pathlib import Path

import numpy as np

from ..io import atomic_write_bytes

__all__ = ["CheckpointError", "Checkpoint", "parts_dir", "FORMAT"]

_CHUNK = re.compile(r"chunk-(\d+)-(\d+)-(\d+)\.bin")
_OLD_CHUNK = re.compile(r"chunk-(\d+)-(\d+)-(\d+)\.npy")
_TMP = re.compile(r"\..+\.\d+\.[0-9a-f]{8}\.tmp")
#: version of the checkpoint layout (2: checksummed chunks and a strict marker)
FORMAT = 2
MARKER = "experiment.json"

logger = logging.getLogger(__name__)


class CheckpointError(ValueError):
    """A checkpoint or result that cannot be used for this run."""


def parts_dir(output) -> Path:
    """The checkpoint directory of ``output``: ``output`` + ``".parts"`` beside it."""
    output = Path(output)
    return output.with_name(output.name + ".parts")


def _chunk_bytes(key, values, fingerprint) -> bytes:
    payload = np.ascontiguousarray(values, dtype="<f8").tobytes()
    header = dict(format=FORMAT, fingerprint=fingerprint, key=list(map(int, key)),
                  count=len(values), sha256=hashlib.sha256(payload).hexdigest())
    if np.ndim(values) == 2:
        header["width"] = int(np.shape(values)[1])
    return json.dumps(header, sort_keys=True).encode() + b"\n" + payload


def _parse_chunk(data: bytes, key, fingerprint, width: int = 1,
                 extra: str | None = None) -> np.ndarray:
    """The values of a chunk file, or ValueError saying what does not verify."""
    head, sep, payload = data.partition(b"\n")
    if not sep:
        raise ValueError("no header (truncated or not a chunk)")
    try:
        header = json.loads(head)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("unreadable header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("not a chunk of this format")
    if header.get("fingerprint") != fingerprint:
        raise ValueError("belongs to another experiment (fingerprint)")
    if header.get("key") != list(key):
        raise ValueError(f"header names chunk {header.get('key')}, the file name {list(key)}")
    count = key[2] - key[1]
    if header.get("width", 1) != width:
        raise ValueError(f"rows of {header.get('width', 1)} values, expected {width}")
    if header.get("count") != count or len(payload) != 8 * count * width:
        raise ValueError(f"expected {count * width} values, found {len(payload) / 8:g}")
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise ValueError("checksum mismatch (the values were changed or damaged)")
    values = np.frombuffer(payload, dtype="<f8").astype(np.float64)
    g = values if width == 1 else values.reshape(count, width)[:, 0]
    if not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ValueError("values that are not conductances (NaN, inf or negative)")
    if width == 1:
        return values
    values = values.reshape(count, width)
    if extra == "spin":
        gs = values[:, 1:]
        if (not np.all(np.isfinite(gs)) or np.any(gs < -1e-12)
                or not np.allclose(gs.sum(axis=1), g, rtol=1e-9, atol=1e-12)):
            raise ValueError("values that are not spin-resolved conductances (negative, NaN, "
                             "or not summing to g)")
        return values
    tau = values[:, 1:]
    if np.any(np.isinf(tau)) or np.any(tau < 0) or np.any(tau > 1 + 1e-9):
        raise ValueError("values that are not transmission eigenvalues (outside [0, 1])")
    return values


class Checkpoint:
    """The checkpoint directory of one run (see the module docstring).

    :meth:`open` takes an exclusive lock on the directory (another run on the
    same output fails at once); :meth:`close` releases it.  Use as a context
    manager, or call :meth:`close` on every exit path.
    """

    def __init__(self, directory, fingerprint: str, width: int = 1, extra: str | None = None):
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.width = width          # values per realisation (1 + transmission eigenvalues)
        self.extra = extra          # what follows g: "transmission", "spin" or None
        self._lock = None
        self.damaged: list[str] = []

    @property
    def manifest(self) -> Path:
        """The marker file (``experiment.json``)."""
        return self.directory / MARKER

    def exists(self) -> bool:
        """True when the directory exists."""
        return self.directory.exists() or self.directory.is_symlink()

    # -- opening --------------------------------------------------------
    def open(self, experiment_json: str, start_time: str) -> dict:
        """Create the directory or adopt the one this experiment left; return its marker.

        Raises
        ------
        CheckpointError
            When the path is a symbolic link or not a directory, when the
            directory has no andersonwl marker (it was not created by
            ``andersonwl run``: it is left untouched), when it belongs to a
            different experiment, or when another run holds its lock.
        """
        d = self.directory
        if d.is_symlink():
            raise CheckpointError(f"{d} is a symbolic link: andersonwl does not follow it; "
                                  "remove the link or write to another output")
        created = False
        if d.exists():
            if not d.is_dir():
                raise CheckpointError(f"{d} exists and is not a checkpoint directory: "
                                      "move it away or write to another output")
            if not self.manifest.is_file() or self.manifest.is_symlink():
                raise CheckpointError(f"{d} exists but was not created by andersonwl run (no "
                                      f"{MARKER} marker): it is left as it is; move it away "
                                      "or write to another output")
            manifest = self._read_manifest()
        else:
            d.mkdir()
            created = True
            manifest = None
        try:
            self._acquire()
            if manifest is None:
                manifest = dict(format=FORMAT, fingerprint=self.fingerprint,
                                start_time=start_time, experiment=json.loads(experiment_json))
                atomic_write_bytes(self.manifest, json.dumps(manifest, indent=1).encode())
            self._remove_temporaries()
        except BaseException:
            self.close()
            if created:                     # e.g. a full disk: leave nothing behind
                self._remove_known()
            raise
        return manifest

    def _read_manifest(self) -> dict:
        try:
            manifest = json.loads(self.manifest.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{self.manifest}: unreadable checkpoint marker ({exc}); "
                                  "move the directory away to start again") from None
        found = manifest.get("format") if isinstance(manifest, dict) else "?"
        if found != FORMAT:
            raise CheckpointError(f"{self.manifest}: not a checkpoint marker of this andersonwl "
                                  f"version (format {found}, expected {FORMAT}); move the "
                                  "directory away to start again")
        if manifest.get("fingerprint") != self.fingerprint:
            raise CheckpointError(
                f"the checkpoint {self.directory} belongs to a different experiment "
                f"(fingerprint {str(manifest.get('fingerprint', '?'))[:12]}, this experiment "
                f"{self.fingerprint[:12]}): remove it, or write to another output")
        return manifest

    def _acquire(self):
        fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CheckpointError(f"another run is using the checkpoint {self.directory}") \
                from None
        self._lock = fd

    def _remove_temporaries(self):
        for tmp in self.directory.iterdir():
            if _TMP.fullmatch(tmp.name) and tmp.is_file() and not tmp.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()

    def close(self) -> None:
        """Release the lock (idempotent)."""
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
        """File name of the chunk ``key = (point, start, stop)``."""
        point, start, stop = key
        return f"chunk-{point}-{start}-{stop}.bin"

    def save(self, key, values: np.ndarray) -> None:
        """Persist the conductances of one chunk ``key = (point, start, stop)`` atomically.

        Not fsync'ed (two fsyncs per chunk were half the main process's time on
        small strips): a killed run loses nothing, and a chunk torn by a power
        loss fails its checksum on resume and is recomputed.
        """
        atomic_write_bytes(self.directory / self.chunk_name(key),
                           _chunk_bytes(key, values, self.fingerprint), durable=False)

    def load(self, valid_keys=None) -> dict:
        """All verified chunks: ``{(point, start, stop): float64 array}``.

        A chunk that does not verify (checksum, fingerprint, key, size,
        values), or whose key is not one of ``valid_keys``, is logged by name,
        moved to ``damaged/`` and left out, so that it is recomputed.
        """
        out = {}
        for path in sorted(self.directory.iterdir()):
            m = _CHUNK.fullmatch(path.name) or _OLD_CHUNK.fullmatch(path.name)
            if m is None or path.is_symlink() or not path.is_file():
                continue
            key = tuple(int(v) for v in m.groups())
            try:
                if _OLD_CHUNK.fullmatch(path.name):
                    raise ValueError("a chunk of an older format, without a checksum")
                if valid_keys is not None and key not in valid_keys:
                    raise ValueError("not a chunk of this experiment's plan")
                out[key] = _parse_chunk(path.read_bytes(), key, self.fingerprint, self.width,
                                        self.extra)
            except ValueError as exc:
                self._set_aside(path, str(exc))
        return out

    def _set_aside(self, path: Path, why: str) -> None:
        damaged = self.directory / "damaged"
        damaged.mkdir(exist_ok=True)
        target = damaged / path.name
        os.replace(path, target)
        self.damaged.append(path.name)
        logger.warning("checkpoint chunk %s set aside in %s (%s); it will be recomputed",
                       path, damaged, why)

    def _remove_known(self) -> None:
        """Delete the files this class writes; keep the directory if anything else is in it."""
        d = self.directory
        if d.is_symlink() or not d.is_dir():
            return
        for path in d.iterdir():
            known = (path.name in (MARKER, "lock") or _CHUNK.fullmatch(path.name)
                     or _OLD_CHUNK.fullmatch(path.name) or _TMP.fullmatch(path.name))
            if known and (path.is_file() or path.is_symlink()):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        damaged = d / "damaged"
        if damaged.is_dir() and not damaged.is_symlink():
            for path in damaged.iterdir():
                if (_CHUNK.fullmatch(path.name) or _OLD_CHUNK.fullmatch(path.name)) \
                        and path.is_file() and not path.is_symlink():
                    path.unlink()
            with contextlib.suppress(OSError):
                damaged.rmdir()
        try:
            d.rmdir()
        except OSError:
            logger.warning("kept %s: it holds files andersonwl did not write", d)

    def remove(self) -> None:
        """Release the lock and delete the checkpoint (after the result has been written)."""
        self.close()
        self._remove_known()
