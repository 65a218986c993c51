"""Where the work of an ensemble runs: the worker function and the executors.

The worker function is pure: (model, seeds, engine) -> conductances.
The default executor is a local pool of spawned processes, one BLAS thread
each; a Dask ``Client`` is turned into a :class:`concurrent.futures.Executor`
with ``client.get_executor()``.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time

import numpy as np

from .. import _blas, _checks

__all__ = ["compute_chunk", "local_pool", "SerialExecutor", "dask_client", "is_dask_client",
           "BLAS_VARS", "single_blas_thread_env", "map_tasks"]

#: Environment variables that fix the number of BLAS / OpenMP threads.
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@_blas.limited
def compute_chunk(model, seeds: tuple, engine: str, transmission: int = 0,
                  spin: str | None = None, lam: tuple | None = None) -> np.ndarray:
    """Conductances g of the realisations ``seeds`` of ``model`` by ``engine``.

    A pure function of its arguments: the same call gives the same bits on
    any worker and in-process (it runs with one BLAS thread, :mod:`andersonwl._blas`).
    With ``transmission = K > 0`` each row is (g, tau_1, ..., tau_K): the K
    largest transmission eigenvalues, NaN beyond the open channels, and g
    their full sum.  With ``spin`` (an axis) each row is (g, g_uu, g_ud, g_du,
    g_dd), g the sum of the four.  With ``lam = (boundary, warmup)`` each
    value is the smallest Lyapunov exponent of an independent bar segment
    (:func:`andersonwl.engines.transfer.segment_exponent`; warmup None: the
    default).
    """
    if lam is not None:
        from ..engines.transfer import segment_exponent
        boundary, warmup = lam
        return np.array([segment_exponent(model, int(s), boundary=boundary, warmup=warmup)
                         for s in seeds], dtype=np.float64)
    if spin:
        from ..engines.spin import spin_conductances
        out = np.empty((len(seeds), 5))
        for r, seed in enumerate(seeds):
            gs = spin_conductances(model, int(seed), axis=spin, engine=engine)
            out[r, 0] = float(np.sum(gs))
            out[r, 1:] = np.ravel(gs)
        return out
    if transmission:
        from ..engines import transmission_values
        out = np.full((len(seeds), 1 + transmission), np.nan)
        for r, seed in enumerate(seeds):
            tau = transmission_values(model, int(seed), engine)
            out[r, 0] = float(np.sum(tau))
            k = min(len(tau), transmission)
            out[r, 1:1 + k] = tau[:k]
        return out
    from ..engines import compute_function
    compute = compute_function(engine, model)
    return np.array([compute(model, int(s)) for s in seeds], dtype=np.float64)


@contextlib.contextmanager
def single_blas_thread_env():
    """Set the BLAS thread variables to 1 in ``os.environ`` while the block runs.

    Worker processes started inside the block inherit them before they load
    NumPy (their BLAS reads the variables once, at load time).
    """
    saved = {k: os.environ.get(k) for k in BLAS_VARS}
    os.environ.update({k: "1" for k in BLAS_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _init_worker(parent_pid: int) -> None:
    # Ctrl-C (or a Jupyter kernel interrupt, sent to the whole process group) is for the
    # main process, which then terminates the pool (:func:`_terminate`); a worker that took
    # it would print a KeyboardInterrupt traceback and break the shared pool
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update({k: "1" for k in BLAS_VARS})
    os.environ["ANDERSONWL_WORKER"] = "1"         # warnings are the main process's business
    _blas.pin_process(1)

    def watch():
        # a pool worker whose parent was killed (SIGKILL) exits instead of idling forever
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="andersonwl-parent-watch").start()


def _worker_ready() -> tuple[int, int]:
    import andersonwl  # noqa: F401  (import the package now, not in the first task)
    time.sleep(0.05)
    return os.getpid(), _blas.current_threads()


@contextlib.contextmanager
def _main_module_hidden():
    """Start processes without re-running the user's ``__main__`` in them.

    The "spawn" start method re-imports the parent's main script in every child
    (as ``__mp_main__``), which runs a script's top-level code again: a plain
    script calling :func:`andersonwl.run` without an ``if __name__ ==
    "__main__":`` guard would recurse, and ``python - < script.py`` fails
    (no file ``<stdin>``).  The workers only ever run andersonwl's own
    functions, so they do not need the main module: while they start, it is
    presented to :mod:`multiprocessing` without ``__file__`` and ``__spec__``,
    as an interactive session is.
    """
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__")
             if main is not None and k in main.__dict__}
    try:
        for k in saved:
            if k == "__spec__":
                main.__spec__ = None
            else:
                del main.__dict__[k]
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


_SHARED: dict = {}     # workers -> the process pool kept for later calls in this process


def _shutdown_shared() -> None:
    for pool in _SHARED.values():
        pool.shutdown(wait=True, cancel_futures=True)     # idle workers exit at once
    _SHARED.clear()


atexit.register(_shutdown_shared)


def _start_pool(workers: int) -> cf.ProcessPoolExecutor:
    with single_blas_thread_env(), _main_module_hidden():
        pool = cf.ProcessPoolExecutor(max_workers=workers,
                                      mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_init_worker, initargs=(os.getpid(),))
        try:
            # start every process now, while the environment says one thread and the
            # main module is hidden
            ready = [pool.submit(_worker_ready) for _ in range(workers)]
            info = [f.result() for f in ready]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if any(n != 1 for _, n in info):  # pragma: no cover
        pool.shutdown(wait=False, cancel_futures=True)
        raise RuntimeError(f"worker processes did not get one BLAS thread: {info}")
    return pool


@contextlib.contextmanager
def local_pool(workers: int):
    """A process pool of ``workers`` spawned processes with one BLAS thread each.

    All processes are started (and have imported andersonwl) when the block
    begins; they do not re-run the caller's main script (see
    :func:`_main_module_hidden`), so plain scripts without a main guard work.
    The pool is kept for the next block with the same number of workers in
    this process (starting one costs seconds: notebooks and teaching pages
    call the ensemble many times) and shut down at exit.  If the block fails,
    pending tasks are cancelled and the pool is discarded.
    """
    workers = _checks.integer("workers", workers, minimum=1)
    pool = _SHARED.pop(workers, None)
    if pool is None or getattr(pool, "_broken", False):
        pool = _start_pool(workers)
    ok = False
    try:
        yield pool
        ok = True
    finally:
        if ok and not getattr(pool, "_broken", False):
            _SHARED[workers] = pool
        else:
            _terminate(pool)


def _terminate(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool at once: cancel what is queued and end the processes.

    A failed run stops now, instead of waiting for the chunks in flight.
    """
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()


class SerialExecutor(cf.Executor):
    """An executor that runs each task at once, in this process (``workers=1``).

    No process to start, so small runs take milliseconds; the values are the
    bits a worker process gives (the tasks run with one BLAS thread).
    """

    def submit(self, fn, /, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` now; return a finished future."""
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def is_dask_client(obj) -> bool:
    """True for a ``distributed.Client`` (checked without importing Dask)."""
    return (type(obj).__module__.split(".")[0] == "distributed"
            and hasattr(obj, "get_executor"))


#: seconds to wait for a scheduler to answer as Dask
SCHEDULER_TIMEOUT = 20


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int | None, *, dashboard: bool = False,
                timeout: float = SCHEDULER_TIMEOUT):
    """A Dask Client, as a context manager that closes it on leaving.

    ``"local-dask"`` starts a LocalCluster of ``workers`` single-threaded
    worker processes whose scheduler, workers and dashboard all listen on the
    loopback interface (127.0.0.1) only (the dashboard on a random port only
    when ``dashboard``); it is closed on leaving.  Anything else is the
    address of a running scheduler
    (``tcp://HOST:PORT`` or ``tls://HOST:PORT``), reached only at that
    address; an address that does not answer as a Dask scheduler within
    ``timeout`` seconds is a ``TimeoutError`` naming it.  Securing a cluster
    (TLS, or a private network) is the cluster's business: see
    docs/cluster.md.
    """
    from distributed import Client, LocalCluster
    if scheduler == "local-dask":
        n = workers or os.cpu_count() or 1
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          host="127.0.0.1",
                          dashboard_address="127.0.0.1:0" if dashboard else None,
                          ) as cluster, Client(cluster) as client:
            yield client
        return
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise ValueError(f"--scheduler must be 'local-dask' or an address such as "
                         f"tcp://HOST:PORT, got {scheduler!r}")
    client = _connect(Client, scheduler, timeout)
    try:
        yield client
    finally:
        client.close()


def _connect(client_class, address: str, timeout: float):
    """Connect within ``timeout`` seconds, whatever the peer does (a thread with a deadline)."""
    result = {}

    def target():
        try:
            result["client"] = client_class(address, timeout=f"{timeout}s",
                                            set_as_default=False)
        except BaseException as exc:   # noqa: BLE001 - reported below, in the caller
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="andersonwl-dask-connect")
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive() or "error" in result:
        cause = result.get("error")
        raise TimeoutError(f"no Dask scheduler answered at {address} within {timeout:g} s"
                           + (f" ({type(cause).__name__}: {cause})" if cause else "")
                           + ": check the address, or use --scheduler local-dask") from None
    return result["client"]


def map_tasks(fn, tasks, *, executor=None, workers: int | None = None) -> list:
    """``[fn(*task) for task in tasks]``, computed on ``executor`` or a local pool.

    For the simulations that are not grid ensembles (transmission statistics,
    length scans): ``executor`` is any :class:`concurrent.futures.Executor` or a
    Dask client; by default a local pool of ``workers`` processes (default:
    one per core, at most one per task; one BLAS thread each), in-process for
    one worker.  Results come back in the order of ``tasks``.
    """
    nworkers = min(workers or os.cpu_count() or 1, max(len(tasks), 1))
    if executor is not None:
        pool = executor.get_executor() if is_dask_client(executor) else executor
        if not isinstance(pool, cf.Executor):
            raise TypeError("executor must be a concurrent.futures.Executor or a Dask Client")
    with contextlib.ExitStack() as stack:
        if executor is None:
            pool = (SerialExecutor() if nworkers == 1
                    else stack.enter_context(local_pool(nworkers)))
        futures = [pool.submit(fn, *task) for task in tasks]
        return [f.result() for f in futures]
