"""Magnetoconductance sweeps of disordered strips.

:func:`magnetoconductance` runs an ensemble over a list of fluxes with the
ensemble engine (:func:`andersonwl.ensemble.run`), the same disorder
realisations at every flux (common random numbers), and returns the mean
change of the conductance with its error;
:func:`andersonwl.analysis.classify_cusp` names the cusp WL, WAL or none.

Conventions
-----------
* Flux per plaquette in h/e (:mod:`andersonwl.models`); the sweep adds the
  fluxes to the model's own ``flux`` (a background field stays in place).
* g = G/(e^2/h) summed over spin; conductance per square
  sigma = g L / W (L = ``length`` along the current, W = ``width``; on a
  graphene ribbon the physical extent, :attr:`StripModel.aspect_ratio`, and the
  flux is per hexagon).
* Expected cusps (Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980)):
  orthogonal class AI, weak localization, delta_g > 0 (HLN alpha = +1/2 for
  the spinless model, +1 when spin-degenerate); symplectic class AII (strong
  spin-orbit coupling), weak anti-localization, delta_g < 0 (alpha = -1/2 per
  Kramers-degenerate band); unitary class A, no cusp (alpha = 0).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import xarray as xr

from .. import _checks
from .._random import check_seed
from ..analysis.contact import sample_conductance
from ..ensemble import run, sweep_experiment
from ..models import StripModel

__all__ = ["magnetoconductance"]


def _offsets(fluxes):
    arr = np.asarray(fluxes, dtype=float)
    if arr.ndim > 1:
        raise ValueError(f"fluxes must be one-dimensional, got shape {arr.shape}")
    arr = np.atleast_1d(arr)
    if not np.all(np.isfinite(arr)):
        raise ValueError("fluxes must be finite (no NaN or inf)")
    offsets = np.unique(np.abs(arr))
    offsets = offsets[offsets > 0]
    if offsets.size == 0:
        raise ValueError("fluxes must contain at least one non-zero flux")
    return np.concatenate([[0.0], offsets])


def _ensemble_contact_removal(g, channels, aspect, groups: int = 20):
    """(L/W) [f(<g(f)>) - f(<g(0)>)], f(g) = g N / (N - g), and its grouped-jackknife error.

    The contact resistance removed from the ensemble means (Beenakker, RMP 69,
    731 (1997), Sec. II.A, applied to <g>): unlike the mean of the
    realisation-by-realisation g_s, it does not change when only var g does
    (f is convex: <f(g)> = f(<g>) + f''(<g>) var g / 2 + ...).  ``g`` has shape
    (flux, realization), ``channels`` (flux,).
    """
    from ..analysis.stats import jackknife_error, jackknife_groups
    n_open = np.asarray(channels, dtype=float)

    def value(sub):
        mean = sub.mean(axis=1)
        if np.any(mean >= n_open):
            return np.full(mean.shape, np.nan)
        fs = sample_conductance(mean, n_open)
        return aspect * (fs - fs[0])

    full = value(g)
    n = g.shape[1]
    k = min(groups, n)
    labels = jackknife_groups(n, k)
    reps = np.array([value(g[:, labels != j]) for j in range(k)])
    return full, jackknife_error(reps, full)


def magnetoconductance(model: StripModel, fluxes, realizations: int, seed: int = 0,
                       executor=None, *, symmetrize: bool = True, engine: str = "auto",
                       workers: int | None = None, progress=False,
                       remove_contact: bool = True) -> xr.Dataset:
    """Ensemble-averaged magnetoconductance of a strip, with paired errors.

    Parameters
    ----------
    model : StripModel
        The sample at zero applied field; its ``flux`` is a background flux
        to which the sweep is added.
    fluxes : array_like
        Applied fluxes per plaquette (h/e).  Only their magnitudes matter: the
        sweep computes 0 and +-abs(f) for every non-zero f (just +abs(f) with
        ``symmetrize=False``).
    realizations : int
        Number of disorder realisations (>= 2), the same at every flux.
    seed : int, optional
        Ensemble seed; realisation r has the disorder seed
        ``andersonwl.ensemble.realization_seeds(seed, N)[r]`` at every flux.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where the ensemble engine computes; default: its local process pool
        (``workers`` processes).
    symmetrize : bool, optional
        Average g(B) and g(-B) of the total field per realisation (default):
        g(f0 + f) with g(-(f0 + f)), f0 the background flux.  The two-terminal
        conductance obeys G(B) = G(-B) (Onsager-Buttiker) whenever reversing
        the field is a symmetry of the disorder, i.e. without magnetic
        impurities; there ``symmetrize=False`` halves the work.
    remove_contact : bool, optional
        Compute delta_sigma from the sample conductance g_s = g / (1 - g/N)
        (default), removing the contact resistance 1/N of the leads
        realisation by realisation (:func:`andersonwl.analysis.contact.sample_conductance`);
        False keeps the two-terminal g (delta_sigma then underestimates the
        conductivity correction by about (1 - g/N)^2).
    engine : str, optional
        Transport engine (:data:`andersonwl.engines.ENGINES`).
    workers : int, optional
        Size of the default process pool.
    progress : bool or None, optional
        Progress display of the ensemble engine (default silent).

    Returns
    -------
    xarray.Dataset
        Coordinates ``flux`` (applied abs(f), starting with 0), ``realization``
        and ``seed``.  Variables:

        ``conductance`` (flux, realization)
            Per-realisation conductance g, symmetrised over +-f (the
            variable of the same name of :func:`andersonwl.run`).
        ``mean``, ``stderr`` (flux)
            Mean and standard error of the mean of g.
        ``engine`` (flux)
            The engine that computed each flux.
        ``sample_conductance`` (flux, realization)
            g_s = g / (1 - g/N), the conductance without the contact resistance
            of the leads (g itself with ``remove_contact=False``).
        ``delta_g``, ``delta_g_err`` (flux)
            <g(f) - g(0)> of the two-terminal g and the error of the paired
            difference, std_r[g_r(f) - g_r(0)] / sqrt(N) (ddof=1).
        ``delta_sigma``, ``delta_sigma_err`` (flux)
            The conductivity correction per square, (L/W) <g_s(f) - g_s(0)> in
            e^2/h, contact resistance removed (attribute
            ``contact_resistance_removed``), with its paired error.
        ``delta_sigma_ensemble``, ``delta_sigma_ensemble_err`` (flux)
            The same correction with the contact resistance removed from the
            ensemble means, (L/W) [f(<g(f)>) - f(<g(0)>)] with f(g) = g/(1 - g/N),
            and its grouped-jackknife error (20 groups).  It equals
            ``delta_sigma`` when the conductance fluctuations are small
            against N - g; where they are not, the convex f turns the change of
            var g with field (UCF shrink by half when the field breaks time
            reversal) into a shift of ``delta_sigma`` that is not an
            interference correction, and :func:`magnetoconductance` warns
            (UserWarning) when the two differ by more than twice their errors.
            (L/W) ``delta_g`` without contact removal.
        ``delta_sigma_cov`` (flux, flux_b)
            Covariance of the delta_sigma values (the fluxes share their
            realisations, so neighbouring points are strongly correlated):
            pass it, without the zero-flux row and column, as ``sigma_err``
            to :func:`andersonwl.fit_magnetoconductance`.
        ``onsager_asymmetry`` (flux)
            max_r abs(g_r(B) - g_r(-B)) over the total field B = f0 + f (NaN
            without symmetrisation): zero up to rounding unless time reversal is
            broken by the disorder itself (magnetic impurities).
        ``open_channels`` (flux)
            Propagating lead modes at +f (summed over spin).  A change
            across the sweep means a lead subband edge near the energy; it
            shifts g by more than the interference correction, so
            :func:`magnetoconductance` warns (UserWarning).

        Attributes: the model (JSON), ``background_flux``, ``aspect_ratio``
        (L/W), ``realizations``, ``ensemble_seed``, ``symmetrized``, and the
        ensemble engine's provenance (``experiment``, ``fingerprint``, versions).

    Notes
    -----
    Fit ``delta_sigma`` against ``flux`` with
    :func:`andersonwl.fit_magnetoconductance` (``units="lattice"``); its HLN
    convention gives alpha = +1/2 for the spinless model, +1 for
    spin-degenerate WL, -1/2 for WAL and 0 for the unitary class.  In a fully
    coherent simulation L_phi is set by the sample (about min(L, W)), so
    fitted prefactors fall below these ideal values.
    """
    _checks.instance("model", model, StripModel)
    offsets = _offsets(fluxes)
    realizations = _checks.integer("realizations", realizations, minimum=2)
    seed = check_seed(seed)
    symmetrize = _checks.boolean("symmetrize", symmetrize)
    remove_contact = _checks.boolean("remove_contact", remove_contact)
    f0 = model.flux
    plus = f0 + offsets                       # plus[0] is the zero-field point
    # Onsager relates the total field B to -B: g(f0 + d) to g(-(f0 + d))
    minus = -(plus if f0 != 0 else plus[1:]) if symmetrize else np.empty(0)
    grid = [float(v) for v in np.concatenate([plus, minus])]
    if len(set(grid)) != len(grid):
        raise ValueError("fluxes too close to each other (or to zero) to be distinct "
                         "after adding the background flux")

    from ..engines import open_channels
    experiment = sweep_experiment(model, flux=grid, realizations=realizations, seed=seed,
                                  engine=engine)
    channels = [open_channels(model.replace(flux=v)) for v in grid]
    if len(set(channels)) > 1:
        warnings.warn(
            f"the number of open lead channels changes across the sweep "
            f"({min(channels)} to {max(channels)}): a lead subband edge lies near energy "
            f"{model.energy}, and delta_g contains its opening or closing besides the "
            f"interference correction; choose an energy away from the subband edges",
            UserWarning, stacklevel=2)
    ens = run(experiment, executor, workers=workers, progress=progress)
    g_all = ens["conductance"].sel(flux=grid).values          # (flux, realization)
    g_plus = g_all[:len(plus)]
    if symmetrize:
        g_minus = g_all[len(plus):] if f0 != 0 else np.concatenate([g_all[:1],
                                                                      g_all[len(plus):]])
        g = 0.5 * (g_plus + g_minus)
        asym = np.max(np.abs(g_plus - g_minus), axis=1)
    else:
        g = g_plus
        asym = np.full(len(plus), np.nan)
    n = g.shape[1]
    diff = g - g[:1]
    delta_g = diff.mean(axis=1)
    delta_g_err = diff.std(axis=1, ddof=1) / math.sqrt(n)
    aspect = model.aspect_ratio
    n_open = np.array(channels[:len(plus)], dtype=np.int64)
    # per square, from the sample conductance g_s = g / (1 - g/N), realisation by realisation
    g_s = sample_conductance(g, n_open[:, None]) if remove_contact else g
    dsig = (g_s - g_s[:1]) * aspect
    delta_sigma = dsig.mean(axis=1)
    delta_sigma_err = dsig.std(axis=1, ddof=1) / math.sqrt(n)
    delta_sigma_cov = np.cov(dsig) / n             # (flux, flux), ddof=1
    if remove_contact:
        ens_sigma, ens_err = _ensemble_contact_removal(g, n_open, aspect)
        gap = np.abs(delta_sigma - ens_sigma)
        bad = gap > 2 * np.maximum(delta_sigma_err, ens_err)
        if np.any(bad[1:]):
            warnings.warn(
                f"delta_sigma (contact resistance removed realisation by realisation) differs "
                f"from delta_sigma_ensemble (removed from the ensemble means) by up to "
                f"{gap.max():.3g} e^2/h, more than twice their errors: g / (1 - g/N) is "
                f"convex, so the change of var g with field (conductance fluctuations shrink "
                f"when the field breaks time reversal) shifts <g_s> by itself (var g "
                f"{np.var(g[0], ddof=1):.3g} at zero field, <g>/N = "
                f"{float(g[0].mean()) / n_open[0]:.2f}); read the cusp off delta_g or "
                f"delta_sigma_ensemble", UserWarning, stacklevel=2)
    else:
        ens_sigma, ens_err = delta_g * aspect, delta_g_err * aspect

    dims = ("flux",)
    ds = xr.Dataset(
        {
            "conductance": (("flux", "realization"), g),
            "mean": (dims, g.mean(axis=1)),
            "stderr": (dims, g.std(axis=1, ddof=1) / math.sqrt(n)),
            "engine": (dims, ens["engine"].sel(flux=grid[:len(plus)]).values),
            "sample_conductance": (("flux", "realization"), g_s),
            "delta_g": (dims, delta_g),
            "delta_g_err": (dims, delta_g_err),
            "delta_sigma": (dims, delta_sigma),
            "delta_sigma_err": (dims, delta_sigma_err),
            "delta_sigma_cov": (("flux", "flux_b"), delta_sigma_cov),
            "delta_sigma_ensemble": (dims, ens_sigma),
            "delta_sigma_ensemble_err": (dims, ens_err),
            "onsager_asymmetry": (dims, asym),
            "open_channels": (dims, n_open),
        },
        coords={"flux": offsets, "flux_b": offsets, "realization": ens["realization"].values,
                "seed": ("realization", ens["seed"].values)},
    )
    ds["flux"].attrs.update(units="h/e per plaquette",
                            long_name="applied flux per plaquette (added to background_flux)")
    ds["conductance"].attrs.update(units="e^2/h", long_name="conductance, summed over spin")
    for name in ("delta_g", "delta_g_err"):
        ds[name].attrs["units"] = "e^2/h"
    ds["sample_conductance"].attrs.update(
        units="e^2/h", long_name="g_s = g / (1 - g/N), contact resistance of the leads removed"
        if remove_contact else "g (contact resistance kept: remove_contact=False)")
    for name in ("delta_sigma", "delta_sigma_err"):
        ds[name].attrs.update(units="e^2/h", long_name="per square: (L/W) <g_s(f) - g_s(0)>, "
                              + ("contact resistance removed" if remove_contact
                                 else "contact resistance kept"))
    for name in ("delta_sigma_ensemble", "delta_sigma_ensemble_err"):
        ds[name].attrs.update(units="e^2/h", long_name="per square: (L/W) [f(<g(f)>) - "
                              "f(<g(0)>)], f(g) = g / (1 - g/N), contact resistance removed "
                              "from the ensemble means" if remove_contact else
                              "per square: (L/W) <g(f) - g(0)>, contact resistance kept")
    ds.attrs.update(
        title="andersonwl magnetoconductance",
        model=json.dumps(model.as_dict()),
        background_flux=f0,
        aspect_ratio=aspect,
        realizations=int(n),
        ensemble_seed=seed,
        symmetrized=int(bool(symmetrize)),
        contact_resistance_removed=int(remove_contact),
        delta_g_err_rule="std_r[g_r(f) - g_r(0)] / sqrt(N), ddof=1 (paired realisations)",
    )
    for key in ("experiment", "fingerprint", "engine", "andersonwl_version", "kwant_version",
                "numpy_version", "start_time", "end_time"):
        if key in ens.attrs:
            ds.attrs[key] = ens.attrs[key]
    return ds
