"""Least-squares fits of magnetoconductance curves: one curve, or several with a shared alpha.

The formulas (HLN, HLN-SO, ILP, McCann) and their conventions are in
:mod:`andersonwl.analysis.wl_formulas`; the weights in
:mod:`andersonwl.analysis.stats`.  delta_sigma per square in e^2/h; with
``units="lattice"`` fields are fluxes per plaquette in h/e and lengths in
lattice constants, with ``units="tesla"`` tesla and metres.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from scipy import ndimage, optimize, stats

from ..units import _check_units, characteristic_field, characteristic_length
from .stats import whitener
from .wl_formulas import (
    L_SO_CONVENTIONS,
    MODEL_LENGTHS,
    check_model,
    model_delta_sigma,
    shape,
)

__all__ = ["MagnetoconductanceFit", "fit_magnetoconductance", "SharedAlphaFit",
           "fit_shared_alpha", "fit_sweep"]


@dataclasses.dataclass(frozen=True)
class MagnetoconductanceFit:
    """Result of :func:`fit_magnetoconductance`.

    Attributes
    ----------
    model : str
        ``"hln"``, ``"hln-so"``, ``"ilp"`` or ``"mccann"``.
    units : str
        ``"lattice"`` (field: flux per plaquette in h/e, lengths in lattice
        constants) or ``"tesla"`` (field in T, lengths in m).
    values, errors : dict
        ``alpha``, ``l_phi`` and, for hln-so and ilp, ``l_so``, for mccann
        ``l_i`` (intervalley) and ``l_star`` (intravalley symmetry breaking)
        (and ``offset`` when fitted, in e^2/h); ``l_so`` is in the convention
        of the model (:attr:`l_so_convention`: hln-so and ilp define it
        differently); errors are one standard deviation from the covariance
        (0 for a fixed parameter; inf when the data do not constrain the
        parameter).
    free : tuple of str
        The fitted parameters (``alpha`` is fixed when ``alpha=`` is given,
        and for hln-so, ilp and mccann unless ``free_prefactor=True``).
    covariance : numpy.ndarray
        Covariance of the free parameters, in the order of ``free``.
    chi2, dof, reduced_chi2 : float, int, float
        chi^2 = sum of squared (weighted) residuals, dof = points - free
        parameters; without ``sigma_err`` chi^2 is in (e^2/h)^2 and the errors
        are scaled by sqrt(reduced_chi2).
    p_value : float or None
        P(chi^2_dof >= chi2) when ``sigma_err`` was given, else None.
    field, delta_sigma, sigma_err : numpy.ndarray
        The data fitted (sigma_err is None when not given, a matrix when a
        covariance was given).
    success : bool
    message : str
    """

    model: str
    units: str
    values: dict
    errors: dict
    free: tuple
    covariance: np.ndarray
    chi2: float
    dof: int
    reduced_chi2: float
    p_value: float | None
    field: np.ndarray
    delta_sigma: np.ndarray
    sigma_err: np.ndarray | None
    success: bool
    message: str

    @property
    def b_phi(self) -> float:
        """B_phi in the field units (flux per plaquette or tesla)."""
        return float(characteristic_field(self.values["l_phi"], self.units))

    def _field(self, name):
        if name not in self.values:
            return None
        return float(characteristic_field(self.values[name], self.units))

    @property
    def b_so(self) -> float | None:
        """B_so in the field units, None for the hln and mccann models."""
        return self._field("l_so")

    @property
    def b_i(self) -> float | None:
        """Intervalley field B_i in the field units (mccann), None for the other models."""
        return self._field("l_i")

    @property
    def b_star(self) -> float | None:
        """Intravalley symmetry-breaking field B_* in the field units (mccann), else None."""
        return self._field("l_star")

    @property
    def l_so_convention(self) -> str | None:
        """What ``l_so`` means in this model (see ``wl_formulas.L_SO_CONVENTIONS``).

        None for the hln model, which has no L_so.
        """
        return L_SO_CONVENTIONS.get(self.model)

    def predict(self, field):
        """delta_sigma (e^2/h) of the fitted model at ``field`` (plus the offset, if fitted)."""
        return (model_delta_sigma(self.model, field, self.b_phi, self.b_so, self.values["alpha"],
                                  b_i=self.b_i, b_star=self.b_star)
                + self.values.get("offset", 0.0))

    def summary(self) -> str:
        """The parameters with their errors and the goodness of fit, as text."""
        unit = "a" if self.units == "lattice" else "m"
        lines = [f"model {self.model} ({self.units} units), {len(self.field)} points"]
        for name in _ORDER:
            if name not in self.values:
                continue
            v, e = self.values[name], self.errors[name]
            fixed = "" if name in self.free else "  (fixed)"
            u = {"alpha": "", "offset": " e^2/h"}.get(name, f" {unit}")
            lines.append(f"  {name:6s} = {v:.6g} +- {e:.2g}{u}{fixed}")
        fu = "h/e per plaquette" if self.units == "lattice" else "T"
        lines.append(f"  B_phi  = {self.b_phi:.6g} {fu}")
        if self.b_so is not None:
            lines.append(f"  B_so   = {self.b_so:.6g} {fu}")
            lines.append(f"  L_so convention: {self.l_so_convention}")
        if self.model == "mccann":
            lines.append(f"  B_i    = {self.b_i:.6g} {fu}")
            lines.append(f"  B_*    = {self.b_star:.6g} {fu}")
            if self.b_star < self.b_i:
                lines.append("  note: B_* < B_i (L_star > L_i), whereas McCann et al. have "
                             "1/tau_* >= 1/tau_i: the curve does not separate the two "
                             "elastic rates (see their errors), or the formula does not "
                             "describe the sample")
        gof = f"  chi2 = {self.chi2:.4g}, dof = {self.dof}, reduced chi2 = {self.reduced_chi2:.4g}"
        if self.p_value is not None:
            gof += f", p = {self.p_value:.3g}"
        lines.append(gof)
        if not self.success:
            lines.append(f"  warning: {self.message}")
        return "\n".join(lines)

    __str__ = summary


#: the parameters of a fit, in the order of ``free`` and of the covariance
_ORDER = ("alpha", "l_phi", "l_so", "l_i", "l_star", "offset")

#: points per axis of the starting grid of the characteristic fields, by their number
_GRID_POINTS = {1: (121,), 2: (31, 31), 3: (41, 17, 17)}
_GRID_TOP = {1: 2.0, 2: 2.0, 3: 4.0}

#: refinements started from the grid: the best points for one or two lengths, the best
#: local minima of the grid (whose basins may be narrow and far apart) for three
_STARTS = 3
_STARTS_3D = 8
_SCREEN_NFEV = 100


def _grid_starts(costs, points):
    """Indices of the grid points (``points`` per axis) the refinement starts from, best first."""
    if len(points) < 3:
        return np.argsort(costs)[:_STARTS]
    c = costs.reshape(points)
    local = np.flatnonzero(c == ndimage.minimum_filter(c, size=3, mode="nearest"))
    return local[np.argsort(costs[local], kind="stable")][:_STARTS_3D]


def _as_1d(name, value):
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def fit_magnetoconductance(field, delta_sigma, model="hln", units="lattice", sigma_err=None,
                           *, free_prefactor=False, offset=False,
                           alpha=None) -> MagnetoconductanceFit:
    """Fit a weak-(anti)localization formula to a magnetoconductance curve.

    Parameters
    ----------
    field : array_like
        B: flux per plaquette in h/e (``units="lattice"``) or tesla
        (``units="tesla"``); any sign (the formulas are even in B), zero
        allowed (delta_sigma(0) = 0 by definition).
    delta_sigma : array_like
        sigma(B) - sigma(0) per square, in e^2/h.
    model : {"hln", "hln-so", "ilp", "mccann"}
        See the module notes: simplified HLN (free alpha, L_phi), HLN with
        isotropic spin-orbit relaxation (L_phi, L_so), ILP for Rashba
        coupling (L_phi, L_so) or McCann for graphene (L_phi, the intervalley
        L_i and the intravalley symmetry-breaking L_star).
    units : {"lattice", "tesla"}
        Lengths come out in lattice constants or metres.
    sigma_err : array_like, optional
        One-standard-deviation errors of delta_sigma (> 0), or their full
        covariance matrix (n x n, positive definite; e.g. ``delta_sigma_cov``
        of :func:`andersonwl.magnetoconductance`, whose points share their
        realisations and are strongly correlated).  When given the fit is
        weighted (generalised least squares for a covariance), the parameter
        errors come from the covariance as they are and a p-value is reported;
        when not, all points weigh the same and the covariance is scaled by
        the reduced chi^2.
    free_prefactor : bool, optional
        hln-so, ilp and mccann only: fit the overall prefactor A >= 0
        (reported as ``alpha``) instead of holding it at its theoretical
        value 1.
    offset : bool, optional
        Also fit a constant c added to the model (``values["offset"]``, e^2/h):
        for measured curves whose sigma(0) reference is itself a noisy point,
        so that its error enters the parameters' errors instead of biasing them.
    alpha : float, optional
        Hold the prefactor at this value instead of fitting it (hln: alpha;
        hln-so, ilp and mccann: A > 0, default 1; not together with
        ``free_prefactor``).
        A curve that does not reach well beyond B_phi determines only the
        combination alpha / B_phi^2 of its quadratic onset, so alpha and L_phi
        trade against each other; fixing alpha (at its theoretical value, or at
        the value a joint fit of several curves gives) resolves L_phi.

    Returns
    -------
    MagnetoconductanceFit
        ``values`` and ``errors`` hold ``alpha``, ``l_phi`` and (hln-so, ilp)
        ``l_so`` or (mccann) ``l_i`` and ``l_star``.

    Raises
    ------
    ValueError
        Unknown model or units, NaN/inf, mismatched lengths, non-positive
        errors, fewer points than free parameters + 1, or no non-zero field.

    Notes
    -----
    Convention: delta_sigma = (alpha/pi) [psi(1/2 + B_phi/B) - ln(B_phi/B)] in
    e^2/h with B_phi = hbar / (4 e L_phi^2), i.e. a flux per plaquette
    1 / (8 pi L_phi^2) in lattice units (Hikami, Larkin, Nagaoka, Prog. Theor.
    Phys. 63, 707 (1980)).  alpha = +1 spin-degenerate WL, +1/2 for a spinless
    model (one spin species), -1/2 strong spin-orbit coupling (WAL; one
    Kramers pair, only the singlet Cooperon), 0 unitary class.  ILP:
    Iordanskii, Lyanda-Geller, Pikus, JETP Lett. 60, 206 (1994), as written by
    Knap et al., PRB 53, 3912 (1996).  In hln-so and ilp ``alpha`` is the
    prefactor A of the whole physical form (1 = one spin-1/2 band; the WAL
    cusp then has HLN alpha = -A/2), fixed at 1 unless ``free_prefactor``.

    McCann: McCann, Kechedzhi, Fal'ko, Suzuura, Ando, Altshuler, PRL 97,
    146805 (2006), Eq. 3, as used by Tikhonenko et al., PRL 100, 056802
    (2008): delta_sigma = (A/pi) [Y(B_phi/B) - Y((B_phi + 2 B_i)/B) -
    2 Y((B_phi + B_*)/B)] with Y(x) = psi(1/2 + x) - ln x, the conductivity of
    graphene with its spin and valley degeneracy (A = 1; see
    :func:`andersonwl.analysis.wl_formulas.mccann`).  L_phi, L_i and L_star
    are fitted independently: McCann et al. have 1/tau_* = 1/tau_w +
    2/tau_z + 1/tau_i, hence physically B_* >= B_i (L_star <= L_i), but this
    is not imposed as a bound: a fit that ended on it would report errors
    from the curvature at a boundary, which are not standard errors, and
    would hide that the data disagree with it.  A fit with B_* < B_i says
    that the curve does not separate the two elastic rates or that the
    formula does not describe the sample; the summary then notes it.  The
    intervalley term matters only where B is comparable to B_i, and the
    intravalley one only where B is comparable to B_*: a curve that stops
    well below a characteristic field leaves that length poorly determined
    (large error, or inf).

    The lengths are fitted as logarithms, starting from the best point of a
    logarithmic grid of characteristic fields (with the linear prefactor
    solved exactly at each grid point), then refined by
    :func:`scipy.optimize.least_squares`; errors of the lengths follow from
    sigma(ln L) by L sigma(ln L).  With three lengths (mccann) the valleys
    of chi^2 are narrow and several: the refinement starts from each of the
    best local minima of the grid, and the best result is refined in full.
    When a characteristic field lies far outside the measured range, chi^2
    may have two minima of nearly equal depth; the errors, from the
    curvature at the minimum found, then do not describe the other one.
    """
    check_model(model)
    _check_units(units)
    b = _as_1d("field", field)
    y = _as_1d("delta_sigma", delta_sigma)
    if b.shape != y.shape:
        raise ValueError(f"field and delta_sigma have different lengths ({b.size} and {y.size})")
    if y.size and np.ptp(y) == 0:
        raise ValueError("delta_sigma is the same at every field: a flat curve has no cusp, "
                         "and alpha and the lengths are undetermined (nothing to fit)")
    err = None
    if sigma_err is not None:
        err = np.asarray(sigma_err, dtype=float)
        if err.ndim == 2:
            # a covariance matrix: whiten the residuals with its Cholesky factor
            if err.shape != (y.size, y.size):
                raise ValueError(f"the covariance sigma_err has shape {err.shape}, expected "
                                 f"({y.size}, {y.size})")
            if not np.all(np.isfinite(err)):
                raise ValueError("sigma_err contains NaN or infinite values")
            if not np.allclose(err, err.T, rtol=1e-10, atol=0.0):
                raise ValueError("the covariance sigma_err is not symmetric")
        else:
            err = _as_1d("sigma_err", err)
            if err.shape != y.shape:
                raise ValueError(f"sigma_err has length {err.size}, delta_sigma {y.size}")
            if np.any(err <= 0):
                raise ValueError("sigma_err must be positive")
    try:
        whiten = whitener(err, y.size)
    except np.linalg.LinAlgError:
        raise ValueError("the covariance sigma_err is not positive definite") from None
    for name, flag in (("free_prefactor", free_prefactor), ("offset", offset)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if alpha is not None:
        if isinstance(alpha, (bool, np.bool_)) or not np.isfinite(alpha):
            raise ValueError(f"alpha must be a finite number, got {alpha!r}")
        if free_prefactor:
            raise ValueError("alpha fixes the prefactor: do not combine it with "
                             "free_prefactor=True")
        if model != "hln" and not alpha > 0:
            raise ValueError(f"the {model} prefactor A must be positive, got {alpha!r}")
    alpha_fixed = 1.0 if alpha is None else float(alpha)
    absb = np.abs(b)
    if not np.any(absb > 0):
        raise ValueError("the field must have at least one non-zero value")
    lengths = MODEL_LENGTHS[model]
    free_alpha = (model == "hln" and alpha is None) or bool(free_prefactor)
    nlen = len(lengths)
    linear = (["alpha"] if free_alpha else []) + (["offset"] if offset else [])
    npar = nlen + len(linear)
    if b.size < npar + 1:
        raise ValueError(f"model {model!r} has {npar} free parameters and needs at least "
                         f"{npar + 1} points, got {b.size}")

    bref = float(absb.max())
    bs = absb / bref                                 # scaled fields in (0, 1]

    bmin = float(bs[bs > 0].min())
    lo, hi = math.log(bmin) - 9.0, 9.0               # bounds on ln(B_x / bref)

    def unpack(theta):
        fields = [math.exp(t) for t in theta[:nlen]]        # B_x / bref, in MODEL_LENGTHS order
        lin = dict(zip(linear, theta[nlen:]))
        return fields, lin.get("alpha", alpha_fixed), lin.get("offset", 0.0)

    def residuals(theta):
        fields, a, c = unpack(theta)
        return whiten(a * shape(model, bs, *fields) + c - y)

    # starting point: logarithmic grid of the characteristic fields, with the
    # linear parameters (alpha and/or offset) solved exactly at each point
    axes = [np.linspace(math.log(bmin) - 4.0, _GRID_TOP[nlen], n) for n in _GRID_POINTS[nlen]]
    starts = [g.ravel() for g in np.meshgrid(*axes, indexing="ij")]   # ln fields
    gp = starts[0]
    shapes = shape(model, bs[None, :], *[np.exp(g)[:, None] for g in starts])
    lin0 = np.zeros((len(gp), len(linear)))
    target = y if free_alpha else y - alpha_fixed * shapes   # what the linear part must explain
    target = np.broadcast_to(target, shapes.shape)
    if linear:
        cols = []
        if free_alpha:
            cols.append(shapes)
        if offset:
            cols.append(np.ones_like(shapes))
        design = np.stack(cols, axis=-1)                              # (grid, n, k)
        for i in range(len(gp)):
            lin0[i] = np.linalg.lstsq(whiten(design[i]), whiten(target[i]), rcond=None)[0]
        if free_alpha and model != "hln":
            lin0[:, 0] = np.maximum(lin0[:, 0], 0.0)   # the prefactor A is not negative
    model0 = lin0[:, :1] * shapes if free_alpha else alpha_fixed * shapes
    if offset:
        model0 = model0 + lin0[:, -1:]
    costs = np.sum(whiten((model0 - y).T) ** 2, axis=0)
    lower = np.array([lo] * nlen + [-np.inf] * len(linear))
    if free_alpha and model != "hln":
        lower[nlen] = 0.0                              # prefactor A >= 0
    upper = np.array([hi] * nlen + [np.inf] * len(linear))

    def refine(theta0, max_nfev):
        return optimize.least_squares(residuals, theta0, bounds=(lower, upper), x_scale=1.0,
                                      diff_step=1e-7, xtol=1e-12, ftol=1e-12, gtol=1e-12,
                                      max_nfev=max_nfev)

    best = None
    for i in _grid_starts(costs, _GRID_POINTS[nlen]):
        theta0 = np.array([g[i] for g in starts] + list(lin0[i]))
        theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)
        if free_alpha and model != "hln":
            theta0[nlen] = max(theta0[nlen], 1e-3)
        # three lengths: the starts are screened (a start in a flat, degenerate valley
        # would crawl for thousands of steps) and the best one is then refined in full
        res = refine(theta0, 2000 if nlen < 3 else _SCREEN_NFEV)
        if best is None or res.cost < best.cost:
            best = res
    res = best if nlen < 3 else refine(best.x, 2000)
    chi2 = float(2.0 * res.cost)
    dof = int(b.size - npar)
    red = chi2 / dof

    # covariance of theta from the Jacobian (pseudo-inverse; directions the
    # data do not constrain get infinite variance)
    jac = np.asarray(res.jac, dtype=float)
    _, sv, vt = np.linalg.svd(jac, full_matrices=False)
    tol = sv.max() * max(jac.shape) * np.finfo(float).eps if sv.size else 0.0
    ok = sv > tol
    cov_theta = (vt[ok].T / sv[ok] ** 2) @ vt[ok]
    if not np.all(ok):
        bad = np.any(np.abs(vt[~ok]) > 1e-8, axis=0)
        cov_theta[bad, :] = np.inf
        cov_theta[:, bad] = np.inf
    if err is None:
        cov_theta = cov_theta * red

    fields, a, c = unpack(res.x)
    values = {"alpha": float(a)}
    for name, hx in zip(lengths, fields):
        values[name] = float(characteristic_length(hx * bref, units))
    # l = sqrt(const / (bref e^theta)): d l / d theta = -l / 2
    names = list(lengths)
    dtheta = [-0.5 * values[name] for name in lengths]
    if offset:
        values["offset"] = float(c)
    names += linear
    dtheta += [1.0] * len(linear)
    dtheta = np.array(dtheta)
    with np.errstate(invalid="ignore"):
        cov = cov_theta * np.outer(dtheta, dtheta)
    cov = np.where(np.isinf(cov_theta), np.inf, cov)
    errors = {k: 0.0 for k in values}
    for i, name in enumerate(names):
        errors[name] = float(math.sqrt(cov[i, i])) if np.isfinite(cov[i, i]) else math.inf
    order = [n for n in _ORDER if n in names]
    perm = [names.index(n) for n in order]
    cov = cov[np.ix_(perm, perm)]
    p_value = float(stats.chi2.sf(chi2, dof)) if err is not None else None
    return MagnetoconductanceFit(
        model=model, units=units, values=values, errors=errors, free=tuple(order),
        covariance=cov, chi2=chi2, dof=dof, reduced_chi2=float(red), p_value=p_value,
        field=b, delta_sigma=y, sigma_err=err, success=bool(res.success), message=str(res.message))


@dataclasses.dataclass(frozen=True)
class SharedAlphaFit:
    """Result of :func:`fit_shared_alpha`: one HLN alpha, one L_phi per curve.

    Attributes
    ----------
    alpha, alpha_err : float
        The common HLN prefactor and its standard error.
    l_phi, l_phi_err : numpy.ndarray
        L_phi of each curve (lattice constants or metres) and its standard
        error, which includes the uncertainty of the shared alpha.
    b_phi : numpy.ndarray
        The characteristic fields B_phi of the curves (field units).
    covariance : numpy.ndarray
        Covariance of (alpha, l_phi[0], l_phi[1], ...).
    chi2, dof, reduced_chi2, p_value
        Goodness of the joint fit (p_value None without ``sigma_err``).
    fits : list of MagnetoconductanceFit
        Per-curve HLN fits with alpha held at the shared value (for plots and
        predictions; their own errors ignore the uncertainty of alpha).
        Computed on first access.
    units : str
    curves : tuple
        The curves fitted, as (field, delta_sigma, sigma_err or None).
    """

    alpha: float
    alpha_err: float
    l_phi: np.ndarray
    l_phi_err: np.ndarray
    b_phi: np.ndarray
    covariance: np.ndarray
    chi2: float
    dof: int
    reduced_chi2: float
    p_value: float | None
    units: str
    curves: tuple

    @functools.cached_property
    def fits(self) -> list:
        """Per-curve HLN fits with alpha held at the shared value (computed on first access)."""
        return [fit_magnetoconductance(f, y, "hln", self.units, e, alpha=self.alpha)
                for f, y, e in self.curves]

    def summary(self) -> str:
        """The shared alpha, the L_phi of each curve and the goodness of fit, as text."""
        unit = "a" if self.units == "lattice" else "m"
        lines = [f"shared-alpha HLN fit of {len(self.curves)} curves ({self.units} units)",
                 f"  alpha = {self.alpha:.4g} +- {self.alpha_err:.2g}"]
        for i, (lp, le) in enumerate(zip(self.l_phi, self.l_phi_err)):
            lines.append(f"  curve {i}: l_phi = {lp:.4g} +- {le:.2g} {unit}")
        gof = f"  chi2 = {self.chi2:.4g}, dof = {self.dof}, reduced chi2 = {self.reduced_chi2:.4g}"
        if self.p_value is not None:
            gof += f", p = {self.p_value:.3g}"
        return "\n".join(lines + [gof])

    __str__ = summary


def fit_shared_alpha(curves, units="lattice") -> SharedAlphaFit:
    """Fit several magnetoconductance curves with one HLN alpha and one L_phi each.

    Parameters
    ----------
    curves : sequence of (field, delta_sigma) or (field, delta_sigma, sigma_err)
        As for :func:`fit_magnetoconductance` (``sigma_err`` a vector of
        standard errors or a covariance matrix); either every curve has errors
        or none has.  At least two curves.
    units : {"lattice", "tesla"}

    Returns
    -------
    SharedAlphaFit

    Notes
    -----
    delta_sigma_i(B) = (alpha/pi) Y(B_phi,i / B) in e^2/h with
    Y(x) = psi(1/2 + x) - ln x and B_phi,i = hbar / (4 e L_phi,i^2) (Hikami,
    Larkin and Nagaoka, Prog. Theor. Phys. 63, 707 (1980); alpha = +1/2 for a
    spinless model, +1 with two spin species, -1/2 with strong spin-orbit
    coupling, see the module notes).  alpha is a property of the symmetry class
    and of the sample's contact resistance, not of the dephasing rate, whereas
    L_phi is set by the dephasing rate: a series of curves at several
    dephasing rates (temperatures) constrains alpha jointly.  This removes the
    alpha-L_phi trade-off of a single curve whose field range does not extend
    well beyond B_phi, where only alpha / B_phi^2 is determined.  Curves are
    treated as independent: curves that share disorder realisations are
    positively correlated, so the errors are then approximate.
    """
    _check_units(units)
    curves = [tuple(c) for c in curves]
    if len(curves) < 2:
        raise ValueError("fit_shared_alpha needs at least two curves")
    if any(len(c) not in (2, 3) for c in curves):
        raise ValueError("each curve is (field, delta_sigma) or (field, delta_sigma, sigma_err)")
    has_err = {len(c) == 3 and c[2] is not None for c in curves}
    if len(has_err) != 1:
        raise ValueError("give sigma_err for every curve or for none")
    with_err = has_err.pop()
    # per-curve free fits: validation of every curve and the starting point
    free = [fit_magnetoconductance(c[0], c[1], "hln", units, c[2] if with_err else None)
            for c in curves]
    prepared = []
    for f in free:
        absb = np.abs(f.field)
        bref = float(absb.max())
        prepared.append((absb / bref, f.delta_sigma, bref,
                         whitener(f.sigma_err, f.delta_sigma.size)))

    def residuals(theta):
        a = theta[0]
        return np.concatenate([whiten(a * shape("hln", bs, math.exp(t), 0.0) - y)
                               for (bs, y, _, whiten), t in zip(prepared, theta[1:])])

    alpha0 = float(np.median([f.values["alpha"] for f in free]))
    start = [fit_magnetoconductance(c[0], c[1], "hln", units, c[2] if with_err else None,
                                    alpha=alpha0) for c in curves]
    theta0 = [alpha0] + [math.log(characteristic_field(f.values["l_phi"], units) / p[2])
                         for f, p in zip(start, prepared)]
    res = optimize.least_squares(residuals, np.array(theta0), x_scale=1.0, diff_step=1e-7,
                                 xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5000)
    chi2 = float(2.0 * res.cost)
    npts = sum(p[1].size for p in prepared)
    dof = int(npts - res.x.size)
    if dof < 1:
        raise ValueError(f"{npts} points cannot fit {res.x.size} parameters")
    jac = np.asarray(res.jac, dtype=float)
    cov_theta = np.linalg.pinv(jac.T @ jac)
    if not with_err:
        cov_theta = cov_theta * (chi2 / dof)
    alpha = float(res.x[0])
    b_phi = np.array([math.exp(t) * p[2] for t, p in zip(res.x[1:], prepared)])
    l_phi = np.array([float(characteristic_length(b, units)) for b in b_phi])
    dtheta = np.concatenate([[1.0], -0.5 * l_phi])     # L ~ B^-1/2: dL/dln B = -L/2
    cov = cov_theta * np.outer(dtheta, dtheta)
    return SharedAlphaFit(
        alpha=alpha, alpha_err=float(math.sqrt(cov[0, 0])), l_phi=l_phi,
        l_phi_err=np.sqrt(np.diag(cov)[1:]), b_phi=b_phi, covariance=cov, chi2=chi2, dof=dof,
        reduced_chi2=chi2 / dof, p_value=float(stats.chi2.sf(chi2, dof)) if with_err else None,
        units=units, curves=tuple((c[0], c[1], c[2] if with_err else None) for c in curves))


def fit_sweep(ds, model="hln"):
    """Fit a magnetoconductance sweep (:func:`andersonwl.magnetoconductance`) in lattice units.

    Weighted by the per-point errors ``delta_sigma_err`` (correlations between
    the fluxes ignored); None when fewer than three fluxes have an error or
    the fit is impossible.

    Returns
    -------
    MagnetoconductanceFit or None
    """
    keep = ds["delta_sigma_err"].values > 0
    if keep.sum() < 3:
        return None
    # diagonal errors: the fluxes share their realisations, so chi^2 is not a test
    # here, but the shape is followed more robustly than by generalised least
    # squares with the (nearly singular) covariance when the formula does not
    # describe a finite coherent sample exactly
    err = ds["delta_sigma_err"].values[keep]
    try:
        return fit_magnetoconductance(ds["flux"].values[keep], ds["delta_sigma"].values[keep],
                                      model=model, units="lattice", sigma_err=err)
    except ValueError:
        return None
