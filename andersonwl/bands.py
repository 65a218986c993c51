"""Clean-lattice facts: dispersion, band and lead-subband edges, k_F, velocities, density of states.

Conventions
-----------
Square lattice, a = 1, t = 1, energies from the band centre:
eps(k) = -2 (cos kx + cos ky), clean band [-4, 4] (cubic lattice: [-6, 6]).
A hard-wall lead of width W (and height H) has transverse energies
eps_n = -2 cos(n pi / (W + 1)) [- 2 cos(m pi / (H + 1))] and subbands
E = eps_n - 2 cos k, whose edges (thresholds) are eps_n +- 2.
Brillouin-zone averages use one midpoint grid, :func:`k_grid`.
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["k_grid", "dispersion", "rashba_band_edge", "transverse_energies",
           "subband_thresholds", "lead_band_edge", "fermi_wavevector", "fermi_surface_average",
           "born_rate"]


def k_grid(n: int) -> np.ndarray:
    """The n midpoints ``-pi + (j + 1/2) 2 pi / n`` of the Brillouin zone, j = 0 .. n-1."""
    return (np.arange(n) + 0.5) * 2 * np.pi / n - np.pi


def dispersion(kx, ky):
    """eps(k) = -2 (cos kx + cos ky) of the clean square lattice (t = a = 1)."""
    return -2 * (np.cos(kx) + np.cos(ky))


@functools.lru_cache(maxsize=256)
def rashba_band_edge(rashba: float) -> float:
    """Largest abs(E) of the clean 2D Rashba band.

    E(k) = -2 (cos kx + cos ky) +- rashba * sqrt(sin^2 kx + sin^2 ky)
    (t = 1, a = 1), maximised on the grid of :func:`k_grid` (400 points per
    axis, plus the zone corner).  Equals 4 for rashba = 0.
    """
    if rashba == 0:
        return 4.0
    k = np.concatenate([k_grid(400), [np.pi]])
    kx, ky = np.meshgrid(k, k)
    e0 = dispersion(kx, ky)
    s = abs(rashba) * np.hypot(np.sin(kx), np.sin(ky))
    return float(max(np.max(np.abs(e0 + s)), np.max(np.abs(e0 - s))))


def transverse_energies(width: int, height: int = 1) -> np.ndarray:
    """eps_n of the hard-wall cross-section, all n (and m for a bar), flattened."""
    eps = -2 * np.cos(np.arange(1, width + 1) * np.pi / (width + 1))
    if height > 1:
        epz = -2 * np.cos(np.arange(1, height + 1) * np.pi / (height + 1))
        eps = (eps[:, None] + epz[None, :]).ravel()
    return eps


def subband_thresholds(width: int, height: int = 1) -> np.ndarray:
    """Energies eps_n +- 2 where a subband of a plain (spinless, field-free) lead opens."""
    eps = transverse_energies(width, height)
    return np.sort(np.concatenate([eps - 2, eps + 2]))


def lead_band_edge(width: int, height: int = 1) -> float:
    """abs(E) beyond which a plain hard-wall lead has no open channel (units of t).

    The edge is 2 + 2 cos(pi/(W+1)), plus 2 cos(pi/(H+1)) for a lead of height H > 1.
    """
    edge = 2 + 2 * math.cos(math.pi / (width + 1))
    if height > 1:
        edge += 2 * math.cos(math.pi / (height + 1))
    return edge


def fermi_wavevector(energy: float, *, grid: int = 800) -> float:
    """Circular-equivalent Fermi wave vector of the clean square lattice.

    k_F = sqrt(4 pi n) with n = A_FS / (2 pi)^2 the number of states per site
    and spin below ``energy`` of eps(k) = -2 (cos kx + cos ky) (t = a = 1),
    counted on the grid of :func:`k_grid`.
    """
    if not -4 < energy < 4:
        raise ValueError("energy must lie inside the clean band (-4, 4)")
    k = k_grid(grid)
    kx, ky = np.meshgrid(k, k)
    frac = np.mean(dispersion(kx, ky) < energy)
    return math.sqrt(4 * np.pi * frac)


@functools.lru_cache(maxsize=256)
def fermi_surface_average(energy: float, *, grid: int = 1024):
    """Density of states nu(E) per site and spin, and the Fermi-surface mean of abs(v).

    nu(E) = (1/N) sum_k delta(E - eps_k) and <abs(v)> = sum_k abs(v_k) delta(E - eps_k) /
    sum_k delta(E - eps_k) for eps_k = -2 (cos kx + cos ky) on the grid of
    :func:`k_grid`, with the delta function broadened to a Gaussian of standard
    deviation 8 pi / grid (four times the k spacing, in units of t; resolved
    for abs(E) not too close to 0 or +-4).  Velocities in t a / hbar.
    Cached per (energy, grid): a sum over grid^2 points (0.1 s) that the
    thermal average asks for at every realisation.
    """
    if not -4 < energy < 4:
        raise ValueError("energy must lie inside the clean band (-4, 4)")
    k = k_grid(grid)
    kx, ky = np.meshgrid(k, k)
    eps = dispersion(kx, ky)
    v = 2 * np.hypot(np.sin(kx), np.sin(ky))
    width = 4 * 2 * np.pi / grid
    w = np.exp(-0.5 * ((eps - energy) / width) ** 2) / (width * math.sqrt(2 * np.pi))
    return float(w.mean()), float((w * v).sum() / w.sum())


def born_rate(energy: float, disorder: float) -> float:
    """hbar/tau in the Born approximation for white box disorder: 2 pi nu(E) W^2/12.

    Fermi's golden rule with nu per site and spin (Akkermans and Montambaux,
    *Mesoscopic Physics of Electrons and Photons*, Ch. 3); units of t.
    """
    nu, _ = fermi_surface_average(energy)
    return 2 * np.pi * nu * disorder**2 / 12
