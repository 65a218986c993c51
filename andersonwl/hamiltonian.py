"""The tight-binding matrices of a strip realisation, as dense NumPy arrays.

This is the single source of the Hamiltonian: the Kwant builder looks its
values up here, and array-based engines use the arrays directly, so every
engine sees exactly the same disorder for the same seed.

Array layout (``n`` = orbitals per site, 1 or 2; spinless arrays drop the
two trailing orbital axes):

* ``onsite[x, y]``: on-site block of site (x, y) (energy not included);
* ``hop_x[x, y]``: H_{(x+1, y), (x, y)}, for 0 <= x < length - 1;
* ``hop_y[x, y]``: H_{(x, y+1), (x, y)}, for 0 <= y < width - 1;
* 3D bar (height > 1): one more index z everywhere (``onsite[x, y, z]``, ...)
  and ``hop_z[x, y, z]`` = H_{(x, y, z+1), (x, y, z)}; 2D arrays have
  ``hop_z = None``;
* lead cell: ``lead_onsite[y]``, ``lead_hop_x[y]`` (= H_{(x+1,y),(x,y)} inside
  the lead and across its interface to the sample), ``lead_hop_y[y]``.
* honeycomb ribbons (``lattice`` "zigzag" or "armchair", :mod:`andersonwl.honeycomb`):
  a "site" (x, y) is a unit cell of two atoms (atom columns 2x and 2x + 1 of a
  brick-wall lattice), the two orbitals of every block are the two atoms
  (four, orbital 2 atom + spin, on a spinful ribbon).

Sign conventions: hopping -t = -1; Rashba and Peierls phases, the Zeeman term
``b . sigma`` and the lead kinds as in :class:`andersonwl.models.StripModel`.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from . import _random

__all__ = ["Geometry", "SampleArrays", "LeadArrays", "sample_arrays", "lead_arrays",
           "model_arrays", "geometry_of", "haar_su2", "PAULI", "column_arrays",
           "sigma_dot", "NO_ZEEMAN"]

# Random streams: which labelled number is used for what.  Never reuse one.
STREAM_BOX = 0
STREAM_GAUSS = 1          # and 2 (Box-Muller pair)
STREAM_EXCHANGE = 3       # and 4 (cos theta, phi)
STREAM_SU2_X = 5          # 5, 6, 7: alpha, gamma, beta of bond along x
STREAM_SU2_Y = 8          # 8, 9, 10: along y
STREAM_SU2_Z = 11         # 11, 12, 13: along z (3D bar)

S0 = np.eye(2, dtype=complex)
SX = np.array([[0, 1], [1, 0]], dtype=complex)
SY = np.array([[0, -1j], [1j, 0]], dtype=complex)
SZ = np.array([[1, 0], [0, -1]], dtype=complex)
PAULI = (S0, SX, SY, SZ)


class Geometry(NamedTuple):
    """What fixes the structure of the Kwant system (everything else is a parameter)."""

    length: int
    width: int
    norbs: int
    spin_orbit: str | None
    disorder_kind: str
    height: int = 1
    correlation_length: float = 0.0
    leads: str = "sample"
    lattice: str = "square"

    @property
    def shape(self) -> tuple[int, ...]:
        """Sites along (x, y) for a strip, (x, y, z) for a 3D bar."""
        if self.height == 1:
            return (self.length, self.width)
        return (self.length, self.width, self.height)


class SampleArrays(NamedTuple):
    """Hamiltonian blocks of the sample region (units of t; layout in the module docstring)."""

    onsite: np.ndarray
    hop_x: np.ndarray
    hop_y: np.ndarray
    hop_z: np.ndarray | None = None


class LeadArrays(NamedTuple):
    """Hamiltonian blocks of one lead unit cell (units of t; layout in the module docstring)."""

    onsite: np.ndarray
    hop_x: np.ndarray
    hop_y: np.ndarray
    hop_z: np.ndarray | None = None


def geometry_of(model) -> Geometry:
    """The :class:`Geometry` (structure of the Kwant system) of ``model``."""
    return Geometry(model.length, model.width, model.norbs, model.spin_orbit,
                    model.disorder_kind, getattr(model, "height", 1),
                    getattr(model, "correlation_length", 0.0), getattr(model, "leads", "sample"),
                    getattr(model, "lattice", "square"))


#: No Zeeman field.
NO_ZEEMAN = (0.0, 0.0, 0.0)


def sigma_dot(v) -> np.ndarray:
    """The 2 x 2 block ``v . sigma`` (a Zeeman term b . sigma, a spin axis n . sigma)."""
    return v[0] * SX + v[1] * SY + v[2] * SZ


def haar_su2(seed, stream, *coords):
    """Haar-random SU(2) matrices, one per (x, y), shape ``x.shape + (2, 2)``.

    Parametrisation of Asada, Slevin and Ohtsuki (PRB 70, 035115 (2004)):
    R = [[e^{i a} cos b, e^{i c} sin b], [-e^{-i c} sin b, e^{-i a} cos b]] with
    a, c uniform in [0, 2 pi) and b distributed as sin(2b) on [0, pi/2], i.e.
    b = arcsin(sqrt(u)) for u uniform in [0, 1).
    """
    a = 2 * np.pi * _random.uniform(seed, stream, *coords)
    c = 2 * np.pi * _random.uniform(seed, stream + 1, *coords)
    b = np.arcsin(np.sqrt(_random.uniform(seed, stream + 2, *coords)))
    r = np.empty(np.shape(a) + (2, 2), dtype=complex)
    r[..., 0, 0] = np.exp(1j * a) * np.cos(b)
    r[..., 0, 1] = np.exp(1j * c) * np.sin(b)
    r[..., 1, 0] = -np.exp(-1j * c) * np.sin(b)
    r[..., 1, 1] = np.exp(-1j * a) * np.cos(b)
    return r


def _onsite_energies(seed, disorder, kind, coords, correlation_length=0.0):
    if disorder == 0:
        return np.zeros(np.shape(coords[0]))
    if correlation_length > 0:
        return _correlated(seed, disorder, kind, coords, correlation_length)
    if kind == "box":
        return disorder * (_random.uniform(seed, STREAM_BOX, *coords) - 0.5)
    # Gaussian with the variance of the box distribution, W^2 / 12.
    return disorder / np.sqrt(12.0) * _random.normal(seed, STREAM_GAUSS, *coords)


_OFFSET = 1 << 30      # keeps the hashed labels of sites outside the sample non-negative


def _correlated(seed, disorder, kind, coords, xi):
    """Gaussian-correlated potential V(r) = sum_d K(d) w(r + d), sum_d K(d)^2 = 1.

    w are independent values of the chosen kind (variance W^2/12) on every
    lattice site, K(d) ~ exp(-|d|^2 / xi^2) cut at |d_i| <= ceil(3 xi), so
    <V(r) V(r')> = (W^2/12) exp(-|r - r'|^2 / (2 xi^2)) (up to lattice
    corrections) and V(r) depends only on (seed, r): the sum runs in a fixed
    order over the kernel, so values are bitwise independent of the sample.
    """
    cut = int(np.ceil(3 * xi))
    offsets = np.arange(-cut, cut + 1)
    dim = len(coords)
    grids = np.meshgrid(*([offsets] * dim), indexing="ij")
    kern = np.exp(-sum(g.astype(float) ** 2 for g in grids) / xi**2)
    kern /= np.sqrt(np.sum(kern**2))
    out = np.zeros(np.shape(coords[0]))
    base = [np.asarray(c, dtype=np.int64) + _OFFSET for c in coords]
    for d in zip(*(g.ravel() for g in grids)):
        k = kern[tuple(o + cut for o in d)]
        if k < 1e-12:
            continue
        shifted = [b + o for b, o in zip(base, d)]
        if kind == "box":
            w = disorder * (_random.uniform(seed, STREAM_BOX, *shifted) - 0.5)
        else:
            w = disorder / np.sqrt(12.0) * _random.normal(seed, STREAM_GAUSS, *shifted)
        out += k * w
    return out


def _peierls(flux, y):
    """Phase of the hopping (x, y) -> (x + 1, y) in the Landau gauge A = (-B y, 0)."""
    return np.exp(-2j * np.pi * flux * np.asarray(y, dtype=float))


def _plain_hoppings(geom: Geometry, rashba: float):
    """Translation-invariant hopping blocks along x and y (without Peierls phase)."""
    if geom.norbs == 1:
        return -1.0 + 0j, -1.0 + 0j
    if geom.spin_orbit == "rashba":
        return -S0 - 0.5j * rashba * SY, -S0 + 0.5j * rashba * SX
    return -S0, -S0


def _validate_params(geom, rashba, exchange, zeeman=NO_ZEEMAN):
    if geom.lattice != "square":
        if exchange != 0 or any(zeeman):
            raise ValueError("honeycomb ribbons take no exchange or zeeman")
        if rashba != 0 and (geom.norbs != 4 or geom.spin_orbit != "rashba"):
            raise ValueError("rashba != 0 on a ribbon needs a spinful ribbon with "
                             "spin_orbit='rashba'")
        return
    if geom.norbs == 1 and (rashba != 0 or exchange != 0 or any(zeeman)):
        raise ValueError("a spinless system cannot take rashba, exchange or zeeman != 0; "
                         "build the model with spin_orbit='rashba', exchange > 0 or zeeman")
    if geom.spin_orbit != "rashba" and rashba != 0:
        raise ValueError(f"rashba != 0 needs spin_orbit='rashba', not {geom.spin_orbit!r}")


@functools.lru_cache(maxsize=4)
def sample_arrays(geom: Geometry, seed: int, disorder: float, flux: float,
                  rashba: float, exchange: float, zeeman: tuple = NO_ZEEMAN) -> SampleArrays:
    """Hamiltonian blocks of one realisation of the sample region.

    Parameters
    ----------
    geom : Geometry
    seed : int
        Realisation seed; every random number is a pure function of (seed, site).
    disorder, flux, rashba, exchange : float
        As in :class:`andersonwl.models.StripModel`.
    zeeman : tuple of 3 floats, optional
        The Zeeman field b (on-site ``b . sigma``).

    Notes
    -----
    The returned arrays are cached (a realisation is looked up by the Kwant
    value functions once per site) and marked read-only.
    """
    # the sample is columns 0 .. length-1 of the unbounded bar, without the bond
    # that leaves the last column (that one belongs to the right lead)
    cols = column_arrays(geom, seed, disorder, flux, rashba, exchange, 0, geom.length,
                         zeeman=zeeman)
    out = SampleArrays(cols.onsite, np.ascontiguousarray(cols.hop_x[:-1]), *cols[2:])
    for a in out:
        if a is not None:
            a.setflags(write=False)
    return out


@functools.lru_cache(maxsize=16)
def lead_arrays(geom: Geometry, flux: float, rashba: float,
                zeeman: tuple = NO_ZEEMAN) -> LeadArrays:
    """Hamiltonian blocks of one unit cell (a column) of the clean leads.

    ``geom.leads == "sample"``: the leads carry the hopping, Rashba coupling,
    Zeeman field and Peierls phase of the sample and no disorder; in the
    SU(2) model their hopping is the plain -1.  ``"normal"``: plain hopping
    -1 with the Peierls phase only (``rashba`` and ``zeeman`` are ignored),
    spin-conserving along every axis.
    """
    _validate_params(geom, rashba, 0.0, zeeman)
    if geom.lattice != "square":        # a clean unit cell of the ribbon
        from .honeycomb import ribbon_columns
        cell = ribbon_columns(geom, 0, 0.0, flux, 0, 1, rashba)
        out = LeadArrays(*(None if a is None else np.ascontiguousarray(a[0]) for a in cell))
        for a in out:
            if a is not None:
                a.setflags(write=False)
        return out
    if geom.leads == "normal":
        rashba, zeeman = 0.0, NO_ZEEMAN
    n = geom.norbs
    cell = geom.shape[1:]
    coords = np.meshgrid(*(np.arange(k) for k in cell), indexing="ij")
    tx, ty = _plain_hoppings(geom, rashba)
    phase = _peierls(flux, coords[0])
    orb = () if n == 1 else (2, 2)
    dtype = float if n == 1 else complex
    hops = [(tx * phase) if n == 1 else tx * phase[..., None, None]]
    for a in range(len(cell)):
        bshape = tuple(k - 1 if i == a else k for i, k in enumerate(cell))
        hops.append(np.broadcast_to(ty, bshape + orb).astype(complex))
    onsite = np.zeros(cell + orb, dtype=dtype)
    if n == 2 and any(zeeman):
        onsite = onsite + sigma_dot(zeeman)
    out = LeadArrays(onsite, *hops)
    for a in out:
        if a is not None:
            a.setflags(write=False)
    return out


def model_arrays(model, seed: int) -> tuple[SampleArrays, LeadArrays]:
    """Sample and lead arrays of ``model`` for realisation ``seed``."""
    geom = geometry_of(model)
    seed = _random.check_seed(seed)
    return (sample_arrays(geom, seed, model.disorder, model.flux, model.rashba,
                          model.exchange, model.zeeman),
            lead_arrays(geom, model.flux, model.rashba, model.zeeman))


def column_arrays(geom: Geometry, seed: int, disorder: float, flux: float, rashba: float,
                  exchange: float, x0: int, x1: int, *, periodic: bool = False,
                  zeeman: tuple = NO_ZEEMAN, wrap: float = 1.0) -> SampleArrays:
    """Hamiltonian blocks of the columns ``x0 <= x < x1`` of an unbounded bar.

    For engines that generate a long bar chunk by chunk (transfer matrices).
    Every value equals the one :func:`sample_arrays` gives the same site or
    bond in a sample that contains it (pure functions of (seed, site));
    ``geom.length`` is ignored.  Differences in layout:

    * ``hop_x`` has ``x1 - x0`` rows: ``hop_x[i, ...]`` = H_{(x0+i+1, ...), (x0+i, ...)},
      including the bond that leaves the last column;
    * with ``periodic=True`` the transverse hoppings (``hop_y``, ``hop_z``) have
      one bond per site: the last one along an axis is the wrapping bond
      H_{(c=0), (c=size-1)}, labelled by its first site like every bond
      (Peierls phase 0 in the Landau gauge, consistent only when
      ``flux * width`` is an integer), multiplied by ``wrap`` (-1:
      antiperiodic boundaries, a flux h/2e through the cylinder).

    Not cached.
    """
    _validate_params(geom, rashba, exchange, zeeman)
    if not 0 <= x0 < x1:
        raise ValueError(f"need 0 <= x0 < x1, got x0={x0}, x1={x1}")
    if geom.lattice != "square":
        if periodic:
            raise ValueError("periodic boundaries are not available for honeycomb ribbons")
        from .honeycomb import ribbon_columns
        return ribbon_columns(geom, seed, disorder, flux, x0, x1, rashba)
    if periodic and abs(flux * geom.width - round(flux * geom.width)) > 1e-9:
        raise ValueError("periodic boundaries need flux * width integer, "
                         f"got {flux * geom.width}")
    n = geom.norbs
    shape = (x1 - x0,) + geom.shape[1:]
    coords = np.meshgrid(np.arange(x0, x1), *(np.arange(k) for k in shape[1:]),
                         indexing="ij")

    def bond(c, axis):          # labels of the bonds along ``axis`` (their first site)
        if axis == 0 or periodic:
            return tuple(c)
        return tuple(np.take(ci, np.arange(shape[axis] - 1), axis=axis) for ci in c)

    eps = _onsite_energies(seed, disorder, geom.disorder_kind, coords, geom.correlation_length)
    phase_x = _peierls(flux, coords[1])
    tx, ty = _plain_hoppings(geom, rashba)
    axes = range(1, len(shape))
    if n == 1:
        onsite = eps.astype(float)
        hops = [tx * phase_x] + [np.full(bond(coords, a)[0].shape, ty, dtype=complex)
                                 for a in axes]
    else:
        onsite = eps[..., None, None] * S0
        if exchange > 0:
            cos_t = 2 * _random.uniform(seed, STREAM_EXCHANGE, *coords) - 1
            phi = 2 * np.pi * _random.uniform(seed, STREAM_EXCHANGE + 1, *coords)
            sin_t = np.sqrt(1 - cos_t**2)
            nvec = (sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t)
            for comp, s in zip(nvec, (SX, SY, SZ)):
                onsite = onsite + exchange * comp[..., None, None] * s
        if any(zeeman):
            onsite = onsite + sigma_dot(zeeman)
        if geom.spin_orbit == "su2":
            streams = (STREAM_SU2_X, STREAM_SU2_Y, STREAM_SU2_Z)
            hops = [-haar_su2(seed, streams[a], *bond(coords, a)) for a in range(len(shape))]
            hops[0] = hops[0] * phase_x[..., None, None]
        else:
            hops = [tx * phase_x[..., None, None]] + [
                np.broadcast_to(ty, bond(coords, a)[0].shape + (2, 2)).copy() for a in axes]
    if periodic and wrap != 1.0:
        for a in axes:
            hops[a] = np.array(hops[a])
            last = [slice(None)] * hops[a].ndim
            last[a] = -1                         # the wrapping bond along axis a
            hops[a][tuple(last)] *= wrap
    return SampleArrays(np.ascontiguousarray(onsite),
                        *(np.ascontiguousarray(h) for h in hops))


def onsite_energies(seed: int, model, coords) -> np.ndarray:
    """Anderson on-site energies of ``model`` at the sites labelled by ``coords``.

    The same numbers every engine uses for these sites (pure functions of
    (seed, site)); for analyses that need the potential alone.  On a graphene
    ribbon the sites are atoms, ``coords = (i, y)`` with i the atom column
    (:func:`andersonwl.honeycomb.honeycomb_potential`).
    """
    lattice = getattr(model, "lattice", "square")
    if lattice != "square":
        from .honeycomb import honeycomb_potential
        i, y = (np.asarray(c) for c in coords)
        return honeycomb_potential(_random.check_seed(seed), model.disorder,
                                   model.disorder_kind, lattice, i, y,
                                   model.correlation_length)
    return _onsite_energies(_random.check_seed(seed), model.disorder, model.disorder_kind,
                            tuple(np.asarray(c) for c in coords),
                            getattr(model, "correlation_length", 0.0))
