"""Heavier validation (``make validate``): the 2D symplectic and the 3D Anderson transitions,
and L_phi against Buttiker-probe dephasing.

Runs size ladders through the ensemble engine (resumable: results and checkpoints in
``validation/results``), measures <ln g>(W, L), fits one-parameter scaling in the form of
Slevin and Ohtsuki (PRL 82, 382 (1999); NJP 16, 015012 (2014)) and writes a markdown report
``validation/results/report.md`` with the critical disorder, nu and g_c, their bootstrap
95 % intervals and the run time.  References: SU(2) model at E = 1, W_c ~ 5.95,
nu ~ 2.73 (Asada, Slevin and Ohtsuki, PRL 89, 256601 (2002); PRB 70, 035115 (2004), from
the transfer-matrix Lambda of long bars); 3D Anderson model at E = 0, W_c = 16.54,
nu = 1.57 (Slevin and Ohtsuki 1999).

Sizes avoid lead subband thresholds at the chosen energy (for E = 1 and plain leads, widths
with W + 1 divisible by 3 put a threshold at E = 1 exactly; andersonwl refuses them).

The dephasing study sweeps the magnetoconductance of a spinless 40 x 40 strip (E = 1.05,
W = 3) at several probe couplings Gamma, fits HLN with one alpha for all curves and the law
1/L_phi^2 = 1/L_0^2 + Gamma/D_phi (:func:`andersonwl.analysis.fit_probe_series`), and
compares D_phi with D = v_F l / 2 from the mean free path.  Each curve is stored in
``validation/results`` as it finishes (a rerun skips finished curves).

Usage: python validation/validate.py [--realizations N] [--workers K]
       [--dephasing-realizations M] [--only su2|3d|cusps|dephasing]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

import andersonwl as aw
from andersonwl.analysis.fss import crossing_points, finite_size_scaling
from andersonwl.analysis.probe_series import fit_probe_series
from andersonwl.analysis.wl_fits import fit_sweep
from andersonwl.io import atomic_write_netcdf
from andersonwl.simulations.ladders import ladder_beta
from andersonwl.simulations.lifetimes import transport_lifetime

HERE = Path(__file__).resolve().parent
STUDIES = {
    "su2": dict(model=dict(length=[10, 12, 16, 22, 28], width="length", energy=1.0,
                           spin_orbit="su2", disorder=[5.2, 5.5, 5.8, 6.1, 6.4, 6.7]),
                reference="W_c ~ 5.95, nu ~ 2.73 (Asada, Slevin, Ohtsuki 2002/2004)",
                nu=2.7),
    "3d": dict(model=dict(length=[4, 6, 7, 9, 10], width="length", height="length",
                          energy=0.0, disorder=[15.0, 15.75, 16.5, 17.25, 18.0]),
               reference="W_c = 16.54, nu = 1.57 (Slevin and Ohtsuki 1999)", nu=1.5),
}


def study(name, realizations, workers, seed=2026):
    spec = STUDIES[name]
    out = HERE / "results" / f"{name}.nc"
    out.parent.mkdir(parents=True, exist_ok=True)
    exp = {"model": spec["model"], "ensemble": {"seed": seed, "realizations": realizations},
           "run": {"workers": workers}}
    t0 = time.perf_counter()
    ds = aw.run(exp, output=out, resume=out.with_name(out.name + ".parts").exists())
    elapsed = time.perf_counter() - t0
    beta = ladder_beta(ds, size="length", bootstrap=300)   # contact resistance removed
    lng = beta.ln_g.transpose("disorder", "length").values
    cross = crossing_points(beta.disorder.values, beta.length.values, lng)
    fit = finite_size_scaling(beta, variable="ln_g", parameter="disorder", size="length",
                              n_relevant=2, nu=spec["nu"], bootstrap=200)
    lines = [f"## {name}: {spec['reference']}", "",
             f"{ds.sizes['realization']} realisations per point; sizes "
             f"{list(map(int, ds.length.values))}; disorders {list(ds.disorder.values)}; "
             f"compute time {elapsed:.0f} s ({workers} worker(s)); <ln g> of the sample "
             "conductance g/(1 - g/N), contact resistance of the leads removed.", "",
             "| quantity | value | error | 95 % interval |", "|---|---|---|---|"]
    for k, v in fit.values.items():
        lo, hi = fit.intervals[k]
        lines.append(f"| {k} | {v:.4g} | {fit.errors[k]:.2g} | [{lo:.4g}, {hi:.4g}] |")
    lines += [f"| g_c = exp(q_c) | {math.exp(fit.values['q_c']):.3g} | | |", "",
              f"chi2 = {fit.chi2:.1f} for {fit.dof} degrees of freedom (p = {fit.p_value:.2g}).",
              "Crossings of <ln g>(W) of consecutive sizes: "
              + ", ".join(f"{int(a)}/{int(b)}: {c:.3f}" for a, b, c in cross), ""]
    return "\n".join(lines)


DEPHASING = dict(model=dict(length=40, width=40, energy=1.05, disorder=3.0),
                 dephasing=[0.0, 0.01, 0.02, 0.04, 0.08],
                 flux=list(np.geomspace(1e-4, 1.2e-3, 8)))   # below B_tr / 8 (l ~ 2.9)


def dephasing_study(realizations, workers, seed=2026):
    import xarray as xr
    model = aw.StripModel(**DEPHASING["model"])
    t0 = time.perf_counter()
    sweeps = []
    for gamma in DEPHASING["dephasing"]:
        out = HERE / "results" / f"dephasing_{gamma:g}_{realizations}.nc"
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            sweeps.append(xr.load_dataset(out))
            continue
        ds = aw.magnetoconductance(model.replace(dephasing=gamma), DEPHASING["flux"],
                                   realizations, seed=seed, workers=workers, symmetrize=False)
        atomic_write_netcdf(ds, out)
        sweeps.append(ds)
    fit = fit_probe_series(sweeps)
    life = transport_lifetime(model, realizations=100, seed=seed)
    diff, diff_err = life["v_f"] * life["l"] / 2, life["v_f"] * life["tau_tr_err"] * life["v_f"] / 2
    elapsed = time.perf_counter() - t0
    lines = ["## dephasing: L_phi against the probe coupling", "",
             f"{model.length} x {model.width} spinless strip, E = {model.energy}, "
             f"W = {model.disorder}; {realizations} realisations shared by all curves; "
             f"{len(DEPHASING['flux'])} fluxes up to {DEPHASING['flux'][-1]:.2g} h/e; "
             f"compute time {elapsed:.0f} s (curves already on disk are not recomputed).", "",
             "| dephasing | L_phi (a) | B_phi (h/e) | sqrt(D/Gamma) (a) | "
             "(1/L_0^2 + Gamma/D)^-1/2 (a) |", "|---|---|---|---|---|"]
    for g, lp, le, b, be in zip(fit.dephasing, fit.l_phi, fit.l_phi_err, fit.b_phi,
                                fit.b_phi_err):
        ideal = f"{math.sqrt(diff / g):.1f}" if g > 0 else "-"
        rates = f"{(fit.c0 + g / diff) ** -0.5:.1f}"
        lines.append(f"| {g:g} | {lp:.2f} +- {le:.2f} | {b:.3g} +- {be:.2g} | {ideal} | {rates} |")
    lines += ["", f"shared alpha = {fit.alpha:.3f} +- {fit.alpha_err:.3f} (spinless ideal 1/2); "
              f"1/L_phi^2 = c0 + Gamma/D_phi: L_0 = {fit.l_phi_0:.1f} a, "
              f"D_phi = {fit.diffusion:.2f} +- {fit.diffusion_err:.2f} t a^2/hbar "
              f"(chi2 = {fit.chi2:.2f}, dof = {fit.dof}); transport "
              f"D = v_F l / 2 = {diff:.2f} +- {diff_err:.2f} (l = {life['l']:.2f} a).", ""]
    return "\n".join(lines)


#: the documented 20 x 20 cusps of the three classes (docs/magnetoconductance.md)
CUSPS = dict(fluxes=list(np.geomspace(2.5e-4, 4e-3, 7)), seed=11, models={
    "AI": (dict(length=20, width=20, energy=0.9, disorder=3.0), 400, 0.5),
    "AII": (dict(length=20, width=20, energy=1.0, disorder=3.0, rashba=1.0), 250, -0.5),
    "A": (dict(length=20, width=20, energy=1.0, disorder=3.0, rashba=1.0, exchange=1.0), 150,
          0.0)})


def cusps_study(workers):
    """HLN fits of the 20 x 20 cusps, with the contact resistance removed and kept."""
    t0 = time.perf_counter()
    lines = ["## cusps: HLN alpha of 20 x 20 strips, contact resistance removed and kept", "",
             f"Fluxes {', '.join(f'{f:.3g}' for f in CUSPS['fluxes'])} h/e, seed "
             f"{CUSPS['seed']}; HLN fits of delta_sigma per square with the per-point errors "
             "(the fluxes share their realisations).", "",
             "| class | N | <g>/N | alpha (contact removed) | L_phi (a) | alpha (two-terminal) "
             "| L_phi (a) | ideal alpha |", "|---|---|---|---|---|---|---|---|"]
    for cls, (fields, n, ideal) in CUSPS["models"].items():
        row = []
        for remove in (True, False):
            ds = aw.magnetoconductance(aw.StripModel(**fields), CUSPS["fluxes"], n,
                                       seed=CUSPS["seed"], workers=workers,
                                       remove_contact=remove)
            fit = fit_sweep(ds, "hln")
            row += [f"{fit.values['alpha']:+.2f} +- {fit.errors['alpha']:.2f}",
                    f"{fit.values['l_phi']:.1f} +- {fit.errors['l_phi']:.1f}"]
        ratio = float(ds["mean"][0]) / float(ds["open_channels"][0])
        lines.append(f"| {cls} | {n} | {ratio:.2f} | {' | '.join(row)} | {ideal:+.1f} |")
    lines += ["", f"compute time {time.perf_counter() - t0:.0f} s.", ""]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--realizations", type=int, default=1000)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--dephasing-realizations", type=int, default=200)
    p.add_argument("--only", choices=sorted(STUDIES) + ["dephasing", "cusps"], default=None)
    args = p.parse_args(argv)
    names = [args.only] if args.only else list(STUDIES) + ["cusps", "dephasing"]
    report = ["# andersonwl validation report", ""]
    for name in names:
        if name == "dephasing":
            report.append(dephasing_study(args.dephasing_realizations, args.workers))
        elif name == "cusps":
            report.append(cusps_study(args.workers))
        else:
            report.append(study(name, args.realizations, args.workers))
        print(report[-1], flush=True)
    (HERE / "results" / "report.md").write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
