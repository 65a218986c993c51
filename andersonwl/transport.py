"""Landauer conductance of a realisation, computed by Kwant.

Notes
-----
g = G / (e^2/h) = Tr t^dagger t, the total transmission from lead 0 (left)
to lead 1 (right) at the model's energy, summed over spin for spinful models
(Landauer formula; Beenakker, RMP 69, 731 (1997), Eq. 2.1 with the spin
degeneracy factor 2 *not* included: each spin channel counts once).  The
spinless model counts one spin species.
"""

from __future__ import annotations

import numpy as np
import kwant

from ._hamiltonian import geometry_of
from ._random import check_seed
from .models import StripModel
from .systems import kwant_params, make_system, precalculated

__all__ = ["conductance", "open_channels", "scattering_matrix", "transmission_eigenvalues",
           "ENGINES"]

ENGINES = ("auto", "kwant")


def _check_model(model):
    if not isinstance(model, StripModel):
        raise TypeError(f"expected a StripModel, got {type(model).__name__}")


def _check_engine(engine):
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")


def _smatrix(model, seed, *, full=False):
    _check_model(model)
    seed = check_seed(seed)
    psyst = precalculated(geometry_of(model), model.energy, model.flux, model.rashba)
    params = kwant_params(model, seed)
    if full:
        return kwant.smatrix(psyst, model.energy, params=params)
    return kwant.smatrix(psyst, model.energy, params=params, in_leads=[0], out_leads=[1],
                         check_hermiticity=False)


def conductance(model: StripModel, seed: int = 0, *, engine: str = "auto") -> float:
    """Two-terminal conductance g = G/(e^2/h) of one disorder realisation.

    Parameters
    ----------
    model : StripModel
    seed : int, optional
        Realisation seed; the disorder is a pure function of (seed, site).
    engine : {"auto", "kwant"}
        Kwant's MUMPS solver computes only the transmission block t (lead 0 to
        lead 1), with the lead modes computed once per (geometry, energy, flux,
        rashba).

    Returns
    -------
    float
        g = Tr t^dagger t, summed over spin (Landauer formula).
    """
    _check_engine(engine)
    return float(_smatrix(model, seed).transmission(1, 0))


def scattering_matrix(model: StripModel, seed: int = 0) -> kwant.solvers.common.SMatrix:
    """Kwant's full scattering matrix (both leads, all blocks) of a realisation."""
    return _smatrix(model, seed, full=True)


def transmission_eigenvalues(model: StripModel, seed: int = 0) -> np.ndarray:
    """Eigenvalues T_n of t^dagger t, sorted ascending; sum(T_n) = g.

    In the symplectic class (AII) they come in Kramers-degenerate pairs
    (Beenakker, RMP 69, 731 (1997), Sec. II.B).
    """
    t = _smatrix(model, seed).submatrix(1, 0)
    return np.sort(np.linalg.eigvalsh(t.conj().T @ t))


def open_channels(model: StripModel) -> int:
    """Number of propagating modes in one lead at the model's energy, summed over spin.

    This is the conductance of the clean strip (``disorder=0``).
    """
    _check_model(model)
    psyst = precalculated(geometry_of(model), model.energy, model.flux, model.rashba)
    modes = psyst.leads[0].modes(model.energy, params=dict(flux=model.flux,
                                                           rashba=model.rashba))
    return int(modes[0].velocities.size // 2)
