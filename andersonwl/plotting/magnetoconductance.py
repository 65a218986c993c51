"""Figures of magnetoconductance sweeps and fits (matplotlib, Agg backend).

Every function builds a :class:`matplotlib.figure.Figure` attached to an Agg
canvas (no pyplot, no display, no global state) and returns it; save it with
``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..analysis.cusp import DEFAULT_NSIGMA, classify_cusp
from ..analysis.wl_fits import fit_sweep
from .figure import new_figure

__all__ = ["plot_magnetoconductance", "plot_fit", "plot_temperature_series"]


def plot_magnetoconductance(sweeps, *, fit: str | None = "hln", nsigma: float | None = None):
    """delta_sigma per square against flux for several sweeps (e.g. the three classes).

    delta_sigma is the conductivity correction of the sample, the contact
    resistance of the leads removed when the sweep removed it (its attribute
    ``contact_resistance_removed``, the default of
    :func:`andersonwl.magnetoconductance`); it is what the fits describe.

    Parameters
    ----------
    sweeps : xarray.Dataset or mapping of str to xarray.Dataset
        Results of :func:`andersonwl.magnetoconductance`, one panel each,
        titled by the mapping's keys (e.g. ``"AI"``, ``"AII"``, ``"A"``).
    fit : {"hln", "hln-so", "ilp"} or None, optional
        Fit this model to each sweep's delta_sigma (weighted by
        ``delta_sigma_err``, correlations between fluxes ignored; lattice
        units) and draw it.  The legend gives alpha and L_phi.  None: data only.
    nsigma : float, optional
        Threshold passed to :func:`andersonwl.analysis.classify_cusp`; the cusp's
        class is added to each title (default threshold when None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(sweeps, Mapping):
        sweeps = {"": sweeps}
    if not sweeps:
        raise ValueError("nothing to plot: no sweeps given")
    fig, axes = new_figure(len(sweeps))
    for ax, (name, ds) in zip(axes, sweeps.items()):
        flux = ds["flux"].values
        ax.errorbar(flux, ds["delta_sigma"].values, yerr=ds["delta_sigma_err"].values,
                    fmt="o", ms=4, capsize=2, label="simulation")
        ax.axhline(0.0, color="0.6", lw=0.8)
        if fit is not None:
            result = fit_sweep(ds, fit)
            if result is not None:
                f = np.linspace(0.0, flux.max(), 200)
                v, e = result.values, result.errors
                label = (f"{fit}: alpha = {v['alpha']:.2g} +- {e['alpha']:.1g}, "
                         f"L_phi = {v['l_phi']:.3g} +- {e['l_phi']:.1g}")
                if "l_so" in v:
                    label += f", L_so = {v['l_so']:.3g}"
                ax.plot(f, result.predict(f), "-", label=label)
        cls = classify_cusp(ds, nsigma=DEFAULT_NSIGMA if nsigma is None else nsigma)
        ax.set_title(f"{name}: cusp {cls}".lstrip(": "), fontsize=10)
        ax.set_xlabel("flux per plaquette (h/e)")
        removed = int(ds.attrs.get("contact_resistance_removed", 0))
        ax.set_ylabel(r"$\Delta\sigma$ per square ($e^2/h$)"
                      + (", contact removed" if removed else ", two-terminal"))
        ax.legend(fontsize=7)
    return fig


def plot_fit(fit, *, title: str | None = None):
    """Data and fitted curve of a :class:`~andersonwl.analysis.MagnetoconductanceFit`.

    The field axis is in mT for ``units="tesla"`` and in h/e per plaquette for
    lattice units; delta_sigma in e^2/h.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax,) = new_figure(1, width=5.0, height=3.6)
    scale, xlabel = ((1e3, "B (mT)") if fit.units == "tesla"
                     else (1.0, "flux per plaquette (h/e)"))
    b = fit.field
    if fit.sigma_err is not None:
        yerr = fit.sigma_err if fit.sigma_err.ndim == 1 else np.sqrt(np.diag(fit.sigma_err))
        ax.errorbar(b * scale, fit.delta_sigma, yerr=yerr, fmt="o", ms=3, capsize=1.5,
                    label="data")
    else:
        ax.plot(b * scale, fit.delta_sigma, "o", ms=3, label="data")
    lo, hi = float(np.min(b)), float(np.max(b))
    grid = np.linspace(lo, hi, 400)
    v, e = fit.values, fit.errors
    unit = "a" if fit.units == "lattice" else "nm"
    lscale = 1.0 if fit.units == "lattice" else 1e9
    label = (f"{fit.model}: L_phi = {v['l_phi'] * lscale:.4g} +- {e['l_phi'] * lscale:.2g} "
             f"{unit}")
    if "l_so" in v:
        label += f", L_so = {v['l_so'] * lscale:.4g} +- {e['l_so'] * lscale:.2g} {unit}"
    if "alpha" in fit.free:
        label += f", alpha = {v['alpha']:.3g} +- {e['alpha']:.2g}"
    ax.plot(grid * scale, fit.predict(grid), "-", label=label)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(r"$\Delta\sigma$  ($e^2/h$)")
    ax.set_title(title or f"{fit.model} fit, reduced chi2 = {fit.reduced_chi2:.3g}", fontsize=10)
    ax.legend(fontsize=7)
    return fig


def plot_temperature_series(temperatures, fits, law):
    """Curves of a temperature series with their fits, and L_phi(T) with the dephasing law.

    Parameters
    ----------
    temperatures : sequence of float
        K, one per fit.
    fits : list of MagnetoconductanceFit
        Tesla units.
    law : andersonwl.analysis.DephasingFit

    Returns
    -------
    matplotlib.figure.Figure
        Left: delta_sigma (e^2/h) against B (mT), data and fits.  Right: L_phi
        (nm) against T (K) on log axes, with the fitted law and its terms.
    """
    fig, (left, right) = new_figure(2, width=4.6, height=3.6)
    from matplotlib import colormaps
    colors = colormaps["viridis"](np.linspace(0, 0.9, len(fits)))
    for t, fit, c in zip(temperatures, fits, colors):
        left.plot(fit.field * 1e3, fit.delta_sigma - fit.values.get("offset", 0.0), ".",
                  ms=2, color=c)
        grid = np.linspace(0, float(np.max(fit.field)), 300)
        left.plot(grid * 1e3, fit.predict(grid) - fit.values.get("offset", 0.0), "-", lw=1,
                  color=c, label=f"{t:g} K")
    left.set_xlabel("B (mT)")
    left.set_ylabel(r"$\Delta\sigma$  ($e^2/h$)")
    left.legend(fontsize=6, ncol=2)
    t = np.asarray(temperatures, float)
    lp = np.array([f.values["l_phi"] for f in fits]) * 1e9
    le = np.array([f.errors["l_phi"] for f in fits]) * 1e9
    right.errorbar(t, lp, le, fmt="ko", ms=3, label="fits")
    grid = np.geomspace(t.min() / 1.5, t.max() * 1.5, 200)
    v = law.values
    right.plot(grid, law.l_phi(grid) * 1e9, "k-", lw=1, label="law")
    terms = [("saturation", np.full_like(grid, v["c0"])),
             (f"T^{v['p']:.2f}", v["A"] * grid ** v["p"])]
    if "B" in v:
        terms.append((f"T^{v['q']:.2f}", v["B"] * grid ** v["q"]))
    for name, term in terms:
        with np.errstate(divide="ignore"):
            right.plot(grid, term ** -0.5 * 1e9, ":", lw=1, label=f"{name} alone")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_ylim(lp.min() / 3, lp.max() * 3)
    right.set_xlabel("T (K)")
    right.set_ylabel(r"$L_\phi$ (nm)")
    right.legend(fontsize=6)
    return fig
