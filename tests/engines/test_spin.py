"""Spin-resolved conductances, the labelled spin S-matrix, Zeeman fields and normal leads.

g[s_out, s_in] (index 0 = up along the axis, 1 = down; in = left lead, out =
right lead) of :func:`andersonwl.spin_conductances`.  Checked here: the sum
rule (the four sum to the charge g), spin conservation without spin-orbit
coupling, RGF = Kwant on every new variant, unitarity and labels of the
spin-resolved S-matrix, Onsager-Casimir for spin (labels reversed *and*
exchanged), the Zeeman splitting of the clean channel count, faster spin
relaxation with stronger Rashba coupling, length scans, the symmetry class
with a Zeeman field, and the refusals (before any compute).
"""

from collections import Counter

import numpy as np
import pytest
from assertions import assert_close, assert_unitary

import andersonwl as aw
from andersonwl.bands import transverse_energies
from andersonwl.engines import kwant_engine, rgf
from andersonwl.engines.spin import SPINS
from andersonwl.engines.symmetry import find_symmetries

pytestmark = pytest.mark.filterwarnings("ignore:Kwant has no MUMPS solver")

#: agreement required between engines, between a length scan and separate samples, and
#: of the sum rule (observed <= 3e-15)
RTOL = 1e-10
#: |g_ud|, |g_du| / g allowed where spin is conserved (observed ~1e-30)
SPIN_FLIP_TOL = 1e-12
AXES = ("z", "x", (1.0, 2.0, -0.5))
FLIP = {"up": "down", "down": "up"}

# energy 0.75 lies 0.05 from the nearest threshold of a width-5 lead split by b_z = 0.3
BASE = dict(length=10, width=5, energy=0.75, disorder=2.0)
#: name -> (model keywords, axes along which the leads conserve spin)
SPIN_VARIANTS = {
    "rashba-normal": (dict(rashba=0.5, leads="normal"), AXES),
    "rashba-normal-flux": (dict(rashba=0.5, leads="normal", flux=0.03), AXES),
    "rashba-zeeman-flux-normal": (dict(rashba=0.4, zeeman=(0.1, 0.2, 0.3), flux=0.02,
                                       leads="normal"), AXES),
    "su2": (dict(spin_orbit="su2"), AXES),
    "exchange": (dict(exchange=0.8), AXES),
    "spinful": (dict(spinful=True), AXES),
    "zeeman-z-sample": (dict(zeeman=(0.0, 0.0, 0.3)), ("z", (0.0, 0.0, -1.0))),
}


def strip(kw=None, **extra):
    return aw.StripModel(**{**BASE, **(kw or {}), **extra})


def _flipped(m):
    """The same realisation in the reversed fields: flux -> -flux, b -> -b."""
    return m.replace(flux=-m.flux, zeeman=tuple(-b for b in m.zeeman))


def _channels(width, energy):
    """N0(E): open channels of the spinless hard-wall lead, |E - eps_n| < 2."""
    return int(np.sum(np.abs(energy - transverse_energies(width)) < 2))


# ----------------------------------------------------------------------
# 1. sum rule
@pytest.mark.parametrize("name", SPIN_VARIANTS)
def test_sum_rule(name):
    """sum_{s's} g_{s's} = g, the charge conductance, for every spin axis the leads conserve."""
    kw, axes = SPIN_VARIANTS[name]
    m = strip(kw)
    for seed in (0, 3):
        g = aw.conductance(m, seed)
        assert g > 0.5
        for axis in axes:
            gs = aw.spin_conductances(m, seed, axis=axis)
            assert gs.shape == (2, 2)
            assert np.all(gs > -1e-12), f"{name}: negative g_s's {gs}"
            assert_close(gs.sum(), g, rtol=RTOL, what=f"{name}: sum of g_s's, axis {axis}")


# ----------------------------------------------------------------------
# 2. spin conservation without spin-orbit coupling or exchange
@pytest.mark.parametrize("kw, axes", [
    (dict(spinful=True, flux=0.03), AXES),
    (dict(spinful=True, flux=0.03, leads="normal"), AXES),
    (dict(zeeman=(0.0, 0.0, 0.3)), ("z",)),
    (dict(zeeman=(0.0, 0.0, 0.3), flux=0.04), ("z",)),
    (dict(zeeman=(0.25, 0.0, 0.0), leads="normal"), ("x",)),
], ids=["spinful-flux", "spinful-flux-normal", "zeeman-z", "zeeman-z-flux", "zeeman-x-normal"])
def test_no_spin_flip_without_spin_orbit(kw, axes):
    """H commutes with n . sigma: g_ud = g_du = 0; spin-degenerate: g_uu = g_dd = g_spinless."""
    m = strip(kw)
    for seed in (1, 2):
        for axis in axes:
            g = aw.spin_conductances(m, seed, axis=axis)
            total = g.sum()
            assert total > 0.5
            assert_close(g[0, 1], 0.0, atol=SPIN_FLIP_TOL * total, what=f"g_ud, axis {axis}")
            assert_close(g[1, 0], 0.0, atol=SPIN_FLIP_TOL * total, what=f"g_du, axis {axis}")
            if m.zeeman_strength == 0:
                assert_close(g[0, 0], g[1, 1], rtol=RTOL, what=f"g_uu vs g_dd, axis {axis}")
                spinless = m.replace(spinful=False)
                assert_close(g[0, 0], aw.conductance(spinless, seed), rtol=RTOL,
                             what="g_uu vs the spinless g")
            else:
                assert abs(g[0, 0] - g[1, 1]) > 1e-3     # the field splits the two species


# ----------------------------------------------------------------------
# 3. RGF = Kwant
@pytest.mark.parametrize("name", [n for n in SPIN_VARIANTS if n != "spinful"])
def test_spin_rgf_equals_kwant(name):
    kw, axes = SPIN_VARIANTS[name]
    m = strip(kw)
    for seed in (0, 5):
        g_kwant = aw.conductance(m, seed, engine="kwant")
        assert_close(aw.conductance(m, seed, engine="rgf"), g_kwant, rtol=RTOL,
                     what=f"{name}: charge g, rgf vs kwant")
        for axis in axes[:2]:
            gr = aw.spin_conductances(m, seed, axis=axis, engine="rgf")
            gk = aw.spin_conductances(m, seed, axis=axis, engine="kwant")
            assert_close(gr, gk, atol=RTOL * g_kwant,
                         what=f"{name}: g_s's rgf vs kwant, axis {axis}, seed {seed}")
            assert_close(aw.spin_conductances(m, seed, axis=axis), gr, atol=1e-14 * g_kwant,
                         what="engine='auto' is RGF")


@pytest.mark.parametrize("kw", [
    dict(zeeman=(0.1, 0.2, 0.3), flux=0.02),                  # tilted Zeeman in the leads
    dict(zeeman=(0.2, 0.0, 0.1), rashba=0.4),                 # Rashba + Zeeman leads
    dict(spinful=True, flux=0.03, leads="normal"),
    dict(rashba=0.5, flux=0.02, leads="normal"),
], ids=["zeeman-tilted-sample", "rashba-zeeman-sample", "spinful-normal", "rashba-normal"])
def test_charge_rgf_equals_kwant(kw):
    m = strip(kw)
    for seed in (0, 4):
        assert_close(aw.conductance(m, seed, engine="rgf"),
                     aw.conductance(m, seed, engine="kwant"), rtol=RTOL,
                     what=f"charge g, rgf vs kwant, {kw}")


# ----------------------------------------------------------------------
# 4. the labelled spin-resolved S-matrix
@pytest.mark.parametrize("kw", [dict(rashba=0.5, zeeman=(0.1, 0.2, 0.3), flux=0.03),
                                dict(spin_orbit="su2", flux=0.02), dict(rashba=0.5)],
                         ids=["rashba-zeeman-flux", "su2-flux", "rashba"])
def test_spin_smatrix_unitary_and_consistent(kw):
    m = strip(kw, leads="normal")
    n0 = aw.open_channels(aw.StripModel(m.length, m.width, m.energy, flux=m.flux))
    for axis in AXES:
        s = aw.spin_scattering_matrix(m, 4, axis=axis)
        assert_unitary(s.data, atol=1e-10, what=f"spin S-matrix, axis {axis}")
        counts = Counter((lead, spin) for lead, spin, _ in s.labels)
        assert counts == {(lead, spin): n0 for lead in ("left", "right") for spin in SPINS}
        assert s.data.shape == (4 * n0, 4 * n0)
        assert_close(np.linalg.norm(s.axis), 1.0, atol=1e-14, what="unit axis")
        gk = aw.spin_conductances(m, 4, axis=axis, engine="kwant")
        for i, so in enumerate(SPINS):
            for j, si in enumerate(SPINS):
                assert_close(s.conductance("right", so, "left", si), gk[i, j], atol=1e-12,
                             what=f"S block right/{so} <- left/{si}, axis {axis}")
                block = s.block("right", so, "left", si)
                assert block.shape == (n0, n0)
        # current conservation per incoming lead and spin: reflection + transmission = N
        for lead in ("left", "right"):
            for si in SPINS:
                out = sum(s.conductance(lo, so, lead, si) for lo in ("left", "right")
                          for so in SPINS)
                assert_close(out, n0, atol=1e-10, what=f"R + T from {lead}/{si}")


# ----------------------------------------------------------------------
# 5. Onsager-Casimir for spin
@pytest.mark.parametrize("axis", ["z", "x"])
def test_onsager_for_spin(axis):
    """g^{RL}_{s's}(B, b) = g^{LR}_{-s,-s'}(-B, -b): spin labels reversed and exchanged.

    Time reversal maps (left, s) -> (right, s') onto (right, -s') -> (left, -s).
    The naive same-direction relation g_{s's}(B, b) = g_{ss'}(-B, -b) fails for
    such a sample (by ~0.5 here), which is why the reversed-and-exchanged
    form is the one tested; the charge sum obeys g(B, b) = g(-B, -b).
    """
    m = strip(dict(rashba=0.5, zeeman=(0.1, 0.2, 0.3), flux=0.03), leads="normal")
    mr = _flipped(m)
    naive = 0.0
    for seed in (1, 4):
        s, sr = aw.spin_scattering_matrix(m, seed, axis=axis), \
            aw.spin_scattering_matrix(mr, seed, axis=axis)
        g_reversed = aw.spin_conductances(mr, seed, axis=axis)
        for j, si in enumerate(SPINS):
            for i, so in enumerate(SPINS):
                forward = s.conductance("right", so, "left", si)
                backward = sr.conductance("left", FLIP[si], "right", FLIP[so])
                assert_close(forward, backward, atol=1e-10,
                             what=f"Onsager for spin g^RL_{so},{si}(B,b) vs "
                                  f"g^LR_-{si},-{so}(-B,-b), axis {axis}, seed {seed}")
                naive = max(naive, abs(forward - g_reversed[j, i]))
        assert_close(aw.conductance(m, seed), aw.conductance(mr, seed), rtol=RTOL,
                     what="charge Onsager g(B, b) = g(-B, -b)")
    assert naive > 1e-3, f"the naive relation g_s's(B,b) = g_ss'(-B,-b) held ({naive:.3g})"


def test_onsager_charge_with_sample_leads():
    """Charge g(B, b) = g(-B, -b) also with Rashba and Zeeman in the leads."""
    m = strip(dict(rashba=0.5, zeeman=(0.1, 0.2, 0.3), flux=0.03))
    for seed in (1, 2):
        g = aw.conductance(m, seed)
        assert_close(g, aw.conductance(_flipped(m), seed), rtol=RTOL, what="g(B, b) = g(-B, -b)")
        assert abs(g - aw.conductance(m.replace(flux=0.0, zeeman=(0, 0, 0)), seed)) > 1e-6


# ----------------------------------------------------------------------
# 6. Zeeman splitting of the clean channel count
@pytest.mark.parametrize("energy, b", [(0.7, 0.3), (-1.1, 0.45), (2.5, 0.6), (0.2, 1.3),
                                       (3.6, 0.5)])
def test_zeeman_splits_clean_channels(energy, b):
    """Clean strip, sample leads: g = N0(E - b) + N0(E + b); spin up (b . sigma = +b) has N0(E - b).

    At (3.6, 0.5) E + b lies above the spinless band: spin down has no channel.
    """
    width = 6
    up, down = _channels(width, energy - b), _channels(width, energy + b)
    for e in (energy - b, energy + b):         # the subband count agrees with the leads' modes
        if abs(e) < 3.7:
            assert _channels(width, e) == aw.open_channels(aw.StripModel(8, width, e))
    m = aw.StripModel(8, width, energy, zeeman=(0.0, 0.0, b))
    g = aw.spin_conductances(m, 0, axis="z")
    assert_close(g, [[up, 0], [0, down]], atol=1e-9, what=f"clean g_s's at E={energy}, b={b}")
    assert_close(aw.conductance(m, 0), up + down, atol=1e-9, what="clean g")
    assert aw.open_channels(m) == up + down
    # "up" along -z is the spin down along z
    assert_close(aw.spin_conductances(m, 0, axis=(0, 0, -1)), [[down, 0], [0, up]], atol=1e-9,
                 what="clean g_s's along -z")
    tilted = m.replace(zeeman=(b, 0.0, 0.0))
    assert_close(aw.conductance(tilted, 0), up + down, atol=1e-9, what="clean g, field along x")
    assert_close(aw.spin_conductances(tilted, 0, axis="x"), [[up, 0], [0, down]], atol=1e-9,
                 what="clean g_s's along x, field along x")


def test_zeeman_mode_labels():
    """The S-matrix labels the N0(E - b) modes of the raised band as up."""
    m = aw.StripModel(8, 6, 0.7, disorder=1.0, zeeman=(0.0, 0.0, 0.3))
    counts = Counter((lead, spin) for lead, spin, _ in aw.spin_scattering_matrix(m, 0).labels)
    assert counts == {("left", "up"): 5, ("right", "up"): 5,
                      ("left", "down"): 4, ("right", "down"): 4}
    assert (_channels(6, 0.4), _channels(6, 1.0)) == (5, 4)


# ----------------------------------------------------------------------
# 7. spin relaxation: P(L) decays faster with stronger Rashba coupling
def _polarization_and_error(g):
    """P of the ensemble mean g and its jackknife error over realisations (axis 0)."""
    n = len(g)
    p = aw.spin_polarization(g.mean(axis=0))
    loo = np.array([aw.spin_polarization(np.delete(g, i, axis=0).mean(axis=0))
                    for i in range(n)])
    err = np.sqrt((n - 1) / n * np.sum((loo - loo.mean(axis=0)) ** 2, axis=0))
    return p, err


def test_polarization_decays_faster_with_stronger_rashba():
    """D'yakonov-Perel: 1/L_s ~ alpha, so P(L) of spin y injected from normal leads falls
    faster for alpha = 0.25 than for 0.1 (observed margins 40-80 standard errors)."""
    lengths = [4, 8, 12, 16]
    m = aw.StripModel(16, 24, 1.0, disorder=4.0, leads="normal", rashba=0.1)
    assert np.min(np.abs(aw.bands.subband_thresholds(24) - m.energy)) > 0.05
    results = {}
    for alpha in (0.1, 0.25):
        ma = m.replace(rashba=alpha)
        g = np.array([aw.spin_conductance_vs_length(ma, lengths, seed, axis="y")
                      for seed in range(20)])
        assert g.shape == (20, len(lengths), 2, 2)
        results[alpha] = _polarization_and_error(g)
    (p_weak, e_weak), (p_strong, e_strong) = results[0.1], results[0.25]
    margin = p_weak - p_strong
    err = np.hypot(e_weak, e_strong)
    for k in range(1, len(lengths)):
        assert margin[k] > 4 * err[k], (
            f"L={lengths[k]}: P(alpha=0.1) = {p_weak[k]:.4f} +- {e_weak[k]:.2g}, "
            f"P(alpha=0.25) = {p_strong[k]:.4f} +- {e_strong[k]:.2g}: not 4 errors apart")


# ----------------------------------------------------------------------
# 8. length scans
@pytest.mark.parametrize("kw, axis", [
    (dict(rashba=0.5, zeeman=(0.1, 0.2, 0.3), flux=0.03, leads="normal"), "x"),
    (dict(zeeman=(0.0, 0.0, 0.3), flux=0.04), "z"),
    (dict(spin_orbit="su2", flux=0.02), (1.0, 2.0, -0.5)),
    (dict(exchange=0.8), "y"),
], ids=["rashba-zeeman-flux-normal", "zeeman-z-sample-flux", "su2-flux", "exchange"])
def test_spin_length_scan_equals_separate_samples(kw, axis):
    m = strip(kw, length=12)
    lengths = [1, 3, 7, 12]
    g = aw.spin_conductance_vs_length(m, lengths, 2, axis=axis)
    assert g.shape == (len(lengths), 2, 2)
    for L, gl in zip(lengths, g):
        separate = aw.spin_conductances(m.replace(length=L), 2, axis=axis)
        assert_close(gl, separate, atol=1e-11 * separate.sum(), what=f"prefix L={L}")
    every = aw.spin_conductance_vs_length(m, seed=2, axis=axis)
    assert every.shape == (m.length, 2, 2)
    assert_close(every[[L - 1 for L in lengths]], g, atol=1e-12 * g.sum(), what="default lengths")


# ----------------------------------------------------------------------
# 9. symmetry classes with a Zeeman field
@pytest.mark.parametrize("kw, cls, unitary", [
    (dict(zeeman=(0.1, 0.2, 0.3)), "AI", 2),        # spin along b conserved, each sector real
    (dict(zeeman=(0.0, 0.0, 0.3)), "AI", 2),
    (dict(zeeman=(0.1, 0.2, 0.3), flux=0.03), "A", 2),
    (dict(zeeman=(0.2, 0.0, 0.3), rashba=0.5), "A", 1),
    (dict(zeeman=(0.2, 0.0, 0.3), spin_orbit="su2"), "A", 1),
    (dict(rashba=0.5), "AII", 1),
    (dict(rashba=0.5, leads="normal"), "AII", 1),
], ids=["zeeman", "zeeman-z", "zeeman-flux", "zeeman-rashba", "zeeman-su2", "rashba",
        "rashba-normal"])
def test_symmetry_class_with_zeeman(kw, cls, unitary):
    info = find_symmetries(aw.StripModel(8, 6, 0.7, disorder=2.0, **kw), 1)
    assert info["class"] == cls, f"{kw}: {info}"
    assert info["unitary"] == unitary, f"{kw}: {info}"


# ----------------------------------------------------------------------
# 10. refusals, before any compute
@pytest.fixture
def no_compute(monkeypatch):
    """Make every spin-resolved computation an error, so a refusal must come first."""
    def forbidden(*args, **kwargs):
        raise AssertionError("computed before refusing")
    for mod, name in ((rgf, "spin_conductances_rgf"),
                      (kwant_engine, "kwant_spin_conductances"),
                      (kwant_engine, "spin_smatrix_blocks")):
        monkeypatch.setattr(mod, name, forbidden)


ENTRY_POINTS = {
    "spin_conductances": lambda m, **kw: aw.spin_conductances(m, 0, **kw),
    "kwant": lambda m, **kw: aw.spin_conductances(m, 0, engine="kwant", **kw),
    "vs_length": lambda m, **kw: aw.spin_conductance_vs_length(m, [2, 4], 0, **kw),
    "smatrix": lambda m, **kw: aw.spin_scattering_matrix(m, 0, **kw),
}
SMALL = dict(length=6, width=4, energy=0.7, disorder=1.0)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("kw, axis, match", [
    (dict(), "z", "spinful"),
    (dict(rashba=0.3), "z", "leads='normal'"),
    (dict(zeeman=(0.2, 0.0, 0.0)), "z", "not parallel"),
    (dict(spinful=True), "w", "axis"),
    (dict(spinful=True), (0, 0, 0), "zero vector"),
    (dict(spinful=True), (0, 1), "axis"),
    (dict(spinful=True, dephasing=0.1), "z", "dephasing"),
    (dict(spinful=True, temperature=0.01), "z", "temperature"),
], ids=["spinless", "rashba-sample-leads", "lead-zeeman-not-parallel", "axis-w", "axis-zero",
        "axis-length", "dephasing", "temperature"])
def test_spin_refusals(no_compute, entry, kw, axis, match):
    with pytest.raises(ValueError, match=match):
        ENTRY_POINTS[entry](aw.StripModel(**SMALL, **kw), axis=axis)


@pytest.mark.parametrize("engine", ["foo", "probes", "transfer"])
def test_spin_refuses_unknown_engine(no_compute, engine):
    with pytest.raises(ValueError, match="engine"):
        aw.spin_conductances(aw.StripModel(**SMALL, spinful=True), 0, engine=engine)


@pytest.mark.parametrize("kw, error, match", [
    (dict(zeeman=(0, 0.1)), ValueError, "3 components"),
    (dict(zeeman=(0, 0.1, 0, 0)), ValueError, "3 components"),
    (dict(zeeman=(0.0, float("nan"), 0.0)), ValueError, "finite"),
    (dict(zeeman=(0.0, 0.0, float("inf"))), ValueError, "finite"),
    (dict(zeeman="abc"), TypeError, "zeeman"),
    (dict(zeeman=0.3), TypeError, "zeeman"),
    (dict(zeeman=(0, "a", 0)), TypeError, "zeeman"),
    (dict(zeeman=(0.0, 0.0, 0.1), spinful=False), ValueError, "spinful=False"),
    (dict(leads="foo"), ValueError, "leads"),
    (dict(zeeman=(0.0, 0.0, 0.5), energy=4.6), ValueError, "outside the clean band"),
], ids=["zeeman-2", "zeeman-4", "zeeman-nan", "zeeman-inf", "zeeman-str", "zeeman-float",
        "zeeman-str-component", "spinless-zeeman", "leads-foo", "energy-outside-split-band"])
def test_model_refuses_bad_zeeman_and_leads(kw, error, match):
    with pytest.raises(error, match=match):
        aw.StripModel(**{**SMALL, **kw})


def test_zeeman_is_stored_as_floats_and_makes_the_model_spinful():
    m = aw.StripModel(**SMALL, zeeman=[0, 0, 1])
    assert m.zeeman == (0.0, 0.0, 1.0) and all(type(b) is float for b in m.zeeman)
    assert m.spinful and m.norbs == 2 and m.spin_degeneracy == 1
    assert m.replace(zeeman=(0, 0, 0)).spinful       # spin content fixed at construction
    assert m.lead_zeeman == m.zeeman and m.replace(leads="normal").lead_zeeman == (0, 0, 0)
