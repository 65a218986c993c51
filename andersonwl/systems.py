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
import warnings

import kwant

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
    L, W, n = geom.length, geom.width, geom.norbs
    lat = kwant.lattice.square(1, norbs=n, name="s")

    def onsite(site, seed, disorder, flux, rashba, exchange):
        x, y = site.tag
        return sample_arrays(geom, seed, disorder, flux, rashba, exchange).onsite[x, y]

    def hop_x(to, frm, seed, disorder, flux, rashba, exchange):
        x, y = frm.tag
        return sample_arrays(geom, seed, disorder, flux, rashba, exchange).hop_x[x, y]

    def hop_y(to, frm, seed, disorder, flux, rashba, exchange):
        x, y = frm.tag
        return sample_arrays(geom, seed, disorder, flux, rashba, exchange).hop_y[x, y]

    def lead_onsite(site, flux, rashba):
        return lead_arrays(geom, flux, rashba).onsite[site.tag[1]]

    def lead_hop_x(to, frm, flux, rashba):
        return lead_arrays(geom, flux, rashba).hop_x[frm.tag[1]]

    def lead_hop_y(to, frm, flux, rashba):
        return lead_arrays(geom, flux, rashba).hop_y[frm.tag[1]]

    syst = kwant.Builder()
    syst[(lat(x, y) for x in range(L) for y in range(W))] = onsite
    syst[kwant.builder.HoppingKind((1, 0), lat, lat)] = hop_x
    syst[kwant.builder.HoppingKind((0, 1), lat, lat)] = hop_y

    lead = kwant.Builder(kwant.TranslationalSymmetry((-1, 0)))
    lead[(lat(0, y) for y in range(W))] = lead_onsite
    lead[kwant.builder.HoppingKind((1, 0), lat, lat)] = lead_hop_x
    lead[kwant.builder.HoppingKind((0, 1), lat, lat)] = lead_hop_y
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    return syst.finalized()


@functools.lru_cache(maxsize=16)
def precalculated(geom: Geometry, energy: float, flux: float, rashba: float):
    """The finalised system with lead modes computed once at ``energy`` (cached)."""
    return _finalized(geom).precalculate(energy, params=dict(flux=flux, rashba=rashba),
                                         what="modes")
