import numpy as np
import pytest
from assertions import assert_close

import andersonwl as aw
from andersonwl.engines.probes import dephased_conductance, terminal_transmissions

VARIANTS = [dict(), dict(rashba=0.6), dict(spin_orbit="su2"), dict(exchange=0.5)]


@pytest.mark.parametrize("kw", VARIANTS, ids=["AI", "rashba", "su2", "exchange"])
def test_probes_reduce_to_landauer_and_conserve_current(kw):
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, **kw)
    assert_close(dephased_conductance(m, 2, 0.0), aw.conductance(m, 2), rtol=1e-10,
                 what="coherent limit of the probe model")
    t = terminal_transmissions(m, 2, 0.4)
    # current conservation (unitarity of the multi-terminal S-matrix): sum_j T_ij = sum_j T_ji
    assert np.abs(t.sum(0) - t.sum(1)).max() < 1e-10
    assert np.all(t >= -1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(rashba=0.6, flux=0.01), dict(spin_orbit="su2"),
                                dict(height=3), dict(length=1)],
                         ids=["AI", "rashba-flux", "su2", "3d", "one-column"])
def test_block_green_function_is_the_inverse(kw):
    """The column recursion of the probe engine against a dense inverse, to 1e-12."""
    import scipy.linalg as la

    from andersonwl.engines.probes import _blocks, _dense, _green_function
    m = aw.StripModel(**{**dict(length=7, width=5, energy=0.6, disorder=2.0), **kw})
    d, v, _ = _blocks(m, 3, 0.3)
    a = _dense(d, v)
    g = _green_function(d, v)
    assert np.abs(a @ g - np.eye(len(a))).max() < 1e-12
    assert np.abs(g - la.inv(a)).max() < 1e-12 * np.abs(g).max()


@pytest.mark.parametrize("kw", VARIANTS[:3], ids=["AI", "rashba", "su2"])
def test_probes_keep_onsager(kw):
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, **kw)
    for d in (0.1, 0.5):
        assert_close(dephased_conductance(m, 3, d),
                     dephased_conductance(m.replace(flux=-0.03), 3, d),
                     rtol=1e-9, what=f"Onsager with probes, dephasing {d}")


@pytest.mark.parametrize("gamma", [0.02, 0.5])
def test_iterative_probe_solve_matches_dense(gamma, monkeypatch):
    """GMRES (used above DENSE_MAX_SITES) against the dense solve; Onsager on that path."""
    import scipy.linalg as la

    from andersonwl.engines import probes
    m = aw.StripModel(14, 12, 0.6, disorder=2.0, flux=0.02)
    t = terminal_transmissions(m, 5, gamma)
    mat = -t[2:, 2:]
    np.fill_diagonal(mat, t[:, 2:].sum(axis=0))
    exact = la.solve(mat, t[2:, 0])
    iterative = probes._probe_voltages(mat.copy(), t[2:, 0].copy(), dense_max=0)
    assert np.abs(iterative - exact).max() < 1e-11 * np.abs(exact).max()
    dense_g = dephased_conductance(m, 5, gamma)
    monkeypatch.setattr(probes, "DENSE_MAX_SITES", 0)
    assert_close(dephased_conductance(m, 5, gamma), dense_g, rtol=1e-11,
                 what="g with GMRES probe voltages")
    assert_close(dephased_conductance(m.replace(flux=-0.02), 5, gamma), dense_g, rtol=1e-9,
                 what="Onsager with GMRES probe voltages")


def test_probe_bad_input():
    m = aw.StripModel(4, 3, 0.5)
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            dephased_conductance(m, 0, bad)


def test_dephasing_field_dispatches_to_probes():
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, dephasing=0.3)
    assert_close(aw.conductance(m, 4), dephased_conductance(m.replace(dephasing=0.0), 4, 0.3),
                 rtol=1e-12, what="conductance(dephasing=0.3) vs the probe model")
    assert aw.conductance(m, 4, engine="probes") == aw.conductance(m, 4)
    assert aw.choose_engine(m) == "probes"
    for call in (lambda: aw.conductance(m, 4, engine="rgf"),
                 lambda: aw.conductance(m, 4, engine="kwant"), lambda: aw.scattering_matrix(m, 4),
                 lambda: aw.localization_length(m)):
        with pytest.raises(ValueError, match="dephasing|coherent"):
            call()
    with pytest.raises(ValueError, match="dephasing"):
        aw.StripModel(9, 6, 0.6, dephasing=-1.0)


def test_cusp_amplitude_falls_monotonically_with_dephasing():
    """Paired differences of the WL cusp amplitude between dephasing levels.

    Spinless 14 x 14 strip, E = 0.9, W = 3, flux 0.006 h/e, 150 realisations; the same
    realisations at every flux and dephasing, so each drop is a paired difference.
    Measured amplitudes 0.0254(50), 0.0138(26), 0.0038(9), -0.0006(2) for dephasing 0.05,
    0.1, 0.2, 0.4 (the last one is the classical magnetoresistance left once the cusp is
    gone); drops at 4.7, 5.7 and 5.8 standard errors.  Asserted: every drop > 3 standard
    errors.
    """
    m = aw.StripModel(14, 14, 0.9, disorder=3.0)
    # no lead subband edge between the two fields (it would add a step to delta_g)
    assert aw.open_channels(m) == aw.open_channels(m.replace(flux=0.006))
    n = 150
    amps = []
    for d in (0.05, 0.1, 0.2, 0.4):
        g0 = np.array([dephased_conductance(m, s, d) for s in range(n)])
        g1 = np.array([dephased_conductance(m.replace(flux=0.006), s, d) for s in range(n)])
        amps.append(g1 - g0)
    assert amps[0].mean() > 3 * amps[0].std(ddof=1) / np.sqrt(n), "no WL cusp at weak dephasing"
    for a, b in zip(amps, amps[1:]):
        drop = a - b
        se = drop.std(ddof=1) / np.sqrt(n)
        assert drop.mean() > 3 * se, f"cusp did not shrink: drop {drop.mean():.4f} +- {se:.4f}"


def test_dephasing_widens_the_cusp_and_shortens_l_phi():
    """The cusp widens and the fitted L_phi falls as the probe coupling grows.

    Spinless 24 x 24 strip, E = 0.85, W = 3 (mean free path l ~ 2.7 a, D ~ 3.2 t a^2/hbar;
    17 open channels at every flux), dephasing 0, 0.05, 0.15, fluxes 0.0003-0.003 h/e
    (below B_tr / 3), 120 realisations shared by every curve and flux.
    Measured (seeds 1 and 2): L_phi = 8.9, 6.8, 4.2 a with one HLN alpha for the three curves
    (shared alpha 0.34 +- 0.11); the drops are 4.2-5.5 and 12-17 jackknife errors;
    D_phi = 3.8 +- 0.6 from 1/L_phi^2 = c0 + Gamma/D_phi.  Asserted: each drop of L_phi
    exceeds 3 jackknife errors of the paired difference, so the cusp width B_phi grows.
    (Model free, the flatness Delta sigma(0.0003) / Delta sigma(0.003) also falls, but by
    only 1.3-1.8 jackknife errors per step and 2.2 from dephasing 0 to 0.15 at this size: too
    noisy to assert.)
    """
    import concurrent.futures as cf

    from andersonwl.analysis.probe_series import fit_probe_series
    m = aw.StripModel(24, 24, 0.85, disorder=3.0)
    flux = np.geomspace(0.0003, 0.003, 5)
    assert len({aw.open_channels(m.replace(flux=f)) for f in (0.0, *flux)}) == 1
    gammas = (0.0, 0.05, 0.15)
    with cf.ThreadPoolExecutor(1) as serial:
        sweeps = [aw.magnetoconductance(m.replace(dephasing=d), flux, 120, seed=1,
                                        executor=serial, symmetrize=False) for d in gammas]
    fit = fit_probe_series(sweeps, groups=10)
    assert list(fit.dephasing) == list(gammas)
    assert fit.alpha > 3 * fit.alpha_err, f"no WL cusp: shared alpha {fit.alpha} +- {fit.alpha_err}"
    reps = fit.replicates[:, 1:]
    for i in range(len(gammas) - 1):
        drop = fit.l_phi[i] - fit.l_phi[i + 1]
        err = fit.jackknife_error(reps[:, i] - reps[:, i + 1], drop)
        assert drop > 3 * err, (f"L_phi did not fall from dephasing {gammas[i]} to "
                                f"{gammas[i + 1]}: drop {drop:.3f} +- {err:.3f}\n{fit}")
        assert fit.b_phi[i + 1] > fit.b_phi[i]
