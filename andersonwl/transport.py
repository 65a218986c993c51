"""Landauer conductance of a realisation, computed by Kwant or by RGF.

Notes
-----
g = G / (e^2/h) = Tr t^dagger t, the total transmission from lead 0 (left)
to lead 1 (right) at the model's energy, summed over spin for spinful models
(Landauer formula; Beenakker, RMP 69, 731 (1997), Eq. 2.1 with the spin
degeneracy factor 2 *not* included: each spin channel counts once).  The
spinless model counts one spin species.

Engines: ``"kwant"`` (MUMPS sparse LU of the whole sample; the reference and
the general engine), ``"rgf"`` (recursive Green's function slice by slice,
:mod:`andersonwl.rgf`; same Hamiltonian arrays) and ``"auto"``, which picks
RGF for slices of at most :data:`RGF_MAX_ORBITALS` orbitals and Kwant
otherwise (measured crossover, see ``benchmarks/engines.py`` and
``docs/engines.md``).
"""

from __future__ import annotations

import numpy as np
import kwant

from ._hamiltonian import geometry_of
from ._random import check_seed
from .models import StripModel
from .rgf import conductance_rgf
from .systems import kwant_params, make_system, precalculated

__all__ = ["conductance", "open_channels", "scattering_matrix", "transmission_eigenvalues",
           "ENGINES", "RGF_MAX_ORBITALS", "choose_engine"]

ENGINES = ("auto", "kwant", "rgf")

#: ``engine="auto"`` uses RGF when a slice has at most this many orbitals
#: (n = width * height * norbs) and Kwant/MUMPS above.  Measured with
#: benchmarks/engines.py (one OpenBLAS thread, E = 0.5, W = 2; docs/engines.md),
#: kwant time / rgf time: n = 100: 4.5, 200: 2.4 (Rashba 2.0), 400: 1.27
#: (Rashba 1.33), 500: 1.06-1.22 at L = 100 but 0.96 at L = 200, 600: 0.94-1.21;
#: 400 x 400: 1.21.  RGF costs ~8 n^3 flops per column; at n = 500 Kwant's
#: per-column cost equals it, plus a fixed cost, so RGF wins below ~500.
RGF_MAX_ORBITALS = 500


def _check_model(model):
    if not isinstance(model, StripModel):
        raise TypeError(f"expected a StripModel, got {type(model).__name__}")


def _check_engine(engine):
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")


def choose_engine(model: StripModel) -> str:
    """The engine ``engine="auto"`` uses for ``model``: ``"rgf"`` or ``"kwant"``."""
    _check_model(model)
    n = model.width * getattr(model, "height", 1) * model.norbs   # orbitals per slice
    return "rgf" if n <= RGF_MAX_ORBITALS else "kwant"


def _smatrix(model, seed, *, full=False):
    _check_model(model)
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


def conductance(model: StripModel, seed: int = 0, *, engine: str = "auto") -> float:
    """Two-terminal conductance g = G/(e^2/h) of one disorder realisation.

    Parameters
    ----------
    model : StripModel
    seed : int, optional
        Realisation seed; the disorder is a pure function of (seed, site).
    engine : {"auto", "kwant", "rgf"}
        ``"kwant"``: Kwant's MUMPS solver computes only the transmission block
        t (lead 0 to lead 1), with the lead modes computed once per (geometry,
        energy, flux, rashba).  ``"rgf"``: recursive Green's function
        (:func:`andersonwl.rgf.conductance_rgf`), same disorder, equal to
        Kwant to ~1e-12 relative.  ``"auto"`` (default): the faster of the two
        for the slice size, see :func:`choose_engine`.  Models with
        ``dephasing > 0`` are computed by the voltage-probe model
        (:func:`andersonwl.probes.dephased_conductance`, dense Green's
        function on Kwant's system) with ``"auto"`` or ``"kwant"``; the RGF
        engine is coherent only.

    Returns
    -------
    float
        g = Tr t^dagger t, summed over spin (Landauer formula).
    """
    _check_engine(engine)
    _check_model(model)
    if model.dephasing > 0:
        if engine == "rgf":
            raise ValueError("the RGF engine is coherent only: use engine='auto' or 'kwant' "
                             "for dephasing > 0")
        from .probes import dephased_conductance
        return dephased_conductance(model, check_seed(seed), model.dephasing)
    if engine == "auto":
        engine = choose_engine(model)
    if engine == "rgf":
        return conductance_rgf(model, check_seed(seed))
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
