"""Invariants every conductance engine obeys, run on each of them by the ``engine`` fixture.

Clean-limit quantisation (g = number of open channels, to 1e-9), Onsager's
two-terminal relation g(B) = g(-B) for single realisations (to 1e-9
relative), and agreement with the reference engine (Kwant) to 1e-10
relative in the diffusive, band-edge and strongly localised regimes, for
every model variant the engine supports.
"""

import pytest
from assertions import assert_close
from variants import CLEANABLE, IDS, ONSAGER, VARIANTS, model

import andersonwl as aw

pytestmark = pytest.mark.core

#: (energy, disorder): diffusive, near the band edge, strongly localised (g << 1)
REGIMES = [(0.7, 2.0), (-2.3, 4.0), (1.1, 12.0)]
#: agreement required between engines; observed <= 1e-12
RTOL = 1e-10


def _supported(engine, m):
    if not engine.supports(m):
        pytest.skip(f"{engine.name}: {engine.refusal(m)}")
    return m


@pytest.mark.parametrize("name, kw, cls", CLEANABLE, ids=[v[0] for v in CLEANABLE])
@pytest.mark.parametrize("energy", [-2.3, 0.7, 1.9])
def test_clean_limit_quantised(engine, name, kw, cls, energy):
    m = _supported(engine, model(kw, disorder=0.0, energy=energy))
    n = aw.open_channels(m)
    assert n > 0
    assert_close(aw.conductance(m, 0, engine=engine.name), n, atol=1e-9,
                 what=f"{engine.name}: clean g of {name} at E={energy}")


def test_clean_3d_bar_quantised(engine):
    m = _supported(engine, aw.StripModel(5, 3, 0.5, height=3))
    assert_close(aw.conductance(m, 0, engine=engine.name), aw.open_channels(m), atol=1e-9,
                 what=f"{engine.name}: clean 3D bar")


@pytest.mark.parametrize("name, kw, cls", ONSAGER, ids=[v[0] for v in ONSAGER])
def test_onsager_two_terminal(engine, name, kw, cls):
    """g(flux) = g(-flux) for single realisations (Onsager-Casimir, two terminals)."""
    for flux in (0.013, 0.05):
        m = _supported(engine, model({**kw, "flux": flux}))
        for seed in (1, 2):
            gp = aw.conductance(m, seed, engine=engine.name)
            gm = aw.conductance(m.replace(flux=-flux), seed, engine=engine.name)
            assert_close(gp, gm, rtol=1e-9,
                         what=f"{engine.name}: Onsager g(+B) vs g(-B), {name}, seed {seed}")
            g0 = aw.conductance(m.replace(flux=0.0), seed, engine=engine.name)
            assert abs(gp - g0) > 1e-6, "the field must change g for the test to mean anything"


ZEEMAN = [v for v in VARIANTS if "zeeman" in v[0]]


@pytest.mark.parametrize("name, kw, cls", ZEEMAN, ids=[v[0] for v in ZEEMAN])
def test_onsager_with_zeeman(engine, name, kw, cls):
    """g(B, b) = g(-B, -b): the Zeeman field is odd under time reversal, like the flux.

    Without spin-orbit coupling spin along b is conserved and each sector is a spinless
    system at the energy E -+ ``|b|``, so g(B, b) = g(-B, b) too; with Rashba coupling
    flipping B alone changes g.
    """
    m = _supported(engine, model({**kw, "flux": 0.013}))
    flipped = m.replace(flux=-m.flux, zeeman=tuple(-b for b in m.zeeman))
    for seed in (1, 2):
        g = aw.conductance(m, seed, engine=engine.name)
        assert_close(g, aw.conductance(flipped, seed, engine=engine.name), rtol=1e-9,
                     what=f"{engine.name}: Onsager g(B, b) vs g(-B, -b), {name}, seed {seed}")
        only_b = aw.conductance(m.replace(flux=-m.flux), seed, engine=engine.name)
        if m.rashba == 0:
            assert_close(g, only_b, rtol=1e-9, what=f"{engine.name}: g(B, b) vs g(-B, b) "
                         f"with spin conserved, {name}")
        else:
            assert abs(g - only_b) > 1e-6, "with spin-orbit coupling b breaks g(B) = g(-B)"


@pytest.mark.parametrize("name, kw, cls", VARIANTS, ids=IDS)
def test_engines_agree(engine, name, kw, cls):
    smallest = float("inf")
    for energy, disorder in REGIMES:
        m = _supported(engine, model(kw, energy=energy, disorder=disorder, length=15, width=8))
        for seed in (0, 3):
            g_ref = aw.conductance(m, seed, engine="kwant")
            g = aw.conductance(m, seed, engine=engine.name)
            assert_close(g, g_ref, rtol=RTOL, what=f"{name}: {engine.name} vs kwant at "
                                                   f"E={energy}, W={disorder}, seed {seed}")
            smallest = min(smallest, g_ref)
    assert smallest < 0.05      # the strong-disorder regime was reached


def test_registry_contract(engine):
    """Every engine states its capabilities and refuses what it cannot compute, by name."""
    assert engine.name in aw.ENGINES and engine.summary
    dephased = aw.StripModel(6, 4, 0.7, disorder=1.0, dephasing=0.1)
    if not engine.dephasing:
        with pytest.raises(ValueError, match=f"{engine.name} engine is coherent only"):
            aw.conductance(dephased, 0, engine=engine.name)
    else:
        assert aw.conductance(dephased, 0, engine=engine.name) > 0
