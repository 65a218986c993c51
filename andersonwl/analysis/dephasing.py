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

from .wl_fits import fit_magnetoconductance

__all__ = ["aak_rate", "dephasing_rate", "phase_coherence_length", "fit_dephasing",
           "DephasingFit", "fit_temperature_series"]


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
        """L_phi(T) = (c0 + A T^p [+ B T^q])^-1/2 of the fit, in the length units of the input."""
        v = self.values
        inv = v["c0"] + v["A"] * np.asarray(temperature, float) ** v["p"]
        if "B" in v:
            inv = inv + v["B"] * np.asarray(temperature, float) ** v["q"]
        return 1 / np.sqrt(inv)


def _profile_start(t, y, sigma, two_laws):
    """Starting point of the dephasing fit from the exponents' profile.

    For fixed exponents the law is linear in its non-negative amplitudes
    (c_0, A[, B]): a non-negative least-squares solve on a grid of p (and
    q > p) in [0.1, 8] gives the global minimum of the profile, from which
    the nonlinear fit only refines (independent of the local minima a
    gradient fit from fixed starting exponents can fall into).
    """
    w = 1.0 / (sigma if sigma is not None else np.ones_like(y))
    grid = np.linspace(0.1, 8.0, 80)
    pairs = ([(p, q) for p in grid for q in grid if q > p + 0.05] if two_laws
             else [(p, None) for p in grid])
    scale = float(np.max(y))
    best = None
    for p, q in pairs:
        cols = [np.ones_like(t), t**p] + ([t**q] if two_laws else [])
        design = np.stack(cols, axis=1) * w[:, None]
        norms = np.linalg.norm(design, axis=0)
        coef, rnorm = opt.nnls(design / norms, y * w)
        if best is None or rnorm < best[0]:
            best = (rnorm, coef / norms, p, q)
    _, coef, p, q = best
    # amplitudes strictly inside the bounds (a zero amplitude leaves its exponent free)
    amps = np.maximum(coef, 1e-6 * scale / np.maximum(1.0, t.max()) ** np.array(
        [0.0, p] + ([q] if two_laws else [])))
    guess = [amps[0], amps[1], p]
    if two_laws:
        guess += [amps[2], q]
    return guess


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
    guesses = [_profile_start(t, y, sigma, two_laws)]
    for ps, qs in starts:     # the power laws have local minima: start from several exponents
        guess = [0.1 * scale, 0.5 * scale / t.max() ** ps, ps]
        if two_laws:
            guess += [0.1 * scale / t.max() ** qs, qs]
        guesses.append(guess)
    best = None
    for guess in guesses:
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
