"""Buttiker-probe engine: the block Green's-function recursion against a dense inverse.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/probes.py [--reps 3] [--sizes 20 30 40]

For square spinless samples (E = 0.9, box disorder W_dis = 3, dephasing 0.1) the
same realisations are computed by :func:`andersonwl.engines.probes.dephased_conductance`
twice in one run: as shipped (every block of G from the column recursion,
cost ~ L^2 n^3) and with the Green's function replaced by a dense LU inverse of
the same (L n x L n) matrix (cost ~ (L n)^3).  Everything else (lead
self-energies, probe transmissions, the dense solve for the probe voltages) is
shared, so the ratio isolates the Green's function; the remaining time is
mostly the probe-voltage solve.  Times are medians over ``--reps`` seeds after
one warm-up call; the last column checks that both give the same g.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.linalg as la  # noqa: E402

import andersonwl as aw  # noqa: E402
from andersonwl.engines import probes  # noqa: E402

__all__ = ["time_probes", "main"]


def _dense_green_function(d, v):
    return la.inv(probes._dense(d, v), overwrite_a=True, check_finite=False)


def _median(fn, seeds):
    fn(seeds[0] + 10_000)
    times, values = [], []
    for s in seeds:
        t0 = time.perf_counter()
        values.append(fn(s))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), np.array(values)


def time_probes(model, dephasing=0.1, reps=3):
    """(block seconds, dense seconds, max relative difference of g) per realisation."""
    seeds = list(range(1, reps + 1))
    block, g_block = _median(lambda s: probes.dephased_conductance(model, s, dephasing), seeds)
    shipped = probes._green_function
    probes._green_function = _dense_green_function
    try:
        dense, g_dense = _median(lambda s: probes.dephased_conductance(model, s, dephasing), seeds)
    finally:
        probes._green_function = shipped
    return block, dense, float(np.max(np.abs(g_block - g_dense) / g_dense))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 30, 40])
    args = parser.parse_args(argv)
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, E = 0.9, W_dis = 3, "
          f"dephasing 0.1, median of {args.reps}; seconds per realisation")
    head = (f"{'L x L':>8} {'sites':>6} {'block':>8} {'dense':>8} {'dense/block':>11} "
            f"{'max rel dev':>11}")
    print(head)
    print("-" * len(head))
    for size in args.sizes:
        model = aw.StripModel(size, size, 0.9, disorder=3.0)
        block, dense, dev = time_probes(model, reps=args.reps)
        print(f"{size:>3} x {size:<3} {size * size:>6} {block:8.4f} {dense:8.4f} "
              f"{dense / block:11.1f} {dev:11.1e}", flush=True)


if __name__ == "__main__":
    main()
