"""Choice of the scaling-fit orders and the Houdayer-Hartmann data collapse (issue 19, item 2).

Synthetic ln Lambda near an SU(2)-like transition: Lambda_c = 1.84, p_c = 5.95,
nu = 2.75, irrelevant exponent y = 1.5, sizes 8..32, disorder 5.6..6.3 (15
values), Gaussian noise of 0.1 % on Lambda (1e-3 on ln Lambda), fixed seeds.
"""

import numpy as np
import pytest
import xarray as xr

from andersonwl.analysis import fss
from andersonwl.analysis.fss import (
    CollapseFit,
    OrderSelection,
    collapse_fit,
    collapse_quality,
    finite_size_scaling,
    select_orders,
)

PC, NU, Y = 5.95, 2.75, 1.5
QC = float(np.log(1.84))
SIZES = (8, 12, 16, 24, 32)
NOISE = 1e-3          # on ln Lambda: 0.1 % on Lambda


def ln_lambda(seed=0, irrelevant=True, noise=NOISE, sizes=SIZES, p=None):
    """Q = F0(x) + L^-y F1(x), x = (W - W_c) L^{1/nu}, F0 quadratic, F1 linear."""
    rng = np.random.default_rng(seed)
    p = np.linspace(5.6, 6.3, 15) if p is None else np.asarray(p, float)
    P, L = np.meshgrid(p, sizes, indexing="ij")
    x = (P - PC) * L ** (1 / NU)
    q = QC - 0.8 * x + 0.1 * x**2
    if irrelevant:
        q = q + L ** -Y * (0.5 + 0.3 * x)
    err = np.full(q.shape, noise)
    q = q + err * rng.standard_normal(q.shape)
    return xr.Dataset({"ln_Lambda": (("disorder", "size"), q),
                       "ln_Lambda_err": (("disorder", "size"), err)},
                      coords={"disorder": p, "size": list(sizes)})


KW = dict(variable="ln_Lambda")


def test_irrelevant_fit_intervals_contain_truth():
    fit = finite_size_scaling(ln_lambda(), n_relevant=2, n_irrelevant=1, nu=2.0, y=2.0,
                              bootstrap=100, rng=1, **KW)
    for key, true in [("critical", PC), ("nu", NU), ("q_c", QC), ("y", Y)]:
        lo, hi = fit.intervals[key]
        assert lo <= true <= hi, (key, fit.values, fit.intervals)
    assert fit.p_value > 0.05


def test_select_orders_needs_and_finds_the_irrelevant_correction():
    ds = ln_lambda()
    sel = select_orders(ds, bootstrap=60, nu=2.0, **KW)
    assert isinstance(sel, OrderSelection)
    assert sel.orders[2] >= 0                       # an irrelevant correction is chosen
    assert sel.chosen.spec["n_irrelevant"] == sel.orders[2]
    assert sel.chosen.p_value >= 0.1
    v, e = sel.chosen.values, sel.chosen.errors
    assert abs(v["critical"] - PC) < 3 * e["critical"], (v, e)
    assert abs(v["nu"] - NU) < 3 * e["nu"], (v, e)
    # the stated rule: fewest parameters among the acceptable fits, then largest p
    good = [r for r in sel.table if r["acceptable"]]
    assert all(r["p_value"] >= 0.1 for r in good)
    row = next(r for r in sel.table if r["orders"] == sel.orders)
    assert row["npar"] == min(r["npar"] for r in good)
    assert row["p_value"] == max(r["p_value"] for r in good if r["npar"] == row["npar"])
    # no acceptable fit lacks the irrelevant correction
    plain = [r for r in sel.table if r["orders"][2] == -1]
    assert plain and all(r["p_value"] < 1e-3 for r in plain)
    assert set(sel.spread) == {"critical", "nu"}
    assert sel.spread["critical"] >= 0 and sel.spread["nu"] >= 0
    assert sel.stable == (sel.spread["critical"] <= 2 * e["critical"]
                          and sel.spread["nu"] <= 2 * e["nu"])
    assert len(sel.table) == 18 and "fewest parameters" in sel.note
    text = sel.summary()
    assert str(sel.orders) in text and "stable" in text


def test_missing_correction_is_detected():
    ds = ln_lambda()
    fit = finite_size_scaling(ds, n_relevant=3, m_relevant=2, nu=2.0, bootstrap=0, **KW)
    assert fit.p_value < 1e-3
    sel = select_orders(ds, candidates=[(2, 1, -1), (3, 1, -1), (3, 2, -1), (4, 2, -1)],
                        bootstrap=0, nu=2.0, **KW)
    assert all(r["p_value"] < 1e-3 for r in sel.table)
    assert "no fit has p >=" in sel.note and not sel.stable
    assert sel.chosen.p_value == max(r["p_value"] for r in sel.table)


def test_failed_candidates_are_recorded(monkeypatch):
    real = fss.finite_size_scaling

    def flaky(data, **kw):
        if kw["n_relevant"] == 3:
            raise RuntimeError("scaling fit did not converge: test")
        return real(data, **kw)

    monkeypatch.setattr(fss, "finite_size_scaling", flaky)
    sel = select_orders(ln_lambda(), candidates=[(2, 1, 1), (3, 1, 1)], bootstrap=10,
                        nu=2.0, **KW)
    bad = next(r for r in sel.table if r["orders"] == (3, 1, 1))
    assert np.isnan(bad["p_value"]) and bad["status"].startswith("failed")
    assert sel.orders == (2, 1, 1)


def test_interval_calibration_for_nu():
    hits = 0
    for seed in range(10):
        fit = finite_size_scaling(ln_lambda(seed=100 + seed), n_relevant=2, n_irrelevant=1,
                                  nu=2.0, y=2.0, bootstrap=30, rng=seed, **KW)
        lo, hi = fit.intervals["nu"]
        hits += lo <= NU <= hi
    assert hits >= 7, hits


def test_collapse_quality_one_parameter_data():
    ds = ln_lambda(irrelevant=False)
    s_true = collapse_quality(ds, critical=PC, nu=NU, **KW)
    assert 0.5 < s_true < 2
    assert collapse_quality(ds, critical=PC, nu=NU / 2, **KW) > 5
    assert collapse_quality(ds, critical=PC + 0.05, nu=NU, **KW) > 5
    assert collapse_quality(ds, critical=PC + 0.02, nu=NU, **KW) > 5


def test_collapse_quality_by_hand():
    # p_c = 1, nu = 1: x = (p - 1) L; master curve y = x + 1, the middle point of L = 2 off by 0.1
    p = np.array([0.0, 1.0, 2.0])
    q = np.array([[0.0, -1.0], [1.0, 1.1], [2.0, 3.0]])       # (disorder, size)
    dims = ("disorder", "size")
    ds = xr.Dataset({"q": (dims, q), "q_err": (dims, np.full((3, 2), 0.1))},
                    coords={"disorder": p, "size": [1, 2]})
    # L = 1 (x = -1, 0, 1) against the lines through the L = 2 points (x = -2, 0, 2):
    #   x = -1: Y = 0.05, dY^2 = 0.005 -> 0.05^2 / 0.015 = 1/6;  x = 0: bracket [0, 2], Y = 1.1,
    #   dY^2 = 0.01 -> 0.5;  x = 1: Y = 2.05 -> 1/6.
    # L = 2: x = -2 and 2 are not bracketed by L = 1; x = 0: Y = 1, dY^2 = 0.01 -> 0.5.
    s = collapse_quality(ds, variable="q", critical=1.0, nu=1.0)
    assert s == pytest.approx((1 / 6 + 0.5 + 1 / 6 + 0.5) / 4)


def test_collapse_fit_recovers_parameters():
    ds = ln_lambda(irrelevant=False)
    res = collapse_fit(ds, critical0=5.9, nu0=2.0, **KW)
    assert isinstance(res, CollapseFit)
    pc, nu, smin = res
    assert 0.5 < smin < 2 and res.n_points > 60
    assert abs(pc - PC) < 3 * res.errors["critical"], res
    assert abs(nu - NU) < 3 * res.errors["nu"], res
    lo, hi = res.intervals["nu"]
    assert lo < nu < hi
    # the convention: at the ends of the interval N (S - S_min) = rise along the profile
    crit_hi = res.intervals["critical"][1]
    scan = np.linspace(nu - 0.05, nu + 0.05, 401)
    prof = min(collapse_quality(ds, critical=crit_hi, nu=v, **KW) for v in scan)
    assert res.n_points * (prof - smin) == pytest.approx(1.0, abs=0.3)


def test_bad_input():
    ds = ln_lambda()
    with pytest.raises(ValueError, match="no variable"):
        select_orders(ds, variable="Lambda")
    with pytest.raises(ValueError, match="no variable"):
        collapse_quality(ds, variable="Lambda", critical=PC, nu=NU)
    with pytest.raises(ValueError, match="no error variable"):
        collapse_fit(ds.drop_vars("ln_Lambda_err"), critical0=PC, nu0=NU, **KW)
    for bad in ([], [(2, 1)], [(0, 1, 0)], [(2, 1, -2)], [(2.0, 1, 0)], 3):
        with pytest.raises(ValueError):
            select_orders(ds, candidates=bad, **KW)
    tiny = ds.isel(disorder=slice(0, 1))             # 5 points: no candidate has dof >= 1
    with pytest.raises(ValueError, match="too few"):
        select_orders(tiny, candidates=[(2, 1, 0)], **KW)
    with pytest.raises(ValueError, match="too few"):
        collapse_quality(tiny, critical=PC, nu=NU, **KW)
    with pytest.raises(ValueError, match="two sizes"):
        collapse_quality(ds.isel(size=[0]), critical=PC, nu=NU, **KW)
    with pytest.raises(ValueError, match="nu"):
        collapse_quality(ds, critical=PC, nu=-1.0, **KW)
    with pytest.raises(ValueError, match="min_p_value"):
        select_orders(ds, min_p_value=1.5, **KW)
    with pytest.raises(TypeError, match="unexpected"):
        select_orders(ds, n_relevant=2, **KW)
    assert np.isinf(collapse_quality(ds, critical=100.0, nu=NU, **KW))  # no overlap


def test_fixed_point_outside_the_data_is_degenerate():
    """A fit whose transition lies outside the scanned window, or whose fixed-point value is
    far from every data point (an SU(2) ladder at 0.5 % gave Lambda_c ~ 1e66), is not
    acceptable; one inside is."""
    from andersonwl.analysis.fss import _inside_data
    P = np.linspace(5.6, 6.3, 8)
    q = np.log(np.linspace(1.5, 2.2, 8))
    assert _inside_data({"critical": 5.95, "q_c": np.log(1.84)}, P, q)
    assert not _inside_data({"critical": 5.54, "q_c": np.log(1.84)}, P, q)
    assert not _inside_data({"critical": 5.95, "q_c": 152.5}, P, q)
