"""Throughput of the ensemble engine in-process, with 1 and with 2 worker processes, in one run.

    .venv/bin/python benchmarks/ensemble_scaling.py [--size 60] [--per-worker 300]
        [--chunk N] [--repeat 3] [--engine auto]

A size x size strip (E = 0.5, box disorder W = 2, spinless) is run through
:func:`andersonwl.run` with checkpointing to a temporary directory: in the
calling process (``workers=1``, what ``andersonwl run --workers 1`` does) and
on the default local pool of 1 and of 2 workers, one BLAS thread each.  Each
pool is started and warmed up (imports, system and lead modes built in every
worker) before the timed runs, whose size grows with the number of workers
(weak scaling), so the figures are steady-state rates; the pool start-up is
printed apart.  The machine may be shared: the runs alternate ``--repeat``
times and the best rate of each counts (the median is printed too).
Speed-up = rate / rate(in-process); efficiency = rate(n workers) /
(n x rate(1-worker pool)).  The chunk is the automatic one
(:func:`andersonwl.ensemble.auto_chunk`) unless ``--chunk`` is given.  The
CPU time of the calling process per realisation is printed too: with a pool
it is the per-realisation overhead of the main process (submission,
collection, checkpoint writes), which takes a core away from the workers;
unlike the wall-clock rates it hardly depends on the load from elsewhere.
The last row, ``bare``, sends the same tasks straight to the 2-worker pool
(``pool.map`` of the task function, no plan, checkpoint or dataset): the
speed-up this machine allows at all, against which the ensemble's is read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

import andersonwl as aw
from andersonwl.ensemble.executors import compute_chunk, local_pool

__all__ = ["measure", "main"]


def _experiment(size, n, seed, chunk, engine):
    run = dict(engine=engine) if chunk is None else dict(chunk=chunk, engine=engine)
    return {"model": dict(length=size, width=size, energy=0.5, disorder=2.0),
            "ensemble": dict(seed=seed, realizations=n), "run": run}


def _bare(exp, pool) -> int:
    """The same tasks straight through ``pool.map``: no plan, checkpoint or dataset.

    The ceiling any scheduler can reach on this machine (two processes share its
    memory bandwidth and, on a shared host, its cores).
    """
    experiment = aw.load_experiment(exp)
    model, engine = experiment.models()[0], experiment.engines()[0]
    seeds = [int(s) for s in aw.ensemble.realization_seeds(experiment.seed,
                                                         experiment.realizations)]
    c = experiment.chunk
    tasks = [tuple(seeds[k:k + c]) for k in range(0, len(seeds), c)]
    list(pool.map(compute_chunk, [model] * len(tasks), tasks, [engine] * len(tasks)))
    return c


def measure(counts=(1, 2), size: int = 60, per_worker: int = 300, chunk: int | None = None,
            repeat: int = 3, engine: str = "auto") -> list[dict]:
    """Time ``per_worker`` realisations in-process, then start and warm one pool per
    worker count and time ``workers * per_worker`` realisations on each,
    alternating ``repeat`` times (new seeds each time, so that a burst of load
    from elsewhere hits all alike); the best rate of each counts."""
    rows = [dict(workers=1, label="in-process", realizations=per_worker, times=[], startup=0.0)]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        pools = {}
        aw.run(_experiment(size, 2, 1, 1, engine), workers=1, progress=False)   # warm-up
        for w in counts:
            t0 = time.perf_counter()
            pools[w] = stack.enter_context(local_pool(w))
            # one small chunk per worker builds the system and lead modes everywhere
            aw.run(_experiment(size, 2 * w, 1, 1, engine), pools[w], progress=False)
            rows.append(dict(workers=w, label=f"pool of {w}", realizations=w * per_worker,
                             times=[], startup=time.perf_counter() - t0))
        top = max(counts)
        rows.append(dict(workers=top, label=f"bare {top}", realizations=top * per_worker,
                         times=[], startup=0.0, raw=True))
        for i in range(repeat):
            for j, row in enumerate(rows):
                n = row["realizations"]
                exp = _experiment(size, n, 2 + i, chunk, engine)
                t1, c1 = time.perf_counter(), time.process_time()
                if row.get("raw"):
                    row["chunk"] = _bare(exp, pools[row["workers"]])
                else:
                    where = dict(workers=1) if j == 0 else dict(executor=pools[row["workers"]])
                    ds = aw.run(exp, **where, output=Path(tmp) / f"r{j}-{i}.nc",
                                progress=False)
                    assert int(ds["count"]) == n
                    row["chunk"] = json.loads(ds.attrs["experiment"])["run"]["chunk"]
                row["times"].append(time.perf_counter() - t1)
                row.setdefault("main_cpu", []).append((time.process_time() - c1) / n)
    for row in rows:
        times = sorted(row["times"])
        row.update(seconds=times[0], rate=row["realizations"] / times[0],
                   main_ms=1e3 * min(row["main_cpu"]),
                   median_rate=row["realizations"] / times[len(times) // 2])
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=60, help="strip length = width (default 60)")
    p.add_argument("--per-worker", type=int, default=300,
                   help="realisations per worker in a timed run (default 300)")
    p.add_argument("--chunk", type=int, default=None,
                   help="realisations per task (default: automatic)")
    p.add_argument("--repeat", type=int, default=3,
                   help="timed runs per worker count; the best counts (default 3)")
    p.add_argument("--engine", default="auto", help="[run] engine (default auto)")
    args = p.parse_args(argv)
    model = aw.StripModel(args.size, args.size, 0.5, disorder=2.0)
    engine = args.engine
    if engine == "auto":
        engine = f"auto -> {aw.choose_engine(model)}"
    print(f"ensemble scaling: {args.size}x{args.size} strip, E=0.5, W=2, engine {engine}, "
          f"{args.per_worker} realisations per worker, chunk "
          f"{args.chunk or 'automatic'}, best of {args.repeat}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = measure((1, 2), args.size, args.per_worker, args.chunk, args.repeat, args.engine)
    serial, pool1 = rows[0]["rate"], rows[1]["rate"]
    print(f"{'run':>10s} {'chunk':>5s} {'realisations':>12s} {'time [s]':>9s} {'real/s':>8s} "
          f"{'median':>8s} {'speed-up':>8s} {'efficiency':>10s} {'main CPU [ms/real]':>18s} "
          f"{'pool start [s]':>14s}")
    for r in rows:
        eff = r["rate"] / (r["workers"] * pool1)
        print(f"{r['label']:>10s} {r['chunk']:5d} {r['realizations']:12d} {r['seconds']:9.2f} "
              f"{r['rate']:8.2f} {r['median_rate']:8.2f} {r['rate'] / serial:8.3f} "
              f"{eff:10.3f} {r['main_ms']:18.4f} {r['startup']:14.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return rows


if __name__ == "__main__":
    main()
