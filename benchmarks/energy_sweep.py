"""An energy sweep of one realisation against separate runs at each energy, in one run.

    .venv/bin/python benchmarks/energy_sweep.py [--length 60] [--width 30]
        [--energies 41] [--realizations 4] [--repeat 3]

A length x width strip (box disorder W = 2, spinless) at ``--energies``
Fermi energies in [0.3, 0.9] (a window of a thermal average):

* ``separate``: :func:`andersonwl.engines.rgf.conductance_rgf` once per energy;
* ``sweep``: :func:`andersonwl.engines.rgf.conductance_vs_energy`, the
  sample, column gauge and slice blocks built once per realisation.

Both run ``--realizations`` realisations, with a cold lead cache (first
realisation: the lead modes of every energy computed) and warm (the lead
self-energies cached, as in an ensemble after its first realisation); the
best of ``--repeat`` alternating runs counts.  The values agree to rounding
(the largest difference is printed).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import andersonwl as aw
from andersonwl.engines.leads import clear_lead_cache
from andersonwl.engines.rgf import conductance_rgf, conductance_vs_energy

__all__ = ["measure", "main"]


def _separate(model, energies, seeds):
    return np.array([[conductance_rgf(model.replace(energy=float(e)), s) for e in energies]
                     for s in seeds])


def _sweep(model, energies, seeds):
    return np.array([conductance_vs_energy(model, energies, s) for s in seeds])


def measure(length=60, width=30, n_energies=41, realizations=4, repeat=3):
    """Best times of both ways, cold and warm lead cache; the largest difference of g."""
    model = aw.StripModel(length, width, 0.5, disorder=2.0)
    energies = np.linspace(0.3, 0.9, n_energies)
    seeds = list(range(1, realizations + 1))
    times = {(way, cache): [] for way in ("separate", "sweep") for cache in ("cold", "warm")}
    diff = 0.0
    for _ in range(repeat):
        for way, fn in (("separate", _separate), ("sweep", _sweep)):
            clear_lead_cache()
            t0 = time.perf_counter()
            g = fn(model, energies, seeds)
            times[way, "cold"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            g2 = fn(model, energies, seeds)
            times[way, "warm"].append(time.perf_counter() - t0)
            if way == "separate":
                ref = g
            else:
                diff = max(diff, float(np.max(np.abs(g - ref))), float(np.max(np.abs(g2 - ref))))
    return {k: min(v) for k, v in times.items()}, diff


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--length", type=int, default=60)
    p.add_argument("--width", type=int, default=30)
    p.add_argument("--energies", type=int, default=41)
    p.add_argument("--realizations", type=int, default=4)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    best, diff = measure(args.length, args.width, args.energies, args.realizations,
                         args.repeat)
    print(f"energy sweep: {args.length}x{args.width} strip, W=2, {args.energies} energies in "
          f"[0.3, 0.9], {args.realizations} realisations, best of {args.repeat}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print("| lead cache | separate [s] | sweep [s] | separate / sweep |")
    print("|---|---|---|---|")
    for cache in ("cold", "warm"):
        a, b = best["separate", cache], best["sweep", cache]
        print(f"| {cache} | {a:.3f} | {b:.3f} | {a / b:.2f} |")
    print(f"largest |g_sweep - g_separate| = {diff:.1e}")
    return best, diff


if __name__ == "__main__":
    main()
