"""Dephasing laws: how L_phi(T) follows from the inelastic rates, and fits of measured L_phi(T).

Conventions
-----------
Rates add (Matthiessen for dephasing): Gamma_phi = 1/tau_phi = Gamma_0 + a T^p + b T^q + Gamma_m,
with Gamma_0 a saturation rate, a T^p electron-electron (p = 1 in diffusive 2D, Altshuler,
Aronov and Khmelnitsky, J. Phys. C 15, 7367 (1982)), b T^q electron-phonon (q typically 2 to 4)
and Gamma_m spin-flip scattering by magnetic impurities (temperature independent; it also
breaks time reversal).  L_phi = sqrt(D tau_phi) with D the diffusion constant.  SI units
(s^-1, K, m, m^2/s) unless stated.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.constants as const
import scipy.optimize as opt
import scipy.stats as stats

__all__ = ["aak_rate", "dephasing_rate", "phase_coherence_length", "fit_dephasing",
           "DephasingFit", "fit_temperature_series", "ProbeSeriesFit", "fit_probe_series"]


def aak_rate(temperature, sheet_conductance):
    """Electron-electron dephasing rate of a diffusive 2D film (AAK 1982), in s^-1.

    hbar / tau_phi = k_B T ln(g/2) / g, with g = h / (e^2 R_sq) the sheet conductance
    in units of e^2/h (spin summed).  The constant inside the logarithm is accurate only
    to O(1) (Altshuler, Aronov and Khmelnitsky, J. Phys. C 15, 7367 (1982)).
    """
    t = np.asarray(temperature, float)
    g = float(sheet_conductance)
    if not g > 2:
        raise ValueError("the AAK rate needs a good conductor, sheet conductance g > 2 e^2/h")
    if np.any(t < 0) or np.any(~np.isfinite(t)):
        raise ValueError("temperatures must be finite and non-negative")
    return const.k * t * math.log(g / 2) / g / const.hbar


def dephasing_rate(temperature, gamma_0=0.0, a=0.0, p=1.0, b=0.0, q=3.0, gamma_m=0.0):
    """Gamma_phi(T) = gamma_0 + a T^p + b T^q + gamma_m (rates add)."""
    t = np.asarray(temperature, float)
    return gamma_0 + a * t**p + b * t**q + gamma_m


def phase_coherence_length(rate, diffusion):
    """L_phi = sqrt(D / Gamma_phi)."""
    return np.sqrt(float(diffusion) / np.asarray(rate, float))


@dataclasses.dataclass
class DephasingFit:
    """Fit of L_phi(T)^-2 = c_0 + A T^p [+ B T^q].

    ``values``/``errors`` hold ``c0`` (saturation, (Gamma_0 + Gamma_m)/D), ``A``, ``p`` and,
    with two power laws, ``B`` and ``q``; lengths in the units of the input.  ``dominant``
    names the largest term at each input temperature ("saturation", "T^p", "T^q").
    """
    values: dict
    errors: dict
    chi2: float
    dof: int
    p_value: float
    temperature: np.ndarray
    dominant: list

    def l_phi(self, temperature):
        v = self.values
        inv = v["c0"] + v["A"] * np.asarray(temperature, float) ** v["p"]
        if "B" in v:
            inv = inv + v["B"] * np.asarray(temperature, float) ** v["q"]
        return 1 / np.sqrt(inv)


def fit_dephasing(temperature, l_phi, l_phi_err=None, *, two_laws: bool = False,
                  p0: float = 1.0, q0: float = 3.0) -> DephasingFit:
    """Fit the dephasing law to L_phi(T).

    Fits 1/L_phi^2 = Gamma_phi / D = c_0 + A T^p (+ B T^q with ``two_laws``),
    weighted by the errors of 1/L_phi^2 (2 dL / L^3) when ``l_phi_err`` is given.

    Returns
    -------
    DephasingFit
        Exponents with errors from the covariance (scaled by the reduced chi^2 when no
        errors are given), and which mechanism dominates at each temperature.
    """
    t = np.asarray(temperature, float)
    lp = np.asarray(l_phi, float)
    if t.shape != lp.shape or t.ndim != 1:
        raise ValueError("temperature and l_phi must be 1D arrays of the same length")
    if np.any(~np.isfinite(t)) or np.any(t <= 0) or np.any(~np.isfinite(lp)) or np.any(lp <= 0):
        raise ValueError("temperatures and lengths must be positive and finite")
    y = lp**-2.0
    if l_phi_err is None:
        sigma, absolute = None, False
    else:
        e = np.asarray(l_phi_err, float)
        if e.shape != lp.shape or np.any(~(e > 0)):
            raise ValueError("l_phi_err must be positive, one per point")
        sigma, absolute = 2 * e / lp**3, True
    npar = 5 if two_laws else 3
    if t.size <= npar:
        raise ValueError(f"{t.size} points cannot fit {npar} parameters")

    def model(tt, c0, A, p, B=0.0, q=q0):
        return c0 + A * tt**p + B * tt**q

    scale = float(np.max(y))
    lower, upper = [0, 0, 0.1], [np.inf, np.inf, 8.0]
    if two_laws:
        lower, upper = lower + [0, 0.1], upper + [np.inf, 8.0]
        starts = [(p, q) for p in (p0, 0.5, 1.0, 2.0) for q in (q0, 2.0, 3.0, 5.0) if q > p]
    else:
        starts = [(p, q0) for p in (p0, 0.5, 1.0, 2.0, 3.0)]
    best = None
    for ps, qs in starts:     # the power laws have local minima: start from several exponents
        guess = [0.1 * scale, 0.5 * scale / t.max() ** ps, ps]
        if two_laws:
            guess += [0.1 * scale / t.max() ** qs, qs]
        try:
            popt, pcov = opt.curve_fit(model, t, y, p0=guess, sigma=sigma,
                                       absolute_sigma=absolute, bounds=(lower, upper),
                                       maxfev=20000)
        except RuntimeError:
            continue
        cost = float(np.sum(((y - model(t, *popt)) / (sigma if sigma is not None else 1)) ** 2))
        if best is None or cost < best[0]:
            best = (cost, popt, pcov)
    if best is None:
        raise RuntimeError("the dephasing fit did not converge from any starting exponent")
    _, popt, pcov = best
    resid = (y - model(t, *popt)) / (sigma if sigma is not None else 1.0)
    chi2 = float(np.sum(resid**2))
    dof = t.size - npar
    names = ["c0", "A", "p", "B", "q"][:npar]
    values = dict(zip(names, map(float, popt)))
    errors = dict(zip(names, map(float, np.sqrt(np.diag(pcov)))))
    terms = [np.full(t.shape, values["c0"]), values["A"] * t ** values["p"]]
    labels = ["saturation", "T^p"]
    if two_laws:
        terms.append(values["B"] * t ** values["q"])
        labels.append("T^q")
    dominant = [labels[i] for i in np.argmax(np.stack(terms), axis=0)]
    p_value = float(stats.chi2.sf(chi2, dof)) if sigma is not None else float("nan")
    return DephasingFit(values, errors, chi2, dof, p_value, t, dominant)


def fit_temperature_series(curves, *, model: str = "hln", units: str = "tesla",
                           two_laws: bool = False, offset: bool = False,
                           free_prefactor: bool = False) -> tuple[list, DephasingFit]:
    """One HLN (or HLN-SO, ILP) fit per magnetoconductance curve, then the dephasing law.

    Parameters
    ----------
    curves : iterable of (temperature, field, delta_sigma[, sigma_err])
        Magnetoconductance curves in e^2/h; field in tesla (or flux per plaquette with
        ``units="lattice"``).
    model, units : str
        Passed to :func:`andersonwl.fit_magnetoconductance`.
    two_laws : bool
        Fit c_0 + A T^p + B T^q instead of c_0 + A T^p.
    offset, free_prefactor : bool
        Passed to :func:`andersonwl.fit_magnetoconductance` (``offset=True`` for
        measured curves whose sigma(0) reference is itself a noisy point).

    Returns
    -------
    (list of fits, DephasingFit)
    """
    from .fitting import fit_magnetoconductance
    temps, lp, lpe, fits = [], [], [], []
    for curve in curves:
        temperature, field, ds, *err = curve
        fit = fit_magnetoconductance(field, ds, model=model, units=units,
                                     sigma_err=err[0] if err else None, offset=offset,
                                     free_prefactor=free_prefactor)
        fits.append(fit)
        temps.append(float(temperature))
        lp.append(fit.values["l_phi"])
        lpe.append(fit.errors["l_phi"])
    return fits, fit_dephasing(temps, lp, lpe, two_laws=two_laws)


@dataclasses.dataclass
class ProbeSeriesFit:
    """Result of :func:`fit_probe_series`; errors are grouped-jackknife standard errors.

    Attributes
    ----------
    dephasing : numpy.ndarray
        The probe couplings Gamma, ascending (units of t; Gamma / hbar is the
        dephasing rate).
    alpha, alpha_err : float
        The HLN prefactor shared by the curves.
    l_phi, l_phi_err : numpy.ndarray
        L_phi at each Gamma (lattice constants).
    b_phi, b_phi_err : numpy.ndarray
        The cusp width B_phi = 1 / (8 pi L_phi^2) (flux per plaquette, h/e).
    c0, c0_err : float
        1 / L_0^2, the coherent cut-off of the finite sample.
    diffusion, diffusion_err : float
        D_phi of the law 1 / L_phi^2 = c0 + Gamma / D_phi (units t a^2 / hbar).
    chi2, dof : float, int
        The law's chi^2 with the jackknife errors of 1 / L_phi^2 (the curves
        share realisations, so it is indicative only).
    shared : andersonwl.fitting.SharedAlphaFit
        The joint HLN fit of the full ensemble (curves, per-curve fits).
    groups : int
        Jackknife groups of realisations.
    replicates : numpy.ndarray
        (groups, 1 + curves): alpha and the L_phi of each jackknife replicate,
        for the errors of derived quantities (:meth:`jackknife_error`), e.g. of
        L_phi differences, which are much smaller than the errors of the L_phi
        themselves because the curves share their realisations.
    """
    dephasing: np.ndarray
    alpha: float
    alpha_err: float
    l_phi: np.ndarray
    l_phi_err: np.ndarray
    b_phi: np.ndarray
    b_phi_err: np.ndarray
    c0: float
    c0_err: float
    diffusion: float
    diffusion_err: float
    chi2: float
    dof: int
    shared: object
    groups: int
    replicates: np.ndarray

    def jackknife_error(self, replicate_values, value):
        """Grouped-jackknife error sqrt((k - 1)/k sum_j (q_j - q)^2) of a derived quantity.

        ``replicate_values`` (k, ...) holds q computed from each replicate
        (e.g. from ``replicates``), ``value`` q from the full ensemble.
        """
        return _jackknife_error(replicate_values, value)

    @property
    def l_phi_0(self) -> float:
        """The coherent cut-off length c0^-1/2 (lattice constants)."""
        return float(self.c0 ** -0.5) if self.c0 > 0 else math.inf

    def summary(self) -> str:
        rows = [f"{'dephasing':>10s} {'L_phi (a)':>16s} {'B_phi (h/e)':>22s}"]
        for d, lp, le, b, be in zip(self.dephasing, self.l_phi, self.l_phi_err, self.b_phi,
                                    self.b_phi_err):
            rows.append(f"{d:10.4g} {lp:8.3f} +- {le:5.3f} {b:11.3e} +- {be:8.2e}")
        return "\n".join(
            [f"alpha (shared) = {self.alpha:.3f} +- {self.alpha_err:.3f}; errors: jackknife, "
             f"{self.groups} groups of realisations", *rows,
             f"1/L_phi^2 = c0 + Gamma/D_phi: L_0 = {self.l_phi_0:.3g} a, "
             f"D_phi = {self.diffusion:.3g} +- {self.diffusion_err:.2g} t a^2/hbar "
             f"(chi2 = {self.chi2:.3g}, dof = {self.dof})"])

    __str__ = summary


def _jackknife_error(replicate_values, value):
    reps = np.asarray(replicate_values, float)
    k = reps.shape[0]
    return np.sqrt((k - 1) / k * np.sum((reps - value) ** 2, axis=0))


def _law(gammas, y, weights):
    """Weighted straight line y = c0 + slope * Gamma: (c0, slope)."""
    design = np.stack([np.ones_like(gammas), gammas], axis=1) * weights[:, None]
    coef, *_ = np.linalg.lstsq(design, y * weights, rcond=None)
    return float(coef[0]), float(coef[1])


def fit_probe_series(datasets, *, max_flux: float | None = None,
                     groups: int | None = None) -> ProbeSeriesFit:
    """L_phi against the Buttiker-probe dephasing: shared-alpha HLN fits, then the rate law.

    Parameters
    ----------
    datasets : sequence of xarray.Dataset
        Outputs of :func:`andersonwl.magnetoconductance` for one model at three
        or more values of ``dephasing`` (every other model field identical),
        with the same realisations.
    max_flux : float, optional
        Fit only fluxes up to this value (flux per plaquette, h/e).  HLN holds
        for fields well below the transport field B_tr = hbar / (2 e l^2), a
        flux 1 / (4 pi l^2) per plaquette, l the mean free path.
    groups : int, optional
        Groups of realisations for the jackknife errors (default: 20, or the
        number of realisations if smaller).

    Returns
    -------
    ProbeSeriesFit

    Notes
    -----
    A probe of coupling Gamma on every site gives the electron the
    phase-breaking rate 1 / tau_phi = Gamma / hbar (Buttiker, PRB 33, 3020
    (1986)), so in a diffusive sample L_phi = sqrt(D tau_phi) = sqrt(hbar D /
    Gamma), D = v_F l / 2 in 2D.  The finite coherent sample cuts the Cooperon
    off at about its size, L_0; rates add, and the law fitted is
    1 / L_phi^2 = 1 / L_0^2 + Gamma / (hbar D_phi).  D_phi close to the
    transport D (from the mean free path,
    :func:`andersonwl.lifetimes.transport_lifetime`) confirms that the probes
    act as a dephasing rate.

    The curves are fitted jointly with one HLN alpha and one L_phi per curve
    (:func:`andersonwl.fitting.fit_shared_alpha`; Hikami, Larkin and Nagaoka,
    Prog. Theor. Phys. 63, 707 (1980)), weighted by the per-point errors
    ``delta_sigma_err``.  The points of a sweep share their realisations and
    are strongly correlated, and so are the curves at different Gamma, so the
    errors come from a grouped jackknife: the whole analysis is repeated with
    each group of realisations left out of every curve at once.
    """
    import json

    from .fitting import fit_shared_alpha
    from .units import characteristic_field
    datasets = list(datasets)
    if len(datasets) < 3:
        raise ValueError("fit_probe_series needs curves at three or more dephasing values")
    models = [json.loads(ds.attrs["model"]) for ds in datasets]
    gammas = np.array([m.pop("dephasing") for m in models], float)
    if any(m != models[0] for m in models[1:]):
        raise ValueError("the datasets differ in more than the dephasing")
    if np.unique(gammas).size != gammas.size:
        raise ValueError(f"repeated dephasing values {gammas.tolist()}")
    order = np.argsort(gammas)
    gammas, datasets = gammas[order], [datasets[i] for i in order]
    seeds = np.asarray(datasets[0]["seed"].values)
    if any(not np.array_equal(np.asarray(ds["seed"].values), seeds) for ds in datasets[1:]):
        raise ValueError("the datasets do not share their realisations (seeds differ)")
    if groups is None:
        groups = min(20, seeds.size)
    if not (isinstance(groups, (int, np.integer)) and 2 <= groups <= seeds.size):
        raise ValueError(f"groups must be an integer between 2 and the number of "
                         f"realisations ({seeds.size}), got {groups!r}")
    curves = []
    for ds in datasets:
        flux = np.asarray(ds["flux"].values, float)
        keep = flux > 0
        if max_flux is not None:
            keep &= flux <= max_flux
        if keep.sum() < 2:
            raise ValueError(f"fewer than two non-zero fluxes at or below max_flux={max_flux}")
        # per-realisation paired differences, per square
        g = np.asarray(ds["g"].values, float)
        diff = (g[keep] - g[0]) * float(ds.attrs["aspect_ratio"])
        curves.append((flux[keep], diff, np.asarray(ds["delta_sigma_err"].values, float)[keep]))

    def analyse(mask):
        fit = fit_shared_alpha([(f, d[:, mask].mean(axis=1), e) for f, d, e in curves])
        return fit, np.concatenate([[fit.alpha], fit.l_phi])

    full, theta = analyse(np.ones(seeds.size, bool))
    label = np.arange(seeds.size) * groups // seeds.size
    reps = np.array([analyse(label != k)[1] for k in range(groups)])

    err = _jackknife_error(reps, theta)
    inv2 = theta[1:] ** -2.0
    inv2_err = _jackknife_error(reps[:, 1:] ** -2.0, inv2)
    weights = 1.0 / inv2_err
    c0, slope = _law(gammas, inv2, weights)
    laws = np.array([_law(gammas, r[1:] ** -2.0, weights) for r in reps])
    c0_err, slope_err = _jackknife_error(laws, np.array([c0, slope]))
    if not slope > 0:
        raise ValueError("1/L_phi^2 does not grow with the dephasing: no rate law to fit "
                         f"(slope {slope:.3g})")
    b_phi = np.asarray(characteristic_field(theta[1:]), float)
    b_reps = np.asarray(characteristic_field(reps[:, 1:]), float)
    chi2 = float(np.sum(((inv2 - c0 - slope * gammas) * weights) ** 2))
    return ProbeSeriesFit(
        dephasing=gammas, alpha=float(theta[0]), alpha_err=float(err[0]), l_phi=theta[1:],
        l_phi_err=err[1:], b_phi=b_phi, b_phi_err=_jackknife_error(b_reps, b_phi), c0=c0,
        c0_err=float(c0_err), diffusion=1.0 / slope, diffusion_err=float(slope_err) / slope**2,
        chi2=chi2, dof=int(gammas.size - 2), shared=full, groups=int(groups), replicates=reps)
