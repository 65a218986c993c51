"""Finite-size scaling: one-parameter scaling fits with irrelevant corrections, crossings.

Conventions: Q(p, L) any observable of a size ladder (<ln g>, <g>, Lambda =
xi_M / M) with p the control parameter (disorder W); L the linear size in
lattice constants (Slevin and Ohtsuki, PRL 82, 382 (1999); NJP 16, 015012 (2014)).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.optimize as opt
import scipy.stats as stats
import xarray as xr

__all__ = ["finite_size_scaling", "ScalingFit", "crossing_points"]


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
        """X = u_1(p) L^{1/nu}: the argument of the relevant scaling function."""
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
