"""``andersonwl scaling RESULT.nc``: beta(g) curves, a table and, optionally, a scaling fit."""

from __future__ import annotations

import json
import math
from pathlib import Path


def register(sub):
    """Add the ``scaling`` sub-command to the argument parser."""
    p = sub.add_parser("scaling", help="beta(g) curves and a table from a size-ladder result")
    p.add_argument("result", help="netCDF result of `andersonwl run` with a size dimension")
    p.add_argument("--out", default=None,
                   help="output directory (default: RESULT's name without .nc, plus -scaling)")
    p.add_argument("--size", default="length",
                   help="name of the size dimension (default: length)")
    p.add_argument("--parameter", default="disorder",
                   help="dimension drawn as separate curves and used by --fss (default: disorder)")
    p.add_argument("--window", type=int, default=2, help="sizes per local fit of <ln g>")
    p.add_argument("--bootstrap", type=int, default=200)
    p.add_argument("--fss", action="store_true",
                   help="fit one-parameter scaling of <ln g> (Slevin-Ohtsuki form)")
    p.add_argument("--class", dest="cls", choices=("AI", "AII", "A"), default=None,
                   help="symmetry class for the perturbative overlay (default: found numerically)")
    p.add_argument("--ioffe-regel", action="store_true",
                   help="estimate k_F l for every value of --parameter (short-sample runs)")
    p.add_argument("--force", action="store_true", help="overwrite files in --out")
    p.add_argument("--keep-contact", action="store_true",
                   help="keep the contact (Sharvin) resistance 1/N of the leads in g (by "
                        "default it is removed, g -> g/(1 - g/N), with N the open channels of "
                        "each size)")
    p.set_defaults(func=main)


def _model_of(ds, parameter_value=None, parameter=None):
    from ..ensemble.experiment import VECTOR_FIELDS, _resolve_ties
    from ..models import StripModel
    exp = json.loads(ds.attrs["experiment"])
    fields = {}
    for k, v in exp["model"].items():
        if k in VECTOR_FIELDS:
            v = v[0] if isinstance(v[0], list) else v
        elif isinstance(v, list):
            v = ds[k].values[0].item() if k in ds.coords else v[0]
        fields[k] = None if v == "none" else v
    if parameter is not None and parameter_value is not None:
        fields[parameter] = parameter_value
    return StripModel(**_resolve_ties(fields))


def main(args):
    """Run the sub-command with the parsed arguments; return the exit code."""
    import xarray as xr

    from ..analysis.fss import finite_size_scaling
    from ..engines.symmetry import symmetry_class
    from ..io import atomic_write_netcdf, check_outputs
    from ..plotting.scaling import plot_beta, plot_collapse, plot_ln_g
    from ..simulations.ladders import ladder_beta
    from ..simulations.lifetimes import ioffe_regel

    path = Path(args.result)
    if not path.exists():
        raise FileNotFoundError(f"no such result file: {path}")
    try:
        ds = xr.load_dataset(path, engine="h5netcdf")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a netCDF result of andersonwl run ({exc})") from None
    if "experiment" not in ds.attrs or "conductance" not in ds:
        raise ValueError(f"{path} is not a result of andersonwl run (no experiment attribute "
                         "or conductance variable)")
    if args.size not in ds.dims:
        raise ValueError(f"{path} has no '{args.size}' dimension (dims: {tuple(ds.dims)}); "
                         "a size ladder sweeps length (with width = \"length\" for squares)")
    out = check_outputs(args.out or path.with_name(path.stem + "-scaling"),
                        ("beta.png", "ln_g.png", "beta_table.md", "beta.nc", "collapse.png"),
                        force=args.force)
    if args.bootstrap < 2:
        raise ValueError(f"--bootstrap must be at least 2, got {args.bootstrap}")
    beta = ladder_beta(ds, size=args.size, window=args.window, bootstrap=args.bootstrap,
                       remove_contact=not args.keep_contact)
    model = _model_of(ds)
    cls = args.cls or symmetry_class(model)
    degeneracy = model.spin_degeneracy
    rows = []
    has_param = args.parameter in beta.dims
    values = beta[args.parameter].values if has_param else [None]
    kfl = {}
    if args.ioffe_regel:
        for v in values:
            m = _model_of(ds, v, args.parameter if has_param else None)
            kfl[v] = ioffe_regel(m.replace(length=8))["k_F_l"]
    for v in values:
        sub = beta.sel({args.parameter: v}) if has_param else beta
        for i in range(sub.sizes["step"]):
            rows.append((v, float(sub.size_step[i]), float(sub.ln_g_step[i]),
                         float(sub.beta[i]), float(sub.beta_err[i])))
    fss = None
    if args.fss:
        if not has_param:
            raise ValueError("--fss needs a swept --parameter")
        fss = finite_size_scaling(beta, variable="ln_g", parameter=args.parameter,
                                  size=args.size)
    # ---- write: only after everything is computed
    out.mkdir(parents=True, exist_ok=True)
    plot_beta({cls: beta}, parameter=args.parameter,
              spin_degeneracy=degeneracy).savefig(out / "beta.png", dpi=120)
    plot_ln_g(beta, size=args.size, parameter=args.parameter).savefig(out / "ln_g.png", dpi=120)
    contact = ("kept (two-terminal g)" if args.keep_contact
               else "removed, g -> g/(1 - g/N) realisation by realisation")
    lines = [f"# beta(g) of {path.name} (class {cls})", "",
             f"Contact resistance of the leads: {contact}.  g summed over spin; spin "
             f"degeneracy of the model: {degeneracy}.", "",
             f"| {args.parameter} | L | ln g_typ | beta | error |" + (" k_F l |" if kfl else ""),
             "|---|---|---|---|---|" + ("---|" if kfl else "")]
    for v, L, lng, b, e in rows:
        extra = f" {kfl[v]:.3g} |" if kfl else ""
        lines.append(f"| {v if v is not None else '-'} | {L:.4g} | {lng:.4f} | {b:+.4f} | "
                     f"{e:.4f} |{extra}")
    if fss is not None:
        plot_collapse(fss, beta, parameter=args.parameter, size=args.size).savefig(
            out / "collapse.png", dpi=120)
        lines += ["", "## One-parameter scaling fit (Slevin and Ohtsuki form)", "",
                  "| quantity | value | error | 95 % interval |", "|---|---|---|---|"]
        for k, val in fss.values.items():
            lo, hi = fss.intervals[k]
            lines.append(f"| {k} | {val:.4g} | {fss.errors[k]:.2g} | [{lo:.4g}, {hi:.4g}] |")
        lines.append(f"| g_c = exp(q_c) | {math.exp(fss.values['q_c']):.4g} | | |")
        lines.append(f"\nchi2 = {fss.chi2:.1f} for {fss.dof} degrees of freedom "
                     f"(p = {fss.p_value:.3g})")
    (out / "beta_table.md").write_text("\n".join(lines) + "\n")
    atomic_write_netcdf(beta, out / "beta.nc")
    print("\n".join(lines))
    print(f"\nwrote {out}/beta.png, ln_g.png, beta_table.md, beta.nc"
          + (", collapse.png" if fss is not None else ""))
    return 0
