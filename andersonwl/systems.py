"""Kwant systems for :class:`~andersonwl.models.StripModel`.

A system is built and finalised once per geometry (size, orbitals,
spin-orbit kind, disorder kind) and reused for every realisation and every
parameter value: the realisation enters through Kwant's ``params``, whose
names are ``seed, disorder, flux, rashba, exchange`` (see :func:`kwant_params`).
The value functions look their numbers up in :mod:`andersonwl._hamiltonian`,
the same arrays the array-based engines use.
"""

from __future__ import annotations

import functools
import itertools
import warnings

import kwant
import numpy as np

from ._hamiltonian import Geometry, geometry_of, lead_arrays, sample_arrays
from ._random import check_seed

__all__ = ["make_system", "kwant_params", "PARAM_NAMES", "mumps_available"]

#: The names of Kwant ``params`` of every andersonwl system.
PARAM_NAMES = ("seed", "disorder", "flux", "rashba", "exchange")

_warned_mumps = False


def mumps_available() -> bool:
    """True when Kwant's default solver is the MUMPS one (fast sparse LU)."""
    import kwant.solvers.default as default
    return "mumps" in type(default.smatrix.__self__).__module__


def _warn_without_mumps():
    global _warned_mumps
    if not _warned_mumps and not mumps_available():
        _warned_mumps = True
        warnings.warn("Kwant is not using MUMPS (install python-mumps==0.0.2); the SciPy "
                      "fallback solver is several times slower", RuntimeWarning, stacklevel=3)


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
    _warn_without_mumps()
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
