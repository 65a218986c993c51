"""Model descriptions: disordered square-lattice strips of the three Wigner-Dyson classes.

Conventions (used everywhere in andersonwl)
-------------------------------------------
* Square lattice, lattice constant a = 1, nearest-neighbour hopping t = 1;
  energies are measured from the band centre (the clean 2D band is [-4, 4]).
* Site ``(x, y)`` with ``0 <= x < length`` along the transport direction and
  ``0 <= y < width`` across it; hard walls at ``y = -1`` and ``y = width``.
  Two clean semi-infinite leads continue the strip along -x and +x.
  With ``height > 1`` the model is a 3D bar on the simple cubic lattice,
  sites ``(x, y, z)`` with ``0 <= z < height`` and hard walls in z too (the
  clean band is then [-6, 6]); the field, if any, points along z.
* Box disorder: eps_i uniform in [-W/2, W/2]; Gaussian disorder has the same
  variance, W**2 / 12.
* Magnetic field: ``flux`` is the flux per plaquette in units of h/e.  In the
  Landau gauge A = (-B y, 0) the hopping from (x, y) to (x + 1, y) carries the
  Peierls phase exp(-2 pi i flux y), which keeps the leads translation
  invariant; the phase around a plaquette (counter-clockwise) is 2 pi flux.
* g = G / (e^2/h).  For spinful models g is summed over spin.  The spinless
  model describes one spin species: a spin-degenerate sample without
  spin-orbit coupling has twice its g (set ``spin_orbit="rashba"`` with
  ``rashba=0`` to simulate the degenerate spinful model explicitly).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from numbers import Integral, Real

import numpy as np

__all__ = ["StripModel", "SPIN_ORBIT_KINDS", "DISORDER_KINDS"]

SPIN_ORBIT_KINDS = (None, "rashba", "su2")
DISORDER_KINDS = ("box", "gaussian")


def _check_size(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _check_real(name, value, *, nonnegative=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


@functools.lru_cache(maxsize=256)
def rashba_band_edge(rashba: float) -> float:
    """Largest |E| of the clean 2D Rashba band.

    E(k) = -2 (cos kx + cos ky) +- rashba * sqrt(sin^2 kx + sin^2 ky)
    (t = 1, a = 1); evaluated on a fine k grid.  Equals 4 for rashba = 0.
    """
    if rashba == 0:
        return 4.0
    k = np.linspace(-np.pi, np.pi, 401)
    kx, ky = np.meshgrid(k, k)
    e0 = -2 * (np.cos(kx) + np.cos(ky))
    s = abs(rashba) * np.sqrt(np.sin(kx) ** 2 + np.sin(ky) ** 2)
    return float(max(np.max(np.abs(e0 + s)), np.max(np.abs(e0 - s))))


@dataclasses.dataclass(frozen=True)
class StripModel:
    """A disordered two-terminal square-lattice strip.

    Parameters
    ----------
    length, width : int
        Number of sites along the transport direction x and across it (y).
    energy : float
        Fermi energy in units of t, measured from the band centre.  Must lie
        strictly inside the clean band of the leads.
    disorder : float, optional
        Anderson disorder strength W >= 0 (units of t).  Box disorder draws
        eps_i uniformly from [-W/2, W/2]; Gaussian disorder has variance W^2/12.
    flux : float, optional
        Flux per plaquette in units of h/e (Landau gauge, see module notes).
    rashba : float, optional
        Rashba coupling alpha (units of t).  The Hamiltonian is
        ``H = sum_r [c+_{r+x} (-t - i alpha/2 sigma_y) c_r
        + c+_{r+y} (-t + i alpha/2 sigma_x) c_r + h.c.]``, the lattice form of
        ``alpha (sigma_x k_y - sigma_y k_x)``.  A non-zero value implies
        ``spin_orbit="rashba"``.
    exchange : float, optional
        Magnetic impurities: an exchange field J n_i . sigma of strength
        J = ``exchange`` >= 0 with an independent uniformly random direction
        n_i on every site.  It breaks time reversal (unitary class A).
    spin_orbit : {None, "rashba", "su2"}, optional
        ``"rashba"``: uniform Rashba coupling (symplectic class AII when
        rashba != 0).  ``"su2"``: the SU(2) model of Asada, Slevin and Ohtsuki
        (PRL 89, 256601 (2002); PRB 70, 035115 (2004)) in which every bond's
        hopping is ``-R`` with R an independent Haar-random SU(2) matrix; its
        leads have the plain hopping ``-1`` (R = identity), since random bonds
        cannot be translation invariant.
    disorder_kind : {"box", "gaussian"}, optional
    height : int, optional
        Sites along z.  1 (the default) is the 2D strip; ``height > 1`` makes
        a 3D bar of cross-section ``width x height`` on the simple cubic
        lattice (Rashba coupling is not defined there; SU(2) bonds and
        exchange are).  The 3D Anderson transition at E = 0 lies at
        W_c = 16.54 (Slevin and Ohtsuki, PRL 82, 382 (1999)).
    correlation_length : float, optional
        0 (the default): white-noise disorder, independent on every site.
        xi > 0: a smooth, Gaussian-correlated potential
        ``V(r) = sum_d K(d) w(r + d)`` with ``K ~ exp(-|d|^2/xi^2)`` normalised to keep
        the variance W^2/12, so ``<V(r) V(r')> = (W^2/12) exp(-|r - r'|^2/(2 xi^2))``;
        it scatters mostly forward (tau_tr > tau_q).  Lattice constants.
    dephasing : float, optional
        Coupling Gamma >= 0 (units of t) of a Buttiker voltage probe on every
        site (:mod:`andersonwl.probes`); 0 (the default) is fully coherent.
        A probe alone gives an electron the lifetime hbar/Gamma.  The
        conductance is then the effective two-terminal one with zero probe
        currents, which keeps g(flux) = g(-flux).

    Notes
    -----
    The model is spinful (two orbitals per site) when ``spin_orbit`` is set
    or ``exchange > 0``, otherwise spinless.  Random values (on-site energies,
    exchange directions, SU(2) bonds) are pure functions of (seed, site) via
    :mod:`andersonwl._random`: a site's value does not depend on the sample
    size, the order of work or the number of workers.

    Raises
    ------
    ValueError
        On non-positive or non-integer sizes, NaN or infinite numbers, negative
        disorder or exchange, unknown kinds, contradictory settings (``rashba``
        with ``spin_orbit="su2"``) and energies outside the clean band.
    """

    length: int
    width: int
    energy: float
    disorder: float = 0.0
    flux: float = 0.0
    rashba: float = 0.0
    exchange: float = 0.0
    spin_orbit: str | None = None
    disorder_kind: str = "box"
    height: int = 1
    correlation_length: float = 0.0
    dephasing: float = 0.0

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("length", _check_size("length", self.length))
        set_("width", _check_size("width", self.width))
        set_("height", _check_size("height", self.height))
        set_("energy", _check_real("energy", self.energy))
        set_("disorder", _check_real("disorder", self.disorder, nonnegative=True))
        set_("flux", _check_real("flux", self.flux))
        set_("rashba", _check_real("rashba", self.rashba))
        set_("exchange", _check_real("exchange", self.exchange, nonnegative=True))
        set_("correlation_length",
             _check_real("correlation_length", self.correlation_length, nonnegative=True))
        set_("dephasing", _check_real("dephasing", self.dephasing, nonnegative=True))
        if self.correlation_length > 20:
            raise ValueError("correlation_length above 20 lattice constants is not supported "
                             "(the kernel sum grows as correlation_length^dimension)")
        if self.spin_orbit not in SPIN_ORBIT_KINDS:
            raise ValueError(
                f"spin_orbit must be one of {SPIN_ORBIT_KINDS}, got {self.spin_orbit!r}")
        if self.disorder_kind not in DISORDER_KINDS:
            raise ValueError(
                f"disorder_kind must be one of {DISORDER_KINDS}, got {self.disorder_kind!r}")
        if self.rashba != 0 and self.spin_orbit == "su2":
            raise ValueError("rashba and spin_orbit='su2' contradict each other: "
                             "the SU(2) model has its own random spin-orbit hopping")
        if self.rashba != 0 and self.spin_orbit is None:
            set_("spin_orbit", "rashba")
        if self.height > 1 and self.spin_orbit == "rashba":
            raise ValueError("Rashba coupling is defined for 2D strips (height=1) only")
        if self.height > 1:
            edge = 6.0
        else:
            edge = rashba_band_edge(self.rashba) if self.spin_orbit == "rashba" else 4.0
        if not abs(self.energy) < edge:
            raise ValueError(f"energy {self.energy} lies outside the clean band "
                             f"(-{edge:.6g}, {edge:.6g})")
        if self.spin_orbit != "rashba":
            # the hard-wall lead of width W (and height H) has its lowest and
            # highest subband edges at -+(2 + 2 cos(pi / (W + 1)) [+ 2 cos(pi / (H + 1))]).
            lead_edge = 2 + 2 * math.cos(math.pi / (self.width + 1))
            if self.height > 1:
                lead_edge += 2 * math.cos(math.pi / (self.height + 1))
            if not abs(self.energy) < lead_edge:
                raise ValueError(
                    f"energy {self.energy} has no open channel in a lead of width "
                    f"{self.width} (its band is (-{lead_edge:.6g}, {lead_edge:.6g}))")
            if self.flux == 0:
                self._check_thresholds()

    def _check_thresholds(self):
        """Refuse energies at a subband threshold of the clean lead (zero-velocity channel).

        Lead subbands: E = eps_n +- 2 with eps_n = -2 cos(n pi/(W+1)) [- 2 cos(m pi/(H+1))].
        """
        eps = -2 * np.cos(np.arange(1, self.width + 1) * np.pi / (self.width + 1))
        if self.height > 1:
            epz = -2 * np.cos(np.arange(1, self.height + 1) * np.pi / (self.height + 1))
            eps = (eps[:, None] + epz[None, :]).ravel()
        edges = np.concatenate([eps - 2, eps + 2])
        near = np.abs(edges - self.energy) < 1e-6
        if np.any(near):
            raise ValueError(f"energy {self.energy} lies at a subband threshold of the lead "
                             f"(E = {edges[near][0]:.9g}), where a channel opens with zero "
                             "velocity and g jumps: shift the energy slightly")

    # ------------------------------------------------------------------
    @property
    def spinful(self) -> bool:
        """True when the model carries spin 1/2 (two orbitals per site)."""
        return self.spin_orbit is not None or self.exchange > 0

    @property
    def dimension(self) -> int:
        """2 for a strip, 3 for a bar (height > 1)."""
        return 3 if self.height > 1 else 2

    @property
    def norbs(self) -> int:
        """Orbitals per site: 2 when spinful, else 1."""
        return 2 if self.spinful else 1

    def replace(self, **changes) -> "StripModel":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        """The fields as a plain dictionary (the ``[model]`` table of an experiment)."""
        return dataclasses.asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))
