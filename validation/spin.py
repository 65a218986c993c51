"""Spin relaxation length from spin-resolved transport, against D'yakonov-Perel and ILP.

    .venv/bin/python validation/spin.py [--realizations 200] [--cusp-realizations 800]

For each Rashba coupling alpha: a Rashba strip of width ``--width`` between
spin-conserving normal leads (E = 1.2, box disorder 3, the parameters of
notebook 02), P(L) along a length scan with the spin along y
(:func:`andersonwl.simulations.spin_relaxation`), a fit of the
spin-diffusion form (L/L_s)/sinh(L/L_s) with a jackknife error, and beside it

* the D'yakonov-Perel length 1/alpha (lattice, alpha l << 1, wide strip);
* the L_so of an ILP fit (free prefactor) of the magnetoconductance of the
  same model on an L x L square (``--cusp-size``), with the sample's leads,
  which is L_s for the in-plane spin in the same theory.

Prints a markdown table (recorded in docs/validation.md) and the P(L) data.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import andersonwl as aw
from andersonwl.simulations import spin_relaxation, spin_relaxation_report

ENERGY, DISORDER = 1.2, 3.0
X = np.array([0.1, 0.2, 0.4, 0.8, 1.6, 3.2])   # flux x L^2 (notebook 02)


def ilp_l_so(model, size, realizations, workers):
    m = model.replace(length=size, width=size, leads="sample")
    ds = aw.magnetoconductance(m, X / size**2, realizations, seed=1, symmetrize=False,
                               workers=workers)
    fit = aw.fit_magnetoconductance(ds.flux.values[1:], ds.delta_sigma.values[1:],
                                    model="ilp", sigma_err=ds.delta_sigma_err.values[1:],
                                    free_prefactor=True)
    return fit.values["l_so"], fit.errors["l_so"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--realizations", type=int, default=200)
    p.add_argument("--cusp-realizations", type=int, default=800)
    p.add_argument("--cusp-size", type=int, default=32)
    p.add_argument("--width", type=int, default=48)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rashba", type=float, nargs="+", default=[0.1, 0.15, 0.2, 0.3])
    args = p.parse_args(argv)
    print(f"E = {ENERGY}, W = {DISORDER}, strips of width {args.width}, normal leads, spin "
          f"along y, {args.realizations} realisations; ILP on {args.cusp_size}^2 squares, "
          f"{args.cusp_realizations} realisations")
    rows = []
    for a in args.rashba:
        t0 = time.perf_counter()
        model = aw.StripModel(1, args.width, ENERGY, disorder=DISORDER, rashba=a,
                              leads="normal")
        top = int(np.ceil(5 / a))
        lengths = np.unique(np.linspace(2, top, 12).round().astype(int))
        ds = spin_relaxation(model, lengths, args.realizations, seed=7, axis="y",
                             workers=args.workers)
        l_so, l_so_err = ilp_l_so(model, args.cusp_size, args.cusp_realizations,
                                  args.workers)
        rep = spin_relaxation_report(ds, ilp_l_so=l_so)
        fit, v = rep["fit"], rep["validity"]
        rows.append((a, fit.spin_relaxation_length,
                     np.hypot(fit.spin_relaxation_length_err, rep["systematic"] or 0), l_so,
                     l_so_err, 1 / a, rep["mean_free_path"], v, fit,
                     time.perf_counter() - t0))
        print(f"alpha = {a}: {rep['text']}; ILP L_so = {l_so:.3g} +- {l_so_err:.2g}",
              flush=True)
        print("  L =", " ".join(f"{x:d}" for x in fit.lengths.astype(int)))
        print("  P =", " ".join(f"{x:.3f}" for x in fit.polarization))
    print()
    print("L_s error: statistical (jackknife) and systematic (longer half of the lengths) "
          "combined")
    print("| alpha | L_s (P(L), spin y) | ILP L_so | 1/alpha (DP) | L_s alpha | L_so alpha "
          "| l | alpha l | width/L_s | chi2/dof | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for a, ls, ls_err, lso, lso_err, dp, mfp, v, fit, sec in rows:
        print(f"| {a} | {ls:.2f} +- {ls_err:.2f} | {lso:.2f} +- {lso_err:.2f} | {dp:.2f} | "
              f"{ls * a:.2f} | {lso * a:.2f} | {mfp:.2f} | {v['alpha_l']:.2f} | "
              f"{v['width_over_spin_length']:.1f} | {fit.chi2:.1f}/{fit.dof} | {sec:.0f} |")


if __name__ == "__main__":
    main()
