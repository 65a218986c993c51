"""``andersonwl fit``: fit measured magnetoresistance curves with HLN, HLN-SO or ILP.

One file: one curve and its fit.  Several files: a temperature series, one fit per
curve and then the dephasing law 1/L_phi^2 = c_0 + A T^p (+ B T^q) fitted to L_phi(T)
(:func:`andersonwl.dephasing.fit_temperature_series`); temperatures come from
``--temperatures`` or from a ``# temperature = 1.5 K`` comment line in each file.

The data file is CSV (comma-separated, or whitespace-separated when a line has
no comma); lines starting with ``#`` and blank lines are ignored.  The first
remaining line is a header when any of its fields is not a number.  The field
column is in tesla; the data column is R_xx in ohm or the sheet conductance
sigma in e^2/h.  Everything is read and checked before anything is written.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

__all__ = ["register", "main", "read_curve", "read_temperature", "to_delta_sigma",
           "parse_aspect"]

QUANTITIES = ("auto", "resistance", "sigma")


def register(sub):
    p = sub.add_parser(
        "fit", help="fit magnetoresistance curves (HLN, HLN-SO or ILP), or a temperature series",
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
    p.add_argument("--model", choices=("hln", "hln-so", "ilp"), default="hln",
                   help="HLN (alpha, L_phi), HLN with spin-orbit (L_phi, L_so) or ILP for "
                        "Rashba systems (L_phi, L_so); default hln")
    p.add_argument("--columns", default=None, metavar="FIELD,DATA",
                   help="the field and data columns, by header name or 0-based index "
                        "(default: the first two columns)")
    p.add_argument("--quantity", choices=QUANTITIES, default="auto",
                   help="what the data column holds: R_xx in ohm or sigma in e^2/h (auto: "
                        "from the header name, R... = resistance, sigma... = sigma; a file "
                        "without a header is taken as resistance)")
    p.add_argument("--aspect", default="1", metavar="L/W",
                   help="length over width between the voltage contacts (a number or a "
                        "ratio such as 200/50; default 1); used to convert R_xx")
    p.add_argument("--free-prefactor", action="store_true",
                   help="hln-so/ilp: fit the overall prefactor too (reported as alpha)")
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


def parse_aspect(text) -> float:
    """L/W from a number or a ratio ``"L/W"``, positive and finite."""
    try:
        if isinstance(text, str) and "/" in text:
            num, den = text.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"--aspect must be a positive number or a ratio L/W, got {text!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"--aspect must be positive and finite, got {text!r}")
    return value


def _split(line):
    return [f.strip() for f in (line.split(",") if "," in line else line.split())]


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_curve(path, columns=None, quantity="auto"):
    """Read (field, data, quantity) from a CSV file, naming the line of any problem.

    Parameters
    ----------
    path : path-like
    columns : str, optional
        ``"FIELD,DATA"`` by header name or 0-based index.
    quantity : {"auto", "resistance", "sigma"}

    Returns
    -------
    field : numpy.ndarray
        Tesla.
    data : numpy.ndarray
        R_xx in ohm or sigma in e^2/h.
    quantity : str
        ``"resistance"`` or ``"sigma"``.

    Raises
    ------
    ValueError
        ``"FILE line N: ..."`` for a malformed line (missing column, not a
        number, NaN/inf, non-positive resistance), or for an unusable file
        (no data, unknown column names, too few points).
    """
    path = Path(path)
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    rows = [(i + 1, _split(line)) for i, line in enumerate(lines)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ValueError(f"{path}: no data lines")
    header = None
    if not all(_is_number(f) for f in rows[0][1]):
        header_line, header = rows[0]
        rows = rows[1:]
    # which columns
    if columns is None:
        idx = (0, 1)
    else:
        parts = [c.strip() for c in str(columns).split(",")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"--columns must be FIELD,DATA, got {columns!r}")
        idx = []
        for part in parts:
            if header is not None and part in header:
                idx.append(header.index(part))
            elif part.isdigit():
                idx.append(int(part))
            else:
                known = ", ".join(header) if header else "none (the file has no header)"
                raise ValueError(f"{path}: no column {part!r}; columns: {known}")
        idx = tuple(idx)
    if quantity == "auto":
        name = header[idx[1]].strip().lower() if header is not None and idx[1] < len(header) \
            else ""
        if name.startswith("sigma"):
            quantity = "sigma"
        elif name.startswith("r") or header is None:
            quantity = "resistance"
        else:
            raise ValueError(f"{path}: cannot tell whether column {name!r} is a resistance "
                             f"or a conductance; pass --quantity resistance or sigma")
    need = max(idx) + 1
    field, data = [], []
    for lineno, fields in rows:
        if len(fields) < need:
            raise ValueError(f"{path} line {lineno}: expected at least {need} columns, "
                             f"got {len(fields)}")
        values = []
        for j in idx:
            try:
                v = float(fields[j])
            except ValueError:
                raise ValueError(f"{path} line {lineno}: column {j + 1} is not a number: "
                                 f"{fields[j]!r}") from None
            if not math.isfinite(v):
                raise ValueError(f"{path} line {lineno}: column {j + 1} is not finite: "
                                 f"{fields[j]!r}")
            values.append(v)
        if quantity == "resistance" and values[1] <= 0:
            raise ValueError(f"{path} line {lineno}: resistance must be positive, got "
                             f"{values[1]:g}")
        field.append(values[0])
        data.append(values[1])
    if len(field) < 4:
        raise ValueError(f"{path}: need at least 4 data points, got {len(field)}")
    return np.array(field), np.array(data), quantity


_TEMPERATURE = re.compile(r"^\s*#\s*(?:temperature|T)\s*[=:]\s*([-+0-9.eE]+)\s*(?:K\b.*)?$",
                          re.IGNORECASE)


def read_temperature(path) -> float:
    """The temperature (K) of a ``# temperature = 1.5 K`` (or ``# T: 1.5``) comment line."""
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            m = _TEMPERATURE.match(line)
            if m:
                try:
                    t = float(m.group(1))
                except ValueError:
                    raise ValueError(f"{path} line {lineno}: temperature {m.group(1)!r} is not "
                                     "a number") from None
                if not (math.isfinite(t) and t > 0):
                    raise ValueError(f"{path} line {lineno}: temperature must be positive, "
                                     f"got {t:g}")
                return t
    raise ValueError(f"{path}: no '# temperature = T K' line; give --temperatures")


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


def _unique_mean(x, y):
    """Sorted unique x with y averaged over repeats."""
    ux, inv = np.unique(x, return_inverse=True)
    return ux, np.bincount(inv, weights=y) / np.bincount(inv)


def to_delta_sigma(field, data, quantity="resistance", aspect=1.0):
    """delta_sigma(|B|) = sigma(B) - sigma(0) in e^2/h from a measured curve.

    sigma = (h/e^2) (L/W) / R_xx (:func:`andersonwl.units.resistance_to_sheet_conductance`)
    or the data itself for ``quantity="sigma"``.  sigma(0) is the mean of the
    points at B = 0 if there are any, else the linear interpolation between the
    points on either side of zero, else (all fields of one sign) the point of
    smallest |B|.  With both signs present the curve is symmetrised,
    [sigma(B) + sigma(-B)] / 2, on the |B| values of the side with more
    points, within the range both sides cover (the other side interpolated
    linearly).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        |B| (sorted, tesla) and delta_sigma (e^2/h).
    """
    from .units import resistance_to_sheet_conductance
    field = np.asarray(field, dtype=float)
    sigma = (resistance_to_sheet_conductance(np.asarray(data, dtype=float), aspect)
             if quantity == "resistance" else np.asarray(data, dtype=float))
    b, s = _unique_mean(field, sigma)
    if np.any(b == 0):
        s0 = float(s[b == 0][0])
    elif b.min() < 0 < b.max():
        s0 = float(np.interp(0.0, b, s))
    else:
        s0 = float(s[np.argmin(np.abs(b))])
    pos, neg = b > 0, b < 0
    if pos.any() and neg.any():
        bp = np.concatenate([[0.0], b[pos]])
        sp = np.concatenate([[s0], s[pos]])
        bn = np.concatenate([[0.0], -b[neg][::-1]])
        sn = np.concatenate([[s0], s[neg][::-1]])
        grid = bp if pos.sum() >= neg.sum() else bn
        grid = grid[grid <= min(bp.max(), bn.max())]
        sym = 0.5 * (np.interp(grid, bp, sp) + np.interp(grid, bn, sn))
        return grid, sym - s0
    return np.abs(b), s - s0


def _delta_sigma(path, args, aspect):
    """(|B|, delta_sigma, quantity) of one data file, with the command's column options."""
    field, data, quantity = read_curve(path, args.columns, args.quantity)
    return (*to_delta_sigma(field, data, quantity, aspect), quantity)


def _output(out):
    """The PNG path, checked before anything is fitted or written."""
    if not out.parent.is_dir():
        raise FileNotFoundError(f"the directory of {out} does not exist")
    return out


def main(args):
    if len(args.data) > 1:
        return _series(args)
    if args.temperatures is not None or args.two_laws:
        raise ValueError("--temperatures and --two-laws need a series of several files")
    return _single(args, args.data[0])


def _series(args):
    from .dephasing import fit_temperature_series
    from .plots import plot_temperature_series
    aspect = parse_aspect(args.aspect)
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
    curves = [(t, *_delta_sigma(path, args, aspect)[:2])
              for t, path in sorted(zip(temps, paths))]
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
    from .fitting import fit_magnetoconductance
    from .plots import plot_fit
    aspect = parse_aspect(args.aspect)
    b, ds, quantity = _delta_sigma(path, args, aspect)
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
              f"(B_so = {fit.b_so:.4g} T)")
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
