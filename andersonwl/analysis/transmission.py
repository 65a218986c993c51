"""Transmission eigenvalues and conductance fluctuations: Fano factor, Dorokhov density, UCF.

Conventions
-----------
* ``tau`` is an array (realizations, channels) of transmission eigenvalues,
  the eigenvalues of t^dagger t of each realisation; NaN pads realisations
  with fewer eigenvalues and is ignored.  A row that is all NaN is a
  realisation not computed and is dropped.
* g = G/(e^2/h) summed over spin (each spin channel counts 1), so
  g = sum(tau) when ``tau`` lists every eigenvalue, degenerate ones included.
* Degeneracy d of a transmission eigenvalue: 1 for a spinless model or a
  spinful one without any degeneracy; 2 for a spinful model with two
  identical spin sectors (``StripModel.spin_degeneracy == 2``) and for the
  Kramers pairs of class AII.  Then g = d sum' tau over the distinct
  eigenvalues.
* Errors are grouped-jackknife errors over realisations
  (:mod:`andersonwl.analysis.stats`).
* Lengths in lattice constants (a = 1); the mean free path l is the elastic
  (transport) mean free path of :func:`andersonwl.analysis.mean_free_path`.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from .._checks import choice, instance, integer, real
from .stats import jackknife_error, jackknife_groups

__all__ = ["FanoResult", "fano_factor", "dorokhov_density", "transmission_histogram",
           "universal_variance", "UCFReport", "ucf_report", "DiffusiveDepth",
           "diffusive_depth", "SYMMETRY_BETA", "GEOMETRIES"]

#: Dyson index of each symmetry class.
SYMMETRY_BETA = {"AI": 1, "A": 2, "AII": 4}
#: Geometries with a universal conductance variance (:func:`universal_variance`).
GEOMETRIES = ("quasi-1d", "square")

_TAU_TOLERANCE = 1e-9
_BALLISTIC_MAX = 1.0          # L/l below: ballistic
_QUASI_BALLISTIC_MAX = 5.0    # L/l below (and >= 1): quasi-ballistic
# DMPK length l* (g = N l*/L per sector) over the elastic mean free path l
_DMPK_LENGTH_FACTOR = {2: math.pi / 2, 3: 4 / 3}


# ----------------------------------------------------------------------
# argument checks
def _real_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array; TypeError unless it holds real numbers (not booleans)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _check_tau(tau) -> np.ndarray:
    """Checked, clipped (realizations, channels) eigenvalues; rows that are all NaN dropped."""
    tau = _real_array("tau", tau)
    if tau.ndim != 2:
        raise ValueError(f"tau must be a 2-D array (realizations, channels), got shape "
                         f"{tau.shape}")
    if np.any(np.isinf(tau)):
        raise ValueError("tau must be finite or NaN (padding), got an infinite value")
    finite = tau[~np.isnan(tau)]
    if finite.size and (finite.min() < -_TAU_TOLERANCE or finite.max() > 1 + _TAU_TOLERANCE):
        raise ValueError(f"tau must lie in [0, 1] (tolerance {_TAU_TOLERANCE:g}), got values "
                         f"in [{finite.min():.6g}, {finite.max():.6g}]")
    tau = tau[~np.all(np.isnan(tau), axis=1)]
    return np.clip(tau, 0.0, 1.0)


def _groups(groups, n: int) -> int:
    """The number of jackknife groups: ``groups`` (at least 2), at most ``n``."""
    return min(integer("groups", groups, minimum=2), n)


def _class_and_beta(symmetry_class) -> tuple[str, int]:
    instance("symmetry_class", symmetry_class, str)
    choice("symmetry_class", symmetry_class, tuple(SYMMETRY_BETA))
    return symmetry_class, SYMMETRY_BETA[symmetry_class]


def _format(value: float, err: float) -> str:
    """``value +- err`` with err to two significant digits (at least three decimals)."""
    decimals = 3
    if math.isfinite(err) and err > 0:
        decimals = max(3, 1 - math.floor(math.log10(err)))
    if decimals > 8:                     # an exact value (a clean strip): no long tail
        return f"{value:.3g} +- {err:.1g}"
    return f"{value:.{decimals}f} +- {err:.{decimals}f}"


# ----------------------------------------------------------------------
# Fano factor
@dataclasses.dataclass(frozen=True)
class FanoResult:
    """Result of :func:`fano_factor`.

    Attributes
    ----------
    value : float
        The ensemble Fano factor F = <sum tau (1 - tau)> / <sum tau>.
    stderr : float
        Its grouped-jackknife standard error over realisations (0 when every
        replicate gives the same F; inf when some replicate has no
        transmission at all).
    realizations : int
        Realisations used.
    """

    value: float
    stderr: float
    realizations: int

    def __str__(self) -> str:
        return f"F = {_format(self.value, self.stderr)} ({self.realizations} realisations)"


def fano_factor(tau, *, groups: int = 20) -> FanoResult:
    """Ensemble Fano factor of the shot noise, from transmission eigenvalues.

    Parameters
    ----------
    tau : array_like, shape (realizations, channels)
        Transmission eigenvalues of each realisation, in [0, 1] (values up to
        1e-9 outside are clipped into it); NaN is padding and is ignored, and
        a row that is all NaN is dropped.
    groups : int
        Groups of realisations for the jackknife error (at most the number
        of realisations).

    Returns
    -------
    FanoResult
        F, its jackknife standard error and the number of realisations.

    Raises
    ------
    TypeError
        If ``tau`` does not hold real numbers or ``groups`` is not an integer.
    ValueError
        If ``tau`` is not 2-D, has infinite values or values outside [0, 1],
        has fewer than 2 realisations, or has no transmission at all
        (sum tau = 0 in every realisation: F undefined).

    Notes
    -----
    F is the ratio of ensemble means (Beenakker and Buttiker, PRB 46, 1889
    (1992)),

        F = <sum_n tau_n (1 - tau_n)> / <sum_n tau_n>,

    the shot-noise power over the Poisson value 2 e I at zero temperature.
    F = 1/3 for a diffusive wire (the Dorokhov density,
    :func:`dorokhov_density`), F = 0 for a clean conductor (every tau 0 or
    1) and F -> 1 deep in the localized regime, where every tau << 1.  A
    degeneracy of the eigenvalues (spin, Kramers pairs) multiplies numerator
    and denominator alike: F does not depend on whether degenerate
    eigenvalues are listed once or twice.  The error is the delete-a-group
    jackknife of the ratio (Efron and Tibshirani, *An Introduction to the
    Bootstrap* (1993), Ch. 11), with contiguous groups of realisations.
    """
    tau = _check_tau(tau)
    n = tau.shape[0]
    if n < 2:
        raise ValueError(f"tau needs at least 2 realisations, got {n}")
    k = _groups(groups, n)
    s1 = np.nansum(tau, axis=1)
    s2 = np.nansum(tau * (1.0 - tau), axis=1)
    total1, total2 = float(s1.sum()), float(s2.sum())
    if total1 <= 0:
        raise ValueError("no transmission: F undefined (sum tau = 0 in every realisation)")
    value = total2 / total1
    labels = jackknife_groups(n, k)
    left1 = total1 - np.bincount(labels, weights=s1, minlength=k)
    left2 = total2 - np.bincount(labels, weights=s2, minlength=k)
    if np.any(left1 <= 0):
        stderr = math.inf
    else:
        stderr = float(jackknife_error(left2 / left1, value))
    return FanoResult(value=float(value), stderr=stderr, realizations=int(n))


# ----------------------------------------------------------------------
# Dorokhov density and histograms
def dorokhov_density(tau, g):
    """Dorokhov density rho(tau) of the transmission eigenvalues of a diffusive wire.

    Parameters
    ----------
    tau : array_like
        Transmission eigenvalues at which to evaluate the density.
    g : float
        The mean of sum(tau) over the same eigenvalues that rho describes
        (pass the ensemble mean of the row sums of the eigenvalues you
        histogram): the mean conductance per spin sector (per Kramers pair
        in AII) when each distinct eigenvalue is listed once, the total g
        when degenerate eigenvalues are listed d times.

    Returns
    -------
    float or numpy.ndarray
        rho(tau) = (g / 2) / (tau sqrt(1 - tau)), eigenvalues per unit tau
        per realisation, with the shape of ``tau``; NaN where tau is not in
        the open interval (0, 1) (and where tau is NaN).

    Raises
    ------
    TypeError
        If ``tau`` does not hold real numbers or ``g`` is not a real number.
    ValueError
        If ``g`` is not positive and finite.

    Notes
    -----
    Dorokhov, Solid State Commun. 51, 381 (1984); Beenakker, Rev. Mod.
    Phys. 69, 731 (1997), Sec. IV.A: for l << L << xi the eigenvalues of a
    wire have the density rho(tau) = (N l*/2L) / (tau sqrt(1 - tau)),
    with l* the DMPK length, g = N l*/L per sector.  The normalisation is
    the conductance, int_0^1 tau rho(tau) dtau = (g/2) int_0^1
    (1 - tau)^(-1/2) dtau = g, and int tau (1 - tau) rho dtau = g/3 gives
    F = 1/3.  Written as tau = 1/cosh^2 x the density is uniform in x,
    rho dtau = g dx, on 0 < x < L/l*: rho holds for
    tau >> 1/cosh^2(L/l*) ~ 4 exp(-2L/l*), where the number of eigenvalues,
    int rho dtau, is cut off at N.
    """
    g = real("g", g, positive=True)
    t = _real_array("tau", tau)
    inside = (t > 0) & (t < 1)
    safe = np.where(inside, t, 0.5)
    rho = np.where(inside, 0.5 * g / (safe * np.sqrt(1.0 - safe)), np.nan)
    return float(rho) if rho.ndim == 0 else rho


def transmission_histogram(tau, bins=40):
    """Ensemble-averaged density of transmission eigenvalues, eigenvalues per unit tau.

    Parameters
    ----------
    tau : array_like, shape (realizations, channels)
        Transmission eigenvalues as in :func:`fano_factor` (NaN padding
        ignored, rows that are all NaN dropped, values clipped into [0, 1]).
    bins : int or array_like
        Number of equal bins on [0, 1], or the bin edges: increasing, at
        least two, within [0, 1].  Eigenvalues outside the edges are not
        counted; the last bin includes its right edge.

    Returns
    -------
    edges : numpy.ndarray
        Bin edges (bins + 1).
    density : numpy.ndarray
        Eigenvalues per unit tau per realisation in each bin: counts /
        (realisations * bin width).  sum(density * width) is the mean number
        of eigenvalues counted per realisation and sum(density * centre *
        width) approximates <sum tau> (up to the binning); this is the
        quantity to compare with :func:`dorokhov_density` (best with its
        average over each bin, since rho diverges at both ends).

    Raises
    ------
    TypeError
        If ``tau`` does not hold real numbers or ``bins`` is neither an
        integer nor an array of real numbers.
    ValueError
        If ``tau`` is invalid (see :func:`fano_factor`), has no realisation,
        or the edges are not increasing within [0, 1].

    Notes
    -----
    The histogram estimates the eigenvalue density rho(tau) = <sum_n
    delta(tau - tau_n)> of Beenakker, Rev. Mod. Phys. 69, 731 (1997),
    Sec. III, normalised per realisation.
    """
    tau = _check_tau(tau)
    n = tau.shape[0]
    if n < 1:
        raise ValueError("tau has no realisation")
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, (bool, np.bool_)):
        edges = np.linspace(0.0, 1.0, integer("bins", bins, minimum=1) + 1)
    else:
        edges = _real_array("bins", bins)
        if edges.ndim != 1 or edges.size < 2:
            raise ValueError(f"bins must be an integer or at least two edges, got shape "
                             f"{edges.shape}")
        if (not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0)
                or edges[0] < 0 or edges[-1] > 1):
            raise ValueError("bins edges must be finite, strictly increasing and within [0, 1]")
    values = tau[~np.isnan(tau)]
    counts, _ = np.histogram(values, bins=edges)
    return edges, counts / (n * np.diff(edges))


# ----------------------------------------------------------------------
# universal conductance fluctuations
def _coth_csch2(x):
    """coth(x) and 1/sinh^2(x) for x > 0, without overflow."""
    q = np.exp(-2.0 * x)
    return (1 + q) / (1 - q), 4 * q / (1 - q) ** 2


@functools.cache
def _mode_sum(aspect: float, terms: int = 1_000_000) -> float:
    """sum_{n >= 1, m >= 0} (n^2 + (aspect m)^2)^-2, aspect = L/W.

    The sum over n is done in closed form: from sum_{n in Z} 1/(n^2 + c^2) =
    (pi/c) coth(pi c), differentiated in c^2,
    sum_{n >= 1} (n^2 + c^2)^-2 = [pi coth(pi c)/(2 c^3) + pi^2 / (2 c^2
    sinh^2(pi c)) - 1/c^4] / 2; m = 0 gives zeta(4) = pi^4/90.  The tail
    m > terms of ~pi/(4 c^3) is added as an integral.
    """
    c = aspect * np.arange(1, terms + 1, dtype=float)
    coth, csch2 = _coth_csch2(np.pi * c)
    inner = 0.5 * (np.pi * coth / (2 * c**3) + np.pi**2 * csch2 / (2 * c**2) - 1 / c**4)
    tail = np.pi / (8 * aspect**3 * terms**2)
    return float(np.pi**4 / 90 + inner.sum() + tail)


def _sector_variance(geometry: str) -> float:
    """var(sum' tau) for beta = 1, one non-degenerate sector, in a geometry."""
    aspect = {"quasi-1d": math.inf, "square": 1.0}[geometry]
    if math.isinf(aspect):
        return 2.0 / 15.0
    return 12.0 / math.pi**4 * _mode_sum(aspect)


def universal_variance(symmetry_class, geometry="quasi-1d", *, degeneracy=1) -> float:
    """Universal variance of g = G/(e^2/h) (summed over spin) in the diffusive regime.

    Parameters
    ----------
    symmetry_class : {"AI", "A", "AII"}
        Orthogonal (beta = 1), unitary (beta = 2) or symplectic (beta = 4).
    geometry : {"quasi-1d", "square"}
        ``"quasi-1d"``: a wire, L >> W; ``"square"``: L = W in 2D with hard
        transverse walls and ideal leads.
    degeneracy : {1, 2}
        Degeneracy d of each transmission eigenvalue: 1 for a spinless model
        or a spinful one with no degeneracy (spin-orbit or exchange in class
        A); 2 for two identical spin sectors (spin-rotation symmetry, AI or
        A) and, necessarily, for the Kramers pairs of class AII.

    Returns
    -------
    float
        var g = d^2 c_geometry / beta, in (e^2/h)^2.

    Raises
    ------
    TypeError
        If ``symmetry_class`` or ``geometry`` is not a string or
        ``degeneracy`` is not an integer.
    ValueError
        For an unknown class or geometry (the supported ones are listed), a
        degeneracy other than 1 or 2, and for AII with degeneracy 1.

    Notes
    -----
    Random-matrix theory of a wire (Beenakker, Rev. Mod. Phys. 69, 731
    (1997), Sec. IV.B; Beenakker, PRB 47, 15763 (1993)): a linear statistic
    of the N distinct eigenvalues has a variance independent of L, l and N
    in the diffusive limit, with a universal 1/beta, and
    var(sum'_n tau_n) = 2/(15 beta).  Beenakker writes G = G0 sum'_n tau_n
    with G0 = 2e^2/h (the 2 being the spin degeneracy for beta = 1, 2 and
    the Kramers degeneracy for beta = 4), i.e. var(G/G0) = 2/(15 beta).
    Here g = G/(e^2/h) = d sum'_n tau_n, so var g = d^2 2/(15 beta):

    * AI, d = 1 (spinless): 2/15; A, d = 1: 1/15;
    * AI, d = 2 (spin-degenerate): 8/15, the rms 0.73 e^2/h of Lee and
      Stone, PRL 55, 1622 (1985); A, d = 2: 4/15;
    * AII (d = 2, Kramers): 4 (2/15)/4 = 2/15.

    In class AII every eigenvalue is a Kramers pair, so d = 1 is an error.

    The geometry enters through the diffuson modes (Lee and Stone (1985);
    Lee, Stone and Fukuyama, PRB 35, 1039 (1987)):
    var g = d^2 (12/beta) sum_q (q L)^-4, with q = pi (n_x/L, n_y/W),
    n_x >= 1 (the diffuson vanishes at the ideal leads) and n_y >= 0 (no
    current through hard walls), so var g = d^2 12/(beta pi^4)
    sum (n_x^2 + (L n_y/W)^2)^-2.  For L/W -> infinity only n_y = 0
    remains, sum n^-4 = pi^4/90 and the random-matrix 2/(15 beta) is
    recovered.  For L = W the sum, evaluated here with the n_x sum in
    closed form, is 1.50674..., and c_square = 0.185613 per sector
    (beta = 1; an rms of 0.86 e^2/h for d = 2).  The transverse boundary
    condition matters for a square (periodic instead of hard walls gives
    0.154); for a wire L/W = 3 is still 2.6 % above 2/15.

    These values hold only deep in the diffusive regime, l << L << xi, with
    many channels; on a lattice they are approached slowly, with
    corrections of order l/L (quasi-ballistic) and L/xi (localization).
    """
    symmetry_class, beta = _class_and_beta(symmetry_class)
    instance("geometry", geometry, str)
    choice("geometry", geometry, GEOMETRIES)
    d = integer("degeneracy", degeneracy)
    choice("degeneracy", d, (1, 2))
    if symmetry_class == "AII" and d != 2:
        raise ValueError("degeneracy must be 2 in class AII: every transmission eigenvalue "
                         "is a Kramers pair (g = 2 sum' tau)")
    return d * d * _sector_variance(geometry) / beta


@dataclasses.dataclass(frozen=True)
class UCFReport:
    """Result of :func:`ucf_report`.

    Attributes
    ----------
    variance, variance_err : float
        var g (ddof = 1) in (e^2/h)^2 and its grouped-jackknife standard
        error.
    universal : float
        The universal value (:func:`universal_variance`).
    ratio, ratio_err : float
        variance / universal and its error.
    mean : float
        <g>, in e^2/h.
    realizations : int
        Realisations used (NaN skipped).
    symmetry_class, geometry : str
    degeneracy : int
    """

    variance: float
    variance_err: float
    universal: float
    ratio: float
    ratio_err: float
    mean: float
    realizations: int
    symmetry_class: str
    geometry: str
    degeneracy: int

    def __str__(self) -> str:
        return (f"var g = {_format(self.variance, self.variance_err)} (e^2/h)^2, <g> = "
                f"{self.mean:.4g}, {self.realizations} realisations; universal "
                f"{self.universal:.4f} ({self.symmetry_class}, {self.geometry}, degeneracy "
                f"{self.degeneracy}): ratio {_format(self.ratio, self.ratio_err)}")


def ucf_report(g, symmetry_class, *, degeneracy=1, geometry="quasi-1d",
               groups: int = 20) -> UCFReport:
    """Conductance variance of an ensemble against the universal value.

    Parameters
    ----------
    g : array_like, 1-D
        Conductance g = G/(e^2/h) (summed over spin) of each realisation;
        NaN marks realisations not computed and is skipped.
    symmetry_class : {"AI", "A", "AII"}
    degeneracy : {1, 2}
        Degeneracy of each transmission eigenvalue (see
        :func:`universal_variance`; 2 in class AII).
    geometry : {"quasi-1d", "square"}
    groups : int
        Groups of realisations for the jackknife errors.

    Returns
    -------
    UCFReport

    Raises
    ------
    TypeError
        If ``g`` does not hold real numbers or an argument has the wrong type.
    ValueError
        If ``g`` is not 1-D, has infinite or negative values, too few
        realisations (at least 3, and every jackknife replicate keeps 2), or
        the class, geometry or degeneracy is invalid.

    Notes
    -----
    var g with ddof = 1; its error is the delete-a-group jackknife (Efron
    and Tibshirani, *An Introduction to the Bootstrap* (1993), Ch. 11).
    The universal value and its conventions are those of
    :func:`universal_variance` (Lee and Stone, PRL 55, 1622 (1985);
    Beenakker, Rev. Mod. Phys. 69, 731 (1997)); a ratio near 1 needs
    l << L << xi.
    """
    universal = universal_variance(symmetry_class, geometry, degeneracy=degeneracy)
    values = _real_array("g", g)
    if values.ndim != 1:
        raise ValueError(f"g must be a 1-D array of conductances, got shape {values.shape}")
    values = values[~np.isnan(values)]
    if np.any(np.isinf(values)) or np.any(values < 0):
        raise ValueError("g must be non-negative and finite (NaN: not computed)")
    n = values.size
    if n < 3:
        raise ValueError(f"g needs at least 3 realisations, got {n}")
    k = _groups(groups, n)
    labels = jackknife_groups(n, k)
    if n - np.bincount(labels, minlength=k).max() < 2:
        raise ValueError(f"g: with {n} realisations in {k} groups a jackknife replicate "
                         "keeps fewer than 2; use more groups")
    variance = float(np.var(values, ddof=1))
    reps = np.array([np.var(values[labels != j], ddof=1) for j in range(k)])
    err = float(jackknife_error(reps, variance))
    return UCFReport(variance=variance, variance_err=err, universal=universal,
                     ratio=variance / universal, ratio_err=err / universal,
                     mean=float(values.mean()), realizations=int(n),
                     symmetry_class=symmetry_class, geometry=geometry,
                     degeneracy=int(degeneracy))


# ----------------------------------------------------------------------
# transport regime
@dataclasses.dataclass(frozen=True)
class DiffusiveDepth:
    """Result of :func:`diffusive_depth`.

    Attributes
    ----------
    length, mean_free_path, localization_length : float
        L, l and xi (lattice constants; xi may be inf).
    length_over_mfp, length_over_xi : float
        L/l and L/xi.
    xi_estimated : bool
        True when xi is the quasi-1D estimate (beta N + 2 - beta) l*.
    verdict : str
        ``"ballistic"``, ``"quasi-ballistic"``, ``"diffusive"`` or
        ``"localized"``.
    """

    length: float
    mean_free_path: float
    localization_length: float
    length_over_mfp: float
    length_over_xi: float
    xi_estimated: bool
    verdict: str

    def __str__(self) -> str:
        how = " (quasi-1D estimate)" if self.xi_estimated else ""
        return (f"L/l = {self.length_over_mfp:.3g}, L/xi = {self.length_over_xi:.3g}{how}: "
                f"{self.verdict}")


def diffusive_depth(length, mean_free_path, localization_length=None, *, channels=None,
                    beta=None, dimension=2) -> DiffusiveDepth:
    """How deep a sample of length L is in the diffusive regime: L/l, L/xi and a verdict.

    Parameters
    ----------
    length : float
        Sample length L (between the leads), lattice constants.
    mean_free_path : float
        Elastic (transport) mean free path l, as from
        :func:`andersonwl.analysis.mean_free_path`.
    localization_length : float, optional
        xi; ``math.inf`` for a sample that does not localize (or to ignore
        localization).  When omitted, ``channels`` and ``beta`` are required
        and xi is the quasi-1D estimate below.
    channels : int, optional
        N, the number of distinct transmission eigenvalues per realisation:
        the open channels per spin sector (per Kramers pair in AII), i.e.
        ``open_channels / degeneracy``.
    beta : {1, 2, 4}, optional
        Dyson index (AI, A, AII).
    dimension : {2, 3}
        Dimension of the sample, for the DMPK length l* = (pi/2) l (2D) or
        (4/3) l (3D) of the estimate.

    Returns
    -------
    DiffusiveDepth

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a length is not positive (xi may be inf), for both
        ``localization_length`` and ``channels``/``beta``, for neither, or
        for a bad ``beta`` or ``dimension``.

    Notes
    -----
    Verdict, in this order: ``"localized"`` if L >= xi; ``"ballistic"`` if
    L < l; ``"quasi-ballistic"`` if l <= L < 5 l; ``"diffusive"``
    otherwise (5 l <= L < xi).  "diffusive" is necessary, not sufficient,
    for universal values (UCF, F = 1/3): they need l << L << xi and are
    approached with corrections of order l/L and L/xi.

    The estimate of xi for a quasi-1D wire is xi = (beta N + 2 - beta) l*
    (Beenakker, Rev. Mod. Phys. 69, 731 (1997), Sec. IV.B; <ln g> ~ -2L/xi
    for L >> xi), where l* is the length of the DMPK equation, defined by
    the Drude conductance g = N l*/L per sector.  For a 2D strip g per
    spin = (k_F l/2) W/L and N = k_F W/pi give l* = (pi/2) l; in 3D,
    l* = (4/3) l (Beenakker (1997), Sec. III).  It is meaningless for a
    wide sample (L < W): pass xi instead.
    """
    L = real("length", length, positive=True)
    ell = real("mean_free_path", mean_free_path, positive=True)
    dim = integer("dimension", dimension)
    choice("dimension", dim, (2, 3))
    estimated = localization_length is None
    if estimated:
        if channels is None or beta is None:
            raise ValueError("localization_length not given: channels and beta are needed "
                             "for the quasi-1D estimate (or pass localization_length=math.inf "
                             "to ignore localization)")
        n = integer("channels", channels, minimum=1)
        b = integer("beta", beta)
        choice("beta", b, (1, 2, 4))
        xi = (b * n + 2 - b) * _DMPK_LENGTH_FACTOR[dim] * ell
    else:
        if channels is not None or beta is not None:
            raise ValueError("give either localization_length or channels and beta, not both")
        xi = real("localization_length", localization_length, positive=True, finite=False)
    l_ratio = L / ell
    xi_ratio = L / xi
    if xi_ratio >= 1:
        verdict = "localized"
    elif l_ratio < _BALLISTIC_MAX:
        verdict = "ballistic"
    elif l_ratio < _QUASI_BALLISTIC_MAX:
        verdict = "quasi-ballistic"
    else:
        verdict = "diffusive"
    return DiffusiveDepth(length=L, mean_free_path=ell, localization_length=xi,
                          length_over_mfp=l_ratio, length_over_xi=xi_ratio,
                          xi_estimated=estimated, verdict=verdict)
