"""Spin polarisation, D'yakonov-Perel lengths and fits of P(L) (andersonwl.analysis.spin)."""

import dataclasses
import math

import numpy as np
import pytest
from assertions import assert_close, assert_within_stderr
from scipy import integrate, linalg

from andersonwl.analysis.spin import (
    FORMS,
    DPEstimate,
    SpinRelaxationFit,
    dyakonov_perel,
    fit_spin_relaxation,
    polarization_of_means,
    spin_polarization,
)

LENGTHS = np.linspace(5.0, 60.0, 12)
TRUE_LS = 20.0
TRUE_Q, TRUE_PHI = 0.15, 0.3
AMPLITUDE = {"diffusive": 0.9, "exponential": 0.8, "precessing": 0.8}


def true_polarization(form, lengths=LENGTHS, ls=TRUE_LS, q=TRUE_Q, phi=TRUE_PHI):
    x = lengths / ls
    amp = AMPLITUDE[form]
    if form == "diffusive":
        return amp * x / np.sinh(x)
    if form == "exponential":
        return amp * np.exp(-x)
    return amp * np.exp(-x) * np.cos(q * lengths + phi)


def spin_resolved(polarization, conductance=10.0):
    """Mean g[..., s_out, s_in] with g_uu = g_dd and g_ud = g_du giving P and the total."""
    p = np.asarray(polarization, float)
    g = np.empty(p.shape + (2, 2))
    g[..., 0, 0] = g[..., 1, 1] = conductance / 4 * (1 + p)
    g[..., 0, 1] = g[..., 1, 0] = conductance / 4 * (1 - p)
    return g


def synthetic_ensemble(rng, polarization, realizations=300, noise=0.1, correlated=0.5):
    """(realizations, lengths, 2, 2) conductances: the mean times (1 + Gaussian noise).

    A fraction ``correlated`` of the noise variance is common to every length of a
    realisation (as in a length scan of one disorder configuration), so the P at
    different lengths are correlated.
    """
    mean = spin_resolved(polarization)
    common = rng.standard_normal((realizations, 1, 2, 2))
    own = rng.standard_normal((realizations,) + mean.shape)
    eps = noise * (math.sqrt(correlated) * common + math.sqrt(1 - correlated) * own)
    return mean * (1 + eps)


# ----------------------------------------------------------------------
# spin_polarization
def test_polarization_limits():
    assert spin_polarization([[1.0, 0.0], [0.0, 2.5]]) == 1.0            # spin conserved
    assert spin_polarization(np.full((2, 2), 0.7)) == 0.0               # fully mixed
    assert spin_polarization([[0.0, 1.5], [0.5, 0.0]]) == -1.0          # every spin flipped
    assert_close(spin_polarization([[3.0, 1.0], [1.0, 1.0]]), 2 / 6, rtol=1e-15, what="P")


def test_polarization_broadcasts_and_zero_conductance_is_nan():
    g = np.stack([spin_resolved(0.25), np.zeros((2, 2)), spin_resolved(-0.5)])
    p = spin_polarization(g.reshape(3, 1, 2, 2))
    assert p.shape == (3, 1)
    assert_close(p[0, 0], 0.25, rtol=1e-14, what="P")
    assert math.isnan(p[1, 0])
    assert_close(p[2, 0], -0.5, rtol=1e-14, what="P")


@pytest.mark.parametrize("bad", [np.ones((2, 3)), np.ones(4), np.ones((3, 2, 1))])
def test_polarization_bad_shape(bad):
    with pytest.raises(ValueError, match=r"2, 2\)"):
        spin_polarization(bad)


def test_polarization_bad_values_and_types():
    with pytest.raises(ValueError, match="non-negative"):
        spin_polarization([[1.0, -0.1], [0.0, 1.0]])
    with pytest.raises(ValueError, match="finite"):
        spin_polarization([[1.0, np.inf], [0.0, 1.0]])
    with pytest.raises(TypeError):
        spin_polarization([["a", "b"], ["c", "d"]])
    with pytest.raises(TypeError):
        spin_polarization(np.ones((2, 2), bool))


# ----------------------------------------------------------------------
# polarization_of_means
def delta_method_error(g):
    """Delta-method error of P = (D - F) / (D + F) of the means D, F of g_uu + g_dd, g_ud + g_du."""
    d = g[:, 0, 0] + g[:, 1, 1]
    f = g[:, 0, 1] + g[:, 1, 0]
    n = d.size
    dm, fm = d.mean(), f.mean()
    grad = np.array([2 * fm, -2 * dm]) / (dm + fm) ** 2
    cov = np.cov(np.stack([d, f])) / n
    return math.sqrt(grad @ cov @ grad)


def test_polarization_of_means_is_ratio_of_means():
    g = np.array([spin_resolved(1.0, 1.0), spin_resolved(0.0, 9.0)])
    p, _ = polarization_of_means(g, groups=2)
    # P = 1 (g = 1) and P = 0 (g = 9): P(<g>) = (5.5 - 4.5) / 10 = 0.1, not the mean 0.5
    assert_close(p, 0.1, rtol=1e-14, what="P of the means")


def test_jackknife_error_agrees_with_delta_method():
    rng = np.random.default_rng(7)
    g = synthetic_ensemble(rng, [0.4], realizations=2000, noise=0.2)[:, 0]
    p, err = polarization_of_means(g, groups=2000)          # delete-one
    p200, err200 = polarization_of_means(g, groups=200)
    delta = delta_method_error(g)
    assert p == p200
    # delete-one equals the delta method up to O(1/R); 200 groups scatter by about 5 %
    assert_close(err, delta, rtol=0.01, what="delete-one jackknife error / delta method")
    assert_close(err200, delta, rtol=0.25, what="200-group jackknife error / delta method")


def test_jackknife_error_matches_spread_of_independent_ensembles():
    rng = np.random.default_rng(11)
    truth = np.array([0.6, 0.2])
    ps, errs = [], []
    for _ in range(60):
        p, err = polarization_of_means(synthetic_ensemble(rng, truth, realizations=200), groups=20)
        ps.append(p)
        errs.append(err)
    ps, errs = np.array(ps), np.array(errs)
    spread = ps.std(axis=0, ddof=1)
    assert_close(errs.mean(axis=0), spread, rtol=0.25, what="mean jackknife error / spread")
    # the mean of P over ensembles is the truth (bias O(1/R) negligible)
    for i in range(2):
        assert_within_stderr(ps[:, i].mean(), spread[i] / math.sqrt(60), truth[i], nsigma=3,
                             what=f"mean P at index {i}")


def test_nan_realisations_are_skipped():
    rng = np.random.default_rng(3)
    g = synthetic_ensemble(rng, [0.5, 0.3, 0.1], realizations=60)
    p_ref, err_ref = polarization_of_means(g, groups=10)
    with_nan = np.insert(g, [10, 40], np.nan, axis=0)             # two realisations not run
    p, err = polarization_of_means(with_nan, groups=10)
    assert_close(p, p_ref, rtol=1e-14, what="P with NaN rows")
    assert_close(err, err_ref, rtol=1e-12, what="error with NaN rows")
    # a realisation missing at one length only is skipped there and used elsewhere
    partial = g.copy()
    partial[5, 1, 0, 1] = np.nan
    p_part, _ = polarization_of_means(partial, groups=10)
    assert_close(p_part[1], spin_polarization(np.delete(g[:, 1], 5, axis=0).mean(axis=0)),
                 rtol=1e-13, what="P at the length with a missing realisation")
    assert_close(p_part[[0, 2]], p_ref[[0, 2]], rtol=1e-14, what="P at the other lengths")


def test_polarization_of_means_errors():
    g = synthetic_ensemble(np.random.default_rng(0), [0.5], realizations=10)
    with pytest.raises(ValueError, match="realizations"):
        polarization_of_means(g[0, 0])                              # no realisation axis
    with pytest.raises(ValueError, match="at least 2"):
        polarization_of_means(g[:1])
    with pytest.raises(TypeError):
        polarization_of_means(g, groups=2.0)
    with pytest.raises(ValueError):
        polarization_of_means(g, groups=1)


# ----------------------------------------------------------------------
# D'yakonov-Perel
def test_dp_lengths_exact():
    a, b = math.sqrt(2 * math.sqrt(2) - 1) / 2, math.sqrt(2 * math.sqrt(2) + 1) / 2
    assert_close(a, 0.676097, atol=1e-6, what="a")
    assert_close(b, 0.978318, atol=1e-6, what="b")
    for alpha in (0.05, -0.2):
        k = abs(alpha)
        z, x, y = (dyakonov_perel(alpha, axis) for axis in "zxy")
        assert_close(z.spin_relaxation_length, 1 / (math.sqrt(2) * k), rtol=1e-15, what="L_s,z")
        assert x.spin_relaxation_length == y.spin_relaxation_length == pytest.approx(1 / k,
                                                                                    rel=1e-15)
        for est in (z, x, y):
            assert est.precession_length == pytest.approx(1 / k, rel=1e-15)
            assert est.ilp_l_so == pytest.approx(1 / k, rel=1e-15)
        assert_close(z.spin_relaxation_length, z.ilp_l_so / math.sqrt(2), rtol=1e-15,
                     what="L_s,z = L_so / sqrt 2")
        assert_close(y.injection_decay_length, 1 / k, rtol=1e-15, what="s_y decay")
        assert y.injection_wavenumber == 0.0
        for est in (z, x):
            assert_close(est.injection_decay_length, 1 / (a * k), rtol=1e-14, what="decay")
            assert_close(est.injection_wavenumber, b * k, rtol=1e-14, what="wavenumber")
            u = (est.injection_exponent / k) ** 2
            assert abs(u * u + u + 2) < 1e-12, f"u = {u} does not solve u^2 + u + 2 = 0"
            assert est.injection_exponent.real < 0
        assert abs((y.injection_exponent / k) ** 2 - 1) < 1e-14, "s_y: kappa^2 != K^2"


def test_dp_averages_cancel_on_fermi_contours():
    """L_s^2 = D tau_s from Fermi-contour averages, at several energies (DoS-weighted)."""
    alpha = 0.1
    for energy in (-3.0, -1.5, -0.4):
        # contour -2 (cos kx + cos ky) = E, parametrised by kx; weight dk / |v|
        kx = np.linspace(-math.pi, math.pi, 20001)[1:-1]
        cy = -energy / 2 - np.cos(kx)
        kx, cy = kx[np.abs(cy) < 1], cy[np.abs(cy) < 1]
        ky = np.arccos(cy)
        vx, vy = 2 * np.sin(kx), 2 * np.sin(ky)
        weight = 1 / np.abs(vy)                                   # dk_x / |d E / d k_y|
        wx, wy = 2 * alpha * np.sin(ky), -2 * alpha * np.sin(kx)
        # L_s^2 = D tau_s = <v_x^2> / <Omega^2 component>: tau and the normalisation cancel
        d_over_tau = np.sum(vx**2 * weight)
        ls_z = math.sqrt(d_over_tau / np.sum((wx**2 + wy**2) * weight))
        ls_x = math.sqrt(d_over_tau / np.sum(wy**2 * weight))
        assert_close(ls_z, dyakonov_perel(alpha, "z").spin_relaxation_length, rtol=2e-3,
                     what=f"L_s,z at E = {energy}")
        assert_close(ls_x, dyakonov_perel(alpha, "x").spin_relaxation_length, rtol=2e-3,
                     what=f"L_s,x at E = {energy}")


def spin_diffusion_matrix(k):
    """y' = M y for y = (s_x, s_z, s_x', s_z') of the stationary coupled equations."""
    return np.array([[0, 0, 1, 0],
                     [0, 0, 0, 1],
                     [k**2, 0, 0, -2 * k],          # s_x'' = K^2 s_x - 2K s_z'
                     [0, 2 * k**2, 2 * k, 0]])      # s_z'' = 2K^2 s_z + 2K s_x'


@pytest.mark.parametrize("alpha", [0.08, -0.3])
def test_injection_modes_from_the_ode_eigenvalues(alpha):
    est = dyakonov_perel(alpha, "z")
    eig = np.linalg.eigvals(spin_diffusion_matrix(alpha))
    decaying = eig[eig.real < 0]
    assert decaying.size == 2
    assert_close(-1 / decaying.real, [est.injection_decay_length] * 2, rtol=1e-10,
                 what="decay length from the eigenvalues")
    assert_close(np.sort(np.abs(decaying.imag)), [est.injection_wavenumber] * 2, rtol=1e-10,
                 what="wavenumber from the eigenvalues")
    # s_y'' = K^2 s_y
    eig_y = np.linalg.eigvals(np.array([[0, 1], [alpha**2, 0]]))
    assert_close(-1 / eig_y[eig_y < 0], [dyakonov_perel(alpha, "y").injection_decay_length],
                 rtol=1e-12, what="s_y decay length")


def test_injection_profile_from_a_boundary_value_solution():
    """s_z injected at x = 0, absorbed far away: the solution decays and precesses as stated."""
    alpha = 0.1
    est = dyakonov_perel(alpha, "z")
    far = 40 / alpha
    x = np.linspace(0, far, 2001)

    def bc(ya, yb):
        return np.array([ya[0], ya[1] - 1.0, yb[0], yb[1]])

    sol = integrate.solve_bvp(lambda _, y: spin_diffusion_matrix(alpha) @ y, bc, x,
                              np.zeros((4, x.size)), tol=1e-8, max_nodes=100000)
    assert sol.success
    xs = np.linspace(1 / alpha, 15 / alpha, 300)
    sz = sol.sol(xs)[1]
    # fit exp(-x/decay) (c cos qx + s sin qx) with decay and q free, via a grid in (decay, q)
    best = None
    for decay in np.linspace(0.8, 1.2, 81) * est.injection_decay_length:
        for q in np.linspace(0.8, 1.2, 81) * est.injection_wavenumber:
            basis = np.exp(-xs / decay)[:, None] * np.stack([np.cos(q * xs), np.sin(q * xs)], 1)
            coef, *_ = np.linalg.lstsq(basis, sz, rcond=None)
            cost = np.sum((basis @ coef - sz) ** 2)
            if best is None or cost < best[0]:
                best = (cost, decay, q)
    _, decay, q = best
    assert_close(decay, est.injection_decay_length, rtol=0.006, what="decay length of s_z(x)")
    assert_close(q, est.injection_wavenumber, rtol=0.006, what="wavenumber of s_z(x)")


def test_dp_validity_and_summary():
    est = dyakonov_perel(0.05, "z")
    v = est.validity(2.0)
    assert v["alpha_l"] == pytest.approx(0.1)
    assert v["dyakonov_perel"] is True
    assert v["width_over_spin_length"] is None and v["two_dimensional"] is None
    v = est.validity(20.0, width=10.0)
    assert v["dyakonov_perel"] is False                               # alpha l = 1
    assert_close(v["width_over_spin_length"], 10 * 0.05 * math.sqrt(2), rtol=1e-14,
                 what="W / L_s,z")
    assert v["two_dimensional"] is False
    assert "spin axis z" in est.summary()
    assert isinstance(est, DPEstimate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.rashba = 1.0
    with pytest.raises(ValueError):
        est.validity(-1.0)
    with pytest.raises(TypeError):
        est.validity(2.0, width="wide")


def test_dp_bad_input():
    with pytest.raises(ValueError, match="nonzero"):
        dyakonov_perel(0.0)
    with pytest.raises(ValueError, match="finite"):
        dyakonov_perel(math.nan)
    with pytest.raises(ValueError, match="finite"):
        dyakonov_perel(math.inf)
    with pytest.raises(TypeError):
        dyakonov_perel("0.1")
    with pytest.raises(ValueError, match="'z'"):
        dyakonov_perel(0.1, "w")
    with pytest.raises(TypeError):
        dyakonov_perel(0.1, 3)


# ----------------------------------------------------------------------
# fit_spin_relaxation
def test_diffusive_form_is_the_absorbing_wire_solution():
    """P = (L/L_s)/sinh(L/L_s): s'' = s/L_s^2, s(0) = 1, s(L) = 0; spin over charge current."""
    ls = 7.0
    for length in (3.0, 10.0, 30.0):
        x = np.linspace(0, length, 4001)
        h = x[1] - x[0]
        n = x.size - 2                                     # interior points
        bands = np.empty((3, n))
        bands[0], bands[1], bands[2] = 1 / h**2, -2 / h**2 - 1 / ls**2, 1 / h**2
        rhs = np.zeros(n)
        rhs[0] = -1 / h**2                                 # s(0) = 1
        s = np.concatenate([[1.0], linalg.solve_banded((1, 1), bands, rhs), [0.0]])
        spin_current = -(3 * s[-1] - 4 * s[-2] + s[-3]) / (2 * h)
        charge_current = 1 / length                        # n(x) = 1 - x/L
        fit = SpinRelaxationFit("diffusive", ls, 0.0, 1.0, 0.0, None, None, None, None, 0.0, 1,
                                LENGTHS, LENGTHS, LENGTHS, 1, 1, np.zeros((1, 2)), True)
        assert_close(spin_current / charge_current, fit.predict(length), rtol=1e-5,
                     what=f"P of the absorbing wire at L = {length}")
    assert_close(fit.predict(1e-12), 1.0, rtol=1e-12, what="P(L -> 0)")


@pytest.mark.parametrize("form", FORMS)
def test_fit_recovers_the_truth(form):
    g = synthetic_ensemble(np.random.default_rng(2024), true_polarization(form))
    fit = fit_spin_relaxation(LENGTHS, g, form=form)
    assert fit.success and fit.form == form
    assert fit.realizations == 300 and fit.groups == 20
    assert fit.dof == LENGTHS.size - (4 if form == "precessing" else 2)
    assert_within_stderr(fit.spin_relaxation_length, fit.spin_relaxation_length_err, TRUE_LS,
                         nsigma=3, what=f"L_s ({form})")
    assert_within_stderr(fit.amplitude, fit.amplitude_err, AMPLITUDE[form], nsigma=3,
                         what=f"A ({form})")
    assert fit.spin_relaxation_length_err < 0.05 * TRUE_LS
    if form == "precessing":
        assert_within_stderr(fit.wavenumber, fit.wavenumber_err, TRUE_Q, nsigma=3, what="q")
        assert_within_stderr(fit.phase, fit.phase_err, TRUE_PHI, nsigma=3, what="phi")
    else:
        assert fit.wavenumber is None and fit.phase is None
    assert 0.1 < fit.reduced_chi2 < 3.0, f"chi2/dof = {fit.reduced_chi2:.3g}"
    assert fit.replicates.shape == (20, 4 if form == "precessing" else 2)
    p, err = polarization_of_means(g)
    assert_close(fit.polarization, p, rtol=1e-14, what="P fitted")
    assert_close(fit.polarization_err, err, rtol=1e-14, what="error of P fitted")
    resid = (fit.predict(fit.lengths) - fit.polarization) / fit.polarization_err
    assert_close(np.sum(resid**2), fit.chi2, rtol=1e-9, what="chi2")
    assert "L_s" in fit.summary() and str(fit) == fit.summary()
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.chi2 = 0.0


@pytest.mark.parametrize("form", FORMS)
def test_jackknife_error_of_the_fit_is_calibrated(form):
    """Over 20 independent ensembles the pulls (fit - truth)/err have unit spread."""
    truth = true_polarization(form)
    pulls, reduced = [], []
    for seed in range(20):
        g = synthetic_ensemble(np.random.default_rng(100 + seed), truth, realizations=200)
        fit = fit_spin_relaxation(LENGTHS, g, form=form, groups=20)
        pulls.append((fit.spin_relaxation_length - TRUE_LS) / fit.spin_relaxation_length_err)
        reduced.append(fit.reduced_chi2)
    pulls = np.array(pulls)
    assert 0.6 < pulls.std(ddof=1) < 1.6, f"pull spread {pulls.std(ddof=1):.3g} ({form})"
    assert abs(pulls.mean()) < 3 * 1.6 / math.sqrt(20), f"pull mean {pulls.mean():.3g}"
    # correlated P: diagonal-weighted chi2/dof is below 1 on average, not far above
    assert 0.2 < np.mean(reduced) < 2.0, f"mean chi2/dof {np.mean(reduced):.3g} ({form})"


def test_chi2_per_dof_near_one_for_uncorrelated_lengths():
    reduced = []
    for seed in range(20):
        g = synthetic_ensemble(np.random.default_rng(500 + seed), true_polarization("diffusive"),
                               realizations=200, correlated=0.0)
        reduced.append(fit_spin_relaxation(LENGTHS, g, form="diffusive").reduced_chi2)
    # jackknife weights from 20 groups inflate E[chi2] by about 19/17
    assert 0.8 < np.mean(reduced) < 1.4, f"mean chi2/dof {np.mean(reduced):.3g}"


def test_precessing_fit_recovers_the_dp_injection_mode():
    est = dyakonov_perel(0.06, "z")
    lengths = np.arange(4.0, 64.0, 4.0)
    truth = 0.7 * np.exp(-lengths / est.injection_decay_length) * np.cos(
        est.injection_wavenumber * lengths - 0.5)
    g = synthetic_ensemble(np.random.default_rng(99), truth, realizations=400, noise=0.05)
    fit = fit_spin_relaxation(lengths, g, form="precessing")
    assert_within_stderr(fit.spin_relaxation_length, fit.spin_relaxation_length_err,
                         est.injection_decay_length, nsigma=3, what="decay length")
    assert_within_stderr(fit.wavenumber, fit.wavenumber_err, est.injection_wavenumber, nsigma=3,
                         what="precession wavenumber")


def test_min_length_and_nan_realisations():
    g = synthetic_ensemble(np.random.default_rng(5), true_polarization("exponential"))
    fit = fit_spin_relaxation(LENGTHS, g, form="exponential", min_length=20.0)
    assert fit.lengths[0] >= 20.0 and fit.lengths.size == np.sum(LENGTHS >= 20.0)
    assert_within_stderr(fit.spin_relaxation_length, fit.spin_relaxation_length_err, TRUE_LS,
                         nsigma=3, what="L_s from L >= 20")
    ref = fit_spin_relaxation(LENGTHS, g, form="exponential")
    padded = np.insert(g, [0, 150], np.nan, axis=0)
    again = fit_spin_relaxation(LENGTHS, padded, form="exponential")
    assert again.realizations == ref.realizations
    assert_close(again.spin_relaxation_length, ref.spin_relaxation_length, rtol=1e-10,
                 what="L_s with NaN realisations")
    assert_close(again.spin_relaxation_length_err, ref.spin_relaxation_length_err, rtol=1e-6,
                 what="error with NaN realisations")


def test_fit_bad_input():
    g = synthetic_ensemble(np.random.default_rng(1), true_polarization("diffusive"),
                           realizations=20)
    with pytest.raises(ValueError, match="diffusive.*exponential.*precessing"):
        fit_spin_relaxation(LENGTHS, g, form="gaussian")
    with pytest.raises(TypeError):
        fit_spin_relaxation(LENGTHS, g, form=1)
    with pytest.raises(ValueError, match="increasing"):
        fit_spin_relaxation(LENGTHS[::-1], g)
    with pytest.raises(ValueError, match="positive"):
        fit_spin_relaxation(LENGTHS - 10, g)
    nan_lengths = LENGTHS.copy()
    nan_lengths[3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        fit_spin_relaxation(nan_lengths, g)
    with pytest.raises(TypeError):
        fit_spin_relaxation([str(v) for v in LENGTHS], g)
    with pytest.raises(ValueError, match="lengths"):
        fit_spin_relaxation(LENGTHS[:-1], g)                      # shape mismatch
    with pytest.raises(ValueError, match="shape"):
        fit_spin_relaxation(LENGTHS, g[:, :, 0])
    with pytest.raises(ValueError, match="at least 3"):
        fit_spin_relaxation(LENGTHS[:2], g[:, :2])
    with pytest.raises(ValueError, match="at least 4"):
        fit_spin_relaxation(LENGTHS[:3], g[:, :3], form="precessing")
    with pytest.raises(ValueError, match="at least 3"):
        fit_spin_relaxation(LENGTHS, g, min_length=55.0)
    with pytest.raises(TypeError):
        fit_spin_relaxation(LENGTHS, g, min_length="5")
    with pytest.raises(TypeError):
        fit_spin_relaxation(LENGTHS, g, groups=20.0)
    exact = np.broadcast_to(spin_resolved(true_polarization("diffusive")), g.shape)
    with pytest.raises(ValueError, match="identical realisations"):
        fit_spin_relaxation(LENGTHS, exact)
