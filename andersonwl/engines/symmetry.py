"""Numerical symmetry classification of a disordered realisation.

The Wigner-Dyson class is decided from the Hamiltonian of a disordered
realisation, not read off the parameters (Evers and Mirlin, RMP 80, 1355
(2008), Sec. I.C; Altland and Zirnbauer's scheme restricted to classes
without chiral or particle-hole symmetry):

1. Unitary symmetries: solve the linear equations V H = H V for V
   block-diagonal in the sites (any on-site unitary, a different one on each
   site, so gauge transformations are included).  If the solutions are more
   than multiples of the identity (for example spin rotations in a model
   without spin-orbit coupling), H splits into sectors; one sector is taken
   (projected onto an eigenspace of a generic Hermitian solution) and
   classified.
2. Antiunitary symmetries T = U K (K complex conjugation) commuting with H:
   solve U H* = H U for block-diagonal U.  No solution: class A (unitary).
   One solution: T^2 = U U* = +1 gives AI (orthogonal), -1 gives AII
   (symplectic, Kramers degeneracy).
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg as la

from .. import _blas, _checks
from .._random import check_seed
from ..hamiltonian import geometry_of, sample_arrays

__all__ = ["symmetry_class", "find_symmetries", "CLASSES"]

CLASSES = ("AI", "AII", "A")


def _blocks_from_arrays(arrays, shape):
    """Nonzero Hamiltonian blocks as a dict {(i, j): H_ij}, sites numbered in C order."""
    onsite = arrays.onsite
    dim = len(shape)
    n = 1 if onsite.ndim == dim else onsite.shape[-1]
    index = np.arange(int(np.prod(shape))).reshape(shape)
    blocks = {}
    for site in itertools.product(*map(range, shape)):
        i = index[site]
        blocks[i, i] = np.asarray(onsite[site], dtype=complex).reshape(n, n)
        for axis in range(dim):
            if site[axis] + 1 < shape[axis]:
                nxt = tuple(s + (a == axis) for a, s in enumerate(site))
                h = np.asarray(arrays[1 + axis][site], dtype=complex).reshape(n, n)
                blocks[index[nxt], i] = h
                blocks[i, index[nxt]] = h.conj().T
    return blocks, index.size, n


def _null_space(blocks, nsites, n, antiunitary):
    """Block-diagonal solutions u of u_i X_ij = H_ij u_j, X = H* or H; shape (k, nsites, n, n)."""
    m = n * n
    rows = []
    eye = np.eye(n)
    for (i, j), h in blocks.items():
        x = h.conj() if antiunitary else h
        row = np.zeros((m, nsites * m), dtype=complex)
        # row-major vec: vec(u X) = (1 kron X^T) vec(u), vec(H u) = (H kron 1) vec(u)
        row[:, i * m:(i + 1) * m] += np.kron(eye, x.T)
        row[:, j * m:(j + 1) * m] -= np.kron(h, eye)
        rows.append(row)
    mat = np.vstack(rows)
    # more equations than unknowns: vh spans the whole space of unknowns
    _, s, vh = la.svd(mat, full_matrices=False)
    scale = max(s[0], 1.0)
    null = vh[s < 1e-9 * scale].conj()
    return null.reshape(-1, nsites, n, n)


def _project_sector(blocks, nsites, n, comm, rng):
    """Restrict H to one eigen-sector of a generic Hermitian unitary symmetry."""
    a = np.zeros((nsites, n, n), dtype=complex)
    for v in comm:
        c1, c2 = rng.standard_normal(2)
        vh = np.conj(np.swapaxes(v, -1, -2))
        a += c1 * (v + vh) + c2 * 1j * (v - vh)
    projectors = []
    target = None
    for i in range(nsites):
        w, vecs = np.linalg.eigh(a[i])
        if target is None:
            target = w[0]
        sel = np.abs(w - target) < 1e-6 * max(1.0, np.abs(w).max())
        projectors.append(vecs[:, sel])
    ns = projectors[0].shape[1]
    if any(p.shape[1] != ns for p in projectors) or ns == n:
        raise RuntimeError("could not split the Hamiltonian into symmetry sectors")
    new = {(i, j): projectors[i].conj().T @ h @ projectors[j] for (i, j), h in blocks.items()}
    return new, ns


@_blas.limited
def find_symmetries(model, seed: int = 0, *, patch: int = 10) -> dict:
    """Symmetries of a disordered realisation of ``model``.

    Parameters
    ----------
    model : StripModel
    seed : int
        Realisation whose Hamiltonian is analysed.
    patch : int
        The analysis uses the sites with x, y < patch (x, y, z < patch // 2,
        at least 3, for a 3D bar; the whole sample when it is smaller): a
        patch of the same realisation, with the same local terms, keeps the
        linear algebra small (a dense SVD of about
        (3 patch^2 n^2) x (patch^2 n^2)).

    Returns
    -------
    dict
        ``unitary``: the number of independent block-diagonal unitary
        symmetries (1 means only the identity); ``sector_orbitals``: orbitals
        per site in the sector classified; ``antiunitary``: number of
        antiunitary solutions in that sector; ``t_squared``: +1, -1 or None;
        ``class``: "AI", "AII" or "A".
    """
    seed = check_seed(seed)
    patch = _checks.integer("patch", patch, minimum=2)
    geom = geometry_of(model)
    side = patch if geom.height == 1 else max(3, patch // 2)
    sub = geom._replace(length=min(geom.length, side), width=min(geom.width, side),
                        height=min(geom.height, side))
    arrays = sample_arrays(sub, seed, model.disorder, model.flux, model.rashba,
                           model.exchange, model.zeeman)
    blocks, nsites, n = _blocks_from_arrays(arrays, sub.shape)
    comm = _null_space(blocks, nsites, n, antiunitary=False)
    info = {"unitary": len(comm)}
    if len(comm) > 1:
        blocks, n = _project_sector(blocks, nsites, n, comm, np.random.default_rng(1234))
        if len(_null_space(blocks, nsites, n, antiunitary=False)) != 1:
            raise RuntimeError("a unitary symmetry remains after projection")
    info["sector_orbitals"] = n
    anti = _null_space(blocks, nsites, n, antiunitary=True)
    info["antiunitary"] = len(anti)
    if len(anti) == 0:
        info.update(t_squared=None, **{"class": "A"})
        return info
    if len(anti) > 1:
        raise RuntimeError("several antiunitary symmetries in a sector without unitary ones")
    u = anti[0]
    uu = u @ u.conj()                       # T^2 = U U*, block by block
    c = np.trace(uu, axis1=-2, axis2=-1).mean() / n
    resid = np.abs(uu - c * np.eye(n)).max()
    if resid > 1e-6 * abs(c) or abs(c.imag) > 1e-6 * abs(c):
        raise RuntimeError("antiunitary symmetry with T^2 not proportional to +-1")
    sign = 1 if c.real > 0 else -1
    info.update(t_squared=sign, **{"class": "AI" if sign > 0 else "AII"})
    return info


def symmetry_class(model, seed: int = 0, *, patch: int = 10) -> str:
    """Wigner-Dyson class of ``model``: "AI", "AII" or "A", found numerically.

    See :func:`find_symmetries` for the method.  AI: time reversal with
    T^2 = +1 (orthogonal; weak localization).  AII: T^2 = -1 (symplectic;
    Kramers pairs, weak anti-localization).  A: no antiunitary symmetry
    (unitary; field or magnetic impurities).
    """
    return find_symmetries(model, seed, patch=patch)["class"]
