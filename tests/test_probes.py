import numpy as np
import pytest

import andersonwl as aw
from andersonwl.probes import dephased_conductance, terminal_transmissions
from assertions import assert_close

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


@pytest.mark.parametrize("kw", VARIANTS[:3], ids=["AI", "rashba", "su2"])
def test_probes_keep_onsager(kw):
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, **kw)
    for d in (0.1, 0.5):
        assert_close(dephased_conductance(m, 3, d), dephased_conductance(m.replace(flux=-0.03), 3, d),
                     rtol=1e-9, what=f"Onsager with probes, dephasing {d}")


def test_probe_bad_input():
    m = aw.StripModel(4, 3, 0.5)
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            dephased_conductance(m, 0, bad)


def test_dephasing_field_dispatches_to_probes():
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, dephasing=0.3)
    assert_close(aw.conductance(m, 4), dephased_conductance(m.replace(dephasing=0.0), 4, 0.3),
                 rtol=1e-12, what="conductance(dephasing=0.3) vs the probe model")
    assert aw.conductance(m, 4, engine="kwant") == aw.conductance(m, 4)
    for call in (lambda: aw.conductance(m, 4, engine="rgf"), lambda: aw.scattering_matrix(m, 4),
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
