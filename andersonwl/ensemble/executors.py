"""Where the work of an ensemble runs: the worker function and the executors.

The worker function is pure: (model fields, seeds, engine) -> conductances.
The default executor is a local pool of spawned processes, one BLAS thread
each; a Dask ``Client`` is turned into a :class:`concurrent.futures.Executor`
with ``client.get_executor()``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import threading
import time

import numpy as np

__all__ = ["compute_chunk", "local_pool", "dask_client", "is_dask_client", "BLAS_VARS",
           "single_blas_thread_env"]

#: Environment variables that fix the number of BLAS / OpenMP threads.
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def compute_chunk(model, seeds: tuple, engine: str) -> np.ndarray:
    """Conductances g of the realisations ``seeds`` of ``model`` by ``engine``.

    A pure function of its arguments: the same call gives the same bits on
    any worker (with one BLAS thread per process).
    """
    from ..engines import ENGINES
    compute = ENGINES[engine].conductance
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
    os.environ.update({k: "1" for k in BLAS_VARS})

    def watch():
        # a pool worker whose parent was killed (SIGKILL) exits instead of idling forever
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="andersonwl-parent-watch").start()


def _worker_ready() -> tuple[int, str | None]:
    import andersonwl  # noqa: F401  (import the package now, not in the first task)
    time.sleep(0.05)
    return os.getpid(), os.environ.get("OPENBLAS_NUM_THREADS")


@contextlib.contextmanager
def local_pool(workers: int):
    """A process pool of ``workers`` spawned processes with one BLAS thread each.

    All processes are started (and have imported andersonwl) when the block
    begins.  On leaving, pending tasks are cancelled.
    """
    with single_blas_thread_env():
        pool = cf.ProcessPoolExecutor(max_workers=workers,
                                      mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_init_worker, initargs=(os.getpid(),))
        try:
            # start every process now, while the environment says one thread
            ready = [pool.submit(_worker_ready) for _ in range(workers)]
            info = [f.result() for f in ready]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if any(v != "1" for _, v in info):  # pragma: no cover
        pool.shutdown(wait=False, cancel_futures=True)
        raise RuntimeError(f"worker processes did not get one BLAS thread: {info}")
    ok = False
    try:
        yield pool
        ok = True
    finally:
        pool.shutdown(wait=ok, cancel_futures=True)


def is_dask_client(obj) -> bool:
    """True for a ``distributed.Client`` (checked without importing Dask)."""
    return (type(obj).__module__.split(".")[0] == "distributed"
            and hasattr(obj, "get_executor"))


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int | None):
    """A Dask Client, as a context manager that closes it on leaving.

    ``"local-dask"`` starts a LocalCluster of ``workers`` single-threaded
    worker processes (closed on leaving), anything else is the address of a
    running scheduler (``tcp://HOST:PORT``).
    """
    from distributed import Client, LocalCluster
    if scheduler == "local-dask":
        n = workers or os.cpu_count() or 1
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
    else:
        with Client(scheduler, timeout="20s") as client:
            yield client
