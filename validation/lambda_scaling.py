"""Metal-insulator transitions from transfer-matrix ladders: Lambda(M, W), scaling fit.

    .venv/bin/python validation/lambda_scaling.py su2 [--precision 0.005] [--sizes 8 12 16 24]
    .venv/bin/python validation/lambda_scaling.py 3d  [--precision 0.003] [--sizes 4 6 8 10]
    ... [--scheduler tcp://host:8786]     (a Dask cluster instead of the local pool)

Writes the experiment file and the dataset to ``validation/results/lambda_<system>.{toml,nc}``
and runs it with :func:`andersonwl.run` (``resume=True``: a killed run continues where it
stopped, bitwise identical), then fits one-parameter scaling with irrelevant corrections to
ln Lambda (:func:`andersonwl.analysis.fss.select_orders`: expansion orders chosen by the
chi^2 p-value and checked for stability, bootstrap intervals) and, as a model-free cross-check,
the Houdayer-Hartmann collapse quality.  Prints a markdown table against the published values:

* ``su2``: the 2D SU(2) model at E = 1, periodic boundaries (Asada, Slevin and Ohtsuki,
  PRL 89, 256601 (2002); PRB 70, 035115 (2004)): W_c = 5.952, nu = 2.746 +- 0.009,
  Lambda_c = 1.844;
* ``3d``: the 3D Anderson model at E = 0, periodic boundaries (Slevin and Ohtsuki, PRL 82, 382
  (1999): W_c = 16.54, nu = 1.57; Rodriguez et al., PRB 84, 134209 (2011): W_c = 16.530,
  nu = 1.590, Lambda_c = 0.576).

Each grid point stops at the target relative error ``--precision`` of Lambda (the ensemble's
``rel_stderr`` rule on the mean Lyapunov exponent of independent segments).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import andersonwl as aw

RESULTS = Path(__file__).parent / "results"
SYSTEMS = {
    "su2": dict(model={"energy": 1.0, "spin_orbit": "su2"},
                disorders=[5.6, 5.7, 5.8, 5.9, 6.0, 6.1, 6.2, 6.3],
                sizes=[8, 12, 16, 24], length=20_000,
                published=dict(critical=5.952, nu=2.746, Lambda_c=1.844),
                refs="Asada, Slevin, Ohtsuki 2004"),
    "3d": dict(model={"energy": 0.0, "height": "width"},
               disorders=[15.5, 16.0, 16.25, 16.5, 16.75, 17.0, 17.5],
               sizes=[4, 6, 8, 10], length=5_000,
               published=dict(critical=16.54, nu=1.57, Lambda_c=0.576),
               refs="Slevin, Ohtsuki 1999; Rodriguez et al. 2011"),
}


def experiment(system, sizes, precision, max_realizations):
    spec = SYSTEMS[system]
    return {
        "model": {"length": spec["length"], "width": sizes, "disorder": spec["disorders"],
                  **spec["model"]},
        "ensemble": {"seed": 20261202, "rel_stderr": precision, "min_realizations": 8,
                     "max_realizations": max_realizations, "batch": 8},
        "run": {"observable": "lambda", "boundary": "periodic"},
    }


def _toml(exp):
    lines = []
    for table, values in exp.items():
        lines.append(f"[{table}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    from andersonwl.analysis.fss import collapse_quality, select_orders
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("system", choices=sorted(SYSTEMS))
    p.add_argument("--precision", type=float, default=0.005)
    p.add_argument("--sizes", type=int, nargs="+")
    p.add_argument("--max-realizations", type=int, default=4000)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--scheduler", default=None, help="address of a Dask scheduler")
    p.add_argument("--bootstrap", type=int, default=200)
    args = p.parse_args(argv)
    spec = SYSTEMS[args.system]
    sizes = args.sizes or spec["sizes"]
    exp = experiment(args.system, sizes, args.precision, args.max_realizations)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"lambda_{args.system}"
    stem.with_suffix(".toml").write_text(_toml(exp))
    t0 = time.perf_counter()
    client = None
    if args.scheduler:
        import distributed
        client = distributed.Client(args.scheduler)
    ds = aw.run(str(stem.with_suffix(".toml")), client, output=stem.with_suffix(".nc"),
                resume=True, workers=args.workers, progress=True)
    seconds = time.perf_counter() - t0
    ds = ds.rename(width="size")
    ds["ln_Lambda"] = np.log(ds["Lambda"])
    ds["ln_Lambda_err"] = ds["Lambda_err"] / ds["Lambda"]
    pub = spec["published"]
    sel = select_orders(ds, variable="ln_Lambda", parameter="disorder", size="size",
                        bootstrap=args.bootstrap, critical=pub["critical"], nu=pub["nu"])
    fit = sel.chosen
    hh = collapse_quality(ds, variable="ln_Lambda", parameter="disorder", size="size",
                          critical=fit.values["critical"], nu=fit.values["nu"])
    columns = int((ds["count"] * spec["length"]).sum())
    print(f"\n{args.system}: sizes {sizes}, disorders {spec['disorders']}, target relative "
          f"error {args.precision}, {columns:.3g} columns in {seconds:.0f} s")
    print(sel.summary())
    print("\n| quantity | fit | 95 % interval | published | deviation |")
    print("|---|---|---|---|---|")
    for key, name in (("critical", "W_c"), ("nu", "nu")):
        v, (lo, hi) = fit.values[key], fit.intervals[key]
        print(f"| {name} | {v:.4g} +- {fit.errors[key]:.2g} | [{lo:.4g}, {hi:.4g}] | "
              f"{pub[key]} | {100 * (v / pub[key] - 1):+.2f} % |")
    lc = float(np.exp(fit.values["q_c"]))
    dev = 100 * (lc / pub["Lambda_c"] - 1)
    print(f"| Lambda_c | {lc:.4g} | | {pub['Lambda_c']} | {dev:+.2f} % |")
    print(f"\norders {sel.orders}, chi2/dof = {fit.chi2:.1f}/{fit.dof}, p = {fit.p_value:.3g}, "
          f"stable: {sel.stable}; Houdayer-Hartmann S at the fit = {hh:.3g} ({spec['refs']})")
    print("\nLambda (rows: disorder; columns: M):")
    lam = ds["Lambda"].transpose("disorder", "size")
    err = ds["Lambda_err"].transpose("disorder", "size")
    for i, w in enumerate(ds["disorder"].values):
        cells = " ".join(f"{lam.values[i, j]:.4f}({1e4 * err.values[i, j]:.0f})"
                         for j in range(lam.shape[1]))
        print(f"  W = {w:6.3f}: {cells}")


if __name__ == "__main__":
    main()
