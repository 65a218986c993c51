"""Finite temperature: the thermal average of g(E), energy sweeps, and their inputs."""

import math

import numpy as np
import pytest

import andersonwl as aw
import andersonwl.engines.thermal as thermal
from andersonwl import bands, units
from andersonwl.engines import compute_function, conductance
from andersonwl.engines.rgf import conductance_rgf, conductance_vs_energy
from andersonwl.engines.thermal import fermi_window, thermal_conductance, thermal_length

DIRTY = aw.StripModel(20, 12, 0.5, disorder=2.0)


def _staircase(width, mu, T):
    """Clean strip: each subband [eps_n - 2, eps_n + 2] contributes f(bottom) - f(top)."""
    eps = bands.transverse_energies(width)
    f = lambda e: 1.0 / (1.0 + np.exp((e - mu) / T))   # noqa: E731
    return float(np.sum(f(eps - 2) - f(eps + 2)))


@pytest.mark.core
@pytest.mark.parametrize("T", [0.01, 0.05])
def test_clean_strip_follows_the_fermi_smeared_staircase(T):
    """Exact to the reported error (the subband thresholds are panel edges)."""
    model = aw.StripModel(10, 8, 0.5)
    r = thermal_conductance(model, temperature=T)
    exact = _staircase(8, 0.5, T)
    assert r.converged and r.error < 1e-8
    assert abs(r.value - exact) <= r.error, (r.value, exact, r.error)
    assert abs(r.weights.sum() - 1) < 1e-9


def test_low_temperature_is_the_sommerfeld_expansion():
    """g(T) - g(mu) = (pi^2/6) T^2 g''(mu) + O(T^4) for T << E_c, with g'' from a
    finite difference of the T = 0 conductance of the same sample (independent of
    the quadrature)."""
    mu, h, T = DIRTY.energy, 1e-3, 2e-4
    g = conductance_vs_energy(DIRTY, [mu - h, mu, mu + h], seed=3)
    g2 = (g[0] - 2 * g[1] + g[2]) / h**2
    r = thermal_conductance(DIRTY, 3, temperature=T, rtol=1e-7)
    assert r.thouless_energy > 20 * T                       # the expansion holds
    predicted = math.pi**2 / 6 * T**2 * g2
    assert abs(predicted) > 100 * r.error                   # a correction we can see
    assert abs((r.value - g[1]) - predicted) < 0.1 * abs(predicted), (r.value - g[1], predicted)


def test_thermal_average_tends_to_g_and_is_smooth_in_temperature():
    """g(T -> 0) = g(mu); a small change of T changes g(T) little (continuity)."""
    g0 = conductance(DIRTY, 5)
    low = thermal_conductance(DIRTY, 5, temperature=1e-5)
    assert abs(low.value - g0) < 1e-5 * g0
    a = thermal_conductance(DIRTY, 5, temperature=2e-3, rtol=1e-6)
    b = thermal_conductance(DIRTY, 5, temperature=2e-3 * 1.001, rtol=1e-6)
    assert abs(a.value - b.value) < 1e-5 + a.error + b.error


def test_thermal_average_equals_a_brute_force_integral():
    """Against an independent quadrature: the trapezoid rule on a uniform grid of 2001
    energies over |E - mu| <= 12 k_B T (a lead threshold lies 1.5 k_B T from mu),
    normalised by the window's weight on the grid (1 - 1.2e-5)."""
    T, mu = 2e-3, DIRTY.energy
    r = thermal_conductance(DIRTY, 5, temperature=T, rtol=1e-6)
    e = np.linspace(mu - 12 * T, mu + 12 * T, 2001)
    g = conductance_vs_energy(DIRTY, e, seed=5)
    w = fermi_window(e, mu, T)
    brute = np.trapezoid(g * w, e) / np.trapezoid(w, e)
    assert abs(r.value - brute) < 1e-5, (r.value, brute, r.error)


def test_model_temperature_goes_through_every_path():
    """conductance(), the ensemble and thermal_conductance give the same bits."""
    model = DIRTY.replace(temperature=0.003)
    direct = thermal_conductance(model, 7).value
    assert conductance(model, 7) == direct
    exp = {"model": dict(length=20, width=12, energy=0.5, disorder=2.0,
                         temperature=[0.0, 0.003]),
           "ensemble": dict(seed=1, realizations=2)}
    ds = aw.run(exp, workers=1, progress=False)
    seeds = ds["seed"].values
    assert ds["conductance"].sel(temperature=0.003).values[0] == \
        thermal_conductance(model, int(seeds[0])).value
    assert ds["conductance"].sel(temperature=0.0).values[1] == \
        conductance_rgf(DIRTY, int(seeds[1]))


def test_kwant_and_rgf_thermal_averages_agree():
    model = aw.StripModel(6, 5, 0.7, disorder=1.5, temperature=0.002)
    a = thermal_conductance(model, 2, engine="rgf")
    b = thermal_conductance(model, 2, engine="kwant")
    assert len(a.energies) == len(b.energies)
    assert abs(a.value - b.value) < 1e-10 * a.value


def test_energy_sweep_equals_separate_runs():
    energies = [0.31, 0.5, 0.77, -0.4]
    sweep = conductance_vs_energy(DIRTY, energies, seed=9)
    for e, g in zip(energies, sweep):
        assert g == pytest.approx(conductance_rgf(DIRTY.replace(energy=e), 9), rel=1e-12)
    taus = conductance_vs_energy(DIRTY, energies, seed=9, eigenvalues=True)
    assert [t.sum() for t in taus] == pytest.approx(list(sweep), rel=1e-12)


def test_fermi_window_and_thermal_length():
    T = 0.01
    e = np.linspace(-1, 1, 200001)
    w = fermi_window(e, 0.1, T)
    assert np.trapezoid(w, e) == pytest.approx(1.0, rel=1e-9)
    assert np.trapezoid(w * (e - 0.1) ** 2, e) == pytest.approx(math.pi**2 / 3 * T**2,
                                                                  rel=1e-6)
    # L_T = sqrt(hbar D / k_B T): a quarter of the temperature doubles it
    assert thermal_length(DIRTY, T / 4) == pytest.approx(2 * thermal_length(DIRTY, T))
    assert math.isinf(thermal_length(DIRTY, 0.0))


def test_kelvin_conversion():
    assert units.kelvin_to_energy(1.0, 1.0) == pytest.approx(8.617333262e-5, rel=1e-9)
    assert units.energy_to_kelvin(units.kelvin_to_energy(4.2, 2.7), 2.7) == pytest.approx(4.2)
    with pytest.raises(ValueError, match="kelvin"):
        units.kelvin_to_energy(-1.0, 1.0)


@pytest.mark.core
@pytest.mark.parametrize("bad, match", [
    (dict(temperature=-0.01), "temperature"),
    (dict(temperature=float("nan")), "temperature"),
])
def test_bad_temperature_is_refused_at_construction(bad, match):
    with pytest.raises(ValueError, match=match):
        DIRTY.replace(**bad)


@pytest.mark.parametrize("kwargs, match", [
    (dict(temperature=0.0), "must be > 0"),
    (dict(temperature=0.5), "band edge"),                # window beyond the lead band
    (dict(temperature=0.01, rtol=0.0), "rtol"),
    (dict(temperature=0.01, rtol=2.0), "rtol"),
    (dict(temperature=0.01, max_energies=3), "max_energies"),
])
def test_bad_thermal_input_is_refused_before_work(kwargs, match):
    model = aw.StripModel(20, 12, 3.5, disorder=2.0)
    with pytest.raises(ValueError, match=match):
        thermal_conductance(model, 1, **kwargs)


def test_experiment_with_an_impossible_temperature_is_refused(tmp_path):
    exp = {"model": dict(length=8, width=6, energy=0.5, temperature=-1.0),
           "ensemble": dict(seed=1, realizations=2)}
    with pytest.raises(aw.ensemble.ExperimentError, match="temperature"):
        aw.load_experiment(exp)


def test_a_grid_too_coarse_is_refined_or_refused():
    """Automatic refinement; at the cap the ensemble path refuses (no silent value)."""
    model = DIRTY.replace(temperature=0.05)
    r = thermal_conductance(model, 1, max_energies=64)
    assert not r.converged and r.error > 0
    fn = compute_function("rgf", model)
    old = thermal.MAX_ENERGIES
    try:
        thermal.thermal_conductance.__kwdefaults__["max_energies"] = 64
        with pytest.raises(RuntimeError, match="did not reach its tolerance"):
            fn(model, 1)
    finally:
        thermal.thermal_conductance.__kwdefaults__["max_energies"] = old


def test_experiment_whose_window_leaves_the_band_is_refused_before_work(tmp_path):
    exp = {"model": dict(length=8, width=6, energy=3.5, temperature=[0.001, 0.5]),
           "ensemble": dict(seed=1, realizations=2)}
    with pytest.raises(aw.ensemble.ExperimentError, match="temperature=0.5.*band edge"):
        aw.run(exp, output=tmp_path / "r.nc", workers=1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_node_on_an_unknown_threshold_is_moved_off_it():
    """A node exactly at a lead threshold (as may happen with field or Rashba leads, whose
    thresholds are not panel edges) is moved by NUDGE instead of failing."""
    model = aw.StripModel(20, 12, 0.45, disorder=2.0)
    edge = float(bands.subband_thresholds(12)[np.argmin(np.abs(bands.subband_thresholds(12)
                                                                - 0.5))])
    with pytest.raises(ValueError, match="threshold"):
        model.replace(energy=edge).check_leads()
    moved = thermal._away_from_thresholds(model, [0.45, edge])
    assert moved[0] == 0.45 and 0 < moved[1] - edge <= 2 * thermal.NUDGE
    g = thermal._g_at(model, [edge], 1, "rgf")
    assert np.isfinite(g).all()
