"""Ensembles of disorder realisations over a parameter grid, in parallel and resumable.

:func:`run` computes the conductance of every realisation at every grid point
of an experiment (see :mod:`andersonwl.ensemble.experiment` for the TOML schema) and
returns an :class:`xarray.Dataset`:

``conductance`` (*swept fields, realization)
    g = G/(e^2/h), summed over spin.  NaN where a grid point stopped early
    (stopping rule).
``engine`` (*swept fields)
    The engine that computed each grid point (``"auto"`` resolved).
``count`` (*swept fields)
    Realisations used at each grid point.
``mean``, ``std``, ``stderr``, ``var``, ``mean_log``
    Mean, standard deviation (ddof=1), standard error of the mean, variance
    (ddof=1) and mean of ln g over the realisations used (NaN skipped).
``spin_conductance`` (*swept fields, realization, spin_out, spin_in)
    With ``[run] spin = axis``: g[s_out, s_in] of each realisation (up
    first), with ``spin_mean``, ``spin_stderr`` and the polarisation of the
    means ``spin_polarization`` (jackknife ``spin_polarization_stderr``).
``transmission`` (*swept fields, realization, channel)
    With ``[run] transmission = K``: the K largest transmission eigenvalues of
    each realisation, largest first, NaN beyond the open channels; then g is
    their full sum (equal to the engine's g to rounding).

Coordinates: one per swept field; ``realization`` (0, 1, ...) and ``seed``
along it; scalar coordinates for the fields that are not swept (None written
as ``"none"``).  Attributes: the experiment as JSON text, its fingerprint, the
ensemble seed, the versions of andersonwl, kwant and numpy, start and end time
(UTC, ISO 8601) and the host.

Design
------
* Common random numbers: realisation ``r`` has the disorder seed
  ``realization_seeds(seed, n)[r]`` at every grid point, so differences such as
  g(flux) - g(0) are correlated (small error bars on magnetoconductance).
* Work is cut into chunks of ``[run] chunk`` realisations of one grid point,
  independently of the number of workers; a worker is the pure function
  :func:`andersonwl.ensemble.executors.compute_chunk`.  The values are therefore
  bitwise identical for any number of workers and any executor, given one
  BLAS thread per worker process (the default pool and Dask's Nanny set it).
* The stopping rule is decided per grid point after each complete round of
  ``batch`` realisations, so it does not depend on timing either.
* With ``output``, each finished chunk is written atomically to the
  checkpoint directory ``OUTPUT.parts/``; ``resume=True`` reuses it and
  computes only the missing chunks.  The result is written to a temporary
  file and renamed over ``output`` at the end; the checkpoint is then removed.

Examples
--------
>>> import andersonwl as aw
>>> ds = aw.run("examples/magnetoconductance.toml", output="mc.nc")   # doctest: +SKIP
>>> dg = ds.conductance - ds.conductance.sel(flux=0.0)  # doctest: +SKIP
>>> dg.mean("realization")       # small error bars: the same seeds at every flux  # doctest: +SKIP
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import datetime
import json
import logging
import os
import queue
import socket
import time
import warnings
from pathlib import Path

import numpy as np

from .. import _checks
from .._random import SEED_STREAM
from ..analysis.spin import polarization_of_means
from ..analysis.stats import reductions
from ..io import atomic_write_netcdf, remove_stale_temporaries
from .checkpoint import Checkpoint, CheckpointError, parts_dir
from .executors import SerialExecutor, compute_chunk, is_dask_client, local_pool
from .experiment import Experiment, load_experiment
from .plan import Plan
from .progress import Progress

__all__ = ["run"]

logger = logging.getLogger(__name__)

#: The variables of an ensemble dataset: name -> (units, long name).  The
#: reductions come from :func:`andersonwl.analysis.stats.reductions`.
VARIABLES = {
    "conductance": ("e^2/h", "two-terminal conductance g = G/(e^2/h), summed over spin, "
                             "contact resistance of the leads included"),
    "engine": ("1", "engine that computed the grid point"),
    "count": ("1", "realisations used"),
    "mean": ("e^2/h", "mean of g"),
    "std": ("e^2/h", "standard deviation of g (ddof=1)"),
    "stderr": ("e^2/h", "standard error of the mean of g"),
    "var": ("(e^2/h)^2", "variance of g (ddof=1)"),
    "mean_log": ("1", "mean of ln g"),
    "exponent": ("1/a", "smallest positive Lyapunov exponent of each bar segment "
                        "(observable = \"lambda\")"),
    "xi": ("a", "localization length xi_M = 1/<gamma>"),
    "Lambda": ("1", "reduced localization length xi_M / M"),
    "Lambda_err": ("1", "standard error of Lambda (from the standard error of <gamma>)"),
    "warmup": ("a", "columns discarded before each segment"),
    "transmission": ("1", "largest transmission eigenvalues of t^dagger t, largest first "
                          "(with [run] transmission)"),
    "spin_conductance": ("e^2/h", "spin-resolved conductance g[s_out, s_in], left lead s_in "
                                  "to right lead s_out (with [run] spin)"),
    "spin_mean": ("e^2/h", "mean of g[s_out, s_in]"),
    "spin_stderr": ("e^2/h", "standard error of the mean of g[s_out, s_in]"),
    "spin_polarization": ("1", "P = [(g_uu + g_dd) - (g_ud + g_du)] / g of the means"),
    "spin_polarization_stderr": ("1", "jackknife standard error of spin_polarization"),
}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _coord_values(values):
    if values and isinstance(values[0], tuple):           # a vector field: its text
        return np.array([",".join(f"{c:g}" for c in v) for v in values])
    return np.array(["none" if v is None else v for v in values])


def _lambda_variables(exp, data, dims, shape):
    """Transfer-matrix runs: exponents per segment, Lambda = 1/(M <gamma>) per grid point."""
    from ..engines.transfer import default_warmup
    data["exponent"] = data.pop("conductance")
    data.pop("mean_log", None)
    gamma, err = data["mean"][1], data["stderr"][1]
    widths = np.array([m.width for m in exp.models()], dtype=float).reshape(shape)
    warm = np.array([default_warmup(m) if exp.warmup is None else exp.warmup
                     for m in exp.models()]).reshape(shape)
    data["xi"] = (dims, 1.0 / gamma)
    data["Lambda"] = (dims, 1.0 / (widths * gamma))
    data["Lambda_err"] = (dims, err / (widths * gamma**2))
    data["warmup"] = (dims, warm)
    return data


def _dataset(exp: Experiment, plan: Plan, attrs: dict):
    import xarray as xr
    nmax = max(plan.count)
    shape = exp.grid_shape
    width = exp.row_width
    rows = np.full((len(plan.points), nmax, width), np.nan)
    for p, n in enumerate(plan.count):
        rows[p, :n] = plan.series(p, n).reshape(n, width)
    g = rows[..., 0].reshape(*shape, nmax)
    red = reductions(g)
    dims = exp.swept
    coords = {k: _coord_values(v) for k, v in exp.coords().items()}
    coords["realization"] = np.arange(nmax)
    coords["seed"] = ("realization", plan.seeds[:nmax])
    vectors = False
    for k, v in exp.model.items():
        if k not in exp.swept and isinstance(v, tuple):     # a fixed vector (zeeman)
            coords[k], vectors = ("xyz", np.array(v, dtype=float)), True
        elif k not in exp.swept:
            coords[k] = "none" if v is None else v
        elif isinstance(v[0], tuple):                        # a swept vector
            coords[k + "_vector"], vectors = ((k, "xyz"), np.array(v, dtype=float)), True
    if vectors:
        coords["xyz"] = np.array(["x", "y", "z"])
    coords["spinful"] = int(plan.models[0].spinful)     # one spin content (validated)
    data = {"conductance": ((*dims, "realization"), g),
            "engine": (dims, np.array(plan.engines).reshape(shape))}
    data.update({name: (dims, red[name]) for name in red})
    if exp.transmission:
        data["transmission"] = ((*dims, "realization", "channel"),
                                rows[..., 1:].reshape(*shape, nmax, exp.transmission))
        coords["channel"] = np.arange(exp.transmission)
    if exp.spin:
        gs = rows[..., 1:5].reshape(*shape, nmax, 2, 2)
        data["spin_conductance"] = ((*dims, "realization", "spin_out", "spin_in"), gs)
        coords["spin_out"] = coords["spin_in"] = np.array(["up", "down"])
        spin_red = reductions(np.moveaxis(gs, -3, -1))      # over the realisations
        data["spin_mean"] = ((*dims, "spin_out", "spin_in"), spin_red["mean"])
        data["spin_stderr"] = ((*dims, "spin_out", "spin_in"), spin_red["stderr"])
        pol = polarization_of_means(np.moveaxis(gs, -3, 0))
        data["spin_polarization"] = (dims, pol[0])
        data["spin_polarization_stderr"] = (dims, pol[1])
        attrs = {**attrs, "spin_axis": exp.spin}
    if exp.observable == "lambda":
        data = _lambda_variables(exp, data, dims, shape)
        attrs = {**attrs, "observable": "lambda", "boundary": exp.boundary}
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    for name, (units, long_name) in VARIABLES.items():
        if name in ds:
            ds[name].attrs.update(units=units, long_name=long_name)
    return ds


def _versions() -> dict:
    import kwant

    from .._version import __version__
    return dict(andersonwl_version=__version__, kwant_version=kwant.__version__,
                numpy_version=np.__version__)


def _load_finished(output: Path, fingerprint: str):
    import xarray as xr
    ds = xr.load_dataset(output, engine="h5netcdf")
    if ds.attrs.get("fingerprint") != fingerprint:
        raise CheckpointError(f"{output} exists and holds a different experiment (or is not "
                              "an andersonwl result): write to another output")
    return ds


def _describe(executor) -> str:
    if is_dask_client(executor):
        return f"dask {executor.scheduler.address}"
    return type(executor).__name__


def run(experiment, executor=None, *, output=None, resume: bool = False,
        workers: int | None = None, progress=None):
    """Run an ensemble experiment.

    Parameters
    ----------
    experiment : str, os.PathLike, dict or Experiment
        A TOML file or a dictionary of the same shape (see
        :mod:`andersonwl.ensemble.experiment`).  Validated completely before anything
        is computed or written.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where to compute (it is not shut down).  Default: a local pool of
        spawned processes, one BLAS thread each.
    output : str or os.PathLike, optional
        netCDF file to write (h5netcdf).  Finished chunks are checkpointed in
        ``OUTPUT.parts/`` as they complete; the file is written atomically at
        the end and the checkpoint removed.
    resume : bool
        Continue from the checkpoint of ``output`` (or start, if there is
        none; or just load ``output`` if it is already complete).  Without
        it, an existing ``output`` or checkpoint is an error.
    workers : int, optional
        Size of the default pool (overrides ``[run] workers``; default: one
        per core); 1 computes in this process.  Ignored when ``executor`` is
        given.
    progress : bool or None
        True: tqdm bar; False: silent; None: a bar on a terminal, else a line
        of progress now and then (on stderr).

    Returns
    -------
    xarray.Dataset
        See the module docstring.

    Notes
    -----
    The default pool starts its workers with the "spawn" method (safe with
    threads), one BLAS thread each, without re-running the caller's main
    script in them: a plain script that calls :func:`run` at top level (no
    ``if __name__ == "__main__":`` guard), ``python - < script.py``,
    ``python -c``, IPython and Jupyter all work and give the same bits as
    ``andersonwl run``.  The pool is kept for later calls in the same process.
    ``workers=1`` computes in-process, with no pool.  On a Dask cluster the
    workers must have andersonwl installed; the tasks set one BLAS thread
    themselves.

    Raises
    ------
    ExperimentError
        For an invalid experiment (nothing computed, nothing written).
    FileExistsError
        When ``output`` or its checkpoint exists and ``resume`` is false.
    CheckpointError
        When the checkpoint or ``output`` belongs to a different experiment,
        or another run is using the checkpoint.
    """
    exp = load_experiment(experiment)
    resume = _checks.boolean("resume", resume)
    if workers is not None:
        workers = _checks.integer("workers", workers, minimum=1)
    if executor is not None and not (isinstance(executor, cf.Executor)
                                     or is_dask_client(executor)):
        raise TypeError("executor must be a concurrent.futures.Executor or a Dask Client, got "
                        f"{type(executor).__name__} (leave it out for the local process pool)")
    nworkers = _bounded_workers(workers or exp.workers or os.cpu_count() or 1, exp)
    fingerprint = exp.fingerprint()
    start = _now()
    t0 = time.perf_counter()

    ckpt = None
    values = {}
    if output is not None:
        output = Path(output)
        if not output.parent.is_dir():
            raise FileNotFoundError(f"the directory of {output} does not exist")
        if output.is_dir():
            raise IsADirectoryError(f"{output} is a directory: give a file name for the result")
        parts = parts_dir(output)
        if not resume:
            for path in (output, parts):
                if path.exists() or path.is_symlink():
                    raise FileExistsError(
                        f"{path} exists: pass --resume (resume=True) to continue a run of the "
                        "same experiment, or choose another output")
        elif output.exists():
            ds = _load_finished(output, fingerprint)
            _remove_if_ours(parts, fingerprint)  # left over if killed just after the rename
            logger.info("%s is complete: nothing to compute", output)
            return ds
        ckpt = Checkpoint(parts, fingerprint, exp.row_width, exp.extra)
        manifest = ckpt.open(exp.to_json(), start)

    try:
        if ckpt is not None:
            start = manifest["start_time"]
            remove_stale_temporaries(output)   # of a run killed while writing (we hold the lock)
            values = ckpt.load(Plan.keys(exp))
        plan = Plan(exp, values)
        if values:
            logger.info("resuming: %d chunks from the checkpoint", len(values))
        todo = [key for p in range(len(plan.points)) for key in plan.advance(p)]
        total = sum(exp.max_count if n is None else n for n in plan.count)
        done = sum(e - s for (_, s, e) in values)

        with contextlib.ExitStack() as stack:
            if todo:
                if executor is None and nworkers == 1:
                    pool, described = SerialExecutor(), "in-process (workers = 1)"
                elif executor is None:
                    pool = stack.enter_context(local_pool(nworkers))
                    described = f"ProcessPoolExecutor({nworkers})"
                elif is_dask_client(executor):
                    pool = executor.get_executor()
                    described = _describe(executor)
                else:
                    pool = executor
                    described = _describe(executor)
            else:
                pool, described = None, "none (all chunks from the checkpoint)"
            bar = Progress(total, done, progress)
            stack.callback(bar.close)
            _compute(plan, pool, todo, ckpt, bar, exp,
                     4 * nworkers if executor is None else 1000)

        attrs = dict(title="andersonwl ensemble", experiment=exp.to_json(),
                     fingerprint=fingerprint, ensemble_seed=exp.seed, seed_stream=SEED_STREAM,
                     seed_rule="seed[r] = hash64(ensemble_seed, seed_stream, r) >> 1",
                     engine=exp.engine, executor=described, **_versions(),
                     start_time=start, end_time=_now(), host=socket.gethostname(),
                     conventions="g = G/(e^2/h) summed over spin; see andersonwl.models")
        ds = _dataset(exp, plan, attrs)
        if output is not None:
            atomic_write_netcdf(ds, output)
            ckpt.remove()
            logger.info("wrote %s in %.1f s", output, time.perf_counter() - t0)
        return ds
    finally:
        if ckpt is not None:
            ckpt.close()


def _compute(plan: Plan, pool, todo, ckpt, bar, exp, max_inflight):
    """Submit the chunks, at most ``max_inflight`` at a time, and collect them as they finish.

    Linear in the number of chunks (a completion queue, no scan of the pending
    set).  On the first failure every chunk that has already finished is
    persisted, the rest is cancelled, and the failure is raised at once.
    """
    finished = queue.SimpleQueue()
    waiting = collections.deque(todo)
    inflight = {}

    def fill():
        while waiting and len(inflight) < max_inflight:
            key = waiting.popleft()
            p, s, e = key
            seeds = tuple(int(v) for v in plan.seeds[s:e])
            lam = (exp.boundary, exp.warmup) if exp.observable == "lambda" else None
            fut = pool.submit(compute_chunk, plan.models[p], seeds, plan.engines[p],
                              exp.transmission, exp.spin, lam)
            inflight[fut] = key
            fut.add_done_callback(finished.put)

    def collect(fut):
        key = inflight.pop(fut)
        g = np.asarray(fut.result(), dtype=np.float64)
        if ckpt is not None:
            ckpt.save(key, g)
        logger.debug("computed chunk %s", json.dumps(key))
        bar.update(len(g))
        before = plan.count[key[0]]
        waiting.extend(plan.done(key, g))
        if before is None and plan.count[key[0]] is not None:
            bar.set_total(bar.total - (exp.max_count - plan.count[key[0]]))

    fill()
    try:
        while inflight:
            fut = finished.get()
            key = inflight[fut]
            try:
                collect(fut)
            except Exception as exc:
                if fut.cancelled() or fut.exception() is None:
                    raise                              # not the chunk: an I/O error, say
                while True:                            # keep what has finished
                    try:
                        done = finished.get_nowait()
                    except queue.Empty:
                        break
                    if done in inflight and not done.cancelled() and done.exception() is None:
                        collect(done)
                point = ", ".join(f"{k}={plan.points[key[0]][k]!r}" for k in exp.swept)
                raise RuntimeError(f"chunk {key} (grid point {point or '-'}, realisations "
                                   f"{key[1]}..{key[2] - 1}) failed: {exc!r}") from exc
            fill()
    finally:
        for fut in inflight:
            fut.cancel()


def _bounded_workers(n: int, exp) -> int:
    """At most one worker per chunk of the first round; warn above the core count."""
    chunks = exp.n_points * max(1, -(-exp.rounds()[0][1] // exp.chunk))
    cores = os.cpu_count() or 1
    if n > cores:
        warnings.warn(f"{n} workers on {cores} cores: the workers share the cores (and memory), "
                      "which is slower than one worker per core", UserWarning, stacklevel=3)
    return max(1, min(n, chunks))


def _remove_if_ours(parts: Path, fingerprint: str) -> None:
    """Remove the checkpoint ``parts`` if its marker is this experiment's; else leave it."""
    if not parts.is_dir() or parts.is_symlink():
        return
    ckpt = Checkpoint(parts, fingerprint)
    try:
        ckpt.open("{}", _now())
    except CheckpointError:
        return
    ckpt.remove()
