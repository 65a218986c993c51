"""The compute layer of ``andersonwl teach``: controls, the progressive cusp, fit, P(g), beta.

Pure Python on top of the package's public functions, with no web code, so
that every number the page shows can be unit-tested without a browser:

* :data:`CONTROLS` and :data:`PRESETS` describe the controls of the page;
  :func:`parse_controls` validates a dictionary of them (from JSON) into a
  :class:`Controls`, which builds the :class:`~andersonwl.StripModel`;
* :class:`CuspRun` accumulates disorder realisations of a magnetoconductance
  sweep in batches, with a cancellation check before every single
  conductance, and :meth:`CuspRun.state` turns what it has into a JSON-ready
  dictionary: delta_g and delta_sigma with their errors, the HLN or ILP fit,
  the histogram P(g) with the universal variance of the class, and the
  perturbative beta(g) of the three classes with the sample's point;
* :func:`progressive_cusp` is the same as a generator of states.

Conventions
-----------
* Square samples, ``length = width = size`` (lattice constants, a = 1),
  hopping t = 1, energies from the band centre, box disorder in [-W/2, W/2]
  (:mod:`andersonwl.models`).
* Flux per plaquette in h/e.  The sweep is ``flux_max (k / n_flux)**2``,
  k = 1 ... ``n_flux``, plus zero (denser near zero, where the cusp is).
* g = G/(e^2/h) summed over spin (two-terminal, Landauer).  delta_g(f) =
  <g_r(f) - g_r(0)> over realisations r, with the same disorder at every flux
  (common random numbers) and the paired error std_r / sqrt(N) (ddof = 1),
  exactly as :func:`andersonwl.magnetoconductance`.  delta_sigma is per
  square: (L/W) <g_s(f) - g_s(0)> with the contact resistance of the leads
  removed realisation by realisation, g_s = g / (1 - g/N)
  (:func:`andersonwl.analysis.contact.sample_conductance`).
* Seeds: realisation r of a control set has the disorder seed
  ``andersonwl._random.realization_seeds(seed, realizations)[r]`` at every
  flux, so the picture after n realisations is the same on every machine
  and does not depend on the batch size or on interruptions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from .. import _blas, _checks
from .._random import realization_seeds
from ..analysis.beta import perturbative_beta
from ..analysis.contact import sample_conductance
from ..analysis.transmission import universal_variance
from ..analysis.wl_fits import fit_magnetoconductance
from ..engines import conductance
from ..engines.leads import lead_data
from ..engines.registry import choose_engine
from ..engines.symmetry import symmetry_class
from ..models import StripModel
from ..simulations.backscattering import enhancement_factors, reflection_intensity

__all__ = ["CONTROLS", "PRESETS", "PROMPTS", "CLASSES", "MAX_ORBITALS", "MAX_PROBE_ORBITALS",
           "CLASS_PATCH", "MIN_FIT_REALIZATIONS", "Control", "ControlError", "Controls",
           "parse_controls", "default_controls", "CuspRun", "progressive_cusp",
           "numerical_class", "beta_flow", "fit_curve", "fit_kind", "config", "to_json",
           "CBS_REALIZATIONS", "CBS_EXPECTED"]

#: the Wigner-Dyson classes of the presets (``"custom"`` is any combination of the controls)
CLASSES = ("AI", "AII", "A")

#: largest ``size * size * norbs`` a live page computes with the coherent (RGF) engine:
#: a 32 x 32 spinful strip, about 20 ms per conductance on one core
MAX_ORBITALS = 2048
#: the same with dephasing probes (engine "probes", cost ~ (L n)^3): 20 x 20 spinful or
#: 28 x 28 spinless, about 25-40 ms per conductance
MAX_PROBE_ORBITALS = 800


@dataclasses.dataclass(frozen=True)
class Control:
    """One control of the page: type, range, default, label.

    Attributes
    ----------
    name : str
    kind : {"choice", "int", "float", "bool"}
    default : object
    minimum, maximum : float or None
        Inclusive bounds (``minimum_open``: the minimum itself is excluded).
    step : float or None
        Slider step of the page.
    label, unit, help : str
    options : tuple
        The values of a ``"choice"``.
    minimum_open : bool
    """

    name: str
    kind: str
    default: object
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    label: str = ""
    unit: str = ""
    help: str = ""
    options: tuple = ()
    minimum_open: bool = False

    def check(self, value):
        """``value`` checked and converted (TypeError or ValueError naming the control)."""
        if self.kind == "choice":
            _checks.instance(self.name, value, str)
            return _checks.choice(self.name, value, self.options)
        if self.kind == "bool":
            return _checks.boolean(self.name, value)
        if self.kind == "int":
            return _checks.integer(self.name, value, minimum=self.minimum, maximum=self.maximum)
        value = _checks.real(self.name, value, maximum=self.maximum,
                             minimum=None if self.minimum_open else self.minimum,
                             positive=self.minimum_open and self.minimum == 0)
        return value


#: the controls of the page, in display order
CONTROLS = {c.name: c for c in (
    Control("preset", "choice", "AI", options=("AI", "AII", "A", "custom"), label="class preset",
            help="AI: orthogonal (weak localization); AII: strong Rashba spin-orbit coupling "
                 "(weak anti-localization); A: magnetic impurities (no cusp); custom: any "
                 "combination of the sliders"),
    Control("disorder", "float", 4.0, 0.0, 10.0, 0.25, "disorder W", "t",
            "box disorder: on-site energies uniform in [-W/2, W/2]"),
    Control("rashba", "float", 0.0, 0.0, 2.0, 0.05, "Rashba coupling", "t",
            "uniform Rashba spin-orbit coupling alpha (non-zero: class AII)"),
    Control("exchange", "float", 0.0, 0.0, 2.0, 0.05, "exchange (magnetic impurities)", "t",
            "random on-site exchange field J n_i.sigma, which breaks time reversal (class A)"),
    Control("dephasing", "float", 0.0, 0.0, 0.3, 0.01, "dephasing rate Gamma", "t",
            "Buttiker voltage probe on every site (engine 'probes'); 0 is fully coherent"),
    Control("size", "int", 24, 6, 40, 2, "sample size L = W", "a",
            "square sample of L x L sites between two clean leads"),
    Control("energy", "float", 1.02, -4.5, 4.5, 0.01, "Fermi energy E", "t",
            "measured from the band centre; keep it away from the subband thresholds of the "
            "leads"),
    Control("flux_max", "float", 0.004, 0.0, 0.05, 0.0005, "largest flux", "h/e per plaquette",
            "the sweep is flux_max (k/n)^2, k = 1..n", minimum_open=True),
    Control("n_flux", "int", 7, 3, 12, 1, "fluxes", "", "number of non-zero fluxes"),
    Control("spinful", "bool", False, label="spin-degenerate (spinful) AI",
            help="two spin species explicitly (g doubles, HLN alpha +1 instead of +1/2); "
                 "automatic with Rashba coupling or exchange"),
    Control("realizations", "int", 400, 2, 4000, label="realisations (target)",
            help="the refinement stops here"),
    Control("batch", "int", 8, 1, 64, label="batch", help="realisations between two updates"),
    Control("seed", "int", 1, 0, 2**31 - 1, label="seed",
            help="ensemble seed: the same seed gives every student the same picture"),
)}

#: the values a class preset sets (the other controls keep their values).  AI: spinless,
#: no spin-orbit coupling; AII: strong Rashba coupling; A: the same with magnetic
#: impurities (the unitary control of the demo, :mod:`andersonwl.simulations.demo`).
#: Energies sit between lead subband thresholds at the default size, 24 (E = 1.13 for the
#: Rashba leads of AII and A, whose subbands are split): the number of open channels is
#: constant over the default flux range, so delta_g contains no channel opening.  Checked
#: for every size 8 ... 40 (E = 1.02: all but 28, 31, 34, 37, 39, 40) and 8 ... 32 (E = 1.13:
#: all but 15, 23, 28, 31); elsewhere the page warns and suggests an energy.
PRESETS = {
    "AI": {"rashba": 0.0, "exchange": 0.0, "energy": 1.02},
    "AII": {"rashba": 1.0, "exchange": 0.0, "energy": 1.13},
    "A": {"rashba": 1.0, "exchange": 1.0, "energy": 1.13},
}

#: "predict, then move the slider" prompts, per preset: (prompt, answer)
PROMPTS = {
    "AI": [
        ("Predict: a weak perpendicular field is switched on. Does the conductance go up or "
         "down? Then raise 'largest flux' and watch delta_sigma.",
         "Up (weak localization, delta_sigma > 0): the field gives the two time-reversed "
         "partners of a closed loop opposite Aharonov-Bohm phases, which destroys their "
         "constructive interference in backscattering. HLN: alpha = +1/2 for this spinless "
         "model, +1 when spin-degenerate."),
        ("Predict: doubling the disorder W - does the cusp get wider or narrower in flux? "
         "Then move the W slider.",
         "Wider and smaller: the loops get shorter (mean free path ~ 1/W^2), so a larger "
         "field is needed to thread one flux quantum through them."),
        ("Predict: on which side of beta = 0 is this sample? Look at the flow diagram.",
         "beta < 0: in 2D without spin-orbit coupling every state is localised; the "
         "conductance flows to zero as the sample grows."),
    ],
    "AII": [
        ("Predict: strong spin-orbit coupling (Rashba) - which sign does the cusp take now? "
         "Then compare with the AI preset.",
         "Negative (weak anti-localization): the spin of an electron rotates along a loop, "
         "and the time-reversed partners pick up a Berry phase pi; backscattering is "
         "suppressed, and the field restores it. HLN alpha = -1/2."),
        ("Predict: lower the Rashba slider towards 0. At which value does the cusp change "
         "sign?",
         "When the spin-orbit length L_so becomes longer than the coherent loops (here the "
         "sample size), the triplet Cooperons come back: the cusp turns from WAL to WL, "
         "through a W-shaped curve (WAL at the smallest fields, WL beyond)."),
        ("Predict: is the variance of g larger or smaller than in AI?",
         "For these counts the same: var g = d^2 c / beta with beta = 4 and Kramers "
         "degeneracy d = 2 gives the value of spinless AI (beta = 1, d = 1)."),
    ],
    "A": [
        ("Predict: magnetic impurities break time reversal. What cusp do you expect?",
         "None: without time reversal the Cooperon is gone, delta_sigma is zero within the "
         "errors (class A, alpha = 0)."),
        ("Predict: the width of P(g) - larger or smaller than in AI?",
         "Smaller: the universal variance is proportional to 1/beta, and beta = 2 here."),
        ("Predict: how does g flow with the sample size here?",
         "beta ~ -1/g^2: still localising, but much more slowly than AI (no weak "
         "localization correction at order 1/g)."),
    ],
    "custom": [
        ("Predict: switch on dephasing (Gamma). Does the cusp get wider or narrower?",
         "Wider and smaller: L_phi shrinks, B_phi = 1/(8 pi L_phi^2) grows; the fit shows "
         "L_phi falling."),
        ("Predict: what does a small exchange field do to a WAL cusp?",
         "It cuts it off: time reversal is broken, the singlet Cooperon gets a gap and the "
         "cusp shrinks towards zero."),
    ],
}

#: realisations before the first fit: fits of fewer are meaningless and often degenerate
#: (and slow: the least-squares refinement crawls along a flat valley)
MIN_FIT_REALIZATIONS = 8
#: realisations of the coherent-backscattering picture (Kwant's reflection matrix at zero
#: field, the first realisations of the cusp; ~0.1 s each at 24 x 24)
CBS_REALIZATIONS = 24
#: the enhancement factor of backscattering into the time-reversed channel, per class
#: (:mod:`andersonwl.simulations.backscattering`)
CBS_EXPECTED = {"AI": 2.0, "AII": 0.0, "A": 1.0}

#: the flux grid of a drawn fit curve (points)
_CURVE_POINTS = 61
#: the g grid of the flow diagram
_FLOW_G = np.geomspace(0.5, 100.0, 81)


class ControlError(ValueError):
    """A control value that cannot be computed (the page shows the message).

    Parameters
    ----------
    message : str
    key : str or None
        The control at fault, when one is.
    """

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key


@dataclasses.dataclass(frozen=True)
class Controls:
    """A validated set of controls; see :data:`CONTROLS` for the meaning of each field.

    Build it with :func:`parse_controls`, which checks every value.

    Notes
    -----
    Units: energies, disorder, Rashba, exchange and dephasing in t; ``size`` in
    lattice constants; ``flux_max`` in h/e per plaquette.
    """

    preset: str
    disorder: float
    rashba: float
    exchange: float
    dephasing: float
    size: int
    energy: float
    flux_max: float
    n_flux: int
    spinful: bool
    realizations: int
    batch: int
    seed: int

    def as_dict(self) -> dict:
        """The controls as a plain dictionary (JSON-ready)."""
        return dataclasses.asdict(self)

    @property
    def key(self) -> str:
        """A short hash of the controls that change numbers (not ``batch`` and ``preset``)."""
        d = self.as_dict()
        d.pop("batch")
        d.pop("preset")
        text = json.dumps(d, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    @property
    def fluxes(self) -> np.ndarray:
        """The non-zero fluxes of the sweep, ``flux_max (k / n_flux)**2`` (h/e per plaquette)."""
        k = np.arange(1, self.n_flux + 1)
        return self.flux_max * (k / self.n_flux) ** 2

    def model(self, flux: float = 0.0) -> StripModel:
        """The :class:`~andersonwl.StripModel` of these controls at ``flux``."""
        return StripModel(self.size, self.size, self.energy, disorder=self.disorder,
                          flux=float(flux), rashba=self.rashba, exchange=self.exchange,
                          dephasing=self.dephasing, spinful=True if self.spinful else None)


def default_controls() -> dict:
    """The default value of every control (the AI preset at size 24)."""
    out = {name: c.default for name, c in CONTROLS.items()}
    out.update(PRESETS[out["preset"]])
    return out


def parse_controls(raw: Mapping | None = None, *, defaults: Mapping | None = None) -> Controls:
    """Validate a dictionary of controls (e.g. decoded JSON) into :class:`Controls`.

    Parameters
    ----------
    raw : mapping, optional
        Any subset of :data:`CONTROLS`.  Missing values come from ``defaults``
        and, when ``preset`` is a class, from :data:`PRESETS` (so
        ``{"preset": "AII"}`` is the AII preset); values given explicitly
        win over the preset's.
    defaults : mapping, optional
        Overrides of :func:`default_controls` (e.g. a smaller size for a
        slow machine), validated the same way.

    Returns
    -------
    Controls

    Raises
    ------
    ControlError
        (a ValueError) for an unknown key, a value of the wrong type, NaN or
        out of range, a sample too large for a live page (more than
        :data:`MAX_ORBITALS` orbitals, :data:`MAX_PROBE_ORBITALS` with
        dephasing), an energy outside the band or at a lead subband threshold
        (the message of :class:`~andersonwl.StripModel` or
        :meth:`~andersonwl.StripModel.check_leads`), or a sample the
        contact-resistance correction cannot handle.

    Notes
    -----
    Booleans are not numbers and numbers are not booleans
    (:mod:`andersonwl._checks`).
    """
    values = default_controls()
    for source, where in ((defaults, "defaults"), (raw, "controls")):
        if source is None:
            continue
        if not isinstance(source, Mapping):
            raise ControlError(f"{where} must be a JSON object (a dictionary of controls), "
                               f"got {type(source).__name__}")
        for key in source:
            if key not in CONTROLS:
                raise ControlError(str(_checks.unknown_key(where, key, CONTROLS)), key)
        preset = source.get("preset")
        if preset is not None:
            try:
                CONTROLS["preset"].check(preset)
            except (TypeError, ValueError) as exc:
                raise ControlError(str(exc), "preset") from None
            values["preset"] = preset
            values.update(PRESETS.get(preset, {}))
        values.update({k: v for k, v in source.items() if k != "preset"})
    checked = {}
    for name, control in CONTROLS.items():
        try:
            checked[name] = control.check(values[name])
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc), name) from None
    controls = Controls(**checked)
    try:
        model = controls.model()
    except (TypeError, ValueError) as exc:
        raise ControlError(str(exc)) from None
    n = model.length * model.width * model.norbs
    limit = MAX_PROBE_ORBITALS if model.dephasing > 0 else MAX_ORBITALS
    if n > limit:
        what = "with dephasing probes " if model.dephasing > 0 else ""
        raise ControlError(
            f"a {model.length} x {model.width} sample with {model.norbs} orbital(s) per site "
            f"has {n} orbitals, too many for a live page {what}(limit {limit} = "
            f"length x width x orbitals): reduce the size", "size")
    for f in (0.0, *controls.fluxes):
        try:
            model.replace(flux=float(f)).check_leads()
        except ValueError as exc:
            raise ControlError(str(exc) + _suggestion(model), "energy") from None
    return controls


def to_json(obj):
    """``obj`` with NumPy scalars and arrays made plain, and NaN and infinities made None."""
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_json(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj


def _degeneracy(model: StripModel, cls: str) -> int:
    """Degeneracy of a transmission eigenvalue: Kramers (2) in AII, else the spin degeneracy."""
    return 2 if cls == "AII" else model.spin_degeneracy


def beta_flow(spin_degeneracy: int = 1, g=None) -> dict:
    """The leading-order perturbative beta(g) of the three classes, for the flow diagram.

    Parameters
    ----------
    spin_degeneracy : {1, 2}
        Of the AI and A curves (:func:`andersonwl.perturbative_beta`).
    g : array_like, optional
        Conductances (e^2/h, summed over spin); default 0.5 ... 100.

    Returns
    -------
    dict
        ``g`` and one list ``beta`` per class name.

    Notes
    -----
    Evers and Mirlin, RMP 80, 1355 (2008): AI -2/(pi g) per two spin species,
    AII +1/(pi g), A -2/(pi^2 g^2) (for the total g of two species).
    """
    g = _FLOW_G if g is None else np.asarray(g, dtype=float)
    return {"g": g, "spin_degeneracy": spin_degeneracy,
            **{cls: perturbative_beta(g, cls, spin_degeneracy=spin_degeneracy)
               for cls in CLASSES}}


_CLASS_CACHE: dict = {}
_CLASS_LOCK = threading.Lock()


#: side of the patch of sites the numerical classification analyses: every local term of
#: the strip models appears in a 6 x 6 patch, and the linear algebra stays below 0.1 s
CLASS_PATCH = 6


def numerical_class(model: StripModel, seed: int = 0) -> str:
    """:func:`andersonwl.symmetry_class` of ``model`` at zero flux, cached per model.

    Parameters
    ----------
    model : StripModel
    seed : int, optional
        The realisation analysed.

    Returns
    -------
    str
        "AI", "AII" or "A".

    Notes
    -----
    The classification solves for the unitary and antiunitary symmetries of a
    :data:`CLASS_PATCH` x :data:`CLASS_PATCH` patch of the disordered sample
    (:func:`andersonwl.engines.symmetry.find_symmetries`; Evers and Mirlin,
    RMP 80, 1355 (2008), Sec. I.C): 0.01-0.08 s.
    """
    key = (model.replace(flux=0.0), int(seed))
    with _CLASS_LOCK:
        hit = _CLASS_CACHE.get(key)
    if hit is None:
        hit = _blas.limited(symmetry_class)(key[0], key[1], patch=CLASS_PATCH)
        with _CLASS_LOCK:
            if len(_CLASS_CACHE) > 256:
                _CLASS_CACHE.clear()
            _CLASS_CACHE[key] = hit
    return hit


class CuspRun:
    """The accumulating magnetoconductance sweep of one set of controls.

    Parameters
    ----------
    controls : Controls
    symmetrize : bool, optional
        Also compute g(-f) and average it with g(f) per realisation.  False
        (the default) computes +f only: without magnetic impurities
        g(B) = g(-B) holds realisation by realisation (Onsager-Buttiker), and
        with them (``exchange > 0``) the ensemble mean is still even in B, so
        symmetrising would double the cost of a live page for a little less
        noise (:func:`andersonwl.magnetoconductance` symmetrises by default).

    Attributes
    ----------
    controls : Controls
    model : StripModel
        The sample at zero flux.
    fluxes : numpy.ndarray
        0 followed by :attr:`Controls.fluxes` (h/e per plaquette).
    symmetrize : bool
        Whether g(f) and g(-f) are computed and averaged per realisation.
    count : int
        Realisations accumulated.
    channels : numpy.ndarray or None
        Open lead channels at each flux (summed over spin), once computed.
    symmetry_class : str or None
        The numerical class (:func:`andersonwl.symmetry_class`), once
        :meth:`classify` has run.
    error : str or None
        The message of a computation that failed (e.g. a lead at a subband
        threshold found by the mode solver).

    Notes
    -----
    Single-writer: one thread calls :meth:`step` and :meth:`classify`;
    :meth:`state` may be called from that thread between steps.  The lead
    channels come from the cached lead data the conductance engines use
    (:func:`andersonwl.engines.leads.lead_data`), the same count as
    :func:`andersonwl.open_channels`, without building a Kwant system.
    """

    def __init__(self, controls: Controls, *, symmetrize: bool = False):
        _checks.instance("controls", controls, Controls)
        self.controls = controls
        self.model = controls.model()
        self.fluxes = np.concatenate([[0.0], controls.fluxes])
        self.symmetrize = _checks.boolean("symmetrize", symmetrize)
        grid = list(self.fluxes)
        if self.symmetrize:
            grid += [-f for f in self.fluxes[1:]]
        self._models = [controls.model(f) for f in grid]
        self._seeds = realization_seeds(controls.seed, controls.realizations)
        self._g = np.full((controls.realizations, self.fluxes.size), np.nan)
        self.count = 0
        self.channels = None
        self.symmetry_class = None
        self.error = None
        self.engine = choose_engine(self.model)
        self.compute_seconds = 0.0
        self.first_batch_seconds = None
        self.cancelled = False
        self._class_problem = None
        self.fit = None
        self.fit_realizations = 0
        self._cbs = None            # sum of |r_ba|^2 over the backscattering realisations
        self._cbs_info = None       # the first ReflectionIntensity (labels, partner, operator)
        self.cbs_count = 0
        self.cbs_error = ("not computed with dephasing probes: the picture is the "
                          "coherent reflection matrix" if self.model.dephasing > 0 else None)

    @property
    def done(self) -> bool:
        """True when the target number of realisations is reached, or after an error."""
        return self.error is not None or self.count >= self.controls.realizations

    def next_batch(self) -> int:
        """Size of the next batch: :attr:`Controls.batch`, capped by what is left."""
        return max(0, min(self.controls.batch, self.controls.realizations - self.count))

    def step(self, n: int | None = None, cancel: Callable[[], bool] | None = None) -> int:
        """Compute up to ``n`` more realisations (default :meth:`next_batch`); return how many.

        Parameters
        ----------
        n : int, optional
        cancel : callable, optional
            Called before every conductance; when it returns True the step
            stops at once (the realisation in progress is dropped, finished
            ones are kept) and :attr:`cancelled` is set.

        Raises
        ------
        ValueError
            From the engines (e.g. a lead mode solver at a threshold); the
            message is kept in :attr:`error` too.
        """
        n = self.next_batch() if n is None else min(_checks.integer("n", n, minimum=0),
                                                    self.controls.realizations - self.count)
        cancel = cancel or (lambda: False)
        self.cancelled = False
        t0 = time.perf_counter()
        added = 0
        try:
            with _blas._get_controller().limit(limits=_blas.IN_PROCESS_THREADS,
                                               user_api="blas"):
                if self.channels is None:
                    channels = []
                    for m in self._models[:self.fluxes.size]:
                        if cancel():
                            self.cancelled = True
                            return 0
                        channels.append(lead_data(m).nmodes)
                    self.channels = np.array(channels, dtype=np.int64)
                for _ in range(n):
                    r = self.count
                    seed = int(self._seeds[r])
                    values = []
                    for m in self._models:
                        if cancel():
                            self.cancelled = True
                            return added
                        values.append(conductance(m, seed))
                    row = np.array(values[:self.fluxes.size])
                    if self.symmetrize:
                        row[1:] = 0.5 * (row[1:] + np.array(values[self.fluxes.size:]))
                    self._g[r] = row
                    self.count += 1
                    added += 1
                self._backscattering_step(cancel)
        except ValueError as exc:
            self.error = " ".join(str(exc).split())
            raise
        finally:
            dt = time.perf_counter() - t0
            self.compute_seconds += dt
            if self.first_batch_seconds is None and self.count > 0:
                self.first_batch_seconds = self.compute_seconds
        return added

    def _backscattering_step(self, cancel) -> None:
        """Add reflection matrices to the backscattering picture.

        Not during the first batch (the first curve comes first); then one
        realisation per step, and all that are left when the cusp is complete,
        up to ``min(CBS_REALIZATIONS, count)``: realisation k has the disorder
        of the cusp's realisation k.
        """
        if self.cbs_error is not None or (self.count <= self.controls.batch and not self.done):
            return
        goal = min(CBS_REALIZATIONS, self.count)
        todo = goal - self.cbs_count if self.done else min(1, goal - self.cbs_count)
        for _ in range(max(0, todo)):
            if cancel():
                self.cancelled = True
                return
            try:
                ri = reflection_intensity(self.model, int(self._seeds[self.cbs_count]))
            except (ValueError, RuntimeError) as exc:
                self.cbs_error = " ".join(str(exc).split())
                return
            self._cbs_info = self._cbs_info or ri
            self._cbs = ri.intensity if self._cbs is None else self._cbs + ri.intensity
            self.cbs_count += 1

    def backscattering(self) -> dict:
        """The coherent-backscattering picture so far (JSON-ready pieces; see :meth:`state`)."""
        out = {"realizations": self.cbs_count, "target": CBS_REALIZATIONS,
               "error": self.cbs_error, "expected": CBS_EXPECTED}
        if self.cbs_count == 0:
            return out
        info = self._cbs_info
        mean = self._cbs / self.cbs_count
        factors = enhancement_factors(mean, info.partner, info.labels)
        offdiag = np.ones(mean.shape, dtype=bool)
        cols = np.arange(mean.shape[0])
        offdiag[info.partner, cols] = False
        offdiag[cols, cols] = False
        scale = float(mean[offdiag].mean()) if offdiag.any() else 1.0
        out.update(intensity=mean / scale, labels=[f"{sp}{m}" for sp, m in info.labels],
                   spins=[sp for sp, _ in info.labels], partner=info.partner,
                   enhancement=factors, median=float(np.median(factors)),
                   operator=info.operator, leads=info.model.leads,
                   partner_max=float(np.sqrt(mean[info.partner, cols].max())))
        return out

    def classify(self) -> str:
        """Find (once) and return the numerical symmetry class of the sample.

        Falls back on the class the parameters imply (and says so in the
        state's warnings) if the numerical classification fails.
        """
        if self.symmetry_class is None:
            try:
                self.symmetry_class = numerical_class(self.model, int(self._seeds[0]))
            except (RuntimeError, ValueError, np.linalg.LinAlgError) as exc:
                self.symmetry_class = _expected_class(self.model)
                self._class_problem = (f"the numerical symmetry classification failed ({exc}); "
                                       f"using the class the parameters imply, "
                                       f"{self.symmetry_class}")
        return self.symmetry_class

    @property
    def conductances(self) -> np.ndarray:
        """The accumulated g, shape (count, fluxes) (averaged over +-f with ``symmetrize``)."""
        return self._g[:self.count].copy()

    # ------------------------------------------------------------------ state
    def state(self, *, fit: bool = True) -> dict:
        """Everything the page draws, as a JSON-ready dictionary (see :func:`to_json`).

        Parameters
        ----------
        fit : bool, optional
            Fit the current curve if the last fit is older (default).  False
            reports the last fit as it is (``fit_realizations`` says how many
            realisations it saw): the server fits in another thread, so that
            a slow fit never delays a cancellation.

        Returns
        -------
        dict
            ``key``, ``controls``, ``status`` ("running", "done", "cancelled",
            "error"), ``final`` (done or failed, and the fit is up to date),
            ``realizations`` (accumulated) and ``target``, ``flux``,
            ``delta_g``, ``delta_g_err``, ``delta_sigma``, ``delta_sigma_err``
            (e^2/h; errors None below two realisations), ``z``
            (delta_sigma / error), ``cusp`` ("WL", "WAL" or "none": the sign
            of delta_sigma at the largest flux, beyond 3 errors),
            ``channels``, ``g_mean``, ``fit`` (:func:`fit_curve`) and
            ``fit_realizations``, ``histogram``, ``backscattering``
            (:meth:`backscattering`: ``intensity``, the mean ``|r_ba|^2``
            over the mean off-diagonal background, channel ``labels``, the
            time-reversed ``partner`` of each channel, ``enhancement`` per
            channel and its ``median``, to compare with ``expected``),
            ``beta``, ``flow``,
            ``symmetry_class`` (numerical, None until classified),
            ``expected_class``, ``engine``, ``warnings``, ``message``,
            ``seconds``.
        """
        c = self.controls
        model = self.model
        n = self.count
        warnings = []
        out = {"key": c.key, "controls": c.as_dict(), "realizations": n,
               "target": c.realizations, "flux": self.fluxes, "engine": self.engine,
               "symmetrized": self.symmetrize, "symmetry_class": self.symmetry_class,
               "expected_class": _expected_class(model), "seconds": self.compute_seconds,
               "first_batch_seconds": self.first_batch_seconds,
               "flux_quanta": self.fluxes * model.length * model.width,
               "fit_model": fit_kind(model)}
        if self.error is not None:
            status = "error"
        elif n >= c.realizations:
            status = "done"
        elif self.cancelled:
            status = "cancelled"
        else:
            status = "running"
        out["status"] = status
        out["final"] = status == "error" or (status == "done" and (
            n < MIN_FIT_REALIZATIONS or self.fit_realizations == n))
        out["message"] = self.error
        if self._class_problem:
            warnings.append(self._class_problem)
        if self.channels is not None:
            out["channels"] = self.channels
            if len(set(self.channels.tolist())) > 1:
                warnings.append(
                    f"the number of open lead channels changes across the sweep "
                    f"({self.channels.min()} to {self.channels.max()}): a lead subband edge "
                    f"lies near E = {model.energy:g}, and delta_g contains a channel opening "
                    f"besides the interference correction; move the Fermi energy"
                    + _suggestion(model))
        nan = np.full(self.fluxes.size, np.nan)
        out.update(delta_g=nan, delta_g_err=nan, delta_sigma=nan, delta_sigma_err=nan, z=nan,
                   cusp=None, g_mean=None, g_sample_mean=None, fit=None, fit_realizations=0,
                   histogram=None, beta=None, backscattering=None)
        out["flow"] = beta_flow(model.spin_degeneracy)
        if n == 0:
            out["warnings"] = warnings
            return to_json(out)
        g = self._g[:n]
        diff = g - g[:, :1]
        sq = math.sqrt(n)
        ddof_std = (lambda a: a.std(axis=0, ddof=1) / sq) if n >= 2 else (lambda a: nan)
        out["delta_g"] = diff.mean(axis=0)
        out["delta_g_err"] = ddof_std(diff)
        out["g_mean"] = float(g[:, 0].mean())
        aspect = model.aspect_ratio
        try:
            g_s = sample_conductance(g, self.channels[None, :])
            out["contact_removed"] = True
        except ValueError:
            g_s = g
            out["contact_removed"] = False
            warnings.append("a ballistic sample (g = N): the contact resistance is not "
                            "removed, delta_sigma uses the two-terminal g")
        dsig = (g_s - g_s[:, :1]) * aspect
        ds_mean = dsig.mean(axis=0)
        ds_err = ddof_std(dsig)
        out["delta_sigma"], out["delta_sigma_err"] = ds_mean, ds_err
        out["g_sample_mean"] = float(g_s[:, 0].mean())
        if out["g_sample_mean"] < 1.0:
            warnings.append(f"<g> = {out['g_mean']:.2g}: the sample is close to insulating; "
                            "the weak-localization formulas (HLN, ILP) and the perturbative "
                            "beta assume g >> 1, so the fitted numbers lose their meaning")
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(ds_err > 0, ds_mean / ds_err, np.nan)
        z[0] = np.nan
        out["z"] = z
        if n >= 2 and math.isfinite(z[-1]):
            out["cusp"] = "WL" if z[-1] > 3 else "WAL" if z[-1] < -3 else "none"
        if fit and n >= MIN_FIT_REALIZATIONS and self.fit_realizations != n:
            self.set_fit(n, fit_curve(self.fluxes[1:], ds_mean[1:], ds_err[1:],
                                      fit_kind(model)))
            out["final"] = status == "done"
        out["fit"], out["fit_realizations"] = self.fit, self.fit_realizations
        if self.fit is None:
            out["fit"] = {"model": fit_kind(model), "error": f"the fit waits for "
                          f"{MIN_FIT_REALIZATIONS} realisations"}
        out["histogram"] = self._histogram(g[:, 0])
        out["backscattering"] = self.backscattering()
        cls = self.symmetry_class
        gs0 = out["g_sample_mean"]
        if cls is not None and gs0 is not None and gs0 > 0:
            out["beta"] = {"class": cls, "g": gs0,
                           "beta": float(perturbative_beta(gs0, cls,
                                                           spin_degeneracy=model.spin_degeneracy)),
                           "spin_degeneracy": model.spin_degeneracy}
        out["warnings"] = warnings
        return to_json(out)

    def fit_request(self) -> dict | None:
        """What :func:`fit_curve` needs for the current curve (copied), or None.

        None when the last fit is up to date or there are fewer than
        :data:`MIN_FIT_REALIZATIONS` realisations.

        Returns
        -------
        dict or None
            ``count`` and the keyword arguments of :func:`fit_curve`.
        """
        n = self.count
        if n < MIN_FIT_REALIZATIONS or self.fit_realizations == n:
            return None
        st = self.state(fit=False)
        return {"count": n, "flux": np.array(st["flux"][1:], dtype=float),
                "delta_sigma": np.array(st["delta_sigma"][1:], dtype=float),
                "delta_sigma_err": np.array([np.nan if v is None else v
                                             for v in st["delta_sigma_err"][1:]]),
                "kind": fit_kind(self.model)}

    def set_fit(self, count: int, fit: dict) -> bool:
        """Keep ``fit`` (of the first ``count`` realisations) unless a newer one is kept."""
        if count < self.fit_realizations or count > self.count:
            return False
        self.fit, self.fit_realizations = fit, int(count)
        return True

    def _histogram(self, g0) -> dict:
        """P(g) of the zero-field g with the Gaussian of the universal variance of the class."""
        n = g0.size
        bins = int(min(30, max(6, round(math.sqrt(n)) + 2)))
        lo, hi = float(g0.min()), float(g0.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(g0, bins=bins, range=(lo, hi))
        density = counts / (n * np.diff(edges))
        mean = float(g0.mean())
        var = float(g0.var(ddof=1)) if n >= 2 else float("nan")
        out = {"edges": edges, "counts": counts, "density": density, "mean": mean,
               "variance": var, "variance_err": var * math.sqrt(2.0 / (n - 1)) if n >= 2
               else None, "universal_variance": None, "gaussian": None}
        cls = self.symmetry_class
        if cls is not None:
            d = _degeneracy(self.model, cls)
            uv = universal_variance(cls, "square", degeneracy=d)
            sd = math.sqrt(uv)
            x = np.linspace(min(lo, mean - 4 * sd), max(hi, mean + 4 * sd), 81)
            out["universal_variance"] = uv
            out["degeneracy"] = d
            out["gaussian"] = {"g": x, "p": np.exp(-0.5 * ((x - mean) / sd) ** 2)
                               / (sd * math.sqrt(2 * math.pi))}
        return out


def fit_kind(model: StripModel) -> str:
    """The fit formula of a model: ``"ilp"`` with Rashba coupling and no exchange, else ``"hln"``.

    ILP describes a time-reversal invariant conductor with linear-in-k (Rashba)
    spin splitting; it has no magnetic scattering, so with exchange (class A)
    the simplified HLN formula is fitted, whose alpha -> 0 is the signature.
    """
    return "ilp" if model.rashba != 0 and model.exchange == 0 else "hln"


def fit_curve(flux, delta_sigma, delta_sigma_err, kind: str = "hln") -> dict:
    """Fit HLN or ILP to a cusp; the JSON-ready result with a dense curve for drawing.

    Parameters
    ----------
    flux : array_like
        Non-zero fluxes per plaquette (h/e).
    delta_sigma, delta_sigma_err : array_like
        delta_sigma per square (e^2/h) and its standard errors (the weights).
    kind : {"hln", "ilp"}
        HLN (free alpha, L_phi) or ILP (free prefactor A, L_phi, L_so; the
        signed HLN alpha of the same data is reported too).

    Returns
    -------
    dict
        ``model``, ``values`` and ``errors`` (as in
        :class:`andersonwl.analysis.wl_fits.MagnetoconductanceFit`; lengths
        in lattice constants), ``reduced_chi2``, ``success``,
        ``curve`` (``flux``, ``delta_sigma``), ``hln_alpha`` and
        ``hln_alpha_err``; or ``model`` and ``error`` (a message) when the
        data cannot be fitted.

    Notes
    -----
    :func:`andersonwl.fit_magnetoconductance` in lattice units: HLN (Hikami,
    Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980)), B_phi = 1/(8 pi
    L_phi^2) flux quanta per plaquette; ILP (Iordanskii, Lyanda-Geller,
    Pikus, JETP Lett. 60, 206 (1994)) with ``free_prefactor=True``.  The
    fluxes share their realisations, so the per-point errors used as diagonal
    weights make the reduced chi^2 no goodness-of-fit test.
    """
    flux = np.asarray(flux, dtype=float)
    y = np.asarray(delta_sigma, dtype=float)
    err = np.asarray(delta_sigma_err, dtype=float)
    if not np.all(np.isfinite(err)) or np.any(err <= 0):
        return {"model": kind, "error": "no errors yet (the curve is flat or has one "
                                        "realisation): nothing to fit"}
    try:
        fit = fit_magnetoconductance(flux, y, model=kind, sigma_err=err,
                                     free_prefactor=(kind == "ilp"))
    except (ValueError, FloatingPointError) as exc:
        return {"model": kind, "error": " ".join(str(exc).split())}
    curve_f = np.linspace(0.0, float(flux[-1]), _CURVE_POINTS)
    with np.errstate(all="ignore"):
        curve = fit.predict(curve_f)
    out = {"model": kind, "values": fit.values, "errors": fit.errors,
           "reduced_chi2": fit.reduced_chi2, "success": bool(fit.success),
           "curve": {"flux": curve_f, "delta_sigma": curve},
           "l_so_convention": fit.l_so_convention,
           "hln_alpha": fit.values["alpha"], "hln_alpha_err": fit.errors["alpha"]}
    if kind == "ilp":
        # ILP's "alpha" is its prefactor A (1 = one spin-1/2 band, WAL limit HLN -A/2);
        # the signed HLN alpha of the same data is the number to compare across classes
        try:
            hln = fit_magnetoconductance(flux, y, model="hln", sigma_err=err)
            out["hln_alpha"], out["hln_alpha_err"] = hln.values["alpha"], hln.errors["alpha"]
        except (ValueError, FloatingPointError):
            out["hln_alpha"] = out["hln_alpha_err"] = None
    return to_json(out)


def _expected_class(model: StripModel) -> str:
    """The class the parameters should give: A with exchange, AII with Rashba, else AI."""
    if model.exchange > 0 or model.zeeman_strength > 0:
        return "A"
    if model.spin_orbit is not None:
        return "AII"
    return "AI"


def _suggestion(model: StripModel) -> str:
    """``" (e.g. E = x)"``: mid-way between the neighbouring thresholds of plain leads."""
    if model.leads_have_rashba:
        return ""
    from ..bands import subband_thresholds
    t = np.sort(np.concatenate([subband_thresholds(model.width, model.height), [-4.0, 4.0]]))
    i = int(np.searchsorted(t, model.energy))
    if 0 < i < t.size:
        return f" (e.g. E = {0.5 * (t[i - 1] + t[i]):.3f}, mid-way between two thresholds)"
    return ""


def progressive_cusp(controls: Controls, *, cancel: Callable[[], bool] | None = None,
                     classify: bool = True) -> Iterator[dict]:
    """Yield the state of a sweep after every batch until its target, or until cancelled.

    Parameters
    ----------
    controls : Controls
    cancel : callable, optional
        Checked before every conductance; True stops the sweep: the last
        state yielded then has ``status == "cancelled"``.
    classify : bool, optional
        Find the numerical symmetry class first (needed for the universal
        variance and the beta point; below 0.1 s).

    Yields
    ------
    dict
        :meth:`CuspRun.state` after each batch.

    Notes
    -----
    The numbers after n realisations are the same whatever the batch size or
    interruptions (fixed seeds per realisation, common random numbers across
    fluxes).  The fit is HLN (Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63,
    707 (1980)) or, with Rashba coupling and no exchange, ILP (Iordanskii,
    Lyanda-Geller, Pikus, JETP Lett. 60, 206 (1994)) with a free prefactor
    (:func:`fit_curve`); the per-point errors are used as diagonal weights
    although neighbouring fluxes share their realisations, so the reduced
    chi^2 is not a goodness-of-fit test.
    """
    run = CuspRun(controls)
    cancel = cancel or (lambda: False)
    if classify:
        run.classify()
    while not run.done:
        run.step(cancel=cancel)
        if run.cancelled:
            yield run.state(fit=False)          # at once: the last fit stays as it was
            return
        yield run.state()


def config(defaults: Mapping | None = None) -> dict:
    """What the page needs to draw its controls: specs, presets, prompts, limits, defaults.

    Parameters
    ----------
    defaults : mapping, optional
        Overrides of the default controls (validated with :func:`parse_controls`).
    """
    base = parse_controls(None, defaults=defaults).as_dict()
    return to_json({
        "controls": {name: dataclasses.asdict(c) for name, c in CONTROLS.items()},
        "order": list(CONTROLS),
        "presets": PRESETS, "defaults": base,
        "prompts": {k: [{"prompt": p, "answer": a} for p, a in v] for k, v in PROMPTS.items()},
        "limits": {"max_orbitals": MAX_ORBITALS, "max_probe_orbitals": MAX_PROBE_ORBITALS},
        "classes": list(CLASSES),
    })
