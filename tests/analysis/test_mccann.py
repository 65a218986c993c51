"""McCann et al. (2006) graphene magnetoconductance: limits, fits and ``andersonwl fit``."""

import math
import re

import numpy as np
import pytest
from assertions import assert_close

from andersonwl.analysis import MODEL_LENGTHS, MODELS, fit_magnetoconductance, mccann
from andersonwl.analysis.wl_formulas import hln, hln_y, model_delta_sigma
from andersonwl.cli import main
from andersonwl.units import characteristic_field

B = np.logspace(-3, 2, 26)            # fields in units of B_phi = 1


# ---------------------------------------------------------------------------
# the formula and its limits
# ---------------------------------------------------------------------------
def test_mccann_is_the_printed_formula():
    # F(z) = ln z + psi(1/2 + 1/z), delta_sigma = (1/pi) [F(B/B_phi) - F(B/(B_phi + 2 B_i))
    # - 2 F(B/(B_phi + B_*))] in e^2/h; away from the series branch of Y (x < 30)
    from scipy import special

    def f(z):
        return np.log(z) + special.psi(0.5 + 1.0 / z)

    bp, bi, bs = 0.4, 0.3, 2.0
    b = np.array([0.1, 0.5, 1.0, 3.0, 10.0])
    printed = (f(b / bp) - f(b / (bp + 2 * bi)) - 2 * f(b / (bp + bs))) / math.pi
    np.testing.assert_allclose(mccann(b, bp, bi, bs), printed, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mccann(b, bp, bi, bs, 0.7), 0.7 * printed, rtol=1e-12,
                               atol=1e-15)
    # even in B, zero at B = 0, scalars in and out
    v = mccann(np.concatenate([-b, [0.0], b]), bp, bi, bs)
    np.testing.assert_array_equal(v[:5], v[6:])
    assert v[5] == 0.0 and isinstance(mccann(0.5, bp, bi, bs), float)


def test_strong_intervalley_and_intravalley_scattering_is_hln_weak_localization():
    # B_i, B_* >> B, B_phi: the last two terms vanish, (1/pi) Y(B_phi/B) = hln(alpha = 1);
    # relative deviation measured 3.5e-6 (B_i = B_* = 1e4 B_phi) and 3.5e-10 (1e6 B_phi)
    np.testing.assert_allclose(mccann(B, 1.0, 1e4, 1e4), hln(B, 1.0, 1.0), rtol=1e-5)
    np.testing.assert_allclose(mccann(B, 1.0, 1e6, 1e6), hln(B, 1.0, 1.0), rtol=1e-9)
    np.testing.assert_allclose(mccann(B, 1.0, 1e6, 1e6), hln_y(1.0 / B) / math.pi, rtol=1e-9)
    assert np.all(mccann(B, 1.0, 1e4, 1e4) > 0), "WL: positive magnetoconductance"


def test_no_intervalley_scattering():
    # B_i = 0: the first two terms cancel exactly, -(2/pi) Y((B_phi + B_*)/B) remains
    np.testing.assert_allclose(mccann(B, 1.0, 0.0, 0.3), -2 / math.pi * hln_y(1.3 / B),
                               rtol=1e-14)
    # B_i -> 0: continuous (the cancelling pair differs by O(B_i))
    np.testing.assert_allclose(mccann(B, 1.0, 1e-9, 0.3), mccann(B, 1.0, 0.0, 0.3),
                               rtol=0, atol=1e-8)
    # and B_* large as well: delta_sigma -> 0 (measured |delta_sigma| <= 2.7e-10 e^2/h
    # for B <= 100 B_phi, B_* = 1e6 B_phi, against hln ~ 1)
    assert np.abs(mccann(B, 1.0, 0.0, 1e6)).max() < 1e-9
    assert np.abs(mccann(B, 1.0, 1e-9, 1e6)).max() < 1e-8


def test_no_symmetry_breaking_is_weak_antilocalization():
    # B_i = B_* = 0: -(2/pi) Y(B_phi/B), HLN with alpha = -2 (exact), negative magnetoconductance
    np.testing.assert_allclose(mccann(B, 1.0, 0.0, 0.0), hln(B, 1.0, -2.0), rtol=1e-15)
    assert np.all(mccann(B, 1.0, 0.0, 0.0) < 0), "WAL: negative magnetoconductance"
    # B_i, B_* -> 0 continuously (relative deviation measured 4e-9 at 1e-9 B_phi)
    np.testing.assert_allclose(mccann(B, 1.0, 1e-9, 1e-9), hln(B, 1.0, -2.0), rtol=1e-8)


def test_weak_field_expansion():
    # Y(x) = 1/(24 x^2) - 7/(960 x^4) + ...: quadratic onset, then the quartic correction
    bp, bi, bs = 1.0, 0.7, 3.0

    def power(n, b):
        return (b / bp) ** n - (b / (bp + 2 * bi)) ** n - 2 * (b / (bp + bs)) ** n

    for b in (1e-2, 1e-3, 1e-4):
        quad = power(2, b) / (24 * math.pi)
        # relative deviation of the quadratic law measured -2.4e-5 at B = 1e-2 B_phi
        assert_close(mccann(b, bp, bi, bs) / quad, 1.0, atol=0.5 * (b / bp) ** 2,
                     what=f"quadratic onset at B = {b:g} B_phi")
        quart = -7 * power(4, b) / (960 * math.pi)
        assert_close(mccann(b, bp, bi, bs) - quad, quart, rtol=1e-3, atol=1e-22,
                     what=f"quartic correction at B = {b:g} B_phi")


def test_mccann_is_a_model():
    assert "mccann" in MODELS and MODEL_LENGTHS["mccann"] == ("l_phi", "l_i", "l_star")
    b = np.linspace(0, 0.01, 11)
    np.testing.assert_array_equal(model_delta_sigma("mccann", b, 1e-3, None, 0.8, b_i=2e-3,
                                                    b_star=5e-2),
                                  mccann(b, 1e-3, 2e-3, 5e-2, 0.8))
    with pytest.raises(ValueError, match="b_i and b_star"):
        model_delta_sigma("mccann", b, 1e-3, 2e-3)


@pytest.mark.parametrize("args, match", [
    ((0.1, 0.0, 1.0, 1.0), "b_phi"),
    ((0.1, -1.0, 1.0, 1.0), "b_phi"),
    ((0.1, float("inf"), 1.0, 1.0), "b_phi"),
    ((0.1, 1.0, -1.0, 1.0), "b_i"),
    ((0.1, 1.0, 1.0, float("nan")), "b_star"),
    (([0.1, float("nan")], 1.0, 1.0, 1.0), "finite"),
])
def test_formula_arguments_are_checked(args, match):
    with pytest.raises(ValueError, match=match):
        mccann(*args)


def test_non_positive_length_is_refused():
    with pytest.raises(ValueError):
        characteristic_field(0.0)
    with pytest.raises(ValueError):
        characteristic_field(-100e-9, "tesla")


# ---------------------------------------------------------------------------
# fits of synthetic data (fixed seeds, stated noise)
# ---------------------------------------------------------------------------
def _within(fit, truth, nsigma=3.0):
    for name, value in truth.items():
        err = fit.errors[name]
        assert 0 < err < math.inf, f"{name}: error {err}"
        assert abs(fit.values[name] - value) <= nsigma * err, (
            f"{fit.model}: {name} = {fit.values[name]:.6g} +- {err:.2g}, expected {value:.6g} "
            f"({abs(fit.values[name] - value) / err:.1f} errors away)")


def _curve(truth, field, units, prefactor=1.0):
    return mccann(field, *(characteristic_field(truth[k], units) for k in MODEL_LENGTHS["mccann"]),
                  prefactor)


def test_fit_recovers_lattice_parameters():
    # L_phi = 30 a, L_i = 12 a, L_* = 5 a; 121 fluxes in [-0.02, 0.02] h/e, noise 1e-3 e^2/h,
    # seed 4 (measured pulls 1.2, 1.4, -1.3)
    rng = np.random.default_rng(4)
    truth = {"l_phi": 30.0, "l_i": 12.0, "l_star": 5.0}
    flux = np.linspace(-0.02, 0.02, 121)
    noise = 1e-3
    y = _curve(truth, flux, "lattice") + rng.normal(0, noise, flux.size)
    fit = fit_magnetoconductance(flux, y, "mccann", sigma_err=np.full(flux.size, noise))
    assert fit.success, fit.message
    assert fit.free == ("l_phi", "l_i", "l_star") and fit.covariance.shape == (3, 3)
    assert set(fit.values) == set(fit.errors) == {"alpha", "l_phi", "l_i", "l_star"}
    assert fit.values["alpha"] == 1.0 and fit.errors["alpha"] == 0.0
    _within(fit, truth)
    assert fit.dof == 118 and fit.p_value > 1e-3
    assert_close(fit.b_i, characteristic_field(fit.values["l_i"]), rtol=1e-14, what="B_i")
    assert_close(fit.b_star, characteristic_field(fit.values["l_star"]), rtol=1e-14,
                 what="B_*")
    assert fit.b_so is None and fit.l_so_convention is None
    np.testing.assert_allclose(fit.predict(flux),
                               mccann(flux, fit.b_phi, fit.b_i, fit.b_star), rtol=1e-14)
    text = fit.summary()
    assert "l_i" in text and "l_star" in text and "B_*" in text and "note" not in text


@pytest.mark.parametrize("kwargs", [{}, {"free_prefactor": True}, {"offset": True}])
def test_fit_recovers_tesla_parameters(kwargs):
    # graphene-like: L_phi = 500 nm, L_i = 250 nm, L_* = 60 nm (B_phi 0.66 mT, B_i 2.6 mT,
    # B_* 46 mT); 201 fields in [-0.1, 0.1] T, noise 0.002 e^2/h, seed 0
    rng = np.random.default_rng(0)
    truth = {"l_phi": 500e-9, "l_i": 250e-9, "l_star": 60e-9}
    field = np.linspace(-0.1, 0.1, 201)
    noise = 0.002
    y = _curve(truth, field, "tesla") + rng.normal(0, noise, field.size)
    fit = fit_magnetoconductance(field, y, "mccann", "tesla", sigma_err=np.full(field.size, noise),
                                 **kwargs)
    assert fit.success, fit.message
    _within(fit, dict(truth, alpha=1.0) if kwargs.get("free_prefactor") else truth)
    if "offset" in kwargs:
        _within(fit, {"offset": 0.0})
    assert fit.free[:1] == (("alpha",) if kwargs.get("free_prefactor") else ("l_phi",))


def test_fixed_prefactor_and_bad_fit_inputs():
    truth = {"l_phi": 500e-9, "l_i": 250e-9, "l_star": 60e-9}
    field = np.linspace(0, 0.1, 51)
    fit = fit_magnetoconductance(field, _curve(truth, field, "tesla", 0.6), "mccann", "tesla",
                                 alpha=0.6)
    for name, value in truth.items():
        assert_close(fit.values[name], value, rtol=1e-5, what=f"{name} with A = 0.6 held")
    y = _curve(truth, field, "tesla")
    with pytest.raises(ValueError, match="positive"):
        fit_magnetoconductance(field, y, "mccann", "tesla", alpha=-1.0)
    with pytest.raises(ValueError, match="at least 4 points"):
        fit_magnetoconductance(field[:3], y[:3], "mccann", "tesla")
    with pytest.raises(ValueError, match="mccann"):
        fit_magnetoconductance(field, y, "mcann", "tesla")


def test_unresolved_elastic_rates_are_noted():
    # a curve with B_* < B_i (L_star > L_i, not physical in McCann et al.): fitted as given,
    # and the summary says so
    truth = {"l_phi": 300e-9, "l_i": 150e-9, "l_star": 300e-9}
    field = np.linspace(0, 0.1, 51)
    fit = fit_magnetoconductance(field, _curve(truth, field, "tesla"), "mccann", "tesla")
    for name, value in truth.items():
        assert_close(fit.values[name], value, rtol=1e-5, what=name)
    assert "note: B_* < B_i" in fit.summary()


# ---------------------------------------------------------------------------
# andersonwl fit --model mccann
# ---------------------------------------------------------------------------
def _printed(out, name):
    m = re.search(rf"^{name} = (\S+) \+- (\S+)", out, re.M)
    assert m, f"{name} not printed in:\n{out}"
    return float(m.group(1)), float(m.group(2))


def test_cli_fit_mccann(tmp_path, capsys):
    # sigma in e^2/h (25 e^2/h + delta_sigma), field in tesla, noise 0.002 e^2/h, seed 1
    rng = np.random.default_rng(1)
    truth = {"l_phi": 500.0, "l_i": 250.0, "l_star": 60.0}                     # nm
    field = np.linspace(-0.1, 0.1, 201)
    sigma = 25.0 + _curve({k: v * 1e-9 for k, v in truth.items()}, field, "tesla")
    sigma += rng.normal(0, 0.002, field.size)
    path = tmp_path / "graphene.csv"
    path.write_text("B_T,sigma\n" + "".join(f"{b:.6f},{s:.9f}\n" for b, s in zip(field, sigma)))
    assert main(["fit", str(path), "--model", "mccann"]) == 0
    text = capsys.readouterr().out
    for name, value in truth.items():
        v, e = _printed(text, name)
        assert abs(v - value) <= 3 * e, f"{name} = {v} +- {e} nm, expected {value}"
    assert "(fixed)" in text and "B_* =" in text and "B_i =" in text
    assert (tmp_path / "graphene_mccann_fit.png").stat().st_size > 1000
    # free prefactor
    out = tmp_path / "free.png"
    assert main(["fit", str(path), "--model", "mccann", "--free-prefactor",
                 "--out", str(out)]) == 0
    alpha, err = _printed(capsys.readouterr().out, "alpha")
    assert abs(alpha - 1.0) <= 3 * err and out.exists()


def test_cli_unknown_model_lists_mccann(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text("B_T,sigma\n" + "".join(f"{0.01 * i:.2f},{25 + 1e-3 * i * i}\n"
                                             for i in range(6)))
    with pytest.raises(SystemExit):
        main(["fit", str(path), "--model", "mcann"])
    assert "mccann" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.csv"]
