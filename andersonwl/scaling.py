"""Scaling theory: beta(g) = dln g / dln L, perturbative beta functions, finite-size scaling.

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

import dataclasses
import math

import numpy as np
import scipy.optimize as opt
import scipy.special as sp
import scipy.stats as stats
import xarray as xr

__all__ = ["perturbative_beta", "beta_function", "finite_size_scaling", "ScalingFit",
           "crossing_points", "fermi_wavevector", "mean_free_path", "ioffe_regel"]

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
        if bool((g >= nda).any()):
            raise ValueError("g >= N somewhere: no contact resistance can be removed")
        g = g / (1 - g / nda)
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


def crossing_points(parameter, sizes, values):
    """Parameter values where the curves Q(p) of consecutive sizes cross.

    Parameters
    ----------
    parameter : (P,) array
        Sorted control parameter (for example the disorder W).
    sizes : (S,) array
    values : (P, S) array
        Observable Q(p, L).

    Returns
    -------
    list of (L1, L2, p_cross)
        Linear interpolation of Q_{L2} - Q_{L1} between the two parameter
        values where it changes sign; pairs that do not cross are omitted.
    """
    p = np.asarray(parameter, dtype=float)
    q = np.asarray(values, dtype=float)
    out = []
    for j in range(len(sizes) - 1):
        d = q[:, j + 1] - q[:, j]
        for i in range(p.size - 1):
            if d[i] == 0:
                out.append((sizes[j], sizes[j + 1], p[i]))
            elif d[i] * d[i + 1] < 0:
                out.append((sizes[j], sizes[j + 1], p[i] - d[i] * (p[i + 1] - p[i]) /
                            (d[i + 1] - d[i])))
    return out


@dataclasses.dataclass
class ScalingFit:
    """Result of :func:`finite_size_scaling`.

    ``values``/``errors``/``intervals`` hold ``critical`` (the critical
    parameter), ``nu``, ``q_c`` (the observable at the fixed point) and, with
    irrelevant corrections, ``y`` (the irrelevant exponent, Q ~ L^-y).
    Errors are bootstrap standard deviations, intervals the bootstrap
    percentile confidence intervals at ``confidence``.
    """
    values: dict
    errors: dict
    intervals: dict
    chi2: float
    dof: int
    p_value: float
    confidence: float
    params: np.ndarray
    spec: dict

    def scaling_variable(self, parameter, size):
        """x = u_1(p) L^{1/nu}: the argument of the relevant scaling function."""
        return _scaling_x(self.params, self.spec, np.asarray(parameter, float),
                          np.asarray(size, float))

    def predict(self, parameter, size):
        """The fitted Q(p, L)."""
        return _model(self.params, self.spec, np.asarray(parameter, float),
                      np.asarray(size, float))


def _unpack(params, spec):
    nr, mr, ni = spec["n_relevant"], spec["m_relevant"], spec["n_irrelevant"]
    pc, nu = params[0], params[1]
    a = params[2:3 + nr]
    b = params[3 + nr:3 + nr + mr - 1]
    rest = params[3 + nr + mr - 1:]
    y, c = (rest[0], rest[1:]) if ni >= 0 and rest.size else (None, np.empty(0))
    return pc, nu, a, b, y, c


def _scaling_x(params, spec, p, L):
    pc, nu, a, b, y, c = _unpack(params, spec)
    w = p - pc
    u1 = w + sum(bm * w ** (m + 2) for m, bm in enumerate(b))
    return u1 * L ** (1.0 / nu)


def _model(params, spec, p, L):
    pc, nu, a, b, y, c = _unpack(params, spec)
    x = _scaling_x(params, spec, p, L)
    q = np.polyval(a[::-1], x)
    if y is not None:
        q = q + L ** (-y) * np.polyval(c[::-1], x)
    return q


def _fit_once(p, L, q, dq, spec, x0):
    res = opt.least_squares(lambda th: (_model(th, spec, p, L) - q) / dq, x0,
                            method="lm", max_nfev=20000)
    return res


def finite_size_scaling(data: xr.Dataset, *, variable: str = "ln_g", error: str | None = None,
                        parameter: str = "disorder", size: str = "size",
                        n_relevant: int = 3, m_relevant: int = 1, n_irrelevant: int = -1,
                        critical: float | None = None, nu: float = 1.5, y: float = 2.0,
                        bootstrap: int = 200, confidence: float = 0.95, rng=0) -> ScalingFit:
    """Fit a one-parameter scaling form to Q(p, L) (Slevin and Ohtsuki).

    Q(p, L) = F_0(u_1 L^{1/nu}) + L^{-y} F_1(u_1 L^{1/nu}), with
    F_0(x) = sum_{n=0}^{n_relevant} a_n x^n, u_1 = w + sum_{m=2}^{m_relevant} b_m w^m,
    w = p - p_c, and, when ``n_irrelevant >= 0``, the irrelevant correction
    F_1(x) = sum_{n=0}^{n_irrelevant} c_n x^n (Slevin and Ohtsuki, PRL 82, 382
    (1999); NJP 16, 015012 (2014)).  Generic in the observable (<ln g>, <g>,
    Lambda = xi_M/M) and in the dimension.

    Parameters
    ----------
    data : xarray.Dataset
        Holding ``variable`` and its error with dimensions ``parameter`` and
        ``size`` (coordinates: parameter values and linear sizes L).
    variable, error : str
        Observable and its standard error (default ``variable + "_err"``).
    parameter, size : str
        Names of the control-parameter and size dimensions.
    n_relevant, m_relevant, n_irrelevant : int
        Expansion orders (``n_irrelevant = -1``: no irrelevant correction).
    critical, nu, y : float
        Starting values; ``critical=None`` starts from the mean crossing
        point of the curves (or the middle of the parameter range).
    bootstrap : int
        Synthetic data sets Q + dQ * N(0, 1) refitted for the confidence
        intervals, as Slevin and Ohtsuki do.
    rng : int or numpy.random.Generator

    Returns
    -------
    ScalingFit
    """
    if variable not in data:
        raise ValueError(f"no variable {variable!r} in the dataset")
    error = error or f"{variable}_err"
    if error not in data:
        raise ValueError(f"no error variable {error!r} in the dataset")
    if n_relevant < 1 or m_relevant < 1 or n_irrelevant < -1:
        raise ValueError("need n_relevant >= 1, m_relevant >= 1, n_irrelevant >= -1")
    q2 = data[variable].transpose(parameter, size)
    dq2 = data[error].transpose(parameter, size)
    pv = np.asarray(data[parameter].values, float)
    Lv = np.asarray(data[size].values, float)
    P, L = np.meshgrid(pv, Lv, indexing="ij")
    q, dq = q2.values.astype(float), dq2.values.astype(float)
    ok = np.isfinite(q) & np.isfinite(dq) & (dq > 0)
    P, L, q, dq = P[ok], L[ok], q[ok], dq[ok]
    spec = dict(n_relevant=n_relevant, m_relevant=m_relevant, n_irrelevant=n_irrelevant)
    npar = 2 + n_relevant + 1 + (m_relevant - 1) + (n_irrelevant + 2 if n_irrelevant >= 0 else 0)
    if q.size <= npar:
        raise ValueError(f"{q.size} data points cannot fit {npar} parameters")
    if critical is None:
        cross = crossing_points(pv[np.argsort(pv)], Lv,
                                q2.values[np.argsort(pv)])
        critical = float(np.mean([c[2] for c in cross])) if cross else float(np.mean(pv))
    # linear start for a_n at the starting p_c, nu
    x = (P - critical) * L ** (1 / nu)
    a0 = np.linalg.lstsq(np.vander(x, n_relevant + 1, increasing=True) / dq[:, None],
                         q / dq, rcond=None)[0]
    x0 = np.concatenate([[critical, nu], a0, np.zeros(m_relevant - 1)])
    if n_irrelevant >= 0:
        x0 = np.concatenate([x0, [y], np.zeros(n_irrelevant + 1)])
    best = _fit_once(P, L, q, dq, spec, x0)
    if not best.success:
        raise RuntimeError(f"scaling fit did not converge: {best.message}")
    chi2 = float(np.sum(best.fun**2))
    dof = q.size - npar
    gen = np.random.default_rng(rng)
    samples = []
    for _ in range(bootstrap):
        qs = q + dq * gen.standard_normal(q.size)
        r = _fit_once(P, L, qs, dq, spec, best.x)
        if r.success:
            samples.append(_summary(r.x, spec))
    names = list(_summary(best.x, spec))
    values = _summary(best.x, spec)
    alpha = (1 - confidence) / 2
    errors, intervals = {}, {}
    for k in names:
        s = np.array([d[k] for d in samples]) if samples else np.array([np.nan])
        errors[k] = float(np.std(s, ddof=1)) if s.size > 1 else float("nan")
        intervals[k] = (float(np.quantile(s, alpha)), float(np.quantile(s, 1 - alpha)))
    return ScalingFit(values=values, errors=errors, intervals=intervals, chi2=chi2, dof=dof,
                      p_value=float(stats.chi2.sf(chi2, dof)), confidence=confidence,
                      params=best.x, spec=spec)


def _summary(params, spec):
    pc, nu, a, b, y, c = _unpack(params, spec)
    out = {"critical": float(pc), "nu": float(nu), "q_c": float(a[0])}
    if y is not None:
        out["y"] = float(y)
    return out


def fermi_wavevector(energy: float, *, grid: int = 801) -> float:
    """Circular-equivalent Fermi wave vector of the clean square lattice.

    k_F = sqrt(4 pi n) with n = A_FS / (2 pi)^2 the number of states per site
    and spin below ``energy`` of epsilon(k) = -2 (cos kx + cos ky) (t = a = 1).
    """
    if not -4 < energy < 4:
        raise ValueError("energy must lie inside the clean band (-4, 4)")
    k = np.linspace(-np.pi, np.pi, grid, endpoint=False)
    kx, ky = np.meshgrid(k, k)
    frac = np.mean(-2 * (np.cos(kx) + np.cos(ky)) < energy)
    return math.sqrt(4 * np.pi * frac)


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


def ioffe_regel(model, *, lengths=(2, 4, 6, 8), realizations: int = 20, seed: int = 0,
                engine: str = "auto") -> dict:
    """Clean k_F, the mean free path l and the Ioffe-Regel parameter k_F l of ``model``.

    k_F is the circular-equivalent Fermi wave vector of the clean lattice at
    the model's energy (:func:`fermi_wavevector`); l comes from the mean
    conductance of short samples of the model's width (:func:`mean_free_path`,
    ``realizations`` samples per length, realisations ``seed, seed+1, ...``).
    k_F l >> 1 is the weak-disorder (diffusive metal) regime in which the
    perturbative beta functions apply; k_F l ~ 1 is the Ioffe-Regel limit.
    Lengths are in lattice constants.  2D strips only.
    """
    from .transport import conductance, open_channels
    if model.dimension != 2:
        raise ValueError("ioffe_regel is defined for 2D strips")
    if realizations < 1:
        raise ValueError("realizations must be positive")
    g = [np.mean([conductance(model.replace(length=int(L)), seed + r, engine=engine)
                  for r in range(realizations)]) for L in lengths]
    k_f = fermi_wavevector(model.energy)
    mfp = mean_free_path(lengths, g, open_channels(model))
    return {"k_F": k_f, "l": mfp, "k_F_l": k_f * mfp}
