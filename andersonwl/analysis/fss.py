"""Finite-size scaling: one-parameter scaling fits with irrelevant corrections, crossings.

Conventions: Q(p, L) any observable of a size ladder (<ln g>, <g>, Lambda =
xi_M / M) with p the control parameter (disorder W); L the linear size in
lattice constants (Slevin and Ohtsuki, PRL 82, 382 (1999); NJP 16, 015012 (2014)).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import scipy.optimize as opt
import scipy.stats as stats
import xarray as xr

__all__ = ["finite_size_scaling", "ScalingFit", "crossing_points", "select_orders",
           "OrderSelection", "collapse_quality", "collapse_fit", "CollapseFit"]


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


# ---------------------------------------------------------------------------
# Choice of the expansion orders
# ---------------------------------------------------------------------------

_START_KEYS = ("critical", "nu", "y", "confidence")


def _points(data, variable, error, parameter, size):
    """Flattened finite data points (p, L, Q, dQ) of a (parameter, size) dataset."""
    if not isinstance(data, xr.Dataset):
        raise ValueError("data must be an xarray.Dataset")
    if variable not in data:
        raise ValueError(f"no variable {variable!r} in the dataset")
    error = error or f"{variable}_err"
    if error not in data:
        raise ValueError(f"no error variable {error!r} in the dataset")
    for dim in (parameter, size):
        if dim not in data[variable].dims:
            raise ValueError(f"{variable!r} has no dimension {dim!r}")
    q2 = data[variable].transpose(parameter, size).values.astype(float)
    dq2 = data[error].transpose(parameter, size).values.astype(float)
    pv = np.asarray(data[parameter].values, float)
    Lv = np.asarray(data[size].values, float)
    P, L = np.meshgrid(pv, Lv, indexing="ij")
    ok = np.isfinite(q2) & np.isfinite(dq2) & (dq2 > 0)
    return P[ok], L[ok], q2[ok], dq2[ok]


def _npar(n_relevant, m_relevant, n_irrelevant):
    return 3 + n_relevant + (m_relevant - 1) + (n_irrelevant + 2 if n_irrelevant >= 0 else 0)


def _asymptotic_errors(params, spec, P, L, q, dq):
    """Standard errors of p_c and nu from the Jacobian at the minimum, (J^T J)^-1."""
    def resid(th):
        return (_model(th, spec, P, L) - q) / dq

    h = 1e-6 * np.maximum(np.abs(params), 1e-3)
    J = np.empty((q.size, params.size))
    for k in range(params.size):
        e = np.zeros(params.size)
        e[k] = h[k]
        J[:, k] = (resid(params + e) - resid(params - e)) / (2 * h[k])
    cov = np.linalg.pinv(J.T @ J)
    d = np.sqrt(np.clip(np.diag(cov), 0, None))
    return float(d[0]), float(d[1])


def _check_candidates(candidates):
    if candidates is None:
        return list(itertools.product(range(2, 5), range(1, 3), range(-1, 2)))
    try:
        cands = [tuple(c) for c in candidates]
    except TypeError:
        raise ValueError("candidates must be a sequence of (n_relevant, m_relevant, "
                         "n_irrelevant) triples") from None
    if not cands:
        raise ValueError("no candidate orders")
    out = []
    for c in cands:
        if len(c) != 3 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                  for v in c):
            raise ValueError(f"candidate {c!r} is not a triple of integers "
                             "(n_relevant, m_relevant, n_irrelevant)")
        nr, mr, ni = (int(v) for v in c)
        if nr < 1 or mr < 1 or ni < -1:
            raise ValueError(f"candidate {c!r}: need n_relevant >= 1, m_relevant >= 1, "
                             "n_irrelevant >= -1")
        if (nr, mr, ni) not in out:
            out.append((nr, mr, ni))
    return out


@dataclasses.dataclass(frozen=True)
class OrderSelection:
    """Result of :func:`select_orders`.

    Attributes
    ----------
    chosen : ScalingFit
        The chosen fit, refitted with the full bootstrap.
    orders : tuple of int
        Its ``(n_relevant, m_relevant, n_irrelevant)``.
    table : list of dict
        One row per candidate: ``orders``, ``npar``, ``chi2``, ``dof``,
        ``p_value``, ``critical``, ``critical_err``, ``nu``, ``nu_err``, ``y``,
        ``acceptable`` and ``status`` (``"ok"``, ``"failed: ..."`` or
        ``"skipped: ..."``).  The errors in the table are asymptotic standard
        errors from the Jacobian at the minimum (no bootstrap); those of the
        chosen fit are in ``chosen.errors`` (bootstrap).
    spread : dict
        For ``"critical"`` and ``"nu"``: the largest absolute difference
        between the value of an acceptable fit and that of the chosen fit.
    stable : bool
        Both spreads are within twice the bootstrap errors of the chosen fit.
    note : str
        How the choice was made (and whether it was a fallback).
    min_p_value : float
        The acceptance threshold used.
    """

    chosen: ScalingFit
    orders: tuple
    table: list
    spread: dict
    stable: bool
    note: str
    min_p_value: float

    def summary(self) -> str:
        """Plain-text table of the candidates and the choice."""
        lines = [f"{'orders':>11} {'npar':>4} {'chi2':>9} {'dof':>4} {'p':>9} "
                 f"{'p_c':>16} {'nu':>16}  status"]
        for r in self.table:
            mark = "*" if r["orders"] == self.orders else ("+" if r["acceptable"] else " ")
            lines.append(
                f"{mark}{str(r['orders']):>10} {r['npar']:>4} {r['chi2']:>9.2f} {r['dof']:>4} "
                f"{r['p_value']:>9.3g} {r['critical']:>8.4f}+-{r['critical_err']:<6.4f} "
                f"{r['nu']:>8.3f}+-{r['nu_err']:<6.3f}  {r['status']}")
        v, e = self.chosen.values, self.chosen.errors
        lines += [
            f"* chosen, + acceptable (p >= {self.min_p_value:g}); table errors asymptotic",
            f"chosen {self.orders}: p_c = {v['critical']:.5g} +- {e['critical']:.2g}, "
            f"nu = {v['nu']:.4g} +- {e['nu']:.2g} (bootstrap), p = {self.chosen.p_value:.3g}",
            f"spread over acceptable fits: p_c {self.spread['critical']:.2g}, "
            f"nu {self.spread['nu']:.2g}; stable = {self.stable}",
            self.note,
        ]
        return "\n".join(lines)


def _fit_candidate(data, orders, common, start, y_starts):
    """Best (lowest chi^2) of the fits from the starting values; None if all fail."""
    nr, mr, ni = orders
    best, best_start = None, None
    for y0 in (y_starts if ni >= 0 else (start.get("y", 2.0),)):
        kw = dict(start, y=y0)
        try:
            with np.errstate(all="ignore"):
                fit = finite_size_scaling(data, n_relevant=nr, m_relevant=mr, n_irrelevant=ni,
                                          bootstrap=0, **common, **kw)
        except (RuntimeError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
            last = exc
            continue
        if not np.isfinite(fit.chi2):
            last = RuntimeError("non-finite chi^2")
            continue
        if best is None or fit.chi2 < best.chi2:
            best, best_start = fit, kw
    if best is None:
        return None, None, last
    return best, best_start, None


def _inside_data(values, P, q) -> bool:
    """The fit's fixed point lies where the data are (else the fit is degenerate).

    The critical parameter must lie in the scanned range of the parameter, and
    the observable at the fixed point (``q_c``) within the range of the data
    widened by that range on either side.  A fit that puts the transition
    outside the scanned window, or its fixed-point value far from every data
    point, has traded its relevant against its irrelevant terms (measured: an
    SU(2) ladder at 0.5 % gave fits with W_c below every scanned disorder and
    Lambda_c ~ 1e66).
    """
    pc, qc = values["critical"], values["q_c"]
    span = float(np.ptp(q))
    return bool(P.min() <= pc <= P.max() and q.min() - span <= qc <= q.max() + span)


def select_orders(data: xr.Dataset, *, variable: str, error: str | None = None,
                  parameter: str = "disorder", size: str = "size", candidates=None,
                  min_p_value: float = 0.1, bootstrap: int = 100, rng=0,
                  **start) -> OrderSelection:
    """Choose the expansion orders of the scaling fit by a stated criterion.

    Every candidate ``(n_relevant, m_relevant, n_irrelevant)`` is fitted with
    :func:`finite_size_scaling` (without bootstrap); the chosen one is refitted
    with ``bootstrap`` synthetic data sets.

    Parameters
    ----------
    data : xarray.Dataset
        As for :func:`finite_size_scaling`.
    variable, error : str
        Observable (for example ``"ln_Lambda"``) and its standard error
        (default ``variable + "_err"``).
    parameter, size : str
        Names of the control-parameter and size dimensions.
    candidates : sequence of (int, int, int), optional
        Orders to try.  Default: ``n_relevant`` in 2..4, ``m_relevant`` in
        1..2, ``n_irrelevant`` in -1..1 (-1: no irrelevant correction).
        Candidates with fewer than one degree of freedom are skipped.
    min_p_value : float
        Acceptance threshold on the chi^2 p-value.
    bootstrap : int
        Bootstrap size of the final fit of the chosen orders.
    rng : int or numpy.random.Generator
        Seed of that bootstrap.
    **start
        Passed to :func:`finite_size_scaling`: ``critical``, ``nu``, ``y``
        (starting values) and ``confidence``.  Fits with an irrelevant
        correction are started from ``y`` and from 1 and 3, keeping the
        lowest chi^2.

    Returns
    -------
    OrderSelection

    Raises
    ------
    ValueError
        Unknown variable, no candidate with a positive number of degrees of
        freedom, malformed candidates.
    TypeError
        Unknown keyword in ``start``.

    Notes
    -----
    Selection rule.  A fit is *acceptable* if it converged, its p-value (the
    chi^2 tail probability with ``dof = N - npar``) is at least
    ``min_p_value``, nu > 0 and, with an irrelevant correction, y > 0, and its fixed
    point lies where the data are: the critical parameter inside the scanned range and
    ``q_c`` within the range of the data widened by that range on either side (status
    ``"degenerate"`` otherwise).  Among
    the acceptable fits the one with the fewest parameters is chosen, ties
    broken by the largest p-value (Slevin and Ohtsuki, NJP 16, 015012 (2014)
    use the same goodness-of-fit test and prefer the lowest orders that pass
    it).  If no fit is acceptable the converged fit with the largest p-value
    is chosen and ``note`` says so; ``stable`` is then False.

    Stability.  For the chosen fit, ``spread[k]`` is the largest
    ``abs(value_k(fit) - value_k(chosen))`` over all acceptable fits, for k
    the critical parameter and nu; ``stable`` means both spreads are at most
    twice the chosen fit's bootstrap errors (so that the result does not
    depend on the expansion orders within its quoted accuracy).

    Fits that raise (no convergence, singular steps) are recorded in the
    table with ``p_value = nan`` and a ``"failed"`` status, not raised.

    References: K. Slevin and T. Ohtsuki, PRL 82, 382 (1999); NJP 16, 015012
    (2014).
    """
    unknown = set(start) - set(_START_KEYS)
    if unknown:
        raise TypeError(f"select_orders got unexpected keyword(s) {sorted(unknown)}; "
                        f"allowed: {_START_KEYS}")
    if not 0 <= min_p_value < 1:
        raise ValueError("min_p_value must lie in [0, 1)")
    if bootstrap < 0:
        raise ValueError("bootstrap must be >= 0")
    cands = _check_candidates(candidates)
    P, L, q, dq = _points(data, variable, error, parameter, size)
    common = dict(variable=variable, error=error, parameter=parameter, size=size)
    y0 = float(start.get("y", 2.0))
    y_starts = tuple(dict.fromkeys((y0, 1.0, 3.0)))
    nan = float("nan")
    table, fits = [], {}
    for orders in cands:
        npar = _npar(*orders)
        row = dict(orders=orders, npar=npar, chi2=nan, dof=q.size - npar, p_value=nan,
                   critical=nan, critical_err=nan, nu=nan, nu_err=nan, y=None,
                   acceptable=False, status="ok")
        if q.size <= npar:
            row["status"] = f"skipped: {q.size} points, {npar} parameters"
            table.append(row)
            continue
        fit, kw, exc = _fit_candidate(data, orders, common, start, y_starts)
        if fit is None:
            row["status"] = f"failed: {exc}"[:80]
            table.append(row)
            continue
        with np.errstate(all="ignore"):
            try:
                ec, enu = _asymptotic_errors(fit.params, fit.spec, P, L, q, dq)
            except (ValueError, np.linalg.LinAlgError):
                ec = enu = nan
        v = fit.values
        physical = v["nu"] > 0 and v.get("y", 1.0) > 0
        inside = _inside_data(v, P, q)
        row.update(chi2=fit.chi2, dof=fit.dof, p_value=fit.p_value, critical=v["critical"],
                   critical_err=ec, nu=v["nu"], nu_err=enu, y=v.get("y"),
                   acceptable=bool(physical and inside and fit.p_value >= min_p_value))
        if not physical:
            row["status"] = "ok (unphysical: nu or y <= 0)"
        elif not inside:
            row["status"] = "ok (degenerate: fixed point outside the data)"
        table.append(row)
        fits[orders] = (fit, kw)
    if not fits:
        if all(r["status"].startswith("skipped") for r in table):
            raise ValueError(f"{q.size} data points: too few for every candidate")
        raise RuntimeError("no candidate fit converged:\n" +
                           "\n".join(f"{r['orders']}: {r['status']}" for r in table))
    good = [r for r in table if r["acceptable"]]
    if good:
        pick = min(good, key=lambda r: (r["npar"], -r["p_value"]))
        note = (f"rule: fewest parameters among {len(good)} acceptable fit(s) "
                f"(p >= {min_p_value:g}), ties by largest p-value")
        if len(good) == 1:
            note += "; only one acceptable fit, so the stability test is empty"
    else:
        done = [r for r in table if r["orders"] in fits and np.isfinite(r["p_value"])]
        pick = max(done, key=lambda r: (r["status"] == "ok",
                                        r["p_value"]))
        note = (f"no fit has p >= {min_p_value:g}: fallback to the largest p-value "
                f"(physical, non-degenerate fits first) "
                f"({pick['p_value']:.3g}); the scaling form or the data are inadequate")
    orders = pick["orders"]
    _, kw = fits[orders]
    with np.errstate(all="ignore"):
        chosen = finite_size_scaling(data, n_relevant=orders[0], m_relevant=orders[1],
                                     n_irrelevant=orders[2], bootstrap=bootstrap, rng=rng,
                                     **common, **kw)
    spread = {}
    for k in ("critical", "nu"):
        diffs = [abs(r[k] - chosen.values[k]) for r in good]
        spread[k] = float(max(diffs)) if diffs else nan
    stable = bool(good) and all(
        np.isfinite(chosen.errors[k]) and spread[k] <= 2 * chosen.errors[k]
        for k in ("critical", "nu"))
    if good and not all(np.isfinite(chosen.errors[k]) for k in ("critical", "nu")):
        note += "; no bootstrap errors (bootstrap = 0 or failed), stability not assessed"
    return OrderSelection(chosen=chosen, orders=orders, table=table, spread=spread,
                          stable=stable, note=note, min_p_value=float(min_p_value))


# ---------------------------------------------------------------------------
# Model-free data collapse (Houdayer and Hartmann)
# ---------------------------------------------------------------------------

def _curves(data, variable, error, parameter, size):
    """Per size: (L, p sorted, Q, dQ) with the non-finite points dropped."""
    P, L, q, dq = _points(data, variable, error, parameter, size)
    out = []
    for Lv in np.unique(L):
        m = L == Lv
        o = np.argsort(P[m])
        out.append((float(Lv), P[m][o], q[m][o], dq[m][o]))
    if len(out) < 2:
        raise ValueError("a data collapse needs at least two sizes")
    if sum(c[1].size for c in out) < 4 or min(c[1].size for c in out) < 2:
        raise ValueError("too few points: need at least two parameter values per size")
    return out


def _hh_quality(curves, critical, nu):
    """Houdayer-Hartmann S and the number N of terms in its sum."""
    xs = [(c[1] - critical) * c[0] ** (1.0 / nu) for c in curves]
    total, count = 0.0, 0
    for i, (_, _, y, dy) in enumerate(curves):
        x = xs[i]
        K = np.zeros(x.size)
        Kx, Ky, Kxx, Kxy = (np.zeros(x.size) for _ in range(4))
        for j, (_, _, yj, dyj) in enumerate(curves):
            if j == i:
                continue
            xj = xs[j]
            k = np.clip(np.searchsorted(xj, x, side="right") - 1, 0, xj.size - 2)
            ok = (xj[k] <= x) & (x <= xj[k + 1])
            for kk in (k, k + 1):
                w = np.where(ok, 1.0 / dyj[kk] ** 2, 0.0)
                K += w
                Kx += w * xj[kk]
                Ky += w * yj[kk]
                Kxx += w * xj[kk] ** 2
                Kxy += w * xj[kk] * yj[kk]
        delta = K * Kxx - Kx**2
        use = (K > 0) & (delta > 1e-12 * np.maximum(K * Kxx, 1e-300))
        if not np.any(use):
            continue
        K, Kx, Ky, Kxx, Kxy, delta, xu = (a[use] for a in (K, Kx, Ky, Kxx, Kxy, delta, x))
        Y = (Kxx * Ky - Kx * Kxy) / delta + xu * (K * Kxy - Kx * Ky) / delta
        dY2 = (Kxx - 2 * xu * Kx + xu**2 * K) / delta
        total += float(np.sum((y[use] - Y) ** 2 / (dy[use] ** 2 + dY2)))
        count += int(use.sum())
    return (total / count if count else float("inf")), count


def collapse_quality(data: xr.Dataset, *, variable: str, error: str | None = None,
                     parameter: str = "disorder", size: str = "size",
                     critical: float, nu: float) -> float:
    """Houdayer-Hartmann quality S of the data collapse Q(p, L) = F((p - p_c) L^{1/nu}).

    Model free: no form of the scaling function is assumed; S is the mean
    squared deviation, in units of the combined standard error, of every
    point from a local estimate of the master curve built from the *other*
    sizes.  S ~ 1 for a collapse consistent with the errors, S >> 1 otherwise.

    Parameters
    ----------
    data : xarray.Dataset
        Holding ``variable`` and its error with dimensions ``parameter`` and
        ``size``.
    variable, error : str
        Observable (dimensionless: Lambda, ln Lambda, <ln g>) and its
        standard error (default ``variable + "_err"``).
    parameter, size : str
        Names of the control-parameter and size dimensions.
    critical, nu : float
        Trial critical parameter and exponent (nu > 0).

    Returns
    -------
    float
        S; ``inf`` if no point has a bracketing pair in another size (the
        scaled curves do not overlap).

    Raises
    ------
    ValueError
        Unknown variable, nu <= 0, fewer than two sizes or than two points
        per size.

    Notes
    -----
    With x = (p - p_c) L^{1/nu}, for each point (x_i, y_i, dy_i) of size L
    and for each other size L' whose scaled abscissae bracket x_i
    (x'_j <= x_i <= x'_{j+1}), the two bracketing points are selected.  A
    straight line fitted to all selected points by weighted least squares
    (weights 1/dy^2) gives the master-curve estimate Y(x_i) and its variance
    dY^2(x_i) = (K_xx - 2 x_i K_x + x_i^2 K) / (K K_xx - K_x^2), with
    K_nm = sum w x^n y^m.  Then::

        S = (1/N) sum_i (y_i - Y(x_i))^2 / (dy_i^2 + dY^2(x_i)),

    summed over the N points that have at least one bracketing pair.  The
    observable is not rescaled (Q is dimensionless at the Anderson
    transition).  J. Houdayer and A. K. Hartmann, PRB 70, 014418 (2004),
    appendix; refining N. Kawashima and N. Ito, J. Phys. Soc. Jpn. 62, 435
    (1993).
    """
    if not (np.isfinite(nu) and nu > 0):
        raise ValueError("nu must be positive")
    curves = _curves(data, variable, error, parameter, size)
    return _hh_quality(curves, float(critical), float(nu))[0]


@dataclasses.dataclass(frozen=True)
class CollapseFit:
    """Result of :func:`collapse_fit`.

    Attributes
    ----------
    critical, nu : float
        Parameters minimising the Houdayer-Hartmann quality S.
    quality : float
        S_min, the minimal S (about 1 for a collapse consistent with the errors).
    n_points : int
        N, the number of terms of S at the minimum.
    errors : dict
        ``"critical"`` and ``"nu"``: half the width of ``intervals``.
    intervals : dict
        ``"critical"`` and ``"nu"``: (low, high) where N (S - S_min) = ``rise``
        along the profile (the other parameter re-minimised); nan where the
        rise is not reached.
    rise : float
        The rise of N S defining the intervals.
    """

    critical: float
    nu: float
    quality: float
    n_points: int
    errors: dict
    intervals: dict
    rise: float

    def __iter__(self):
        """Unpack as ``critical, nu, quality``."""
        return iter((self.critical, self.nu, self.quality))


def collapse_fit(data: xr.Dataset, *, variable: str, error: str | None = None,
                 parameter: str = "disorder", size: str = "size", critical0: float,
                 nu0: float, rise: float = 1.0) -> CollapseFit:
    """Critical parameter and nu of the best model-free data collapse.

    Minimises the Houdayer-Hartmann quality S of :func:`collapse_quality`
    over (p_c, nu) with Nelder-Mead from (``critical0``, ``nu0``), and gives
    error bars from the width of the minimum.

    Parameters
    ----------
    data : xarray.Dataset
        As for :func:`collapse_quality`.
    variable, error : str
        Observable and its standard error (default ``variable + "_err"``).
    parameter, size : str
        Names of the control-parameter and size dimensions.
    critical0, nu0 : float
        Starting values (nu0 > 0).
    rise : float
        Rise of N S that defines the error bars (default 1: one standard
        deviation).  ``rise = N`` reproduces the rule "S rises by 1".

    Returns
    -------
    CollapseFit
        Unpacks as ``critical, nu, S_min``.

    Raises
    ------
    ValueError
        Bad input (as :func:`collapse_quality`), ``rise <= 0``.
    RuntimeError
        No finite S near the start (the scaled curves never overlap).

    Notes
    -----
    Error convention.  Houdayer and Hartmann (PRB 70, 014418 (2004)) quote
    error bars from the width of the minimum of S.  Here N S, with N the
    number of terms of S at the minimum, is read as a chi^2-like sum of N
    unit-variance terms, and the error interval of each parameter is where
    N (S - S_min) <= ``rise`` along its profile (the other parameter
    re-minimised at each trial value), the Delta chi^2 = 1 rule for
    ``rise = 1``.  ``errors`` is half the width of that interval.  With the
    rule "S rises by 1" (``rise = N``) the intervals are about sqrt(N) times
    wider.  The rule is a heuristic: S is not an exact chi^2 (every point
    enters both as a datum and in the master curve of the other sizes); see
    the tests for its calibration on synthetic data.

    S is piecewise smooth in the parameters (the bracketing pairs change as
    the scaled abscissae move), which suits a derivative-free minimiser.  The
    linear local master curve is biased where the scaling function is curved
    on the scale of the spacing of the scaled abscissae; that bias is not in
    the error bars (on the synthetic data of the tests, curvature
    F'' = 0.2 and spacing 0.05 in p, it shifts p_c by about one error bar).
    Collapse of Q itself: valid without irrelevant corrections; with strong
    corrections use :func:`finite_size_scaling`.  References: J. Houdayer
    and A. K. Hartmann, PRB 70, 014418 (2004); N. Kawashima and N. Ito, J.
    Phys. Soc. Jpn. 62, 435 (1993).
    """
    if not (np.isfinite(nu0) and nu0 > 0):
        raise ValueError("nu0 must be positive")
    if not rise > 0:
        raise ValueError("rise must be positive")
    curves = _curves(data, variable, error, parameter, size)
    pspan = float(np.ptp(np.concatenate([c[1] for c in curves])))

    def S(th):
        if not (np.isfinite(th).all() and th[1] > 0):
            return float("inf")
        with np.errstate(all="ignore"):
            return _hh_quality(curves, float(th[0]), float(th[1]))[0]

    x0 = np.array([float(critical0), float(nu0)])
    if not np.isfinite(S(x0)):
        raise RuntimeError("the scaled curves do not overlap at the starting values")
    simplex = np.array([x0, x0 + [0.05 * pspan, 0], x0 + [0, 0.1 * x0[1]]])
    res = None
    for _ in range(3):                      # restarts shrink the simplex around the minimum
        res = opt.minimize(S, x0, method="Nelder-Mead",
                           options=dict(initial_simplex=simplex, xatol=1e-7, fatol=1e-9,
                                        maxiter=4000, maxfev=8000))
        step = np.maximum(np.abs(res.x - x0), [1e-3 * pspan, 1e-3 * res.x[1]])
        x0 = res.x
        simplex = np.array([x0, x0 + [step[0], 0], x0 + [0, step[1]]])
    pc, nu = (float(v) for v in res.x)
    smin, n = _hh_quality(curves, pc, nu)
    target = smin + rise / n
    scales = (max(1e-4 * pspan, 1e-12), max(1e-4 * nu, 1e-12))
    widths = (0.2 * nu, 0.1 * pspan)      # search range of the other parameter
    intervals = {}
    for k, name in enumerate(("critical", "nu")):
        intervals[name] = _profile_interval(S, res.x, k, target, scales[k], widths[k])
    errors = {k: (0.5 * (hi - lo)) for k, (lo, hi) in intervals.items()}
    return CollapseFit(critical=pc, nu=nu, quality=float(smin), n_points=int(n),
                       errors=errors, intervals=intervals, rise=float(rise))


def _profile_interval(S, best, k, target, step, width):
    """(lo, hi) where the profile of S in parameter k first reaches ``target``.

    The profile minimises S over the other parameter within ``width`` of its
    previous optimum (warm start), at each trial value of parameter k.
    """
    other = 1 - k
    guess = best[other]

    def profile(v):
        nonlocal guess

        def f(u):
            th = np.empty(2)
            th[k], th[other] = v, u
            return S(th)

        r = opt.minimize_scalar(f, bounds=(guess - width, guess + width), method="bounded",
                                options=dict(xatol=1e-7 * max(abs(guess), 1.0)))
        f0 = f(guess)
        if r.fun < f0:
            guess = float(r.x)
            return r.fun - target
        return f0 - target

    out = []
    for sgn in (-1.0, 1.0):
        guess = best[other]
        a, d = best[k], step
        fa = min(S(np.asarray(best, float)) - target, -1e-300)
        fb = fa
        for _ in range(60):
            b = best[k] + sgn * d
            fb = profile(b)
            if not (np.isfinite(fb) and fb < 0):
                break
            a, fa, d = b, fb, 2 * d
        if not (np.isfinite(fb) and fb >= 0):
            out.append(float("nan"))
            continue
        try:
            out.append(float(opt.brentq(profile, a, b, xtol=1e-4 * step)))
        except ValueError:                 # S is piecewise: no clean sign change left
            out.append(float(b))
    return (min(out), max(out)) if all(np.isfinite(out)) else tuple(out)
