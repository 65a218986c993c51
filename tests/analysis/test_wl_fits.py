"""HLN, HLN-SO and ILP formulas (limits, series), the fit, the plots and ``andersonwl fit``."""

import math
import re

import numpy as np
import pytest
from assertions import assert_close
from scipy import special

from andersonwl.analysis.wl_fits import (
    MagnetoconductanceFit,
    fit_magnetoconductance,
    fit_shared_alpha,
)
from andersonwl.analysis.wl_formulas import _ilp_braces, hln, hln_so, hln_y, ilp
from andersonwl.cli import main
from andersonwl.units import characteristic_field

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


# ---------------------------------------------------------------------------
# Y(x) = psi(1/2 + x) - ln x
# ---------------------------------------------------------------------------
def test_y_weak_field_is_quadratic():
    # Y(x) ~ 1/(24 x^2) (1 - 7/(40 x^2) + ...) for B << B_x
    for x in (1e2, 1e3, 1e6):
        assert_close(hln_y(x) * 24 * x ** 2, 1.0, atol=0.2 / x ** 2, what=f"24 x^2 Y({x:g})")
        assert_close(hln_y(x) * 24 * x ** 2, 1 - 7 / (40 * x ** 2), atol=0.1 / x ** 4 + 1e-15,
                     what=f"24 x^2 Y({x:g}), next order")


def test_y_strong_field_is_logarithmic():
    # Y(x) = -ln x + psi(1/2) + O(x) for B >> B_x
    for x in (1e-4, 1e-6):
        assert_close(hln_y(x) + math.log(x), special.psi(0.5), atol=5 * x,
                     what=f"Y({x:g}) + ln x")


def test_y_series_joins_the_direct_formula():
    x = np.array([20.0, 29.999, 30.0, 30.001, 45.0])
    direct = special.psi(0.5 + x) - np.log(x)
    np.testing.assert_allclose(hln_y(x), direct, rtol=1e-9)
    y = hln_y(np.logspace(-5, 5, 200))
    assert np.all(y > 0) and np.all(np.diff(y) < 0), "Y must be positive and decreasing"
    assert hln_y(np.inf) == 0.0


def test_hln_basic_properties():
    b = np.array([-2e-3, -1e-3, 0.0, 1e-3, 2e-3])
    v = hln(b, 1e-3, 0.5)
    assert v[2] == 0.0
    np.testing.assert_allclose(v, v[::-1], rtol=0, atol=0)             # even in B
    np.testing.assert_allclose(hln(b, 1e-3, -0.25), -0.5 * v, rtol=1e-15)
    assert_close(hln(1.0, 1.0, math.pi), hln_y(1.0), rtol=1e-15, what="alpha = pi")


# ---------------------------------------------------------------------------
# HLN with spin-orbit and ILP: limits
# ---------------------------------------------------------------------------
B = np.logspace(-3, 2, 26)


def test_hln_so_limits():
    np.testing.assert_allclose(hln_so(B, 1.0, 0.0), hln(B, 1.0, 1.0), rtol=1e-14)
    # strong spin-orbit: only the singlet (alpha = -1/2) survives for B << B_so
    np.testing.assert_allclose(hln_so(B, 1.0, 1e7), hln(B, 1.0, -0.5), rtol=1e-5)


def test_ilp_without_spin_orbit_is_hln_weak_localization():
    np.testing.assert_allclose(ilp(B, 1.0, 0.0), hln(B, 1.0, 1.0), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(ilp(B, 0.3, 1e-9), hln(B, 0.3, 1.0), rtol=1e-7)


def test_ilp_strong_spin_orbit_is_hln_antilocalization():
    # B_so / B_phi = 1e5: corrections O(B / B_so) and O(B_phi / B_so)
    np.testing.assert_allclose(ilp(B, 1.0, 1e5), hln(B, 1.0, -0.5), rtol=3e-5)
    assert np.all(ilp(B, 1.0, 1e5) < 0), "WAL: negative magnetoconductance"
    # and it vanishes quadratically at weak field
    b = np.array([1e-4, 2e-4, 4e-4])
    r = ilp(b, 1.0, 0.5) / b ** 2
    np.testing.assert_allclose(r, r[0], rtol=1e-3)


def _knap_term(n, x, s):
    """n-th term (n >= 1) of the Knap et al. series, as printed."""
    a = lambda k: k + 0.5 + x + s  # noqa: E731
    an = a(n)
    return ((3 * an ** 2 + 2 * an * s - 1 - 2 * (2 * n + 1) * s)
            / ((an + s) * a(n - 1) * a(n + 1) - 2 * s * ((2 * n + 1) * an - 1)))


@pytest.mark.parametrize("x, s", [(0.7, 0.0), (0.7, 2.3), (5.0, 0.05), (0.01, 40.0)])
def test_knap_terms_are_traces_of_the_triplet_cooperon(x, s):
    """Each term is Tr M_n^-1 of the triplet Cooperon block in the Landau-level basis
    {(n-1, m=+1), (n, 0), (n+1, -1)}: diagonal a_{n-1}, a_n + s, a_{n+1}, couplings
    sqrt(2 s n), sqrt(2 s (n+1)); n = 0 and n = -1 are the truncated 2x2 and 1x1 blocks."""
    a = lambda k: k + 0.5 + x + s  # noqa: E731
    for n in range(1, 40):
        c1, c2 = math.sqrt(2 * s * n), math.sqrt(2 * s * (n + 1))
        m = np.array([[a(n - 1), c1, 0.0], [c1, a(n) + s, c2], [0.0, c2, a(n + 1)]])
        assert_close(np.trace(np.linalg.inv(m)), _knap_term(n, x, s), rtol=1e-12,
                     what=f"term n={n}")
    m0 = np.array([[a(0) + s, math.sqrt(2 * s)], [math.sqrt(2 * s), a(1)]])
    head = (2 * a(0) + 1 + s) / (a(1) * (a(0) + s) - 2 * s)
    assert_close(np.trace(np.linalg.inv(m0)), head, rtol=1e-12, what="n = 0 block")


def _knap_direct(b, b_phi, b_so, nmax=2_000_000):
    """sigma(B) from the printed series summed term by term (up to a B-independent constant)."""
    x, s = b_phi / b, b_so / b
    a = lambda k: k + 0.5 + x + s  # noqa: E731
    n = np.arange(1, nmax + 1, dtype=float)
    terms = 3 / n - _knap_term(n, x, s)
    total = 2 * terms.sum() - terms[: nmax // 2].sum()        # Richardson: 1/N tail removed
    head = 1 / a(0) + (2 * a(0) + 1 + s) / (a(1) * (a(0) + s) - 2 * s)
    braces = head - total + 2 * math.log(1 / b) + special.psi(0.5 + x)
    return -braces / (2 * math.pi)


@pytest.mark.parametrize("b_phi, b_so", [(1.0, 0.3), (1.0, 5.0), (0.2, 2.0), (0.001, 1.0)])
def test_closed_form_matches_the_series(b_phi, b_so):
    for b1, b2 in ((0.5, 2.0), (0.1, 1.0)):
        direct = _knap_direct(b1, b_phi, b_so) - _knap_direct(b2, b_phi, b_so)
        assert_close(ilp(b1, b_phi, b_so) - ilp(b2, b_phi, b_so), direct, atol=1e-9,
                     what=f"ilp({b1}) - ilp({b2})")


def test_ilp_is_smooth_across_double_roots():
    # for x = 1 the cubic of the series has a double root at s = 0.14738...; the
    # closed form must stay smooth there (divided differences, not residues)
    s = 0.1473839887953883 * (1 + np.array([-1e-6, -1e-9, -1e-12, 0.0, 1e-12, 1e-9, 1e-6]))
    v = _ilp_braces(np.ones_like(s), s)
    slope = (v[-1] - v[0]) / (s[-1] - s[0])
    np.testing.assert_allclose(v, v[3] + slope * (s - s[3]), atol=1e-11)


# ---------------------------------------------------------------------------
# fits of synthetic data (fixed seeds, stated noise)
# ---------------------------------------------------------------------------
def _within(fit, truth, nsigma=4.0):
    for name, value in truth.items():
        err = fit.errors[name]
        assert abs(fit.values[name] - value) <= nsigma * err, (
            f"{fit.model}: {name} = {fit.values[name]:.6g} +- {err:.2g}, expected {value:.6g} "
            f"({abs(fit.values[name] - value) / err:.1f} errors away)")


def test_hln_fit_recovers_lattice_parameters():
    # spinless WL: alpha = 1/2, L_phi = 12 a; Gaussian noise 0.002 e^2/h, seed 1
    rng = np.random.default_rng(1)
    flux = np.linspace(-0.01, 0.01, 81)
    noise = 0.002
    y = hln(flux, characteristic_field(12.0), 0.5) + rng.normal(0, noise, flux.size)
    fit = fit_magnetoconductance(flux, y, "hln", sigma_err=np.full(flux.size, noise))
    assert isinstance(fit, MagnetoconductanceFit) and fit.success
    assert set(fit.values) == set(fit.errors) == {"alpha", "l_phi"}
    _within(fit, {"alpha": 0.5, "l_phi": 12.0})
    assert fit.dof == 79 and 0.001 < fit.p_value < 0.999
    assert_close(fit.reduced_chi2, 1.0, atol=0.4, what="reduced chi2")
    # without errors: same values, errors scaled by sqrt(reduced chi2), no p-value
    plain = fit_magnetoconductance(flux, y, "hln")
    assert plain.p_value is None
    assert_close(plain.values["l_phi"], fit.values["l_phi"], rtol=1e-6, what="l_phi")
    assert_close(plain.errors["l_phi"], fit.errors["l_phi"] * math.sqrt(fit.reduced_chi2),
                 rtol=1e-3, what="scaled error")
    assert "alpha" in fit.summary() and "p =" in str(fit)


@pytest.mark.parametrize("model, truth, free", [
    ("ilp", {"l_phi": 400e-9, "l_so": 150e-9}, False),
    ("ilp", {"l_phi": 400e-9, "l_so": 150e-9, "alpha": 1.0}, True),
    ("hln-so", {"l_phi": 300e-9, "l_so": 120e-9}, False),
])
def test_spin_orbit_fits_recover_tesla_parameters(model, truth, free):
    # Gaussian noise 0.002 e^2/h on 121 fields in [-40, 40] mT, seed 7
    rng = np.random.default_rng(7)
    field = np.linspace(-0.04, 0.04, 121)
    noise = 0.002
    func = ilp if model == "ilp" else hln_so
    y = func(field, characteristic_field(truth["l_phi"], "tesla"),
             characteristic_field(truth["l_so"], "tesla"), truth.get("alpha", 1.0))
    y = y + rng.normal(0, noise, field.size)
    fit = fit_magnetoconductance(field, y, model, units="tesla",
                                 sigma_err=np.full(field.size, noise), free_prefactor=free)
    assert fit.success, fit.message
    _within(fit, truth)
    if not free:
        assert fit.values["alpha"] == 1.0 and fit.errors["alpha"] == 0.0
        assert fit.free == ("l_phi", "l_so")
    assert fit.p_value > 1e-3
    assert fit.covariance.shape == (len(fit.free),) * 2


def test_offset_is_fitted_and_widens_errors():
    rng = np.random.default_rng(3)
    field = np.linspace(0, 0.03, 61)
    bp, bs = characteristic_field(400e-9, "tesla"), characteristic_field(150e-9, "tesla")
    y = ilp(field, bp, bs) + 0.004 + rng.normal(0, 0.001, field.size)
    fit = fit_magnetoconductance(field, y, "ilp", units="tesla", offset=True,
                                 sigma_err=np.full(field.size, 0.001))
    _within(fit, {"l_phi": 400e-9, "l_so": 150e-9, "offset": 0.004})
    assert fit.free == ("l_phi", "l_so", "offset")
    assert_close(fit.predict(0.0), fit.values["offset"], rtol=1e-12, what="predict(0)")


def test_covariance_fit_generalised_least_squares():
    # strongly correlated noise (as in a sweep with common realisations): correlation
    # 0.9^|i-j|, standard deviation 0.003 e^2/h, seed 11
    rng = np.random.default_rng(11)
    flux = np.linspace(2e-4, 4e-3, 12)
    idx = np.arange(flux.size)
    cov = 0.003 ** 2 * 0.9 ** np.abs(idx[:, None] - idx[None, :])
    noise = np.linalg.cholesky(cov) @ rng.normal(size=flux.size)
    y = hln(flux, characteristic_field(7.0), 0.5) + noise
    fit = fit_magnetoconductance(flux, y, "hln", sigma_err=cov)
    _within(fit, {"alpha": 0.5, "l_phi": 7.0})
    assert fit.p_value is not None and fit.sigma_err.shape == cov.shape
    # a diagonal covariance is the same fit as the errors themselves
    err = np.full(flux.size, 0.003)
    a = fit_magnetoconductance(flux, y, "hln", sigma_err=err)
    b = fit_magnetoconductance(flux, y, "hln", sigma_err=np.diag(err ** 2))
    for k in ("alpha", "l_phi"):
        assert_close(a.values[k], b.values[k], rtol=1e-7, what=k)
        assert_close(a.errors[k], b.errors[k], rtol=1e-5, what=f"error of {k}")
    assert_close(a.chi2, b.chi2, rtol=1e-8, what="chi2")


def test_fixed_alpha_resolves_l_phi_of_a_quadratic_curve():
    """A curve that stays below B_phi fixes only alpha / B_phi^2: alpha= resolves L_phi.

    Fields 0.1-0.5 B_phi (L_phi = 8 a, alpha = 1/2), noise 1 % of the largest value, seed 5.
    Free alpha: the relative error of L_phi is large; alpha held at 1/2: L_phi within
    4 standard errors of 8 and its error at least 5 times smaller.
    """
    rng = np.random.default_rng(5)
    bphi = characteristic_field(8.0)
    flux = np.linspace(0.1, 0.5, 9) * bphi
    clean = hln(flux, bphi, 0.5)
    err = np.full(flux.size, 0.01 * clean.max())
    y = clean + rng.normal(0, err)
    free = fit_magnetoconductance(flux, y, sigma_err=err)
    fixed = fit_magnetoconductance(flux, y, sigma_err=err, alpha=0.5)
    assert fixed.free == ("l_phi",) and fixed.values["alpha"] == 0.5
    assert fixed.errors["alpha"] == 0.0 and "(fixed)" in fixed.summary()
    assert abs(fixed.values["l_phi"] - 8.0) < 4 * fixed.errors["l_phi"]
    assert fixed.errors["l_phi"] * 5 < free.errors["l_phi"], (free.errors, fixed.errors)
    # the fixed prefactor of the spin-orbit forms
    bp, bs = characteristic_field(400e-9, "tesla"), characteristic_field(150e-9, "tesla")
    field = np.linspace(0, 0.03, 31)
    fit = fit_magnetoconductance(field, ilp(field, bp, bs, 0.7), "ilp", units="tesla", alpha=0.7)
    assert_close(fit.values["l_phi"], 400e-9, rtol=1e-5, what="ilp l_phi with A = 0.7 held")
    for bad, match in (({"alpha": float("nan")}, "finite"), ({"alpha": True}, "finite"),
                       ({"alpha": 0.5, "free_prefactor": True, "model": "ilp"}, "free_prefactor"),
                       ({"alpha": -1.0, "model": "ilp"}, "positive")):
        with pytest.raises(ValueError, match=match):
            fit_magnetoconductance(flux, y, **bad)


def test_shared_alpha_fit_recovers_a_dephasing_series():
    """Four curves, alpha = 0.5 common, L_phi = 12, 8, 6, 4.5 a; fields up to 0.004 h/e.

    Correlated noise (correlation 0.8^|i-j|, 3 % of each curve's largest value), seed 2.
    Asserted: every parameter within 4 standard errors of the truth; the joint fit resolves
    the L_phi of the widest cusp better than a free-alpha fit of that curve alone.
    """
    rng = np.random.default_rng(2)
    flux = np.geomspace(1e-4, 4e-3, 10)
    idx = np.arange(flux.size)
    corr = 0.8 ** np.abs(idx[:, None] - idx[None, :])
    truth = [12.0, 8.0, 6.0, 4.5]
    curves = []
    for lp in truth:
        clean = hln(flux, characteristic_field(lp), 0.5)
        cov = (0.03 * clean.max()) ** 2 * corr
        curves.append((flux, clean + np.linalg.cholesky(cov) @ rng.normal(size=flux.size), cov))
    fit = fit_shared_alpha(curves)
    assert abs(fit.alpha - 0.5) < 4 * fit.alpha_err, fit.summary()
    for lp, v, e in zip(truth, fit.l_phi, fit.l_phi_err):
        assert abs(v - lp) < 4 * e, f"L_phi {v:.3f} +- {e:.3f}, truth {lp}"
    assert fit.dof == 4 * flux.size - 5 and fit.p_value is not None
    assert_close(fit.b_phi[1], characteristic_field(fit.l_phi[1]), rtol=1e-12, what="B_phi")
    assert [f.values["alpha"] for f in fit.fits] == [fit.alpha] * 4
    alone = fit_magnetoconductance(flux, curves[-1][1], sigma_err=curves[-1][2])
    assert fit.l_phi_err[-1] < alone.errors["l_phi"], (fit.l_phi_err, alone.errors)
    with pytest.raises(ValueError, match="two curves"):
        fit_shared_alpha(curves[:1])
    with pytest.raises(ValueError, match="every curve"):
        fit_shared_alpha([curves[0], curves[1][:2]])


def test_free_prefactor_is_not_negative():
    # WL-shaped data cannot be fitted by ILP with an inverted prefactor
    flux = np.linspace(1e-4, 4e-3, 20)
    fit = fit_magnetoconductance(flux, hln(flux, 2e-4, 0.5), "ilp", free_prefactor=True)
    assert fit.values["alpha"] >= 0.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3], sigma_err=np.eye(3)),
     "shape"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3],
          sigma_err=np.diag([1.0, 1.0, 1.0, -1.0])), "positive definite"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3],
          sigma_err=np.eye(4) + np.diag([0.1, 0.1, 0.1], 1)), "symmetric"),
    (dict(field=[0.1, float("nan"), 0.3, 0.4], delta_sigma=[0, 1, 2, 3]), "NaN"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, np.inf, 3]), "NaN"),
    (dict(field=[0.1, 0.2, 0.3], delta_sigma=[0, 1, 2, 3]), "different lengths"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3], model="hikami"), "unknown model"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3], units="gauss"), "units"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3], sigma_err=[1, 1, 0, 1]),
     "positive"),
    (dict(field=[0.1, 0.2, 0.3, 0.4], delta_sigma=[0, 1, 2, 3], sigma_err=[1, 1]), "length"),
    (dict(field=[0.1, 0.2], delta_sigma=[0, 1]), "at least 3 points"),
    (dict(field=[0.0, 0.0, 0.0, 0.0], delta_sigma=[0, 1, 2, 3]), "non-zero"),
    (dict(field=[[0.1, 0.2], [0.3, 0.4]], delta_sigma=[[0, 1], [2, 3]]), "one-dimensional"),
])
def test_bad_inputs_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_magnetoconductance(**kwargs)


def test_formula_arguments_are_checked():
    with pytest.raises(ValueError, match="b_phi"):
        hln(0.1, -1.0)
    with pytest.raises(ValueError, match="b_so"):
        ilp(0.1, 1.0, float("nan"))
    with pytest.raises(ValueError, match="finite"):
        ilp([0.1, float("nan")], 1.0, 1.0)


def test_plot_fit_returns_a_figure(tmp_path):
    from matplotlib.figure import Figure

    from andersonwl.plotting.magnetoconductance import plot_fit
    flux = np.linspace(0, 0.01, 21)
    fit = fit_magnetoconductance(flux, hln(flux, 3e-4, 0.5) + 1e-4 * np.sin(flux * 1e3), "hln")
    fig = plot_fit(fit)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    fig.savefig(tmp_path / "fit.png")
    assert (tmp_path / "fit.png").stat().st_size > 1000


# ---------------------------------------------------------------------------
# andersonwl fit
# ---------------------------------------------------------------------------
def _printed(out, name):
    m = re.search(rf"^{name} = (\S+) \+- (\S+)", out, re.M)
    assert m, f"{name} not printed in:\n{out}"
    return float(m.group(1)), float(m.group(2))


def test_example_file_is_what_the_generator_writes():
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_example_data",
                                                  EXAMPLES / "make_example_data.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    field, r = gen.make_curve()
    data = np.loadtxt(EXAMPLES / "data" / "wal_example.csv", delimiter=",", comments="#",
                      skiprows=6)
    np.testing.assert_allclose(data[:, 0], field, atol=1e-6)
    np.testing.assert_allclose(data[:, 1], r, atol=1e-5)


@pytest.mark.core
def test_cli_fit_recovers_the_example_parameters(tmp_path, capsys):
    # examples/data/wal_example.csv: ILP with L_phi = 400 nm, L_so = 150 nm, L/W = 2,
    # noise 0.05 ohm on R_xx (see examples/make_example_data.py)
    out = tmp_path / "fit.png"
    assert main(["fit", str(EXAMPLES / "data" / "wal_example.csv"), "--model", "ilp",
                 "--aspect", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for name, truth in (("l_phi", 400.0), ("l_so", 150.0)):
        value, err = _printed(text, name)
        assert abs(value - truth) <= 4 * err, f"{name} = {value} +- {err} nm, expected {truth}"
    offset, err = _printed(text, "offset")
    assert abs(offset) <= 4 * err
    assert out.stat().st_size > 1000


def test_cli_fit_reads_sigma_and_named_columns(tmp_path, capsys):
    # sigma in e^2/h, one sign of field, extra column, header names chosen by --columns
    b = np.linspace(0, 0.02, 41)
    bp = characteristic_field(200e-9, "tesla")
    sigma = 25.0 + hln(b, bp, -0.5)
    path = tmp_path / "curve.csv"
    path.write_text("T_K,sigma,field_T\n" + "".join(f"1.5,{s:.9f},{x:.6f}\n"
                                                      for x, s in zip(b, sigma)))
    assert main(["fit", str(path), "--model", "hln", "--columns", "field_T,sigma"]) == 0
    text = capsys.readouterr().out
    alpha, _ = _printed(text, "alpha")
    l_phi, _ = _printed(text, "l_phi")
    assert_close(alpha, -0.5, atol=1e-3, what="alpha")
    assert_close(l_phi, 200.0, rtol=1e-3, what="l_phi (nm)")
    assert (tmp_path / "curve_hln_fit.png").exists()


@pytest.mark.parametrize("content, line, match", [
    ("B,R\n0.0,100\n0.01,abc\n0.02,101\n0.03,102\n", 3, "not a number"),
    ("# comment\nB,R\n0.0,100\n0.01,100.5\n0.02\n0.03,102\n", 5, "at least 2 columns"),
    ("B,R\n0.0,100\n0.01,nan\n0.02,101\n0.03,102\n", 3, "not finite"),
    ("B,R\n0.0,100\n0.01,-5\n0.02,101\n0.03,102\n", 3, "positive"),
])
def test_cli_fit_malformed_file_names_the_line_and_writes_nothing(tmp_path, capsys, content,
                                                                  line, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["fit", str(path), "--model", "hln"]) == 2
    err = capsys.readouterr().err
    assert f"line {line}" in err and re.search(match, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_cli_fit_bad_options(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text("# B in tesla\nB,R\n" + "".join(f"{x:.3f},{100 + x:.3f}\n"
                                                     for x in range(6)))
    assert main(["fit", str(path), "--aspect", "0"]) == 2
    assert "--aspect" in capsys.readouterr().err
    assert main(["fit", str(path), "--columns", "B,Rxx"]) == 2
    assert "no column 'Rxx'" in capsys.readouterr().err
    assert main(["fit", str(tmp_path / "missing.csv")]) == 2
    with pytest.raises(SystemExit):
        main(["fit", str(path), "--model", "nonsense"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.csv"]


def test_cli_fit_never_guesses_units_or_the_aspect_ratio(tmp_path, capsys):
    """Field units and L/W come from the file or an option; a field in mT is read as mT."""
    data = np.loadtxt(EXAMPLES / "data" / "wal_example.csv", delimiter=",", comments="#",
                      skiprows=6)
    # the example says L/W = 2 in its header: without --aspect the fit uses it (L_phi 400 nm)
    assert main(["fit", str(EXAMPLES / "data" / "wal_example.csv"), "--model", "ilp",
                 "--out", str(tmp_path / "a.png")]) == 0
    l_phi, _ = _printed(capsys.readouterr().out, "l_phi")
    assert abs(l_phi / 400 - 1) < 0.05, l_phi
    # the same curve in mT, without a statement of L/W: refused until --aspect is given
    mt = tmp_path / "mt.csv"
    mt.write_text("B_mT,R_ohm\n" + "".join(f"{1e3 * b:.4f},{r:.5f}\n" for b, r in data))
    assert main(["fit", str(mt), "--model", "ilp"]) == 2
    assert "pass --aspect" in capsys.readouterr().err
    assert main(["fit", str(mt), "--model", "ilp", "--aspect", "2"]) == 0
    l_phi_mt, _ = _printed(capsys.readouterr().out, "l_phi")
    assert abs(l_phi_mt / l_phi - 1) < 1e-6, (l_phi_mt, l_phi)      # read as mT, not tesla
    # no unit anywhere: refused, with the fix
    bare = tmp_path / "bare.csv"
    bare.write_text("B,R\n" + "".join(f"{b:.6f},{r:.5f}\n" for b, r in data))
    assert main(["fit", str(bare), "--aspect", "2"]) == 2
    assert "--field-unit" in capsys.readouterr().err
    # a repeated field is refused, naming the line; a flat curve is reported as such
    dup = tmp_path / "dup.csv"
    dup.write_text("B_T,R\n0.0,100\n0.01,101\n0.01,101.5\n0.02,102\n0.03,103\n")
    assert main(["fit", str(dup), "--aspect", "1"]) == 2
    assert "line 4" in capsys.readouterr().err
    flat = tmp_path / "flat.csv"
    flat.write_text("B_T,R\n" + "".join(f"{0.01 * i:.2f},100\n" for i in range(-5, 6)))
    assert main(["fit", str(flat), "--aspect", "1"]) == 2
    assert "flat curve" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# andersonwl fit on a temperature series
# ---------------------------------------------------------------------------
def _load_generator(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_series_files_are_what_the_generator_writes():
    gen = _load_generator("make_series_data")
    files = sorted((EXAMPLES / "data" / "wl_series").glob("*.csv"))
    assert len(files) == len(gen.TEMPERATURES)
    for i, t in enumerate(gen.TEMPERATURES):
        path = EXAMPLES / "data" / "wl_series" / gen.file_name(t)
        t_read, field, r = gen.make_curve(i)
        data = np.loadtxt(path, delimiter=",", comments="#", skiprows=6)
        np.testing.assert_allclose(data[:, 0], field, rtol=1e-6, atol=0)
        np.testing.assert_allclose(data[:, 1], r, atol=1e-5)
        assert f"# temperature = {t_read:g} K" in path.read_text()


def test_cli_series_recovers_the_dephasing_law(tmp_path, capsys):
    """11 HLN curves (alpha = 1) with Gamma_phi = Gamma_0 + a T + b T^3 and 0.05 ohm noise:
    the exponents come back within 4 standard errors (measured p = 0.994 +- 0.003,
    q = 2.97 +- 0.02), the saturation length within 1 %, and the dominant mechanism goes
    saturation -> T^p -> T^q with temperature."""
    gen = _load_generator("make_series_data")
    files = sorted(str(p) for p in (EXAMPLES / "data" / "wl_series").glob("*.csv"))
    out = tmp_path / "series.png"
    assert main(["fit", *files, "--aspect", "2", "--two-laws", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    m = re.search(r"p = ([-\d.e+]+) \+- ([\d.e+-]+), q = ([-\d.e+]+) \+- ([\d.e+-]+)", text)
    p, dp, q, dq = map(float, m.groups())
    assert abs(p - 1.0) < 4 * dp and abs(q - 3.0) < 4 * dq, text
    sat = float(re.search(r"saturation L_phi = ([\d.]+) nm", text).group(1))
    truth = math.sqrt(gen.D / gen.LAW["gamma_0"]) * 1e9
    assert_close(sat, truth, rtol=0.01, what="saturation L_phi (nm)")
    rows = [line.split() for line in text.splitlines() if re.match(r"\s+[\d.]+\s+[\d.]+ \+-", line)]
    assert [r[-1] for r in rows] == ["saturation"] + ["T^p"] * 8 + ["T^q"] * 2, text
    for row, t in zip(rows, gen.TEMPERATURES):
        value, err = float(row[1]), float(row[3])
        assert abs(value - gen.l_phi(t) * 1e9) < 4 * err + 1e-3 * value, row
    assert out.stat().st_size > 1000


def test_cli_series_temperatures_and_bad_input(tmp_path, capsys):
    gen = _load_generator("make_series_data")
    src = sorted((EXAMPLES / "data" / "wl_series").glob("*.csv"))
    bare = []
    for i, path in enumerate(src[:5]):      # the same curves without the temperature line
        lines = [ln for ln in path.read_text().splitlines() if "temperature" not in ln]
        bare.append(tmp_path / f"c{i}.csv")
        bare[-1].write_text("\n".join(lines) + "\n")
    temps = ",".join(f"{t:g}" for t in gen.TEMPERATURES[:5])
    names = [str(p) for p in bare]
    assert main(["fit", *names, "--aspect", "2"]) == 2
    assert "no '# temperature = T K' line" in capsys.readouterr().err
    for extra, match in ((["--temperatures", "1,2"], "2 values for 5 files"),
                         (["--temperatures", "1,2,3,4,x"], "comma-separated numbers"),
                         (["--temperatures", "1,2,3,4,-1"], "positive"),
                         (["--temperatures", "1,2,3,4,4"], "repeated temperatures"),
                         (["--temperatures", temps, "--two-laws"], "at least 6 curves")):
        assert main(["fit", *names, "--aspect", "2", *extra]) == 2
        assert re.search(match, capsys.readouterr().err)
    assert main(["fit", names[0], names[0], "--temperatures", "1,2"]) == 2
    assert "twice" in capsys.readouterr().err
    assert main(["fit", names[0], "--temperatures", "1"]) == 2
    assert "several files" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in bare]
    # the same curves with --temperatures: exponent p of the single law
    assert main(["fit", *names, "--aspect", "2", "--temperatures", temps]) == 0
    assert "p = " in capsys.readouterr().out
    assert (tmp_path / "series_hln_fit.png").exists()


def test_l_so_is_reported_with_its_convention():
    """hln-so and ilp define B_so differently: one curve, two L_so, each named by its formula."""
    b = np.linspace(0, 0.02, 41)[1:]
    truth = ilp(b, characteristic_field(400e-9, "tesla"), characteristic_field(150e-9, "tesla"))
    fits = {m: fit_magnetoconductance(b, truth, m, "tesla") for m in ("ilp", "hln-so")}
    assert abs(fits["ilp"].values["l_so"] / 150e-9 - 1) < 1e-3
    ratio = fits["hln-so"].values["l_so"] / fits["ilp"].values["l_so"]
    assert abs(ratio - 1) > 0.1, "the two conventions should differ on a Rashba curve"
    for fit in fits.values():
        assert fit.l_so_convention and "convention" in fit.summary()
    assert "in-plane spin relaxation" in fits["ilp"].l_so_convention
    assert "(4/3) B_so" in fits["hln-so"].l_so_convention
    assert fit_magnetoconductance(b, truth, "hln", "tesla").l_so_convention is None
