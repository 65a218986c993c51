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
  spin-orbit coupling has twice its g (``spinful=True`` simulates the
  degenerate spinful model explicitly).
* Zeeman term: ``zeeman = (b_x, b_y, b_z)`` adds ``b . sigma`` on every site
  (b = g mu_B B / 2 in units of t), spin quantised along z (sigma_z = +1 is
  "up"); flux and Zeeman are independent knobs (an in-plane field, or the
  field of a tilted-field experiment, is b with flux set separately).
* Leads: ``leads="sample"`` (default) continues the sample's uniform terms
  (Rashba, Zeeman, Peierls phase) into the leads; ``leads="normal"`` attaches
  spin-conserving normal leads (plain hopping and Peierls phase, no
  spin-orbit coupling, no Zeeman, no exchange), the spin-injection geometry
  of the spin-resolved conductances (:mod:`andersonwl.engines.spin`).
* Spin content is explicit and fixed per model: ``spinful`` is resolved once,
  at construction, and never changes because a coupling becomes zero
  (``model.replace(rashba=0)`` of a Rashba model is still spinful).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from . import _checks, bands

__all__ = ["StripModel", "SPIN_ORBIT_KINDS", "DISORDER_KINDS", "LEAD_KINDS", "LATTICES"]

SPIN_ORBIT_KINDS = (None, "rashba", "su2")
DISORDER_KINDS = ("box", "gaussian")
LEAD_KINDS = ("sample", "normal")
LATTICES = ("square", "zigzag", "armchair")


@functools.lru_cache(maxsize=1024)
def _lead_problem(width: int, height: int, energy: float, field: bool,
                  zeeman: float = 0.0) -> str | None:
    """Why a plain hard-wall lead cannot be used at ``energy``; None when it can.

    ``zeeman`` is the magnitude ``|b|`` of a Zeeman term in the lead, which
    shifts the two spin subbands by -+``|b|``.  Cached: every realisation of an
    ensemble asks again.
    """
    edge = bands.lead_band_edge(width, height) + zeeman
    if not abs(energy) < edge:
        return (f"energy {energy} has no open channel in a lead of width {width} (its band "
                f"is (-{edge:.6g}, {edge:.6g}))")
    if field:
        return None
    edges = bands.subband_thresholds(width, height)
    if zeeman:
        edges = np.concatenate([edges - zeeman, edges + zeeman])
    near = np.abs(edges - energy) < 1e-6
    if np.any(near):
        return (f"energy {energy} lies at a subband threshold of the lead (E = "
                f"{edges[near][0]:.9g}), where a channel opens with zero velocity and g "
                "jumps: shift the energy slightly")
    return None


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
        site (:mod:`andersonwl.engines.probes`); 0 (the default) is fully coherent.
        A probe alone gives an electron the lifetime hbar/Gamma.  The
        conductance is then the effective two-terminal one with zero probe
        currents, which keeps g(flux) = g(-flux).
    spinful : bool or None, optional
        Two orbitals (spin up, down along z) per site.  None (the default) is
        resolved at construction: spinful when ``spin_orbit`` is set, ``rashba``
        is non-zero or ``exchange > 0``, else spinless; the resolved bool is
        stored, so derived models (:meth:`replace`) keep their spin content.
        ``spinful=True`` alone is the spin-degenerate model (two species, class
        AI, g twice the spinless g); ``spinful=False`` with a spin coupling is
        an error.
    zeeman : sequence of 3 floats, optional
        Uniform Zeeman field ``(b_x, b_y, b_z)``: the term ``b . sigma`` on every
        site (b = g mu_B B / 2, units of t; :func:`andersonwl.units` has no
        g-factor: write b for the material).  Non-zero makes the model spinful
        and breaks time reversal (class A with spin-orbit coupling; without it
        spin along b is conserved and each spin sector is orthogonal).  It
        continues into ``leads="sample"`` leads and splits their channels:
        N(E) = N_0(E - ``|b|``) + N_0(E + ``|b|``).
    leads : {"sample", "normal"}, optional
        ``"sample"`` (default): the leads carry the sample's uniform terms
        (Rashba coupling, Zeeman field, Peierls phase), so a clean sample is
        reflectionless.  ``"normal"``: spin-conserving normal leads, plain
        hopping -1 with the Peierls phase and nothing else (no spin-orbit
        coupling, Zeeman or exchange), the spin-injection geometry needed by
        spin-resolved conductances.  The leads of SU(2) and exchange samples
        have no spin-orbit coupling or exchange in either case (only a Zeeman
        field, with ``"sample"``).
    lattice : {"square", "zigzag", "armchair"}, optional
        ``"square"`` (the default), or a graphene ribbon with zigzag or
        armchair edges (:mod:`andersonwl.honeycomb`: ``width`` counts zigzag
        chains or dimer lines, ``length`` unit cells, energies from the Dirac
        point, clean band ``|E| <= 3``).  A ribbon takes box, Gaussian and
        correlated disorder, ``flux`` (per hexagon), ``spinful`` and
        ``rashba`` (the Kane-Mele lattice Rashba term, the same alpha as on
        the square lattice), ``dephasing`` (a probe on every atom) and
        ``temperature``; the other options are refused.  The transfer-matrix
        engine takes zigzag ribbons (not armchair).
    temperature : float, optional
        k_B T >= 0 in units of t (:func:`andersonwl.units.kelvin_to_energy`
        converts from kelvin).  0 (the default): g at the Fermi energy.  T > 0:
        the thermal average of g(E) over the Fermi window around
        ``energy`` (:mod:`andersonwl.engines.thermal`), same disorder at every E.

    Notes
    -----
    The degeneracy factors follow from the Hamiltonian, never from a flag:
    a spinful model without spin-orbit coupling or exchange has two
    degenerate spin species (:attr:`spin_degeneracy` = 2); with them it has
    none (1), and in class AII every transmission eigenvalue is Kramers
    degenerate.  Random values (on-site energies,
    exchange directions, SU(2) bonds) are pure functions of (seed, site) via
    :mod:`andersonwl._random`: a site's value does not depend on the sample
    size, the order of work or the number of workers.

    Raises
    ------
    ValueError
        On non-positive sizes, NaN or infinite numbers, negative disorder or
        exchange, unknown kinds, contradictory settings (``rashba`` with
        ``spin_orbit="su2"``, ``spinful=False`` with a spin coupling) and
        energies outside the clean band.
    TypeError
        On arguments of the wrong type (a string or a float for a size, ...).
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
    spinful: bool | None = None
    temperature: float = 0.0
    zeeman: tuple = (0.0, 0.0, 0.0)
    leads: str = "sample"
    lattice: str = "square"

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        for name in ("length", "width", "height"):
            set_(name, _checks.integer(name, getattr(self, name), minimum=1))
        set_("energy", _checks.real("energy", self.energy))
        set_("flux", _checks.real("flux", self.flux))
        set_("rashba", _checks.real("rashba", self.rashba))
        for name in ("disorder", "exchange", "correlation_length", "dephasing", "temperature"):
            set_(name, _checks.real(name, getattr(self, name), minimum=0))
        if self.correlation_length > 20:
            raise ValueError("correlation_length above 20 lattice constants is not supported "
                             "(the kernel sum grows as correlation_length^dimension)")
        set_("zeeman", _checks.vector("zeeman", self.zeeman, 3))
        _checks.choice("leads", self.leads, LEAD_KINDS)
        _checks.choice("spin_orbit", self.spin_orbit, SPIN_ORBIT_KINDS)
        _checks.choice("disorder_kind", self.disorder_kind, DISORDER_KINDS)
        _checks.choice("lattice", self.lattice, LATTICES)
        if self.lattice != "square":
            self._check_ribbon()
        if self.rashba != 0 and self.spin_orbit == "su2":
            raise ValueError("rashba and spin_orbit='su2' contradict each other: "
                             "the SU(2) model has its own random spin-orbit hopping")
        if self.rashba != 0 and self.spin_orbit is None:
            set_("spin_orbit", "rashba")
        coupled = self.spin_orbit is not None or self.exchange > 0 or self.zeeman_strength > 0
        if self.spinful is None:
            set_("spinful", coupled)
        else:
            set_("spinful", _checks.boolean("spinful", self.spinful))
            if coupled and not self.spinful:
                raise ValueError("spinful=False contradicts a spin coupling (spin_orbit="
                                 f"{self.spin_orbit!r}, exchange={self.exchange}, zeeman="
                                 f"{self.zeeman}): drop "
                                 "spinful, or write spinful=True")
        if self.height > 1 and self.spin_orbit == "rashba":
            raise ValueError("Rashba coupling is defined for 2D strips (height=1) only")
        if self.lattice != "square":
            # every bond's 2 x 2 block -1 + i (alpha/2) (sigma x d)_z has norm
            # sqrt(1 + (alpha/2)^2), three bonds per atom: |E| <= 3 sqrt(1 + (alpha/2)^2)
            edge = 3.0 * math.sqrt(1.0 + (0.5 * self.rashba) ** 2)
        elif self.height > 1:
            edge = 6.0
        else:
            edge = bands.rashba_band_edge(self.rashba) if self.spin_orbit == "rashba" else 4.0
        edge += self.zeeman_strength
        if not abs(self.energy) < edge:
            raise ValueError(f"energy {self.energy} lies outside the clean band "
                             f"(-{edge:.6g}, {edge:.6g})")

    def _check_ribbon(self) -> None:
        """Refuse what a honeycomb ribbon does not take (before any compute)."""
        wrong = [name for name, bad in (
            ("spin_orbit='su2'", self.spin_orbit == "su2"),
            ("exchange", self.exchange > 0), ("zeeman", any(self.zeeman)),
            ("height", self.height > 1),
            ("leads='normal'", self.leads != "sample")) if bad]
        if wrong:
            raise ValueError(f"lattice={self.lattice!r} (a graphene ribbon) does not "
                             f"take {', '.join(wrong)}: the SU(2) model, magnetic terms, "
                             "3D bars and normal leads are square-lattice options for now "
                             "(a ribbon takes spinful, rashba, dephasing and temperature)")
        if self.width < 2:
            raise ValueError(f"a {self.lattice} ribbon needs width >= 2 (zigzag chains or "
                             f"dimer lines), got {self.width}")

    def check_leads(self) -> None:
        """Refuse energies with no open lead channel or at a lead subband threshold.

        Called by every engine that attaches leads (conductance), not by the
        lead-free transfer-matrix engine.  Exact for the plain hard-wall lead
        (spinless or spin-degenerate, SU(2) leads included, no field):
        subbands E = eps_n +- 2 cos k (:mod:`andersonwl.bands`); with Rashba
        coupling or a field the leads' own mode solver refuses thresholds
        (:mod:`andersonwl.engines.leads`).

        Raises
        ------
        ValueError
            Naming the lead band or the threshold, and what to change.
        """
        if self.lattice != "square":
            from .honeycomb import ribbon_lead_problem
            problem = ribbon_lead_problem(self.lattice, self.width, self.energy, self.flux,
                                          self.rashba)
            if problem is not None:
                raise ValueError(problem)
            return
        if self.leads_have_rashba:
            return
        problem = _lead_problem(self.width, self.height, self.energy, self.flux != 0,
                                self.lead_zeeman_strength)
        if problem is not None:
            raise ValueError(problem)

    # ------------------------------------------------------------------
    @property
    def spin_degeneracy(self) -> int:
        """Degenerate spin species: 2 if spinful without spin-orbit or exchange, else 1.

        A spinful model without spin-orbit coupling or exchange has a
        Hamiltonian that commutes with every spin rotation, hence two
        degenerate species.  The spinless model is one species (1).  Kramers degeneracy of class AII
        is a different thing (a property of the transmission eigenvalues).
        """
        spin_free = (self.exchange == 0 and self.spin_orbit != "su2" and self.rashba == 0
                     and self.zeeman_strength == 0)
        return 2 if (self.spinful and spin_free) else 1

    @property
    def zeeman_strength(self) -> float:
        """``|b|``, the magnitude of the Zeeman field (units of t)."""
        return float(np.sqrt(sum(b * b for b in self.zeeman)))

    @property
    def leads_have_rashba(self) -> bool:
        """True when the leads carry a non-zero Rashba coupling (``leads="sample"``)."""
        return self.leads == "sample" and self.spin_orbit == "rashba" and self.rashba != 0

    @property
    def lead_zeeman(self) -> tuple:
        """The Zeeman field of the leads: the sample's for ``leads="sample"``, else zero."""
        return self.zeeman if self.leads == "sample" else (0.0, 0.0, 0.0)

    @property
    def lead_zeeman_strength(self) -> float:
        """``|b|`` of the leads' Zeeman field (which shifts their spin subbands by -+ it)."""
        return self.zeeman_strength if self.leads == "sample" else 0.0

    @property
    def extent(self) -> tuple[float, float]:
        """(L, W): the sample's length and width in lattice constants.

        ``(length, width)`` on the square lattice; on a graphene ribbon
        (:mod:`andersonwl.honeycomb`, a = the graphene lattice constant)
        ``(length, width sqrt(3)/2)`` for zigzag and ``(length sqrt(3), width/2)``
        for armchair: the unit cell along the ribbon and the spacing of the
        zigzag chains or dimer lines across it.  sigma = g L / W uses it.
        """
        if self.lattice == "zigzag":
            return float(self.length), self.width * math.sqrt(3.0) / 2
        if self.lattice == "armchair":
            return self.length * math.sqrt(3.0), self.width / 2
        return float(self.length), float(self.width)

    @property
    def aspect_ratio(self) -> float:
        """L / W from :attr:`extent`: the number of squares in series (sigma = g L / W)."""
        length, width = self.extent
        return length / width

    @property
    def dimension(self) -> int:
        """2 for a strip, 3 for a bar (height > 1)."""
        return 3 if self.height > 1 else 2

    @property
    def norbs(self) -> int:
        """Orbitals per site: 2 when spinful, else 1; a ribbon cell: 2 atoms x (2 if spinful)."""
        if self.lattice != "square":
            return 4 if self.spinful else 2
        return 2 if self.spinful else 1

    def replace(self, **changes) -> StripModel:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        """The fields as a plain dictionary (the ``[model]`` table of an experiment)."""
        return dataclasses.asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of the model's fields, in the order of their definition."""
        return tuple(f.name for f in dataclasses.fields(cls))
