import dataclasses
import math

import numpy as np
import pytest
from assertions import assert_close
from variants import IDS, VARIANTS, model

import andersonwl as aw
from andersonwl import _random
from andersonwl.hamiltonian import haar_su2

GOOD = dict(length=10, width=6, energy=0.5)


@pytest.mark.parametrize("bad, match", [
    (dict(width=2.5), "width must be an integer"),
    (dict(width=4.0), "width must be an integer"),
    (dict(length=True), "length must be an integer"),
    (dict(energy="0.5"), "energy must be a real number"),
    (dict(spinful=1), "spinful must be True or False"),
])
def test_wrong_type_is_a_type_error(bad, match):
    """The exception policy of andersonwl._checks: TypeError for a wrong type."""
    with pytest.raises(TypeError, match=match):
        aw.StripModel(**{**GOOD, **bad})


@pytest.mark.parametrize("bad, match", [
    (dict(length=0), "length"),
    (dict(length=-3), "length"),
    (dict(energy=float("nan")), "energy"),
    (dict(energy=float("inf")), "energy"),
    (dict(energy=4.5), "outside the clean band"),
    (dict(disorder=-1.0), "disorder"),
    (dict(disorder=float("nan")), "disorder"),
    (dict(flux=float("inf")), "flux"),
    (dict(rashba=float("nan")), "rashba"),
    (dict(exchange=-0.1), "exchange"),
    (dict(spin_orbit="dresselhaus"), "spin_orbit"),
    (dict(disorder_kind="cauchy"), "disorder_kind"),
    (dict(spin_orbit="su2", rashba=0.3), "contradict"),
    (dict(spinful=False, exchange=0.5), "spinful=False contradicts"),
])
def test_bad_input_raises(bad, match):
    with pytest.raises(ValueError, match=match):
        aw.StripModel(**{**GOOD, **bad})


def test_model_is_immutable_and_normalised():
    m = aw.StripModel(10, 6, 0.5, rashba=0.3)
    assert m.spin_orbit == "rashba" and m.spinful and m.norbs == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.length = 3
    assert m == aw.StripModel(10, 6, 0.5, rashba=0.3, spin_orbit="rashba")
    assert aw.StripModel(**GOOD).norbs == 1
    assert aw.StripModel(**GOOD, exchange=0.2).norbs == 2
    assert m.replace(length=12).length == 12
    with pytest.raises(ValueError):
        m.replace(length=-1)


def test_energy_in_rashba_band_allowed():
    # the Rashba band extends beyond -4: -4 - alpha^2/4 at small alpha
    aw.StripModel(10, 10, -4.1, rashba=1.0)


def test_random_values_pure_functions_of_labels():
    x, y = np.meshgrid(np.arange(7), np.arange(5), indexing="ij")
    u = _random.uniform(11, 0, x, y)
    assert u[3, 2] == _random.uniform(11, 0, 3, 2)          # same label, same value
    assert u[3, 2] == _random.uniform(11, 0, x.T, y.T)[2, 3]  # independent of the layout
    assert not np.any(u == _random.uniform(12, 0, x, y))     # other seed
    assert not np.any(u == _random.uniform(11, 1, x, y))     # other stream
    with pytest.raises(ValueError):
        _random.uniform(-1, 0, 0, 0)
    with pytest.raises(TypeError):
        _random.uniform(1.5, 0, 0, 0)


def test_uniform_and_normal_statistics():
    # 10^5 samples; every tolerance is 5 standard errors of the estimate
    x = np.arange(100_000)
    u = _random.uniform(5, 0, x)
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / x.size)
    # standard error of the sample variance: sqrt((mu4 - sigma^4) / n), mu4 = 1/80
    assert abs(u.var() - 1 / 12) < 5 * math.sqrt((1 / 80 - 1 / 144) / x.size)
    n = _random.normal(5, 1, x)
    assert abs(n.mean()) < 5 / math.sqrt(x.size)
    assert abs(n.var() - 1) < 5 * math.sqrt(2 / x.size)
    assert abs(np.mean(n**4) - 3) < 5 * math.sqrt(96 / x.size)


def test_haar_su2_is_special_unitary_and_haar():
    x = np.arange(20_000)
    r = haar_su2(3, 5, x, np.zeros_like(x))
    eye = np.eye(2)
    assert np.allclose(r @ np.conj(np.swapaxes(r, -1, -2)), eye, atol=1e-12)
    assert np.allclose(np.linalg.det(r), 1, atol=1e-12)
    # Haar measure: E[|R_00|^2] = 1/2, E[|R_00|^4] = 1/3; E[R_00] = 0
    a = np.abs(r[:, 0, 0]) ** 2
    se = 1 / math.sqrt(x.size)
    assert abs(a.mean() - 0.5) < 5 * se * math.sqrt(1 / 12)
    assert abs((a**2).mean() - 1 / 3) < 5 * se * 0.3
    assert abs(r[:, 0, 0].mean()) < 5 * se * math.sqrt(0.5)


@pytest.mark.parametrize("kind", ["box", "gaussian"])
def test_disorder_distribution(kind):
    from andersonwl.hamiltonian import geometry_of, sample_arrays
    m = aw.StripModel(200, 50, 0.3, disorder=3.0, disorder_kind=kind)
    eps = sample_arrays(geometry_of(m), 7, m.disorder, 0.0, 0.0, 0.0).onsite.ravel()
    # standard error of the variance: sqrt((mu4 - sigma^4) / n); mu4 = 9 sigma^4/5 (box), 3 sigma^4
    se_var = math.sqrt(2 / eps.size) * 9 / 12
    assert abs(eps.var() - 9 / 12) < 5 * se_var
    if kind == "box":
        assert eps.min() >= -1.5 and eps.max() < 1.5
        assert eps.min() < -1.49 and eps.max() > 1.49
    else:
        assert np.abs(eps).max() > 1.6   # Gaussian tails beyond the box


def test_disorder_independent_of_sample_size():
    from andersonwl.hamiltonian import geometry_of, sample_arrays
    small = aw.StripModel(5, 4, 0.3, disorder=2.0, spin_orbit="su2", exchange=0.5)
    big = small.replace(length=9, width=7)
    a = sample_arrays(geometry_of(small), 3, 2.0, 0.0, 0.0, 0.5)
    b = sample_arrays(geometry_of(big), 3, 2.0, 0.0, 0.0, 0.5)
    assert np.array_equal(a.onsite, b.onsite[:5, :4])
    assert np.array_equal(a.hop_x, b.hop_x[:4, :4])
    assert np.array_equal(a.hop_y, b.hop_y[:5, :3])


def test_energy_at_a_lead_threshold_is_refused_where_a_lead_is_used():
    # width 5: subband eps_2 = -2 cos(pi/3) = -1 opens at E = -3 and closes at E = +1
    for m in (aw.StripModel(5, 5, 1.0), aw.StripModel(5, 5, 1.0, spin_orbit="su2"),
              aw.StripModel(5, 5, 1.0, spinful=True),
              aw.StripModel(5, 5, 1.0, spin_orbit="rashba", rashba=0.0)):
        with pytest.raises(ValueError, match="threshold"):
            m.check_leads()
        with pytest.raises(ValueError, match="threshold"):
            aw.conductance(m, 1)
        # the transfer-matrix engine attaches no lead: the SU(2) working point E = 1
        assert aw.localization_length(m.replace(disorder=6.0), 0.2, min_length=64).xi > 0
    aw.StripModel(5, 5, 1.001).check_leads()
    with pytest.raises(ValueError, match="no open channel"):
        aw.conductance(aw.StripModel(5, 2, 3.99), 0)


def test_spin_content_is_fixed_per_model():
    rashba = aw.StripModel(10, 6, 0.5, rashba=0.5)
    assert rashba.replace(rashba=0.0).spinful                     # stays spinful
    assert not aw.StripModel(10, 6, 0.5, rashba=0.0).spinful      # nothing asked for spin
    magnetic = aw.StripModel(10, 6, 0.5, exchange=1.0)
    assert magnetic.replace(exchange=0.0).spinful
    with pytest.raises(ValueError, match="spinful=True"):
        aw.StripModel(**GOOD).replace(spin_orbit="rashba")
    # the spin-degenerate model: two species, the same g as the Rashba model at rashba = 0
    degenerate = aw.StripModel(12, 6, 0.7, disorder=2.0, spinful=True)
    assert degenerate.spin_degeneracy == 2 and degenerate.norbs == 2
    g_spinless = aw.conductance(degenerate.replace(spinful=False), 3)
    assert abs(aw.conductance(degenerate, 3) - 2 * g_spinless) < 1e-10 * g_spinless
    assert abs(aw.conductance(degenerate, 3)
               - aw.conductance(degenerate.replace(spin_orbit="rashba"), 3)) < 1e-10
    for m, d in ((rashba, 1), (magnetic, 1), (aw.StripModel(**GOOD), 1),
                 (aw.StripModel(10, 6, 0.5, spin_orbit="su2"), 1)):
        assert m.spin_degeneracy == d


@pytest.mark.parametrize("name, kw, cls", VARIANTS, ids=IDS)
def test_spin_degeneracy_follows_from_the_symmetries(name, kw, cls):
    """The flavour factor of the perturbative curves equals the number of degenerate sectors
    that the numerical symmetry analysis finds (orbitals per site / orbitals per sector).

    A Zeeman field without spin-orbit coupling leaves two conserved spin sectors that are
    not degenerate (shifted by -+ ``|b|``): the factor is then 1.
    """
    m = model(kw)
    info = aw.find_symmetries(m, seed=2)
    sectors = m.norbs // info["sector_orbitals"]
    if m.zeeman_strength > 0:
        assert m.spin_degeneracy == 1 and sectors == (2 if m.rashba == 0 else 1), (name, info)
    else:
        assert m.spin_degeneracy == sectors, (name, info)
    expected = -1 / (2 * np.pi**2 * 9.0) * (4 if m.spin_degeneracy == 2 else 1)
    assert_close(aw.perturbative_beta(3.0, "A", spin_degeneracy=m.spin_degeneracy), expected,
                 rtol=1e-12, what=f"class-A leading term for {name}")
