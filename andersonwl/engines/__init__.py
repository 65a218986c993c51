"""Engines: one disorder realisation in, transport numbers out.

Notes
-----
g = G / (e^2/h) = Tr t^dagger t, the total transmission from lead 0 (left)
to lead 1 (right) at the model's energy, summed over spin for spinful models
(Landauer formula; Beenakker, RMP 69, 731 (1997), Eq. 2.1 with the spin
degeneracy factor 2 *not* included: each spin channel counts once).  The
spinless model counts one spin species.  The two-terminal g contains the
contact (Sharvin) resistance of the leads, 1/g = 1/N + 1/g_sample.

Conductance engines (:data:`ENGINES`, one contract, :mod:`.registry`):

``"rgf"``
    recursive Green's function slice by slice (:mod:`.rgf`), coherent;
``"kwant"``
    Kwant's sparse solver on the whole sample (:mod:`.kwant_engine`; MUMPS
    when installed), coherent, also the scattering matrix;
``"probes"``
    Buttiker voltage probes on every site (:mod:`.probes`), ``dephasing > 0``.

``"auto"`` picks among them (:func:`choose_engine`).  Besides conductance:
transfer matrices (:mod:`.transfer`, localization lengths, no leads),
numerical symmetry classes (:mod:`.symmetry`), spin-resolved conductances
and the labelled scattering matrix (:mod:`.spin`) and the lead self-energies
(:mod:`.leads`).
"""

from __future__ import annotations

import warnings

import numpy as np

with warnings.catch_warnings():
    # Kwant warns at import, in every process, when MUMPS is missing; andersonwl says it once,
    # when the Kwant solver is actually used (kwant_engine._warn_without_mumps)
    warnings.filterwarnings("ignore", message="MUMPS is not available", category=RuntimeWarning)
    import kwant  # noqa: F401

from .. import _blas, _checks, _random
from ..models import StripModel
from .kwant_engine import (
    kwant_conductance,
    open_channels,
    scattering_matrix,
    transmission_eigenvalues,
)
from .probes import dephased_conductance
from .registry import (
    AUTO,
    ENGINES,
    RGF_MAX_ORBITALS,
    Engine,
    choose_engine,
    engine_names,
    get_engine,
    memory_estimate,
    register,
    resolve_engine,
)
from .rgf import conductance_rgf, transmission_rgf
from .spin import (
    SPIN_ENGINES,
    SPINS,
    SpinScatteringMatrix,
    spin_conductance_vs_length,
    spin_conductances,
    spin_polarization,
    spin_scattering_matrix,
)
from .thermal import thermal_conductance

__all__ = ["conductance", "compute_function", "thermal_conductance", "open_channels",
           "transmission_values", "TRANSMISSION_ENGINES",
           "spin_conductances", "spin_conductance_vs_length", "spin_polarization",
           "spin_scattering_matrix", "SpinScatteringMatrix", "SPINS", "SPIN_ENGINES",
           "scattering_matrix", "transmission_eigenvalues",
           "ENGINES", "AUTO", "Engine", "register", "engine_names", "get_engine",
           "choose_engine", "resolve_engine", "RGF_MAX_ORBITALS", "memory_estimate"]

register(Engine("rgf", conductance_rgf,
                summary="recursive Green's function, one slice at a time (coherent)"))
register(Engine("kwant", kwant_conductance, smatrix=True,
                summary="Kwant's sparse solver on the whole sample, MUMPS when installed "
                        "(coherent)"))
def _probe_memory(model):
    """All blocks of G: (L n)^2 complex numbers, plus the terminal transmissions."""
    from .probes import probe_count
    n = model.width * model.height * model.norbs
    return 16.0 * (model.length * n) ** 2 + 8.0 * (probe_count(model) + 2) ** 2


register(Engine("probes", dephased_conductance, dephasing=True, memory=_probe_memory,
                summary="Buttiker voltage probes on every site (dephasing >= 0; at 0 the "
                        "coherent Landauer conductance from the full Green's function)"))


@_blas.limited
def conductance(model, seed: int = 0, *, engine: str = AUTO) -> float:
    """Two-terminal conductance g = G/(e^2/h) of one disorder realisation.

    Parameters
    ----------
    model : StripModel
    seed : int, optional
        Realisation seed; the disorder is a pure function of (seed, site).
    engine : str, optional
        A name of :data:`ENGINES` or ``"auto"`` (default, :func:`choose_engine`):
        ``"rgf"`` and ``"kwant"`` agree to ~1e-12 relative; ``"probes"``
        computes ``dephasing > 0``.  An engine that cannot compute the model is
        an error that names one that can.

    Returns
    -------
    float
        g = Tr t^dagger t, summed over spin (Landauer formula; with probes, the
        effective two-terminal conductance at zero probe currents); at
        ``model.temperature > 0`` its average over the Fermi window
        (:func:`andersonwl.engines.thermal.thermal_conductance`).

    Raises
    ------
    ValueError
        For an engine that cannot compute the model, or an energy with no
        open lead channel or at a lead subband threshold.
    """
    _checks.instance("model", model, StripModel)
    seed = _random.check_seed(seed)
    name = resolve_engine(model, engine)
    model.check_leads()
    return compute_function(name, model)(model, seed)


#: Engines that give transmission eigenvalues (coherent ones).
TRANSMISSION_ENGINES = ("rgf", "kwant")


def transmission_values(model, seed: int, engine: str) -> np.ndarray:
    """Transmission eigenvalues of one realisation by ``engine`` (rgf or kwant), largest first.

    RGF: :func:`andersonwl.engines.rgf.transmission_rgf`; Kwant: the eigenvalues
    of t^dagger t (:func:`transmission_eigenvalues`), clipped into [0, 1].
    Both agree to ~1e-12; sum(tau) = g summed over spin.
    """
    _checks.choice("engine", engine, TRANSMISSION_ENGINES)
    if engine == "rgf":
        return transmission_rgf(model, seed)
    return np.sort(np.clip(transmission_eigenvalues(model, seed), 0, 1))[::-1]


def compute_function(name: str, model):
    """The function ``(model, seed) -> g`` for engine ``name``.

    The engine's own at T = 0; at T > 0 the thermal average over its g(E)
    (:mod:`.thermal`), refused if it does not reach its tolerance.
    """
    if model.temperature == 0:
        return ENGINES[name].conductance

    def thermal(model, seed):
        result = thermal_conductance(model, seed, engine=name)
        if not result.converged:
            raise RuntimeError(f"the thermal average of seed {seed} did not reach its "
                               f"tolerance within {len(result.energies)} energies ({result}): "
                               "lower the temperature or use a shorter sample")
        return result.value
    return thermal
