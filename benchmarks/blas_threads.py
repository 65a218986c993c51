"""BLAS threads for in-process work, side by side in one run: andersonwl's setting against others.

Times the README's loop (``aw.conductance`` over realisations, in this process) with the
BLAS thread count andersonwl sets (one, :mod:`andersonwl._blas`) and with the counts
forced to 2 and to the library default, and prints the ratios.  No environment variables
are needed: run it as a user would, ``python benchmarks/blas_threads.py``.
"""

from __future__ import annotations

import argparse
import os
import time

from threadpoolctl import threadpool_info

import andersonwl as aw
from andersonwl import _blas


def seconds_per_realisation(model, n, threads):
    saved = _blas.IN_PROCESS_THREADS
    _blas.IN_PROCESS_THREADS = threads
    try:
        aw.conductance(model, 0)
        t0 = time.perf_counter()
        for s in range(n):
            aw.conductance(model, s)
        return (time.perf_counter() - t0) / n
    finally:
        _blas.IN_PROCESS_THREADS = saved


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--realizations", type=int, default=20)
    p.add_argument("--size", type=int, default=40)
    args = p.parse_args(argv)
    default = max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
    print(f"cores {os.cpu_count()}, library default {default} BLAS threads")
    print("| model | andersonwl (1 thread) s | 2 threads s | default s | 2 / 1 | default / 1 |")
    print("|---|---|---|---|---|---|")
    for name, kw in (("spinless", {}), ("Rashba", dict(rashba=0.5))):
        m = aw.StripModel(args.size, args.size, 0.5, disorder=2.0, **kw)
        t1 = seconds_per_realisation(m, args.realizations, 1)
        t2 = seconds_per_realisation(m, args.realizations, 2)
        td = seconds_per_realisation(m, args.realizations, default)
        print(f"| {name} {args.size} x {args.size} | {t1:.4f} | {t2:.4f} | {td:.4f} | "
              f"{t2 / t1:.2f} | {td / t1:.2f} |")


if __name__ == "__main__":
    main()
