"""The spin relaxation length read off P(L), against the D'yakonov-Perel law L_s = 1/alpha."""

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.simulations import spin_relaxation, spin_relaxation_report

ENERGY, DISORDER, WIDTH = 1.2, 3.0, 24


def _strip(rashba, **kw):
    return aw.StripModel(1, WIDTH, ENERGY, disorder=DISORDER, rashba=rashba, leads="normal",
                         **kw)


def _lengths(rashba):
    return np.unique(np.linspace(2, 5 / rashba, 10).round().astype(int))


@pytest.fixture(scope="module")
def scans():
    return {a: spin_relaxation(_strip(a), _lengths(a), 40, seed=7, axis="y", workers=1)
            for a in (0.2, 0.4)}


def test_dataset_holds_the_direct_values(scans):
    ds = scans[0.4]
    lengths = ds["length"].values
    seed = int(ds["seed"].values[5])
    direct = aw.spin_conductances(_strip(0.4).replace(length=int(lengths[3])), seed, axis="y")
    assert np.allclose(ds["spin_conductance"].values[5, 3], direct, rtol=1e-11, atol=0)
    assert np.allclose(ds["conductance"].values, ds["spin_conductance"].sum(
        ("spin_out", "spin_in")).values, rtol=1e-14)


def test_pool_gives_the_bits_of_the_serial_run(scans):
    a = 0.4
    pooled = spin_relaxation(_strip(a), _lengths(a), 40, seed=7, axis="y", workers=2, chunk=7)
    assert np.array_equal(pooled["spin_conductance"].values,
                          scans[a]["spin_conductance"].values)


def test_spin_relaxation_length_follows_one_over_alpha(scans):
    """D'yakonov-Perel on the square lattice: L_s = 1/alpha, whatever the disorder.

    Tolerances: the ratio of the two lengths (the 1/alpha law) within 10 % plus 4 combined
    jackknife errors; each L_s alpha within [0.7, 1.05].  Measured (validation/spin.py, width
    48, 200 realisations): L_s alpha = 0.85-0.87 at alpha l = 0.7-1.3, the finite-alpha l
    correction below the DP limit 1 (and the ILP L_so of the same model's cusp agrees with
    L_s to 5 %).
    """
    reps = {a: spin_relaxation_report(ds) for a, ds in scans.items()}
    ls = {a: r["fit"].spin_relaxation_length for a, r in reps.items()}
    err = {a: r["fit"].spin_relaxation_length_err for a, r in reps.items()}
    ratio = ls[0.4] / ls[0.2]
    ratio_err = ratio * np.hypot(err[0.4] / ls[0.4], err[0.2] / ls[0.2])
    assert abs(ratio - 0.5) < 0.05 + 4 * ratio_err, (ratio, ratio_err)
    for a in ls:
        assert 0.7 < ls[a] * a < 1.05, (a, ls[a], reps[a]["text"])
        assert reps[a]["expected"] == pytest.approx(1 / a)
        assert "alpha l" in reps[a]["text"]
    # the ILP comparison converts L_so to the fitted quantity (L_s = L_so for spin y)
    assert spin_relaxation_report(scans[0.4], ilp_l_so=2.3)["from_ilp"] == pytest.approx(2.3)


def test_spin_along_z_precesses():
    """P_z(L) changes sign (precession by alpha L about y), P_y(L) never does."""
    a = 0.4
    lengths = np.arange(2, 16, 2)
    z = spin_relaxation(_strip(a), lengths, 20, seed=3, axis="z", workers=1)
    y = spin_relaxation(_strip(a), lengths, 20, seed=3, axis="y", workers=1)
    pz = aw.spin_polarization(z["spin_conductance"].mean("realization").values)
    py = aw.spin_polarization(y["spin_conductance"].mean("realization").values)
    assert np.all(py > 0) and pz.min() < -0.05, (py, pz)


@pytest.mark.parametrize("kw, match", [
    (dict(model=aw.StripModel(1, 8, 1.2, disorder=3.0, rashba=0.3), lengths=[2, 4]),
     "leads='normal'"),
    (dict(model=_strip(0.3), lengths=[2, 4], axis="w"), "axis"),
    (dict(model=_strip(0.3), lengths=[2, 2]), "repeat"),
    (dict(model=_strip(0.3), lengths=[0, 4]), "lengths"),
    (dict(model=_strip(0.3), lengths=[2, 4], realizations=1), "realizations"),
])
def test_bad_input_fails_before_any_work(kw, match):
    kw = {"realizations": 4, **kw}
    with pytest.raises(ValueError, match=match):
        spin_relaxation(kw.pop("model"), kw.pop("lengths"), kw.pop("realizations"), **kw)
