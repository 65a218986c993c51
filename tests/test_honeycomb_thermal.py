"""Graphene ribbons at finite temperature, and the graphene sheet's Fermi surface.

The thermal average of a clean ribbon is the Fermi-smeared staircase of its channel count
(each threshold E_n where the count jumps by dN contributes dN f(E_n - mu)), computed here
from the lead modes alone; a window that reaches the gap of a semiconducting ribbon is
refused before any compute.  The sheet's density of states obeys its sum rule and the Dirac
limit nu = |E|/(sqrt(3) pi) per atom and spin (Castro Neto et al., RMP 81, 109 (2009)).

Tolerances: the staircase to 10 x the quadrature's own error estimate (at least 1e-7;
measured 4e-10 to 1e-7, within the error estimate); the sum rule to 1 % and the Dirac
limit to 2 % (the Gaussian broadening of the delta function, measured 0.6 % and 0.3-1.5 %).
"""

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.honeycomb import ribbon_modes, ribbon_thresholds, sheet_fermi_surface


def _staircase(model, temperature):
    """sum over thresholds of the clean ribbon's channel count, Fermi-smeared."""
    mu = model.energy

    def count(e):
        try:
            return ribbon_modes(model.replace(energy=float(e), temperature=0.0)).nmodes
        except ValueError as exc:
            assert "no open channel" in str(exc)
            return 0

    def fermi(x):
        return 1.0 / (np.exp(x / temperature) + 1.0)

    g = count(mu)
    th = ribbon_thresholds(model.lattice, model.width, mu - 1.0, mu + 1.0, model.rashba)
    for e in th[np.abs(th) > 1e-3]:
        jump = count(e + 1e-4) - count(e - 1e-4)
        g += jump * fermi(e - mu) if e > mu else -jump * (1.0 - fermi(e - mu))
    return g


@pytest.mark.parametrize("lattice, width, mu, temperature, kw", [
    ("zigzag", 8, 0.55, 0.03, {}),
    ("armchair", 9, 0.7, 0.03, {}),
    ("zigzag", 6, 0.6, 0.02, dict(rashba=0.4)),
], ids=["zigzag", "armchair", "zigzag-rashba"])
def test_clean_ribbon_at_temperature_is_the_smeared_staircase(lattice, width, mu, temperature,
                                                              kw):
    model = aw.StripModel(6, width, mu, lattice=lattice, temperature=temperature, **kw)
    result = aw.thermal_conductance(model, 0)
    expected = _staircase(model, temperature)
    assert abs(result.value - expected) < max(10 * result.error, 1e-7), (result, expected)
    # the window spans thresholds: the smeared value is not the T = 0 count
    assert abs(expected - round(expected)) > 1e-3
    assert np.isfinite(result.thouless_energy) is False or result.thouless_energy > 0


def test_disordered_ribbon_at_temperature_averages_g_of_e():
    mu, T = 0.55, 0.02
    model = aw.StripModel(6, 8, mu, lattice="zigzag", disorder=1.5, temperature=T)
    result = aw.thermal_conductance(model, 0)
    # the adaptive quadrature against an independent uniform grid in energy (spacing
    # 0.002 against the Thouless energy 0.07 and the window 4 k_B T; nodes within 2e-4 of
    # a lead threshold dropped), weight beyond |E - mu| = 0.4 below 1e-8: measured
    # agreement 4.8e-4 (the quadrature's own error estimate 6e-4)
    assert result.converged and result.error < 2e-3
    grid = np.linspace(mu - 0.4, mu + 0.4, 401)
    th = ribbon_thresholds("zigzag", 8, -0.2, 1.3)
    grid = grid[np.min(np.abs(grid[:, None] - th[None, :]), axis=1) > 2e-4]
    g = aw.conductance_vs_energy(model.replace(temperature=0.0), grid, 0)
    w = 1.0 / (4 * T * np.cosh((grid - mu) / (2 * T)) ** 2)
    brute = np.trapezoid(w * g, grid) / np.trapezoid(w, grid)
    assert abs(result.value - brute) < 3e-3, (result.value, brute)


def test_window_into_the_gap_of_a_semiconducting_ribbon_is_refused_before_compute():
    from andersonwl.honeycomb import ribbon_band_edges
    for n in (9, 10, 60):       # the gap min_p |1 + 2 cos(p pi/(N + 1))| (Brey and Fertig)
        analytic = np.abs(1 + 2 * np.cos(np.arange(1, n + 1) * np.pi / (n + 1))).min()
        assert abs(ribbon_band_edges("armchair", n)[0] - analytic) < 1e-9
    assert ribbon_band_edges("armchair", 8)[0] < 1e-9          # metallic: N = 3 m + 2
    model = aw.StripModel(6, 9, 0.3, lattice="armchair", temperature=0.02)
    with pytest.raises(ValueError, match="gap of the ribbon"):
        aw.thermal_conductance(model, 0)


def test_sheet_density_of_states_sum_rule_and_dirac_limit():
    energies = np.linspace(0.005, 2.995, 300)
    nu = np.array([sheet_fermi_surface(float(e), grid=512)[0] for e in energies])
    assert abs(2 * np.trapezoid(nu, energies) - 1.0) < 0.01      # both signs of E: one state
    assert energies[np.argmax(nu)] == pytest.approx(1.0, abs=0.02)   # van Hove at |E| = t
    for e in (0.1, 0.2):
        nu_e, v_e = sheet_fermi_surface(e)
        assert nu_e == pytest.approx(e / (np.sqrt(3) * np.pi), rel=0.02)
        assert v_e == pytest.approx(np.sqrt(3) / 2, rel=0.02)
