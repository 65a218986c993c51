"""Conductance engines side by side: RGF, ``conductance(engine="kwant")``, plain Kwant.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/engines.py [--reps 3] [--quick] [--wide 400 600]

For every geometry (length L x width W, E = 0.5, box disorder W_dis = 2) the
same realisations are computed by

* ``rgf``: :func:`andersonwl.engines.rgf.conductance_rgf` (``engine="rgf"``);
* ``kwant``: ``andersonwl.conductance(model, seed, engine="kwant")`` (MUMPS,
  lead modes precalculated once, only the t block);
* ``tutorial``: Kwant used directly as its tutorials do: the system is built
  and finalised once (``andersonwl.make_system``), then every realisation is
  ``kwant.smatrix(fsyst, E, params=params).transmission(1, 0)``.

Times are the median over ``--reps`` seeds (``--wide-reps`` for the wide
strips) after one warm-up call (which builds the Kwant system and the lead
modes); the table gives seconds per realisation and the ratios to RGF, and
checks that the three engines agree.
The wide strips locate the slice size at which MUMPS overtakes RGF, the
constant ``andersonwl.transport.RGF_MAX_ORBITALS`` used by ``engine="auto"``.
A length scan line compares :func:`andersonwl.conductance_vs_length` over all
prefixes and over 10 prefixes with one sample of the longest length.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import kwant  # noqa: E402
import numpy as np  # noqa: E402

import andersonwl as aw  # noqa: E402
from andersonwl.engines.rgf import conductance_rgf, conductance_vs_length  # noqa: E402

__all__ = ["CASES", "time_engines", "time_scan", "main"]

# (label, length, width, extra model keywords)
CASES = [
    ("50x50", 50, 50, {}),
    ("100x100", 100, 100, {}),
    ("100x200", 100, 200, {}),
    ("Rashba 100x100", 100, 100, dict(rashba=0.5)),
]


def _median_time(fn, seeds):
    fn(seeds[0] + 10_000)                      # warm-up: system, lead modes, caches
    times, values = [], []
    for s in seeds:
        t0 = time.perf_counter()
        values.append(fn(s))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), values


def time_engines(model, reps=3):
    """Seconds per realisation of the three engines and their largest relative disagreement."""
    seeds = list(range(1, reps + 1))
    fsyst = aw.make_system(model)

    def tutorial(seed):
        return kwant.smatrix(fsyst, model.energy,
                             params=aw.kwant_params(model, seed)).transmission(1, 0)

    out = {}
    for name, fn in [("rgf", lambda s: conductance_rgf(model, s)),
                     ("kwant", lambda s: aw.conductance(model, s, engine="kwant")),
                     ("tutorial", tutorial)]:
        out[name] = _median_time(fn, seeds)
    ref = np.array(out["kwant"][1])
    dev = max(np.max(np.abs(np.array(v) - ref) / ref) for _, v in out.values())
    return {k: v[0] for k, v in out.items()}, dev


def time_scan(model, reps=3):
    """Cost of length scans relative to one sample of the longest length."""
    seeds = list(range(1, reps + 1))
    single, _ = _median_time(lambda s: conductance_rgf(model, s), seeds)
    every, _ = _median_time(lambda s: conductance_vs_length(model, None, s), seeds)
    ten = np.unique(np.linspace(1, model.length, 10).astype(int))
    some, _ = _median_time(lambda s: conductance_vs_length(model, ten, s), seeds)
    return single, every / single, some / single


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="realisations per engine")
    parser.add_argument("--quick", action="store_true", help="skip the wide strips")
    parser.add_argument("--wide", type=int, nargs="*", default=[400, 600],
                        help="widths of the wide spinless strips (length 100)")
    parser.add_argument("--wide-reps", type=int, default=1,
                        help="realisations per engine for the wide strips")
    args = parser.parse_args(argv)
    cases = [c + (args.reps,) for c in CASES]
    if not args.quick:
        cases += [(f"100x{w}", 100, w, {}, args.wide_reps) for w in args.wide]
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, E = 0.5, W_dis = 2, "
          f"median of {args.reps} realisations; times in s per realisation")
    head = (f"{'case (L x W)':>16} {'n':>5} {'rgf':>8} {'kwant':>8} {'tutorial':>8} "
            f"{'kwant/rgf':>9} {'tut/rgf':>8} {'max rel dev':>11}")
    print(head)
    print("-" * len(head))
    for label, length, width, kw, reps in cases:
        model = aw.StripModel(length, width, 0.5, disorder=2.0, **kw)
        t, dev = time_engines(model, reps)
        n = width * model.norbs
        print(f"{label:>16} {n:>5} {t['rgf']:8.4f} {t['kwant']:8.4f} {t['tutorial']:8.4f} "
              f"{t['kwant'] / t['rgf']:9.2f} {t['tutorial'] / t['rgf']:8.2f} {dev:11.1e}",
              flush=True)
    model = aw.StripModel(100, 100, 0.5, disorder=2.0)
    single, every, some = time_scan(model, args.reps)
    print(f"\nlength scan 100x100: one sample {single:.4f} s; all 100 prefix lengths "
          f"{every:.2f}x, 10 prefix lengths {some:.2f}x one sample")
    print(f"engine='auto' uses RGF up to n = width * norbs = "
          f"{aw.engines.RGF_MAX_ORBITALS} slice orbitals")


if __name__ == "__main__":
    main()
