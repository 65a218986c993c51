"""Spin-resolved two-terminal transport: g_{s's} and the labelled scattering matrix.

Conventions
-----------
* Spin is quantised along a unit vector n (``axis``: ``"x"``, ``"y"``, ``"z"``
  (default) or three numbers); "up" is n . sigma = +1.  Index 0 is up, 1 is
  down, everywhere (:data:`SPINS`).
* ``g[s_out, s_in]`` is the transmission, in e^2/h, from spin ``s_in`` in the
  left lead (lead 0, at x < 0) to spin ``s_out`` in the right lead (lead 1).
  The four values sum to the charge conductance g of
  :func:`andersonwl.engines.conductance` (contact resistance included).
* Spin-resolved conductances are defined only when the leads conserve spin
  along n: their Hamiltonian commutes with n . sigma.  That holds for
  ``leads="normal"`` (plain hopping, no spin-orbit coupling, no Zeeman, no
  exchange: the standard spin-injection geometry), for SU(2) and exchange
  samples (whose leads have no spin-orbit coupling or exchange), and for
  sample leads whose only spin term is a Zeeman field parallel to n.

Formulas
--------
For spin-conserving leads Gamma_L = sum_s P_s Gamma_L P_s with P_s = (1 + s n .
sigma)/2, and the Landauer-Buttiker formula resolved in spin is (Fisher and
Lee, PRB 23, 6851 (1981); Nikolic and Souma, PRB 71, 195328 (2005), Eq. 5)::

    g_{s's} = Tr[P_s' Gamma_R P_s' G^r P_s Gamma_L P_s G^a] = sum_{m in s, m' in s'} |t_{m'm}|^2.

The spin polarisation of the current transmitted from an unpolarised source,
measured as a spin-valve does, is
P = [(g_uu + g_dd) - (g_ud + g_du)] / g (:func:`spin_polarization`).
Time reversal relates spin-resolved transmissions in opposite directions
(Onsager-Casimir for spin; Jacquod, Whitney, Meair and Buttiker, PRB 86,
155118 (2012)): g^{RL}_{s's}(B, b) = g^{LR}_{-s, -s'}(-B, -b), spin labels
reversed and exchanged; the charge sum obeys g(B, b) = g(-B, -b).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import _blas, _checks, _random
from ..analysis.spin import spin_polarization
from ..hamiltonian import PAULI, sigma_dot
from ..models import StripModel

__all__ = ["SPINS", "SPIN_ENGINES", "spin_axis", "spin_projectors", "check_spin_resolved",
           "spin_conductances", "spin_conductance_vs_length", "spin_polarization",
           "SpinScatteringMatrix", "spin_scattering_matrix"]

#: Spin labels in index order (along the chosen axis).
SPINS = ("up", "down")
#: Engines that compute spin-resolved conductances.
SPIN_ENGINES = ("rgf", "kwant")
_AXES = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}


def spin_axis(axis="z") -> tuple:
    """The unit vector of ``axis`` ("x", "y", "z" or three numbers, normalised)."""
    if isinstance(axis, str):
        if axis not in _AXES:
            raise ValueError(f"axis must be 'x', 'y', 'z' or three numbers, got {axis!r}"
                             f"{_checks.closest(axis, _AXES)}")
        return _AXES[axis]
    v = np.array(_checks.vector("axis", axis, 3))
    norm = float(np.linalg.norm(v))
    if norm == 0:
        raise ValueError("axis must not be the zero vector")
    return tuple(float(c) for c in v / norm)


def spin_projectors(axis="z") -> np.ndarray:
    """P_up, P_down = (1 +- n . sigma) / 2 along ``axis``, shape (2, 2, 2)."""
    n = spin_axis(axis)
    ns = sigma_dot(n)
    return np.array([(PAULI[0] + ns) / 2, (PAULI[0] - ns) / 2])


def check_spin_resolved(model, axis="z") -> tuple:
    """Refuse models whose leads do not conserve spin along ``axis``; return the unit axis.

    Raises
    ------
    ValueError
        For a graphene ribbon, a spinless model, leads with Rashba coupling (``leads="sample"``
        with ``rashba != 0``: use ``leads="normal"``), a lead Zeeman field not
        parallel to the axis, dephasing (probes mix spin) or a temperature > 0.
    """
    _checks.instance("model", model, StripModel)
    n = spin_axis(axis)
    if model.lattice != "square":
        raise ValueError("spin-resolved conductances are computed on the square lattice; a "
                         f"{model.lattice} ribbon gives its spin-summed g (conductance)")
    if not model.spinful:
        raise ValueError("spin-resolved conductances need a spinful model (spinful=True, or a "
                         "spin coupling); the spinless model has one spin species")
    if model.leads_have_rashba:
        raise ValueError("spin-resolved conductances need spin-conserving leads, and these "
                         f"leads carry the sample's Rashba coupling ({model.rashba}): build the "
                         "model with leads='normal'")
    b = np.array(model.lead_zeeman)
    if np.linalg.norm(np.cross(b, n)) > 1e-12 * max(1.0, np.linalg.norm(b)):
        raise ValueError(f"the leads' Zeeman field {model.lead_zeeman} is not parallel to the "
                         f"spin axis {n}, so the leads do not conserve that spin: use "
                         "leads='normal' or the field's axis")
    if model.dephasing > 0:
        raise ValueError("spin-resolved conductances are computed for coherent transport "
                         "(dephasing = 0)")
    if model.temperature > 0:
        raise ValueError("spin-resolved conductances are computed at temperature 0")
    return n


@_blas.limited
def spin_conductances(model, seed: int = 0, *, axis="z", engine: str = "auto") -> np.ndarray:
    """Spin-resolved conductances ``g[s_out, s_in]`` of one realisation.

    Parameters
    ----------
    model : StripModel
        Spinful, with spin-conserving leads along ``axis`` (see the module
        notes; ``leads="normal"`` for a Rashba sample).
    seed : int, optional
        Realisation seed (the disorder of every other engine).
    axis : {"z", "x", "y"} or sequence of 3 floats, optional
        Spin quantisation axis n; index 0 = up (n . sigma = +1), 1 = down.
    engine : {"auto", "rgf", "kwant"}
        ``"auto"`` is RGF.  Both agree to ~1e-12.

    Returns
    -------
    numpy.ndarray, shape (2, 2)
        ``[[g_uu, g_ud], [g_du, g_dd]]`` in e^2/h, first index the spin in the
        right lead (out), second the spin injected from the left lead (in);
        ``g.sum()`` is the charge conductance g (contact resistance included).

    Raises
    ------
    ValueError
        Before any compute, for models that have no spin-resolved conductance
        (:func:`check_spin_resolved`) or an unknown engine.
    """
    n = check_spin_resolved(model, axis)
    seed = _random.check_seed(seed)
    engine = _checks.choice("engine", engine, ("auto",) + SPIN_ENGINES)
    model.check_leads()
    if engine == "kwant":
        from .kwant_engine import kwant_spin_conductances
        return kwant_spin_conductances(model, seed, n)
    from .rgf import spin_conductances_rgf
    return spin_conductances_rgf(model, seed, spin_projectors(n))


def spin_conductance_vs_length(model, lengths=None, seed: int = 0, *, axis="z") -> np.ndarray:
    """``g[s_out, s_in]`` of every prefix of one realisation (one RGF sweep).

    As :func:`andersonwl.engines.rgf.conductance_vs_length`: the sample of
    length L' is the first L' columns of the longest one, with the right lead
    moved; shape (len(lengths), 2, 2), index order of :func:`spin_conductances`.
    """
    n = check_spin_resolved(model, axis)
    seed = _random.check_seed(seed)
    model.check_leads()
    from .rgf import _check_lengths, spin_conductances_rgf
    lengths = _check_lengths(lengths, model.length)
    return spin_conductances_rgf(model, seed, spin_projectors(n), lengths=lengths)


@dataclasses.dataclass(frozen=True)
class SpinScatteringMatrix:
    """A scattering matrix whose rows and columns are labelled (lead, spin, mode).

    Attributes
    ----------
    data : (N, N) complex array
        S, outgoing modes in rows, incoming in columns, both ordered by
        :attr:`labels`.
    labels : tuple of (str, str, int)
        ``(lead, spin, mode)`` of each row (and column): lead "left" (lead
        0, x < 0) or "right" (lead 1), spin "up" or "down" along :attr:`axis`,
        mode index within that lead and spin; leads first, then spin, then mode.
    axis : tuple of 3 floats
        The spin axis n.

    Notes
    -----
    Unitary up to rounding (S^dagger S = 1); ``conductance("right", "up",
    "left", "down")`` is g_ud of :func:`spin_conductances`.
    """

    data: np.ndarray
    labels: tuple
    axis: tuple

    def _index(self, lead, spin):
        _checks.choice("lead", lead, ("left", "right"))
        _checks.choice("spin", spin, SPINS)
        return np.array([i for i, (le, s, _) in enumerate(self.labels) if le == lead and s == spin],
                        dtype=int)

    def block(self, out_lead: str, out_spin: str, in_lead: str, in_spin: str) -> np.ndarray:
        """The block of S from (in_lead, in_spin) to (out_lead, out_spin)."""
        rows, cols = self._index(out_lead, out_spin), self._index(in_lead, in_spin)
        return self.data[np.ix_(rows, cols)]

    def conductance(self, out_lead: str, out_spin: str, in_lead: str, in_spin: str) -> float:
        """Sum of ``|S_mn|^2`` over the block (a transmission or reflection, in e^2/h)."""
        return float(np.sum(np.abs(self.block(out_lead, out_spin, in_lead, in_spin)) ** 2))


def spin_scattering_matrix(model, seed: int = 0, *, axis="z") -> SpinScatteringMatrix:
    """The full two-lead scattering matrix of one realisation, labelled by lead, spin and mode.

    Computed by Kwant with the conservation law -n . sigma on the leads (so
    that each lead's modes split into spin up and down along n); see
    :class:`SpinScatteringMatrix` for the order.  Same checks as
    :func:`spin_conductances`.
    """
    n = check_spin_resolved(model, axis)
    seed = _random.check_seed(seed)
    model.check_leads()
    from .kwant_engine import spin_smatrix_blocks
    blocks = spin_smatrix_blocks(model, seed, n)
    keys = [(lead, s) for lead in (0, 1) for s in (0, 1)]
    sizes = {k: blocks[k + k].shape[1] for k in keys}
    rows = [np.hstack([blocks[ko + ki] for ki in keys]) for ko in keys]
    labels = tuple((("left", "right")[lead], SPINS[s], m)
                   for (lead, s) in keys for m in range(sizes[(lead, s)]))
    return SpinScatteringMatrix(np.vstack(rows), labels, n)
