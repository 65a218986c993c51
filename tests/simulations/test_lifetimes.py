import math

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.bands import born_rate, fermi_surface_average
from andersonwl.hamiltonian import geometry_of, onsite_energies, sample_arrays
from andersonwl.simulations.lifetimes import lifetimes


def test_correlated_potential_statistics():
    """<V(r)V(r+d)> = (W^2/12) exp(-d^2 / (2 xi^2)); variance kept at W^2/12."""
    xi, W = 2.0, 2.0
    m = aw.StripModel(8, 8, 0.5, disorder=W, correlation_length=xi)
    x, y = np.meshgrid(np.arange(300), np.arange(300), indexing="ij")
    v = onsite_energies(4, m, (x, y))
    var = W**2 / 12
    # about (300 / (2.5 xi))^2 ~ 3600 independent patches: relative error of the variance ~ 3 %
    assert abs(v.var() / var - 1) < 0.1
    for d in (1, 2, 4):
        c = np.mean(v[:-d] * v[d:]) / v.var()
        assert abs(c - math.exp(-d**2 / (2 * xi**2))) < 0.06, (d, c)


def test_correlated_potential_is_a_function_of_the_site():
    m = aw.StripModel(6, 5, 0.5, disorder=2.0, correlation_length=1.5)
    small = sample_arrays(geometry_of(m), 3, 2.0, 0.0, 0.0, 0.0).onsite
    big_m = m.replace(length=11, width=9)
    big = sample_arrays(geometry_of(big_m), 3, 2.0, 0.0, 0.0, 0.0).onsite
    assert np.array_equal(small, big[:6, :5])
    with pytest.raises(ValueError):
        aw.StripModel(6, 5, 0.5, correlation_length=-1.0)


def test_born_rate_and_velocity():
    # exact density of states of the square lattice: nu(E) = K(1 - E^2/16) / (2 pi^2)
    # (K the complete elliptic integral with parameter m = k^2)
    from scipy.special import ellipk
    for e in (0.5, 1.5, -2.5):
        nu, v = fermi_surface_average(e)
        assert abs(nu / (ellipk(1 - e**2 / 16) / (2 * math.pi**2)) - 1) < 0.01
        assert 0 < v < 2 * math.sqrt(2)
    nu, v = fermi_surface_average(0.5)
    assert math.isclose(born_rate(0.5, 2.0), 2 * math.pi * nu * 4 / 12)


def test_tau_q_matches_born_and_ratio_white_noise():
    """White noise: tau_tr/tau_q = 1.

    Measured (24-wide strips, E = 0.5, W = 1.5, 12 realisations): ratio 0.996 +- 0.038.
    Tolerance: 3 standard errors plus 0.05 for the quasi-ballistic interpolation behind
    the mean free path (l = (2/pi) l*).
    """
    m = aw.StripModel(8, 24, 0.5, disorder=1.5)
    r = lifetimes(m, realizations=12, size=64)
    assert abs(r["ratio"] - 1) < 3 * r["ratio_err"] + 0.05, r
    # Born approximation: within 15 % at W = 1.5 (higher orders shift the rate by ~7 %)
    assert abs(r["rate"] / r["born_rate"] - 1) < 0.15, r


def test_smooth_disorder_has_tau_tr_much_longer_than_tau_q():
    """Measured for xi = 2, W = 1.5: tau_tr/tau_q = 4.6 +- 0.3 (forward scattering)."""
    m = aw.StripModel(8, 24, 0.5, disorder=1.5, correlation_length=2.0)
    r = lifetimes(m, realizations=12, size=64)
    assert r["ratio"] - 3 * r["ratio_err"] > 2, r


def test_lifetime_input_checks():
    with pytest.raises(ValueError, match="spinless"):
        lifetimes(aw.StripModel(8, 8, 0.5, disorder=1.0, rashba=0.3))
