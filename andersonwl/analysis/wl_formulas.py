"""Weak-(anti)localization magnetoconductance formulas, each written once.

Four models of the interference correction delta_sigma(B) = sigma(B) - sigma(0)
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
``"mccann"``
    Graphene (McCann, Kechedzhi, Fal'ko, Suzuura, Ando and Altshuler, PRL 97,
    146805 (2006), Eq. 3), with the dephasing field B_phi, the intervalley
    field B_i and the intravalley symmetry-breaking field B_* (trigonal
    warping and intravalley scattering):

        delta_sigma = (A / pi) [ Y(B_phi / B) - Y((B_phi + 2 B_i) / B) - 2 Y((B_phi + B_*) / B) ],

    see :func:`mccann`.

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
* The McCann form is the conductivity of real graphene: its spin and valley
  degeneracy (four species) is already in it.  Its strong-intervalley limit
  is the HLN form with alpha = 1, its no-symmetry-breaking limit (B_i = B_* =
  0) the HLN form with alpha = -2.  Its prefactor A is treated as that of the
  HLN-SO and ILP forms (A = 1 the theory, fixed unless ``free_prefactor=True``).
* The characteristic lengths of each model, in the order of its fields, are
  in :data:`MODEL_LENGTHS` (``l_phi`` first).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["MODELS", "MODEL_LENGTHS", "L_SO_CONVENTIONS", "hln_y", "hln", "hln_so", "ilp",
           "mccann", "model_delta_sigma", "shape", "check_model"]

MODELS = ("hln", "hln-so", "ilp", "mccann")

#: The characteristic lengths of each model, in the order of the fields that
#: :func:`shape` takes after ``b_phi`` (L_x for B_x = hbar / (4 e L_x^2)).
MODEL_LENGTHS = {
    "hln": ("l_phi",),
    "hln-so": ("l_phi", "l_so"),
    "ilp": ("l_phi", "l_so"),
    "mccann": ("l_phi", "l_i", "l_star"),
}

#: What ``l_so`` (B_so = hbar / (4 e L_so^2), L_so^2 = D tau_so) means in each model.  The two
#: are not interchangeable: the same curve fitted by both gives different L_so.
L_SO_CONVENTIONS = {
    "hln-so": "HLN isotropic spin-orbit scattering: all three triplet Cooperons gapped to "
              "B_phi + (4/3) B_so (Hikami, Larkin, Nagaoka 1980)",
    "ilp": "ILP/Knap H_so (Rashba, D'yakonov-Perel): 1/tau_so = 2 Omega_1^2 tau_1 is the "
           "in-plane spin relaxation rate, triplet m = +-1 gapped by B_so and m = 0 by 2 B_so "
           "(Knap et al. 1996)",
}

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


def _hln_kernel(b, b_phi):
    """(1/pi) Y(B_phi / B), broadcast over arrays of B and B_phi (no checks)."""
    return hln_y(_ratio(b_phi, b)) / math.pi


def _hln_so_kernel(b, b_phi, b_so):
    """(1/pi) [(3/2) Y((B_phi + 4 B_so / 3) / B) - (1/2) Y(B_phi / B)], broadcast (no checks)."""
    return (1.5 * hln_y(_ratio(b_phi + 4.0 * b_so / 3.0, b))
            - 0.5 * hln_y(_ratio(b_phi, b))) / math.pi


def _ilp_kernel(b, b_phi, b_so):
    """ILP delta_sigma with unit prefactor, broadcast over arrays (no checks, B >= 0)."""
    bb, hp, hs = np.broadcast_arrays(np.abs(b), b_phi, b_so)
    out = np.zeros(bb.shape)
    nz = bb > 0
    out[nz] = -_ilp_braces(hp[nz] / bb[nz], hs[nz] / bb[nz]) / (2.0 * math.pi)
    return out


def _mccann_kernel(b, b_phi, b_i, b_star):
    """(1/pi) [Y(B_phi/B) - Y((B_phi + 2 B_i)/B) - 2 Y((B_phi + B_*)/B)], broadcast (no checks)."""
    return (hln_y(_ratio(b_phi, b)) - hln_y(_ratio(b_phi + 2.0 * b_i, b))
            - 2.0 * hln_y(_ratio(b_phi + b_star, b))) / math.pi


def shape(model, field, b_phi, b_so=0.0, b_star=0.0):
    """delta_sigma of ``model`` with unit prefactor, broadcast over arrays of the fields.

    The one implementation of each formula: :func:`hln`, :func:`hln_so`,
    :func:`ilp`, :func:`mccann` and the fits all call it.  No argument checks.
    The fields after ``b_phi`` are those of :data:`MODEL_LENGTHS`, in order:
    B_so for hln-so and ilp, B_i and B_* for mccann (``b_so`` is then B_i);
    the hln model ignores them.
    """
    if model == "hln":
        return _hln_kernel(field, b_phi)
    if model == "hln-so":
        return _hln_so_kernel(field, b_phi, b_so)
    if model == "mccann":
        return _mccann_kernel(field, b_phi, b_so, b_star)
    return _ilp_kernel(field, b_phi, b_so)


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
    out = alpha * _hln_kernel(field, b_phi)
    return out if np.ndim(out) else float(out)


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
    out = prefactor * _hln_so_kernel(field, b_phi, b_so)
    return out if np.ndim(out) else float(out)


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
    out = prefactor * _ilp_kernel(field, b_phi, b_so)
    return out if out.ndim else float(out)


def _check_non_negative(name, value):
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be non-negative and finite, got {value}")
    return value


def mccann(field, b_phi, b_i, b_star, prefactor=1.0):
    """Weak-localization magnetoconductance of graphene (McCann et al. 2006), in e^2/h.

    ``(A / pi) [Y(B_phi / B) - Y((B_phi + 2 B_i) / B) - 2 Y((B_phi + B_*) / B)]``
    with Y(x) = psi(1/2 + x) - ln x (:func:`hln_y`).

    Parameters
    ----------
    field : float or array_like
        B (any sign; the formula is even in B), in the units of the
        characteristic fields.
    b_phi : float
        Dephasing field B_phi = hbar / (4 e L_phi^2) > 0.
    b_i : float
        Intervalley field B_i = hbar / (4 e L_i^2) >= 0 (0: no intervalley
        scattering).
    b_star : float
        Intravalley symmetry-breaking field B_* = hbar / (4 e L_*^2) >= 0
        (trigonal warping and intravalley scattering; 0: none).
    prefactor : float
        A; 1 for graphene (spin and valley degeneracy included).

    Returns
    -------
    float or numpy.ndarray
        delta_sigma(B) = sigma(B) - sigma(0) per square in e^2/h.

    Notes
    -----
    McCann, Kechedzhi, Fal'ko, Suzuura, Ando and Altshuler, PRL 97, 146805
    (2006), Eq. 3, in the form used by Tikhonenko, Horsell, Gorbachev and
    Savchenko, PRL 100, 056802 (2008)::

        delta_sigma(B) = (e^2 / (pi h)) [ F(B/B_phi) - F(B/(B_phi + 2 B_i))
                                          - 2 F(B/(B_phi + B_*)) ],
        F(z) = ln z + psi(1/2 + 1/z),

    B_x = hbar / (4 e L_x^2) = hbar / (4 e D tau_x).  F(B/B_x) = Y(B_x/B), and
    e^2/(pi h) is 1/pi in e^2/h.  The formula is the conductivity of real
    graphene: the twofold spin and the twofold valley degeneracy are included,
    nothing is to be multiplied by 4.  The first term is the Cooperon that no
    elastic process relaxes (dephasing only), the second the one relaxed by
    intervalley scattering (at 2 / tau_i), the third the two relaxed by
    intravalley symmetry breaking (at 1 / tau_*).  A multiplies the whole
    form; it is 1 in the theory and is held there by the fits unless
    ``free_prefactor=True``, where a free A absorbs what the formula does not
    describe (several layers, partial coherence, a finite sample).

    The fields are independent parameters here.  In McCann et al.
    tau_*^-1 = tau_w^-1 + 2 tau_z^-1 + tau_i^-1 (trigonal warping,
    intravalley symmetry breaking, intervalley scattering), so that physically
    B_* >= B_i (L_* <= L_i); this is not imposed (see
    :func:`andersonwl.analysis.fit_magnetoconductance`).

    Limits:

    * strong intervalley and intravalley scattering (B_i, B_* >> B, B_phi):
      the last two terms vanish, delta_sigma -> (A / pi) Y(B_phi / B), HLN weak
      localization with alpha = A (:func:`hln`);
    * no intervalley scattering (B_i = 0): the first two terms cancel,
      delta_sigma = -(2 A / pi) Y((B_phi + B_*) / B), which vanishes when
      B_* >> B; with B_* = 0 too (no symmetry breaking) delta_sigma =
      -(2 A / pi) Y(B_phi / B), weak antilocalization with HLN alpha = -2 A;
    * weak field (B << B_phi): delta_sigma ~ (A / (24 pi)) [(B/B_phi)^2 -
      (B/(B_phi + 2 B_i))^2 - 2 (B/(B_phi + B_*))^2].
    """
    b_phi = _check_positive("b_phi", b_phi)
    b_i = _check_non_negative("b_i", b_i)
    b_star = _check_non_negative("b_star", b_star)
    field = np.asarray(field, dtype=float)
    if not np.all(np.isfinite(field)):
        raise ValueError("field must be finite")
    out = prefactor * _mccann_kernel(field, b_phi, b_i, b_star)
    return out if np.ndim(out) else float(out)


def model_delta_sigma(model, field, b_phi, b_so=None, alpha=1.0, *, b_i=None, b_star=None):
    """delta_sigma of one of :data:`MODELS` (``alpha`` is the HLN alpha or the prefactor A).

    ``b_so`` is needed by hln-so and ilp, ``b_i`` and ``b_star`` by mccann.
    """
    check_model(model)
    if model == "hln":
        return hln(field, b_phi, alpha)
    if model == "mccann":
        if b_i is None or b_star is None:
            raise ValueError("model 'mccann' needs b_i and b_star")
        return mccann(field, b_phi, b_i, b_star, alpha)
    if b_so is None:
        raise ValueError(f"model {model!r} needs b_so")
    return (hln_so if model == "hln-so" else ilp)(field, b_phi, b_so, alpha)


def check_model(model):
    """Raise ValueError unless ``model`` is one of :data:`MODELS`."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {MODELS}")


