"""Transmission eigenvalues: engines agree, P(tau), the Fano factor and var g of the classes."""

import numpy as np
import pytest
from assertions import assert_close, assert_kramers_pairs, assert_within_stderr
from variants import IDS, VARIANTS, model

import andersonwl as aw
from andersonwl.analysis.transmission import dorokhov_density, transmission_histogram
from andersonwl.engines import open_channels
from andersonwl.engines.kwant_engine import transmission_eigenvalues
from andersonwl.engines.rgf import conductance_rgf, transmission_rgf
from andersonwl.simulations.transmission import transmission_report, transmission_statistics

#: class A (weak flux: no weak-localization correction to F), l ~ 10, L/l ~ 6,
#: L/xi ~ 0.08: deep in the diffusive regime
DIFFUSIVE_A = aw.StripModel(60, 30, 0.5, disorder=1.5, flux=0.003)


@pytest.mark.parametrize("kw, cls", [v[1:] for v in VARIANTS], ids=IDS)
def test_rgf_and_kwant_eigenvalues_agree(kw, cls):
    m = model(kw)
    a = transmission_rgf(m, 4)
    b = np.sort(transmission_eigenvalues(m, 4))[::-1]
    assert_close(a, b[:len(a)], atol=1e-10, what=f"tau of {kw}")
    assert_close(a.sum(), conductance_rgf(m, 4), rtol=1e-12, what="sum tau = g")
    if cls == "AII":
        assert_kramers_pairs(a)


@pytest.mark.core
def test_clean_strip_has_open_and_closed_channels_only():
    ds = transmission_statistics(aw.StripModel(30, 12, 0.5), 3, seed=1, workers=1)
    tau = ds["transmission"].values
    assert np.all(np.isfinite(tau)) and tau.shape[1] == open_channels(aw.StripModel(30, 12, 0.5))
    assert np.max(np.abs(tau - np.round(tau))) < 1e-10
    assert transmission_report(ds)["fano"].value < 1e-12


def test_fano_factor_is_one_third_in_a_diffusive_wire():
    """Beenakker and Buttiker, PRB 46, 1889 (1992); within 3 standard errors (0.002)."""
    ds = transmission_statistics(DIFFUSIVE_A, 200, seed=2, workers=2)
    rep = transmission_report(ds)
    assert rep["symmetry_class"] == "A" and rep["depth"].verdict == "diffusive"
    assert_within_stderr(rep["fano"].value, rep["fano"].stderr, 1 / 3, nsigma=3,
                         what="Fano factor")
    # P(tau) is bimodal and follows the Dorokhov density in the middle of (0, 1)
    edges, density = transmission_histogram(ds["transmission"].values, bins=10)
    centres = (edges[1:] + edges[:-1]) / 2
    g = float(ds["conductance"].mean())
    expected = dorokhov_density(centres, g)
    middle = (centres > 0.2) & (centres < 0.8)
    assert_close(density[middle], expected[middle], rtol=0.25, what="P(tau) against Dorokhov")
    assert density[0] > 3 * density[middle].max() and density[-1] > density[middle].max()


def test_fano_factor_tends_to_one_when_localized():
    """L/xi ~ 8: one eigenvalue carries the conductance, tau << 1, F -> 1 in a typical
    sample.  (The ensemble F, a ratio of means, is dominated by the rare resonant
    samples with tau_1 ~ 1 and converges slowly: it is only checked to exceed 1/3.)"""
    ds = transmission_statistics(aw.StripModel(80, 8, 0.5, disorder=5.0), 100, seed=3,
                                 workers=1)
    rep = transmission_report(ds)
    assert rep["depth"].verdict == "localized"
    tau = ds["transmission"].values
    per_sample = np.nansum(tau * (1 - tau), axis=1) / np.nansum(tau, axis=1)
    assert np.median(per_sample) > 0.95
    assert np.median(tau[:, 0] / np.nansum(tau, axis=1)) > 0.9
    assert rep["fano"].value > 1 / 3


def test_conductance_variance_of_a_quasi_1d_orthogonal_wire():
    """var g -> 2/15 (class AI, spinless, L = 3 W: +2.6 % from the finite aspect ratio,
    left in the tolerance of 3 standard errors, 0.027)."""
    ds = transmission_statistics(aw.StripModel(60, 20, 0.5, disorder=2.0), 300, seed=2,
                                 workers=2)
    rep = transmission_report(ds)
    ucf = rep["ucf"]
    assert rep["symmetry_class"] == "AI" and rep["degeneracy"] == 1
    assert ucf.universal == pytest.approx(2 / 15)
    assert_within_stderr(ucf.variance, ucf.variance_err, 2 / 15, nsigma=3, what="var g")


def test_same_seeds_as_an_ensemble_run():
    m = aw.StripModel(12, 6, 0.5, disorder=2.0)
    ds = transmission_statistics(m, 6, seed=9, workers=1, chunk=4)
    run = aw.run({"model": dict(length=12, width=6, energy=0.5, disorder=2.0),
                  "ensemble": dict(seed=9, realizations=6)}, workers=1, progress=False)
    assert np.array_equal(ds["seed"].values, run["seed"].values)
    assert_close(ds["conductance"].values, run["conductance"].values, rtol=1e-12,
                 what="g = sum tau against the ensemble's g")
    few = transmission_statistics(m, 6, seed=9, workers=1, channels=2)
    assert few["transmission"].shape == (6, 2)
    assert_close(few["transmission"].values, ds["transmission"].values[:, :2], atol=0)


@pytest.mark.core
@pytest.mark.parametrize("kwargs, error", [
    (dict(realizations=1), ValueError),
    (dict(realizations=4, engine="probes"), ValueError),
    (dict(realizations=4, channels=0), ValueError),
    (dict(realizations=4, executor="local"), TypeError),
])
def test_bad_input_is_refused_before_work(kwargs, error):
    with pytest.raises(error):
        transmission_statistics(aw.StripModel(8, 4, 0.5, disorder=1.0), seed=1, **kwargs)
    with pytest.raises(ValueError, match="coherent"):
        transmission_statistics(aw.StripModel(8, 4, 0.5, dephasing=0.1), 4)


# ----------------------------------------------------------------------
# [run] transmission: the eigenvalues as an ensemble variable
TEXP = {"model": dict(length=12, width=6, energy=0.5, disorder=2.0, flux=[0.0, 0.01]),
        "ensemble": dict(seed=9, realizations=12), "run": dict(transmission=3, chunk=4)}


def test_ensemble_transmission_variable_is_reproducible_and_consistent():
    one = aw.run(TEXP, workers=1, progress=False)
    two = aw.run(TEXP, workers=2, progress=False)
    tau = one["transmission"]
    assert tau.dims == ("flux", "realization", "channel") and tau.shape == (2, 12, 3)
    assert np.array_equal(tau.values, two["transmission"].values, equal_nan=True)
    assert np.array_equal(one["conductance"].values, two["conductance"].values)
    sim = transmission_statistics(aw.StripModel(12, 6, 0.5, disorder=2.0), 12, seed=9,
                                  workers=1, channels=3)
    assert np.array_equal(sim["transmission"].values, tau.sel(flux=0.0).values, equal_nan=True)
    plain = aw.run({**TEXP, "run": dict(chunk=4)}, workers=1, progress=False)
    assert "transmission" not in plain
    assert_close(one["conductance"].values, plain["conductance"].values, rtol=1e-12,
                 what="g = sum tau against the engine's g")
    assert np.all(np.diff(tau.values, axis=-1) <= 0)             # largest first


def test_ensemble_transmission_checkpoint_resumes_to_the_same_bits(tmp_path, caplog):
    """A checkpoint of rows (g, tau...): a good chunk is reused, one with a tau > 1 (its
    checksum matching) is set aside by name and recomputed; the result is bitwise that
    of an uninterrupted run."""
    from andersonwl.ensemble.checkpoint import Checkpoint, parts_dir
    from andersonwl.ensemble.executors import compute_chunk
    whole = aw.run(TEXP, workers=1, progress=False)
    exp = aw.load_experiment(TEXP)
    out = tmp_path / "r.nc"
    model, engine = exp.models()[0], exp.engines()[0]
    seeds = aw.ensemble.realization_seeds(exp.seed, 12)
    with Checkpoint(parts_dir(out), exp.fingerprint(), 4) as ckpt:   # a run killed early
        ckpt.open(exp.to_json(), "then")
        ckpt.save((0, 0, 4), compute_chunk(model, tuple(int(s) for s in seeds[:4]), engine, 3))
        bad = compute_chunk(model, tuple(int(s) for s in seeds[4:8]), engine, 3)
        bad[0, 1] = 1.5                                   # not a transmission eigenvalue
        ckpt.save((0, 4, 8), bad)
    got = aw.run(TEXP, workers=1, output=out, resume=True, progress=False)
    assert any("chunk-0-4-8.bin" in r.getMessage() and "transmission eigenvalues" in
               r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert np.array_equal(got["transmission"].values, whole["transmission"].values,
                          equal_nan=True)
    assert np.array_equal(got["conductance"].values, whole["conductance"].values)


@pytest.mark.core
@pytest.mark.parametrize("run, model, match", [
    (dict(transmission=-1), {}, "at least 0"),
    (dict(transmission=2, engine="probes"), {}, "no transmission eigenvalues"),
    (dict(transmission=2), dict(temperature=0.01), "coherent transport"),
    (dict(transmission=2), dict(dephasing=0.1), "coherent transport"),
])
def test_ensemble_transmission_refused_at_validation(run, model, match, tmp_path):
    exp = {"model": dict(length=8, width=4, energy=0.5, disorder=1.0, **model),
           "ensemble": dict(seed=1, realizations=4), "run": run}
    with pytest.raises(aw.ensemble.ExperimentError, match=match):
        aw.run(exp, output=tmp_path / "x.nc", workers=1, progress=False)
    assert list(tmp_path.iterdir()) == []
