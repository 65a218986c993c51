"""``andersonwl fit``: fit measured magnetoresistance curves with HLN, HLN-SO, ILP or McCann.

One file: one curve and its fit.  Several files: a temperature series, one fit per
curve and then the dephasing law 1/L_phi^2 = c_0 + A T^p (+ B T^q) fitted to L_phi(T)
(:func:`andersonwl.analysis.fit_temperature_series`); temperatures come from
``--temperatures`` or from a ``# temperature = 1.5 K`` comment line in each file.

The data file is CSV (comma-separated, or whitespace-separated when a line has
no comma); lines starting with ``#`` and blank lines are ignored.  The first
remaining line is a header when any of its fields is not a number.  The field
column is in tesla; the data column is R_xx in ohm or the sheet conductance
sigma in e^2/h.  Everything is read and checked before anything is written.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..analysis.wl_formulas import MODELS
from ..io import (
    FIELD_UNITS,
    QUANTITIES,
    parse_aspect,
    read_aspect,
    read_curve,
    read_temperature,
    to_delta_sigma,
)

__all__ = ["register", "main"]



def register(sub):
    """Add the ``fit`` sub-command to the argument parser."""
    p = sub.add_parser(
        "fit", help="fit magnetoresistance curves (HLN, HLN-SO, ILP or McCann for graphene), "
                    "or a temperature series",
        description="Read a magnetoresistance curve (field in tesla; R_xx in ohm or sigma in "
                    "e^2/h), convert it to delta_sigma = sigma(B) - sigma(0) per square in "
                    "e^2/h, fit it (with a free constant offset, since the B = 0 reference is "
                    "itself a noisy point), print the parameters with their errors and write "
                    "a PNG of data and fit.  With several files (a temperature series) "
                    "each curve is fitted, then the dephasing law 1/L_phi^2 = c0 + A T^p "
                    "(+ B T^q) is fitted to L_phi(T), naming the dominant mechanism at each "
                    "temperature.  A malformed file is an error naming its line; nothing is "
                    "written then.")
    p.add_argument("data", type=Path, nargs="+", help="CSV file(s)")
    p.add_argument("--model", choices=MODELS, default="hln",
                   help="HLN (alpha, L_phi), HLN with spin-orbit (L_phi, L_so), ILP for "
                        "Rashba systems (L_phi, L_so) or McCann for graphene (L_phi, "
                        "intervalley L_i, intravalley L_star); default hln")
    p.add_argument("--columns", default=None, metavar="FIELD,DATA",
                   help="the field and data columns, by header name or 0-based index "
                        "(default: the first two columns)")
    p.add_argument("--quantity", choices=QUANTITIES, default="auto",
                   help="what the data column holds: R_xx in ohm or sigma in e^2/h (auto: "
                        "from the header name, R... = resistance, sigma... = sigma; a file "
                        "without a header is taken as resistance)")
    p.add_argument("--aspect", default=None, metavar="L/W",
                   help="length over width between the voltage contacts (a number or a "
                        "ratio such as 200/50), to convert R_xx; default: a '# L/W = 2' "
                        "comment line of the file (never guessed)")
    p.add_argument("--field-unit", choices=tuple(FIELD_UNITS), default=None,
                   help="unit of the field column (default: from its header name, such as "
                        "B_mT, or a '# B in tesla' comment; never guessed)")
    p.add_argument("--free-prefactor", action="store_true",
                   help="hln-so/ilp/mccann: fit the overall prefactor too (reported as "
                        "alpha)")
    p.add_argument("--temperatures", default=None, metavar="T1,T2,...",
                   help="temperatures in K of the files, in order (default: a '# temperature "
                        "= T K' comment line in each file)")
    p.add_argument("--two-laws", action="store_true",
                   help="series: fit c0 + A T^p + B T^q (e.g. electron-electron and "
                        "electron-phonon) instead of c0 + A T^p")
    p.add_argument("--out", type=Path, default=None,
                   help="PNG to write (default: DATA_MODEL_fit.png next to the data; for a "
                        "series, series_MODEL_fit.png next to the first file)")
    p.set_defaults(func=main)


def _parse_temperatures(text, count):
    try:
        values = [float(v) for v in str(text).split(",")]
    except ValueError:
        raise ValueError(f"--temperatures must be comma-separated numbers, got {text!r}") from None
    if len(values) != count:
        raise ValueError(f"--temperatures has {len(values)} values for {count} files")
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"temperatures must be positive and finite, got {text!r}")
    return values


def _delta_sigma(path, args):
    """(|B|, delta_sigma, quantity, L/W) of one data file, with the command's options."""
    field, data, quantity = read_curve(path, args.columns, args.quantity,
                                       args.field_unit or "auto")
    aspect = parse_aspect(args.aspect) if args.aspect is not None else read_aspect(path)
    if aspect is None:
        if quantity == "resistance":
            raise ValueError(f"{path}: the number of squares L/W between the voltage contacts "
                             "is not stated (no '# L/W = ...' comment): pass --aspect L/W")
        aspect = 1.0                                       # sigma is already per square
    return (*to_delta_sigma(field, data, quantity, aspect), quantity, aspect)


def _output(out):
    """The PNG path, checked before anything is fitted or written."""
    if not out.parent.is_dir():
        raise FileNotFoundError(f"the directory of {out} does not exist")
    return out


def main(args):
    """Run the sub-command with the parsed arguments; return the exit code."""
    if len(args.data) > 1:
        return _series(args)
    if args.temperatures is not None or args.two_laws:
        raise ValueError("--temperatures and --two-laws need a series of several files")
    return _single(args, args.data[0])


def _series(args):
    from ..analysis.dephasing import fit_temperature_series
    from ..plotting.magnetoconductance import plot_temperature_series
    paths = list(args.data)
    if len(set(p.resolve() for p in paths)) != len(paths):
        raise ValueError("a file appears twice in the series")
    temps = (_parse_temperatures(args.temperatures, len(paths)) if args.temperatures
             else [read_temperature(p) for p in paths])
    if len(set(temps)) != len(temps):
        raise ValueError(f"repeated temperatures {temps}: one curve per temperature")
    need = 6 if args.two_laws else 4
    if len(paths) < need:
        raise ValueError(f"the dephasing law {'with two power laws ' if args.two_laws else ''}"
                         f"needs at least {need} curves, got {len(paths)}")
    read = {path: _delta_sigma(path, args) for path in paths}
    aspects = {r[3] for r in read.values()}
    if len(aspects) > 1:
        raise ValueError(f"the files state different L/W {sorted(aspects)}: one sample per "
                         "series, or pass --aspect")
    aspect = aspects.pop()
    curves = [(t, *read[path][:2]) for t, path in sorted(zip(temps, paths))]
    out = _output(args.out or paths[0].with_name(f"series_{args.model}_fit.png"))
    fits, law = fit_temperature_series(curves, model=args.model, units="tesla",
                                       two_laws=args.two_laws, offset=True,
                                       free_prefactor=args.free_prefactor)
    # everything read, checked and fitted: now report and write
    print(f"andersonwl fit: a temperature series of {len(curves)} curves, model {args.model}, "
          f"L/W = {aspect:g}; lengths in nm")
    print(f"{'T (K)':>8} {'L_phi (nm)':>18} {'alpha':>14} {'dominant':>11}")
    for (t, *_), fit, dom in zip(curves, fits, law.dominant):
        v, e = fit.values, fit.errors
        alpha = (f"{v['alpha']:.3g} +- {e['alpha']:.2g}" if "alpha" in fit.free
                 else f"{v['alpha']:.3g} (fixed)")
        print(f"{t:8.4g} {v['l_phi'] * 1e9:9.4g} +- {e['l_phi'] * 1e9:<6.2g} {alpha:>14} "
              f"{dom:>11}")
    v, e = law.values, law.errors
    terms = f"c0 + A T^p{' + B T^q' if args.two_laws else ''}"
    saturation = (f"saturation L_phi = {v['c0'] ** -0.5 * 1e9:.4g} nm" if v["c0"] > 0
                  else "no saturation (c0 = 0)")
    print(f"1/L_phi^2 = {terms}: p = {v['p']:.3g} +- {e['p']:.2g}"
          + (f", q = {v['q']:.3g} +- {e['q']:.2g}" if "q" in v else "") + f"; {saturation}")
    print(f"chi2 = {law.chi2:.3g} for {law.dof} degrees of freedom"
          + (f" (p-value {law.p_value:.2g})" if math.isfinite(law.p_value) else ""))
    fig = plot_temperature_series([c[0] for c in curves], fits, law)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


def _single(args, path):
    from ..analysis.wl_fits import fit_magnetoconductance
    from ..plotting.magnetoconductance import plot_fit
    b, ds, quantity, aspect = _delta_sigma(path, args)
    # sigma(0) is one noisy measurement: fit a constant offset so that its
    # error shows in the parameters' errors instead of biasing them
    fit = fit_magnetoconductance(b, ds, model=args.model, units="tesla",
                                 free_prefactor=args.free_prefactor, offset=True)
    out = _output(args.out or path.with_name(f"{path.stem}_{args.model}_fit.png"))
    # everything checked and computed: now report and write
    v, e = fit.values, fit.errors
    print(f"andersonwl fit {path} --model {args.model}: {len(b)} points "
          f"({quantity}, L/W = {aspect:g}), units: B in T, lengths in nm, delta_sigma in e^2/h")
    print(f"alpha = {v['alpha']:.6g} +- {e['alpha']:.2g}"
          + ("" if "alpha" in fit.free else "  (fixed)"))
    print(f"l_phi = {v['l_phi'] * 1e9:.6g} +- {e['l_phi'] * 1e9:.2g} nm  "
          f"(B_phi = {fit.b_phi:.4g} T)")
    if "l_so" in v:
        print(f"l_so = {v['l_so'] * 1e9:.6g} +- {e['l_so'] * 1e9:.2g} nm  "
              f"(B_so = {fit.b_so:.4g} T; convention: {fit.l_so_convention})")
    if "l_i" in v:
        print(f"l_i = {v['l_i'] * 1e9:.6g} +- {e['l_i'] * 1e9:.2g} nm  "
              f"(B_i = {fit.b_i:.4g} T; intervalley scattering)")
        print(f"l_star = {v['l_star'] * 1e9:.6g} +- {e['l_star'] * 1e9:.2g} nm  "
              f"(B_* = {fit.b_star:.4g} T; intravalley symmetry breaking)")
        if fit.b_star < fit.b_i:
            print("note: B_* < B_i (l_star > l_i), whereas McCann et al. have 1/tau_* >= "
                  "1/tau_i: the curve does not separate the two elastic rates, or the "
                  "formula does not describe the sample")
    print(f"offset = {v['offset']:.3g} +- {e['offset']:.2g} e^2/h  (fitted constant: the "
          f"error of the B = 0 reference)")
    print(f"chi2 = {fit.chi2:.4g} (e^2/h)^2, dof = {fit.dof}, reduced chi2 = "
          f"{fit.reduced_chi2:.4g} (errors scaled by sqrt(reduced chi2))")
    if not fit.success:
        print(f"warning: {fit.message}")
    fig = plot_fit(fit, title=f"{path.name}: {args.model} fit")
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0
