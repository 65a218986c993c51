"""Graphene ribbons: the magnetoconductance cusp as the range of the disorder grows.

    .venv/bin/python validation/graphene.py [--realizations 384] [--workers 2]

Short-range (white-noise) disorder scatters between the valleys K and K' and gives weak
localization; a smooth Gaussian-correlated potential (correlation length xi of a lattice
constant and more) does not, and the cusp of each valley alone is set by its own symmetry
(McCann et al., PRL 97, 146805 (2006)).  In a ribbon the edges take part: zigzag edges keep
the valleys apart but leave one valley with one more right-mover than the other (no
per-valley time reversal: the correction vanishes, a flat cusp, and a perfectly conducting
channel, Wakabayashi, Takane and Sigrist, PRL 99, 036601 (2007)); armchair edges mix the
valleys and restore weak localization whatever the bulk disorder.

For each ribbon (zigzag and armchair, about 40 a wide and 30 a long, E between two subband
thresholds of the clean ribbon, so that no channel opens or closes across the sweep: checked)
and each xi: the cusp delta_sigma at 0.25 ... 1.5 flux quanta through the sample, 384
realisations, contact resistance removed, the same disorder at every flux; the disorder
amplitude falls with xi to keep <g> comparable.  Beside the cusp:

* the intervalley fraction of the transmission (zigzag, whose lead modes carry a valley:
  :func:`andersonwl.honeycomb.valley_mixing`, 16 realisations), and the intervalley length
  L_i from the relaxation of the valley polarisation along ribbons of 8 to 48 a
  (:func:`andersonwl.honeycomb.intervalley_length`, 16 realisations);
* the same cusp with the contact resistance removed from the ensemble means
  (``delta_sigma_ensemble``: the realisation-by-realisation removal turns the change of
  var g with field into a shift of its own when the fluctuations are large against N - g,
  as they are for smooth disorder) and the two-terminal delta_g with its z = value/error;
* a spinful white-noise zigzag ribbon with Rashba coupling alpha = 1 (class AII);
* an HLN fit with free alpha (alpha > 0: weak localization, 0: no correction, < 0: WAL);
  for the Rashba row HLN with spin-orbit relaxation (``hln-so``, free prefactor A: L_phi, L_so);
* a McCann fit of L_i, L_star and the prefactor A with L_phi fixed to the white-noise HLN
  value (a coherent sample: L_phi is set by its size, the same for every xi); A = 1/2 for a
  spinless 2D sample (McCann's e^2/(pi h) counts the spin), and a ribbon of a few channels
  is far from it; a free three-length fit of five points of a finite-size cusp is
  degenerate.  Lengths in lattice constants a; the field is
  the flux per hexagon / (sqrt(3)/2), h/e per a^2.

Prints a markdown table (recorded in docs/validation.md).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import optimize

import andersonwl as aw
from andersonwl.analysis.wl_formulas import mccann
from andersonwl.honeycomb import between_thresholds, intervalley_length, valley_mixing

QUANTA = np.array([0.125, 0.25, 0.5, 1.0, 1.5])     # flux quanta through the sample
#: (xi, W): the amplitude falls with xi so that <g> stays between about 4 and 5
CASES = [(0.0, 1.0), (0.5, 0.9), (1.0, 0.8), (2.0, 0.6), (3.0, 0.5)]
RIBBONS = {"zigzag": (48, 32), "armchair": (80, 18)}
#: ribbon lengths of the valley-relaxation fit of L_i (zigzag)
LI_LENGTHS = (8, 16, 24, 32, 48)
#: Rashba couplings of the spinful white-noise zigzag ribbon (class AII: antilocalization)
SPIN_ORBIT = (1.0,)


def cusp(lattice, width, length, energy, xi, disorder, realizations, workers, rashba=0.0):
    kind = "gaussian" if xi > 0 else "box"
    rashba = float(rashba)
    model = aw.StripModel(length, width, energy, lattice=lattice, disorder=disorder,
                          correlation_length=xi, disorder_kind=kind, rashba=rashba)
    fluxes = QUANTA / (length * width)        # the sample has length x width hexagons
    ds = aw.magnetoconductance(model, fluxes, realizations, seed=20261202,
                               symmetrize=False, workers=workers)
    channels = set(ds.open_channels.values.tolist())
    if len(channels) != 1:
        raise RuntimeError(f"{lattice}: open channels change across the sweep {channels}")
    field = ds.flux.values[1:] / (math.sqrt(3) / 2)
    y, err = ds.delta_sigma.values[1:], ds.delta_sigma_err.values[1:]
    if rashba:      # antilocalization: HLN with spin-orbit relaxation, free prefactor
        hln = aw.fit_magnetoconductance(field, y, model="hln-so", sigma_err=err,
                                        free_prefactor=True)
    else:
        hln = aw.fit_magnetoconductance(field, y, model="hln", sigma_err=err)
    inter = l_i = None
    if lattice == "zigzag":
        parts = np.array([valley_mixing(model, s) for s in range(16)])
        inter = parts[:, 0].sum() / parts[:, 1].sum()
        l_i = intervalley_length(model, LI_LENGTHS, 16, seed=20261202)[:2]
    g0 = ds.conductance.isel(flux=0)
    return {"g": float(g0.mean()), "var": float(g0.var(ddof=1)), "N": channels.pop(),
            "field": field, "ds": y, "err": err, "hln": hln, "inter": inter, "l_i": l_i,
            "ens": ds.delta_sigma_ensemble.values[1:], "ens_err":
            ds.delta_sigma_ensemble_err.values[1:], "dg": ds.delta_g.values[1:],
            "dg_err": ds.delta_g_err.values[1:]}


def mccann_fixed_phi(field, y, err, l_phi):
    """Fit ln B_i, ln B_star and the prefactor A of McCann with L_phi fixed; lengths, errors, A."""
    b_phi = 1.0 / (8 * math.pi * l_phi**2)           # B_x = hbar/(4 e L^2): h/e per a^2

    def res(theta):
        return (mccann(field, b_phi, math.exp(theta[0]), math.exp(theta[1]), theta[2])
                - y) / err

    best = None
    for t0 in np.linspace(-12, 2, 8):
        for t1 in np.linspace(-12, 2, 8):
            r = optimize.least_squares(res, [t0, t1, 0.5], bounds=([-25, -25, 0], [8, 8, 50]))
            if best is None or r.cost < best.cost:
                best = r
    jac = best.jac
    cov = np.linalg.pinv(jac.T @ jac)
    lengths = [1.0 / math.sqrt(8 * math.pi * math.exp(t)) for t in best.x[:2]]
    # L = (8 pi B)^(-1/2): d ln L = -d ln B / 2
    errors = [lv * 0.5 * math.sqrt(max(cov[k, k], 0.0)) for k, lv in enumerate(lengths)]
    return lengths, errors, (best.x[2], math.sqrt(max(cov[2, 2], 0.0)))


def _pm(v, e, digits=3):
    return f"{v:.{digits}f} ± {e:.{digits}f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--realizations", type=int, default=384)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=("all", "spinless", "rashba"), default="all",
                    help="which rows to compute (default all)")
    args = ap.parse_args(argv)
    print("| ribbon | E | N | xi (a) | W | <g> | var g | intervalley | L_i (a) | dsigma(0.5 q) | "
          "dsigma(1 q) | dsigma(1.5 q) | dsigma_ens(1 q) | delta_g(1 q) (z) | HLN alpha | "
          "HLN L_phi (a) | McCann A | McCann L_i (a) | McCann L_star (a) | time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    runs = [] if args.only == "rashba" else [
        (lattice, width, length, xi, disorder, 0.0)
        for lattice, (width, length) in RIBBONS.items() for xi, disorder in CASES]
    if args.only != "spinless":
        runs += [("zigzag", 48, 32, 0.0, 1.0, alpha) for alpha in SPIN_ORBIT]
    l_phis = {}
    for lattice, width, length, xi, disorder, alpha in runs:
        energy = between_thresholds(lattice, width, 0.28, 0.45, alpha)
        t0 = time.perf_counter()
        r = cusp(lattice, width, length, energy, xi, disorder, args.realizations,
                 args.workers, alpha)
        hln = r["hln"]
        degenerate = not all(math.isfinite(v) for v in hln.errors.values())
        if alpha:
            mc = ("- | L_so = " + ("degenerate" if degenerate else
                                   f"{hln.values['l_so']:.3g} ± {hln.errors['l_so']:.2g}")
                  + " (hln-so) | - |")
        else:
            # L_phi of the white-noise sample of this ribbon without spin-orbit coupling
            l_phi = l_phis.setdefault(lattice, hln.values["l_phi"])
            (li, ls), (ei, es), (amp, eamp) = mccann_fixed_phi(r["field"], r["ds"], r["err"],
                                                                l_phi)
            mc = f"{_pm(amp, eamp, 2)} | {li:.3g} ± {ei:.2g} | {ls:.3g} ± {es:.2g} |"
        ds, err = r["ds"], r["err"]
        inter = "-" if r["inter"] is None else f"{r['inter']:.3f}"
        l_i = "-" if r["l_i"] is None else f"{r['l_i'][0]:.3g} ± {r['l_i'][1]:.2g}"
        name = f"{lattice} {width} x {length}" + (f", alpha = {alpha:g}" if alpha else "")
        print(f"| {name} | {energy:.4f} | {r['N']} | {xi:g} | "
              f"{disorder:g} | {r['g']:.2f} | {r['var']:.3f} | {inter} | {l_i} | "
              f"{_pm(ds[2], err[2])} | {_pm(ds[3], err[3])} | {_pm(ds[4], err[4])} | "
              f"{_pm(r['ens'][3], r['ens_err'][3])} | "
              f"{r['dg'][3]:+.4f} ({r['dg'][3] / r['dg_err'][3]:+.1f}) | "
              + ("degenerate (infinite errors) | - | " if degenerate else
                 f"{_pm(hln.values['alpha'], hln.errors['alpha'], 2)} | "
                 f"{hln.values['l_phi']:.3g} | ")
              + f"{mc} "
              f"{time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
