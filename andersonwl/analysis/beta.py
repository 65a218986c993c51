"""Scaling theory: beta(g) = dln g / dln L of size ladders, and the perturbative beta functions.

Conventions
-----------
* g = G/(e^2/h) summed over spin; ln g_typ = <ln g> (the typical conductance
  g_typ = exp<ln g>).
* beta is measured from the mean of ln g, beta = d<ln g>/d ln L, by local
  linear fits of <ln g> against ln L over ``window`` consecutive sizes.
* Realisations at different sizes share their seeds and so their random
  numbers on the sites they share (disorder is a pure function of
  (seed, site)): the errors of differences between sizes come from a joint
  bootstrap that resamples the realisation index once for all sizes.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sp
import xarray as xr

from .contact import sample_conductance

__all__ = ["perturbative_beta", "beta_function", "mean_free_path"]

_ZETA3 = float(sp.zeta(3.0))


def perturbative_beta(g, symmetry_class: str, *, spin_degeneracy: int = 2, order: int = 1):
    """Weak-disorder beta function of a 2D conductor, beta(g) = dln g / dln L.

    Parameters
    ----------
    g : array_like
        Conductance g = G/(e^2/h), summed over spin (the total conductance).
    symmetry_class : {"AI", "AII", "A"}
    spin_degeneracy : {1, 2}
        For AI and A: 2 when g is summed over two degenerate spin species
        (a spinful model without spin-orbit coupling), 1 for the spinless
        model.  Ignored for AII, whose g is always counted per Kramers pair
        times two.
    order : {1, 2}
        1: leading order only; 2: adds the next non-vanishing term (four
        loops in AI and AII, the t^5 term in A).

    Notes
    -----
    Evers and Mirlin, RMP 80, 1355 (2008), Sec. II.C: with
    t = 1/(2 pi g_1), g_1 the conductance per spin (AI, A) or per Kramers pair
    (AII), the sigma-model gives -dt/dln L = beta_t(t) with
    AI: -2 t^2 - 12 zeta(3) t^5; A: -2 t^3 - 6 t^5; AII: +t^2 - (3/4) zeta(3) t^5.
    Hence dln g / dln L = beta_t(t) / t.  At leading order, for the total
    g = 2 g_1: AI -2/(pi g), AII +1/(pi g), A -2/(pi^2 g^2); for a spinless
    model (g = g_1) AI gives -1/(pi g) and A gives -1/(2 pi^2 g^2).
    """
    g = np.asarray(g, dtype=float)
    if symmetry_class not in ("AI", "AII", "A"):
        raise ValueError(f"unknown symmetry class {symmetry_class!r}; use 'AI', 'AII' or 'A'")
    if spin_degeneracy not in (1, 2):
        raise ValueError("spin_degeneracy must be 1 or 2")
    if order not in (1, 2):
        raise ValueError("order must be 1 or 2")
    if np.any(~np.isfinite(g)) or np.any(g <= 0):
        raise ValueError("g must be positive and finite")
    g1 = g / (2 if symmetry_class == "AII" else spin_degeneracy)
    t = 1.0 / (2 * np.pi * g1)
    lead = {"AI": -2 * t, "AII": t, "A": -2 * t**2}[symmetry_class]
    if order == 1:
        return lead
    nxt = {"AI": -12 * _ZETA3 * t**4, "AII": -0.75 * _ZETA3 * t**4,
           "A": -6 * t**4}[symmetry_class]
    return lead + nxt


def _local_slopes(x, y, window):
    """Least-squares slopes of y against x over ``window`` consecutive points (last axis)."""
    n = x.size - window + 1
    out = np.empty(y.shape[:-1] + (n,))
    for i in range(n):
        xs = x[i:i + window]
        xc = xs - xs.mean()
        out[..., i] = (y[..., i:i + window] * xc).sum(-1) / (xc**2).sum()
    return out


def beta_function(dataset: xr.Dataset, *, size: str = "size", window: int = 2,
                  bootstrap: int = 200, rng=0, channels=None) -> xr.Dataset:
    """beta(g) from the conductances of a size ladder.

    Parameters
    ----------
    dataset : xarray.Dataset
        With a variable ``conductance`` whose dimensions include ``size``
        (coordinate: the linear size L) and ``realization``; any other
        dimensions (disorder, energy, ...) are kept.  NaN marks realisations
        not computed.
    size : str
        Name of the size dimension.
    window : int
        Number of consecutive sizes in each local linear fit of <ln g> against
        ln L (2: finite differences between neighbours).
    bootstrap : int
        Bootstrap resamples of the realisation index (joint over sizes).
    rng : int or numpy.random.Generator
        Seed of the bootstrap (SPEC 7).
    channels : array_like, optional
        Open channels N of the leads at each size (in the order of the size
        coordinate).  When given, the Sharvin contact resistance of the two
        ideal leads is removed realisation by realisation,
        g -> g / (1 - g/N) (Beenakker, RMP 69, 731 (1997), Sec. II.A): the
        two-terminal g of small squares carries a contact term of relative
        size g/N ~ 1/L that makes beta too large by about g/N.

    Returns
    -------
    xarray.Dataset
        ``ln_g``, ``ln_g_err`` (<ln g> and its error, per size), ``g_mean``,
        ``g_mean_err``, and per size step (dimension ``step``, coordinate
        ``size_step`` = geometric mean of the window's sizes): ``beta``,
        ``beta_err`` and ``ln_g_step`` (<ln g> interpolated to the step's
        centre in ln L), the abscissa of a beta(g) plot.
    """
    if "conductance" not in dataset:
        raise ValueError("dataset has no 'conductance' variable")
    g = dataset["conductance"]
    for dim in (size, "realization"):
        if dim not in g.dims:
            raise ValueError(f"conductance has no '{dim}' dimension (dims: {g.dims})")
    sizes = np.asarray(dataset[size].values, dtype=float)
    if sizes.size < window or window < 2:
        raise ValueError(f"need window >= 2 and at least {window} sizes, got {sizes.size}")
    order = np.argsort(sizes)
    if np.any(np.diff(sizes[order]) <= 0) or np.any(sizes <= 0):
        raise ValueError("sizes must be positive and distinct")
    if channels is not None:
        n = np.asarray(channels, dtype=float)
        if n.shape != sizes.shape or np.any(n <= 0):
            raise ValueError("channels needs one positive number per size")
        nda = xr.DataArray(n, dims=size, coords={size: dataset[size].values})
        g = xr.apply_ufunc(sample_conductance, g, nda)
    g = g.isel({size: order}).transpose(..., size, "realization")
    lnL = np.log(sizes[order])
    rng = np.random.default_rng(rng)
    vals = g.values
    if np.any(vals[np.isfinite(vals)] <= 0):
        raise ValueError("conductances must be positive to take ln g")
    ln = np.log(vals)
    nreal = ln.shape[-1]
    idx = rng.integers(0, nreal, size=(bootstrap, nreal))

    def stats_of(ln_arr, g_arr):
        m_ln = np.nanmean(ln_arr, axis=-1)
        return m_ln, np.nanmean(g_arr, axis=-1), _local_slopes(lnL, m_ln, window)

    with np.errstate(invalid="ignore"):
        m_ln, m_g, beta = stats_of(ln, vals)
        boots = [stats_of(ln[..., i], vals[..., i]) for i in idx]
    err = [np.std(np.stack([b[k] for b in boots]), axis=0, ddof=1) for k in range(3)]
    steps = sizes.size - window + 1
    centre = np.array([lnL[i:i + window].mean() for i in range(steps)])
    ln_step = np.stack([np.interp(centre, lnL, row) for row in m_ln.reshape(-1, lnL.size)])
    ln_step = ln_step.reshape(m_ln.shape[:-1] + (steps,))
    other = [d for d in g.dims if d not in (size, "realization")]
    coords = {d: g[d].values for d in other if d in g.coords}
    dims_s = other + [size]
    dims_b = other + ["step"]
    out = xr.Dataset(
        {
            "ln_g": (dims_s, m_ln), "ln_g_err": (dims_s, err[0]),
            "g_mean": (dims_s, m_g), "g_mean_err": (dims_s, err[1]),
            "beta": (dims_b, beta), "beta_err": (dims_b, err[2]),
            "ln_g_step": (dims_b, ln_step),
        },
        coords={**coords, size: sizes[order], "size_step": ("step", np.exp(centre))},
    )
    out.attrs.update(window=window, bootstrap=bootstrap,
                     contact_resistance_removed=int(channels is not None),
                     definition="beta = d<ln g>/d ln L by local linear fits; errors from a "
                                "joint bootstrap over realisations")
    return out


def mean_free_path(lengths, g_mean, channels) -> float:
    """Elastic mean free path l from the conductance of short samples.

    Fits N/<g> = 1 + L/l* (the quasi-ballistic interpolation
    g = N l*/(L + l*) of Beenakker, RMP 69, 731 (1997), Eq. 1.4 and
    Sec. II.A) and returns l = (2/pi) l*, the 2D relation between the
    transport length l* of the Landauer formula and the mean free path.
    """
    L = np.asarray(lengths, float)
    y = float(channels) / np.asarray(g_mean, float) - 1.0
    if L.size < 2 or np.any(L <= 0) or np.any(~np.isfinite(y)):
        raise ValueError("need at least two positive lengths and finite conductances")
    slope = float(np.sum(L * y) / np.sum(L * L))   # straight line through the origin
    if slope <= 0:
        raise ValueError("conductance does not fall with length: no mean free path")
    return (2 / np.pi) / slope
