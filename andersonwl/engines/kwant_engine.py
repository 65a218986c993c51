"""The Kwant engine: Kwant systems of :class:`~andersonwl.models.StripModel` and their transport.

The engine provides the Kwant systems, their conductance, scattering matrices
and lead modes.  A system is built and finalised once per geometry (size, orbitals,
spin-orbit kind, disorder kind) and reused for every realisation and every
parameter value: the realisation enters through Kwant's ``params``, whose
names are ``seed, disorder, flux, rashba, exchange`` (see :func:`kwant_params`).
The value functions look their numbers up in :mod:`andersonwl.hamiltonian`,
the same arrays the array-based engines use.
"""

from __future__ import annotations

import functools
import itertools
import os
import warnings

import kwant
import numpy as np

from .. import _blas
from .._checks import instance
from .._random import check_seed
from ..hamiltonian import Geometry, geometry_of, lead_arrays, sample_arrays
from ..models import StripModel

__all__ = ["make_system", "kwant_params", "PARAM_NAMES", "mumps_available", "SlowSolverWarning",
           "kwant_conductance", "scattering_matrix", "transmission_eigenvalues",
           "open_channels"]

#: The names of Kwant ``params`` of every andersonwl system.
PARAM_NAMES = ("seed", "disorder", "flux", "rashba", "exchange")

_warned_mumps = False


def mumps_available() -> bool:
    """True when Kwant's default solver is the MUMPS one (fast sparse LU)."""
    import kwant.solvers.default as default
    return "mumps" in type(default.smatrix.__self__).__module__


class SlowSolverWarning(UserWarning):
    """The Kwant engine runs on SciPy's sparse solver, without MUMPS."""


def _warn_without_mumps():
    """Warn once per session, in the main process only, when Kwant's solver lacks MUMPS.

    ``engine="auto"`` never chooses Kwant then (RGF is faster at every size);
    the warning reaches those who ask for ``engine="kwant"`` explicitly.
    """
    global _warned_mumps
    if _warned_mumps or os.environ.get("ANDERSONWL_WORKER") or mumps_available():
        return
    _warned_mumps = True
    warnings.warn("Kwant has no MUMPS solver in this installation (no binary MUMPS installs "
                  "for this Python): it runs on SciPy's sparse LU, which is several times "
                  "slower; engine='rgf' (the default choice) computes the same g",
                  SlowSolverWarning, stacklevel=2)


def kwant_params(model, seed: int = 0) -> dict:
    """Kwant ``params`` for a realisation of ``model``.

    Returns
    -------
    dict
        ``{"seed", "disorder", "flux", "rashba", "exchange"}``: the only names
        the value functions of :func:`make_system` take.
    """
    return dict(seed=check_seed(seed), disorder=model.disorder, flux=model.flux,
                rashba=model.rashba, exchange=model.exchange)


def make_system(model) -> kwant.system.FiniteSystem:
    """The finalised Kwant system of ``model``'s geometry (cached).

    Parameters
    ----------
    model : StripModel

    Returns
    -------
    kwant.system.FiniteSystem
        Lead 0 extends to -x, lead 1 to +x.  Use with ``params=kwant_params(model, seed)``.
    """
    return _finalized(geometry_of(model))


@functools.lru_cache(maxsize=8)
def _finalized(geom: Geometry):
    n, shape = geom.norbs, geom.shape
    dim = len(shape)
    lat = kwant.lattice.general(np.eye(dim, dtype=int).tolist(), norbs=n, name="s")
    names = ("hop_x", "hop_y", "hop_z")[:dim]

    def onsite(site, seed, disorder, flux, rashba, exchange):
        return sample_arrays(geom, seed, disorder, flux, rashba, exchange).onsite[
            tuple(site.tag)]

    def sample_hopping(axis):
        def hop(to, frm, seed, disorder, flux, rashba, exchange):
            arrays = sample_arrays(geom, seed, disorder, flux, rashba, exchange)
            return arrays[1 + axis][tuple(frm.tag)]
        hop.__name__ = names[axis]
        return hop

    def lead_onsite(site, flux, rashba):
        return lead_arrays(geom, flux, rashba).onsite[tuple(site.tag)[1:]]

    def lead_hopping(axis):
        def hop(to, frm, flux, rashba):
            return lead_arrays(geom, flux, rashba)[1 + axis][tuple(frm.tag)[1:]]
        hop.__name__ = "lead_" + names[axis]
        return hop

    def unit(axis):
        return tuple(int(i == axis) for i in range(dim))

    syst = kwant.Builder()
    syst[(lat(*tag) for tag in itertools.product(*map(range, shape)))] = onsite
    lead = kwant.Builder(kwant.TranslationalSymmetry(tuple(-v for v in unit(0))))
    lead[(lat(0, *tag) for tag in itertools.product(*map(range, shape[1:])))] = lead_onsite
    for axis in range(dim):
        kind = kwant.builder.HoppingKind(unit(axis), lat, lat)
        syst[kind] = sample_hopping(axis)
        lead[kind] = lead_hopping(axis)
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    return syst.finalized()


@functools.lru_cache(maxsize=16)
def precalculated(geom: Geometry, energy: float, flux: float, rashba: float):
    """The finalised system with lead modes computed once at ``energy`` (cached)."""
    return _finalized(geom).precalculate(energy, params=dict(flux=flux, rashba=rashba),
                                         what="modes")


def _smatrix(model, seed, *, full=False):
    instance("model", model, StripModel)
    if model.dephasing > 0:
        raise ValueError("the scattering matrix is defined for coherent transport: "
                         "dephasing must be 0")
    seed = check_seed(seed)
    psyst = precalculated(geometry_of(model), model.energy, model.flux, model.rashba)
    params = kwant_params(model, seed)
    if full:
        return kwant.smatrix(psyst, model.energy, params=params)
    return kwant.smatrix(psyst, model.energy, params=params, in_leads=[0], out_leads=[1],
                         check_hermiticity=False)


def kwant_conductance(model: StripModel, seed: int) -> float:
    """G = Tr t^dagger t of one realisation by Kwant (the ``"kwant"`` engine).

    Kwant's solver computes only the transmission block t (lead 0 to lead 1),
    with the lead modes computed once per (geometry, energy, flux, rashba).
    Summed over spin, in e^2/h (Landauer formula, Beenakker, RMP 69, 731 (1997)).
    Without MUMPS it warns once per session (:class:`SlowSolverWarning`).
    """
    _warn_without_mumps()
    return float(_smatrix(model, seed).transmission(1, 0))


@_blas.limited
def scattering_matrix(model: StripModel, seed: int = 0) -> kwant.solvers.common.SMatrix:
    """Kwant's full scattering matrix (both leads, all blocks) of a realisation."""
    return _smatrix(model, seed, full=True)


@_blas.limited
def transmission_eigenvalues(model: StripModel, seed: int = 0) -> np.ndarray:
    """Eigenvalues T_n of t^dagger t, sorted ascending; sum(T_n) = g.

    In the symplectic class (AII) they come in Kramers-degenerate pairs
    (Beenakker, RMP 69, 731 (1997), Sec. II.B).
    """
    t = _smatrix(model, seed).submatrix(1, 0)
    return np.sort(np.linalg.eigvalsh(t.conj().T @ t))


def open_channels(model: StripModel) -> int:
    """Number of propagating modes in one lead at the model's energy, summed over spin.

    This is the conductance of the clean strip (``disorder=0``), and the N of
    the contact resistance 1/N of the two-terminal g.
    """
    instance("model", model, StripModel)
    psyst = precalculated(geometry_of(model), model.energy, model.flux, model.rashba)
    modes = psyst.leads[0].modes(model.energy, params=dict(flux=model.flux,
                                                           rashba=model.rashba))
    return int(modes[0].velocities.size // 2)
