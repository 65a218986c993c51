"""Fano factor and conductance variance of the three classes against their universal values.

    .venv/bin/python validation/transmission.py [--realizations 400] [--workers 2]

Quasi-1D strips (L = 3 W, E = 0.5, box disorder W_dis) of the three classes:
spinless (AI), weak flux (A), Rashba alpha = 0.6 and the SU(2) model (AII), at
two disorders, with
:func:`andersonwl.transmission_statistics` and
:func:`andersonwl.simulations.transmission_report`.  Prints a markdown table:
F against 1/3 (Beenakker and Buttiker 1992), var g against the quasi-1D
universal value (2/15 for AI and for AII summed over a Kramers pair, 1/15 for
A; Beenakker RMP 69, 731 (1997)), and L/l, L/xi (Born l; the xi estimate
(beta N + 2 - beta) l*) that say how far each sample is from the limit.
"""

from __future__ import annotations

import argparse
import time

import andersonwl as aw
from andersonwl.simulations import transmission_report

CASES = [("AI", {}), ("A", {"flux": 0.003}), ("AII", {"rashba": 0.6}),
         ("AII", {"spin_orbit": "su2"})]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--realizations", type=int, default=400)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--width", type=int, default=20)
    args = p.parse_args(argv)
    w = args.width
    print(f"{3 * w} x {w} strips, E = 0.5, {args.realizations} realisations each")
    print("| model | class | W | <g>/d | F | var g | universal | ratio | L/l | L/xi | regime "
          "| s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for disorder in (1.5, 2.0):
        for name, kw in CASES:
            t0 = time.perf_counter()
            model = aw.StripModel(3 * w, w, 0.5, disorder=disorder, **kw)
            ds = aw.transmission_statistics(model, args.realizations, seed=2026,
                                            workers=args.workers)
            rep = transmission_report(ds)
            u, f, d = rep["ucf"], rep["fano"], rep["depth"]
            label = ", ".join(f"{k} = {v}" for k, v in kw.items()) or "spinless"
            print(f"| {label} | {rep['symmetry_class']} | {disorder} | "
                  f"{rep['conductance_per_sector']:.3f} "
                  f"| {f.value:.4f} +- {f.stderr:.4f} | {u.variance:.4f} +- "
                  f"{u.variance_err:.4f} | {u.universal:.4f} | {u.ratio:.2f} +- "
                  f"{u.ratio_err:.2f} | {d.length_over_mfp:.3g} | {d.length_over_xi:.3g} | "
                  f"{d.verdict} | {time.perf_counter() - t0:.0f} |", flush=True)
            assert name == rep["symmetry_class"], (name, rep["symmetry_class"])


if __name__ == "__main__":
    main()
