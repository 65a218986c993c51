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
# exp(_SPREAD_BUDGET) (relative precision kept for the smallest exponent:
# about 1e-16 * exp(16) ~ 1e-9 per step).
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
    vinv = np.linalg.inv(hx.conj().swapaxes(-1, -2))                  # (V_x^dagger)^-1
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
    """The (C, 2n, 2n) transfer matrices of a chunk from their blocks."""
    d, lo, up, bm = ops
    C, k = d.shape[0], d.shape[-1]
    S = int(np.prod(cell))
    n = S * k
    sites = np.arange(S).reshape(cell)
    flat = lambda blk: blk.reshape(C, S, k, k).transpose(1, 0, 2, 3)   # noqa: E731
    s = sites.ravel()
    a = np.zeros((C, S, k, S, k), complex)
    a[:, s, :, s, :] += flat(d)
    for ax in range(len(cell)):
        a[:, s, :, np.roll(sites, 1, axis=ax).ravel(), :] += flat(lo[ax])
        a[:, s, :, np.roll(sites, -1, axis=ax).ravel(), :] += flat(up[ax])
    b = np.zeros((C, S, k, S, k), complex)
    b[:, s, :, s, :] = flat(bm)
    t = np.zeros((C, 2 * n, 2 * n), complex)
    t[:, :n, :n] = a.reshape(C, n, n)
    t[:, :n, n:] = b.reshape(C, n, n)
    t[:, n:, :n] = np.eye(n)
    return t


class _Product:
    """Running QR-stabilised product of transfer matrices."""

    def __init__(self, n):
        self.n = n
        self.q = np.zeros((2 * n, n), complex)
        self.q[:n] = np.eye(n)
        self.total = np.zeros(n)          # sum of log|R_ii|
        self.columns = 0
        self.record = []                  # per re-orthogonalisation: log|R_nn|
        self.record_cols = []

    def reorthogonalise(self, ncols):
        q, r = np.linalg.qr(self.q)
        logs = np.log(np.abs(np.diagonal(r)))
        self.q = q
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


def _advance_sparse(prod, ops, q, cell):
    d, lo, up, bm = ops
    C, k = d.shape[0], d.shape[-1]
    n = prod.n
    if k == 1:          # scalar blocks: (C, *cell, 1) times vectors (*cell, n)
        d, bm = d[..., 0], bm[..., 0]
        lo, up = [a[..., 0] for a in lo], [a[..., 0] for a in up]
        shape, mul = tuple(cell) + (n,), np.multiply
    else:               # 2 x 2 blocks: (C, *cell, k, k) @ (*cell, k, n)
        shape, mul = tuple(cell) + (k, n), np.matmul
    axes = range(len(cell))
    cur = prod.q[:n].reshape(shape)
    prev = prod.q[n:].reshape(shape)
    for i in range(C):
        new = mul(d[i], cur) + mul(bm[i], prev)
        for a in axes:
            new += mul(lo[a][i], np.roll(cur, 1, axis=a))
            new += mul(up[a][i], np.roll(cur, -1, axis=a))
        prev, cur = cur, new
        if (i + 1) % q == 0:
            prod.q = np.concatenate([cur.reshape(n, n), prev.reshape(n, n)])
            prod.reorthogonalise(q)
            cur = prod.q[:n].reshape(shape)
            prev = prod.q[n:].reshape(shape)


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
    k = model.norbs
    n = int(np.prod(cell)) * k
    dense = n <= _DENSE_MAX_ORBITALS
    if chunk is None:   # about 4 MB per (C, 2n, 2n) stack, or per (C, n, k, k) block array
        chunk = min(8192, max(256, 262144 // (4 * n * n) if dense else 65536 // n))
    lead = lead_arrays(lead_geometry(model), model.flux, model.rashba)
    prev_hop = _cell_blocks(np.asarray(lead.hop_x)[None], k, cell)[0]   # V_{-1}: lead
    prod = _Product(n)
    q = 4
    x0 = 0
    breaks = sorted(int(b) for b in breaks if 0 < b < max_length)
    while prod.columns < max_length:
        limit = next((b for b in breaks if b > prod.columns), max_length)
        remaining = limit - prod.columns
        q = min(q, remaining)
        ncols = (min(chunk, remaining) // q) * q
        arrays = column_arrays(geom, seed, model.disorder, model.flux, model.rashba,
                               model.exchange, x0, x0 + ncols, periodic=periodic,
                               zeeman=model.zeeman, wrap=wrap)
        ops, prev_hop = _column_operators(arrays, prev_hop, model.energy, k, cell, periodic)
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
    if getattr(model, "lattice", "square") != "square":
        raise ValueError(f"transfer matrices need an invertible hopping between columns; the "
                         f"{model.lattice} ribbon's unit cells are joined by single bonds: "
                         "use the conductance engines (rgf, kwant) for graphene ribbons")
    periodic = boundary != "hardwall"
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
    the band centre.  For small n
    (<= 24) groups of q transfer matrices are multiplied densely and
    vectorised; otherwise the sparse column structure is applied directly.

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
    xi = 1.0 / gamma if gamma > 0 else math.inf
    xi_err = err / gamma**2 if gamma > 0 else math.inf
    return LocalizationLength(xi=xi, xi_err=xi_err, Lambda=xi / W, Lambda_err=xi_err / W,
                              exponent=gamma, exponent_err=err, exponents=exponents,
                              length_used=prod.columns, width=W, boundary=boundary,
                              n_blocks=_N_BATCHES, converged=converged)
