"""Graphene ribbons: the honeycomb lattice as a brick wall of two-atom unit cells.

The honeycomb lattice is topologically a square lattice with every other
bond of one direction removed (a brick wall).  Atoms sit at integer (i, y),
i the atom column; the ribbon runs along x, between hard walls at y = 0 and
y = width - 1.  Two orientations of the brick wall give the two ribbons:

* ``"zigzag"``: every bond along x is present (the rows are zigzag chains
  along the ribbon); the bond (i, y) -- (i, y + 1) exists when i + y is even.
  The edges are zigzag; ``width`` = N_z, the number of zigzag chains.
* ``"armchair"``: every bond along y is present (the atom columns are zigzag
  chains across the ribbon); the bond (i, y) -- (i + 1, y) exists when i + y is
  even.  The edges are armchair; ``width`` = N_a, the number of dimer lines
  (metallic when N_a = 3 m + 2, Brey and Fertig, PRB 73, 235411 (2006)).

Both are periodic along x with period 2 atom columns, so the engines see a
square lattice of *unit cells* (x, y) holding the atoms (2x, y) and
(2x + 1, y) as orbitals 0 and 1: every block is 2 x 2, the hopping between
cells along x is the single bond (2x + 1, y) -> (2x + 2, y) (a rank-1 block,
or zero), and the transverse hopping is diagonal.  The slice-based engines
(RGF, Kwant, the symmetry classifier) carry it unchanged.

Conventions
-----------
* Hopping -t = -1 on nearest-neighbour bonds; energies from the Dirac point
  (E = 0, the band centre); the clean band is ``|E| <= 3``.
* Lengths in units of the graphene lattice constant a = sqrt(3) a_cc = 1
  (0.246 nm), a_cc the carbon-carbon distance.  Atom positions
  (:func:`atom_positions`): zigzag, x = i/2, y = (sqrt(3)/2) y + s sqrt(3)/12;
  armchair, x = (sqrt(3)/2) i + s sqrt(3)/12, y = y/2; s = +1 when i + y is
  even, -1 otherwise.  The unit cell along the ribbon is a (zigzag) or
  sqrt(3) a (armchair) long; ``length`` counts unit cells.
* Flux: ``flux`` is the flux per *hexagon* in h/e, in the Landau gauge
  A = (-B y, 0) on the bonds along x: the phase of the bond (i, y) -> (i+1, y)
  is exp(-i pi flux y) (each hexagon spans two squares of the brick wall),
  independent of x, so the leads carry it too.  A hexagon has area
  (sqrt(3)/2) a^2: B = flux (h/e) / (sqrt(3)/2 a^2).
* g = G/(e^2/h) summed over the modes of the ribbon.  Spinless
  (``spinful=False``, the default): one spin species, multiply by 2 for the
  spin of real graphene; ``spinful=True``: both spins explicitly (four
  orbitals per cell, orbital 2 atom + spin), g summed over spin.  The valley
  degeneracy is already in the ribbon's channels (a factor of the clean
  channel count, never applied by hand).
* Rashba coupling (``rashba`` = alpha, spinful ribbons): every bond from atom
  j to atom i carries ``-1 + i (alpha/2) (sigma x d_ij)_z``, d_ij the unit bond
  vector, the nearest-neighbour Rashba term of Kane and Mele (PRL 95, 226801
  (2005)) in the normalisation of the square lattice (alpha/2 = their
  lambda_R).  It keeps time reversal with T^2 = -1 (class AII: Kramers
  degenerate transmission eigenvalues, weak antilocalization when the spin
  relaxes within the sample), and the leads carry it too.
* Disorder: box (W, in [-W/2, W/2]) or Gaussian (variance W^2/12) on every
  atom, a pure function of (seed, atom); with ``correlation_length`` xi > 0
  the smooth potential V(r_i) = sum_j K(r_i - r_j) w_j, ``K ~ exp(-|r|^2/xi^2)``
  normalised to sum_j K^2 = 1 (variance kept), over atoms j within 3 xi:
  ``<V(r) V(r')> = (W^2/12) exp(-|r - r'|^2 / (2 xi^2))``.  xi << a scatters
  between the valleys K and K' (weak localization); xi >~ a keeps the valleys
  apart, and the Berry phase pi of each valley turns the correction
  antilocalizing (Suzuura and Ando, PRL 89, 266603 (2002); McCann et al.,
  PRL 97, 146805 (2006); Rycerz, Tworzydlo and Beenakker, EPL 79, 57003
  (2007) for the lattice model).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import _random

__all__ = ["LATTICES", "HONEYCOMB", "ribbon_columns", "atom_positions", "atom_coordinates",
           "honeycomb_potential", "ribbon_bands", "ribbon_thresholds", "ribbon_lead_problem",
           "ribbon_modes", "RibbonModes", "CELL_LENGTH", "valley_mixing",
           "valley_conductances", "intervalley_length",
           "between_thresholds", "THRESHOLD_WINDOW", "sheet_fermi_surface", "ribbon_band_edges"]

#: the lattices of :class:`andersonwl.StripModel`
LATTICES = ("square", "zigzag", "armchair")
#: the honeycomb ribbons
HONEYCOMB = ("zigzag", "armchair")
#: length of one unit cell along the ribbon, in lattice constants a
CELL_LENGTH = {"zigzag": 1.0, "armchair": math.sqrt(3.0)}

_R3 = math.sqrt(3.0)


def atom_coordinates(x0: int, x1: int, width: int):
    """Integer atom coordinates (i, y) of the unit cells x0 <= x < x1, shape (C, width, 2)."""
    cells = np.arange(x0, x1)
    i = 2 * cells[:, None, None] + np.arange(2)[None, None, :]
    y = np.arange(width)[None, :, None]
    return np.broadcast_to(i, (cells.size, width, 2)), np.broadcast_to(y, (cells.size, width, 2))


def atom_positions(lattice: str, i, y):
    """Positions (x, y) of atoms (i, y), in lattice constants a (module notes)."""
    i = np.asarray(i)
    y = np.asarray(y)
    s = np.where((i + y) % 2 == 0, 1.0, -1.0)
    if lattice == "zigzag":
        return 0.5 * i, 0.5 * _R3 * y + s * _R3 / 12
    if lattice == "armchair":
        return 0.5 * _R3 * i + s * _R3 / 12, 0.5 * y
    raise ValueError(f"not a honeycomb lattice: {lattice!r}")


@functools.lru_cache(maxsize=32)
def _factors(lattice: str, xi: float):
    """The Gaussian kernel of the correlated potential as sums of separable parity pieces.

    An atom of parity p (of i + y) and its neighbour at offset (di, dy) are
    ``atom_positions`` apart; for fixed (p, parity a of di, parity b of dy)
    the neighbour's sublattice is fixed, so the displacement splits by axis
    and the kernel exp(-|r|^2/xi^2) is a product fx(di) fy(dy).  Returns
    ``(ci, cy, pieces)`` with pieces[p] a list of (a, b, fx, fy): fx over
    di = -ci .. ci, zero unless di = a mod 2, fy likewise over dy, scaled so
    that the sum of K^2 over all offsets is 1 for each p.
    """
    px, py = (0.5, 0.5 * _R3) if lattice == "zigzag" else (0.5 * _R3, 0.5)
    ci, cy = int(math.ceil(3 * xi / px)) + 1, int(math.ceil(3 * xi / py)) + 1
    di, dy = np.arange(-ci, ci + 1), np.arange(-cy, cy + 1)
    pieces = []
    for p in (0, 1):
        x0, y0 = atom_positions(lattice, np.array(p), np.array(0))
        parts, total = [], 0.0
        for a in (0, 1):
            for b in (0, 1):
                sa, sb = (di - a) % 2 == 0, (dy - b) % 2 == 0
                xs, _ = atom_positions(lattice, p + di[sa], np.full(int(sa.sum()), b))
                _, ys = atom_positions(lattice, np.full(int(sb.sum()), p + a), dy[sb])
                fx, fy = np.zeros(di.size), np.zeros(dy.size)
                fx[sa] = np.exp(-((xs - x0) ** 2) / xi**2)
                fy[sb] = np.exp(-((ys - y0) ** 2) / xi**2)
                parts.append((a, b, fx, fy))
                total += np.sum(fx**2) * np.sum(fy**2)
        norm = 1.0 / math.sqrt(total)
        pieces.append([(a, b, fx * norm, fy) for a, b, fx, fy in parts])
    return ci, cy, pieces


def honeycomb_potential(seed: int, disorder: float, kind: str, lattice: str, i, y,
                        correlation_length: float = 0.0) -> np.ndarray:
    """The on-site energies of atoms (i, y) (module notes); pure functions of (seed, atom)."""
    from .hamiltonian import STREAM_BOX, STREAM_GAUSS
    i = np.asarray(i, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    if disorder == 0:
        return np.zeros(i.shape)

    def white(ii, yy):
        if kind == "box":
            return disorder * (_random.uniform(seed, STREAM_BOX, ii, yy) - 0.5)
        return disorder / math.sqrt(12.0) * _random.normal(seed, STREAM_GAUSS, ii, yy)

    if correlation_length <= 0:
        return white(i, y)
    from .hamiltonian import _OFFSET
    if i.size == 0:
        return np.zeros(i.shape)
    ci, cy, pieces = _factors(lattice, float(correlation_length))
    i0, i1, y0, y1 = int(i.min()), int(i.max()), int(y.min()), int(y.max())
    gi = np.arange(i0 - ci, i1 + ci + 1)[:, None]
    gy = np.arange(y0 - cy, y1 + cy + 1)[None, :]
    w = white(gi + _OFFSET, gy + _OFFSET)            # the white noise around the atoms
    ni, ny = i1 - i0 + 1, y1 - y0 + 1
    out = np.zeros((2, ni, ny))
    for p in (0, 1):
        for _a, _b, fx, fy in pieces[p]:
            # along y, then along x, offsets in a fixed order: each atom's value is the
            # same sequence of operations whatever the region asked for
            col = np.zeros((w.shape[0], ny))
            for k in np.flatnonzero(fy):
                col += fy[k] * w[:, k:k + ny]
            for k in np.flatnonzero(fx):
                out[p] += fx[k] * col[k:k + ni]
    return out[(i + y) % 2, i - i0, y - y0]


@functools.lru_cache(maxsize=8)
def _cells_potential(lattice, width, kind, xi, seed, disorder, x0, x1):
    """The potential of cells x0 <= x < x1, shape (C, width, 2), cached (read-only).

    A flux sweep visits the same realisation at every flux: a correlated
    potential (a kernel sum over hundreds of neighbours) is computed once.
    """
    i, y = atom_coordinates(x0, x1, width)
    eps = honeycomb_potential(seed, disorder, kind, lattice, i, y, xi)
    eps.setflags(write=False)
    return eps


def _phase(flux, y):
    """Peierls phase of a bond (i, y) -> (i + 1, y): exp(-i pi flux y), flux per hexagon."""
    return np.exp(-1j * np.pi * flux * np.asarray(y, dtype=float))


def _bond_directions(lattice: str, width: int):
    """Unit vectors (from the first atom to the second) of the three bond kinds of a cell.

    Returns ``(intra, along, across)``, each of shape (width, 2) (the last of
    shape (width - 1, 2, 2), per orbital): the bond (2x, y) -> (2x + 1, y)
    inside the cell, the bond (2x + 1, y) -> (2x + 2, y) to the next cell and
    the bonds (i, y) -> (i, y + 1) of atoms i = 2x, 2x + 1.  From
    :func:`atom_positions`, so the Rashba term follows the physical geometry
    (a bond that is absent gets a direction all the same; its amplitude is 0).
    """
    y = np.arange(width)

    def unit(i0, y0, i1, y1):
        x0, yy0 = atom_positions(lattice, i0, y0)
        x1, yy1 = atom_positions(lattice, i1, y1)
        d = np.stack([x1 - x0, yy1 - yy0], axis=-1)
        return d / np.linalg.norm(d, axis=-1, keepdims=True)

    zero = np.zeros(width, dtype=np.int64)
    intra = unit(zero, y, zero + 1, y)
    along = unit(zero + 1, y, zero + 2, y)
    yy = y[:-1]
    across = np.stack([unit(zero[:-1] + a, yy, zero[:-1] + a, yy + 1) for a in (0, 1)],
                      axis=1)
    return intra, along, across


def _rashba_block(rashba: float, d) -> np.ndarray:
    """-1 + i (rashba/2) (sigma x d)_z, the spin block of a bond of unit direction d.

    (sigma x d)_z = sigma_x d_y - sigma_y d_x: the lattice Rashba term of
    Kane and Mele (PRL 95, 226801 (2005)) written as on the square lattice
    (:class:`andersonwl.models.StripModel`, ``-t + i alpha/2 sigma_x`` on a bond
    along +y), so ``rashba`` is the same alpha on both lattices.  Shape
    ``d.shape[:-1] + (2, 2)``.
    """
    from .hamiltonian import S0, SX, SY
    d = np.asarray(d, dtype=float)
    return (-S0 + 0.5j * rashba * (d[..., 1, None, None] * SX - d[..., 0, None, None] * SY))


def ribbon_columns(geom, seed: int, disorder: float, flux: float, x0: int, x1: int,
                   rashba: float = 0.0):
    """Hamiltonian blocks of the unit cells ``x0 <= x < x1`` of an unbounded ribbon.

    The layout of :func:`andersonwl.hamiltonian.column_arrays` with k x k
    blocks, k = 2 (spinless: orbital 0 the atom 2x, orbital 1 the atom
    2x + 1) or k = 4 (spinful, ``geom.norbs == 4``: orbital 2 atom + spin,
    spin up first along z): ``onsite`` (C, W, k, k) holds the two atoms'
    energies and the bond between them, ``hop_x`` (C, W, k, k) = H_{x+1, x}
    the bond (2x + 1, y) -> (2x + 2, y), ``hop_y`` (C, W - 1, k, k) =
    H_{(x, y+1), (x, y)}.

    Notes
    -----
    A bond from atom j to atom i carries ``-exp(i phi_ij)`` spinless, and
    ``exp(i phi_ij) [-1 + i (rashba/2) (sigma x d_ij)_z]`` spinful, d_ij the
    unit vector from j to i (:func:`_rashba_block`), phi_ij the Peierls phase
    (module notes).  The potential is spin independent.
    """
    from .hamiltonian import SampleArrays
    lattice, W = geom.lattice, geom.width
    eps = _cells_potential(lattice, W, geom.disorder_kind, geom.correlation_length, seed,
                           disorder, x0, x1)
    C = x1 - x0
    rows = np.arange(W)
    ph = np.broadcast_to(_phase(flux, rows), (C, W))
    # amplitudes (without the -1 of the hopping) of the bonds that exist, per bond kind
    even = (rows % 2 == 0)
    if lattice == "zigzag":
        intra = ph                                            # (2x, y) -> (2x+1, y)
        along = ph                                            # (2x+1, y) -> (2x+2, y)
        across = np.stack([even[:-1], ~even[:-1]], axis=-1).astype(float)
    else:
        intra = np.where(even, ph, 0.0)                       # 2x + y even
        along = np.where(even, 0.0, ph)                       # 2x + 1 + y even
        across = np.ones((W - 1, 2))
    across = np.broadcast_to(across, (C, W - 1, 2))
    if geom.norbs == 2:
        if rashba != 0:
            raise ValueError("a spinless ribbon takes no rashba")
        onsite = np.zeros((C, W, 2, 2), dtype=complex)
        onsite[..., 0, 0] = eps[..., 0]
        onsite[..., 1, 1] = eps[..., 1]
        onsite[..., 1, 0] = -intra
        onsite[..., 0, 1] = -np.conj(intra)
        hop_x = np.zeros((C, W, 2, 2), dtype=complex)
        hop_x[..., 0, 1] = -along
        hop_y = np.zeros((C, W - 1, 2, 2), dtype=complex)
        hop_y[..., 0, 0] = -across[..., 0]
        hop_y[..., 1, 1] = -across[..., 1]
        return SampleArrays(np.ascontiguousarray(onsite), hop_x, hop_y)
    d_intra, d_along, d_across = _bond_directions(lattice, W)
    s_intra, s_along = _rashba_block(rashba, d_intra), _rashba_block(rashba, d_along)
    s_across = _rashba_block(rashba, d_across)
    onsite = np.zeros((C, W, 2, 2, 2, 2), dtype=complex)      # (atom, spin, atom, spin)
    onsite[..., 0, :, 0, :] = eps[..., 0, None, None] * np.eye(2)
    onsite[..., 1, :, 1, :] = eps[..., 1, None, None] * np.eye(2)
    onsite[..., 1, :, 0, :] = intra[..., None, None] * s_intra
    onsite[..., 0, :, 1, :] = np.conj(np.swapaxes(onsite[..., 1, :, 0, :], -1, -2))
    hop_x = np.zeros((C, W, 2, 2, 2, 2), dtype=complex)
    hop_x[..., 0, :, 1, :] = along[..., None, None] * s_along
    hop_y = np.zeros((C, W - 1, 2, 2, 2, 2), dtype=complex)
    for a in (0, 1):
        hop_y[..., a, :, a, :] = across[..., a, None, None] * s_across[:, a]
    return SampleArrays(np.ascontiguousarray(onsite.reshape(C, W, 4, 4)),
                        np.ascontiguousarray(hop_x.reshape(C, W, 4, 4)),
                        np.ascontiguousarray(hop_y.reshape(C, W - 1, 4, 4)))


def _bloch(lattice: str, width: int, flux: float = 0.0, rashba: float = 0.0,
           spinful: bool = False):
    """h0, V of the clean ribbon: H(k) = h0 + V e^{ik} + V^dagger e^{-ik}, k per unit cell.

    Spinful (4 orbitals per cell) when ``spinful`` or ``rashba != 0``.
    """
    from .engines.leads import as_blocks, block_diag_dense, slice_hamiltonian
    from .hamiltonian import Geometry, lead_arrays
    spinful = bool(spinful or rashba != 0)
    k = 4 if spinful else 2
    geom = Geometry(1, width, k, "rashba" if spinful else None, "box", 1, 0.0, "sample",
                    lattice)
    lead = lead_arrays(geom, float(flux), float(rashba))
    return slice_hamiltonian(lead, k), block_diag_dense(as_blocks(lead.hop_x, k, 0))


@functools.lru_cache(maxsize=64)
def ribbon_bands(lattice: str, width: int, points: int = 513,
                 rashba: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The clean ribbon's bands E_n(k) on k in [0, pi] (k per unit cell), shape (points, 2 W).

    Returns ``(k, energies)``; E_n(-k) = E_n(k) without a field (by time
    reversal, spin included).  With ``rashba != 0`` the 4 W bands of the
    spinful ribbon.
    """
    h0, v = _bloch(lattice, width, 0.0, rashba)
    k = np.linspace(0.0, np.pi, points)
    e = np.array([np.linalg.eigvalsh(h0 + v * np.exp(1j * q) + v.conj().T * np.exp(-1j * q))
                  for q in k])
    return k, e


@functools.lru_cache(maxsize=64)
def ribbon_thresholds(lattice: str, width: int, lo: float = -3.0,
                      hi: float = 3.0, rashba: float = 0.0) -> np.ndarray:
    """Energies in [lo, hi] where a subband of the clean ribbon has zero velocity, sorted.

    The extrema of every band on the grid of :func:`ribbon_bands`, refined
    to 1e-12 by golden-section search on that band (the zigzag edge band
    touches E = 0 at k = pi, where it is flat: E = 0 is a threshold).  Bands
    are sorted eigenvalues, so a crossing of two bands also shows as an
    extremum: only candidates where the lead's channel count changes (or a
    channel is slow) are kept.  Only extrema near [lo, hi] are refined (a
    wide ribbon has thousands).
    """
    from scipy.optimize import minimize_scalar
    h0, v = _bloch(lattice, width, 0.0, rashba)
    k, e = ribbon_bands(lattice, width, rashba=rashba)

    def band(n, q):
        return np.linalg.eigvalsh(h0 + v * np.exp(1j * q) + v.conj().T * np.exp(-1j * q))[n]

    out = [e[0], e[-1]]              # k = 0 and pi are extrema by symmetry
    for n in range(e.shape[1]):
        col = e[:, n]
        if col.max() < lo - 0.1 or col.min() > hi + 0.1:
            continue
        for j in range(1, col.size - 1):
            if not lo - 0.1 <= col[j] <= hi + 0.1:
                continue
            for sign in (1.0, -1.0):
                if sign * col[j] <= sign * col[j - 1] and sign * col[j] <= sign * col[j + 1]:
                    r = minimize_scalar(lambda q, n=n, s=sign: s * band(n, q),
                                        bounds=(k[j - 1], k[j + 1]), method="bounded",
                                        options={"xatol": 1e-12})
                    out.append(np.array([band(n, r.x)]))
    vals = np.unique(np.round(np.concatenate([np.ravel(o) for o in out]), 12))
    vals = vals[(vals >= lo) & (vals <= hi)]
    # a crossing of two sorted bands is an extremum of neither: keep the energies where a
    # channel really opens or closes (the mode count changes across them) or moves slowly
    return np.array([v for v in vals
                     if _threshold_state(lattice, width, float(v), 0.0,
                                         10 * THRESHOLD_WINDOW, rashba)[3]])


def _threshold_state(lattice, width, energy, flux, window, rashba=0.0):
    """(n, below, above, at_threshold) of the clean lead at ``energy``.

    n, below, above: open channels at E, E - window, E + window (-1 at a flat
    band or a degenerate threshold, :func:`_open_modes`); at_threshold: the
    count changes across E, a channel moves slower than 2e-3, or n < 0.
    """
    n, slowest = _open_modes(lattice, int(width), energy, flux, rashba)
    if n < 0:
        return n, n, n, True
    below = _open_modes(lattice, int(width), energy - window, flux, rashba)[0]
    above = _open_modes(lattice, int(width), energy + window, flux, rashba)[0]
    return n, below, above, below != above or slowest < 2e-3


def between_thresholds(lattice: str, width: int, lo: float, hi: float,
                       rashba: float = 0.0) -> float:
    """The energy midway across the widest interval between two thresholds in (lo, hi).

    The energy of a clean ribbon furthest from any subband threshold in the
    window: a field sweep there opens or closes no channel for longest (check
    with :func:`andersonwl.open_channels` at the largest field).
    """
    th = ribbon_thresholds(lattice, width, float(lo), float(hi), float(rashba))
    th = th[(th > lo) & (th < hi)]
    if th.size < 2:
        raise ValueError(f"fewer than two thresholds of the {lattice} ribbon of width {width} "
                         f"in ({lo}, {hi}): widen the window")
    k = int(np.argmax(np.diff(th)))
    return float(0.5 * (th[k] + th[k + 1]))


@functools.lru_cache(maxsize=256)
def _open_modes(lattice: str, width: int, energy: float, flux: float,
                rashba: float = 0.0) -> tuple[int, float]:
    """Open channels of the clean lead at ``energy`` and their smallest speed |dE/dk|.

    (-1, 0) at an energy of a flat band, or where the solver cannot separate
    the modes (both happen only at thresholds).
    """
    from kwant.physics import modes
    h0, v = _bloch(lattice, width, flux, rashba)
    try:
        prop, _ = modes(h0 - energy * np.eye(h0.shape[0]), v)
    except RuntimeError as exc:
        if "flat band" in str(exc).lower():
            return -1, 0.0
        raise
    except np.linalg.LinAlgError:        # degenerate velocities at a threshold
        return -1, 0.0
    vel = np.abs(np.asarray(prop.velocities))
    return int(vel.size // 2), float(vel.min()) if vel.size else math.inf


#: ``|E - E_threshold|`` below which an energy counts as a threshold (as on the square lattice)
THRESHOLD_WINDOW = 1e-6


@functools.lru_cache(maxsize=4096)
def ribbon_lead_problem(lattice: str, width: int, energy: float, flux: float = 0.0,
                        rashba: float = 0.0) -> str | None:
    """Why a clean ribbon lead cannot be used at ``energy``; None when it can.

    Refused: the Dirac point of a zigzag ribbon without field (its edge band
    is flat at E = 0: zero velocity); energies within :data:`THRESHOLD_WINDOW`
    of a subband threshold (the channel count differs at E -+ the window, or
    an open channel moves slower than 2e-3, which a band of unit curvature
    reaches 2e-6 above its edge), where a channel opens with zero velocity
    and g jumps; and energies with no open channel (in a gap: the Dirac point
    of a semiconducting armchair ribbon).  Three mode computations of the
    lead (cached); the band edges of the message only when refused.
    """
    if lattice == "zigzag" and abs(energy) < THRESHOLD_WINDOW and flux == 0:
        return (f"energy {energy} is the Dirac point of the zigzag ribbon: its edge band is "
                "flat there (zero velocity) and g is not defined; shift the energy slightly")
    n, below, above, at_threshold = _threshold_state(lattice, width, float(energy),
                                                     float(flux), THRESHOLD_WINDOW,
                                                     float(rashba))
    if n < 0:
        return (f"energy {energy} lies at a flat band or a degenerate subband threshold of "
                f"the {lattice} ribbon of width {width} (zero velocity): shift the energy "
                "slightly")
    if at_threshold:
        return (f"energy {energy} lies at a subband threshold of the {lattice} ribbon of width "
                f"{width} (the open channels go from {below} to {above} within "
                f"{THRESHOLD_WINDOW:g} of it), where a channel opens with zero velocity and g "
                "jumps: shift the energy slightly")
    if n > 0:
        return None
    _, e = ribbon_bands(lattice, width, rashba=float(rashba))
    edges = np.concatenate([e.min(axis=0), e.max(axis=0)])
    gap = edges[np.argmin(np.abs(edges - energy))]
    return (f"energy {energy} has no open channel in the {lattice} ribbon of width "
            f"{width}: it lies in a gap of the clean ribbon (nearest band edge "
            f"E = {gap:.6g}); a semiconducting armchair ribbon (width != 3 m + 2) is "
            "gapped around the Dirac point E = 0")


class RibbonModes:
    """The open channels of a clean ribbon lead at one energy (:func:`ribbon_modes`).

    Attributes
    ----------
    lattice : str
    width : int
    energy : float
    momenta : numpy.ndarray
        Longitudinal momentum k (per unit cell, in (-pi, pi]) of each
        right-moving (incoming from the left) mode.
    velocities : numpy.ndarray
        Their group velocities dE/dk (units of t times the unit cell).
    valleys : tuple of str
        "K" (k > 0) or "K'" (k < 0) for a zigzag ribbon, whose valleys
        project onto k = +-2 pi/3; "K+K'" for an armchair ribbon, where both
        valleys project onto k = 0 and the edges mix them (every mode is a
        valley superposition).
    nmodes : int
        The clean conductance g = nmodes (e^2/h, summed over spin on a
        spinful ribbon: every mode twice without Rashba coupling).
    """

    def __init__(self, lattice, width, energy, momenta, velocities, valleys):
        self.lattice, self.width, self.energy = lattice, width, energy
        self.momenta, self.velocities, self.valleys = momenta, velocities, valleys
        self.nmodes = int(len(momenta))

    def __repr__(self):
        return (f"RibbonModes({self.lattice}, width={self.width}, E={self.energy:g}: "
                f"{self.nmodes} modes, valleys {self.valleys})")


def ribbon_modes(model) -> RibbonModes:
    """The lead modes of a honeycomb ``model`` at its energy, with their valleys.

    Parameters
    ----------
    model : StripModel
        ``lattice`` "zigzag" or "armchair".

    Returns
    -------
    RibbonModes

    Notes
    -----
    The valleys of graphene sit at the Brillouin-zone corners K, K'.  Along a
    zigzag ribbon (period a) they project onto k = +-2 pi/3 per unit cell:
    modes with k > 0 belong to K, k < 0 to K' (the zigzag edge state joins
    the two valleys through k = pi).  Along an armchair ribbon (period
    sqrt(3) a) both project onto k = 0 and the armchair edges mix them (Brey
    and Fertig, PRB 73, 235411 (2006)).  Computed with Kwant's mode solver.
    """
    from kwant.physics import modes

    from .models import StripModel
    if not isinstance(model, StripModel) or model.lattice not in HONEYCOMB:
        raise ValueError("ribbon_modes needs a StripModel with lattice 'zigzag' or 'armchair'")
    model.check_leads()
    h0, v = _bloch(model.lattice, model.width, model.flux, model.rashba, model.spinful)
    prop, _ = modes(h0 - model.energy * np.eye(h0.shape[0]), v)
    k = np.asarray(prop.momenta)
    vel = np.asarray(prop.velocities)
    right = vel > 0
    k, vel = k[right], vel[right]
    k = np.angle(np.exp(1j * k))           # into (-pi, pi]
    order = np.argsort(k)
    k, vel = k[order], vel[order]
    if model.lattice == "zigzag":
        valleys = tuple("K" if q > 0 else "K'" for q in k)
    else:
        valleys = ("K+K'",) * k.size
    return RibbonModes(model.lattice, model.width, model.energy, k, vel, valleys)


def valley_conductances(model, seed: int = 0) -> np.ndarray:
    """Valley-resolved transmission of one realisation of a zigzag ribbon.

    Parameters
    ----------
    model : StripModel
        ``lattice="zigzag"`` (an armchair ribbon's lead modes are valley
        superpositions: no valley to resolve); spinless or spinful (summed
        over spin).
    seed : int, optional

    Returns
    -------
    numpy.ndarray, shape (2, 2)
        g[v_out, v_in] in e^2/h, valley 0 = K (k > 0), 1 = K' (k < 0), summed
        over the incoming modes of the left lead and the outgoing modes of the
        right lead of each valley; g.sum() is the conductance.

    Notes
    -----
    From Kwant's scattering matrix: incoming modes of the left lead and
    outgoing modes of the right lead are labelled by the sign of their
    physical momentum along x (:func:`ribbon_modes`; Kwant's momenta are along
    each lead's own translation vector, -x for the left lead).  The
    off-diagonal part is exactly zero in a clean ribbon; white-noise disorder
    mixes the valleys, a smooth potential (xi of a lattice constant and more)
    hardly: its Fourier weight at the intervalley momentum 4 pi/(3 a) is
    exp(-(4 pi xi/(3 a))^2 / 2).  What remains at large xi comes from the
    zigzag edge band, which joins the valleys through k = pi.
    """
    from .engines.kwant_engine import scattering_matrix
    from .models import StripModel
    if not isinstance(model, StripModel) or model.lattice != "zigzag":
        raise ValueError("valley-resolved transmission needs a zigzag ribbon "
                         "(lattice='zigzag'): armchair lead modes mix the valleys")
    s = scattering_matrix(model, seed)
    t = np.abs(s.submatrix(1, 0)) ** 2
    m0, m1 = np.asarray(s.lead_info[0].momenta), np.asarray(s.lead_info[1].momenta)
    k_in = -m0[: m0.size // 2]            # incoming modes of lead 0 (translation -x)
    k_out = m1[m1.size // 2:]             # outgoing modes of lead 1 (translation +x)
    v_in = np.where(np.angle(np.exp(1j * k_in)) > 0, 0, 1)
    v_out = np.where(np.angle(np.exp(1j * k_out)) > 0, 0, 1)
    g = np.zeros((2, 2))
    for a in (0, 1):
        for b in (0, 1):
            g[a, b] = t[np.ix_(v_out == a, v_in == b)].sum()
    return g


def valley_mixing(model, seed: int = 0) -> tuple[float, float]:
    """Intervalley transmission of one realisation of a zigzag ribbon: (T_KK' + T_K'K, g).

    The off-diagonal and the total of :func:`valley_conductances` (so that the
    intervalley fraction is their ratio).
    """
    g = valley_conductances(model, seed)
    return float(g[0, 1] + g[1, 0]), float(g.sum())


def intervalley_length(model, lengths, realizations: int = 16, seed: int = 0):
    """The intervalley length L_i of a zigzag ribbon from the valley relaxation along it.

    Parameters
    ----------
    model : StripModel
        A disordered zigzag ribbon; ``model.length`` is replaced by each of
        ``lengths``.
    lengths : sequence of int
        Ribbon lengths (unit cells = lattice constants), at least 3,
        increasing.
    realizations : int, optional
        Realisations per length (the same disorder at every length: the
        ribbon of length L' is the first L' cells of the longest one).
    seed : int, optional
        Ensemble seed (realisation r has the disorder seed of the one seed
        rule, :func:`andersonwl.ensemble.realization_seeds`).

    Returns
    -------
    (float, float, SpinRelaxationFit)
        L_i and its grouped-jackknife error in lattice constants, and the fit
        of the valley polarisation P(L) that gives them.

    Notes
    -----
    A valley imbalance injected from the left lead relaxes along a diffusive
    ribbon like a spin: P(L) = [(g_KK + g_K'K') - (g_KK' + g_K'K)] / g =
    (L/L_v) / sinh(L/L_v) (the diffusive form of
    :func:`andersonwl.analysis.spin.fit_spin_relaxation`).  Scattering K -> K'
    and K' -> K at the rate 1/tau_i each relaxes the imbalance at 2/tau_i,
    so L_v = sqrt(D tau_i / 2) and L_i = sqrt(D tau_i) = sqrt(2) L_v, the
    intervalley length of the McCann formula, whose intervalley Cooperons
    relax at B_phi + 2 B_i (McCann et al., PRL 97, 146805 (2006)).  An
    estimate: the ribbon must be diffusive (L > l) over the fitted lengths,
    the zigzag edge band mixes the valleys by itself, and ballistic contacts
    lower the prefactor A of the fit (reported with it).  Sequential: one
    Kwant scattering matrix per realisation and length.
    """
    from ._checks import integer
    from ._random import check_seed, realization_seeds
    from .analysis.spin import _check_lengths, fit_spin_relaxation
    realizations = integer("realizations", realizations, minimum=2)
    lengths = _check_lengths(lengths)          # 1-D, positive, strictly increasing
    if lengths.size < 3 or np.any(lengths != np.round(lengths)):
        raise ValueError("intervalley_length needs at least 3 whole numbers of cells, got "
                         f"{lengths.tolist()}")
    lengths = lengths.astype(int)
    if getattr(model, "lattice", None) != "zigzag":
        raise ValueError("intervalley_length needs a zigzag ribbon (lattice='zigzag')")
    model.replace(length=int(lengths[0])).check_leads()
    seeds = realization_seeds(check_seed(seed), realizations)
    g = np.array([[valley_conductances(model.replace(length=int(L)), int(s)) for L in lengths]
                  for s in seeds])
    fit = fit_spin_relaxation(lengths.astype(float), g, form="diffusive",
                              groups=min(20, realizations))
    root2 = math.sqrt(2.0)
    return root2 * fit.spin_relaxation_length, root2 * fit.spin_relaxation_length_err, fit


@functools.lru_cache(maxsize=256)
def sheet_fermi_surface(energy: float, *, grid: int = 768) -> tuple[float, float]:
    """Density of states nu(E) per atom and spin of the graphene sheet, and its mean abs(v).

    The two bands E = +-``|f(k)|``, f(k) = 1 + e^{i k.a1} + e^{i k.a2} (a1 = (1, 0),
    a2 = (1/2, sqrt(3)/2), a = 1, t = 1; Castro Neto et al., RMP 81, 109 (2009),
    Eq. 6), on a grid x grid mesh of the Brillouin zone; the delta function
    broadened to a Gaussian of width 8 pi / grid (in t), as for the square
    lattice (:func:`andersonwl.bands.fermi_surface_average`).  Velocities
    ``|grad |f||`` in t a / hbar; near the Dirac point nu = ``|E|``/(sqrt(3) pi)
    and v = sqrt(3)/2.  For estimates (the Born mean free path of the thermal
    average), not for numbers a result depends on.
    """
    if not 0 < abs(energy) < 3:
        raise ValueError("energy must lie inside the clean band, away from the Dirac point "
                         "(0 < |E| < 3)")
    u = (np.arange(grid) + 0.5) / grid
    b1 = np.array([2 * np.pi, -2 * np.pi / _R3])
    b2 = np.array([0.0, 4 * np.pi / _R3])
    uu, vv = np.meshgrid(u, u)
    kx = uu * b1[0] + vv * b2[0]
    ky = uu * b1[1] + vv * b2[1]
    e1, e2 = np.exp(1j * kx), np.exp(1j * (0.5 * kx + 0.5 * _R3 * ky))
    f = 1 + e1 + e2
    mag = np.abs(f)
    # grad |f| = Re(conj(f) grad f) / |f|, grad f = i a1 e1 + i a2 e2
    gx = np.real(np.conj(f) * 1j * (e1 + 0.5 * e2)) / np.maximum(mag, 1e-300)
    gy = np.real(np.conj(f) * 1j * (0.5 * _R3 * e2)) / np.maximum(mag, 1e-300)
    v = np.hypot(gx, gy)
    width = 4 * 2 * np.pi / grid
    w = np.exp(-0.5 * ((abs(energy) - mag) / width) ** 2) / (width * math.sqrt(2 * np.pi))
    # two bands over two atoms: per atom, one band's weight at |E| (the other at -|E|)
    return float(w.mean() / 2), float((w * v).sum() / w.sum())


@functools.lru_cache(maxsize=64)
def ribbon_band_edges(lattice: str, width: int, rashba: float = 0.0) -> tuple[float, float]:
    """(gap, top): the smallest and largest ``|E|`` of the clean ribbon's bands.

    ``gap`` > 0 for a semiconducting armchair ribbon (no channel for ``|E| < gap``),
    about 0 otherwise; ``top`` is the band edge of the lead.  From the band grid
    of :func:`ribbon_bands`, refined at the thresholds (:func:`ribbon_thresholds`).
    """
    _, e = ribbon_bands(lattice, width, rashba=float(rashba))
    gap, top = float(np.abs(e).min()), float(np.abs(e).max())
    if gap > 1e-9:      # refined at the gap's threshold only (the bands are symmetric in E)
        near = ribbon_thresholds(lattice, width, 0.5 * gap, gap + 0.05, float(rashba))
        if near.size:
            gap = float(near.min())
    return gap, top

