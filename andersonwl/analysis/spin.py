"""Spin transport: spin polarisation of spin-resolved conductances, D'yakonov-Perel lengths, fits.

Conventions
-----------
* ``g`` holds spin-resolved conductances g[..., s_out, s_in] = G/(e^2/h) from
  spin s_in in the source lead to spin s_out in the drain lead, index 0 = up
  and 1 = down along one spin axis; the leads are normal (spin conserving), so
  the four entries are non-negative and their sum is the conductance g (summed
  over spin, docs/conventions.md).  NaN marks a value not computed.
* Ensembles: the first axis counts realisations; a realisation with any of the
  four entries NaN at some length is skipped there.  Errors are
  grouped-jackknife errors over realisations (:mod:`andersonwl.analysis.stats`).
* Square lattice with a = t = hbar = 1: lengths in lattice constants, the
  Rashba coupling H_R = alpha (sigma_x sin k_y - sigma_y sin k_x) in units of
  t, wavenumbers in 1/a.  Transport along x.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import optimize

from .._checks import choice, instance, integer, real
from .stats import jackknife_error, jackknife_groups

__all__ = ["FORMS", "SPIN_AXES", "spin_polarization", "polarization_of_means", "DPEstimate",
           "dyakonov_perel", "SpinRelaxationFit", "fit_spin_relaxation"]

#: Forms of P(L) that :func:`fit_spin_relaxation` fits.
FORMS = ("diffusive", "exponential", "precessing")
#: Spin axes of :func:`dyakonov_perel`.
SPIN_AXES = ("x", "y", "z")

_G_TOLERANCE = 1e-9           # negative conductances down to this are rounding, accepted
#: sqrt(u) = a + i b for u = (-1 + i sqrt 7)/2, the root of u^2 + u + 2 = 0 (see dyakonov_perel)
_INJECTION_A = math.sqrt(2 * math.sqrt(2) - 1) / 2
_INJECTION_B = math.sqrt(2 * math.sqrt(2) + 1) / 2
_DP_MAX_ALPHA_L = 0.3         # alpha l at most this: D'yakonov-Perel (motional narrowing)
_WIDE_MIN_RATIO = 3.0         # W / L_s at least this: two-dimensional spin relaxation
_PARAMETERS = {"diffusive": 2, "exponential": 2, "precessing": 4}


# ----------------------------------------------------------------------
# argument checks
def _real_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array; TypeError unless it holds real numbers (not booleans)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _check_g(g, *, min_ndim: int = 2, exact_ndim: int | None = None,
             shape_text: str = "(..., 2, 2)") -> np.ndarray:
    """Checked spin-resolved conductances: shape (..., 2, 2), non-negative, finite or NaN."""
    g = _real_array("g", g)
    bad_ndim = g.ndim < min_ndim if exact_ndim is None else g.ndim != exact_ndim
    if bad_ndim or g.shape[-2:] != (2, 2):
        raise ValueError(f"g must have shape {shape_text} (spin out, spin in), got shape "
                         f"{g.shape}")
    if np.any(np.isinf(g)):
        raise ValueError("g must be finite or NaN (not computed), got an infinite value")
    if np.any(g < -_G_TOLERANCE):
        raise ValueError(f"g must be non-negative (tolerance {_G_TOLERANCE:g}), got "
                         f"{np.nanmin(g):.6g}")
    return g


def _groups(groups, n: int) -> int:
    """The number of jackknife groups: ``groups`` (at least 2), at most ``n``."""
    return min(integer("groups", groups, minimum=2), n)


def _format(value: float, err: float) -> str:
    """``value +- err`` with err to two significant digits."""
    if not (math.isfinite(err) and err > 0):
        return f"{value:.6g} +- {err:.2g}"
    decimals = max(0, 1 - math.floor(math.log10(err)))
    return f"{value:.{decimals}f} +- {err:.{decimals}f}"


# ----------------------------------------------------------------------
# polarisation
def _polarization(g: np.ndarray) -> np.ndarray:
    """P of checked g (..., 2, 2); NaN where the total is not positive."""
    same = g[..., 0, 0] + g[..., 1, 1]
    flip = g[..., 0, 1] + g[..., 1, 0]
    total = same + flip
    ok = total > 0
    return np.where(ok, (same - flip) / np.where(ok, total, 1.0), np.nan)


def _scalar_or_array(x: np.ndarray):
    return float(x) if x.ndim == 0 else x


def spin_polarization(g):
    """Spin polarisation transmitted through a spin valve, from spin-resolved conductances.

    Parameters
    ----------
    g : array_like, shape (..., 2, 2)
        Spin-resolved conductances g[..., s_out, s_in] in e^2/h (index 0 = up,
        1 = down along the spin axis of the leads); NaN propagates.

    Returns
    -------
    float or numpy.ndarray
        P, shape ``g.shape[:-2]`` (a float for a single 2 x 2 matrix); NaN
        where the conductance g_uu + g_ud + g_du + g_dd is zero.

    Raises
    ------
    TypeError
        If ``g`` does not hold real numbers.
    ValueError
        If the last two axes are not (2, 2), or ``g`` has infinite or negative
        values (below -1e-9, rounding).

    Notes
    -----
    P = [(g_uu + g_dd) - (g_ud + g_du)] / g with g = g_uu + g_ud + g_du +
    g_dd: the spin-valve signal (parallel minus antiparallel transmission,
    ideal polarisers) over the conductance.  P = 1 when spin is conserved
    (g diagonal), 0 when the outgoing spin is random (all four equal) and -1
    when every spin is flipped.  For unpolarised leads P is the projection of
    the transmitted spin on the axis averaged over both injected spins, the
    quantity that decays along a length scan as the spin relaxes
    (D'yakonov and Perel, Sov. Phys. Solid State 13, 3023 (1972); see
    :func:`fit_spin_relaxation`).
    """
    g = _check_g(g)
    return _scalar_or_array(_polarization(g))


def _jackknife_polarization(g: np.ndarray, groups: int):
    """P of the means, its leave-one-group-out replicates and the realisations used.

    ``g`` checked, shape (R, ..., 2, 2).  Returns (P, replicates (k, ...), R, k).
    """
    valid = np.all(~np.isnan(g), axis=(-2, -1))
    keep = np.any(valid.reshape(valid.shape[0], -1), axis=1)
    g, valid = g[keep], valid[keep]
    n = g.shape[0]
    if n < 2:
        raise ValueError(f"g needs at least 2 realisations, got {n}")
    count = valid.sum(axis=0)
    if np.any(count < 2):
        raise ValueError(f"every ensemble needs at least 2 realisations, got {int(count.min())} "
                         "at some index (NaN realisations are skipped)")
    k = _groups(groups, n)
    masked = np.where(valid[..., None, None], g, 0.0)
    total = masked.sum(axis=0)
    labels = jackknife_groups(n, k)
    # P is a ratio: P of the sums is P of the means (the four entries share one count)
    left = np.stack([total - masked[labels == j].sum(axis=0) for j in range(k)])
    return _polarization(total), _polarization(left), n, k


def _jackknife_err(reps: np.ndarray, value: np.ndarray) -> np.ndarray:
    """jackknife_error, inf where a replicate is undefined but the full value is not."""
    err = jackknife_error(np.nan_to_num(reps), value)
    return np.where(np.any(np.isnan(reps), axis=0) & ~np.isnan(value), np.inf, err)


def polarization_of_means(g, groups: int = 20):
    """Spin polarisation of the ensemble-mean conductances, with its jackknife error.

    Parameters
    ----------
    g : array_like, shape (realizations, ..., 2, 2)
        Spin-resolved conductances of each realisation (as in
        :func:`spin_polarization`); a realisation with NaN in any of the four
        entries is skipped at that index, and one that is NaN everywhere is
        dropped.
    groups : int
        Groups of realisations for the jackknife error (at most the number of
        realisations).

    Returns
    -------
    polarization, error : float or numpy.ndarray
        P(<g>) and its grouped-jackknife standard error, shape
        ``g.shape[1:-2]`` (floats when that is ()).  The error is inf where a
        replicate has no conductance left, NaN where P itself is.

    Raises
    ------
    TypeError
        If ``g`` does not hold real numbers or ``groups`` is not an integer.
    ValueError
        If ``g`` is not (realizations, ..., 2, 2), has infinite or negative
        values, fewer than 2 realisations at some index, or ``groups < 2``.

    Notes
    -----
    P(<g>) = [<g_uu + g_dd> - <g_ud + g_du>] / <g>: the ratio of ensemble
    means, the spin signal of an ensemble average (not the mean of the
    per-realisation P, which weights badly conducting realisations as much as
    good ones).  The error is the delete-a-group jackknife of the ratio
    (Efron and Tibshirani, *An Introduction to the Bootstrap* (1993),
    Ch. 11), contiguous groups of realisations, which to leading order equals
    the delta-method error of the ratio.
    """
    g = _check_g(g, min_ndim=3, shape_text="(realizations, ..., 2, 2)")
    integer("groups", groups, minimum=2)
    value, reps, _, _ = _jackknife_polarization(g, groups)
    return _scalar_or_array(value), _scalar_or_array(_jackknife_err(reps, value))


# ----------------------------------------------------------------------
# D'yakonov-Perel estimates
@dataclasses.dataclass(frozen=True)
class DPEstimate:
    """Result of :func:`dyakonov_perel`: spin lengths of a Rashba square lattice, a = 1.

    Attributes
    ----------
    rashba : float
        alpha, in units of t.
    axis : str
        The spin axis, ``"x"`` (along the transport), ``"y"`` (in plane,
        transverse) or ``"z"`` (out of plane).
    spin_relaxation_length : float
        L_s = sqrt(D tau_s) of that spin component: 1/(sqrt(2) abs(alpha)) for
        z, 1/abs(alpha) for x and y.
    precession_length : float
        1/abs(alpha): a displacement dx along x rotates the spin by alpha dx.
    injection_decay_length, injection_wavenumber : float
        Stationary injection uniform across a wide 2D sample: the spin
        component decays as exp(-x / decay length) cos(wavenumber x + phase);
        1/(a abs(alpha)) and b abs(alpha) (a = 0.6761, b = 0.9783) for x and z,
        1/abs(alpha) and 0 for y.
    ilp_l_so : float
        L_so of an ILP magnetoconductance fit in the DP regime (1/abs(alpha);
        ``wl_formulas.L_SO_CONVENTIONS["ilp"]``).
    """

    rashba: float
    axis: str
    spin_relaxation_length: float
    precession_length: float
    injection_decay_length: float
    injection_wavenumber: float
    ilp_l_so: float

    @property
    def injection_exponent(self) -> complex:
        """The exponent kappa of s ~ exp(kappa x): -1/decay length - i wavenumber (Re kappa < 0).

        The conjugate is the other decaying mode; a real solution mixes both.
        """
        return complex(-1.0 / self.injection_decay_length, -self.injection_wavenumber)

    def validity(self, mean_free_path, width=None) -> dict:
        """Whether the D'yakonov-Perel and 2D estimates apply to a sample.

        Parameters
        ----------
        mean_free_path : float
            Elastic (transport) mean free path l (lattice constants), as from
            :func:`andersonwl.analysis.mean_free_path`.
        width : float, optional
            Sample width W (lattice constants).

        Returns
        -------
        dict
            ``alpha_l`` (abs(alpha) l, the precession angle per free flight; DP
            needs alpha l << 1), ``dyakonov_perel`` (alpha l <= 0.3),
            ``width_over_spin_length`` (W / L_s of this axis; the estimates
            are 2D ones and need W >> L_s) and ``two_dimensional``
            (W / L_s >= 3); the last two are None without ``width``.

        Raises
        ------
        TypeError
            If an argument is not a real number.
        ValueError
            If a length is not positive and finite.

        Notes
        -----
        For alpha l >~ 1 the spin precesses by a large angle between
        collisions and relaxes in about tau (Elliott-Yafet-like, not
        motional narrowing); the DP rates carry corrections of order
        (alpha l)^2.  In a wire narrower than L_s the transverse motion no
        longer randomises the precession: DP relaxation is suppressed and
        L_s grows as W decreases (Kettemann, PRL 98, 176808 (2007);
        Holleitner et al., PRL 97, 036805 (2006)), so the 2D lengths here
        are then lower bounds.
        """
        ell = real("mean_free_path", mean_free_path, positive=True)
        alpha_l = abs(self.rashba) * ell
        out = {"alpha_l": alpha_l, "dyakonov_perel": alpha_l <= _DP_MAX_ALPHA_L,
               "width_over_spin_length": None, "two_dimensional": None}
        if width is not None:
            ratio = real("width", width, positive=True) / self.spin_relaxation_length
            out.update(width_over_spin_length=ratio, two_dimensional=ratio >= _WIDE_MIN_RATIO)
        return out

    def summary(self) -> str:
        """The lengths, as text."""
        return "\n".join([
            f"D'yakonov-Perel estimate, alpha = {self.rashba:.4g} t, spin axis {self.axis} "
            "(lattice constants)",
            f"  spin relaxation length L_s = {self.spin_relaxation_length:.4g}",
            f"  precession length          = {self.precession_length:.4g}",
            f"  2D injection: decay length = {self.injection_decay_length:.4g}, "
            f"wavenumber = {self.injection_wavenumber:.4g}",
            f"  ILP L_so                   = {self.ilp_l_so:.4g}"])

    __str__ = summary


def dyakonov_perel(rashba, axis="z") -> DPEstimate:
    """Spin relaxation and precession lengths of the Rashba square lattice (D'yakonov-Perel).

    Parameters
    ----------
    rashba : float
        Rashba coupling alpha (units of t), nonzero; lengths depend on abs(alpha).
    axis : {"x", "y", "z"}
        The spin axis of the spin-resolved conductances (transport along x).

    Returns
    -------
    DPEstimate

    Raises
    ------
    TypeError
        If ``rashba`` is not a real number or ``axis`` not a string.
    ValueError
        If ``rashba`` is zero or not finite, or the axis is unknown.

    Notes
    -----
    Square lattice, a = t = hbar = 1, H_R = alpha (sigma_x sin k_y - sigma_y
    sin k_x): spin precession frequency Omega(k) = 2 alpha (sin k_y, -sin k_x)
    and velocity v = 2 (sin k_x, sin k_y).  In the D'yakonov-Perel regime
    (alpha l << 1, isotropic white-noise scattering with time tau; D'yakonov
    and Perel, Sov. Phys. Solid State 13, 3023 (1972))

        1/tau_s,z = tau <Omega_x^2 + Omega_y^2>,  1/tau_s,x = tau <Omega_y^2>,
        1/tau_s,y = tau <Omega_x^2>,  D = tau <v_x^2>,

    Fermi-surface averages.  <sin^2 k_x> = <sin^2 k_y> cancels in
    L_s^2 = D tau_s, so the lengths do not depend on energy or disorder:
    L_s,x = L_s,y = 1/alpha and L_s,z = 1/(sqrt(2) alpha) (the continuum
    limit, m = 1/2, gives the same).  The ILP fit has L_so^2 = D tau_so with
    1/tau_so the in-plane rate (``wl_formulas.L_SO_CONVENTIONS["ilp"]``):
    L_so(ILP) = L_s,x = 1/alpha and L_s,z = L_so / sqrt(2).

    Stationary injection uniform across a wide 2D sample obeys the spin
    diffusion equations with the SU(2) covariant derivative (Burkov, Nunez
    and MacDonald, PRB 70, 155308 (2004); Stanescu and Galitski, PRB 75,
    125307 (2007)); with K = alpha, s_x'' + 2K s_z' - K^2 s_x = 0 and
    s_z'' - 2K s_x' - 2K^2 s_z = 0 couple s_x and s_z, and s ~ exp(kappa x)
    needs u = (kappa/K)^2 to solve u^2 + u + 2 = 0, u = (-1 +- i sqrt 7)/2.
    sqrt((-1 + i sqrt 7)/2) = a + i b with a = sqrt(2 sqrt 2 - 1)/2 =
    0.676097 and b = sqrt(2 sqrt 2 + 1)/2 = 0.978318 (a^2 - b^2 = -1/2,
    2ab = sqrt 7/2), and the decaying modes are kappa = -abs(K) (a +- i b):
    decay length 1/(a abs(alpha)) = 1.479/abs(alpha), longer than both L_s,z and
    L_s,x because precession feeds s_z into the slower s_x, and wavenumber
    b abs(alpha).  s_y'' - K^2 s_y = 0 decouples: decay length 1/abs(alpha), no
    precession.  Between absorbing leads a finite length modifies these
    forms (:func:`fit_spin_relaxation`).
    """
    alpha = real("rashba", rashba)
    if alpha == 0:
        raise ValueError("rashba must be nonzero: without spin-orbit coupling spin does not "
                         "relax (every length is infinite)")
    instance("axis", axis, str)
    choice("axis", axis, SPIN_AXES)
    k = abs(alpha)
    if axis == "y":
        decay, wavenumber = 1.0 / k, 0.0
    else:
        decay, wavenumber = 1.0 / (_INJECTION_A * k), _INJECTION_B * k
    ls = 1.0 / (math.sqrt(2.0) * k) if axis == "z" else 1.0 / k
    return DPEstimate(rashba=alpha, axis=axis, spin_relaxation_length=ls,
                      precession_length=1.0 / k, injection_decay_length=decay,
                      injection_wavenumber=wavenumber, ilp_l_so=1.0 / k)


# ----------------------------------------------------------------------
# fits of P(L)
def _x_over_sinh(x):
    """The function x / sinh x for x >= 0 without overflow: 2x e^-x / (1 - e^-2x), 1 at x = 0."""
    x = np.asarray(x, float)
    small = x < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0, 2 * safe * np.exp(-safe) / -np.expm1(-2 * safe))


def _basis(form: str, lengths, ls, q=0.0):
    """The functions multiplied by the linear parameters, shape (..., n, m)."""
    lengths = np.asarray(lengths, float)
    if form == "diffusive":
        return _x_over_sinh(lengths / ls)[..., None]
    decay = np.exp(-lengths / ls)
    if form == "exponential":
        return decay[..., None]
    return np.stack([decay * np.cos(q * lengths), decay * np.sin(q * lengths)], axis=-1)


def _model(form: str, lengths, theta) -> np.ndarray:
    """P(L) for the internal parameters theta: (ln L_s, A) or (ln L_s, q, c, s)."""
    ls = math.exp(theta[0])
    if form == "precessing":
        return _basis(form, lengths, ls, theta[1]) @ np.asarray(theta[2:4])
    return _basis(form, lengths, ls)[..., 0] * theta[1]


def _grid_start(form: str, lengths, y, w, ln_bounds) -> np.ndarray:
    """Best point of a grid in (L_s[, q]) with the linear parameters solved exactly."""
    ln_ls = np.linspace(ln_bounds[0] + 0.1, min(ln_bounds[1] - 0.1,
                                                 math.log(50 * lengths[-1])), 80)
    if form == "precessing":
        q_max = math.pi / np.min(np.diff(lengths))
        q_step = math.pi / (4 * (lengths[-1] - lengths[0]))
        qs = np.arange(0.0, q_max + q_step / 2, q_step)
    else:
        qs = np.zeros(1)
    ll, qq = np.meshgrid(ln_ls, qs, indexing="ij")
    ll, qq = ll.ravel(), qq.ravel()
    design = _basis(form, lengths[None, :], np.exp(ll)[:, None], qq[:, None]) * w[:, None]
    coef = np.linalg.pinv(design) @ (y * w)
    cost = np.sum((np.einsum("gnm,gm->gn", design, coef) - y * w) ** 2, axis=1)
    best = int(np.argmin(cost))
    if form == "precessing":
        return np.array([ll[best], qq[best], *coef[best]])
    return np.array([ll[best], coef[best, 0]])


def _fit(form: str, lengths, y, w, theta0, ln_bounds):
    """least_squares of the weighted residuals from theta0; returns the result."""
    lower = np.full(theta0.size, -np.inf)
    upper = np.full(theta0.size, np.inf)
    lower[0], upper[0] = ln_bounds
    if form == "precessing":
        lower[1] = 0.0
    theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)

    def residuals(theta):
        return (_model(form, lengths, theta) - y) * w

    return optimize.least_squares(residuals, theta0, bounds=(lower, upper), x_scale="jac",
                                  xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5000)


def _physical(form: str, theta) -> np.ndarray:
    """(L_s, A[, q, phi]) from the internal parameters; A >= 0, phi in (-pi, pi] if precessing."""
    if form == "precessing":
        c, s = theta[2], theta[3]
        return np.array([math.exp(theta[0]), math.hypot(c, s), theta[1], math.atan2(-s, c)])
    return np.array([math.exp(theta[0]), theta[1]])


@dataclasses.dataclass(frozen=True)
class SpinRelaxationFit:
    """Result of :func:`fit_spin_relaxation`.

    Attributes
    ----------
    form : str
        ``"diffusive"``, ``"exponential"`` or ``"precessing"``.
    spin_relaxation_length, spin_relaxation_length_err : float
        L_s (lattice constants) and its grouped-jackknife error.
    amplitude, amplitude_err : float
        A and its error (A >= 0 for the precessing form, the sign is then in
        the phase).
    wavenumber, wavenumber_err : float or None
        q (1/a, q >= 0) and its error; None unless precessing.
    phase, phase_err : float or None
        phi in (-pi, pi] and its error; None unless precessing.
    chi2 : float
        Sum of squared residuals over the jackknife errors of P (diagonal
        weights; the P at different L are correlated, see the Notes of
        :func:`fit_spin_relaxation`).
    dof : int
        Points minus parameters.
    lengths, polarization, polarization_err : numpy.ndarray
        The data fitted: L, P(<g>) and its jackknife error.
    realizations, groups : int
        Realisations used and jackknife groups.
    replicates : numpy.ndarray
        (groups, parameters) values of (L_s, A[, q, phi]) of each
        leave-one-group-out refit, for errors of derived quantities with
        :func:`andersonwl.analysis.stats.jackknife_error`.
    success : bool
        Whether the full fit and every refit converged.
    """

    form: str
    spin_relaxation_length: float
    spin_relaxation_length_err: float
    amplitude: float
    amplitude_err: float
    wavenumber: float | None
    wavenumber_err: float | None
    phase: float | None
    phase_err: float | None
    chi2: float
    dof: int
    lengths: np.ndarray
    polarization: np.ndarray
    polarization_err: np.ndarray
    realizations: int
    groups: int
    replicates: np.ndarray
    success: bool

    @property
    def reduced_chi2(self) -> float:
        """chi2 / dof (NaN for dof = 0)."""
        return self.chi2 / self.dof if self.dof > 0 else math.nan

    def predict(self, length):
        """P at ``length`` (lattice constants) of the fitted form; a float for a scalar."""
        L = np.asarray(length, float)
        ls, amp = self.spin_relaxation_length, self.amplitude
        if self.form == "diffusive":
            out = amp * _x_over_sinh(np.abs(L) / ls)
        elif self.form == "exponential":
            out = amp * np.exp(-L / ls)
        else:
            out = amp * np.exp(-L / ls) * np.cos(self.wavenumber * L + self.phase)
        return _scalar_or_array(np.asarray(out))

    def summary(self) -> str:
        """The parameters with their errors and the goodness of fit, as text."""
        lines = [f"spin relaxation fit, form {self.form}, {len(self.lengths)} lengths "
                 f"{self.lengths[0]:g}..{self.lengths[-1]:g} a, {self.realizations} "
                 f"realisations",
                 f"  L_s = {_format(self.spin_relaxation_length, self.spin_relaxation_length_err)}"
                 " a",
                 f"  A   = {_format(self.amplitude, self.amplitude_err)}"]
        if self.form == "precessing":
            lines.append(f"  q   = {_format(self.wavenumber, self.wavenumber_err)} 1/a")
            lines.append(f"  phi = {_format(self.phase, self.phase_err)}")
        lines.append(f"  chi2 = {self.chi2:.4g}, dof = {self.dof}, reduced chi2 = "
                     f"{self.reduced_chi2:.4g} (diagonal weights)")
        lines.append(f"  errors: jackknife of the whole fit, {self.groups} groups of "
                     "realisations")
        if not self.success:
            lines.append("  warning: a fit did not converge")
        return "\n".join(lines)

    __str__ = summary


def _check_lengths(lengths) -> np.ndarray:
    lengths = _real_array("lengths", lengths)
    if lengths.ndim != 1:
        raise ValueError(f"lengths must be 1-D, got shape {lengths.shape}")
    if not np.all(np.isfinite(lengths)):
        raise ValueError("lengths must be finite (no NaN or inf)")
    if np.any(lengths <= 0):
        raise ValueError(f"lengths must be positive, got {lengths.min():g}")
    if np.any(np.diff(lengths) <= 0):
        raise ValueError("lengths must be strictly increasing")
    return lengths


def fit_spin_relaxation(lengths, g, *, form: str = "diffusive", groups: int = 20,
                        min_length=None) -> SpinRelaxationFit:
    """Fit the decay of the spin polarisation P(L) along a length scan.

    Parameters
    ----------
    lengths : array_like, 1-D
        Sample lengths L (lattice constants), positive and strictly increasing.
    g : array_like, shape (realizations, len(lengths), 2, 2)
        Spin-resolved conductances of each realisation at each length (as in
        :func:`polarization_of_means`; NaN: not computed, skipped).
    form : {"diffusive", "exponential", "precessing"}
        ``"diffusive"``: P = A (L/L_s) / sinh(L/L_s); ``"exponential"``:
        P = A exp(-L/L_s); ``"precessing"``: P = A exp(-L/L_s) cos(q L + phi)
        with q >= 0.
    groups : int
        Groups of realisations for the jackknife.
    min_length : float, optional
        Fit only lengths L >= min_length (e.g. to leave out the ballistic
        lengths L <~ l).

    Returns
    -------
    SpinRelaxationFit

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        For bad lengths (not 1-D, NaN, not positive, not increasing), a shape
        of ``g`` that does not match, an unknown form (the valid ones are
        named), fewer than 3 lengths used (4 for ``"precessing"``), fewer
        than 2 realisations, or a P with a zero, infinite or NaN error.

    Notes
    -----
    P(<g>) at each length and its jackknife error come from
    :func:`polarization_of_means`; the fit minimises
    sum_L [(P_model(L) - P(L)) / err(L)]^2 with
    :func:`scipy.optimize.least_squares`, L_s fitted as ln L_s (so L_s > 0,
    within [1e-3 L_min, 1e4 L_max]) and, for the precessing form, the linear
    parameters as A cos phi and -A sin phi, q >= 0.  The start is the best
    point of a grid in L_s (and q, up to pi over the smallest spacing of the
    lengths) with the linear parameters solved exactly.

    The P at different lengths come from the same realisations and are
    correlated, so neither the covariance of this diagonal-weighted fit nor
    chi2 has its textbook meaning (chi2/dof near 1 is still a check of the
    form).  The errors are a grouped jackknife of the whole fit (Efron and
    Tibshirani, *An Introduction to the Bootstrap* (1993), Ch. 11): the fit
    is repeated with each group of realisations left out (same weights,
    started from the full fit), and err = sqrt((k - 1)/k sum_j (q_j - q)^2).

    The forms: between absorbing normal leads a spin that relaxes with
    length L_s without precessing, injected at x = 0 into a diffusive wire of
    length L, has s'' = s / L_s^2 with s(0) fixed and s(L) = 0, and the
    transmitted spin current over the charge current gives P = (L/L_s) /
    sinh(L/L_s), about 2 (L/L_s) exp(-L/L_s) for L >> L_s (A = 1 ideally,
    less with ballistic contacts).  ``"exponential"`` is the long-length
    form, and ``"precessing"`` that of s_x and s_z in a wide Rashba sample,
    where L_s estimates the injection decay length 1/(a alpha), not
    L_s,z (:func:`dyakonov_perel`).  Lengths in lattice constants.
    """
    lengths = _check_lengths(lengths)
    g = _check_g(g, exact_ndim=4, shape_text="(realizations, lengths, 2, 2)")
    if g.shape[1] != lengths.size:
        raise ValueError(f"g has {g.shape[1]} lengths (axis 1) but lengths has {lengths.size}")
    instance("form", form, str)
    choice("form", form, FORMS)
    integer("groups", groups, minimum=2)
    used = np.ones(lengths.size, bool)
    if min_length is not None:
        used = lengths >= real("min_length", min_length)
    npar = _PARAMETERS[form]
    need = max(3, npar)
    if used.sum() < need:
        raise ValueError(f"the {form} form needs at least {need} lengths, got {int(used.sum())} "
                         + ("(with L >= min_length)" if min_length is not None else ""))
    lengths, g = lengths[used], g[:, used]
    p, reps, n, k = _jackknife_polarization(g, groups)
    err = _jackknife_err(reps, p)
    if not np.all(np.isfinite(p)) or not np.all(np.isfinite(err) & (err > 0)):
        bad = lengths[~(np.isfinite(p) & np.isfinite(err) & (err > 0))]
        raise ValueError(f"P or its jackknife error is undefined, zero or infinite at L = "
                         f"{bad.tolist()}: no conductance, or identical realisations; leave "
                         "these lengths out (min_length) or add realisations")
    w = 1.0 / err
    ln_bounds = (math.log(1e-3 * lengths[0]), math.log(1e4 * lengths[-1]))
    full = _fit(form, lengths, p, w, _grid_start(form, lengths, p, w, ln_bounds), ln_bounds)
    success = bool(full.success)
    rep_theta = []
    for j in range(k):
        res = _fit(form, lengths, reps[j], w, full.x, ln_bounds)
        success &= bool(res.success)
        rep_theta.append(_physical(form, res.x))
    values = _physical(form, full.x)
    replicates = np.array(rep_theta)
    deviations = replicates - values
    if form == "precessing":              # the phase is an angle: deviations modulo 2 pi
        deviations[:, 3] = (deviations[:, 3] + math.pi) % (2 * math.pi) - math.pi
    errors = jackknife_error(deviations, 0.0)
    precessing = form == "precessing"
    return SpinRelaxationFit(
        form=form, spin_relaxation_length=float(values[0]),
        spin_relaxation_length_err=float(errors[0]), amplitude=float(values[1]),
        amplitude_err=float(errors[1]),
        wavenumber=float(values[2]) if precessing else None,
        wavenumber_err=float(errors[2]) if precessing else None,
        phase=float(values[3]) if precessing else None,
        phase_err=float(errors[3]) if precessing else None,
        chi2=float(2.0 * full.cost), dof=int(lengths.size - npar), lengths=lengths,
        polarization=p, polarization_err=err, realizations=int(n), groups=int(k),
        replicates=replicates, success=success)
