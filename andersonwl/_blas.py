"""BLAS threads: one per worker process, and one for the work andersonwl does in-process.

andersonwl's dense linear algebra is on small matrices (one slice of a few
hundred orbitals at most), where extra OpenBLAS threads only contend for the
cores: measured on 2 cores (``benchmarks/blas_threads.py``), a 40 x 40 Rashba
realisation takes 0.60 s with one thread against 0.79 s with two and 1.2 s with
the default when another process shares the machine.  So the package sets the
thread count itself, with :mod:`threadpoolctl`, whatever the environment says:

* every worker process of the local pool runs with one BLAS thread;
* every public compute function (:func:`andersonwl.conductance`,
  :func:`andersonwl.conductance_vs_length`, :func:`andersonwl.localization_length`,
  ...) runs its body with :data:`IN_PROCESS_THREADS` BLAS threads and restores
  the caller's setting on return (about 0.03 ms per call), so a user's own
  NumPy work in the same session is not affected.

``ANDERSONWL_BLAS_THREADS=n`` in the environment changes the in-process count.
"""

from __future__ import annotations

import functools
import os

__all__ = ["IN_PROCESS_THREADS", "limited", "pin_process", "current_threads"]


def _in_process_threads() -> int:
    value = os.environ.get("ANDERSONWL_BLAS_THREADS", "1")
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"ANDERSONWL_BLAS_THREADS must be a positive integer, "
                         f"got {value!r}") from None
    if n < 1:
        raise ValueError(f"ANDERSONWL_BLAS_THREADS must be a positive integer, got {value!r}")
    return n


#: BLAS threads of andersonwl's in-process compute (measured best: 1)
IN_PROCESS_THREADS = _in_process_threads()

_controller = None


def _get_controller():
    """A cached :class:`threadpoolctl.ThreadpoolController` (made after NumPy and SciPy load)."""
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401  (load SciPy's own BLAS before looking for it)
        from threadpoolctl import ThreadpoolController
        _controller = ThreadpoolController()
    return _controller


def limited(func):
    """Decorator: run ``func`` with :data:`IN_PROCESS_THREADS` BLAS threads, then restore."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _get_controller().limit(limits=IN_PROCESS_THREADS, user_api="blas"):
            return func(*args, **kwargs)
    return wrapper


def pin_process(threads: int = 1) -> None:
    """Set the BLAS threads of this whole process (worker processes: one)."""
    _get_controller().limit(limits=threads, user_api="blas")


def current_threads() -> int:
    """The largest thread count among the BLAS libraries loaded in this process."""
    from threadpoolctl import threadpool_info
    counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts) if counts else 1
