"""Lifetimes and the mean free path: tau_tr against tau_q, and the Ioffe-Regel parameter k_F l.

Conventions
-----------
Times in units of hbar/t, lengths in lattice constants, velocities in t a/hbar.
Spinless square lattice without field or spin-orbit coupling (the lifetimes
are properties of the scalar disorder potential).

* tau_q: from the disorder-averaged single-particle Green's function on an
  L x L torus, <G(k, E + i eta)> = 1/(E + i eta - eps_k - Sigma(k, E)), so
  1/tau_q = -2 Im Sigma at a momentum k on the Fermi surface (Doniach and
  Sondheimer; Akkermans and Montambaux, *Mesoscopic Physics of Electrons and
  Photons*, Ch. 3).  For white noise in the Born approximation,
  hbar/tau_q = 2 pi nu(E) W^2/12, with nu the density of states per site.
* tau_tr: from the mean free path of the conductance of short strips,
  l = (2/pi) l* with N/<g> = 1 + L/l* (Beenakker, RMP 69, 731 (1997)), and
  tau_tr = l / <abs(v)>_FS with the Fermi-surface average of the clean group velocity.
  For isotropic (white-noise) scattering tau_tr = tau_q; smooth disorder
  scatters mostly forward and makes tau_tr/tau_q > 1.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from .. import _blas, _checks, hamiltonian
from .._random import check_seed, realization_seeds
from ..analysis.beta import mean_free_path
from ..bands import born_rate, dispersion, fermi_surface_average, fermi_wavevector
from ..models import StripModel

__all__ = ["quantum_lifetime", "transport_lifetime", "lifetimes", "ioffe_regel",
           "short_strip_conductances"]


def _check_scalar_model(model):
    if model.spinful or model.flux != 0 or model.dimension != 2 or model.lattice != "square":
        raise ValueError("lifetimes are computed for spinless 2D square-lattice models "
                         "without flux")


def _torus_hamiltonian(model, seed, size):
    shape = (size, size)
    coords = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    eps = hamiltonian.onsite_energies(seed, model, coords).ravel()
    idx = np.arange(size * size).reshape(shape)
    rows, cols = [], []
    for shift in ((1, 0), (0, 1)):
        nb = np.roll(idx, shift=(-shift[0], -shift[1]), axis=(0, 1))
        rows += [idx.ravel(), nb.ravel()]
        cols += [nb.ravel(), idx.ravel()]
    r, c = np.concatenate(rows), np.concatenate(cols)
    hop = sps.csc_matrix((-np.ones(r.size), (r, c)), shape=(size * size,) * 2)
    return hop + sps.diags(eps)


@_blas.limited
def quantum_lifetime(model, *, size: int = 96, realizations: int = 20, seed: int = 0,
                     eta: float | None = None, directions: int = 4) -> dict:
    """tau_q from the disorder-averaged Green's function on an L x L torus.

    Parameters
    ----------
    model : StripModel
        Its energy, disorder, disorder kind (and correlation) are used; its
        size is not.
    size : int
        Side of the periodic torus.
    realizations : int
        Disorder realisations (seeds ``realization_seeds(seed, realizations)``,
        the seed rule of every simulation).
    eta : float, optional
        Small imaginary energy; default a tenth of the Born rate, so that the
        rate is resolved but eta does not dominate it.
    directions : int
        Fermi-surface momenta k (allowed on the torus, closest to the Fermi
        surface along angles spread over a quarter circle) averaged over.

    Returns
    -------
    dict
        ``tau_q`` and ``tau_q_err`` (hbar/t; error from the spread over
        realisations), ``rate`` = hbar/tau_q, ``born_rate`` (white-noise Born value).
    """
    _check_scalar_model(model)
    seed = check_seed(seed)
    if size < 8 or realizations < 2:
        raise ValueError("need size >= 8 and realizations >= 2")
    E = model.energy
    born = born_rate(E, model.disorder)
    eta = 0.1 * born if eta is None else float(eta)
    if not eta > 0:
        raise ValueError("eta must be positive")
    m = np.arange(size)
    ks = []
    for theta in np.linspace(0.05, np.pi / 2 - 0.05, directions):
        # allowed momenta 2 pi m / L along the ray: pick the one closest to the Fermi surface
        cand = [(2 * np.pi * j / size * np.cos(theta), 2 * np.pi * j / size * np.sin(theta))
                for j in m[: size // 2]]
        kx, ky = min(cand, key=lambda k: abs(dispersion(*k) - E))
        ks.append((2 * np.pi * round(kx * size / (2 * np.pi)) / size,
                   2 * np.pi * round(ky * size / (2 * np.pi)) / size))
    x, y = np.meshgrid(m, m, indexing="ij")
    waves = np.stack([np.exp(1j * (kx * x + ky * y)).ravel() / size for kx, ky in ks], axis=1)
    ek = np.array([dispersion(kx, ky) for kx, ky in ks])
    gk = np.zeros((realizations, len(ks)), dtype=complex)
    for r, s in enumerate(realization_seeds(seed, realizations)):
        h = _torus_hamiltonian(model, int(s), size)
        a = (E + 1j * eta) * sps.identity(size * size, format="csc") - h
        sol = spla.splu(a.tocsc()).solve(waves)
        gk[r] = np.einsum("ik,ik->k", waves.conj(), sol)
    mean = gk.mean(axis=0)
    sigma = E + 1j * eta - ek - 1 / mean
    rates = -2 * sigma.imag                          # hbar / tau_q, per direction
    # error: jackknife over realisations
    jack = []
    for r in range(realizations):
        mj = np.delete(gk, r, axis=0).mean(axis=0)
        jack.append(np.mean(-2 * (E + 1j * eta - ek - 1 / mj).imag))
    jack = np.array(jack)
    rate = float(np.mean(rates))
    rate_err = float(math.sqrt((realizations - 1) * np.mean((jack - jack.mean()) ** 2)))
    return {"tau_q": 1 / rate, "tau_q_err": rate_err / rate**2, "rate": rate,
            "born_rate": born}


def short_strip_conductances(model, lengths, realizations: int, seed: int = 0,
                             engine: str = "auto") -> np.ndarray:
    """G of ``realizations`` strips of each length in ``lengths``, the model's width.

    Realisation r has the disorder seed ``realization_seeds(seed, realizations)[r]``
    at every length (common random numbers, as in every ensemble).

    Returns
    -------
    numpy.ndarray, shape (len(lengths), realizations)
    """
    from ..engines import conductance
    _checks.instance("model", model, StripModel)
    seeds = realization_seeds(check_seed(seed), realizations)
    return np.array([[conductance(model.replace(length=int(L)), int(s), engine=engine)
                      for s in seeds] for L in lengths])


def transport_lifetime(model, *, lengths=(4, 8, 12, 16), realizations: int = 30,
                       seed: int = 0, engine: str = "auto") -> dict:
    """tau_tr = l / <abs(v)>_FS from the mean free path of short strips of the model's width.

    Returns ``tau_tr`` and ``tau_tr_err`` (hbar/t; jackknife over realisations),
    ``l`` and the Fermi-surface mean velocity ``v_f``.  The mean free path is
    that of :func:`andersonwl.analysis.mean_free_path` (Beenakker, RMP 69, 731
    (1997)), which removes the contact resistance 1/N of the leads.
    """
    from ..engines import open_channels
    _check_scalar_model(model)
    realizations = _checks.integer("realizations", realizations, minimum=2)
    g = short_strip_conductances(model, lengths, realizations, seed, engine)
    n = open_channels(model)
    _, v = fermi_surface_average(model.energy)
    mfp = mean_free_path(lengths, g.mean(axis=1), n)
    jack = np.array([mean_free_path(lengths, np.delete(g, r, axis=1).mean(axis=1), n)
                     for r in range(realizations)])
    err = math.sqrt((realizations - 1) * np.mean((jack - jack.mean()) ** 2))
    return {"tau_tr": mfp / v, "tau_tr_err": err / v, "l": mfp, "v_f": v}


def lifetimes(model, *, seed: int = 0, realizations: int = 20, **kwargs) -> dict:
    """Both lifetimes and their ratio tau_tr/tau_q with its error (errors added in quadrature)."""
    q = quantum_lifetime(model, seed=seed, realizations=realizations,
                         **{k: v for k, v in kwargs.items() if k in ("size", "eta", "directions")})
    t = transport_lifetime(model, seed=seed, realizations=realizations,
                           **{k: v for k, v in kwargs.items() if k in ("lengths", "engine")})
    ratio = t["tau_tr"] / q["tau_q"]
    err = ratio * math.hypot(t["tau_tr_err"] / t["tau_tr"], q["tau_q_err"] / q["tau_q"])
    return {**q, **t, "ratio": ratio, "ratio_err": err}


def ioffe_regel(model, *, lengths=(2, 4, 6, 8), realizations: int = 20, seed: int = 0,
                engine: str = "auto") -> dict:
    """Clean k_F, the mean free path l and the Ioffe-Regel parameter k_F l of ``model``.

    k_F is the circular-equivalent Fermi wave vector of the clean lattice at
    the model's energy (:func:`andersonwl.bands.fermi_wavevector`); l comes from
    the mean conductance of short samples of the model's width
    (:func:`andersonwl.analysis.mean_free_path`, ``realizations`` samples per
    length, :func:`short_strip_conductances`).  k_F l >> 1 is the
    weak-disorder (diffusive metal) regime in which the perturbative beta
    functions apply; k_F l ~ 1 is the Ioffe-Regel limit.  Lengths are in
    lattice constants.  2D strips only.
    """
    from ..engines import open_channels
    _checks.instance("model", model, StripModel)
    if model.dimension != 2:
        raise ValueError("ioffe_regel is defined for 2D strips")
    realizations = _checks.integer("realizations", realizations, minimum=1)
    g = short_strip_conductances(model, lengths, realizations, seed, engine).mean(axis=1)
    k_f = fermi_wavevector(model.energy)
    mfp = mean_free_path(lengths, g, open_channels(model))
    return {"k_F": k_f, "l": mfp, "k_F_l": k_f * mfp}
