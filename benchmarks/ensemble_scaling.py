"""Throughput of the ensemble engine with 1 and 2 worker processes, measured in one run.

    .venv/bin/python benchmarks/ensemble_scaling.py [--size 60] [--per-worker 300]
        [--repeat 3] [--engine auto]

A 60 x 60 strip (E = 0.5, box disorder W = 2, spinless) is run through
:func:`andersonwl.run` with checkpointing to a temporary directory, on the
default local pool with one BLAS thread per worker.  Each pool is started and
warmed up (imports, Kwant system and lead modes built in every worker) before
the timed runs, whose size grows with the number of workers (weak scaling), so
the figures are steady-state rates; the pool start-up is printed apart.  The
machine may be shared: the runs alternate between the two pools ``--repeat``
times and the best rate of each counts (the median is printed too).
Parallel efficiency = rate(n workers) / (n * rate(1 worker)).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

import andersonwl as aw
from andersonwl.ensemble.executors import local_pool

__all__ = ["measure", "main"]


def _experiment(size, n, seed, chunk, engine):
    return {"model": dict(length=size, width=size, energy=0.5, disorder=2.0),
            "ensemble": dict(seed=seed, realizations=n),
            "run": dict(chunk=chunk, engine=engine)}


def measure(counts=(1, 2), size: int = 60, per_worker: int = 300, chunk: int = 10,
            repeat: int = 3, engine: str = "auto") -> list[dict]:
    """Start and warm one pool per worker count, then time ``workers * per_worker``
    realisations on each, alternating between the pools ``repeat`` times (new
    seeds each time, so that a burst of load from elsewhere hits both alike);
    the best rate of each pool counts."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        pools = {}
        for w in counts:
            t0 = time.perf_counter()
            pools[w] = stack.enter_context(local_pool(w))
            # one small chunk per worker builds the system and lead modes everywhere
            aw.run(_experiment(size, 2 * w, 1, 1, engine), pools[w], progress=False)
            rows.append(dict(workers=w, realizations=w * per_worker, times=[],
                             startup=time.perf_counter() - t0))
        for i in range(repeat):
            for row in rows:
                n = row["realizations"]
                t1 = time.perf_counter()
                ds = aw.run(_experiment(size, n, 2 + i, chunk, engine), pools[row["workers"]],
                            output=Path(tmp) / f"r{row['workers']}-{i}.nc", progress=False)
                row["times"].append(time.perf_counter() - t1)
                assert int(ds["count"]) == n
    for row in rows:
        times = sorted(row["times"])
        row.update(seconds=times[0], rate=row["realizations"] / times[0],
                   median_rate=row["realizations"] / times[len(times) // 2])
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=60, help="strip length = width (default 60)")
    p.add_argument("--per-worker", type=int, default=300,
                   help="realisations per worker in a timed run (default 300)")
    p.add_argument("--chunk", type=int, default=10, help="realisations per task (default 10)")
    p.add_argument("--repeat", type=int, default=3,
                   help="timed runs per worker count; the best counts (default 3)")
    p.add_argument("--engine", default="auto", help="[run] engine (default auto)")
    args = p.parse_args(argv)
    model = aw.StripModel(args.size, args.size, 0.5, disorder=2.0)
    engine = args.engine
    if engine == "auto":
        engine = f"auto -> {aw.choose_engine(model)}"
    print(f"ensemble scaling: {args.size}x{args.size} strip, E=0.5, W=2, engine {engine}, "
          f"{args.per_worker} realisations per worker, chunk {args.chunk}, best of "
          f"{args.repeat}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    rows = measure((1, 2), args.size, args.per_worker, args.chunk, args.repeat, args.engine)
    base = rows[0]["rate"]
    print(f"{'workers':>7s} {'realisations':>12s} {'time [s]':>9s} {'real/s':>8s} "
          f"{'median':>8s} {'efficiency':>10s} {'pool start [s]':>14s}")
    for r in rows:
        eff = r["rate"] / (r["workers"] * base)
        print(f"{r['workers']:7d} {r['realizations']:12d} {r['seconds']:9.2f} "
              f"{r['rate']:8.2f} {r['median_rate']:8.2f} {eff:10.3f} {r['startup']:14.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return rows


if __name__ == "__main__":
    main()
