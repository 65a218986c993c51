"""Bookkeeping of the ensemble engine against the number of chunks, side by side in one run.

Runs a 1 x 1 strip (each realisation costs microseconds) in this process with one
realisation per chunk, for 10,000 and 100,000 chunks (``--chunks``), and prints the time per
chunk and the ratio of the totals to the ratio of the chunk counts: about 1 for a planner
and collector linear in the number of chunks (a quadratic one took 76 s for 16,000 chunks).

    python benchmarks/planner.py [--chunks 10000 100000]
"""

from __future__ import annotations

import argparse
import time

import andersonwl as aw


def seconds(n_chunks: int) -> float:
    exp = {"model": dict(length=1, width=1, energy=0.5, disorder=1.0),
           "ensemble": dict(seed=1, realizations=n_chunks), "run": dict(chunk=1)}
    t0 = time.perf_counter()
    ds = aw.run(exp, workers=1, progress=False)
    assert int(ds["count"]) == n_chunks
    return time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000])
    args = p.parse_args(argv)
    rows = [(n, seconds(n)) for n in args.chunks]
    print("| chunks | total s | microseconds per chunk | total / first total | chunks / first |")
    print("|---|---|---|---|---|")
    n0, t0 = rows[0]
    for n, t in rows:
        print(f"| {n} | {t:.2f} | {1e6 * t / n:.0f} | {t / t0:.2f} | {n / n0:.0f} |")


if __name__ == "__main__":
    main()
