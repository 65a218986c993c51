"""Self-energies and coupling matrices of the clean leads, for array-based engines.

Computed from :func:`andersonwl.hamiltonian.lead_arrays` (the same blocks the
Kwant builder uses) with Kwant's stabilised mode decomposition
(:func:`kwant.physics.modes`), and cached per (cross-section, orbitals,
spin-orbit kind, lead kind, energy, flux, rashba, zeeman), like
:func:`andersonwl.engines.kwant_engine.precalculated`.  Also the dense slice layout shared
by the array engines.

Conventions
-----------
A slice is one column x of ``n = width * norbs`` orbitals, orbital index
``y * norbs + spin`` (a 3D bar: ``(y * height + z) * norbs + spin``).
``V = H_{x+1, x}`` is the lead hopping (``lead_hop_x``), also across both
lead-sample interfaces.  The left lead (cells x <= -1) gives
the retarded self-energy ``Sigma_L = V g_L V^dagger`` on column 0, the right
lead (cells x >= L) ``Sigma_R = V^dagger g_R V`` on column L - 1, with g_L, g_R
the surface Green's functions of the semi-infinite leads.  Kwant's
:func:`kwant.physics.modes` takes ``h_hop`` = H_{further cell, nearer cell}
(checked against a brute-force long lead): ``V^dagger`` for the left lead,
``V`` for the right one.
"""

from __future__ import annotations

import collections
import threading
from typing import NamedTuple

import numpy as np
import scipy.linalg as la
from kwant.physics import modes as _kwant_modes

from ..hamiltonian import NO_ZEEMAN, Geometry, geometry_of, lead_arrays

__all__ = ["LeadData", "lead_data", "lead_geometry", "SliceLayout", "slice_layout",
           "slice_values", "slice_hamiltonian", "block_diag_dense", "as_blocks",
           "transverse_hops", "cross_section", "clear_lead_cache", "LEAD_CACHE_BYTES"]


class LeadData(NamedTuple):
    """Everything an engine needs from the two clean leads at one energy.

    Attributes
    ----------
    sigma_left, sigma_right : (n, n) complex arrays
        Retarded self-energies on the first and last sample column.
    gamma_left_sqrt, gamma_right_sqrt : (n, m) complex arrays
        Factors A, B of the broadening matrices, Gamma = i (Sigma - Sigma^dagger)
        = A A^dagger (rank m = number of open channels).
    nmodes : int
        Number of propagating modes per direction (open channels, summed over spin).
    hop : (width, norbs, norbs) complex array
        Lead hopping blocks V_y = H_{(x+1, y), (x, y)}.
    """

    sigma_left: np.ndarray
    sigma_right: np.ndarray
    gamma_left_sqrt: np.ndarray
    gamma_right_sqrt: np.ndarray
    nmodes: int
    hop: np.ndarray


def as_blocks(a, norbs, ndim):
    """View per-site values as complex blocks of shape (*lead_axes, S, norbs, norbs).

    ``a`` has ``ndim`` leading axes (e.g. column index) followed by the
    cross-section axes (y, or y and z) and, when spinful, two orbital axes;
    the cross-section is flattened in C order into S sites.
    """
    a = np.asarray(a, dtype=complex)
    if norbs == 1:
        a = a.reshape(a.shape + (1, 1))
    sites = int(np.prod(a.shape[ndim:-2]))
    return a.reshape(a.shape[:ndim] + (sites, norbs, norbs))


class SliceLayout(NamedTuple):
    """Where the blocks of a slice Hamiltonian sit in a dense (n, n) C-ordered matrix.

    ``index`` holds flat positions (row * n + col); :func:`slice_values`
    returns values in the same order.  Site s of the cross-section (C order)
    owns orbitals s * norbs + spin.
    """

    index: np.ndarray
    n: int


def slice_layout(cell, norbs) -> SliceLayout:
    """Layout of on-site blocks and hard-wall transverse bonds of a cross-section ``cell``."""
    k = norbs
    sites = np.arange(int(np.prod(cell))).reshape(cell)
    n = sites.size * k
    a = np.arange(k)[None, :, None]
    b = np.arange(k)[None, None, :]

    def pos(rows, cols):
        return ((rows[:, None, None] * k + a) * n + cols[:, None, None] * k + b).ravel()

    parts = [pos(sites.ravel(), sites.ravel())]
    for axis in range(len(cell)):
        frm = np.take(sites, np.arange(cell[axis] - 1), axis=axis).ravel()
        to = np.take(sites, np.arange(1, cell[axis]), axis=axis).ravel()
        parts += [pos(to, frm), pos(frm, to)]         # H_{to, frm} = hop, H_{frm, to} = hop^+
    return SliceLayout(np.concatenate(parts), n)


def slice_values(onsite, hops, energy, norbs):
    """Values of E - H of every slice at the positions of :func:`slice_layout`.

    ``onsite`` has shape (L, *cell[, k, k]); ``hops`` lists the transverse
    hopping arrays (L, *bond_shape[, k, k]) along y (and z), with
    ``hop[..., c] = H_{c + e_axis, c}``.  Returns an (L, nnz) complex array.
    """
    on = as_blocks(onsite, norbs, 1)
    L = on.shape[0]
    parts = [(energy * np.eye(norbs) - on).reshape(L, -1)]
    for h in hops:
        h = as_blocks(h, norbs, 1)
        parts += [(-h).reshape(L, -1), (-h.conj().swapaxes(-1, -2)).reshape(L, -1)]
    return np.concatenate(parts, axis=1)


def transverse_hops(arrays):
    """The transverse hopping arrays (hop_y and, for a 3D bar, hop_z) of ``arrays``."""
    hops = [arrays.hop_y]
    hop_z = getattr(arrays, "hop_z", None)
    if hop_z is not None:
        hops.append(hop_z)
    return hops


def cross_section(arrays, norbs, ndim):
    """Cross-section shape (width,) or (width, height) of ``arrays.onsite``."""
    shape = np.shape(arrays.onsite)[ndim:]
    return tuple(shape if norbs == 1 else shape[:-2])


def slice_hamiltonian(lead, norbs):
    """Dense Hamiltonian H0 of one lead cell from :class:`LeadArrays`."""
    cell = cross_section(lead, norbs, 0)
    layout = slice_layout(cell, norbs)
    vals = slice_values(np.asarray(lead.onsite)[None],
                        [np.asarray(h)[None] for h in transverse_hops(lead)], 0.0, norbs)
    h = np.zeros(layout.n * layout.n, dtype=complex)
    h[layout.index] = -vals[0]
    return h.reshape(layout.n, layout.n)


def block_diag_dense(blocks):
    """Dense block-diagonal matrices of (..., S, k, k) blocks: shape (..., S k, S k)."""
    *lead, S, k, _ = blocks.shape
    out = np.zeros((*lead, S, k, S, k), dtype=complex)
    iy = np.arange(S)
    out[..., iy, :, iy, :] = np.moveaxis(blocks, -3, 0)
    return out.reshape(*lead, S * k, S * k)


def _sqrt_gamma(sigma, nmodes):
    """A with A A^dagger = i (Sigma - Sigma^dagger), keeping its ``nmodes`` nonzero eigenvalues."""
    gamma = 1j * (sigma - sigma.conj().T)
    gamma = 0.5 * (gamma + gamma.conj().T)
    w, u = la.eigh(gamma)
    if nmodes == 0:
        return np.zeros((sigma.shape[0], 0), dtype=complex)
    kept = w[-nmodes:]
    if kept[0] <= 0 or (w.size > nmodes and abs(w[-nmodes - 1]) > 1e-8 * w[-1]):
        raise ValueError("the energy lies (numerically) at a subband threshold of the lead, "
                         "where a channel opens with zero velocity and g jumps: shift the "
                         f"energy slightly (broadening eigenvalues {w[-nmodes - 2:]}, "
                         f"{nmodes} open channels)")
    return u[:, -nmodes:] * np.sqrt(kept)


#: Bytes of lead data kept per process (least recently used first out).  An
#: energy sweep or a thermal average visits tens of energies per realisation;
#: an ensemble revisits them at every realisation, so they all stay cached.
LEAD_CACHE_BYTES = 512 * 2**20
_CACHE: collections.OrderedDict = collections.OrderedDict()
_CACHE_LOCK = threading.Lock()


def _nbytes(data: LeadData) -> int:
    return sum(a.nbytes for a in (data.sigma_left, data.sigma_right, data.gamma_left_sqrt,
                                  data.gamma_right_sqrt, data.hop))


def _lead_data(geom: Geometry, energy, flux, rashba, zeeman=NO_ZEEMAN) -> LeadData:
    """Cached :func:`_compute_lead_data` (at most :data:`LEAD_CACHE_BYTES`)."""
    key = (geom, energy, flux, rashba, zeeman)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    data = _compute_lead_data(geom, energy, flux, rashba, zeeman)
    with _CACHE_LOCK:
        _CACHE[key] = data
        total = sum(_nbytes(d) for d in _CACHE.values())
        while total > LEAD_CACHE_BYTES and len(_CACHE) > 1:
            _, old = _CACHE.popitem(last=False)
            total -= _nbytes(old)
    return data


def clear_lead_cache() -> None:
    """Forget every cached lead (benchmarks time the lead set-up with it)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _compute_lead_data(geom: Geometry, energy, flux, rashba, zeeman=NO_ZEEMAN) -> LeadData:
    arrays = lead_arrays(geom, flux, rashba, zeeman)
    k = geom.norbs
    h0 = slice_hamiltonian(arrays, k)
    h0 -= energy * np.eye(h0.shape[0])
    hop = as_blocks(arrays.hop_x, k, 0)
    v = block_diag_dense(hop)
    # Kwant's h_hop is H_{further cell, nearer cell}:
    # left lead (further cell x - 1): H_{x-1, x} = V^dagger
    _, stab_left = _kwant_modes(h0, v.conj().T)
    # right lead (further cell x + 1): H_{x+1, x} = V
    _, stab_right = _kwant_modes(h0, v)
    sigma_left = stab_left.selfenergy()
    sigma_right = stab_right.selfenergy()
    nmodes = int(stab_left.nmodes)
    if stab_right.nmodes != nmodes:  # pragma: no cover - would be a Kwant bug
        raise RuntimeError("left and right leads disagree on the number of modes")
    out = LeadData(sigma_left, sigma_right, _sqrt_gamma(sigma_left, nmodes),
                   _sqrt_gamma(sigma_right, nmodes), nmodes, np.ascontiguousarray(hop))
    for a in (out.sigma_left, out.sigma_right, out.gamma_left_sqrt, out.gamma_right_sqrt,
              out.hop):
        a.setflags(write=False)
    return out


def lead_geometry(model) -> Geometry:
    """The geometry of ``model``'s leads: only the cross-section and orbitals matter."""
    return geometry_of(model)._replace(length=1, disorder_kind="box")


def lead_data(model) -> LeadData:
    """Cached :class:`LeadData` of ``model``'s leads at ``model.energy``."""
    return _lead_data(lead_geometry(model), float(model.energy), float(model.flux),
                      float(model.rashba), tuple(model.zeeman))
