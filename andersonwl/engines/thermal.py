"""Finite temperature: the Landauer conductance averaged over the Fermi window.

Notes
-----
For non-interacting electrons at temperature T (k_B T = ``temperature``, in
units of t) and chemical potential mu, the linear-response conductance is the
thermal average of the T = 0 conductance (Landauer-Buttiker; Datta,
*Electronic Transport in Mesoscopic Systems*, Eq. 2.5.4; Imry, *Introduction
to Mesoscopic Physics*, Ch. 5)::

    g(T, mu) = int dE g(E) (-df/dE),   -df/dE = 1 / (4 k_B T cosh^2((E - mu)/(2 k_B T))).

Quadrature.  The substitution ``u = tanh((E - mu)/(2 k_B T))`` maps
(-df/dE) dE to du/2 exactly, so ``g(T, mu) = 1/2 int_{-1}^{1} g(mu + 2 k_B T
artanh u) du``: the Fermi window is integrated exactly and only g(E) is
sampled.  The range is cut at ``|E - mu| <= X = k_B T ln(2/TAIL)`` (the
weight beyond, below TAIL = 1e-10, enters the error bound as ``weight x N``),
or just inside the lead band edge if that is nearer, provided the weight
beyond the edge is below WINDOW_TAIL = 1e-6 (else the temperature is refused);
adaptive composite 4-point Gauss-Legendre panels in u, whose first edges are
the lead subband thresholds inside the window (plain leads: where g(E)
jumps; with a field or Rashba leads the thresholds are not known in advance,
the adaptive refinement finds the steps, and a node that falls on one is
moved by NUDGE = 4e-6).  The first panels are uniform
in u, about one per Thouless energy E_c (:func:`thouless_energy`, the energy
correlation scale of g(E)) at the window's centre; every panel is compared
with its two halves, and those whose difference exceeds their share of the
tolerance are halved again (near the window's ends one panel in u spans many
E_c, so refinement goes there), until the summed differences, the reported
error, are below ``rtol x max(1, g)`` or ``max_energies`` energies were used.

The energies of one realisation are computed in one sweep that shares the
disorder (a pure function of (seed, site)) and the sample set-up
(:func:`andersonwl.engines.rgf.conductance_vs_energy`); other engines are
called once per energy.  g = G/(e^2/h) summed over spin, contact resistance
of the leads included.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import _checks, bands
from .._random import check_seed
from ..models import StripModel

__all__ = ["ThermalConductance", "thermal_conductance", "fermi_window", "window", "thouless_energy",
           "thermal_length", "diffusion_constant", "TAIL", "WINDOW_TAIL", "RTOL",
           "MAX_ENERGIES", "MIN_PANEL", "NUDGE"]

#: Fermi-window weight left out beyond the cut-off (added to the error bound).
TAIL = 1e-10
#: Largest Fermi-window weight allowed beyond the lead band edge.
WINDOW_TAIL = 1e-6
#: Narrowest panel in energy (units of t): its 4 nodes stay > 1e-6 from its edges, the
#: tolerance within which a lead refuses an energy at a subband threshold.
MIN_PANEL = 2e-5
#: Default relative tolerance of the quadrature.
RTOL = 1e-3
#: Default largest number of energies per realisation.
MAX_ENERGIES = 4096
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(4)


def fermi_window(energy, mu: float, temperature: float):
    """-df/dE = 1 / (4 k_B T cosh^2((E - mu)/(2 k_B T))), in 1/t; integrates to 1."""
    temperature = _checks.real("temperature", temperature, minimum=0)
    if temperature == 0:
        raise ValueError("the Fermi window at temperature 0 is a delta function")
    x = (np.asarray(energy, dtype=float) - mu) / (2 * temperature)
    return 1.0 / (4 * temperature * np.cosh(np.clip(x, -350, 350)) ** 2)


def _fermi_surface(model: StripModel) -> tuple[float, float]:
    """nu(E) per site (atom) and spin and the Fermi-surface mean of ``|v|`` of the clean 2D lattice.

    The square lattice (:func:`andersonwl.bands.fermi_surface_average`; a 3D
    bar uses it too, as an estimate) or, for a graphene ribbon, the graphene
    sheet (:func:`andersonwl.honeycomb.sheet_fermi_surface`; at the Dirac point
    itself nu = 0 and v = sqrt(3)/2).
    """
    if model.lattice == "square":
        return bands.fermi_surface_average(model.energy)
    from ..honeycomb import sheet_fermi_surface
    if abs(model.energy) < 1e-3:
        return 0.0, 0.5 * math.sqrt(3.0)
    return sheet_fermi_surface(round(float(model.energy), 6))


def _born_mean_free_path(model: StripModel) -> float:
    """L = v_F tau, hbar/tau = 2 pi nu W^2/12 (Born, white noise; inf without disorder).

    For a correlated potential the white-noise rate is an upper bound (the
    potential scatters mostly forward): an estimate, which only sets the
    first panels of the quadrature and the reported E_c and L_T.
    """
    nu, v = _fermi_surface(model)
    if model.disorder == 0 or nu == 0:
        return math.inf
    return v / (2 * np.pi * nu * model.disorder**2 / 12)


def diffusion_constant(model: StripModel, mean_free_path: float | None = None) -> float:
    """D = v_F l / d in units of t a^2 / hbar (d = 2 for a strip, 3 for a bar).

    ``mean_free_path`` (lattice constants) defaults to the Born estimate
    l = v_F tau with hbar/tau = 2 pi nu W^2/12 (:func:`andersonwl.bands.born_rate`,
    v_F the Fermi-surface mean of the 2D square lattice,
    :func:`andersonwl.bands.fermi_surface_average`); pass a measured one
    (:func:`andersonwl.simulations.transport_lifetime`) where the Born
    approximation fails (W of order t and above).  Akkermans and Montambaux,
    *Mesoscopic Physics of Electrons and Photons*, Ch. 4.
    """
    _checks.instance("model", model, StripModel)
    _, v = _fermi_surface(model)
    if mean_free_path is None:
        mean_free_path = _born_mean_free_path(model)
    else:
        mean_free_path = _checks.real("mean_free_path", mean_free_path, minimum=0)
        if mean_free_path == 0:
            raise ValueError("mean_free_path must be positive")
    return v * mean_free_path / model.dimension


def thouless_energy(model: StripModel, mean_free_path: float | None = None) -> float:
    """The energy correlation scale of g(E): E_c = hbar D / L^2, in units of t.

    Diffusive samples (l < L): E_c = hbar D / L^2 with D from
    :func:`diffusion_constant` (Thouless, Phys. Rep. 13, 93 (1974); Akkermans
    and Montambaux, Ch. 5).  Quasi-ballistic ones (l >= L) use the inverse
    time of flight, hbar v_F / (d L), the same formula with l replaced by L.
    """
    _checks.instance("model", model, StripModel)
    mfp = _born_mean_free_path(model) if mean_free_path is None else float(mean_free_path)
    _, v = _fermi_surface(model)
    length = model.extent[0]                      # lattice constants (a ribbon's cells differ)
    return v * min(mfp, length) / (model.dimension * length**2)


def thermal_length(model: StripModel, temperature: float,
                   mean_free_path: float | None = None) -> float:
    """L_T = sqrt(hbar D / k_B T) in lattice constants (inf at T = 0 or without disorder).

    The length over which two electrons k_B T apart in energy stay in phase
    (Akkermans and Montambaux, Ch. 5); a sample longer than L_T averages its
    conductance fluctuations over ~ (L / L_T)^d independent parts.
    """
    temperature = _checks.real("temperature", temperature, minimum=0)
    if temperature == 0:
        return math.inf
    return math.sqrt(diffusion_constant(model, mean_free_path) / temperature)


@dataclasses.dataclass(frozen=True)
class ThermalConductance:
    """A thermal average of g and how it was computed.

    Attributes
    ----------
    value, error : float
        g(T, mu) in e^2/h (summed over spin, contact resistance included) and
        its estimated quadrature error (difference of the last two refinements
        plus the cut-off tail).
    temperature, mu : float
        k_B T and the chemical potential (units of t).
    energies, weights, conductances : numpy.ndarray
        The quadrature nodes, their weights (summing to 1 - tail) and g there.
    thouless_energy, thermal_length, mean_free_path : float
        E_c (units of t), L_T and the l they use (lattice constants).
    converged : bool
        False when ``max_energies`` was reached before ``rtol``.
    """

    value: float
    error: float
    temperature: float
    mu: float
    energies: np.ndarray
    weights: np.ndarray
    conductances: np.ndarray
    thouless_energy: float
    thermal_length: float
    mean_free_path: float
    converged: bool

    def __str__(self):
        return (f"g(T={self.temperature:.3g}, mu={self.mu:.4g}) = {self.value:.6g} +- "
                f"{self.error:.1e} ({len(self.energies)} energies; E_c = "
                f"{self.thouless_energy:.3g}, L_T = {self.thermal_length:.3g})")


def window(model: StripModel, temperature: float | None = None) -> tuple[float, float]:
    """The half-width X of the energy window |E - mu| <= X and the weight left out.

    X = k_B T ln(2/TAIL), or just inside the lead band edge if that is nearer
    (then the weight beyond it enters the error bound).  Called by
    :func:`thermal_conductance` and by the experiment validation, so that an
    impossible temperature is refused before any work.

    Raises
    ------
    ValueError
        When more than WINDOW_TAIL of the Fermi window lies beyond the lead
        band edge.
    """
    T = model.temperature if temperature is None else temperature
    mu = model.energy
    gap = 0.0
    if model.lattice != "square":
        from ..honeycomb import ribbon_band_edges
        gap, edge = ribbon_band_edges(model.lattice, model.width, model.rashba)
    elif model.leads_have_rashba:
        edge = bands.rashba_band_edge(model.rashba)
    else:
        edge = bands.lead_band_edge(model.width, model.height)
    edge += model.lead_zeeman_strength
    X = min(T * math.log(2 / TAIL), (edge - abs(mu)) * (1 - 1e-6))
    what = f"the lead band edge {edge:.4g}"
    if gap > 1e-9 and (abs(mu) - gap) * (1 - 1e-6) < X:
        X = (abs(mu) - gap) * (1 - 1e-6)
        what = f"the gap of the ribbon (no channel for |E| < {gap:.4g})"
    tail = 2 / (1 + math.exp(X / T)) if X > 0 else 1.0
    if tail > WINDOW_TAIL:
        raise ValueError(f"the Fermi window of temperature {T:g} around mu = {mu:g} crosses "
                         f"{what} (a weight {tail:.1e} of -df/dE lies "
                         f"beyond it, more than {WINDOW_TAIL:g}): lower the temperature or "
                         "move mu away from it")
    return X, tail


def _breakpoints(model, lo, hi):
    """The lead thresholds inside (lo, hi), mapped later to u; plain leads and ribbons.

    A lead Zeeman field ``b`` shifts the two spin subbands by -+``|b|``.  A
    graphene ribbon's thresholds (without field) come from its computed bands
    (:func:`andersonwl.honeycomb.ribbon_thresholds`, Rashba leads included).
    """
    if model.lattice != "square":      # a ribbon's thresholds, computed (no field)
        if model.flux != 0:
            return np.zeros(0)
        from ..honeycomb import ribbon_thresholds
        step = 0.05                      # widened to a grid: the thresholds are cached
        edges = ribbon_thresholds(model.lattice, model.width, math.floor(lo / step) * step,
                                  math.ceil(hi / step) * step, float(model.rashba))
        return edges[(edges > lo) & (edges < hi)]
    if model.flux != 0 or model.leads_have_rashba:
        return np.zeros(0)
    edges = bands.subband_thresholds(model.width, model.height)
    b = model.lead_zeeman_strength
    if b:
        edges = np.sort(np.concatenate([edges - b, edges + b]))
    return edges[(edges > lo) & (edges < hi)]


def _initial_panels(u_edges, panels_per_unit):
    """Panels (a, b) in u, uniform within each interval between breakpoints."""
    out = []
    for a, b in zip(u_edges[:-1], u_edges[1:]):
        p = max(1, math.ceil((b - a) * panels_per_unit))
        cuts = np.linspace(a, b, p + 1)
        out.append(np.stack([cuts[:-1], cuts[1:]], axis=1))
    return np.concatenate(out)


def _nodes(mu, T, panels):
    """Energies and weights (P, 4) of the 4-point Gauss-Legendre rule on each panel.

    The weights are those of du/2, i.e. of (-df/dE) dE.
    """
    half = (panels[:, 1:] - panels[:, :1]) / 2
    u = (panels[:, :1] + half) + half * _NODES[None, :]
    return mu + 2 * T * np.arctanh(u), (half * _WEIGHTS[None, :]) / 2


def _split(panels):
    mid = panels.mean(axis=1)
    out = np.empty((2 * len(panels), 2))
    out[0::2, 0], out[0::2, 1] = panels[:, 0], mid
    out[1::2, 0], out[1::2, 1] = mid, panels[:, 1]
    return out


#: How far a node is moved off a lead threshold that the breakpoints did not know.
NUDGE = 4e-6


def _away_from_thresholds(model, energies):
    """The energies, each moved by NUDGE (away from mu) if a lead refuses it.

    With a field or Rashba leads the subband thresholds are not panel edges,
    and a node may by chance fall within the leads' tolerance of one, where g
    is undefined.  Moving it by NUDGE changes the integral by about
    NUDGE x (-df/dE) x the jump, far below the quadrature error.
    """
    from .leads import lead_data
    out = np.array(energies, dtype=float)
    for i, e in enumerate(out):
        for shift in (0.0, NUDGE, -NUDGE, 2 * NUDGE, -2 * NUDGE):
            m = model.replace(energy=float(e + np.copysign(shift, e - model.energy)))
            try:
                m.check_leads()
                lead_data(m)
            except ValueError:
                continue
            out[i] = m.energy
            break
    return out


def _g_at(model, energies, seed, engine):
    from . import ENGINES
    energies = _away_from_thresholds(model, energies)
    if engine == "rgf":
        from .rgf import conductance_vs_energy
        return conductance_vs_energy(model, energies, seed)
    compute = ENGINES[engine].conductance
    return np.array([compute(model.replace(energy=float(e)), seed) for e in energies])


def thermal_conductance(model: StripModel, seed: int = 0, *, temperature: float | None = None,
                        engine: str = "auto", rtol: float = RTOL,
                        max_energies: int = MAX_ENERGIES,
                        mean_free_path: float | None = None) -> ThermalConductance:
    """g(T, mu) of one realisation: g(E) averaged over the Fermi window.

    Parameters
    ----------
    model : StripModel
        ``model.energy`` is the chemical potential mu; ``model.temperature``
        is k_B T unless ``temperature`` is given.
    seed : int, optional
        Realisation seed (the same disorder at every energy).
    temperature : float, optional
        k_B T in units of t (> 0; :func:`andersonwl.units.kelvin_to_energy`
        converts from kelvin).  Default: ``model.temperature``.
    engine : str
        A coherent engine name or ``"auto"``; ``"rgf"`` sweeps all energies of
        a refinement at once.
    rtol : float
        Relative tolerance: refine until the summed differences between the
        panels and their halves (the reported error) are below
        ``rtol x max(1, g)``.
    max_energies : int
        Largest number of energies (then ``converged`` is False and the error
        says how far off).
    mean_free_path : float, optional
        l for E_c and L_T (default: the Born estimate, see :func:`diffusion_constant`).

    Returns
    -------
    ThermalConductance

    Raises
    ------
    ValueError
        For a negative, NaN or zero temperature, a window ``|E - mu| <= X`` that
        leaves the lead band (no open channel at its edge) or a bad tolerance;
        before any work.

    Notes
    -----
    See the module notes for the formula (Datta, Eq. 2.5.4) and the
    quadrature.  As T -> 0 the result tends to g(mu); for a clean strip it
    is the Fermi-smeared staircase sum_n f(E_n - mu) (each channel opening at
    E_n contributes f), which the tests check.
    """
    from . import resolve_engine
    _checks.instance("model", model, StripModel)
    seed = check_seed(seed)
    T = model.temperature if temperature is None else temperature
    T = _checks.real("temperature", T, minimum=0)
    if T == 0:
        raise ValueError("temperature must be > 0 for a thermal average (at T = 0 g is "
                         "conductance(model, seed))")
    rtol = _checks.real("rtol", rtol, minimum=0)
    if not 0 < rtol < 1:
        raise ValueError(f"rtol must lie in (0, 1), got {rtol}")
    max_energies = _checks.integer("max_energies", max_energies, minimum=16)
    base = model.replace(temperature=0.0)
    name = resolve_engine(base, engine)
    mu = model.energy
    X, tail = window(model, T)
    lo, hi = mu - X, mu + X
    u_edges = np.concatenate([[-math.tanh(X / (2 * T))],
                              np.tanh((_breakpoints(model, lo, hi) - mu) / (2 * T)),
                              [math.tanh(X / (2 * T))]])
    ec = thouless_energy(base, mean_free_path)
    mfp = _born_mean_free_path(base) if mean_free_path is None else float(mean_free_path)
    # panels per unit of u: one (4 nodes) per E_c at the window's centre, where dE/du = 2T
    panels = _initial_panels(u_edges, max(2.0, 2 * T / ec))
    width = u_edges[-1] - u_edges[0]

    def evaluate(p):
        e, w = _nodes(mu, T, p)
        g = _g_at(base, e.ravel(), seed, name).reshape(e.shape)
        return e, w, g, np.sum(w * g, axis=1)

    _, _, g, q = evaluate(panels)
    used = g.size
    nchannels = float(np.max(g)) + 1.0
    done_value, done_error, kept = 0.0, 0.0, []    # accepted panels: value, error, nodes
    converged = False
    while True:
        children = _split(panels)
        e, w, g, qc = evaluate(children)
        used += g.size
        pair = qc[0::2] + qc[1::2]
        err = np.abs(pair - q)                       # the error of the coarser rule, bounding
        value = done_value + float(pair.sum())       # that of the finer one (conservative)
        error = done_error + float(err.sum()) + tail * nchannels
        tol = rtol * max(1.0, abs(value))
        if error <= tol or used >= max_energies:
            converged = error <= tol
            kept.append((e, w, g))
            break
        # keep the panels well inside their share of the tolerance, refine the rest
        good = err <= 0.25 * tol * (panels[:, 1] - panels[:, 0]) / width
        # no panel narrower than MIN_PANEL in energy is evaluated (its nodes would come
        # within the lead's threshold tolerance): a panel whose halves' halves would be
        # is kept as it is, its difference staying in the error
        extent = 2 * T * np.diff(np.arctanh(children), axis=1).ravel()
        good |= (extent[0::2] < 2 * MIN_PANEL) | (extent[1::2] < 2 * MIN_PANEL)
        both = np.repeat(good, 2)
        done_value += float(pair[good].sum())
        done_error += float(err[good].sum())
        kept.append((e[both], w[both], g[both]))
        if np.all(good):                             # nothing left that can be refined
            converged = error <= tol
            break
        panels, q = children[~both], qc[~both]
    energies = np.concatenate([k[0].ravel() for k in kept])
    weights = np.concatenate([k[1].ravel() for k in kept])
    g = np.concatenate([k[2].ravel() for k in kept])
    order = np.argsort(energies)
    energies, weights, g = energies[order], weights[order], g[order]
    return ThermalConductance(value=value, error=error, temperature=T, mu=mu,
                              energies=energies, weights=weights, conductances=g,
                              thouless_energy=ec, thermal_length=thermal_length(base, T, mfp)
                              if math.isfinite(mfp) else math.inf,
                              mean_free_path=mfp, converged=converged)
