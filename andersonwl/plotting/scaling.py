"""Figures of the scaling analysis: beta(g) with perturbative overlays, collapse quality.

All functions return a :class:`matplotlib.figure.Figure` from
:func:`andersonwl.plotting.figure.new_figure`; save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

import numpy as np

from ..analysis.beta import perturbative_beta
from .figure import new_figure

__all__ = ["plot_beta", "plot_collapse", "plot_ln_g"]


def _figure(ncols=1, width=5.0, height=4.0):
    return new_figure(ncols, width=width, height=height)


def _points(ds, parameter):
    """Yield (label, ln_g_step, beta, beta_err) for every value of ``parameter``."""
    if parameter in ds.dims:
        for value in ds[parameter].values:
            sub = ds.sel({parameter: value})
            yield f"{parameter} = {value:g}", sub.ln_g_step.values, sub.beta.values, \
                sub.beta_err.values
    else:
        yield None, ds.ln_g_step.values, ds.beta.values, ds.beta_err.values


def plot_beta(curves: dict, *, parameter: str = "disorder", spin_degeneracy: int = 2,
              ax=None):
    """Beta = dln g/dln L against ln g_typ, one panel per class, with perturbative beta.

    Parameters
    ----------
    curves : dict
        ``{class_name: beta_dataset}`` with class names "AI", "AII", "A" and
        datasets from :func:`andersonwl.analysis.beta_function`.
    parameter : str
        Dimension whose values are drawn as separate curves (how well they
        join into one curve shows the quality of one-parameter scaling).
    spin_degeneracy : int or dict
        Degenerate spin species of the models (``StripModel.spin_degeneracy``:
        2 for a spin-degenerate model, 1 for spinless models and for models
        with spin-orbit coupling or exchange), one for all panels or one per
        class; passed to :func:`~andersonwl.analysis.perturbative_beta`.

    Notes
    -----
    The perturbative curves are the leading-order beta functions of Evers and
    Mirlin, RMP 80, 1355 (2008), Sec. II.C, for g summed over spin, with g_1
    = g / (degenerate flavours): AI -2/(pi g) with two spin species,
    -1/(pi g) spinless; AII +1/(pi g) (Kramers pairs); A -1/(2 pi^2 g^2)
    without spin degeneracy (SU(2) or exchange models, spinless with a field),
    -2/(pi^2 g^2) with two degenerate species.
    """
    fig, axes = _figure(len(curves))
    for ax_, (cls, ds) in zip(axes, curves.items()):
        lo, hi = np.inf, -np.inf
        for label, x, b, e in _points(ds, parameter):
            ax_.errorbar(x, b, yerr=e, marker="o", ms=3, capsize=2, label=label)
            lo, hi = min(lo, np.nanmin(x)), max(hi, np.nanmax(x))
        if np.isfinite(lo):
            xs = np.linspace(max(lo - 0.3, np.log(0.5)), hi + 0.5, 200)
            if cls in ("AI", "AII", "A"):
                deg = (spin_degeneracy.get(cls, 1) if isinstance(spin_degeneracy, dict)
                       else spin_degeneracy)
                ax_.plot(xs, perturbative_beta(np.exp(xs), cls, spin_degeneracy=deg),
                         "k--", lw=1, label="perturbative")
        ax_.axhline(0, color="0.6", lw=0.8)
        ax_.set_xlabel(r"$\ln g_{typ} = \langle \ln g \rangle$")
        ax_.set_ylabel(r"$\beta = d\ln g / d\ln L$")
        ax_.set_title(cls)
        ax_.legend(fontsize=7)
    return fig


def plot_ln_g(ds, *, size: str = "length", parameter: str = "disorder"):
    """<ln g> against ln L for every value of ``parameter`` (crossings mark a transition)."""
    fig, (ax,) = _figure()
    L = ds[size].values
    for value in np.atleast_1d(ds[parameter].values) if parameter in ds.dims else [None]:
        sub = ds.sel({parameter: value}) if value is not None else ds
        ax.errorbar(np.log(L), sub.ln_g.values, yerr=sub.ln_g_err.values, marker="o", ms=3,
                    capsize=2, label=None if value is None else f"{parameter} = {value:g}")
    ax.set_xlabel(r"$\ln L$")
    ax.set_ylabel(r"$\langle \ln g \rangle$")
    ax.legend(fontsize=7)
    return fig


def plot_collapse(fit, data, *, variable: str = "ln_g", parameter: str = "disorder",
                  size: str = "length"):
    """Data against the fitted scaling variable x = u_1 L^{1/nu}: the collapse quality."""
    fig, (ax,) = _figure()
    for L in data[size].values:
        sub = data.sel({size: L})
        x = fit.scaling_variable(sub[parameter].values, L)
        ax.errorbar(x, sub[variable].values, yerr=sub[f"{variable}_err"].values, ls="none",
                    marker="o", ms=3, capsize=2, label=f"L = {L:g}")
    xs = np.linspace(*ax.get_xlim(), 200)
    a = fit.params[2:3 + fit.spec["n_relevant"]]
    ax.plot(xs, np.polyval(a[::-1], xs), "k-", lw=1, label="F0(x)")
    v, e = fit.values, fit.errors
    ax.set_title(f"critical = {v['critical']:.3f} +- {e['critical']:.3f}, "
                 f"nu = {v['nu']:.2f} +- {e['nu']:.2f}", fontsize=9)
    ax.set_xlabel(r"$x = u_1 L^{1/\nu}$")
    ax.set_ylabel(variable)
    ax.legend(fontsize=7)
    return fig
