"""Recursive Green's function (RGF) engine for square-lattice strips.

The strip is cut into slices, one column x of ``n = width * norbs`` orbitals
(orbital index ``y * norbs + spin``), and the retarded Green's function is
built up slice by slice from the left lead (MacKinnon, Z. Phys. B 59, 385
(1985); Lee and Fisher, PRL 47, 882 (1981)).  Only the block of the Green's
function acting on the injected channels is propagated, so a realisation
costs one n x n inversion per slice (about 8 L n^3 real flops) plus
O(L n^2 m) for the m open channels.

The Hamiltonian blocks are exactly those of
:func:`andersonwl.hamiltonian.model_arrays` (the arrays the Kwant builder
reads), so ``engine="rgf"`` and ``engine="kwant"`` see the same disorder.

Notes
-----
Units and conventions: t = a = 1, energies from the band centre;
g = G/(e^2/h) summed over spin.  ``hop_x[x, y]`` is H_{(x+1, y), (x, y)}.
With the left-connected Green's function of column x::

    g_0 = (E - H_0 - Sigma_L)^{-1},
    g_x = (E - H_x - V_{x-1} g_{x-1} V_{x-1}^dagger)^{-1},   V_x = H_{x+1, x},

the full Green's function between the last and first column is::

    G_{L-1, 0} = (E - H_{L-1} - V g_{L-2} V^dagger - Sigma_R)^{-1} V_{L-2} g_{L-2} ... V_0 g_0,

and the transmission is the Fisher-Lee formula (Fisher and Lee, PRB 23, 6851
(1981)) in trace form, ``g = Tr[Gamma_R G_{L-1,0} Gamma_L G_{L-1,0}^dagger]``.
With ``Gamma_L = A A^dagger`` and ``Gamma_R = B B^dagger`` (rank m each) only
``X_x = G_{x,0} A``, an (n, m) block, is carried along, and
``g = ||B^dagger X_{L-1}||_F^2``.  A 3D bar (``height > 1``) is handled the
same way with a slice of ``width * height * norbs`` orbitals.

Column gauge: in every StripModel V_x = c U_x with U_x block-diagonal and
unitary (Peierls phases, SU(2) bonds, Rashba -(1 + i alpha/2 sigma_y) =
-sqrt(1 + alpha^2/4) x unitary).  The recursion runs in the basis
``psi'_x = W_x^dagger psi_x``, ``W_{x+1} = U_x W_x``, where the hopping between
columns is the scalar c and ``V g V^dagger`` is just ``|c|^2 g``; only the
right lead's self-energy and Gamma factor are rotated (by W_{L-1}).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from .. import _blas, _checks
from .._random import check_seed
from ..hamiltonian import model_arrays
from ..models import StripModel
from .leads import as_blocks, cross_section, lead_data, slice_layout, slice_values, transverse_hops

__all__ = ["conductance_rgf", "conductance_vs_length", "conductance_vs_energy",
           "transmission_rgf", "spin_conductances_rgf"]


def _check_model(model):
    _checks.instance("model", model, StripModel)
    if model.dephasing > 0:
        raise ValueError("RGF computes coherent transport: dephasing must be 0 "
                         "(use conductance(model, seed) for voltage-probe dephasing)")
    model.check_leads()


def _lu(m):
    """LU factors of the C-ordered matrix ``m`` (as LAPACK factors of m^T, no copy)."""
    lu, piv, info = lapack.zgetrf(m.T, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular slice matrix in RGF (zgetrf info={info})")
    return lu, piv


def _inv(m):
    """Inverse of the C-ordered matrix ``m`` (overwritten)."""
    lu, piv = _lu(m)
    # a workspace of 64 n lets zgetri use its blocked algorithm (the f2py
    # default, n, forces the unblocked one: 1.5-2x slower for n >= 100)
    inv_t, info = lapack.zgetri(lu, piv, lwork=64 * m.shape[0], overwrite_lu=True)
    if info != 0:  # pragma: no cover - zgetrf would have failed first
        raise np.linalg.LinAlgError(f"singular slice matrix in RGF (zgetri info={info})")
    return inv_t.T          # (m^T)^{-1} in Fortran order is m^{-1} in C order


def _solve(m, rhs):
    """Solve m x = rhs for the C-ordered matrix ``m`` (overwritten)."""
    lu, piv = _lu(m)
    x, info = lapack.zgetrs(lu, piv, rhs, trans=1)   # (m^T)^T x = rhs
    if info != 0:  # pragma: no cover
        raise np.linalg.LinAlgError(f"zgetrs failed (info={info})")
    return x


def _block_transform(mat, left, right):
    """``left^dagger @ mat @ right`` for block-diagonal ``left``, ``right`` of (S, k, k) blocks."""
    S, k = left.shape[0], left.shape[-1]
    n = S * k
    if k == 1:
        return (left[:, 0, 0].conj()[:, None] * mat) * right[:, 0, 0][None, :]
    lm = np.matmul(left.conj().swapaxes(-1, -2), mat.reshape(S, k, n)).reshape(n, n)
    return np.matmul(lm.reshape(n, S, k).transpose(1, 0, 2),
                     right).transpose(1, 0, 2).reshape(n, n)


def _gauge(hx, k):
    """Column gauge that turns every inter-column hopping into the scalar c.

    If V_x = c U_x with U_x unitary (block-diagonal, (S, k, k) blocks) for all
    x -- true for every StripModel: Peierls phases, Rashba
    -(1 + i alpha/2 sigma_y) = -sqrt(1 + alpha^2/4) x unitary, SU(2) bonds --
    return (c, W) with W_0 = 1, W_{x+1} = U_x W_x, shape (L, S, k, k).  In the
    basis psi'_x = W_x^dagger psi_x, H'_{x+1, x} = c, so the self-energy update
    V g V^dagger becomes |c|^2 g.  Otherwise return None.
    """
    L1, S = hx.shape[0], hx.shape[1]
    eye = np.eye(k)
    if L1 == 0:
        return 1.0, np.broadcast_to(eye, (1, S, k, k))
    vv = hx.conj().swapaxes(-1, -2) @ hx
    c2 = vv[0, 0, 0, 0].real
    if c2 <= 0 or not np.allclose(vv, c2 * eye, rtol=0, atol=1e-13 * c2):
        return None
    c = np.sqrt(c2)
    u = hx / c
    w = np.empty((L1 + 1, S, k, k), dtype=complex)
    if k == 1:
        w[0] = 1.0
        np.cumprod(u, axis=0, out=w[1:])
    else:
        w[0] = eye
        for x in range(L1):
            np.matmul(u[x], w[x], out=w[x + 1])
    return c, w


def _rotated_slices(sample, k, cell, w):
    """On-site and transverse hopping arrays of ``sample`` in the column gauge ``w``."""
    L = w.shape[0]
    on = as_blocks(sample.onsite, k, 1)
    wc = w.reshape((L,) + tuple(cell) + (k, k))
    on = w.conj().swapaxes(-1, -2) @ on @ w
    hops = []
    for a, hop in enumerate(transverse_hops(sample)):
        size = cell[a]
        h = np.asarray(hop, dtype=complex)
        h = h.reshape(h.shape + (1, 1)) if k == 1 else h
        w_from = np.take(wc, np.arange(size - 1), axis=1 + a)
        w_to = np.take(wc, np.arange(1, size), axis=1 + a)
        hops.append(w_to.conj().swapaxes(-1, -2) @ h @ w_from)
    if k == 1:
        on = on.reshape(on.shape[:-2])
        hops = [h[..., 0, 0] for h in hops]
    return on.reshape((L,) + tuple(cell) + on.shape[2:]), hops


class _Prepared:
    """The energy-independent part of a sweep: slice layout, column gauge, rotated blocks.

    Built once per realisation and reused at every energy of
    :func:`conductance_vs_energy` (the disorder is a pure function of (seed,
    site), so every energy sees the same sample).
    """

    def __init__(self, sample, norbs, gauge=True):
        k = self.k = norbs
        self.cell = cross_section(sample, k, 1)
        layout = slice_layout(self.cell, k)
        self.idx, self.n = layout.index, layout.n
        self.hx = as_blocks(sample.hop_x, k, 1)                # (L-1, S, k, k)
        self.rot = _gauge(self.hx, k) if gauge else None
        if self.rot is not None:
            c, w = self.rot
            self.onsite, self.hops = _rotated_slices(sample, k, self.cell, w)
            self.identity = np.all(w == np.eye(k), axis=(1, 2, 3))   # W_x = 1: no rotation
        else:
            self.onsite, self.hops = sample.onsite, transverse_hops(sample)


def _project(a, proj):
    """``(1 kron P) a`` for a per-site 2 x 2 block ``proj`` and ``a`` of shape (n, m)."""
    return np.matmul(proj, a.reshape(-1, 2, a.shape[1])).reshape(a.shape)


def _sweep(sample, leads, energy, norbs, stops, *, gauge=True, eigenvalues=False,
           spin=None):
    """Run the recursion over all columns of ``sample``; g at each prefix length in ``stops``.

    ``sample`` is the model's arrays or a :class:`_Prepared` of them.  With
    ``gauge`` (default) the recursion runs in the column gauge of
    :func:`_gauge` when it applies; ``gauge=False`` forces the general update
    Sigma_{x+1} = V_x g_x V_x^dagger (kept for models whose hoppings are not
    proportional to unitaries, and to test the gauge).  With ``eigenvalues``
    the value at each stop is the array of transmission eigenvalues (the
    squared singular values of B^dagger X, sorted descending) instead of g.
    With ``spin`` (projectors P_up, P_down on one site's spin, shape (2, 2, 2);
    spin-conserving leads) the value is the (2, 2) array g[s_out, s_in] =
    Tr[P_out Gamma_R P_out G P_in Gamma_L P_in G^dagger]: the injected block
    carries (P_up A, P_down A) side by side.
    """
    stops = set(int(s) for s in stops)
    prep = sample if isinstance(sample, _Prepared) else _Prepared(sample, norbs, gauge)
    k, idx, n, hx, rot = prep.k, prep.idx, prep.n, prep.hx, prep.rot
    vals = slice_values(prep.onsite, prep.hops, energy, k)
    if rot is not None:
        c, w = rot
        identity = prep.identity
    L, S = vals.shape[0], n // k
    out = {}
    sigma = leads.sigma_left                            # column 0: W_0 = 1
    rhs = np.array(leads.gamma_left_sqrt)              # V_{x-1} X_{x-1}; A for x = 0
    if rhs.shape[1] == 0:
        empty = np.zeros((2, 2)) if spin is not None else (np.zeros(0) if eigenvalues else 0.0)
        return {s: empty for s in stops}
    m_in = rhs.shape[1]
    if spin is not None:
        rhs = np.hstack([_project(rhs, p) for p in spin])
    for x in range(L):
        m = np.negative(sigma)                          # E - H_x - Sigma_x
        m.reshape(-1)[idx] += vals[x]
        if x + 1 in stops:
            last = x == L - 1
            sigma_r, b = leads.sigma_right, leads.gamma_right_sqrt
            # B, or B_out = P_out B with spin, then the right lead in the column gauge
            bs = [b] if spin is None else [_project(b, p) for p in spin]
            if rot is not None and not identity[x]:
                sigma_r = _block_transform(sigma_r, w[x], w[x])
                bs = [_block_transform_rows(bb, w[x]) for bb in bs]
            b = bs[0]
            xf = _solve(np.subtract(m, sigma_r, out=m) if last else m - sigma_r, rhs)
            if spin is not None:
                out[x + 1] = np.array([[float(np.sum(np.abs(
                    bo.conj().T @ xf[:, i * m_in:(i + 1) * m_in]) ** 2)) for i in range(2)]
                    for bo in bs])
            elif eigenvalues:
                t = b.conj().T @ xf                     # the transmission matrix, up to unitaries
                out[x + 1] = np.linalg.svd(t, compute_uv=False) ** 2
            else:
                out[x + 1] = float(np.sum(np.abs(b.conj().T @ xf) ** 2))
            if last:
                break
        g = _inv(m)
        if rot is not None:                             # H'_{x+1, x} = c
            sigma = g if c == 1.0 else (c * c) * g
            rhs = g @ rhs
            if c != 1.0:
                rhs *= c
            continue
        v = hx[x]                                       # V_x = H_{x+1, x}, blocks (S, k, k)
        if k == 1:
            vd = v[:, 0, 0]
            sigma = (vd[:, None] * g) * vd.conj()[None, :]
            rhs = vd[:, None] * (g @ rhs)
        else:
            vg = np.matmul(v, g.reshape(S, k, n)).reshape(n, n)
            sigma = np.matmul(vg.reshape(n, S, k).transpose(1, 0, 2),
                              v.conj().transpose(0, 2, 1)).transpose(1, 0, 2).reshape(n, n)
            rhs = vg @ rhs
    return out


def _block_transform_rows(b, left):
    """``left^dagger @ b`` for block-diagonal ``left`` ((S, k, k) blocks) and b of shape (n, m)."""
    S, k = left.shape[0], left.shape[-1]
    return np.matmul(left.conj().swapaxes(-1, -2), b.reshape(S, k, -1)).reshape(b.shape)


def conductance_rgf(model: StripModel, seed: int = 0) -> float:
    """Two-terminal conductance g = G/(e^2/h) of one realisation, by RGF.

    Parameters
    ----------
    model : StripModel
        Any variant (spinless or spinful, flux, Rashba, SU(2), exchange, box
        or Gaussian disorder).
    seed : int, optional
        Realisation seed; the disorder is a pure function of (seed, site) and
        identical to that of the Kwant engine.

    Returns
    -------
    float
        g = Tr t^dagger t, summed over spin (Landauer formula).

    Notes
    -----
    Recursive Green's function method (MacKinnon, Z. Phys. B 59, 385 (1985))
    with the Fisher-Lee transmission formula (Fisher and Lee, PRB 23, 6851
    (1981)); see the module notes for the recursion and conventions.  The lead
    self-energies come from Kwant's stabilised mode decomposition of the clean
    lead cell and are cached per (width, orbitals, spin-orbit kind, energy,
    flux, rashba).  Cost: one complex n x n inversion per column,
    n = width * norbs; agrees with ``engine="kwant"`` to about 1e-12 relative.
    """
    _check_model(model)
    sample, _ = model_arrays(model, check_seed(seed))
    return _sweep(sample, lead_data(model), model.energy, model.norbs,
                  [model.length])[model.length]


def _check_lengths(lengths, max_length):
    if lengths is None:
        return np.arange(1, max_length + 1)
    lengths = np.atleast_1d(np.asarray(lengths, dtype=object))
    if lengths.ndim != 1 or lengths.size == 0:
        raise ValueError("lengths must be a non-empty 1D sequence of positive integers")
    out = np.array([_checks.integer("lengths", v, minimum=1, maximum=max_length)
                    for v in lengths], dtype=int)
    if np.unique(out).size != out.size:
        raise ValueError(f"lengths must not repeat, got {out.tolist()}")
    return out


@_blas.limited
def spin_conductances_rgf(model: StripModel, seed: int = 0, projectors=None,
                          lengths=None) -> np.ndarray:
    """Spin-resolved conductances g[s_out, s_in] of one realisation, by RGF.

    Parameters
    ----------
    model : StripModel
        Spinful, with spin-conserving leads along the axis of ``projectors``
        (checked by :func:`andersonwl.engines.spin.spin_conductances`, the
        public entry point).
    seed : int
    projectors : (2, 2, 2) array
        P_up, P_down of the spin axis (:func:`andersonwl.engines.spin.spin_projectors`).
    lengths : sequence of int, optional
        Prefix lengths, as in :func:`conductance_vs_length`; default: the
        model's length only.

    Returns
    -------
    numpy.ndarray
        Shape (2, 2) (or (len(lengths), 2, 2)): ``g[s_out, s_in]`` with index
        0 = up, 1 = down along the axis; the sum of the four is g.

    Notes
    -----
    For leads whose Hamiltonian commutes with the spin projectors,
    Gamma_L = sum_s P_s Gamma_L P_s, and the spin-resolved Landauer formula is
    g_{s's} = Tr[P_s' Gamma_R P_s' G^r P_s Gamma_L P_s G^a] (Fisher and Lee,
    PRB 23, 6851 (1981), projected on spin; see e.g. Nikolic and Souma,
    PRB 71, 195328 (2005)).  The recursion carries X = G (P_up A, P_down A),
    twice the injected block of :func:`conductance_rgf`.
    """
    _check_model(model)
    single = lengths is None
    lengths = _check_lengths([model.length] if single else lengths, model.length)
    sample, _ = model_arrays(model.replace(length=int(lengths.max())), check_seed(seed))
    g = _sweep(sample, lead_data(model), model.energy, model.norbs, lengths,
               spin=np.asarray(projectors))
    out = np.array([g[int(s)] for s in lengths])
    return out[0] if single else out


@_blas.limited
def conductance_vs_length(model: StripModel, lengths=None, seed: int = 0) -> np.ndarray:
    """Conductance of every prefix of one realisation, from a single RGF sweep.

    Parameters
    ----------
    model : StripModel
        ``model.length`` is the longest length allowed.
    lengths : sequence of int, optional
        Sample lengths L' with 1 <= L' <= model.length, distinct, in any order
        (they are sorted internally).  Default: every length 1 .. model.length.
    seed : int, optional
        Realisation seed.

    Returns
    -------
    numpy.ndarray of float
        g(L') in the order of ``lengths``.  Because the disorder is a pure
        function of (seed, site), g(L') equals
        ``conductance(model.replace(length=L'), seed)``: the sample of length L'
        is the first L' columns of the longest one, with the right lead moved.

    Raises
    ------
    ValueError
        If a length is not a positive integer, exceeds ``model.length`` or repeats.

    Notes
    -----
    One left-to-right RGF sweep (MacKinnon, Z. Phys. B 59, 385 (1985)) over
    the longest requested length; at every requested L' the right lead's
    self-energy is added to column L' - 1 and one extra LU solve for the (n, m)
    injected block gives G_{L'-1, 0} (Fisher and Lee, PRB 23, 6851 (1981)).
    Cost: that of one sample of the longest length, plus one LU factorisation
    (about a third of an inversion) per requested length, so at most about
    1.4 times one sample even when every length is requested.
    g summed over spin, in units of e^2/h.
    """
    _check_model(model)
    lengths = _check_lengths(lengths, model.length)
    longest = int(lengths.max())
    sample, _ = model_arrays(model.replace(length=longest), seed)
    g = _sweep(sample, lead_data(model), model.energy, model.norbs, lengths)
    return np.array([g[int(s)] for s in lengths])


@_blas.limited
def transmission_rgf(model: StripModel, seed: int = 0) -> np.ndarray:
    """Transmission eigenvalues tau_n of one realisation, by RGF, sorted descending.

    Parameters
    ----------
    model : StripModel
        Any coherent variant (``dephasing = 0``).
    seed : int, optional
        Realisation seed (the disorder of :func:`conductance_rgf` and of Kwant).

    Returns
    -------
    numpy.ndarray of float
        The min(N_L, N_R) eigenvalues of t^dagger t (N open channels of a lead,
        summed over spin), in [0, 1], largest first; ``sum(tau) = g``.

    Notes
    -----
    With Gamma_L = A A^dagger and Gamma_R = B B^dagger the Fisher-Lee
    transmission matrix is t = B^dagger G_{L-1,0} A up to unitary rotations
    of the lead modes (Fisher and Lee, PRB 23, 6851 (1981)), so the tau_n are
    the squared singular values of the (N_R, N_L) block B^dagger X that the
    recursion already carries (module notes).  In the symplectic class (AII)
    they come in Kramers-degenerate pairs (Beenakker, RMP 69, 731 (1997),
    Sec. II.B).  Agrees with Kwant's ``t^dagger t`` eigenvalues to about 1e-12.
    """
    _check_model(model)
    sample, _ = model_arrays(model, check_seed(seed))
    tau = _sweep(sample, lead_data(model), model.energy, model.norbs, [model.length],
                 eigenvalues=True)[model.length]
    return np.clip(tau, 0.0, 1.0)


def _check_energies(model, energies):
    energies = np.atleast_1d(np.asarray(energies, dtype=float))
    if energies.ndim != 1 or energies.size == 0:
        raise ValueError("energies must be a non-empty 1D sequence of numbers")
    if not np.all(np.isfinite(energies)):
        raise ValueError(f"energies must be finite, got {energies.tolist()}")
    models = []
    for e in energies:
        m = model.replace(energy=float(e))
        try:
            m.check_leads()
        except ValueError as exc:
            raise ValueError(f"energy {e:g}: {exc}") from None
        models.append(m)
    return energies, models


@_blas.limited
def conductance_vs_energy(model: StripModel, energies, seed: int = 0, *,
                          eigenvalues: bool = False):
    """Conductance (or transmission eigenvalues) of one realisation at many Fermi energies.

    Parameters
    ----------
    model : StripModel
        ``model.energy`` is ignored; every other field is used.
    energies : sequence of float
        Fermi energies (units of t, from the band centre), each with open lead
        channels and away from a lead subband threshold (checked first, for
        all of them, before any work).
    seed : int, optional
        Realisation seed: the same disorder at every energy.
    eigenvalues : bool
        Return the transmission eigenvalues (a list of arrays, one per energy,
        largest first) instead of g.

    Returns
    -------
    numpy.ndarray of float or list of numpy.ndarray
        g(E) = G/(e^2/h) summed over spin, contact resistance included, in the
        order of ``energies``; equal to ``conductance_rgf(model.replace(energy=E),
        seed)`` at each E (to rounding).

    Notes
    -----
    The sample's arrays (disorder, hoppings), the column gauge and the rotated
    slice blocks are built once and reused at every energy; the lead
    self-energies are cached per energy (:mod:`andersonwl.engines.leads`), so
    a sweep that revisits energies (ensembles, thermal averages) reuses them.
    The recursion itself (MacKinnon, Z. Phys. B 59, 385 (1985)) depends on the
    energy and is repeated: the saving is the set-up of the sample, measured in
    ``benchmarks/energy_sweep.py``.
    """
    _check_model(model)
    eigenvalues = _checks.boolean("eigenvalues", eigenvalues)
    energies, models = _check_energies(model, energies)
    sample, _ = model_arrays(model, check_seed(seed))
    prep = _Prepared(sample, model.norbs)
    out = [_sweep(prep, lead_data(m), m.energy, m.norbs, [m.length],
                  eigenvalues=eigenvalues)[m.length] for m in models]
    if eigenvalues:
        return [np.clip(t, 0.0, 1.0) for t in out]
    return np.array(out)
