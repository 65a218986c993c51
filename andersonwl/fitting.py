"""Weak-(anti)localization magnetoconductance formulas and their least-squares fit.

Three models of the interference correction delta_sigma(B) = sigma(B) - sigma(0)
of a diffusive two-dimensional conductor, all in units of e^2/h:

``"hln"``
    Simplified Hikami-Larkin-Nagaoka (HLN) form, one Cooperon channel of
    weight alpha (Hikami, Larkin and Nagaoka, Prog. Theor. Phys. 63, 707
    (1980)):

        delta_sigma = (alpha / pi) Y(B_phi / B),   Y(x) = psi(1/2 + x) - ln x,

    with psi the digamma function and B_phi = hbar / (4 e L_phi^2).
``"hln-so"``
    Full HLN with an isotropic spin-orbit relaxation field B_so = hbar / (4 e
    L_so^2) and no Zeeman splitting: the singlet Cooperon (weight -1/2) keeps
    B_phi, the three triplet Cooperons (weight +1/2 each) are gapped to
    B_phi + (4/3) B_so:

        delta_sigma = (A / pi) [ (3/2) Y((B_phi + 4 B_so / 3) / B) - (1/2) Y(B_phi / B) ].

``"ilp"``
    Iordanskii, Lyanda-Geller and Pikus (JETP Lett. 60, 206 (1994)) for
    Rashba-type (linear-in-k) spin splitting, in the form of Knap et al.,
    PRB 53, 3912 (1996), with the cubic terms set to zero
    (H_so = H'_so = B_so): a series over Landau levels of the Cooperon,
    see :func:`ilp`.

Conventions (stated here once, used by every function of the module)
--------------------------------------------------------------------
* delta_sigma is the conductance per square in units of e^2/h, B_x = hbar /
  (4 e L_x^2).  With ``units="lattice"`` fields are fluxes per plaquette in
  h/e and B_x = 1 / (8 pi L_x^2) with L_x in lattice constants; with
  ``units="tesla"`` fields are in tesla and lengths in metres
  (:mod:`andersonwl.units`).
* Spin and Kramers factors: alpha = +1 for weak localization of a
  spin-degenerate system (two spin species, each contributing
  (1/2)(1/pi) Y in e^2/h); alpha = +1/2 for a spinless (single-species)
  model, such as andersonwl's spinless StripModel; alpha = -1/2 for strong
  spin-orbit coupling (only the singlet Cooperon survives, WAL); alpha = 0 in
  the unitary class (broken time reversal, Cooperon gapped).
* The HLN-SO and ILP forms are written for one spin-1/2 (Kramers-degenerate)
  band; their no-spin-orbit limit is the HLN form with alpha = 1 and their
  strong-spin-orbit limit the HLN form with alpha = -1/2.  Their prefactor A
  (reported as ``alpha`` by the fit) multiplies the whole physical form:
  A = 1 is the theory, and is held fixed unless ``free_prefactor=True``.
  A free A absorbs what the formula does not describe (several bands, partial
  coherence, a finite sample), at the price of correlations with the lengths.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from scipy import linalg, optimize, special, stats

from .units import _check_units, characteristic_field, characteristic_length

__all__ = [
    "MODELS", "hln_y", "hln", "hln_so", "ilp", "model_delta_sigma",
    "MagnetoconductanceFit", "fit_magnetoconductance", "SharedAlphaFit", "fit_shared_alpha",
]

MODELS = ("hln", "hln-so", "ilp")

_EULER = float(np.euler_gamma)


# ---------------------------------------------------------------------------
# formulas
# ---------------------------------------------------------------------------
def hln_y(x):
    """The HLN function Y(x) = psi(1/2 + x) - ln(x) for x > 0 (x = B_x / B).

    Y >= 0, Y(x) = 1 / (24 x^2) - 7 / (960 x^4) + ... at large x (weak field,
    quadratic magnetoconductance) and Y(x) = -ln(x) + psi(1/2) + ... at small x
    (strong field, logarithmic).  ``x = inf`` (B = 0) gives 0.  For x > 30 the
    asymptotic series (from psi(x + 1/2) - ln x = -sum_k B_2k(1/2) / (2k x^2k),
    B_n the Bernoulli polynomials) avoids the cancellation in the difference.
    """
    x = np.asarray(x, dtype=float)
    if np.any(~(x > 0)):
        raise ValueError("hln_y needs x > 0 (x = B_x / B)")
    out = np.empty_like(x)
    big = x > 30
    q = 1.0 / x[big] ** 2
    out[big] = q * (1 / 24 + q * (-7 / 960 + q * (31 / 8064 + q * (-127 / 30720))))
    small = ~big
    out[small] = special.psi(0.5 + x[small]) - np.log(x[small])
    return out if out.ndim else float(out)


def _ratio(b_x, field):
    """b_x / |field|, inf where the field vanishes."""
    field = np.abs(np.asarray(field, dtype=float))
    with np.errstate(divide="ignore"):
        return np.where(field > 0, b_x / np.where(field > 0, field, 1.0), np.inf)


def _check_positive(name, value):
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return value


def hln(field, b_phi, alpha=1.0):
    """Simplified HLN magnetoconductance (alpha / pi) Y(B_phi / B) in e^2/h.

    Parameters
    ----------
    field : float or array_like
        B (any sign; the formula is even in B), in the units of ``b_phi``.
    b_phi : float
        Dephasing field B_phi = hbar / (4 e L_phi^2) > 0, same units.
    alpha : float
        Prefactor: +1 spin-degenerate WL, +1/2 spinless WL, -1/2 strong
        spin-orbit coupling (WAL), 0 unitary.

    Notes
    -----
    Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980).
    """
    b_phi = _check_positive("b_phi", b_phi)
    return alpha / math.pi * hln_y(_ratio(b_phi, field))


def hln_so(field, b_phi, b_so, prefactor=1.0):
    """HLN magnetoconductance with isotropic spin-orbit relaxation, in e^2/h.

    ``(A / pi) [(3/2) Y((B_phi + 4 B_so / 3) / B) - (1/2) Y(B_phi / B)]``.

    Parameters
    ----------
    field : float or array_like
        B (any sign), in the units of the characteristic fields.
    b_phi, b_so : float
        B_phi = hbar / (4 e L_phi^2) > 0 and B_so = hbar / (4 e L_so^2) >= 0.
    prefactor : float
        A; 1 for one spin-1/2 band.

    Notes
    -----
    Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980), without Zeeman
    splitting and with isotropic spin-orbit scattering: the Cooperon splits
    into a singlet (weight -1/2, unaffected by spin-orbit coupling) and a
    triplet (three channels of weight +1/2 each, relaxed at
    (4/3) / tau_so, hence the field B_phi + (4/3) B_so).  B_so = 0 gives
    ``hln(B, B_phi, alpha=A)`` (WL), B_so >> B, B_phi gives
    ``hln(B, B_phi, alpha=-A/2)`` (WAL).
    """
    b_phi = _check_positive("b_phi", b_phi)
    b_so = float(b_so)
    if not (math.isfinite(b_so) and b_so >= 0):
        raise ValueError(f"b_so must be non-negative and finite, got {b_so}")
    triplet = hln_y(_ratio(b_phi + 4.0 * b_so / 3.0, field))
    singlet = hln_y(_ratio(b_phi, field))
    return prefactor / math.pi * (1.5 * triplet - 0.5 * singlet)


def _ilp_braces(x, s):
    """F(B) - F(0) of the Knap et al. (1996) Eq. for Delta sigma, in units of B.

    ``x = B_phi / B > 0`` and ``s = B_so / B >= 0`` (1-D arrays, finite).
    Delta sigma(B) - Delta sigma(0) = -(1 / (2 pi)) (F(B) - F(0)) in e^2/h.
    """
    a0 = 0.5 + x + s                      # a_n = n + 1/2 + x + s
    a1 = a0 + 1.0
    # n = -1 and n = 0 blocks of the triplet Cooperon (1x1 and 2x2)
    head = 1.0 / a0 + (2.0 * a0 + 1.0 + s) / (a1 * (a0 + s) - 2.0 * s)
    # n >= 1: R_n = P(u)/Q(u) with u = a_n,
    #   Q(u) = (u + s)(u^2 - 1) - 2 s [(2n+1) u - 1] = u^3 - 3 s u^2 + (4 s (x+s) - 1) u + s,
    #   P(u) = 3u^2 + 2 s u - 1 - 2 s (2n+1)        = Q'(u) + 4 s u.
    # With roots u_k of Q and residues r_k = P(u_k)/Q'(u_k) (sum r_k = 3),
    #   sum_{n>=1} [3/n - R_n] = sum_k r_k psi(1 + a0 - u_k) + 3 gamma.
    c1 = 4.0 * s * (x + s) - 1.0
    comp = np.zeros(x.shape + (3, 3))
    comp[..., 0, 0] = 3.0 * s
    comp[..., 0, 1] = -c1
    comp[..., 0, 2] = -s
    comp[..., 1, 0] = 1.0
    comp[..., 2, 1] = 1.0
    u = np.linalg.eigvals(comp)                                   # (..., 3)
    series = _second_divided_difference(u, s, c1, a0)
    # B -> 0 limit of the same braces (Landau-level sum -> integral): the
    # reduced cubic u (u^2 - 3 s u + 4 s (x + s)) has the roots 0 (residue 1)
    # and u_pm = (3 s +- i w)/2, w = sqrt(16 s x + 7 s^2), residues 1 -+ 4 i s / w.
    w = np.sqrt(16.0 * s * x + 7.0 * s ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_plus = np.where(s > 0, 1.0 - 4.0j * s / np.where(w > 0, w, 1.0), 1.0)
    zero_field = np.log(x + s) + 2.0 * (r_plus * np.log(x - 0.5 * s - 0.5j * w)).real
    return head - series + special.psi(0.5 + x) - np.log(x) + zero_field


def _second_divided_difference(u, s, c1, a0):
    """sum_k P(u_k) psi(1 + a0 - u_k) / prod_{j != k} (u_k - u_j) over the three roots u_k.

    This is sum_k r_k psi(1 + a0 - u_k) with r_k = P(u_k) / Q'(u_k), written as the
    second divided difference g[u_1, u_2, u_3] of g(u) = P(u) psi(1 + a0 - u),
    P(u) = 3u^2 - 2 s u + c1.  Near the curve where Q has a double (real) root
    the residues diverge and cancel, and the roots themselves are known only
    to about sqrt(machine epsilon); the divided difference is a smooth
    symmetric function of the roots, so evaluating it with the closest pair
    first (by its derivative when the pair coincides) keeps full accuracy.
    """
    def g(v):
        return (3.0 * v ** 2 - 2.0 * s[:, None] * v + c1[:, None]) * special.psi(
            1.0 + a0[:, None] - v)

    n = len(s)
    pairs = np.array([[0, 1, 2], [0, 2, 1], [1, 2, 0]])
    gaps = np.abs(u[:, pairs[:, 0]] - u[:, pairs[:, 1]])          # (n, 3)
    order = pairs[np.argmin(gaps, axis=1)]                         # closest pair first
    rows = np.arange(n)[:, None]
    v = u[rows, order]                                             # (n, 3): v0 ~ v1, v2 apart
    gv = g(v)
    scale = np.maximum(1.0, np.max(np.abs(u), axis=1))
    d01 = v[:, 0] - v[:, 1]
    close = np.abs(d01) <= 1e-5 * scale
    safe = np.where(close, 1.0, d01)
    g01 = (gv[:, 0] - gv[:, 1]) / safe
    if np.any(close):
        m = (0.5 * (v[close, 0] + v[close, 1])).real               # real (conjugate or real pair)
        sc, cc, ac = s[close], c1[close], a0[close]
        g01[close] = ((6.0 * m - 2.0 * sc) * special.psi(1.0 + ac - m)
                      - (3.0 * m ** 2 - 2.0 * sc * m + cc) * special.polygamma(1, 1.0 + ac - m))
    g12 = (gv[:, 1] - gv[:, 2]) / (v[:, 1] - v[:, 2])
    return ((g01 - g12) / (v[:, 0] - v[:, 2])).real


def ilp(field, b_phi, b_so, prefactor=1.0):
    """ILP magnetoconductance for Rashba (linear-in-k) spin-orbit coupling, in e^2/h.

    Parameters
    ----------
    field : float or array_like
        B (any sign), in the units of the characteristic fields.
    b_phi : float
        B_phi = hbar / (4 e L_phi^2) > 0.
    b_so : float
        B_so = hbar / (4 e L_so^2) >= 0, Knap's H_so (= H'_so without cubic
        terms): 1 / tau_so = 2 Omega_1^2 tau_1 is the relaxation rate of the
        in-plane spin (the m = +-1 triplet components; m = 0 relaxes at twice
        the rate).
    prefactor : float
        A; 1 for one spin-1/2 band.

    Returns
    -------
    float or numpy.ndarray
        delta_sigma(B) = sigma(B) - sigma(0) in e^2/h.

    Notes
    -----
    Iordanskii, Lyanda-Geller and Pikus, JETP Lett. 60, 206 (1994), in the form
    of Knap et al., PRB 53, 3912 (1996), with the cubic (Omega_3) terms set to
    zero so that H_so = H'_so = B_so; with x = B_phi/B, s = B_so/B and
    a_n = n + 1/2 + x + s::

        sigma(B) = -(e^2 / (4 pi^2 hbar)) { 1/a_0 + (2 a_0 + 1 + s) / (a_1 (a_0 + s) - 2 s)
                   - sum_{n>=1} [ 3/n - (3 a_n^2 + 2 a_n s - 1 - 2 (2n+1) s)
                                  / ((a_n + s) a_{n-1} a_{n+1} - 2 s ((2n+1) a_n - 1)) ]
                   + 2 ln(B_tr/B) + psi(1/2 + x) + 3 C },

    C Euler's constant; e^2/(4 pi^2 hbar) = (1/(2 pi)) e^2/h.  The n-th term is
    the trace of the inverse of the triplet Cooperon in the Landau-level block
    {(n-1, m=+1), (n, m=0), (n+1, m=-1)}, ``[[a_{n-1}, c_n, 0], [c_n, a_n + s,
    c_{n+1}], [0, c_{n+1}, a_{n+1}]]`` with ``c_n^2 = 2 s n``; psi(1/2 + x) is the
    singlet.  The series is summed in closed form: R_n = P(a_n)/Q(a_n) with a
    cubic Q, so sum_n [3/n - R_n] = sum_k r_k psi(1 + a_0 - u_k) + 3 C over the
    roots u_k of Q and residues r_k, evaluated as a second divided difference
    (stable where two roots coincide).  sigma(0) is the B -> 0 limit, where the
    sum becomes an integral (logarithms at the roots of the reduced cubic), so
    B_tr drops out.  Limits: B_so = 0 gives ``hln(B, B_phi, alpha=1)`` exactly;
    B_so >> B, B_phi gives ``hln(B, B_phi, alpha=-1/2)``.
    """
    b_phi = _check_positive("b_phi", b_phi)
    b_so = float(b_so)
    if not (math.isfinite(b_so) and b_so >= 0):
        raise ValueError(f"b_so must be non-negative and finite, got {b_so}")
    field = np.asarray(field, dtype=float)
    if not np.all(np.isfinite(field)):
        raise ValueError("field must be finite")
    b = np.abs(field).ravel()
    out = np.zeros(b.shape)
    nz = b > 0
    if np.any(nz):
        out[nz] = -_ilp_braces(b_phi / b[nz], b_so / b[nz]) / (2.0 * math.pi)
    out = prefactor * out.reshape(field.shape)
    return out if out.ndim else float(out)


def model_delta_sigma(model, field, b_phi, b_so=None, alpha=1.0):
    """delta_sigma of one of :data:`MODELS` (``alpha`` is the HLN alpha or the prefactor A)."""
    _check_model(model)
    if model == "hln":
        return hln(field, b_phi, alpha)
    if b_so is None:
        raise ValueError(f"model {model!r} needs b_so")
    return (hln_so if model == "hln-so" else ilp)(field, b_phi, b_so, alpha)


def _check_model(model):
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {MODELS}")


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class MagnetoconductanceFit:
    """Result of :func:`fit_magnetoconductance`.

    Attributes
    ----------
    model : str
        ``"hln"``, ``"hln-so"`` or ``"ilp"``.
    units : str
        ``"lattice"`` (field: flux per plaquette in h/e, lengths in lattice
        constants) or ``"tesla"`` (field in T, lengths in m).
    values, errors : dict
        ``alpha``, ``l_phi`` and, for hln-so and ilp, ``l_so`` (and ``offset``
        when fitted, in e^2/h); errors are one
        standard deviation from the covariance (0 for a fixed parameter; inf
        when the data do not constrain the parameter).
    free : tuple of str
        The fitted parameters (``alpha`` is fixed when ``alpha=`` is given,
        and for hln-so/ilp unless ``free_prefactor=True``).
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

    @property
    def b_so(self) -> float | None:
        """B_so in the field units, None for the hln model."""
        if "l_so" not in self.values:
            return None
        return float(characteristic_field(self.values["l_so"], self.units))

    def predict(self, field):
        """delta_sigma (e^2/h) of the fitted model at ``field`` (plus the offset, if fitted)."""
        return (model_delta_sigma(self.model, field, self.b_phi, self.b_so, self.values["alpha"])
                + self.values.get("offset", 0.0))

    def summary(self) -> str:
        """The parameters with their errors and the goodness of fit, as text."""
        unit = "a" if self.units == "lattice" else "m"
        lines = [f"model {self.model} ({self.units} units), {len(self.field)} points"]
        for name in ("alpha", "l_phi", "l_so", "offset"):
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
        gof = f"  chi2 = {self.chi2:.4g}, dof = {self.dof}, reduced chi2 = {self.reduced_chi2:.4g}"
        if self.p_value is not None:
            gof += f", p = {self.p_value:.3g}"
        lines.append(gof)
        if not self.success:
            lines.append(f"  warning: {self.message}")
        return "\n".join(lines)

    __str__ = summary


def _as_1d(name, value):
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _shape(model, b, h_phi, h_so):
    """Unit-prefactor model on the scaled fields b (vectorised over h)."""
    if model == "hln":
        return hln_y(_ratio(h_phi, b)) / math.pi
    if model == "hln-so":
        return (1.5 * hln_y(_ratio(h_phi + 4.0 * h_so / 3.0, b))
                - 0.5 * hln_y(_ratio(h_phi, b))) / math.pi
    out = np.zeros(np.broadcast(b, h_phi, h_so).shape)
    bb, hp, hs = np.broadcast_arrays(b, h_phi, h_so)
    nz = bb > 0
    out[nz] = -_ilp_braces(hp[nz] / bb[nz], hs[nz] / bb[nz]) / (2.0 * math.pi)
    return out


def _whitener(sigma_err, n):
    """v -> weighted residuals (along axis 0) for checked errors of n points.

    ``sigma_err``: None (unit weights), standard errors (v / sigma) or a
    positive-definite covariance C = L L^T (L^-1 v).
    """
    if sigma_err is not None and np.ndim(sigma_err) == 2:
        chol = np.linalg.cholesky(sigma_err)
        return lambda v: linalg.solve_triangular(chol, v, lower=True)
    w = np.ones(n) if sigma_err is None else 1.0 / np.asarray(sigma_err)
    return lambda v: v * (w if v.ndim == 1 else w[:, None])


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
    model : {"hln", "hln-so", "ilp"}
        See the module notes: simplified HLN (free alpha, L_phi), HLN with
        isotropic spin-orbit relaxation (L_phi, L_so) or ILP for Rashba
        coupling (L_phi, L_so).
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
        hln-so and ilp only: fit the overall prefactor A >= 0 (reported as
        ``alpha``) instead of holding it at its theoretical value 1.
    offset : bool, optional
        Also fit a constant c added to the model (``values["offset"]``, e^2/h):
        for measured curves whose sigma(0) reference is itself a noisy point,
        so that its error enters the parameters' errors instead of biasing them.
    alpha : float, optional
        Hold the prefactor at this value instead of fitting it (hln: alpha;
        hln-so and ilp: A, default 1; not together with ``free_prefactor``).
        A curve that does not reach well beyond B_phi determines only the
        combination alpha / B_phi^2 of its quadratic onset, so alpha and L_phi
        trade against each other; fixing alpha (at its theoretical value, or at
        the value a joint fit of several curves gives) resolves L_phi.

    Returns
    -------
    MagnetoconductanceFit
        ``values`` and ``errors`` hold ``alpha``, ``l_phi`` and (hln-so, ilp)
        ``l_so``.

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

    The lengths are fitted as logarithms, starting from the best point of a
    logarithmic grid of characteristic fields (with the linear prefactor
    solved exactly at each grid point), then refined by
    :func:`scipy.optimize.least_squares`; errors of the lengths follow from
    sigma(ln L) by L sigma(ln L).
    """
    _check_model(model)
    _check_units(units)
    b = _as_1d("field", field)
    y = _as_1d("delta_sigma", delta_sigma)
    if b.shape != y.shape:
        raise ValueError(f"field and delta_sigma have different lengths ({b.size} and {y.size})")
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
        whiten = _whitener(err, y.size)
    except np.linalg.LinAlgError:
        raise ValueError("the covariance sigma_err is not positive definite") from None
    for name, flag in (("free_prefactor", free_prefactor), ("offset", offset)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if alpha is not None:
        if isinstance(alpha, (bool, np.bool_)) or not np.isfinite(alpha):
            raise ValueError(f"alpha must be a finite number, got {alpha!r}")
        if free_prefactor:
            raise ValueError("alpha fixes the prefactor: do not combine it with free_prefactor=True")
        if model != "hln" and not alpha > 0:
            raise ValueError(f"the {model} prefactor A must be positive, got {alpha!r}")
    alpha_fixed = 1.0 if alpha is None else float(alpha)
    absb = np.abs(b)
    if not np.any(absb > 0):
        raise ValueError("the field must have at least one non-zero value")
    two_lengths = model != "hln"
    free_alpha = (model == "hln" and alpha is None) or bool(free_prefactor)
    nlen = 1 + int(two_lengths)
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
        hp = math.exp(theta[0])
        hs = math.exp(theta[1]) if two_lengths else 0.0
        lin = dict(zip(linear, theta[nlen:]))
        return hp, hs, lin.get("alpha", alpha_fixed), lin.get("offset", 0.0)

    def residuals(theta):
        hp, hs, a, c = unpack(theta)
        return whiten(a * _shape(model, bs, hp, hs) + c - y)

    # starting point: logarithmic grid of the characteristic fields, with the
    # linear parameters (alpha and/or offset) solved exactly at each point
    grid = np.linspace(math.log(bmin) - 4.0, 2.0, 31 if two_lengths else 121)
    if two_lengths:
        gp, gs = np.meshgrid(grid, grid, indexing="ij")
        gp, gs = gp.ravel(), gs.ravel()
    else:
        gp, gs = grid, np.full_like(grid, -np.inf)
    shapes = _shape(model, bs[None, :], np.exp(gp)[:, None], np.exp(gs)[:, None])
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
    best = None
    for i in np.argsort(costs)[:3]:
        theta0 = np.array([gp[i]] + ([gs[i]] if two_lengths else []) + list(lin0[i]))
        lower = np.array([lo] * nlen + [-np.inf] * len(linear))
        if free_alpha and model != "hln":
            lower[nlen] = 0.0                          # prefactor A >= 0
        upper = np.array([hi] * nlen + [np.inf] * len(linear))
        theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)
        if free_alpha and model != "hln":
            theta0[nlen] = max(theta0[nlen], 1e-3)
        res = optimize.least_squares(residuals, theta0, bounds=(lower, upper), x_scale=1.0,
                                     diff_step=1e-7, xtol=1e-12, ftol=1e-12, gtol=1e-12,
                                     max_nfev=2000)
        if best is None or res.cost < best.cost:
            best = res
    res = best
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

    hp, hs, a, c = unpack(res.x)
    values = {"alpha": float(a), "l_phi": float(characteristic_length(hp * bref, units))}
    # l = sqrt(const / (bref e^theta)): d l / d theta = -l / 2
    names, dtheta = ["l_phi"], [-0.5 * values["l_phi"]]
    if two_lengths:
        values["l_so"] = float(characteristic_length(hs * bref, units))
        names.append("l_so")
        dtheta.append(-0.5 * values["l_so"])
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
    order = [n for n in ("alpha", "l_phi", "l_so", "offset") if n in names]
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
        return [fit_magnetoconductance(f, y, "hln", self.units, e, alpha=self.alpha)
                for f, y, e in self.curves]

    def summary(self) -> str:
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
                         _whitener(f.sigma_err, f.delta_sigma.size)))

    def residuals(theta):
        a = theta[0]
        return np.concatenate([whiten(a * _shape("hln", bs, math.exp(t), 0.0) - y)
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
