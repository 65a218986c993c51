"""Heavier validation (``make validate``): the 2D symplectic and the 3D Anderson transitions.

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

Usage: python validation/validate.py [--realizations N] [--workers K] [--only su2|3d]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

import andersonwl as aw
from andersonwl.scaling import beta_function, crossing_points, finite_size_scaling

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
    beta = beta_function(ds, size="length", bootstrap=300)
    lng = beta.ln_g.transpose("disorder", "length").values
    cross = crossing_points(beta.disorder.values, beta.length.values, lng)
    fit = finite_size_scaling(beta, variable="ln_g", parameter="disorder", size="length",
                              n_relevant=2, nu=spec["nu"], bootstrap=200)
    lines = [f"## {name}: {spec['reference']}", "",
             f"{ds.sizes['realization']} realisations per point; sizes "
             f"{list(map(int, ds.length.values))}; disorders {list(ds.disorder.values)}; "
             f"compute time {elapsed:.0f} s ({workers} worker(s)).", "",
             "| quantity | value | error | 95 % interval |", "|---|---|---|---|"]
    for k, v in fit.values.items():
        lo, hi = fit.intervals[k]
        lines.append(f"| {k} | {v:.4g} | {fit.errors[k]:.2g} | [{lo:.4g}, {hi:.4g}] |")
    lines += [f"| g_c = exp(q_c) | {math.exp(fit.values['q_c']):.3g} | | |", "",
              f"chi2 = {fit.chi2:.1f} for {fit.dof} degrees of freedom (p = {fit.p_value:.2g}).",
              "Crossings of <ln g>(W) of consecutive sizes: "
              + ", ".join(f"{int(a)}/{int(b)}: {c:.3f}" for a, b, c in cross), ""]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--realizations", type=int, default=1000)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--only", choices=sorted(STUDIES), default=None)
    args = p.parse_args(argv)
    names = [args.only] if args.only else list(STUDIES)
    report = ["# andersonwl validation report", ""]
    for name in names:
        report.append(study(name, args.realizations, args.workers))
        print(report[-1], flush=True)
    (HERE / "results" / "report.md").write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
