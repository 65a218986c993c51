"""Calibration of Buttiker-probe dephasing: L_phi against the probe rate, from simulated cusps.

Conventions: probe coupling Gamma in units of t (Gamma / hbar is the
dephasing rate), lengths in lattice constants, fluxes per plaquette in h/e,
delta_sigma per square in e^2/h.  Errors are grouped-jackknife errors over
the realisations the curves share (:mod:`andersonwl.analysis.stats`).
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from ..units import characteristic_field
from .stats import jackknife_error, jackknife_groups
from .wl_fits import fit_shared_alpha

__all__ = ["ProbeSeriesFit", "fit_probe_series"]


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
    shared : andersonwl.analysis.SharedAlphaFit
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
        return jackknife_error(replicate_values, value)

    @property
    def l_phi_0(self) -> float:
        """The coherent cut-off length c0^-1/2 (lattice constants)."""
        return float(self.c0 ** -0.5) if self.c0 > 0 else math.inf

    def summary(self) -> str:
        """The shared alpha, L_phi and B_phi of each coupling and the law's fit, as text."""
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
    :func:`andersonwl.simulations.transport_lifetime`) confirms that the probes
    act as a dephasing rate.

    The curves are fitted jointly with one HLN alpha and one L_phi per curve
    (:func:`andersonwl.analysis.fit_shared_alpha`; Hikami, Larkin and Nagaoka,
    Prog. Theor. Phys. 63, 707 (1980)), weighted by the per-point errors
    ``delta_sigma_err``.  The points of a sweep share their realisations and
    are strongly correlated, and so are the curves at different Gamma, so the
    errors come from a grouped jackknife: the whole analysis is repeated with
    each group of realisations left out of every curve at once.
    """
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
        # per-realisation paired differences per square, of the sample conductance
        # (contact resistance removed when the sweep removed it)
        g = np.asarray(ds["sample_conductance"].values, float)
        diff = (g[keep] - g[0]) * float(ds.attrs["aspect_ratio"])
        curves.append((flux[keep], diff, np.asarray(ds["delta_sigma_err"].values, float)[keep]))

    def analyse(mask):
        fit = fit_shared_alpha([(f, d[:, mask].mean(axis=1), e) for f, d, e in curves])
        return fit, np.concatenate([[fit.alpha], fit.l_phi])

    full, theta = analyse(np.ones(seeds.size, bool))
    label = jackknife_groups(seeds.size, groups)
    reps = np.array([analyse(label != k)[1] for k in range(groups)])

    err = jackknife_error(reps, theta)
    inv2 = theta[1:] ** -2.0
    inv2_err = jackknife_error(reps[:, 1:] ** -2.0, inv2)
    weights = 1.0 / inv2_err
    c0, slope = _law(gammas, inv2, weights)
    laws = np.array([_law(gammas, r[1:] ** -2.0, weights) for r in reps])
    c0_err, slope_err = jackknife_error(laws, np.array([c0, slope]))
    if not slope > 0:
        raise ValueError("1/L_phi^2 does not grow with the dephasing: no rate law to fit "
                         f"(slope {slope:.3g})")
    b_phi = np.asarray(characteristic_field(theta[1:]), float)
    b_reps = np.asarray(characteristic_field(reps[:, 1:]), float)
    chi2 = float(np.sum(((inv2 - c0 - slope * gammas) * weights) ** 2))
    return ProbeSeriesFit(
        dephasing=gammas, alpha=float(theta[0]), alpha_err=float(err[0]), l_phi=theta[1:],
        l_phi_err=err[1:], b_phi=b_phi, b_phi_err=jackknife_error(b_reps, b_phi), c0=c0,
        c0_err=float(c0_err), diffusion=1.0 / slope, diffusion_err=float(slope_err) / slope**2,
        chi2=chi2, dof=int(gammas.size - 2), shared=full, groups=int(groups), replicates=reps)
