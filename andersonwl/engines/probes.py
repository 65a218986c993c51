"""Dephasing by Buttiker voltage probes.

Every site of the sample is coupled to its own fictitious wide-band lead, a
voltage probe with self-energy -i (dephasing/2) on each orbital.  Electrons
entering a probe are re-emitted with a random phase; the probe voltages are
fixed by requiring zero net current in every probe, which leaves an effective
two-terminal conductance (Buttiker, PRB 33, 3020 (1986); IBM J. Res. Dev. 32,
63 (1988); D'Amato and Pastawski, PRB 41, 7411 (1990)).

Unlike an imaginary potential, which only absorbs, voltage probes conserve
current and keep the Onsager relation g(flux) = g(-flux) of two terminals.

Notes
-----
With T_ij the transmission from terminal j into terminal i (Landauer-Buttiker,
in e^2/h, summed over spin) the current into the sample from terminal i is
I_i = sum_{j != i} (T_ji V_i - T_ij V_j).  With V_L = 1, V_R = 0 and I_p = 0 for
every probe p, the probe voltages solve M V = b with
M_pp = sum_{j != p} T_jp, M_pq = -T_pq, b_p = T_pL, and
g_eff = T_RL + sum_p T_Rp V_p.

T_ij = Tr[Gamma_i G Gamma_j G^dagger] (Fisher and Lee, PRB 23, 6851 (1981))
with the retarded Green's function of the sample, the leads' and probes'
self-energies included; dephasing is the probe coupling Gamma in units of t,
so a probe alone gives the electron a lifetime hbar/dephasing and the phase a
relaxation rate 1/tau_phi = Gamma/hbar (L_phi = sqrt(hbar D / Gamma) in a
diffusive sample; see :func:`andersonwl.analysis.fit_probe_series`).  Each
probe covers all orbitals of its site (spin-independent re-injection).  On a
graphene ribbon every *atom* has its own probe (two per unit cell, covering
the atom's spin orbitals): the probe is a property of the atom, not of the
brick-wall cell that bundles two of them (:func:`orbitals_per_probe`).

Every block of G is needed (T_pq = Gamma^2 sum |G_pq|^2 for every pair of
probes).  It comes from a block recursion over the columns
(``_green_function``, cost about L^2 n^3 for L columns of n orbitals,
against (L n)^3 for a dense inverse), built from the same Hamiltonian arrays
and cached lead self-energies as the RGF engine.  The probe voltages then need
one solve of the (sites x sites) probe matrix: dense up to
:data:`DENSE_MAX_SITES` sites, preconditioned GMRES above.  Measured per
realisation, one thread, dephasing 0.1 (``benchmarks/probes.py``): 24 x 24
0.017 s, 30 x 30 0.041 s, 40 x 40 0.092 s, 50 x 50 0.25 s; 60 x 60 0.5-0.75 s
for dephasing 0.05-0.5.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la

from .. import _checks
from .._random import check_seed
from ..hamiltonian import model_arrays
from .leads import (
    as_blocks,
    block_diag_dense,
    cross_section,
    lead_data,
    slice_layout,
    slice_values,
    transverse_hops,
)
from .rgf import _inv

__all__ = ["dephased_conductance", "terminal_transmissions", "orbitals_per_probe",
           "probe_count"]


def orbitals_per_probe(model) -> int:
    """Orbitals one probe covers: a site's (square lattice), an atom's (ribbon: norbs / 2)."""
    if getattr(model, "lattice", "square") != "square":
        return model.norbs // 2
    return model.norbs


def probe_count(model) -> int:
    """Number of voltage probes: one per site, or one per atom of a ribbon."""
    return model.length * model.width * model.height * model.norbs // orbitals_per_probe(model)


def _blocks(model, seed, dephasing):
    """Block-tridiagonal E - H - Sigma_L - Sigma_R + i dephasing / 2 of the sample.

    Returns ``(d, v, leads)``: the diagonal blocks d[x] (column x, shape
    (L, n, n)), the dense column hoppings v[x] = V_x = H_{x+1, x} (so the
    off-diagonal blocks are -V_x below and -V_x^dagger above the diagonal), and
    the cached :class:`andersonwl.engines.leads.LeadData`.  Orbital order in a column
    is the slice order of :mod:`andersonwl.engines.leads` (site of the cross-section,
    then spin); the blocks are those of every other engine
    (:func:`andersonwl.hamiltonian.model_arrays`).
    """
    k = model.norbs
    sample, _ = model_arrays(model, seed)
    leads = lead_data(model)
    layout = slice_layout(cross_section(sample, k, 1), k)
    n, L = layout.n, model.length
    d = np.zeros((L, n * n), dtype=complex)
    d[:, layout.index] = slice_values(sample.onsite, transverse_hops(sample), model.energy, k)
    d = d.reshape(L, n, n)
    d[:, np.arange(n), np.arange(n)] += 0.5j * dephasing
    d[0] -= leads.sigma_left
    d[-1] -= leads.sigma_right
    v = block_diag_dense(as_blocks(sample.hop_x, k, 1))   # (L-1, S, k, k) site blocks
    return d, v, leads


def _dense(d, v):
    """The dense (L n, L n) matrix of the blocks of :func:`_blocks` (for checks)."""
    L, n, _ = d.shape
    a = np.zeros((L, n, L, n), dtype=complex)
    x = np.arange(L)
    a[x, :, x, :] = d
    a[x[1:], :, x[:-1], :] = -v
    a[x[:-1], :, x[1:], :] = -v.conj().transpose(0, 2, 1)
    return a.reshape(L * n, L * n)


def _green_function(d, v):
    """Every block G_{yx} of the inverse of the block-tridiagonal matrix of :func:`_blocks`.

    Recursive Green's functions (MacKinnon, Z. Phys. B 59, 385 (1985); Lake et
    al., J. Appl. Phys. 81, 7845 (1997)): with the left- and right-connected
    g^L_x = (d_x - V_{x-1} g^L_{x-1} V_{x-1}^dagger)^-1 and
    g^R_x = (d_x - V_x^dagger g^R_{x+1} V_x)^-1,

        G_xx = (d_x - V_{x-1} g^L_{x-1} V_{x-1}^dagger - V_x^dagger g^R_{x+1} V_x)^-1,
        G_yx = g^R_y V_{y-1} G_{y-1,x}   (y > x),
        G_yx = g^L_y V_y^dagger G_{y+1,x}   (y < x).

    Cost 3 L n^3 for the inversions and L^2 n^3 for the propagation, against
    (L n)^3 for a dense inverse.  Returns the dense (L n, L n) array.
    """
    L, n, _ = d.shape
    vd = v.conj().transpose(0, 2, 1)
    left = [None] * L                   # V_{x-1} g^L_{x-1} V_{x-1}^dagger: left part of Sigma at x
    right = [None] * L
    gl, gr = [None] * L, [None] * L
    sig = np.zeros((n, n), dtype=complex)
    for x in range(L):
        left[x] = sig
        gl[x] = _inv(d[x] - sig)
        if x + 1 < L:
            sig = v[x] @ gl[x] @ vd[x]
    sig = np.zeros((n, n), dtype=complex)
    for x in range(L - 1, -1, -1):
        right[x] = sig
        gr[x] = _inv(d[x] - sig)
        if x > 0:
            sig = vd[x - 1] @ gr[x] @ v[x - 1]
    g = np.empty((L, n, L, n), dtype=complex)
    for x in range(L):
        g[x, :, x, :] = _inv(d[x] - left[x] - right[x])
    for y in range(1, L):               # below the diagonal, all columns x < y at once
        g[y, :, :y, :] = ((gr[y] @ v[y - 1]) @ g[y - 1, :, :y, :].reshape(n, -1)).reshape(n, y, n)
    for y in range(L - 2, -1, -1):      # above the diagonal, all columns x > y at once
        g[y, :, y + 1:, :] = ((gl[y] @ vd[y]) @ g[y + 1, :, y + 1:, :].reshape(n, -1)
                              ).reshape(n, L - 1 - y, n)
    return g.reshape(L * n, L * n)


def terminal_transmissions(model, seed: int = 0, dephasing: float = 0.0) -> np.ndarray:
    """Transmissions between all terminals: lead 0 (L), lead 1 (R), then one probe per site.

    Parameters
    ----------
    model : StripModel
        The sample (its own ``dephasing`` field is ignored: the coupling is
        the argument).
    seed : int
        Realisation seed.
    dephasing : float
        Probe coupling Gamma (units of t) on every orbital of every site.

    Returns
    -------
    numpy.ndarray, shape (2 + sites, 2 + sites)
        T[i, j]: transmission from terminal j into terminal i, in e^2/h,
        summed over spin.  Probes are numbered column by column (site
        x * width + y; a 3D bar: (x * width + y) * height + z; a ribbon's atom
        (2 x + a, y): (x * width + y) * 2 + a).
    """
    dephasing = _checks.real("dephasing", dephasing, minimum=0)
    seed = check_seed(seed)
    d, v, leads = _blocks(model, seed, dephasing)
    g = _green_function(d, v)
    k = orbitals_per_probe(model)
    n = leads.sigma_left.shape[0]
    nsites = g.shape[0] // k
    # Gamma_L = A A^dagger on the first column, Gamma_R = B B^dagger on the last
    sq = [(slice(0, n), leads.gamma_left_sqrt),
          (slice(g.shape[0] - n, None), leads.gamma_right_sqrt)]
    t = np.zeros((2 + nsites, 2 + nsites))
    for i, (ci, si) in enumerate(sq):
        for j, (cj, sj) in enumerate(sq):
            if i != j:     # Fisher-Lee: T_ij = Tr[Gamma_i G_ij Gamma_j G_ij^dagger]
                t[i, j] = float(np.sum(np.abs(si.conj().T @ g[ci, cj] @ sj) ** 2))
    if dephasing > 0:
        # probe p has Gamma_p = dephasing on its k orbitals
        t[2:, 2:] = dephasing**2 * (np.abs(g) ** 2).reshape(nsites, k, nsites, k).sum(axis=(1, 3))
        np.fill_diagonal(t[2:, 2:], 0.0)
        for j, (cj, sj) in enumerate(sq):
            into = np.abs(g[:, cj] @ sj) ** 2               # |G_{p, lead} A|^2: T_{p, lead}
            out = np.abs(sj.conj().T @ g[cj, :]) ** 2       # |A^dagger G_{lead, p}|^2: T_{lead, p}
            t[2:, j] = dephasing * into.reshape(nsites, -1).sum(axis=1)
            t[j, 2:] = dephasing * out.T.reshape(nsites, -1).sum(axis=1)
    return t


def dephased_conductance(model, seed: int = 0, dephasing: float | None = None) -> float:
    """Effective two-terminal conductance g = G/(e^2/h) with voltage-probe dephasing.

    The ``"probes"`` engine.

    Parameters
    ----------
    model : StripModel
    seed : int
    dephasing : float, optional
        Probe coupling Gamma (units of t) on every site (default: the model's
        ``dephasing``); 0 gives the coherent Landauer conductance.

    Returns
    -------
    float
        g_eff = T_RL + sum_p T_Rp V_p with the probe voltages V_p fixed by zero
        probe currents (see module notes), summed over spin.
    """
    if dephasing is None:
        dephasing = model.dephasing
    t = terminal_transmissions(model, seed, dephasing)
    if dephasing == 0:
        return float(t[1, 0])
    m = -t[2:, 2:]
    np.fill_diagonal(m, t[:, 2:].sum(axis=0))      # sum_{j != p} T_jp (T_pp = 0)
    v = _probe_voltages(m, t[2:, 0])
    return float(t[1, 0] + t[1, 2:] @ v)


#: probe systems up to this many sites are solved densely, larger ones by GMRES
DENSE_MAX_SITES = 1024


def _probe_voltages(m, b, *, dense_max=None):
    """Solve M V = b for the probe voltages (M is overwritten).

    M is column diagonally dominant (M_pp = sum_{j != p} T_jp >= sum_{q != p} T_qp,
    strictly where a lead is reachable), so GMRES with a Jacobi preconditioner
    converges in a few tens of iterations (measured 14-40 on 60 x 60 sites for
    Gamma = 0.01-0.2, residual 1e-13, g to 3e-13 of the dense solution) at the
    cost of O(sites^2) per iteration instead of O(sites^3) for the LU.  Small
    systems, and any GMRES run that does not converge, are solved densely.
    """
    import scipy.sparse.linalg as sla
    n = b.size
    if n <= (DENSE_MAX_SITES if dense_max is None else dense_max):
        return la.solve(m, b, overwrite_a=True, check_finite=False)
    diag = np.diag(m).copy()
    pre = sla.LinearOperator(m.shape, matvec=lambda z: z / diag, dtype=float)
    v, info = sla.gmres(m, b, x0=b / diag, M=pre, rtol=1e-13, atol=0.0, restart=min(n, 200),
                        maxiter=50)
    if info != 0:
        return la.solve(m, b, overwrite_a=True, check_finite=False)
    return v
