"""The Kwant engine: Kwant systems of :class:`~andersonwl.models.StripModel` and their transport.

The engine provides the Kwant systems, their conductance, scattering matrices
and lead modes.  A system is built and finalised once per geometry (size, orbitals,
spin-orbit kind, disorder kind) and reused for every realisation and every
parameter value: the realisation enters through Kwant's ``params``, whose
names are ``seed, disorder, flux, rashba, exchange, zeeman`` (see :func:`kwant_params`).
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
from ..hamiltonian import (
    NO_ZEEMAN,
    Geometry,
    geometry_of,
    lead_arrays,
    sample_arrays,
    sigma_dot,
)
from ..models import StripModel

__all__ = ["make_system", "kwant_params", "PARAM_NAMES", "mumps_available", "SlowSolverWarning",
           "kwant_conductance", "scattering_matrix", "transmission_eigenvalues",
           "open_channels"]

#: The names of Kwant ``params`` of every andersonwl system.
PARAM_NAMES = ("seed", "disorder", "flux", "rashba", "exchange", "zeeman")

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
        ``{"seed", "disorder", "flux", "rashba", "exchange", "zeeman"}``: the
        only names the value functions of :func:`make_system` take.
    """
    return dict(seed=check_seed(seed), disorder=model.disorder, flux=model.flux,
                rashba=model.rashba, exchange=model.exchange, zeeman=tuple(model.zeeman))


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
def _finalized(geom: Geometry, conserved: tuple | None = None):
    """The finalised Kwant system of ``geom`` (cached).

    ``conserved`` (a unit vector n) gives its leads the conservation law
    -n . sigma, so that Kwant's blocks are block 0 = spin up along n
    (eigenvalue -1, sorted first), block 1 = spin down.
    """
    n, shape = geom.norbs, geom.shape
    dim = len(shape)
    lat = kwant.lattice.general(np.eye(dim, dtype=int).tolist(), norbs=n, name="s")
    names = ("hop_x", "hop_y", "hop_z")[:dim]

    def onsite(site, seed, disorder, flux, rashba, exchange, zeeman):
        return sample_arrays(geom, seed, disorder, flux, rashba, exchange, zeeman).onsite[
            tuple(site.tag)]

    def sample_hopping(axis):
        def hop(to, frm, seed, disorder, flux, rashba, exchange, zeeman):
            arrays = sample_arrays(geom, seed, disorder, flux, rashba, exchange, zeeman)
            return arrays[1 + axis][tuple(frm.tag)]
        hop.__name__ = names[axis]
        return hop

    def lead_onsite(site, flux, rashba, zeeman):
        return lead_arrays(geom, flux, rashba, zeeman).onsite[tuple(site.tag)[1:]]

    def lead_hopping(axis):
        def hop(to, frm, flux, rashba, zeeman):
            return lead_arrays(geom, flux, rashba, zeeman)[1 + axis][tuple(frm.tag)[1:]]
        hop.__name__ = "lead_" + names[axis]
        return hop

    def unit(axis):
        return tuple(int(i == axis) for i in range(dim))

    syst = kwant.Builder()
    syst[(lat(*tag) for tag in itertools.product(*map(range, shape)))] = onsite
    law = None
    if conserved is not None:
        law = -sigma_dot(conserved)
    lead = kwant.Builder(kwant.TranslationalSymmetry(tuple(-v for v in unit(0))),
                         conservation_law=law)
    lead[(lat(0, *tag) for tag in itertools.product(*map(range, shape[1:])))] = lead_onsite
    for axis in range(dim):
        kind = kwant.builder.HoppingKind(unit(axis), lat, lat)
        syst[kind] = sample_hopping(axis)
        lead[kind] = lead_hopping(axis)
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    return syst.finalized()


@functools.lru_cache(maxsize=16)
def precalculated(geom: Geometry, energy: float, flux: float, rashba: float,
                  zeeman: tuple = NO_ZEEMAN, conserved: tuple | None = None):
    """The finalised system with lead modes computed once at ``energy`` (cached)."""
    return _finalized(geom, conserved).precalculate(
        energy, params=dict(flux=flux, rashba=rashba, zeeman=zeeman), what="modes")


def _precalculated(model, conserved=None):
    return precalculated(geometry_of(model), model.energy, model.flux, model.rashba,
                         tuple(model.zeeman), conserved)


def _smatrix(model, seed, *, full=False, conserved=None):
    instance("model", model, StripModel)
    if model.dephasing > 0:
        raise ValueError("the scattering matrix is defined for coherent transport: "
                         "dephasing must be 0")
    seed = check_seed(seed)
    psyst = _precalculated(model, conserved)
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
    psyst = _precalculated(model)
    modes = psyst.leads[0].modes(model.energy, params=dict(flux=model.flux, rashba=model.rashba,
                                                           zeeman=tuple(model.zeeman)))
    return int(modes[0].velocities.size // 2)


def kwant_spin_conductances(model: StripModel, seed: int, axis: tuple) -> np.ndarray:
    """g[s_out, s_in] from lead 0 to lead 1 by Kwant, spin along the unit vector ``axis``.

    The leads carry the conservation law -axis . sigma (:func:`_finalized`), so
    Kwant's block 0 is spin up and block 1 spin down along ``axis``; the
    caller (:func:`andersonwl.engines.spin.spin_conductances`) has checked that
    the leads conserve that spin.
    """
    _warn_without_mumps()
    sm = _smatrix(model, seed, conserved=tuple(axis))
    return np.array([[sm.transmission((1, so), (0, si)) for si in (0, 1)] for so in (0, 1)])


@_blas.limited
def spin_smatrix_blocks(model: StripModel, seed: int, axis: tuple) -> dict:
    """Kwant's full scattering matrix split into blocks {(lead_out, s_out, lead_in, s_in): S}.

    Leads 0 (left) and 1 (right), spins 0 = up and 1 = down along ``axis``;
    each block has one row per outgoing and one column per incoming mode of
    that lead and spin, in Kwant's mode order.
    """
    sm = _smatrix(model, seed, full=True, conserved=tuple(axis))
    return {(lo, so, li, si): np.asarray(sm.submatrix((lo, so), (li, si)))
            for lo in (0, 1) for so in (0, 1) for li in (0, 1) for si in (0, 1)}
