"""The main job: the three Wigner-Dyson classes compared in one run.

``andersonwl demo [--out DIR] [--quick]`` (and ``make demo``) computes, for the
orthogonal (AI), symplectic (AII) and unitary (A) classes:

1. magnetoconductance cusps delta_g(flux) with HLN fits (alpha, L_phi);
2. beta(g) = d<ln g>/dln L over a small ladder of L x L squares, with the
   leading-order perturbative beta of each class (Evers and Mirlin 2008);
3. conductance distributions P(g): near-Gaussian in the metal, log-normal in
   the insulator.

It writes PNG figures, the datasets (netCDF) and ``summary.md`` (class, cusp
sign, alpha, L_phi, sign of beta) into DIR and prints the summary.

Conventions: g = G/(e^2/h) summed over spin; flux per plaquette in h/e;
lengths in lattice constants.  The samples are small and fully coherent, so
L_phi comes out set by the sample size and alpha below its ideal value; the
signs are the robust, universal part (see docs/physics.md).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from ..analysis.cusp import classify_cusp
from ..analysis.wl_fits import fit_sweep
from ..engines.symmetry import symmetry_class
from ..ensemble import run
from ..ensemble.executors import local_pool
from ..io import atomic_write_netcdf, check_outputs
from ..models import StripModel
from ..plotting import plot_beta, plot_distributions, plot_magnetoconductance
from .ladders import ladder_beta
from .magnetoconductance import magnetoconductance

__all__ = ["demo_cusp_models", "demo_ladders", "run_demo"]

#: cusp sweeps: (model, fluxes, realisations full/quick).  Spinless AI (alpha = +1/2 ideal),
#: strong Rashba AII (alpha = -1/2 ideal), magnetic impurities A (alpha = 0).  W = 3 keeps
#: the classical magnetoresistance below the noise (docs/magnetoconductance.md).
_FLUXES = (0.00025, 0.0005, 0.001, 0.002, 0.004)


def demo_cusp_models() -> dict[str, StripModel]:
    """One 20 x 20 strip per class for the magnetoconductance cusps."""
    return {
        "AI": StripModel(20, 20, 0.9, disorder=3.0),
        "AII": StripModel(20, 20, 1.0, disorder=3.0, rashba=1.0),
        "A": StripModel(20, 20, 1.0, disorder=3.0, rashba=1.0, exchange=1.0),
    }


def demo_ladders(quick: bool = False) -> dict[str, dict]:
    """Experiment tables (``[model]``) of the size ladders, one per class.

    All spinful at E = 1 (g summed over spin): spin-degenerate AI, the SU(2)
    model (AII) and the SU(2) model with magnetic impurities (A).  The first
    disorder of each is a diffusive metal with L >> l (weaker disorder would
    leave 10-22 site squares quasi-ballistic, where g of a square still grows
    with L whatever the class), the last (W = 12) an insulator, and the full
    run has intermediate disorders between them.  Sizes avoid
    lead subband thresholds at E = 1 (W + 1 not divisible by 3).
    """
    sizes = [10, 16] if quick else [10, 16, 22]
    base = dict(length=sizes, width="length", energy=1.0)
    # the full run adds intermediate disorders, so that beta(ln g) is traced from the
    # metal to the insulator (and, in AII, through beta = 0 near W_c ~ 6)
    disorders = {"AI": [5.0, 12.0], "AII": [2.0, 12.0], "A": [3.0, 12.0]} if quick else \
        {"AI": [5.0, 7.0, 9.0, 12.0], "AII": [2.0, 4.0, 6.0, 8.0, 12.0],
         "A": [3.0, 6.0, 9.0, 12.0]}
    return {
        "AI": {**base, "disorder": disorders["AI"], "spinful": True},
        "AII": {**base, "disorder": disorders["AII"], "spin_orbit": "su2"},
        "A": {**base, "disorder": disorders["A"], "spin_orbit": "su2", "exchange": 1.0},
    }


def _ladder_model(table, size=None):
    """The clean model of a ladder table at one size (default: the first)."""
    fixed = {k: v for k, v in table.items() if k not in ("length", "width", "disorder")}
    size = table["length"][0] if size is None else size
    return StripModel(size, size, disorder=0.0, **fixed)





def _sign(value, err, nsigma=2.0):
    if not np.isfinite(value) or not np.isfinite(err):
        return "?"
    if abs(value) < nsigma * err:
        return "0"
    return "+" if value > 0 else "-"


def _log(out, msg):
    print(msg, file=out, flush=True)


#: the files the demo writes
OUTPUTS = ("summary.md", "cusps.png", "beta.png", "distributions.png",
           *(f"{kind}_{cls}.nc" for kind in ("cusp", "ladder") for cls in ("AI", "AII", "A")))


def run_demo(out_dir="demo-output", *, quick: bool = False, workers: int | None = None,
             out=None, force: bool = False) -> list[dict]:
    """Run the three-class comparison and write figures, datasets and a summary.

    Parameters
    ----------
    out_dir : path
        Directory for ``cusps.png``, ``beta.png``, ``distributions.png``,
        ``cusp_<class>.nc``, ``ladder_<class>.nc`` and ``summary.md``.
    quick : bool
        Fewer realisations and sizes (about 30 s on 2 cores instead of about 3 min).
    workers : int, optional
        Worker processes (default: one per core).
    force : bool
        Overwrite the files of an earlier demo in ``out_dir`` (otherwise an
        existing file is an error, raised before anything is computed).

    Returns
    -------
    list of dict
        The summary rows: class (found numerically), cusp, alpha, L_phi, beta sign.
    """
    t0 = time.perf_counter()
    out = sys.stdout if out is None else out
    out_dir = check_outputs(out_dir, OUTPUTS, force=force)
    n_cusp = {"AI": 120, "AII": 80, "A": 60} if quick else {"AI": 400, "AII": 250, "A": 150}
    n_ladder = 100 if quick else 300
    fluxes = _FLUXES[1:4] if quick else _FLUXES
    workers = workers or None
    sweeps, ladders, betas, rows = {}, {}, {}, []
    _log(out, f"andersonwl demo{' (quick)' if quick else ''}: WL, WAL and the unitary class")
    with local_pool(workers or os.cpu_count() or 1) as pool:
        for cls, model in demo_cusp_models().items():
            _log(out, f"[{time.perf_counter() - t0:5.0f} s] cusp {cls}: {model.width}x"
                      f"{model.length}, {n_cusp[cls]} realisations, {len(fluxes)} fluxes")
            sweeps[cls] = magnetoconductance(model, fluxes, n_cusp[cls], seed=1, executor=pool,
                                             symmetrize=False)
        tables = demo_ladders(quick)
        for cls, table in tables.items():
            _log(out, f"[{time.perf_counter() - t0:5.0f} s] size ladder {cls}: L = "
                      f"{table['length']}, W = {table['disorder']}, {n_ladder} realisations")
            ladders[cls] = run({"model": table, "ensemble": {"seed": 7,
                                                              "realizations": n_ladder}},
                               executor=pool, progress=False)
            betas[cls] = ladder_beta(ladders[cls], size="length", bootstrap=200)
    cusp_models = demo_cusp_models()
    for cls, ds in sweeps.items():
        model = cusp_models[cls]
        fit = fit_sweep(ds, "hln")
        metal = tables[cls]["disorder"][0]
        # summary: one slope of <ln g> over the whole ladder, at the metallic disorder
        b = ladder_beta(ladders[cls].sel(disorder=[metal]), size="length",
                        window=ladders[cls].sizes["length"], bootstrap=200).isel(disorder=0,
                                                                                  step=0)
        rows.append(dict(label=cls, found=symmetry_class(model),
                         cusp=classify_cusp(ds),
                         alpha=fit.values["alpha"] if fit else float("nan"),
                         alpha_err=fit.errors["alpha"] if fit else float("nan"),
                         l_phi=fit.values["l_phi"] if fit else float("nan"),
                         l_phi_err=fit.errors["l_phi"] if fit else float("nan"),
                         metal=metal, ln_g=float(b.ln_g_step),
                         beta=float(b.beta), beta_err=float(b.beta_err),
                         beta_sign=_sign(float(b.beta), float(b.beta_err))))
    # ---------------------------------------------------------------- write
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_magnetoconductance(sweeps, fit="hln").savefig(out_dir / "cusps.png", dpi=110)
    degeneracy = {cls: _ladder_model(table).spin_degeneracy for cls, table in tables.items()}
    plot_beta(betas, parameter="disorder", spin_degeneracy=degeneracy).savefig(
        out_dir / "beta.png", dpi=110)
    plot_distributions(ladders).savefig(out_dir / "distributions.png", dpi=110)
    for cls in sweeps:
        atomic_write_netcdf(sweeps[cls], out_dir / f"cusp_{cls}.nc")
        atomic_write_netcdf(ladders[cls], out_dir / f"ladder_{cls}.nc")
    text = _summary(rows, quick, time.perf_counter() - t0)
    (out_dir / "summary.md").write_text(text)
    _log(out, "\n" + text)
    _log(out, f"wrote {out_dir}/: summary.md, cusps.png, beta.png, distributions.png, "
              "cusp_*.nc, ladder_*.nc")
    return rows


def _summary(rows, quick, seconds):
    lines = ["# andersonwl demo: the three Wigner-Dyson classes", "",
             "| class | found numerically | cusp | alpha (HLN) | L_phi (a) | W (metal) | "
             "<ln g> | beta | sign of beta |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['label']} | {r['found']} | {r['cusp']} | "
                     f"{r['alpha']:+.2f} +- {r['alpha_err']:.2f} | "
                     f"{r['l_phi']:.1f} +- {r['l_phi_err']:.1f} | {r['metal']:g} | "
                     f"{r['ln_g']:.2f} | {r['beta']:+.3f} +- {r['beta_err']:.3f} | "
                     f"{r['beta_sign']} |")
    lines += ["", "Cusp: WL (positive magnetoconductance), WAL (negative) or none, at 3 "
              "standard errors of the paired difference.  alpha from HLN fits of "
              "delta_sigma per square with the contact resistance of the leads removed "
              "(g -> g/(1 - g/N), realisation by realisation); ideal: +1/2 (spinless AI), "
              "-1/2 (AII), 0 (A), reached only when l << L_phi << L: coherent samples of "
              "20 x 20 sites give L_phi of the order of the sample size and alpha far from "
              "the ideal value (docs/magnetoconductance.md).  beta = d<ln g>/dln L fitted "
              "over the whole ladder of squares at the metallic disorder W, contact "
              "resistance removed the same way, g summed over spin; perturbative (Evers "
              "and Mirlin 2008): AI -2/(pi g) (two spin species), AII +1/(pi g), "
              "A -1/(2 pi^2 g^2) (SU(2) with exchange: no spin degeneracy).  Sign '0': "
              "within 2 standard errors of zero.",
              "", f"{'quick mode, ' if quick else ''}{seconds:.0f} s."]
    return "\n".join(lines) + "\n"
