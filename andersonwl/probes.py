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
so a probe alone gives the electron a lifetime hbar/dephasing.
The Green's function is computed densely: cost O((length width norbs)^3),
meant for samples up to a few thousand orbitals.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la

from ._random import check_seed
from .systems import kwant_params, make_system

__all__ = ["dephased_conductance", "terminal_transmissions"]


def _self_energies(model, syst, params):
    n = model.norbs
    out = []
    for i, lead in enumerate(syst.leads):
        sigma = lead.selfenergy(model.energy, params=params)
        sites = np.asarray(syst.lead_interfaces[i])
        orbs = (sites[:, None] * n + np.arange(n)[None, :]).ravel()
        out.append((orbs, sigma))
    return out


def terminal_transmissions(model, seed: int = 0, dephasing: float = 0.0) -> np.ndarray:
    """Transmissions between all terminals: lead 0 (L), lead 1 (R), then one probe per site.

    Returns
    -------
    numpy.ndarray, shape (2 + sites, 2 + sites)
        T[i, j]: transmission from terminal j into terminal i, in e^2/h.
    """
    if not (np.isfinite(dephasing) and dephasing >= 0):
        raise ValueError(f"dephasing must be finite and non-negative, got {dephasing}")
    seed = check_seed(seed)
    syst = make_system(model)
    params = kwant_params(model, seed)
    n = model.norbs
    h = syst.hamiltonian_submatrix(params=params, sparse=False)
    nsites = h.shape[0] // n
    a = model.energy * np.eye(h.shape[0], dtype=complex) - h
    leads = _self_energies(model, syst, {"flux": model.flux, "rashba": model.rashba})
    for orbs, sigma in leads:
        a[np.ix_(orbs, orbs)] -= sigma
    a[np.diag_indices_from(a)] += 0.5j * dephasing
    g = la.inv(a)
    gammas = [(orbs, 1j * (s - s.conj().T)) for orbs, s in leads]
    nterm = 2 + nsites
    t = np.zeros((nterm, nterm))
    # lead-lead
    for i, (oi, gi) in enumerate(gammas):
        for j, (oj, gj) in enumerate(gammas):
            if i != j:
                gij = g[np.ix_(oi, oj)]
                t[i, j] = np.real(np.trace(gi @ gij @ gj @ gij.conj().T))
    if dephasing > 0:
        gs = g.reshape(nsites, n, nsites, n)
        # probe-probe: dephasing^2 sum_orbitals |G_pq|^2
        t[2:, 2:] = dephasing**2 * np.einsum("iajb->ij", np.abs(gs) ** 2)
        np.fill_diagonal(t[2:, 2:], 0.0)
        for k, (ok, gk) in enumerate(gammas):
            gpk = g[:, ok].reshape(nsites, n, ok.size)           # probe rows, lead columns
            gkp = g[ok, :].reshape(ok.size, nsites, n)
            # T_pk = dephasing Tr_p[G_pk Gamma_k G_pk^+]; T_kp = dephasing Tr[Gamma_k G_kp G_kp^+]
            t[2:, k] = dephasing * np.real(np.einsum("pal,lm,pam->p", gpk, gk, gpk.conj()))
            t[k, 2:] = dephasing * np.real(np.einsum("lpa,lm,mpa->p", gkp.conj(), gk, gkp))
    return t


def dephased_conductance(model, seed: int = 0, dephasing: float = 0.0) -> float:
    """Effective two-terminal conductance g = G/(e^2/h) with voltage-probe dephasing.

    Parameters
    ----------
    model : StripModel
    seed : int
    dephasing : float
        Probe coupling Gamma (units of t) on every site; 0 gives the coherent
        Landauer conductance.

    Returns
    -------
    float
        g_eff = T_RL + sum_p T_Rp V_p with the probe voltages V_p fixed by zero
        probe currents (see module notes), summed over spin.
    """
    t = terminal_transmissions(model, seed, dephasing)
    if dephasing == 0:
        return float(t[1, 0])
    tp = t[2:, 2:]
    m = -tp.copy()
    np.fill_diagonal(m, t[:, 2:].sum(axis=0))      # sum_{j != p} T_jp (T_pp = 0)
    v = la.solve(m, t[2:, 0])
    return float(t[1, 0] + t[1, 2:] @ v)
