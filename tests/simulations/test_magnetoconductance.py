"""Magnetoconductance sweeps (through the ensemble engine) and the cusp classification.

The physics checks run small real simulations, one per Wigner-Dyson class, on
20 x 20 strips with disorder W = 3 (mean free path a few sites, so that the
classical magnetoresistance at the swept flux stays below the noise) and a
single applied flux of 0.002 h/e per plaquette (0.8 flux quanta through the
sample; the paired significance hardly depends on the flux below ~0.004).
Energies sit between lead subband edges, so the number of open channels is the
same at every flux.  Measured (seed 1, engine "auto"): AI delta_g = +0.022 +-
0.0036 (6 sigma, N = 400), AII -0.036 +- 0.006 (6 sigma, N = 300), A (Rashba
plus exchange) +0.001 +- 0.005 (N = 200).
"""

import concurrent.futures as cf
import multiprocessing

import numpy as np
import pytest
import xarray as xr

import andersonwl as aw
from andersonwl.analysis.cusp import CUSP_CLASSES, classify_cusp
from andersonwl.simulations.magnetoconductance import magnetoconductance

FLUX = [0.002]


@pytest.fixture(scope="module")
def pool():
    # one pool of spawned processes for the module (BLAS threads = 1 from conftest)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


@pytest.fixture(scope="module")
def orthogonal(pool):
    # spinless, so class AI; a spin-degenerate strip has exactly twice its g and
    # delta_g, hence the same significance at twice the cost
    model = aw.StripModel(20, 20, energy=0.9, disorder=3.0)
    return magnetoconductance(model, FLUX, 400, seed=1, executor=pool, symmetrize=False)


@pytest.fixture(scope="module")
def symplectic(pool):
    model = aw.StripModel(20, 20, energy=1.0, disorder=3.0, rashba=1.0)
    return magnetoconductance(model, FLUX, 250, seed=1, executor=pool, symmetrize=False)


@pytest.fixture(scope="module")
def unitary(pool):
    # the symplectic strip with magnetic impurities: same leads and energy, time
    # reversal broken by the exchange field (G(B) != G(-B): symmetrised)
    model = aw.StripModel(20, 20, energy=1.0, disorder=3.0, rashba=1.0, exchange=1.0)
    return magnetoconductance(model, FLUX, 150, seed=1, executor=pool, symmetrize=True)


def _z(ds):
    return float(ds["delta_g"][1] / ds["delta_g_err"][1])


def _channels_constant(ds):
    ch = ds["open_channels"].values
    assert np.all(ch == ch[0]), f"open channels change across the sweep: {ch}"


def test_weak_localization_in_the_orthogonal_class(orthogonal):
    _channels_constant(orthogonal)
    z = _z(orthogonal)
    assert z > 4, f"AI: delta_g = {float(orthogonal.delta_g[1]):.4f} is only {z:.1f} sigma"
    assert classify_cusp(orthogonal) == "WL"


def test_weak_antilocalization_in_the_symplectic_class(symplectic):
    _channels_constant(symplectic)
    z = _z(symplectic)
    assert z < -4, f"AII: delta_g = {float(symplectic.delta_g[1]):.4f} is only {z:.1f} sigma"
    assert classify_cusp(symplectic) == "WAL"


def test_no_cusp_in_the_unitary_class(unitary):
    _channels_constant(unitary)
    z = _z(unitary)
    assert abs(z) < 3, f"A: delta_g = {float(unitary.delta_g[1]):.4f} is {z:.1f} sigma"
    assert classify_cusp(unitary) == "none"
    # the exchange field breaks time reversal: g(+f) != g(-f)
    assert float(unitary["onsager_asymmetry"][1]) > 1e-3


def test_dataset_contents(orthogonal, symplectic):
    ds = orthogonal
    assert list(ds["flux"].values) == [0.0, 0.002]
    assert ds["conductance"].shape == (2, 400) and ds.attrs["realizations"] == 400
    assert float(ds["delta_g"][0]) == 0.0 and float(ds["delta_g_err"][0]) == 0.0
    # the paired error is far below the error of two independent means
    unpaired = float(np.hypot(ds["stderr"][0], ds["stderr"][1]))
    assert float(ds["delta_g_err"][1]) < 0.3 * unpaired
    np.testing.assert_allclose(ds["delta_g"].values,
                               (ds["conductance"] - ds["conductance"].isel(flux=0))
                               .mean("realization").values)
    # delta_sigma per square from the sample conductance g_s = g / (1 - g/N), realisation by
    # realisation (L/W = 1 here), computed independently: the contact resistance is removed
    g = ds["conductance"].values
    n = ds["open_channels"].values[:, None]
    g_s = g / (1 - g / n)
    np.testing.assert_allclose(ds["delta_sigma"].values, (g_s - g_s[:1]).mean(axis=1),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ds["sample_conductance"].values, g_s, rtol=1e-12)
    assert ds.attrs["contact_resistance_removed"] == 1
    # to first order the correction grows by 1/(1 - g/N)^2 (1.44 at <g>; measured 1.36 here,
    # since g fluctuates from realisation to realisation), 20 x 20 at W = 3
    expected = 1 / (1 - g.mean() / n[0, 0]) ** 2
    ratio = float(ds["delta_sigma"][1] / ds["delta_g"][1])
    assert abs(ratio / expected - 1) < 0.1, (ratio, expected)
    assert expected > 1.2
    # the contact resistance removed from the ensemble means instead: here, with small
    # fluctuations (var g / (N - g)^2 = 0.003), the two estimators agree within their errors
    f = lambda x: x * n[:, 0] / (n[:, 0] - x)          # noqa: E731
    ens = f(g.mean(axis=1)) - f(g.mean(axis=1))[0]
    np.testing.assert_allclose(ds["delta_sigma_ensemble"].values, ens, rtol=1e-12, atol=1e-15)
    gap = abs(float(ds["delta_sigma_ensemble"][1] - ds["delta_sigma"][1]))
    assert gap < float(ds["delta_sigma_ensemble_err"][1]), gap
    assert ds.attrs["aspect_ratio"] == 1.0 and "fingerprint" in ds.attrs
    assert set(ds["engine"].values) == {"rgf"}
    # the same realisations at every flux: seeds of the ensemble engine
    from andersonwl.ensemble import realization_seeds
    np.testing.assert_array_equal(ds["seed"].values, realization_seeds(1, 400))
    np.testing.assert_array_equal(symplectic["seed"].values, realization_seeds(1, 250))


def test_three_classes_plot(orthogonal, symplectic, unitary, tmp_path):
    from matplotlib.figure import Figure

    from andersonwl.plotting.magnetoconductance import plot_magnetoconductance
    fig = plot_magnetoconductance({"AI": orthogonal, "AII": symplectic, "A": unitary})
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["AI: cusp WL", "AII: cusp WAL", "A: cusp none"], titles
    fig.savefig(tmp_path / "classes.png")


def test_onsager_symmetry_and_paired_sweep(pool):
    # tiny strips: without magnetic impurities G(B) = G(-B) to rounding
    for model in (aw.StripModel(8, 6, energy=0.9, disorder=2.0),
                  aw.StripModel(8, 6, energy=1.0, disorder=2.0, rashba=1.0)):
        ds = magnetoconductance(model, [0.01, -0.02], 3, seed=5, executor=pool)
        assert list(ds["flux"].values) == [0.0, 0.01, 0.02]
        assert float(ds["onsager_asymmetry"].max()) < 1e-9
        assert ds.attrs["symmetrized"] == 1
    # a background flux stays: the sweep is around it
    ds = magnetoconductance(aw.StripModel(8, 6, energy=0.9, disorder=2.0, flux=0.05), [0.01], 2,
                            executor=pool, symmetrize=False)
    assert ds.attrs["background_flux"] == 0.05
    assert np.isnan(ds["onsager_asymmetry"][1])


def test_onsager_diagnostic_uses_the_total_field(pool):
    """With a background flux f0, Onsager relates g(f0 + d) to g(-(f0 + d)), not g(f0 - d)."""
    model = aw.StripModel(8, 6, energy=0.9, disorder=2.0, flux=0.01)
    ds = magnetoconductance(model, [0.01, 0.02], 4, seed=2, executor=pool)
    # no magnetic impurities: the reversed total field gives the same g to rounding
    assert float(ds["onsager_asymmetry"].max()) < 1e-9, ds["onsager_asymmetry"].values
    # independently: g at the total fields +-(f0 + d) of the same realisations
    seeds = ds["seed"].values
    for d in (0.0, 0.02):
        plus = [aw.conductance(model.replace(flux=0.01 + d), int(s)) for s in seeds]
        minus = [aw.conductance(model.replace(flux=-(0.01 + d)), int(s)) for s in seeds]
        np.testing.assert_allclose(plus, minus, rtol=1e-9)
        np.testing.assert_allclose(ds["conductance"].sel(flux=d).values,
                                   0.5 * (np.array(plus) + np.array(minus)), rtol=1e-12)
    # magnetic impurities break time reversal in the disorder: g(B) != g(-B) is reported
    magnetic = magnetoconductance(model.replace(exchange=1.0, spinful=True), [0.02], 4, seed=2,
                                  executor=pool)
    assert float(magnetic["onsager_asymmetry"].max()) > 1e-6


def test_fit_of_a_sweep_runs_in_lattice_units():
    # the plumbing from a sweep to the fit: delta_sigma against flux, weighted
    flux = np.array([0.0, 0.0005, 0.001, 0.002, 0.004])
    ds = xr.Dataset({"delta_sigma": ("flux", aw.analysis.hln(flux, 2e-4, 0.3)),
                     "delta_sigma_err": ("flux", [0.0, 1e-3, 1e-3, 1e-3, 1e-3])},
                    coords={"flux": flux})
    keep = ds["delta_sigma_err"].values > 0
    fit = aw.fit_magnetoconductance(ds.flux.values[keep], ds.delta_sigma.values[keep], "hln",
                                    sigma_err=ds.delta_sigma_err.values[keep])
    assert abs(fit.values["alpha"] - 0.3) < 1e-3
    assert abs(fit.values["l_phi"] - aw.units.characteristic_length(2e-4)) < 1e-2


# ---------------------------------------------------------------------------
# classify_cusp on given numbers, and bad inputs
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dg, err, expected", [
    ([0.0, 0.02, 0.05], [0.0, 0.004, 0.01], "WL"),
    ([-0.02, -0.05], [0.004, 0.01], "WAL"),
    ([0.005, -0.01], [0.004, 0.01], "none"),
    ([0.011, 0.02], [0.004, 0.01], "none"),      # 2.75 and 2 sigma: below 3
    ([0.012, 0.02], [0.004, 0.01], "WL"),        # exactly 3 sigma counts
    ([-0.02, 0.10], [0.005, 0.01], "WAL"),       # WAL cusp at low field, WL at high field
])
def test_classify_cusp(dg, err, expected):
    assert classify_cusp(dg, err) == expected
    assert expected in CUSP_CLASSES


def test_classify_cusp_threshold_is_adjustable():
    assert classify_cusp([0.02], [0.005]) == "WL"                 # 4 sigma
    assert classify_cusp([0.02], [0.005], nsigma=5) == "none"


@pytest.mark.parametrize("args, kwargs, match", [
    (([0.1, float("nan")], [0.1, 0.1]), {}, "finite"),
    (([0.1, 0.2], [0.1]), {}, "same length"),
    (([0.1, 0.2], [0.1, -0.1]), {}, "non-negative"),
    (([0.1],), {}, "required"),
    (([0.1], [0.0]), {}, "zero error"),
    (([0.1], [0.1]), {"nsigma": 0}, "positive"),
])
def test_classify_cusp_bad_inputs(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        classify_cusp(*args, **kwargs)


@pytest.mark.parametrize("args, exc, match", [
    (("model", [0.01], 10), TypeError, "StripModel"),
    ((aw.StripModel(8, 6, 0.9), [0.01, float("nan")], 10), ValueError, "finite"),
    ((aw.StripModel(8, 6, 0.9), [0.0], 10), ValueError, "non-zero"),
    ((aw.StripModel(8, 6, 0.9), [[0.01]], 10), ValueError, "one-dimensional"),
    ((aw.StripModel(8, 6, 0.9), [0.01], 1), ValueError, "realizations"),
    ((aw.StripModel(8, 6, 0.9), [0.01], 5.0), TypeError, "realizations"),
])
def test_magnetoconductance_bad_inputs(args, exc, match):
    with pytest.raises(exc, match=match):
        magnetoconductance(*args)


def test_subband_edge_warns(pool):
    # E = 0.995 lies just below the top (E = 1) of subband 7 of a width-20 lead: flux closes it
    with pytest.warns(UserWarning, match="open lead channels"):
        ds = magnetoconductance(aw.StripModel(4, 20, energy=0.995, disorder=1.0), [0.002], 2,
                                executor=pool, symmetrize=False)
    assert ds["open_channels"].values.tolist() == [14, 13]


def test_contact_removal_of_the_means_does_not_see_a_change_of_variance():
    # synthetic ensembles: the mean of g stays, its variance halves (the UCF of class AI
    # against A). Realisation by realisation, g_s = g / (1 - g/N) is convex and its mean
    # falls by about f''(<g>) d(var g) / 2; removed from the means, the contact correction
    # sees no change.  N = 7, <g> = 4.3, var g 0.44 -> 0.22, 4000 realisations.
    from andersonwl.simulations.magnetoconductance import _ensemble_contact_removal
    rng = np.random.default_rng(5)
    z = rng.standard_normal(4000)
    g = np.stack([4.3 + np.sqrt(0.44) * z, 4.3 + np.sqrt(0.22) * z])
    g = g - g.mean(axis=1, keepdims=True) + 4.3
    channels = np.array([7, 7])
    value, err = _ensemble_contact_removal(g, channels, 1.0)
    assert value[0] == 0.0 and abs(value[1]) < 1e-12     # the means are equal
    g_s = g * 7 / (7 - g)
    per_realisation = (g_s[1] - g_s[0]).mean()
    second_order = 0.5 * 2 * 49 / (7 - 4.3) ** 3 * (0.22 - 0.44)      # f'' d(var) / 2
    assert per_realisation < -10 * err[1], (per_realisation, err)
    assert abs(per_realisation / second_order - 1) < 0.5, (per_realisation, second_order)

