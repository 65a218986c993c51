import math

import numpy as np
import pytest
import xarray as xr

from andersonwl.analysis.beta import beta_function, mean_free_path, perturbative_beta
from andersonwl.analysis.fss import crossing_points, finite_size_scaling
from andersonwl.bands import fermi_wavevector


def test_perturbative_beta_conventions():
    g = np.array([5.0, 20.0])
    assert np.allclose(perturbative_beta(g, "AI"), -2 / (np.pi * g))
    assert np.allclose(perturbative_beta(g, "AI", spin_degeneracy=1), -1 / (np.pi * g))
    assert np.allclose(perturbative_beta(g, "AII"), 1 / (np.pi * g))
    assert np.allclose(perturbative_beta(g, "A"), -2 / (np.pi**2 * g**2))
    # next order is smaller than the leading one at large g, and has the stated sign
    for cls in ("AI", "AII", "A"):
        d = perturbative_beta(g, cls, order=2) - perturbative_beta(g, cls)
        assert np.all(d < 0) and np.all(np.abs(d) < np.abs(perturbative_beta(g, cls)))
    with pytest.raises(ValueError):
        perturbative_beta(g, "BDI")
    with pytest.raises(ValueError):
        perturbative_beta([-1.0], "AI")


def synthetic_ladder(slope, sizes=(8, 16, 32, 64), n=400, sd=0.3, seed=1):
    """ln g = 1 + slope ln L + shared noise (common across sizes) + own noise."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(n)
    lng = np.array([1 + slope * math.log(L) + sd * (common + 0.5 * rng.standard_normal(n))
                    for L in sizes])
    return xr.Dataset({"conductance": (("size", "realization"), np.exp(lng))},
                      coords={"size": list(sizes)})


def test_beta_function_recovers_slope_with_honest_errors():
    pulls = []
    for seed in range(20):
        out = beta_function(synthetic_ladder(-0.2, seed=seed), bootstrap=200, rng=seed)
        assert out.beta.shape == (3,)
        pulls.extend(((out.beta + 0.2) / out.beta_err).values)
    pulls = np.array(pulls)
    # the bootstrap error is the standard deviation of beta: pulls have unit spread
    assert abs(pulls.mean()) < 4 / math.sqrt(pulls.size) + 0.1
    assert 0.7 < pulls.std() < 1.3


def test_beta_function_windows_and_correlation():
    ds = synthetic_ladder(0.1, n=300)
    out3 = beta_function(ds, window=3, bootstrap=100)
    assert out3.beta.shape == (2,) and np.allclose(out3.beta, 0.1, atol=0.06)
    # the joint bootstrap sees the common noise cancel: beta errors well below
    # those of independent samples, sqrt(err_i^2 + err_j^2) / ln 2 (ratio 0.54 expected)
    out = beta_function(ds, bootstrap=200)
    e = out.ln_g_err.values
    independent = np.sqrt(e[1:] ** 2 + e[:-1] ** 2) / math.log(2)
    assert np.all(out.beta_err.values < 0.75 * independent)
    with pytest.raises(ValueError, match="window"):
        beta_function(ds, window=5)
    with pytest.raises(ValueError, match="conductance"):
        beta_function(ds.rename(conductance="g"))


def synthetic_fss(pc=6.0, nu=2.7, sizes=(16, 24, 32, 48, 64), noise=0.002, seed=3,
                  irrelevant=False):
    rng = np.random.default_rng(seed)
    p = np.linspace(5.6, 6.4, 9)
    P, L = np.meshgrid(p, sizes, indexing="ij")
    x = (P - pc) * L ** (1 / nu)
    q = 0.35 - 0.5 * x + 0.05 * x**2
    if irrelevant:
        q = q + 1.5 * L ** -1.2
    err = np.full(q.shape, noise)
    q = q + err * rng.standard_normal(q.shape)
    return xr.Dataset({"ln_g": (("disorder", "size"), q), "ln_g_err": (("disorder", "size"), err)},
                      coords={"disorder": p, "size": list(sizes)})


def test_finite_size_scaling_recovers_known_parameters():
    fit = finite_size_scaling(synthetic_fss(), n_relevant=2, nu=2.0, bootstrap=60)
    for key, true in [("critical", 6.0), ("nu", 2.7), ("q_c", 0.35)]:
        lo, hi = fit.intervals[key]
        assert lo - fit.errors[key] <= true <= hi + fit.errors[key], \
            (key, fit.values, fit.intervals)
        assert abs(fit.values[key] - true) < 4 * fit.errors[key]
    assert fit.p_value > 1e-3
    assert np.allclose(fit.predict([6.0], [32]), 0.35, atol=0.01)


def test_finite_size_scaling_with_irrelevant_correction():
    ds = synthetic_fss(irrelevant=True, noise=0.001)
    plain = finite_size_scaling(ds, n_relevant=2, nu=2.0, bootstrap=0)
    full = finite_size_scaling(ds, n_relevant=2, n_irrelevant=0, nu=2.5, y=1.0, bootstrap=40)
    assert plain.p_value < 1e-6          # the correction is needed ...
    assert full.p_value > 1e-3           # ... and sufficient
    assert abs(full.values["critical"] - 6.0) < 4 * full.errors["critical"]
    assert abs(full.values["nu"] - 2.7) < 4 * full.errors["nu"]


def test_crossing_points():
    p = np.linspace(0, 1, 11)
    vals = np.stack([(p - 0.43) * L for L in (1, 2, 4)], axis=1)
    cross = crossing_points(p, [1, 2, 4], vals)
    assert len(cross) == 2 and all(abs(c[2] - 0.43) < 1e-12 for c in cross)


def test_fermi_wavevector_and_mean_free_path():
    # near the band bottom epsilon = -4 + k^2: k_F = sqrt(E + 4)
    assert abs(fermi_wavevector(-3.9) - math.sqrt(0.1)) < 0.01
    # half filling: n = 1/2, k_F = sqrt(2 pi)
    assert abs(fermi_wavevector(0.0) - math.sqrt(2 * math.pi)) < 0.01
    lstar = 12.0
    L = np.array([2.0, 4.0, 8.0])
    g = 30 * lstar / (L + lstar)
    assert abs(mean_free_path(L, g, 30) - 2 / math.pi * lstar) < 1e-9
    with pytest.raises(ValueError):
        mean_free_path([2.0], [1.0], 3)


def test_ioffe_regel_born_scaling():
    """Born approximation: l ~ 1/W^2, so l(W) / l(2W) -> 4 at weak disorder.

    Measured 3.76 for W = 1 -> 2 (20x20 strip, E = 0.5, 20 realisations per length);
    the tolerance [3, 5] covers the statistical error (~5 %) and the O(W^2) corrections.
    """
    import andersonwl as aw
    from andersonwl.simulations.lifetimes import ioffe_regel
    weak = ioffe_regel(aw.StripModel(8, 20, 0.5, disorder=1.0), realizations=20)
    strong = ioffe_regel(aw.StripModel(8, 20, 0.5, disorder=2.0), realizations=20)
    assert 3.0 < weak["l"] / strong["l"] < 5.0
    assert weak["k_F_l"] > 20 and 5 < strong["k_F_l"] < 30


def test_contact_resistance_removal():
    ds = synthetic_ladder(0.0, n=50)
    n = [200.0, 300.0, 400.0, 500.0]
    plain = beta_function(ds, bootstrap=20)
    corrected = beta_function(ds, bootstrap=20, channels=n)
    g = ds.conductance.isel(size=0, realization=0).item()
    assert corrected.attrs["contact_resistance_removed"] == 1
    # g / (1 - g/N) is larger, most of all where N is smallest
    assert np.all(corrected.ln_g.values > plain.ln_g.values)
    assert np.isclose(np.exp(corrected.ln_g[0]) / np.exp(plain.ln_g[0]),
                      1 / (1 - g / 200.0), rtol=0.05)
    with pytest.raises(ValueError, match="channels"):
        beta_function(ds, channels=[1.0, 2.0])
    with pytest.raises(ValueError, match="g >= N"):
        beta_function(ds, channels=[1.0, 1.0, 1.0, 1.0])
