"""The recursive Green's function engine: deep localisation, 3D bars, length scans, dispatch.

Agreement with the other engines over every model variant and regime is in
test_invariants.py (the ``engine`` fixture).
"""

import numpy as np
import pytest
from assertions import assert_close

import andersonwl as aw
import andersonwl.engines as transport
from andersonwl.engines.rgf import conductance_rgf, conductance_vs_length

RTOL = 1e-10     # required agreement with Kwant; observed <= 1e-12


def strip(kw, **extra):
    return aw.StripModel(**{**dict(length=15, width=8, energy=0.7, disorder=2.0), **kw, **extra})


@pytest.mark.parametrize("kw", [dict(), dict(spin_orbit="su2", exchange=0.8),
                                dict(disorder_kind="gaussian", rashba=0.6, flux=0.02)],
                         ids=["spinless", "su2+exchange", "gaussian+rashba+flux"])
def test_rgf_equals_kwant_deeply_localised(kw):
    """Relative agreement holds also for g ~ 1e-9 (only the injected block is propagated)."""
    m = aw.StripModel(40, 6, 0.5, disorder=10.0, **kw)
    for seed in (1, 2):
        g_kwant = aw.conductance(m, seed, engine="kwant")
        assert g_kwant < 1e-4
        assert_close(conductance_rgf(m, seed), g_kwant, rtol=RTOL, what="deeply localised g")


def test_rgf_equals_kwant_3d_bar():
    if "height" not in aw.StripModel.field_names():
        pytest.skip("no 3D bars in this version")
    for kw in (dict(), dict(spin_orbit="su2", flux=0.03)):
        m = aw.StripModel(7, 3, 0.5, disorder=5.0, height=3, **kw)
        for seed in (0, 1):
            assert_close(conductance_rgf(m, seed), aw.conductance(m, seed, engine="kwant"),
                         rtol=RTOL, what=f"3D bar {kw}")


def test_single_column_and_single_row():
    for m in (aw.StripModel(1, 6, 0.3, disorder=3.0), aw.StripModel(9, 1, 0.3, disorder=1.0),
              aw.StripModel(1, 1, 0.3, disorder=1.0, spin_orbit="su2")):
        assert_close(conductance_rgf(m, 2), aw.conductance(m, 2, engine="kwant"), rtol=RTOL,
                     what=f"{m.length}x{m.width}")


@pytest.mark.parametrize("kw", [dict(), dict(rashba=0.6, flux=0.02),
                                dict(spin_orbit="su2", exchange=0.8)],
                         ids=["spinless", "rashba+flux", "su2+exchange"])
def test_length_scan_equals_separate_samples(kw):
    m = strip(kw, length=14, disorder=3.0)
    lengths = [1, 2, 5, 9, 14]
    g = conductance_vs_length(m, lengths, seed=5)
    for L, gl in zip(lengths, g):
        short = m.replace(length=L)
        assert_close(gl, aw.conductance(short, 5, engine="kwant"), rtol=RTOL,
                     what=f"prefix L={L} vs a separate Kwant sample")
        assert_close(gl, conductance_rgf(short, 5), rtol=RTOL, what=f"prefix L={L} vs RGF")


def test_length_scan_order_default_and_longest_shorter_than_model():
    m = strip({}, length=10)
    every = conductance_vs_length(m, seed=1)
    assert every.shape == (10,)
    some = conductance_vs_length(m, [7, 2, 4], seed=1)       # any order, returned as given
    np.testing.assert_allclose(some, every[[6, 1, 3]], rtol=1e-12)
    assert_close(every[-1], conductance_rgf(m, 1), rtol=1e-12, what="full length")


@pytest.mark.parametrize("bad, error", [
    ([0, 3], ValueError), ([3, 11], ValueError), ([], ValueError), ([3, 3], ValueError),
    ([[1, 2]], ValueError), ([2.0], TypeError), ([True], TypeError), (["4"], TypeError)])
def test_length_scan_rejects_bad_lengths(bad, error):
    with pytest.raises(error, match="lengths"):
        conductance_vs_length(strip({}, length=10), bad, seed=1)


def test_engine_dispatch():
    assert transport.engine_names() == ("auto", "rgf", "kwant", "probes")
    m = strip({})
    assert transport.choose_engine(m) == "rgf"
    assert transport.choose_engine(m.replace(dephasing=0.1)) == "probes"
    big = "kwant" if transport.kwant_engine.mumps_available() else "rgf"
    wide = aw.StripModel(2, transport.RGF_MAX_ORBITALS + 1, 0.5)
    assert transport.choose_engine(wide) == big
    spinful = aw.StripModel(2, transport.RGF_MAX_ORBITALS // 2 + 1, 0.5, spin_orbit="rashba")
    assert transport.choose_engine(spinful) == big
    assert aw.conductance(m, 3) == conductance_rgf(m, 3)          # default "auto"
    with pytest.raises(ValueError, match="engine"):
        aw.conductance(m, 1, engine="RGF")
    with pytest.raises(ValueError):
        aw.conductance(m, -1, engine="rgf")
    with pytest.raises(TypeError):
        aw.conductance(m, 1.0, engine="rgf")
    with pytest.raises(TypeError):
        conductance_rgf(dict(length=3), 1)
