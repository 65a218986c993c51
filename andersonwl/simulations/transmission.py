"""Transmission eigenvalue statistics of an ensemble: P(tau), the Fano factor, var g.

:func:`transmission_statistics` computes the transmission eigenvalues tau_n
(eigenvalues of t^dagger t) of every realisation, in parallel, by the one
seed rule (:func:`andersonwl._random.realization_seeds`: the realisations of
an ensemble run with the same seed); :func:`transmission_report` reads off
the Fano factor, the conductance variance against the universal value of the
model's symmetry class, and how deep the sample is in the diffusive regime.

Notes
-----
g = sum_n tau_n = G/(e^2/h) summed over spin, the two-terminal conductance
with the contact resistance of the leads included (as the Fano factor and
the conductance fluctuations of a two-terminal measurement are).  Each spin
channel is one eigenvalue: a spin-degenerate model lists every eigenvalue
twice, a model of class AII lists Kramers pairs (Beenakker, RMP 69, 731
(1997), Sec. II.B); the degeneracy d enters var g as d^2
(:func:`andersonwl.analysis.transmission.universal_variance`).
"""

from __future__ import annotations

import json
import math

import numpy as np

from .. import _blas, _checks
from .._random import check_seed, realization_seeds
from ..analysis.transmission import diffusive_depth, fano_factor, ucf_report
from ..engines import TRANSMISSION_ENGINES, transmission_values
from ..models import StripModel

__all__ = ["transmission_statistics", "transmission_report", "transmission_chunk"]


@_blas.limited
def transmission_chunk(model, seeds: tuple, engine: str) -> list:
    """Transmission eigenvalues (largest first) of the realisations ``seeds`` (a worker task)."""
    return [transmission_values(model, int(s), engine) for s in seeds]


def transmission_statistics(model: StripModel, realizations: int, seed: int = 0, *,
                            engine: str = "auto", channels: int | None = None,
                            executor=None, workers: int | None = None, chunk: int = 10):
    """The transmission eigenvalues of ``realizations`` realisations of ``model``.

    Parameters
    ----------
    model : StripModel
        A coherent model (``dephasing = 0``, ``temperature = 0``).
    realizations : int
        At least 2.
    seed : int
        Ensemble seed: realisation r has the disorder seed
        ``realization_seeds(seed, realizations)[r]``, as in :func:`andersonwl.run`.
    engine : {"auto", "rgf", "kwant"}
        ``"auto"``: RGF.  Both agree to ~1e-12.
    channels : int, optional
        Keep only the ``channels`` largest eigenvalues of each realisation
        (the conductance is still the sum of all).  Default: all (the number
        of open channels of a lead, summed over spin).
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where to compute; default: the local pool of ``workers`` processes
        (one BLAS thread each), or in-process for ``workers=1``.
    workers : int, optional
        Size of the default pool (default: one per core).
    chunk : int
        Realisations per task.

    Returns
    -------
    xarray.Dataset
        ``transmission`` (realization, channel): tau_n, largest first, NaN
        beyond the open channels; ``conductance`` (realization): g = sum tau;
        coordinates ``realization``, ``seed``, ``channel``; attributes: the
        model (JSON), the engine, the ensemble seed.

    Raises
    ------
    ValueError
        For an incoherent model, a bad count or an engine without eigenvalues,
        before any work.

    Notes
    -----
    See the module notes for the conventions (g summed over spin, contact
    resistance included, degenerate eigenvalues listed as many times as they
    occur).
    """
    import xarray as xr

    from ..ensemble.executors import map_tasks
    _checks.instance("model", model, StripModel)
    if model.dephasing > 0 or model.temperature > 0:
        raise ValueError("transmission eigenvalues are those of one coherent energy: "
                         "dephasing and temperature must be 0")
    realizations = _checks.integer("realizations", realizations, minimum=2)
    seed = check_seed(seed)
    engine = _checks.choice("engine", engine, ("auto",) + TRANSMISSION_ENGINES)
    engine = "rgf" if engine == "auto" else engine
    chunk = _checks.integer("chunk", chunk, minimum=1)
    if channels is not None:
        channels = _checks.integer("channels", channels, minimum=1)
    if workers is not None:
        workers = _checks.integer("workers", workers, minimum=1)
    model.check_leads()
    seeds = [int(s) for s in realization_seeds(seed, realizations)]
    tasks = [(model, tuple(seeds[i:i + chunk]), engine) for i in range(0, realizations, chunk)]
    taus = [tau for result in map_tasks(transmission_chunk, tasks, executor=executor,
                                        workers=workers) for tau in result]
    width = max(len(t) for t in taus)
    width = width if channels is None else min(width, channels)
    tau = np.full((realizations, max(width, 1)), np.nan)
    for r, t in enumerate(taus):
        k = min(len(t), width)
        tau[r, :k] = t[:k]
    g = np.array([float(np.sum(t)) for t in taus])
    ds = xr.Dataset(
        {"transmission": (("realization", "channel"), tau),
         "conductance": (("realization",), g)},
        coords={"realization": np.arange(realizations), "seed": ("realization", seeds),
                "channel": np.arange(tau.shape[1])},
        attrs=dict(model=json.dumps(model.as_dict()), engine=engine, ensemble_seed=seed,
                   conventions="tau: eigenvalues of t^dagger t, largest first; g = sum tau "
                               "= G/(e^2/h) summed over spin, contact resistance included"))
    ds["transmission"].attrs.update(units="1", long_name="transmission eigenvalues")
    ds["conductance"].attrs.update(units="e^2/h", long_name="two-terminal conductance")
    return ds


def transmission_report(ds, *, mean_free_path: float | None = None,
                        symmetry_class: str | None = None) -> dict:
    """Fano factor, var g against the universal value and the diffusive depth of ``ds``.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`transmission_statistics` (all channels kept).
    mean_free_path : float, optional
        l in lattice constants for L/l and the localization length estimate
        xi = (beta N + 2 - beta) l* (Beenakker, RMP 69, 731 (1997)).
        Default: measured from the data, the quasi-ballistic interpolation
        <g> = N l*/(L + l*) (Beenakker (1997), Eq. 1.4) solved for l*, with
        l = (2/pi) l* in 2D, (3/4) l* in 3D.  It includes every scattering
        mechanism (the random SU(2) hopping scatters too, which a Born estimate
        from the on-site disorder misses) and the weak-localization
        correction (small where the result is meaningful).
    symmetry_class : {"AI", "A", "AII"}, optional
        Default: found numerically from the model's Hamiltonian
        (:func:`andersonwl.engines.symmetry.symmetry_class`).

    Returns
    -------
    dict
        ``fano`` (:class:`~andersonwl.analysis.transmission.FanoResult`),
        ``ucf`` (:class:`~andersonwl.analysis.transmission.UCFReport`),
        ``depth`` (:class:`~andersonwl.analysis.transmission.DiffusiveDepth`,
        None for a clean sample), ``symmetry_class``, ``degeneracy``,
        ``channels``, ``mean_free_path``, ``conductance_per_sector`` (<g>/d)
        and ``text`` (a summary, with a caveat when <g>/d < 3).

    Notes
    -----
    The degeneracy d of every eigenvalue follows from the model's symmetries:
    2 for a spin-degenerate model (``spin_degeneracy == 2``, two identical
    spin sectors) and for Kramers pairs in class AII, else 1.  F = 1/3 and the
    universal var g hold deep in the diffusive regime (l << L << xi) and are
    approached slowly on a lattice; the depth is reported beside them.
    """
    from ..engines.symmetry import symmetry_class as find_class
    model = StripModel(**json.loads(ds.attrs["model"]))
    cls = symmetry_class or find_class(model)
    d = 2 if (model.spin_degeneracy == 2 or cls == "AII") else 1
    tau = ds["transmission"].values
    nchan = int(np.max(np.sum(np.isfinite(tau), axis=1)))
    fano = fano_factor(tau)
    ucf = ucf_report(ds["conductance"].values, cls, degeneracy=d,
                     geometry="quasi-1d" if model.length >= 3 * model.width else "square")
    g = float(np.mean(ds["conductance"].values))
    if mean_free_path is None:
        lstar = model.length * g / (nchan - g) if g < nchan * (1 - 1e-9) else math.inf
        mfp = lstar / (math.pi / 2 if model.dimension == 2 else 4 / 3)
    else:
        mfp = float(mean_free_path)
    beta = {"AI": 1, "A": 2, "AII": 4}[cls]
    if math.isfinite(mfp):
        depth = diffusive_depth(model.length, mfp, channels=nchan // d, beta=beta,
                                dimension=model.dimension)
    else:
        depth = None
    per_sector = g / d
    caveat = ("" if per_sector >= 3 else
              f"; g/d = {per_sector:.2g} is not >> 1: universal values are not expected")
    text = (f"{model.length} x {model.width} strip, class {cls}, d = {d}, {nchan} channels, "
            f"<g> = {g:.4g}: {fano}; var g = {ucf.variance:.4g} +- {ucf.variance_err:.2g} "
            f"against {ucf.universal:.4g} ({ucf.geometry}); "
            + (f"L/l = {depth.length_over_mfp:.3g}, L/xi = {depth.length_over_xi:.3g} "
               f"({depth.verdict})" if depth is not None else "clean (no mean free path)")
            + caveat)
    return dict(fano=fano, ucf=ucf, depth=depth, symmetry_class=cls, degeneracy=d,
                channels=nchan, mean_free_path=mfp, conductance_per_sector=per_sector,
                text=text)
