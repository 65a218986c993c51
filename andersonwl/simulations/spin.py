"""Spin relaxation seen in transport: P(L) along a length scan, L_s, and what theory expects.

:func:`spin_relaxation` computes the spin-resolved conductances g[s_out, s_in]
of every realisation at every length of a scan, one RGF sweep per
realisation (:func:`andersonwl.engines.spin_conductance_vs_length`: the
sample of length L' is the first L' columns of the longest one), in parallel,
with the one seed rule of the ensembles.  :func:`spin_relaxation_report`
fits the decay of the transmitted spin polarisation
P(L) = [(g_uu + g_dd) - (g_ud + g_du)] / g and sets the fitted length beside
the D'yakonov-Perel estimate from the Rashba coupling and beside the spin-orbit
length of an ILP fit of the same model's cusp.

Notes
-----
Geometry: spin-conserving normal leads (``leads="normal"``) on a disordered
Rashba strip, spin along ``axis``; transport along x.  Units: lengths in
lattice constants, g in e^2/h, contact resistance included (P is a ratio of
two-terminal conductances, so the contacts enter as in a spin-valve
measurement).  What P(L) looks like depends on the axis (see
:mod:`andersonwl.analysis.spin` for the formulas and references):

* ``axis="y"`` (in plane, across the strip): motion along x precesses the spin
  about y, so s_y only relaxes; in the D'yakonov-Perel regime P(L) follows
  the spin-diffusion form (L/L_s)/sinh(L/L_s) with L_s = 1/alpha, which is
  the L_so of the ILP formula;
* ``axis="z"`` or ``"x"``: s_z and s_x precess into each other as well as relax;
  P(L) is a damped oscillation with a decay length and a wavenumber set by
  alpha (fitted with the ``"precessing"`` form).

The estimates hold for alpha l << 1 (l the mean free path) and a strip
much wider than 1/alpha; narrower strips relax more slowly (the wire
suppression of D'yakonov-Perel relaxation), which the report states.
"""

from __future__ import annotations

import json

import numpy as np

from .. import _blas, _checks
from .._random import check_seed, realization_seeds
from ..analysis.beta import mean_free_path as fit_mean_free_path
from ..analysis.spin import dyakonov_perel, fit_spin_relaxation
from ..engines import open_channels
from ..engines.rgf import _check_lengths
from ..engines.spin import check_spin_resolved, spin_conductance_vs_length
from ..models import StripModel

__all__ = ["spin_relaxation", "spin_relaxation_report", "spin_length_chunk", "AUTO_FORMS"]

#: The fit form ``form="auto"`` takes for each axis.
AUTO_FORMS = {"y": "diffusive", "x": "precessing", "z": "precessing"}


@_blas.limited
def spin_length_chunk(model, seeds: tuple, lengths: tuple, axis) -> np.ndarray:
    """g[s_out, s_in] at every length for the realisations ``seeds`` (a worker task).

    Shape (len(seeds), len(lengths), 2, 2).
    """
    return np.array([spin_conductance_vs_length(model, list(lengths), int(s), axis=axis)
                     for s in seeds])


def spin_relaxation(model: StripModel, lengths, realizations: int, seed: int = 0, *,
                    axis: str = "z", executor=None, workers: int | None = None,
                    chunk: int = 5):
    """Spin-resolved conductances of an ensemble along a length scan.

    Parameters
    ----------
    model : StripModel
        Spinful, with spin-conserving leads along ``axis`` (``leads="normal"``
        for a Rashba sample); ``model.length`` is ignored (the longest of
        ``lengths`` is used).
    lengths : sequence of int
        Sample lengths, distinct positive integers.
    realizations : int
        At least 2.
    seed : int
        Ensemble seed: realisation r has the disorder seed
        ``realization_seeds(seed, realizations)[r]``, as in :func:`andersonwl.run`.
    axis : {"z", "x", "y"}
        Spin axis (up = +1 along it).
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
        ``spin_conductance`` (realization, length, spin_out, spin_in) in e^2/h,
        ``conductance`` (realization, length) their sum; coordinates
        ``realization``, ``seed``, ``length``, ``spin_out``, ``spin_in`` (up,
        down); attributes: the model (JSON), the axis, the ensemble seed.

    Raises
    ------
    ValueError
        For a model without spin-resolved conductances, bad lengths or a bad
        count, before any work.
    """
    import xarray as xr

    from ..ensemble.executors import map_tasks
    _checks.instance("model", model, StripModel)
    axis = _checks.choice("axis", axis, tuple(AUTO_FORMS))
    realizations = _checks.integer("realizations", realizations, minimum=2)
    seed = check_seed(seed)
    chunk = _checks.integer("chunk", chunk, minimum=1)
    if workers is not None:
        workers = _checks.integer("workers", workers, minimum=1)
    lengths = np.sort(_check_lengths(lengths, 1 << 20))
    model = model.replace(length=int(lengths.max()))
    check_spin_resolved(model, axis)
    model.check_leads()
    seeds = [int(s) for s in realization_seeds(seed, realizations)]
    scan = tuple(int(v) for v in lengths)
    tasks = [(model, tuple(seeds[i:i + chunk]), scan, axis)
             for i in range(0, realizations, chunk)]
    gs = np.concatenate(map_tasks(spin_length_chunk, tasks, executor=executor, workers=workers))
    ds = xr.Dataset(
        {"spin_conductance": (("realization", "length", "spin_out", "spin_in"), gs),
         "conductance": (("realization", "length"), gs.sum(axis=(-2, -1)))},
        coords={"realization": np.arange(realizations), "seed": ("realization", seeds),
                "length": lengths, "spin_out": ["up", "down"], "spin_in": ["up", "down"]},
        attrs=dict(model=json.dumps(model.as_dict()), axis=axis, ensemble_seed=seed,
                   conventions="g[s_out, s_in] from the left lead (spin s_in) to the right "
                               "lead (spin s_out), e^2/h, contact resistance included"))
    ds["spin_conductance"].attrs.update(units="e^2/h", long_name="spin-resolved conductance")
    ds["conductance"].attrs.update(units="e^2/h", long_name="two-terminal conductance")
    return ds


def spin_relaxation_report(ds, *, form: str = "auto", min_length=None,
                           ilp_l_so: float | None = None, mean_free_path: float | None = None,
                           groups: int = 20) -> dict:
    """Fit the decay of P(L) and compare L_s with D'yakonov-Perel and with an ILP L_so.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`spin_relaxation`.
    form : {"auto", "diffusive", "exponential", "precessing"}
        The fit form of :func:`andersonwl.analysis.spin.fit_spin_relaxation`;
        ``"auto"``: :data:`AUTO_FORMS` of the axis.
    min_length : float, optional
        Fit only lengths >= this (default: all).
    ilp_l_so : float, optional
        L_so of an ILP fit of the same model's cusp (lattice constants); the
        report converts it to the length this fit measures with the
        D'yakonov-Perel relations (for ``axis="y"`` and the diffusive form:
        L_s = L_so).
    mean_free_path : float, optional
        l for the validity check alpha l << 1; default: from the data, the
        quasi-ballistic fit N/<g> = 1 + L/l* with l = (2/pi) l*
        (:func:`andersonwl.analysis.beta.mean_free_path`).
    groups : int
        Jackknife groups of the fit's error.

    Returns
    -------
    dict
        ``fit`` (:class:`~andersonwl.analysis.spin.SpinRelaxationFit`),
        ``systematic`` (the change of L_s when only the longer half of the
        lengths is fitted, or None for fewer than 6 lengths), ``dp``
        (:class:`~andersonwl.analysis.spin.DPEstimate`), ``expected``
        (the D'yakonov-Perel value of the fitted length), ``from_ilp`` (the
        same from ``ilp_l_so``, or None), ``mean_free_path``, ``validity``
        and ``text``.
    """
    model = StripModel(**json.loads(ds.attrs["model"]))
    axis = ds.attrs["axis"]
    form = _checks.choice("form", form, ("auto", "diffusive", "exponential", "precessing"))
    form = AUTO_FORMS[axis] if form == "auto" else form
    lengths = ds["length"].values
    gs = ds["spin_conductance"].values
    fit = fit_spin_relaxation(lengths, gs, form=form, groups=groups, min_length=min_length)
    # systematic error: the same fit on the longer half of the lengths (the form is the
    # diffusive limit; the short, quasi-ballistic lengths pull it most)
    used = fit.lengths
    tail = used[len(used) // 2] if len(used) >= (8 if form == "precessing" else 6) else None
    systematic = None
    if tail is not None:
        try:
            late = fit_spin_relaxation(lengths, gs, form=form, groups=groups, min_length=tail)
            systematic = abs(late.spin_relaxation_length - fit.spin_relaxation_length)
        except ValueError:
            systematic = None
    if model.rashba == 0:
        raise ValueError("the D'yakonov-Perel comparison needs a Rashba coupling")
    dp = dyakonov_perel(model.rashba, axis)
    if mean_free_path is None:
        g = ds["conductance"].values.mean(axis=0)
        n = open_channels(model.replace(length=int(lengths[0])))
        short = lengths <= max(lengths[min(2, len(lengths) - 1)], lengths[0])
        mean_free_path = fit_mean_free_path(lengths[short], g[short], n)
    validity = dp.validity(float(mean_free_path), width=model.width)
    # the D'yakonov-Perel value of what this form measures
    expected = (dp.spin_relaxation_length if form == "diffusive" or axis == "y"
                else dp.injection_decay_length)
    from_ilp = None if ilp_l_so is None else float(ilp_l_so) * expected / dp.ilp_l_so
    ls, err = fit.spin_relaxation_length, fit.spin_relaxation_length_err
    syst = "" if systematic is None else f" (stat) +- {systematic:.2g} (syst, L >= {tail:g})"
    text = (f"axis {axis}, {form} fit over L = {fit.lengths[0]:g} .. {fit.lengths[-1]:g}: "
            f"L_s = {ls:.3g} +- {err:.2g}{syst} (chi2/dof = {fit.chi2:.3g}/{fit.dof}); "
            f"D'yakonov-Perel {expected:.3g} (ratio {ls / expected:.3g})")
    if fit.dof > 0 and fit.chi2 / fit.dof > 3:
        text += ("; chi2/dof >> 1: the form describes P(L) only approximately (ballistic "
                 "contacts, finite alpha l), as the systematic error says")
    if from_ilp is not None:
        text += f"; from the ILP L_so = {ilp_l_so:.3g}: {from_ilp:.3g} (ratio {ls / from_ilp:.3g})"
    text += (f"; alpha l = {validity['alpha_l']:.2g} (needs << 1), width/L_s = "
             f"{validity['width_over_spin_length']:.2g} (needs >> 1)")
    return dict(fit=fit, systematic=systematic, dp=dp, expected=expected, from_ilp=from_ilp,
                mean_free_path=float(mean_free_path), validity=validity, text=text)

