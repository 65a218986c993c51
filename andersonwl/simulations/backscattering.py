"""Coherent backscattering in the reflection matrix: the enhancement factor of each class.

The reflection matrix r (left lead back into the left lead) of a disordered
sample carries the interference of each path with its time-reversed partner
directly: the intensity scattered into the *time-reversed* outgoing channel
T(a) of an incoming channel a is enhanced over the diffuse background
(Beenakker, Rev. Mod. Phys. 69, 731 (1997), Sec. III; Akkermans and
Montambaux, *Mesoscopic Physics of Electrons and Photons* (2007), Ch. 8):

* orthogonal class AI (T = K, T^2 = +1): r = r^T, and
  <|r_{T(a) a}|^2> = 2 <|r_{b a}|^2> (b != a, T(a)), the factor 2 of optics;
* symplectic class AII (T = i sigma_y K, T^2 = -1): r_{T(a) a} = 0 exactly,
  realisation by realisation (Kramers: no backscattering into the
  time-reversed partner), the factor 0;
* unitary class A (time reversal broken by a field or magnetic impurities):
  no partner path, the factor 1.

Channels and the time-reversed channel
--------------------------------------
The channels are Kwant's lead modes.  For a real lead Hamiltonian Kwant's
outgoing mode m is the complex conjugate of its incoming mode m, so that
T = K maps incoming m to outgoing m (checked: r = r^T to 1e-13 without
field).  A spinful model is computed with spin-conserving leads
(``leads="normal"``, the sample unchanged): the modes are labelled by spin
along z and the mode index, identical for the two spins, and T = i sigma_y K
maps (m, up) to (m, down).  Which T applies follows from the sample's
Hamiltonian: with spin-orbit coupling (Rashba or SU(2)) only i sigma_y K can
be a symmetry, so T(m, s) = (m, -s); without it K is the symmetry and
T(m, s) = (m, s) (the spin is conserved, and g_{-s s} = 0).  With a field or
exchange the same channel is reported: the factor then falls towards 1.

The factor is a statement about diffusive, fully mixed channels; in a
sample a few mean free paths long the slowest and fastest modes also carry
mode-dependent classical reflection (see notebook 01), so the median over
modes is the number to read.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import _checks
from .._random import check_seed, realization_seeds
from ..models import StripModel

__all__ = ["ReflectionIntensity", "reflection_intensity", "Backscattering",
           "coherent_backscattering", "enhancement_factors", "has_spin_orbit"]


def has_spin_orbit(model: StripModel) -> bool:
    """True when the sample has spin-orbit coupling (Rashba or the SU(2) model)."""
    return model.spin_orbit == "su2" or model.rashba != 0


@dataclasses.dataclass(frozen=True)
class ReflectionIntensity:
    """``|r_ab|^2`` of one realisation, with channel labels and time-reversed partners.

    Attributes
    ----------
    intensity : numpy.ndarray
        ``|r_{ba}|^2``, shape (n, n): row b = outgoing, column a = incoming
        channel of the left lead.
    labels : tuple of (str, int)
        ``(spin, mode)`` of each channel; the spin is ``""`` for a spinless
        model, ``"up"``/``"down"`` along z otherwise.
    partner : numpy.ndarray of int
        ``partner[a]``: the outgoing channel T(a) (see the module notes).
    operator : str
        ``"K"`` or ``"i sigma_y K"``: the time reversal that defines T.
    model : StripModel
        The model computed (a spinful one with ``leads="normal"``).
    """

    intensity: np.ndarray
    labels: tuple
    partner: np.ndarray
    operator: str
    model: StripModel


def _reflection_model(model: StripModel) -> StripModel:
    _checks.instance("model", model, StripModel)
    if model.spinful and model.leads != "normal":
        model = model.replace(leads="normal")
    model.check_leads()
    return model


def reflection_intensity(model: StripModel, seed: int = 0) -> ReflectionIntensity:
    """The left-lead reflection intensities ``|r_ba|^2`` of one realisation (Kwant).

    Parameters
    ----------
    model : StripModel
        A spinful model is computed with spin-conserving leads
        (``model.replace(leads="normal")``): the disordered sample is the same,
        the lead modes then carry a spin label (module notes).
    seed : int, optional

    Returns
    -------
    ReflectionIntensity

    Notes
    -----
    Unitarity: each column of ``intensity`` plus the transmitted intensity
    sums to 1; ``sum(intensity) = N - g`` for N open channels.
    """
    model = _reflection_model(model)
    seed = check_seed(seed)
    so = has_spin_orbit(model)
    if not model.spinful:
        from ..engines.kwant_engine import scattering_matrix
        r = scattering_matrix(model, seed).submatrix(0, 0)
        n = r.shape[0]
        labels = tuple(("", m) for m in range(n))
        partner = np.arange(n)
    else:
        from ..engines.spin import spin_scattering_matrix
        s = spin_scattering_matrix(model, seed, axis="z")
        idx = [i for i, lab in enumerate(s.labels) if lab[0] == "left"]
        r = s.data[np.ix_(idx, idx)]
        labels = tuple((s.labels[i][1], s.labels[i][2]) for i in idx)
        where = {lab: k for k, lab in enumerate(labels)}
        flip = {"up": "down", "down": "up"}
        partner = np.array([where[(flip[sp], m) if so else (sp, m)] for sp, m in labels])
    return ReflectionIntensity(np.abs(r) ** 2, labels, partner,
                               "i sigma_y K" if so else "K", model)


@dataclasses.dataclass(frozen=True)
class Backscattering:
    """The coherent-backscattering enhancement of an ensemble (:func:`coherent_backscattering`).

    Attributes
    ----------
    intensity : numpy.ndarray
        ``<|r_ba|^2>`` over the realisations, shape (n, n).
    labels, partner, operator, model
        As in :class:`ReflectionIntensity`.
    enhancement : numpy.ndarray
        Per incoming channel a: ``<|r_{T(a) a}|^2> / <|r_{b a}|^2>_b``, the
        background averaged over b != a, T(a) (and, for a spinful model,
        over b of the spin of T(a); :func:`enhancement_factors`).  2 (AI),
        0 (AII), 1 (A) in a diffusive sample.
    median : float
        The median of :attr:`enhancement` over channels.
    partner_max : float
        ``max |r_{T(a) a}|`` over channels and realisations: 0 (to rounding)
        in class AII.
    realizations : int
    """

    intensity: np.ndarray
    labels: tuple
    partner: np.ndarray
    operator: str
    model: StripModel
    enhancement: np.ndarray
    median: float
    partner_max: float
    realizations: int


def enhancement_factors(intensity: np.ndarray, partner: np.ndarray, labels=None) -> np.ndarray:
    """Per incoming channel a: ``I[T(a), a]`` over the diffuse background of column a.

    The background is the mean of ``I[b, a]`` over the outgoing channels b of
    the same spin as T(a) (all channels of a spinless model), b != a, T(a).
    Restricting b to the spin of T(a) keeps a spin-conserving sample (whose
    opposite-spin reflection is exactly zero) from halving the background.
    """
    intensity = np.asarray(intensity, dtype=float)
    n = intensity.shape[0]
    spin = np.array(["" if labels is None else lab[0] for lab in
                     (labels if labels is not None else range(n))])
    cols = np.arange(n)
    mask = spin[:, None] == spin[partner][None, :]
    mask[cols, cols] = False
    mask[partner, cols] = False
    background = np.where(mask, intensity, 0.0).sum(axis=0) / np.maximum(mask.sum(axis=0), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return intensity[partner, cols] / background


def coherent_backscattering(model: StripModel, realizations: int, seed: int = 0) -> Backscattering:
    """Average ``|r_ba|^2`` over realisations and read off the backscattering enhancement.

    Parameters
    ----------
    model : StripModel
        See :func:`reflection_intensity` (spinful models get spin-conserving
        leads).
    realizations : int
        Realisation r has the disorder seed ``realization_seeds(seed,
        realizations)[r]`` (the package's seed rule).
    seed : int, optional

    Returns
    -------
    Backscattering

    Notes
    -----
    Beenakker, Rev. Mod. Phys. 69, 731 (1997): enhancement factor 2 for
    beta = 1, 1 for beta = 2; for beta = 4 the exact zero of r_{T(a) a}
    follows from r = -r^T in a Kramers basis (the diagonal of an
    antisymmetric matrix).  Serial, with Kwant: a few hundred ms per
    realisation for a 24 x 24 spinful sample.
    """
    realizations = _checks.integer("realizations", realizations, minimum=1)
    model = _reflection_model(model)
    total, worst, first = None, 0.0, None
    for s in realization_seeds(check_seed(seed), realizations):
        ri = reflection_intensity(model, int(s))
        first = first or ri
        total = ri.intensity if total is None else total + ri.intensity
        cols = np.arange(ri.intensity.shape[0])
        worst = max(worst, float(np.sqrt(ri.intensity[ri.partner, cols].max())))
    mean = total / realizations
    factors = enhancement_factors(mean, first.partner, first.labels)
    return Backscattering(mean, first.labels, first.partner, first.operator, first.model,
                          factors, float(np.median(factors)), worst, realizations)
