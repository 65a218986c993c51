"""Files: atomic writes, loading results, and reading measured magnetoresistance curves.

Every file andersonwl writes goes through :func:`atomic_write_bytes` or
:func:`atomic_write_netcdf`: a temporary file in the directory of the final
name, flushed, fsync'ed, renamed over the final name with :func:`os.replace`,
then the directory fsync'ed, so a reader (or a run killed at any moment) sees
either the old state or the complete new file, never a partial one.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
from pathlib import Path

import numpy as np

__all__ = ["atomic_write_bytes", "atomic_write_netcdf", "fsync_dir", "temp_name",
           "check_outputs", "remove_stale_temporaries", "load_result", "read_curve",
           "read_aspect", "FIELD_UNITS", "read_temperature", "to_delta_sigma", "parse_aspect",
           "QUANTITIES"]


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
def _atomic(path, durable: bool = True):
    """Yield a temporary name beside ``path``, to be renamed onto ``path`` on success.

    On success (if ``durable``) fsync the temporary file, rename it onto
    ``path`` and (if ``durable``) fsync the directory; on any failure remove it
    and re-raise.
    """
    path = Path(path)
    tmp = temp_name(path)
    try:
        yield tmp
        if durable:
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
    if durable:
        fsync_dir(path.parent)


def atomic_write_bytes(path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, os.replace, fsync dir).

    Parameters
    ----------
    path : str or os.PathLike
        Destination.
    data : bytes
        Content.
    durable : bool
        Fsync the file and its directory (default).  Without it the write is
        still atomic for a reader and for a killed process (the kernel holds
        the data), but after a power loss or an operating-system crash the file
        may be missing or torn: use it only for files that are verified when
        read (the checksummed checkpoint chunks), where it saves two fsyncs
        per chunk.

    Raises
    ------
    OSError
        With the errno of the failure (``ENOSPC`` for a full disk) and a message
        that names ``path``; the temporary file is removed.
    """
    try:
        with _atomic(path, durable) as tmp:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with open(fd, "wb") as f:
                f.write(data)
    except OSError as exc:
        if str(path) in str(exc):
            raise
        raise OSError(exc.errno, f"could not write {path}: {exc.strerror or exc}") from exc


def atomic_write_netcdf(dataset, path) -> None:
    """Write an xarray Dataset as netCDF-4/HDF5 (h5netcdf) to ``path`` atomically.

    The file is made in memory first and written with plain file I/O, so a full
    disk or another I/O error is an :class:`OSError` naming ``path`` (HDF5
    writing straight to a full disk can crash the process), and no partial
    file is left.
    """
    with _local_write_lock():
        data = bytes(dataset.to_netcdf(engine="h5netcdf"))
    atomic_write_bytes(path, data)


@contextlib.contextmanager
def _local_write_lock():
    """Make xarray use a local lock for the in-memory write, also under a Dask client.

    A distributed lock cannot serialise an in-memory file.
    """
    try:
        import dask
    except ImportError:
        yield
        return
    with dask.config.set(scheduler="synchronous"):
        yield


def remove_stale_temporaries(path) -> None:
    """Remove temporaries of ``path`` left by a killed writer.

    Only regular files named exactly as :func:`temp_name` names them
    (``.NAME.PID.HEX8.tmp``) are removed; symbolic links and anything else
    are left alone.
    """
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.\d+\.[0-9a-f]{{8}}\.tmp")
    for tmp in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        if pattern.fullmatch(tmp.name) and tmp.is_file() and not tmp.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)



def check_outputs(directory, names, *, force: bool = False) -> Path:
    """Check, before any work, that ``names`` can be written into ``directory``.

    Parameters
    ----------
    directory : path-like
        The output directory (created later by the writer if missing).
    names : iterable of str
        The files that will be written there.
    force : bool
        Allow overwriting existing files.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    NotADirectoryError
        When ``directory`` exists and is not a directory.
    FileExistsError
        When one of the files exists and ``force`` is false (the message names
        it and the fix).
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"{directory} exists and is not a directory: give --out a "
                                 "directory")
    if not force:
        existing = [n for n in names if (directory / n).exists()]
        if existing:
            more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
            raise FileExistsError(f"{directory / existing[0]} exists: pass --force to overwrite "
                                  f"it{more}, or choose another --out")
    return directory


def load_result(path):
    """An andersonwl result (netCDF) as an :class:`xarray.Dataset`, loaded into memory."""
    import xarray as xr
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such result file: {path}")
    return xr.load_dataset(path, engine="h5netcdf")


#: what the data column of a measured curve can hold
QUANTITIES = ("auto", "resistance", "sigma")


def parse_aspect(text) -> float:
    """L/W from a number or a ratio ``"L/W"``, positive and finite."""
    try:
        if isinstance(text, str) and "/" in text:
            num, den = text.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError("--aspect must be a positive number or a ratio L/W, "
                         f"got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"--aspect must be positive and finite, got {text!r}")
    return value


def _split(line):
    return [f.strip() for f in (line.split(",") if "," in line else line.split())]


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


#: units of the field column understood by :func:`read_curve` (factor to tesla)
FIELD_UNITS = {"T": 1.0, "mT": 1e-3}
_MT = re.compile(r"(^|[^A-Za-z])mT([^A-Za-z]|$)")
_TESLA = re.compile(r"(^|[^A-Za-z])(T|tesla)([^A-Za-z]|$)", re.IGNORECASE)
_ASPECT = re.compile(r"L\s*/\s*W\s*=\s*([-+0-9.eE]+)")


def _unit_in(text: str) -> str | None:
    if _MT.search(text):
        return "mT"
    if re.search(r"(^|[^A-Za-z])tesla([^A-Za-z]|$)", text, re.IGNORECASE) or re.search(
            r"\(T\)|\[T\]|_T$|^T$", text.strip()):
        return "T"
    return None


def read_aspect(path) -> float | None:
    """L/W from a ``# ... L/W = 2 ...`` comment line of a measured curve, or None."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.lstrip().startswith("#"):
                m = _ASPECT.search(line)
                if m:
                    return parse_aspect(m.group(1))
    return None


def read_curve(path, columns=None, quantity="auto", field_unit="auto"):
    """Read (field, data, quantity) from a CSV file, naming the line of any problem.

    Parameters
    ----------
    path : path-like
    columns : str, optional
        ``"FIELD,DATA"`` by header name or 0-based index.
    quantity : {"auto", "resistance", "sigma"}
    field_unit : {"auto", "T", "mT"}
        The unit of the field column.  ``"auto"`` reads it from the column's
        header name (``B_mT``, ``B (T)``, ``field[mT]``, ``tesla``) or from a
        comment line (``# columns: B in tesla``); when the file does not say,
        it is an error (the unit is never guessed).

    Returns
    -------
    field : numpy.ndarray
        Tesla.
    data : numpy.ndarray
        R_xx in ohm or sigma in e^2/h.
    quantity : str
        ``"resistance"`` or ``"sigma"``.

    Raises
    ------
    ValueError
        ``"FILE line N: ..."`` for a malformed line (missing column, not a
        number, NaN/inf, non-positive resistance), or for an unusable file
        (no data, unknown column names, too few points).
    """
    path = Path(path)
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
    if field_unit != "auto" and field_unit not in FIELD_UNITS:
        raise ValueError(f"field_unit must be 'auto' or one of {tuple(FIELD_UNITS)}, "
                         f"got {field_unit!r}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory: give the CSV file of a curve")
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text (CSV) file") from None
    rows = [(i + 1, _split(line)) for i, line in enumerate(lines)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ValueError(f"{path}: no data lines")
    header = None
    if not all(_is_number(f) for f in rows[0][1]):
        header_line, header = rows[0]
        rows = rows[1:]
    # which columns
    if columns is None:
        idx = (0, 1)
    else:
        parts = [c.strip() for c in str(columns).split(",")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"--columns must be FIELD,DATA, got {columns!r}")
        idx = []
        for part in parts:
            if header is not None and part in header:
                idx.append(header.index(part))
            elif part.isdigit():
                idx.append(int(part))
            else:
                known = ", ".join(header) if header else "none (the file has no header)"
                raise ValueError(f"{path}: no column {part!r}; columns: {known}")
        idx = tuple(idx)
    if header is not None and max(idx) >= len(header):
        raise ValueError(f"{path}: the header has {len(header)} columns, no column "
                         f"{max(idx)}; columns: {', '.join(header)}")
    if quantity == "auto":
        name = header[idx[1]].strip().lower() if header is not None else ""
        if name.startswith("sigma"):
            quantity = "sigma"
        elif name.startswith("r") or header is None:
            quantity = "resistance"
        else:
            raise ValueError(f"{path}: cannot tell whether column {header[idx[1]]!r} is a "
                             "resistance or a conductance; pass --quantity resistance or "
                             "sigma")
    need = max(idx) + 1
    field, data = [], []
    for lineno, fields in rows:
        if len(fields) < need:
            raise ValueError(f"{path} line {lineno}: expected at least {need} columns, "
                             f"got {len(fields)}")
        values = []
        for j in idx:
            try:
                v = float(fields[j])
            except ValueError:
                raise ValueError(f"{path} line {lineno}: column {j + 1} is not a number: "
                                 f"{fields[j]!r}") from None
            if not math.isfinite(v):
                raise ValueError(f"{path} line {lineno}: column {j + 1} is not finite: "
                                 f"{fields[j]!r}")
            values.append(v)
        if quantity == "resistance" and values[1] <= 0:
            raise ValueError(f"{path} line {lineno}: resistance must be positive, got "
                             f"{values[1]:g}")
        field.append(values[0])
        data.append(values[1])
    if field_unit == "auto":
        named = _unit_in(header[idx[0]]) if header is not None else None
        comments = [line for line in lines if line.lstrip().startswith("#")]
        said = {u for line in comments for u in [_unit_in(line)] if u is not None}
        field_unit = named or (said.pop() if len(said) == 1 else None)
        if field_unit is None:
            column = repr(header[idx[0]]) if header is not None else "1"
            raise ValueError(f"{path}: the unit of the field column {column} is not stated "
                             "(no unit in its header name and no '# ... B in tesla' comment): "
                             "pass --field-unit T or mT")
    if len(field) < 4:
        raise ValueError(f"{path}: need at least 4 data points, got {len(field)}")
    field = np.array(field) * FIELD_UNITS[field_unit]
    values, first = np.unique(field, return_index=True)
    if values.size != field.size:
        dup = np.setdiff1d(np.arange(field.size), first)[0]
        line = rows[int(dup)][0]
        raise ValueError(f"{path} line {line}: the field {field[dup]:g} T appears twice: one "
                         "point per field (average repeated sweeps before fitting)")
    return field, np.array(data), quantity


_TEMPERATURE = re.compile(r"^\s*#\s*(?:temperature|T)\s*[=:]\s*([-+0-9.eE]+)\s*(?:K\b.*)?$",
                          re.IGNORECASE)


def read_temperature(path) -> float:
    """The temperature (K) of a ``# temperature = 1.5 K`` (or ``# T: 1.5``) comment line."""
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            m = _TEMPERATURE.match(line)
            if m:
                try:
                    t = float(m.group(1))
                except ValueError:
                    raise ValueError(f"{path} line {lineno}: temperature {m.group(1)!r} is not "
                                     "a number") from None
                if not (math.isfinite(t) and t > 0):
                    raise ValueError(f"{path} line {lineno}: temperature must be positive, "
                                     f"got {t:g}")
                return t
    raise ValueError(f"{path}: no '# temperature = T K' line; give --temperatures")


def _unique_mean(x, y):
    """Sorted unique x with y averaged over repeats."""
    ux, inv = np.unique(x, return_inverse=True)
    return ux, np.bincount(inv, weights=y) / np.bincount(inv)


def to_delta_sigma(field, data, quantity="resistance", aspect=1.0):
    """delta_sigma(|B|) = sigma(B) - sigma(0) in e^2/h from a measured curve.

    sigma = (h/e^2) (L/W) / R_xx (:func:`andersonwl.units.resistance_to_sheet_conductance`)
    or the data itself for ``quantity="sigma"``.  sigma(0) is the mean of the
    points at B = 0 if there are any, else the linear interpolation between the
    points on either side of zero, else (all fields of one sign) the point of
    smallest |B|.  With both signs present the curve is symmetrised,
    [sigma(B) + sigma(-B)] / 2, on the |B| values of the side with more
    points, within the range both sides cover (the other side interpolated
    linearly).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        |B| (sorted, tesla) and delta_sigma (e^2/h).
    """
    from .units import resistance_to_sheet_conductance
    field = np.asarray(field, dtype=float)
    sigma = (resistance_to_sheet_conductance(np.asarray(data, dtype=float), aspect)
             if quantity == "resistance" else np.asarray(data, dtype=float))
    b, s = _unique_mean(field, sigma)
    if np.any(b == 0):
        s0 = float(s[b == 0][0])
    elif b.min() < 0 < b.max():
        s0 = float(np.interp(0.0, b, s))
    else:
        s0 = float(s[np.argmin(np.abs(b))])
    pos, neg = b > 0, b < 0
    if pos.any() and neg.any():
        bp = np.concatenate([[0.0], b[pos]])
        sp = np.concatenate([[s0], s[pos]])
        bn = np.concatenate([[0.0], -b[neg][::-1]])
        sn = np.concatenate([[s0], s[neg][::-1]])
        grid = bp if pos.sum() >= neg.sum() else bn
        grid = grid[grid <= min(bp.max(), bn.max())]
        sym = 0.5 * (np.interp(grid, bp, sp) + np.interp(grid, bn, sn))
        return grid, sym - s0
    return np.abs(b), s - s0


