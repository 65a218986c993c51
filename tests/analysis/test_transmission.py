import dataclasses
import math

import numpy as np
import pytest
from assertions import assert_close, assert_within_stderr
from scipy import integrate

from andersonwl.analysis import transmission as tr
from andersonwl.analysis.transmission import (
    FanoResult,
    diffusive_depth,
    dorokhov_density,
    fano_factor,
    transmission_histogram,
    ucf_report,
    universal_variance,
)


def dorokhov_sample(rng, realizations, channels, depth):
    """Independent eigenvalues with the Dorokhov density on a wire of L/l* = depth.

    With tau = 1/cosh^2 x the density is uniform in x on (0, depth); g = channels / depth.
    """
    x = rng.uniform(0.0, depth, size=(realizations, channels))
    return 1.0 / np.cosh(x) ** 2


def expected_fano(depth):
    # int_0^X sech^2 = tanh X, int_0^X sech^4 = tanh X - tanh^3 X / 3
    return math.tanh(depth) ** 2 / 3


def x_of(tau, depth):
    with np.errstate(divide="ignore"):
        return np.minimum(np.arccosh(1.0 / np.sqrt(tau)), depth)


# ----------------------------------------------------------------------
# Fano factor
@pytest.mark.parametrize("depth", [8.0, 1.0])
def test_fano_of_dorokhov_eigenvalues(depth):
    tau = dorokhov_sample(np.random.default_rng(1), 400, 40, depth)
    res = fano_factor(tau)
    assert res.realizations == 400
    assert_within_stderr(res.value, res.stderr, expected_fano(depth), nsigma=3,
                         what=f"F at L/l = {depth}")
    assert res.stderr < 0.01
    if depth > 5:
        assert abs(res.value - 1 / 3) < 0.01


def test_fano_is_ratio_of_ensemble_means_and_ignores_padding():
    tau = [[0.5, np.nan, np.nan], [1.0, 1.0, 0.1], [np.nan] * 3]
    res = fano_factor(tau, groups=2)
    # (0.25 + 0.09) / (0.5 + 2.1), not the mean of the ratios (0.271)
    assert_close(res.value, 0.34 / 2.6, rtol=1e-14, what="F")
    assert res.realizations == 2          # the all-NaN row is not a realisation
    # two groups of one: replicates 0.09/2.1 and 0.25/0.5
    reps = np.array([0.09 / 2.1, 0.5])
    assert_close(res.stderr, math.sqrt(0.5 * np.sum((reps - 0.34 / 2.6) ** 2)), rtol=1e-12,
                 what="jackknife error")


def test_fano_clean_conductor_is_zero():
    tau = np.random.default_rng(2).integers(0, 2, size=(50, 12)).astype(float)
    tau[0, 0] = 1.0
    res = fano_factor(tau)
    assert res.value == 0.0 and res.stderr == 0.0


def test_fano_localized_limit_is_one():
    tau = np.random.default_rng(3).uniform(0, 1e-4, size=(60, 10))
    res = fano_factor(tau)
    assert 1 - 1e-3 < res.value < 1.0


def test_fano_tolerance_clips():
    res = fano_factor([[1 + 5e-10, 0.5], [-5e-10, 0.5]])
    assert res.value == 0.25


def test_fano_jackknife_error_matches_spread_of_independent_ensembles():
    rng = np.random.default_rng(4)
    ensembles = dorokhov_sample(rng, 200 * 100, 20, 4.0).reshape(200, 100, 20)
    direct = (ensembles * (1 - ensembles)).sum(axis=(1, 2)) / ensembles.sum(axis=(1, 2))
    spread = direct.std(ddof=1)
    jack = np.mean([fano_factor(e).stderr for e in ensembles[:40]])
    assert_close(fano_factor(ensembles[0]).value, direct[0], rtol=1e-12, what="F")
    assert 1 / 1.5 < jack / spread < 1.5, f"jackknife {jack:.4g} vs spread {spread:.4g}"


def test_fano_result_str_and_frozen():
    res = FanoResult(0.3337, 0.0101, 200)
    assert str(res) == "F = 0.334 +- 0.010 (200 realisations)"
    assert str(FanoResult(0.99995, 0.00002, 60)) == "F = 0.999950 +- 0.000020 (60 realisations)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.value = 1.0


@pytest.mark.parametrize("tau, error, match", [
    (np.full(5, 0.5), ValueError, "tau must be a 2-D"),
    (np.full((2, 2, 2), 0.5), ValueError, "tau must be a 2-D"),
    ([[0.5, 1.01], [0.2, 0.3]], ValueError, r"tau must lie in \[0, 1\]"),
    ([[0.5, -0.01], [0.2, 0.3]], ValueError, r"tau must lie in \[0, 1\]"),
    ([[0.5, np.inf], [0.2, 0.3]], ValueError, "tau must be finite"),
    ([["a", "b"], ["c", "d"]], TypeError, "tau must be an array of real numbers"),
    ([[True, False], [True, True]], TypeError, "tau must be an array of real numbers"),
    ([[0.5, 0.2]], ValueError, "at least 2 realisations"),
    ([[0.5, 0.2], [np.nan, np.nan]], ValueError, "at least 2 realisations"),
    (np.zeros((5, 3)), ValueError, "no transmission"),
])
def test_fano_bad_input(tau, error, match):
    with pytest.raises(error, match=match):
        fano_factor(tau)


def test_fano_bad_groups():
    tau = np.full((4, 2), 0.5)
    with pytest.raises(ValueError, match="groups"):
        fano_factor(tau, groups=1)
    with pytest.raises(TypeError, match="groups"):
        fano_factor(tau, groups=2.5)


# ----------------------------------------------------------------------
# Dorokhov density and histogram
def test_dorokhov_density_normalisation_and_values():
    g = 3.7
    norm, _ = integrate.quad(lambda t: t * dorokhov_density(t, g), 0, 1)
    assert_close(norm, g, rtol=1e-6, what="int tau rho")
    noise, _ = integrate.quad(lambda t: t * (1 - t) * dorokhov_density(t, g), 0, 1)
    assert_close(noise / norm, 1 / 3, rtol=1e-6, what="F of the density")
    assert_close(dorokhov_density(0.75, g), g * 4 / 3, rtol=1e-14, what="rho(3/4)")
    assert isinstance(dorokhov_density(0.5, g), float)
    out = dorokhov_density([[-0.1, 0.0, 0.2], [1.0, 1.5, np.nan]], g)
    assert out.shape == (2, 3)
    assert np.isfinite(out[0, 2]) and np.isnan(np.delete(out.ravel(), 2)).all()


@pytest.mark.parametrize("g, error", [(np.nan, ValueError), (-1.0, ValueError),
                                      (0.0, ValueError), ("1", TypeError)])
def test_dorokhov_density_bad_g(g, error):
    with pytest.raises(error, match="g must"):
        dorokhov_density(0.5, g)


def test_histogram_of_dorokhov_samples_matches_density():
    depth, channels, n = 6.0, 30, 2000
    g = channels / depth
    tau = dorokhov_sample(np.random.default_rng(5), n, channels, depth)
    tau[::2, -3:] = np.nan                       # padding is not counted
    counted = (~np.isnan(tau)).sum() / n
    edges, density = transmission_histogram(tau)
    width = np.diff(edges)
    assert edges.shape == (41,) and density.shape == (40,)
    assert_close(np.sum(density * width), counted, rtol=1e-12, what="eigenvalues per realisation")
    # the mid-point rule for <g>: 3 % high with 40 bins (the 1/tau pile-up in the first bin)
    fine_edges, fine = transmission_histogram(tau, bins=400)
    fine_centre = 0.5 * (fine_edges[1:] + fine_edges[:-1])
    assert_close(np.sum(fine * fine_centre * np.diff(fine_edges)),
                 np.nanmean(np.nansum(tau, axis=1)), rtol=0.005,
                 what="sum density*centre*width vs <g>")
    # expected: uniform x up to the cut-off; away from tau ~ 0 it is the integral of rho
    per_real = counted / channels * g * (x_of(edges[:-1], depth) - x_of(edges[1:], depth))
    rho_bins = [integrate.quad(dorokhov_density, a, b, args=(g,))[0] for a, b in
                zip(edges[1:-1], edges[2:])]
    assert np.allclose(rho_bins, per_real[1:] / (counted / channels), rtol=1e-7)
    expected = per_real / width
    err = np.sqrt(expected / (n * width))       # Poisson counts
    z = (density - expected) / err
    assert np.max(np.abs(z)) < 4.5, f"worst bin off by {np.max(np.abs(z)):.2f} sigma"
    assert np.mean(z**2) < 1.6, f"chi^2/dof = {np.mean(z**2):.2f}"
    # and a wrong density (g off by 5 %) is rejected
    zw = (density - 1.05 * expected) / err
    assert np.mean(zw**2) > 3


def test_histogram_edges():
    tau = np.array([[0.05, 0.5, 1.0], [0.95, np.nan, 0.3]])
    edges, density = transmission_histogram(tau, bins=[0.0, 0.5, 1.0])
    assert np.array_equal(edges, [0.0, 0.5, 1.0])
    assert np.allclose(density, [2 / (2 * 0.5), 3 / (2 * 0.5)])   # 1.0 is in the last bin
    for bad in ([0.0, 0.5, 0.4], [0.0, 2.0], [0.5], [[0.0, 1.0]], 0):
        with pytest.raises(ValueError, match="bins"):
            transmission_histogram(tau, bins=bad)
    with pytest.raises(TypeError, match="bins"):
        transmission_histogram(tau, bins=True)
    with pytest.raises(ValueError, match="tau"):
        transmission_histogram([0.1, 0.2])


# ----------------------------------------------------------------------
# universal conductance fluctuations
@pytest.mark.parametrize("cls, degeneracy, expected", [
    ("AI", 1, 2 / 15), ("A", 1, 1 / 15), ("AII", 2, 2 / 15), ("AI", 2, 8 / 15), ("A", 2, 4 / 15),
])
def test_universal_variance_quasi_1d(cls, degeneracy, expected):
    assert_close(universal_variance(cls, degeneracy=degeneracy), expected, rtol=1e-14,
                 what=f"var g ({cls}, d = {degeneracy})")
    assert universal_variance(cls, "quasi-1d", degeneracy=degeneracy) == \
        universal_variance(cls, degeneracy=degeneracy)


def test_universal_variance_square():
    ai = universal_variance("AI", "square")
    assert_close(ai, 0.185613, atol=1e-6, what="square, AI")
    assert_close(universal_variance("A", "square"), ai / 2, rtol=1e-14, what="square, A")
    assert_close(universal_variance("AII", "square", degeneracy=2), ai, rtol=1e-14,
                 what="square, AII")
    # independent brute-force double sum of the diffuson modes (n_x >= 1, n_y >= 0)
    n = np.arange(1, 2001.0)[:, None]
    m = np.arange(0, 2001.0)[None, :]
    brute = 12 / np.pi**4 * np.sum(1 / (n**2 + m**2) ** 2)
    assert_close(ai, brute, rtol=1e-6, what="closed-form vs brute-force mode sum")
    # a long wire recovers the random-matrix value 2/15
    assert_close(12 / np.pi**4 * tr._mode_sum(30.0), 2 / 15, rtol=1e-4, what="L/W = 30")


@pytest.mark.parametrize("args, kwargs, error, match", [
    (("AII",), {}, ValueError, "Kramers"),
    (("AII",), {"degeneracy": 1}, ValueError, "Kramers"),
    (("AIII",), {}, ValueError, "unknown symmetry_class"),
    ((1,), {}, TypeError, "symmetry_class"),
    (("AI", "cube"), {}, ValueError, "geometry 'cube'.*'quasi-1d', 'square'"),
    (("AI", 2), {}, TypeError, "geometry"),
    (("AI",), {"degeneracy": 3}, ValueError, "degeneracy"),
    (("AI",), {"degeneracy": 2.0}, TypeError, "degeneracy"),
])
def test_universal_variance_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        universal_variance(*args, **kwargs)


def test_ucf_report_recovers_known_variance():
    rng = np.random.default_rng(6)
    n, var = 4000, 2 / 15
    g = 10 + math.sqrt(var) * rng.standard_normal(n)
    rep = ucf_report(g, "AI")
    assert rep.realizations == n and rep.universal == 2 / 15
    assert_within_stderr(rep.variance, rep.variance_err, var, nsigma=3, what="var g")
    assert_within_stderr(rep.ratio, rep.ratio_err, 1.0, nsigma=3, what="var / universal")
    # Gaussian: the error of a variance is sqrt(2/(n-1)) var
    assert_close(rep.variance_err, math.sqrt(2 / (n - 1)) * var, rtol=0.35, what="jackknife error")
    assert_close(rep.mean, 10, atol=0.05, what="<g>")
    assert "ratio" in str(rep) and "AI" in str(rep)
    # NaN realisations are skipped
    padded = ucf_report(np.concatenate([g, [np.nan] * 7]), "AI")
    assert padded == rep
    # a spin-degenerate ensemble is 4 times the spinless value
    four = ucf_report(10 + math.sqrt(8 / 15) * rng.standard_normal(n), "AI")
    assert four.ratio > 3
    assert abs(ucf_report(10 + math.sqrt(8 / 15) * rng.standard_normal(n), "AI",
                          degeneracy=2).ratio - 1) < 0.15


@pytest.mark.parametrize("g, cls, error, match", [
    (np.ones((3, 3)), "AI", ValueError, "g must be a 1-D"),
    ([1.0, -2.0, 3.0, 4.0], "AI", ValueError, "g must be non-negative"),
    ([1.0, np.inf, 3.0, 4.0], "AI", ValueError, "g must be non-negative and finite"),
    ([1.0, 2.0, np.nan], "AI", ValueError, "at least 3"),
    (["1", "2", "3"], "AI", TypeError, "g must be an array"),
    ([1.0, 2.0, 3.0, 4.0], "BDI", ValueError, "unknown symmetry_class"),
])
def test_ucf_report_bad_input(g, cls, error, match):
    with pytest.raises(error, match=match):
        ucf_report(g, cls)


def test_ucf_report_exact_small_ensemble():
    rep = ucf_report([1.0, 2.0, 3.0, 4.0], "A", groups=4)
    assert_close(rep.variance, 5 / 3, rtol=1e-14, what="var (ddof = 1)")
    reps = np.array([np.var(np.delete([1.0, 2.0, 3.0, 4.0], j), ddof=1) for j in range(4)])
    assert_close(rep.variance_err, math.sqrt(3 / 4 * np.sum((reps - 5 / 3) ** 2)), rtol=1e-12,
                 what="jackknife error")
    assert_close(rep.ratio, (5 / 3) / (1 / 15), rtol=1e-14, what="ratio")


def test_ucf_report_replicates_need_two_values():
    with pytest.raises(ValueError, match="fewer than 2"):
        ucf_report([1.0, 2.0, 3.0], "AI", groups=2)
    assert ucf_report([1.0, 2.0, 3.0], "AI").realizations == 3


# ----------------------------------------------------------------------
# transport regime
@pytest.mark.parametrize("length, xi, verdict", [
    (5.0, 1000.0, "ballistic"), (20.0, 1000.0, "quasi-ballistic"),
    (100.0, 1000.0, "diffusive"), (100.0, 50.0, "localized"), (100.0, math.inf, "diffusive"),
])
def test_diffusive_depth_verdicts(length, xi, verdict):
    d = diffusive_depth(length, 10.0, xi)
    assert d.verdict == verdict and not d.xi_estimated
    assert d.length_over_mfp == length / 10 and d.length_over_xi == length / xi
    assert verdict in str(d)


def test_diffusive_depth_quasi_1d_estimate():
    d = diffusive_depth(100.0, 2.0, channels=20, beta=1)
    assert d.xi_estimated
    assert_close(d.localization_length, 21 * (math.pi / 2) * 2.0, rtol=1e-14, what="xi (AI)")
    d4 = diffusive_depth(100.0, 2.0, channels=10, beta=4, dimension=3)
    assert_close(d4.localization_length, 38 * (4 / 3) * 2.0, rtol=1e-14, what="xi (AII, 3D)")
    assert diffusive_depth(100.0, 2.0, channels=2, beta=1).verdict == "localized"


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((-1.0, 2.0, 50.0), {}, ValueError, "length must be positive"),
    ((10.0, np.nan, 50.0), {}, ValueError, "mean_free_path must be finite"),
    ((10.0, 2.0, 0.0), {}, ValueError, "localization_length must be positive"),
    (("10", 2.0, 50.0), {}, TypeError, "length"),
    ((10.0, 2.0), {}, ValueError, "channels and beta"),
    ((10.0, 2.0), {"channels": 5}, ValueError, "channels and beta"),
    ((10.0, 2.0, 50.0), {"channels": 5, "beta": 1}, ValueError, "not both"),
    ((10.0, 2.0), {"channels": 5, "beta": 3}, ValueError, "beta"),
    ((10.0, 2.0), {"channels": 0, "beta": 1}, ValueError, "channels"),
    ((10.0, 2.0), {"channels": 5.0, "beta": 1}, TypeError, "channels"),
    ((10.0, 2.0, 50.0), {"dimension": 4}, ValueError, "dimension"),
])
def test_diffusive_depth_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        diffusive_depth(*args, **kwargs)
