"""Localization length of quasi-1D bars by the transfer-matrix method.

MacKinnon and Kramer, Z. Phys. B 53, 1 (1983): the Schroedinger equation
of a bar of width M is iterated column by column with 2n x 2n transfer
matrices (n = M * norbs orbitals per column), the product is kept well
conditioned by QR re-orthogonalisation every few columns, and the smallest
positive Lyapunov exponent gamma_n gives the localization length
xi_M = 1 / gamma_n.  The statistical error is estimated from independent
blocks of the product, as in Slevin and Ohtsuki, NJP 16, 015012 (2014).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.linalg
import scipy.sparse

from .. import _blas, _checks
from .._random import check_seed
from ..hamiltonian import column_arrays, geometry_of, lead_arrays
from ..models import StripModel
from .leads import lead_geometry, transverse_hops

__all__ = ["localization_length", "LocalizationLength", "BOUNDARIES", "segment_exponent",
           "default_warmup"]

#: Transverse boundary conditions: hard walls, periodic, antiperiodic (wrapping bonds
#: times -1, a flux h/2e through the cylinder).
BOUNDARIES = ("hardwall", "periodic", "antiperiodic")
_WRAP = {"hardwall": 1.0, "periodic": 1.0, "antiperiodic": -1.0}

# Re-orthogonalise before the columns of the product separate by more than
# exp(_SPREAD_BUDGET).  The rounding error of gamma_min grows as e^budget: measured
# (6000 columns, periodic; the exact product does not depend on where it is
# re-orthogonalised) relative changes of gamma_min against budget 16 of 6e-7 (20) and
# 2.4e-6 (24) for the 3D bar M = 10 at W = 16.5, 3e-6 (20) and 1.5e-4 (24) for the
# SU(2) strip M = 24 at W = 5.95; so about 5e-8 at 16, far below the 1e-3 of a ladder.
_SPREAD_BUDGET = 16.0
# Keep entries of a product below exp(_GROWTH_BUDGET) (no overflow).
_GROWTH_BUDGET = 200.0
_N_BATCHES = 32           # blocks for the standard error of the mean
_DENSE_MAX_ORBITALS = 24  # n <= this: vectorised dense products (faster up to n ~ 24:
#                            benchmarks/transfer_matrix.py, the switch table)
_Q_MAX_DENSE = 64         # longest re-orthogonalisation interval, dense and sparse products
_Q_MAX_SPARSE = 32


@dataclasses.dataclass(frozen=True)
class LocalizationLength:
    """Result of :func:`localization_length`.

    Attributes
    ----------
    xi, xi_err : float
        Localization length xi_M = 1 / gamma_min (lattice constants) and its
        one-sigma statistical error.
    Lambda, Lambda_err : float
        Reduced localization length xi_M / M and its error (M = width in sites).
    exponent, exponent_err : float
        Smallest positive Lyapunov exponent gamma_min (per lattice constant) and its error.
    exponents : numpy.ndarray
        All n positive Lyapunov exponents, descending (from the whole product).
    length_used : int
        Number of columns multiplied.
    width : int
    boundary : str
    n_blocks : int
        Number of blocks in the error estimate.
    converged : bool
        False when ``max_length`` was reached before ``target_error``.
    """

    xi: float
    xi_err: float
    Lambda: float
    Lambda_err: float
    exponent: float
    exponent_err: float
    exponents: np.ndarray
    length_used: int
    width: int
    boundary: str
    n_blocks: int
    converged: bool


def _cell_blocks(a, norbs, cell):
    """Per-site values as complex blocks (C, *cell, k, k)."""
    a = np.asarray(a, dtype=complex)
    if norbs == 1:
        a = a.reshape(a.shape + (1, 1))
    return a.reshape((a.shape[0],) + tuple(cell) + (norbs, norbs))


def _ribbon_atom_columns(geom, seed, disorder, flux, rashba, x0, x1):
    """Atom columns x0 <= i < x1 of a zigzag ribbon, in the layout of a square-lattice bar.

    The brick-wall cell (x, y) holds atoms 2x and 2x + 1
    (:mod:`andersonwl.honeycomb`); sliced by atom column instead, a zigzag ribbon
    is a square-lattice strip of ``width`` rows with every bond along x present
    (H_{2x+1, 2x} the bond inside a cell, H_{2x+2, 2x+1} the bond between cells:
    invertible blocks) and every other bond along y missing.  Returns
    :class:`~andersonwl.hamiltonian.SampleArrays` with s x s blocks (s = 1
    spinless: no orbital axes; s = 2 spinful), ``hop_x`` including the bond
    that leaves the last column, as :func:`andersonwl.hamiltonian.column_arrays`.
    """
    from ..hamiltonian import SampleArrays
    c0, c1 = x0 // 2, -(-x1 // 2)
    cells = column_arrays(geom, seed, disorder, flux, rashba, 0.0, c0, c1)
    s = geom.norbs // 2
    C, W = c1 - c0, geom.width
    on = cells.onsite.reshape(C, W, 2, s, 2, s)
    hx = cells.hop_x.reshape(C, W, 2, s, 2, s)
    hy = cells.hop_y.reshape(C, W - 1, 2, s, 2, s)

    def atoms(a, b):                     # (C, rows, s, s) -> (2 C, rows, s, s), atom minor
        return np.stack([a, b], axis=1).reshape((2 * C,) + a.shape[1:])

    cut = slice(x0 - 2 * c0, x1 - 2 * c0)
    onsite = atoms(on[:, :, 0, :, 0, :], on[:, :, 1, :, 1, :])[cut]
    hop_x = atoms(on[:, :, 1, :, 0, :], hx[:, :, 0, :, 1, :])[cut]
    hop_y = atoms(hy[:, :, 0, :, 0, :], hy[:, :, 1, :, 1, :])[cut]
    if s == 1:
        onsite, hop_x, hop_y = (a[..., 0, 0] for a in (onsite, hop_x, hop_y))
    return SampleArrays(np.ascontiguousarray(onsite), np.ascontiguousarray(hop_x),
                        np.ascontiguousarray(hop_y))


def _is_real(model) -> bool:
    """True when every transfer matrix of ``model`` is real (real arithmetic is exact).

    A spinless square-lattice model without a magnetic field: on-site
    disorder, hoppings and the (anti)periodic wrapping signs are real.  Any
    spin (exchange, Zeeman, spin-orbit, a spinful basis) or flux keeps the
    complex path.  Decided from the model, never from the numbers of a
    column, so a run uses one arithmetic from its first column to its last.
    """
    if getattr(model, "lattice", "square") != "square":
        return not model.spinful and model.flux == 0       # a spinless zigzag ribbon
    return model.norbs == 1 and model.flux == 0


def _as_real(ops):
    """The blocks of :func:`_column_operators` as real arrays (their imaginary parts are 0)."""
    d, lo, up, bm = ops
    blocks = [d, bm, *lo, *up]
    if any(np.any(b.imag != 0) for b in blocks):   # pragma: no cover - _is_real guards this
        raise RuntimeError("a model classified as real has complex transfer matrices")
    return d.real.copy(), [a.real.copy() for a in lo], [a.real.copy() for a in up], bm.real.copy()


def _column_operators(arrays, prev_hop, energy, norbs, cell, periodic):
    """Blocks of the column recursion, for a chunk of C columns.

    From row x of H psi = E psi with V_x = H_{x+1, x} (so H_{x, x+1} = V_x^dagger
    and H_{x, x-1} = V_{x-1}): V_x^dagger psi_{x+1} + (H_x - E) psi_x + V_{x-1}
    psi_{x-1} = 0, i.e. psi_{x+1}[c] = D psi_x[c] + sum_a (Lo_a psi_x[c - e_a]
    + Up_a psi_x[c + e_a]) + Bm psi_{x-1}[c], c a site of the cross-section,
    with D = V_x^-dagger (E - h_c), Bm = -V_x^-dagger V_{x-1} (per-site blocks).
    Returns D, [Lo_a], [Up_a], Bm, all (C, *cell, k, k), and V of the last
    column (the previous hop of the next chunk).
    """
    k, nd = norbs, len(cell)
    on = _cell_blocks(arrays.onsite, k, cell)
    hx = _cell_blocks(arrays.hop_x, k, cell)
    if k == 1:                                                        # (V_x^dagger)^-1
        vinv = 1.0 / hx.conj()
    else:
        vinv = np.linalg.inv(hx.conj().swapaxes(-1, -2))
    h_prev = np.concatenate([prev_hop[None], hx[:-1]], axis=0)        # V_{x-1}
    d = vinv @ (energy * np.eye(k) - on)
    bm = -vinv @ h_prev
    lo, up = [], []
    for a, hop in enumerate(transverse_hops(arrays)):
        hop = np.asarray(hop, dtype=complex)
        if k == 1:
            hop = hop[..., None, None]
        if not periodic:   # the missing bond (size-1) -> 0 along axis a is zero
            pad = [(0, 0)] * hop.ndim
            pad[1 + a] = (0, 1)
            hop = np.pad(hop, pad)
        lo.append(-vinv @ np.roll(hop, 1, axis=1 + a))                # H_{c, c-e_a}
        up.append(-vinv @ hop.conj().swapaxes(-1, -2))                # H_{c, c+e_a}
    assert len(lo) == nd
    return (d, lo, up, bm), hx[-1]


def _dense_transfer(ops, cell):
    """The (C, 2n, 2n) transfer matrices of a chunk from their blocks (their dtype)."""
    d, lo, up, bm = ops
    C, k = d.shape[0], d.shape[-1]
    S = int(np.prod(cell))
    n = S * k
    sites = np.arange(S).reshape(cell)
    flat = lambda blk: blk.reshape(C, S, k, k).transpose(1, 0, 2, 3)   # noqa: E731
    s = sites.ravel()
    a = np.zeros((C, S, k, S, k), d.dtype)
    a[:, s, :, s, :] += flat(d)
    for ax in range(len(cell)):
        a[:, s, :, np.roll(sites, 1, axis=ax).ravel(), :] += flat(lo[ax])
        a[:, s, :, np.roll(sites, -1, axis=ax).ravel(), :] += flat(up[ax])
    b = np.zeros((C, S, k, S, k), d.dtype)
    b[:, s, :, s, :] = flat(bm)
    t = np.zeros((C, 2 * n, 2 * n), d.dtype)
    t[:, :n, :n] = a.reshape(C, n, n)
    t[:, :n, n:] = b.reshape(C, n, n)
    t[:, n:, :n] = np.eye(n)
    return t


class _Product:
    """Running QR-stabilised product of transfer matrices."""

    def __init__(self, n, dtype=complex):
        self.n = n
        self.q = np.zeros((2 * n, n), dtype)
        self.q[:n] = np.eye(n)
        self.total = np.zeros(n)          # sum of log|R_ii|
        self.columns = 0
        self.record = []                  # per re-orthogonalisation: log|R_nn|
        self.record_cols = []

    def reorthogonalise(self, ncols):
        """QR of the (2n, n) block: log|R_ii| accumulate, Q = X R^-1 continues.

        Householder R (LAPACK geqrf) and Q from a triangular solve (trsm)
        instead of forming Q from the reflectors (orgqr): the same Q up to
        rounding, at about 60 % of the cost (benchmarks/transfer_matrix.py).
        Orthogonality stays at 1e-15 for blocks whose columns differ in size
        by e^18 (the re-orthogonalisation interval keeps them below
        e^_SPREAD_BUDGET); errors along earlier columns are projected out by
        the next QR and do not enter log|R_nn|.
        """
        x = self.q
        geqrf, = scipy.linalg.lapack.get_lapack_funcs(("geqrf",), (x,))
        trsm, = scipy.linalg.blas.get_blas_funcs(("trsm",), (x,))
        a, _, _, info = geqrf(x)
        if info != 0:    # pragma: no cover - LAPACK argument error
            raise RuntimeError(f"LAPACK geqrf failed (info = {info})")
        r = np.triu(a[:self.n])
        logs = np.log(np.abs(np.diagonal(r)))
        self.q = trsm(1.0, r, x, side=1, lower=0)
        self.total += logs
        self.columns += ncols
        self.record.append(logs[-1])
        self.record_cols.append(ncols)


def _advance_dense(prod, ops, q, cell):
    t = _dense_transfer(ops, cell)
    C = t.shape[0]
    groups = t.reshape(C // q, q, *t.shape[1:])
    p = groups[:, 0]
    for j in range(1, q):
        p = groups[:, j] @ p
    for g in range(p.shape[0]):
        prod.q = p[g] @ prod.q
        prod.reorthogonalise(q)


def _csr_pattern(cell, k, neighbours):
    """Row pointers and column indices of a per-site block operator on a cross-section.

    Row (s, i) of the n x n operator (n = sites * k, site s flattened in C
    order) holds, for every neighbour table b in ``neighbours`` (arrays of
    shape ``cell`` giving the column site of block b at each site), the k
    entries (nb_b[s], j).  The pattern is the same for every column of the
    bar; only the values change (:func:`_csr_values`).  Coinciding neighbours
    (width 1 or 2 with hard walls) give repeated entries, which the product
    sums, as the dense matrices of :func:`_dense_transfer` do.
    """
    S = int(np.prod(cell))
    nb = np.stack([np.asarray(t).ravel() for t in neighbours], axis=1)      # (S, B)
    cols = nb[:, None, :, None] * k + np.arange(k)[None, None, None, :]      # (S, i, B, j)
    cols = np.broadcast_to(cols, (S, k, nb.shape[1], k)).reshape(-1)
    per_row = nb.shape[1] * k
    indptr = np.arange(0, S * k * per_row + 1, per_row)
    return indptr.astype(np.int32), cols.astype(np.int32)


def _csr_values(blocks, cell):
    """Values of the per-site blocks in the order of :func:`_csr_pattern`.

    ``blocks`` are (C, *cell, k, k) arrays, one per neighbour table; returns (C, nnz).
    """
    C, k = blocks[0].shape[0], blocks[0].shape[-1]
    S = int(np.prod(cell))
    v = np.stack([b.reshape(C, S, k, k) for b in blocks], axis=2)          # (C, S, B, i, j)
    return np.ascontiguousarray(v.transpose(0, 1, 3, 2, 4)).reshape(C, -1)


def _advance_sparse(prod, ops, q, cell):
    """Apply a chunk's transfer matrices column by column as sparse operators.

    psi_{x+1} = A_x psi_x + B_x psi_{x-1} with A_x the site-local and
    nearest-neighbour blocks (one CSR matrix with a fixed pattern whose values
    are swapped column by column) and B_x block-diagonal (a per-orbital scale
    when k = 1), in the dtype of the blocks (real for a real model).
    """
    d, lo, up, bm = ops
    C, k = d.shape[0], d.shape[-1]
    n = prod.n
    sites = np.arange(int(np.prod(cell))).reshape(cell)
    tables = [sites]
    blocks = [d]
    for a in range(len(cell)):
        tables += [np.roll(sites, 1, axis=a), np.roll(sites, -1, axis=a)]
        blocks += [lo[a], up[a]]
    a_vals = _csr_values(blocks, cell)
    a_op = scipy.sparse.csr_matrix((a_vals[0], *_csr_pattern(cell, k, tables)[::-1]),
                                   shape=(n, n))
    if k == 1:
        b_vals = bm.reshape(C, n, 1)
    else:
        b_vals = _csr_values([bm], cell)
        b_op = scipy.sparse.csr_matrix((b_vals[0], *_csr_pattern(cell, k, [sites])[::-1]),
                                       shape=(n, n))
    cur = np.ascontiguousarray(prod.q[:n])
    prev = np.ascontiguousarray(prod.q[n:])
    for i in range(C):
        a_op.data = a_vals[i]
        new = a_op @ cur
        if k == 1:
            new += b_vals[i] * prev
        else:
            b_op.data = b_vals[i]
            new += b_op @ prev
        prev, cur = cur, new
        if (i + 1) % q == 0:
            prod.q = np.concatenate([cur, prev])
            prod.reorthogonalise(q)
            cur = np.ascontiguousarray(prod.q[:n])
            prev = np.ascontiguousarray(prod.q[n:])


def _estimate(prod):
    """gamma_min and its standard error from block means (first block dropped).

    The columns multiplied so far are cut into ``_N_BATCHES + 1`` blocks of
    (nearly) equal length; every re-orthogonalisation interval belongs to the
    block holding its midpoint.
    """
    rec = np.asarray(prod.record)
    cols = np.asarray(prod.record_cols, dtype=float)
    nb = _N_BATCHES
    if rec.size < 4 * (nb + 1):
        return math.nan, math.inf
    mid = np.cumsum(cols) - 0.5 * cols
    block = np.minimum((mid * (nb + 1) / cols.sum()).astype(int), nb)
    sums = np.bincount(block, weights=rec, minlength=nb + 1)[1:]
    lengths = np.bincount(block, weights=cols, minlength=nb + 1)[1:]
    if np.any(lengths == 0):
        return math.nan, math.inf
    means = sums / lengths
    gamma = sums.sum() / lengths.sum()
    return float(gamma), float(means.std(ddof=1) / math.sqrt(nb))


def _iterate(model, seed, periodic, max_length, chunk=None, *, wrap=1.0, breaks=()):
    """Grow the bar chunk by chunk; yield the running :class:`_Product` after each chunk.

    A chunk never crosses a column count in ``breaks``: the product is yielded
    exactly there (segments of :func:`segment_exponent`).
    """
    geom = geometry_of(model)._replace(length=1)
    cell = geom.shape[1:]                       # (width,) or (width, height)
    ribbon = geom.lattice != "square"           # a zigzag ribbon, sliced by atom column
    k = model.norbs // 2 if ribbon else model.norbs
    n = int(np.prod(cell)) * k
    dense = n <= _DENSE_MAX_ORBITALS
    if chunk is None:   # about 4 MB per (C, 2n, 2n) stack, or per (C, n, k, k) block array
        chunk = min(8192, max(256, 262144 // (4 * n * n) if dense else 65536 // n))
    lead = lead_arrays(lead_geometry(model), model.flux, model.rashba)
    if ribbon:      # the lead's bond from its last atom (1 of cell -1) into atom column 0
        hop = np.asarray(lead.hop_x).reshape(geom.width, 2, k, 2, k)[:, 0, :, 1, :]
        prev_hop = _cell_blocks(hop[None], k, cell)[0]
    else:
        prev_hop = _cell_blocks(np.asarray(lead.hop_x)[None], k, cell)[0]   # V_{-1}: lead
    real = _is_real(model)
    prod = _Product(n, float if real else complex)
    q = 4
    x0 = 0
    breaks = sorted(int(b) for b in breaks if 0 < b < max_length)
    while prod.columns < max_length:
        limit = next((b for b in breaks if b > prod.columns), max_length)
        remaining = limit - prod.columns
        q = min(q, remaining)
        ncols = (min(chunk, remaining) // q) * q
        if ribbon:
            arrays = _ribbon_atom_columns(geom, seed, model.disorder, model.flux,
                                          model.rashba, x0, x0 + ncols)
        else:
            arrays = column_arrays(geom, seed, model.disorder, model.flux, model.rashba,
                                   model.exchange, x0, x0 + ncols, periodic=periodic,
                                   zeeman=model.zeeman, wrap=wrap)
        ops, prev_hop = _column_operators(arrays, prev_hop, model.energy, k, cell, periodic)
        if real:
            ops = _as_real(ops)
        (_advance_dense if dense else _advance_sparse)(prod, ops, q, cell)
        x0 += ncols
        yield prod
        # next re-orthogonalisation interval from the exponents so far
        rates = prod.total / prod.columns
        spread = rates[0] - rates[-1] if n > 1 else 0.0
        q_new = _SPREAD_BUDGET / spread if spread > 0 else np.inf
        q_new = min(q_new, _GROWTH_BUDGET / max(rates[0], 1e-3),
                    _Q_MAX_DENSE if dense else _Q_MAX_SPARSE)
        q = max(1, int(q_new))


def _check_boundary(model, boundary) -> bool:
    """Validate ``boundary`` for ``model``; True when the bar wraps around."""
    _checks.choice("boundary", boundary, BOUNDARIES)
    if getattr(model, "lattice", "square") == "armchair":
        raise ValueError("transfer matrices need an invertible hopping between columns, and "
                         "an armchair ribbon's atom columns are joined on every other row "
                         "only: use the conductance engines (rgf, kwant) for armchair ribbons "
                         "(zigzag ribbons are supported)")
    periodic = boundary != "hardwall"
    if getattr(model, "lattice", "square") == "zigzag" and periodic:
        raise ValueError("a zigzag ribbon has hard walls (its zigzag edges): "
                         "boundary='hardwall' only")
    cell = geometry_of(model).shape[1:]         # (width,) or (width, height)
    if periodic and min(cell) < 3:
        raise ValueError(f"{boundary} boundaries need a cross-section of at least 3 sites "
                         f"along every transverse axis, got {cell}")
    W = model.width
    if periodic and abs(model.flux * W - round(model.flux * W)) > 1e-9:
        raise ValueError(f"{boundary} boundaries with a Landau-gauge field need flux * width "
                         f"integer, got {model.flux * W}")
    return periodic


def default_warmup(model) -> int:
    """Columns discarded before a segment: 50 x the largest transverse size, at least 100.

    The initial vectors align with the Lyapunov basis at the rate of the gap
    between the two smallest exponents, about 1/xi_M; xi_M = Lambda M with
    Lambda of order 1 near a transition, so 50 M columns leave a transient
    below e^-(50/Lambda).
    """
    return max(100, 50 * max(model.width, model.height))


@_blas.limited
def segment_exponent(model: StripModel, seed: int, *, boundary: str = "hardwall",
                     warmup: int | None = None) -> float:
    """Smallest positive Lyapunov exponent of one segment of a bar.

    The transfer-matrix observable of ensemble runs (``[run] observable = "lambda"``).

    Parameters
    ----------
    model : StripModel
        The cross-section, energy and couplings; ``model.length`` is the number
        of columns of the segment.
    seed : int
        Realisation seed: an independent bar (column x carries the disorder of
        column x of a strip with this seed).
    boundary : {"hardwall", "periodic", "antiperiodic"}
    warmup : int, optional
        Columns multiplied first and discarded (default :func:`default_warmup`).

    Returns
    -------
    float
        gamma = (sum of log ``|R_nn|`` over the segment) / ``model.length``, the
        estimate of the smallest positive Lyapunov exponent (per lattice
        constant) from the columns ``warmup <= x < warmup + length``.

    Notes
    -----
    MacKinnon and Kramer, Z. Phys. B 53, 1 (1983), as :func:`localization_length`.
    Independent segments (different seeds) give independent estimates whose
    mean is the ensemble estimate of gamma_min, with the standard error of the
    mean as its error: the segments play the role of the blocks of a single
    long product (Slevin and Ohtsuki, NJP 16, 015012 (2014)) and can be computed
    anywhere, checkpointed and resumed.  xi_M = 1/gamma, Lambda = xi_M / M.
    A pure function of its arguments: the same bits on any worker.
    """
    _checks.instance("model", model, StripModel)
    if model.dephasing > 0:
        raise ValueError("transfer matrices describe coherent propagation: dephasing must be 0")
    seed = check_seed(seed)
    if model.lattice != "square":
        raise ValueError("transfer-matrix segments (lambda ladders) are for square-lattice "
                         f"bars; for a {model.lattice} ribbon use localization_length")
    periodic = _check_boundary(model, boundary)
    warmup = default_warmup(model) if warmup is None else _checks.integer(
        "warmup", warmup, minimum=0)
    total = warmup + model.length
    start = None
    for prod in _iterate(model, seed, periodic, total, wrap=_WRAP[boundary],
                         breaks=(warmup,)):
        if start is None and prod.columns >= warmup:
            start = (prod.columns, len(prod.record))
    cols, first = start if warmup > 0 else (0, 0)
    if cols != warmup:  # pragma: no cover - _iterate stops at the break
        raise RuntimeError("the transfer-matrix product missed the end of the warm-up")
    return float(np.sum(prod.record[first:]) / (prod.columns - cols))


@_blas.limited
def localization_length(model: StripModel, target_error: float = 0.01, *, seed: int = 0,
                        boundary: str = "hardwall", max_length: int = 10_000_000,
                        min_length: int = 2048, chunk: int | None = None
                        ) -> LocalizationLength:
    """Localization length xi_M of a quasi-1D bar by the transfer-matrix method.

    Parameters
    ----------
    model : StripModel
        Gives the width M (sites), energy, disorder and all other Hamiltonian
        parameters.  ``model.length`` is ignored: the bar grows from column 0
        until the target error is reached.
    target_error : float, optional
        Wanted relative standard error of the smallest positive Lyapunov
        exponent (equal to that of xi_M), 0 < target_error < 1.
    seed : int, optional
        Realisation seed; column x of the bar carries the same disorder as
        column x of a strip with this seed (pure functions of (seed, site)).
    boundary : {"hardwall", "periodic", "antiperiodic"}, optional
        Transverse boundary conditions.  Periodic and antiperiodic (wrapping
        bonds times -1) need width >= 3 and, with a magnetic field, an integer
        flux * width (Landau gauge).
    max_length : int, optional
        Stop after this many columns even if the target is not reached
        (``converged`` is then False).
    min_length : int, optional
        Multiply at least this many columns.
    chunk : int, optional
        Columns generated at a time (memory only; default chosen from n).

    Returns
    -------
    LocalizationLength
        ``xi``, ``xi_err``, ``Lambda = xi / M``, ``Lambda_err``, the exponents,
        ``length_used`` and ``converged``.

    Raises
    ------
    ValueError
        On a bad target_error, boundary, max_length, min_length or chunk, a
        periodic bar narrower than 3 or with non-integer flux * width.

    Notes
    -----
    Method of MacKinnon and Kramer, Z. Phys. B 53, 1 (1983).  With
    ``V_x = H_{x+1, x}`` (the ``hop_x`` blocks) the transfer matrix of column x is::

        (psi_{x+1}, psi_x) = T_x (psi_x, psi_{x-1}),
        T_x = [[V_x^{-dagger} (E - H_x), -V_x^{-dagger} V_{x-1}], [1, 0]],

    (row x of H psi = E psi, with H_{x, x+1} = V_x^dagger and H_{x, x-1} = V_{x-1}),

    applied to n = M * norbs orthonormal vectors (n = M * height * norbs for a
    3D bar); every q columns (q chosen so that the vectors separate by at most
    about e^16) a QR decomposition re-orthogonalises them and ``log|R_ii|``
    accumulates into the Lyapunov exponents gamma_1 > ... > gamma_n > 0.
    xi_M = 1 / gamma_n in lattice constants (a = 1), t = 1, E measured from
    the band centre.  A zigzag graphene ribbon is multiplied atom column by
    atom column (:func:`_ribbon_atom_columns`; columns a/2 apart, so gamma per
    column is doubled into gamma per graphene lattice constant, and Lambda =
    xi / (width sqrt(3)/2), the ribbon's width in a).  For small n
    (<= 24) groups of q transfer matrices are multiplied densely and
    vectorised; otherwise the sparse column structure is applied directly
    (one CSR operator with a fixed pattern per column).  A spinless model
    without field (the 3D Anderson model, say) is multiplied in real
    arithmetic, every other model in complex: the same exponents to rounding
    (about 1e-9 relative), in half the memory traffic.

    Error: the columns multiplied are cut into 33 consecutive blocks of equal
    length; the first is dropped (transient of the initial vectors) and the
    standard error of the mean of the other 32 block estimates of gamma_n is
    the reported error (Slevin and Ohtsuki, NJP 16, 015012 (2014), who also use the
    statistical error of the Lyapunov exponent as the stopping criterion).
    Blocks grow with the product, so they become much longer than xi_M (the
    correlation length of the increments) at small target errors.

    Disorder: column x uses exactly the random numbers of site x of
    :mod:`andersonwl.hamiltonian` (via ``column_arrays``), so the bar is the
    infinite continuation of the strip with the same seed.  The product starts
    from a clean lead column (V_{-1} = lead hopping).
    """
    _checks.instance("model", model, StripModel)
    if model.dephasing > 0:
        raise ValueError("transfer matrices describe coherent propagation: dephasing must be 0")
    target_error = _checks.real("target_error", target_error, positive=True)
    if not target_error < 1:
        raise ValueError(f"target_error must be a number in (0, 1), got {target_error!r}")
    _checks.choice("boundary", boundary, BOUNDARIES)
    max_length = _checks.integer("max_length", max_length, minimum=1)
    min_length = _checks.integer("min_length", min_length, minimum=1)
    seed = check_seed(seed)
    periodic = _check_boundary(model, boundary)
    W = model.width
    if chunk is not None:
        chunk = _checks.integer("chunk", chunk, minimum=1)
    gamma, err = math.nan, math.inf
    converged = False
    checked = 0
    for prod in _iterate(model, seed, periodic, max_length, chunk, wrap=_WRAP[boundary]):
        if prod.columns < max(min_length, 1.05 * checked) and prod.columns < max_length:
            continue        # estimate every 5 % of growth (and at the end)
        checked = prod.columns
        gamma, err = _estimate(prod)
        if gamma > 0 and err <= target_error * gamma:
            converged = True
            break
    exponents = prod.total / prod.columns
    if not np.isfinite(gamma):
        gamma, err = float(exponents[-1]), math.inf
    M = W
    if model.lattice == "zigzag":
        # per atom column (a/2 apart) -> per lattice constant; the width in a
        exponents, gamma, err = 2 * exponents, 2 * gamma, 2 * err
        M = model.extent[1]
    xi = 1.0 / gamma if gamma > 0 else math.inf
    xi_err = err / gamma**2 if gamma > 0 else math.inf
    return LocalizationLength(xi=xi, xi_err=xi_err, Lambda=xi / M, Lambda_err=xi_err / M,
                              exponent=gamma, exponent_err=err, exponents=exponents,
                              length_used=prod.columns, width=W, boundary=boundary,
                              n_blocks=_N_BATCHES, converged=converged)
