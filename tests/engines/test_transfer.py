"""Transfer-matrix localization lengths: 1D chain, quasi-1D scaling with N, consistency."""

import numpy as np
import pytest
from variants import VARIANTS

import andersonwl as aw
from andersonwl.engines import transfer
from andersonwl.engines.rgf import conductance_vs_length
from andersonwl.engines.transfer import localization_length
from andersonwl.hamiltonian import column_arrays, geometry_of, sample_arrays

# Higher-order (O(W^2) relative) corrections to the weak-disorder 1D formulas,
# measured with this code (12 seeds x 9000 xi each, +-0.3 %; docs/engines.md):
# E = 0: -0.6 % at W = 1, -2.8 % at W = 2;  E = 0.5: -0.4 / -0.8 % at W = 0.5,
# -0.8 .. -1.3 % at W = 1, +1.5 .. +2.2 % at W = 2 (about -1.5 % W^2 + 0.5 % W^4).
# At W = 1 we allow 1.5 %.
W_CHAIN = 1.0
O_W2_ALLOWANCE = 0.015


@pytest.mark.parametrize("energy, expected", [
    (0.0, 105.0 / W_CHAIN**2),                        # Kappus-Wegner band-centre anomaly
    (0.5, 24 * (4 - 0.5**2) / W_CHAIN**2),            # Thouless: 1/xi = W^2 / (24 (4 - E^2))
])
def test_1d_chain_weak_disorder(energy, expected):
    """Tolerance: 3 reported standard errors + the O(W^2) allowance above."""
    r = localization_length(aw.StripModel(1, 1, energy, disorder=W_CHAIN), target_error=0.01,
                            seed=11)
    assert r.converged and r.xi_err <= 0.01 * r.xi
    tol = 3 * r.xi_err + O_W2_ALLOWANCE * expected
    assert abs(r.xi - expected) <= tol, (
        f"xi = {r.xi:.2f} +- {r.xi_err:.2f}, expected {expected:.2f} within {tol:.2f}")
    assert r.Lambda == r.xi and r.exponents.shape == (1,)
    # the anomaly is resolved: E = 0 is not the perturbative 96 / W^2
    if energy == 0.0:
        assert r.xi - 3 * r.xi_err > 96.0 * (1 + O_W2_ALLOWANCE)


def test_target_error_honoured_and_error_estimate_calibrated():
    """Reported errors meet the target and match the scatter over independent seeds.

    With 8 seeds the sample standard deviation is known to about +-25 %, so the
    ratio scatter / mean reported error must lie in [0.45, 1.8].
    """
    m = aw.StripModel(1, 3, 0.4, disorder=4.0)
    res = [localization_length(m, target_error=0.03, seed=s) for s in range(8)]
    assert all(r.converged and r.xi_err <= 0.03 * r.xi for r in res)
    xi = np.array([r.xi for r in res])
    ratio = xi.std(ddof=1) / np.mean([r.xi_err for r in res])
    assert 0.45 <= ratio <= 1.8, f"scatter / reported error = {ratio:.2f}"
    tighter = localization_length(m, target_error=0.01, seed=0)
    assert tighter.xi_err <= 0.01 * tighter.xi and tighter.length_used > res[0].length_used


def test_quasi_1d_xi_grows_linearly_with_channels():
    """xi = (beta N + 2 - beta) l (Beenakker, RMP 69, 731 (1997)), qualitatively.

    Orthogonal class (beta = 1), hard walls, E = 0.5, W = 2: xi / (N + 1) = l must
    be the same for N = 3, 6, 10 within 3 reported errors of the ratio plus 10 %
    (the lattice mean free path itself varies by +-9 % over N = 2 .. 13, measured
    at 3 % precision).  Breaking time reversal (flux 0.05, unitary, beta = 2) must
    raise xi by 2N / (N + 1) within 3 reported errors plus 10 %.
    """
    energy, disorder, target = 0.5, 2.0, 0.04
    ells, errs, xis = [], [], {}
    for width in (4, 8, 12):
        m = aw.StripModel(1, width, energy, disorder=disorder)
        n_open = aw.open_channels(m.replace(length=2))
        r = localization_length(m, target_error=target, seed=3)
        xis[width] = (r, n_open)
        ells.append(r.xi / (n_open + 1))
        errs.append(r.xi_err / (n_open + 1))
    ells, errs = np.array(ells), np.array(errs)
    mean = np.average(ells, weights=errs**-2)
    assert np.all(np.abs(ells - mean) <= 3 * errs + 0.10 * mean), (ells, errs)
    assert xis[4][0].xi < xis[8][0].xi < xis[12][0].xi
    r_ai, n_open = xis[12]
    r_a = localization_length(aw.StripModel(1, 12, energy, disorder=disorder, flux=0.05),
                              target_error=target, seed=3)
    ratio = r_a.xi / r_ai.xi
    ratio_err = ratio * np.hypot(r_a.xi_err / r_a.xi, r_ai.xi_err / r_ai.xi)
    expected = 2 * n_open / (n_open + 1)
    assert abs(ratio - expected) <= 3 * ratio_err + 0.10 * expected, (ratio, ratio_err, expected)


@pytest.mark.parametrize("kw, width", [(dict(), 3), (dict(flux=0.05), 4),
                                       (dict(exchange=0.8), 2), (dict(height=2), 2)],
                         ids=["spinless", "flux", "exchange", "3d-bar"])
def test_same_realisation_as_rgf(kw, width):
    """ln g(L) of the strip with the same seed follows -2 x (accumulated log R_nn).

    Deterministic, realisation by realisation: the RGF conductance of every
    prefix (Kwant-equal) and the transfer-matrix product see the same columns;
    for L >> xi, ln g(L) = -2 sum log|R_nn| + O(1).  Checked where
    |ln g| is 60 .. 250, allowing 6 (a few percent).
    """
    if "height" in kw and "height" not in aw.StripModel.field_names():
        pytest.skip("no 3D bars in this version")
    m = aw.StripModel(1, width, 0.4, disorder=6.0, **kw)
    *_, prod = transfer._iterate(m, 1, False, 1024, chunk=256)   # the final running product
    cols = np.cumsum(prod.record_cols)
    s = np.cumsum(prod.record)
    g = conductance_vs_length(m.replace(length=int(cols[-1])), cols, seed=1)
    sel = (np.log(g) < -60) & (np.log(g) > -250)
    assert sel.sum() >= 10
    dev = np.abs(np.log(g[sel]) + 2 * s[sel])
    assert dev.max() <= 6.0, dev.max()


def test_dense_and_sparse_products_agree(monkeypatch):
    for kw, width in [(dict(), 3), (dict(spin_orbit="su2", flux=0.1), 2),
                      (dict(rashba=0.5), 3)]:
        m = aw.StripModel(1, width, 0.3, disorder=5.0, **kw)
        out = []
        monkeypatch.setattr(transfer, "_Q_MAX_DENSE", 16)
        monkeypatch.setattr(transfer, "_Q_MAX_SPARSE", 16)
        for dense_max in (8, 0):
            monkeypatch.setattr(transfer, "_DENSE_MAX_ORBITALS", dense_max)
            out.append(localization_length(m, 0.5, max_length=2048, min_length=2048, seed=4,
                                           chunk=512))
        assert out[0].length_used == out[1].length_used == 2048
        np.testing.assert_allclose(out[0].exponents, out[1].exponents, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("kw, width, boundary", [
    (dict(), 3, "hardwall"), (dict(), 4, "antiperiodic"), (dict(height=2), 2, "hardwall"),
    (dict(height=3), 3, "periodic")], ids=["2d", "2d-antiperiodic", "3d-2x2", "3d-periodic"])
def test_real_arithmetic_equals_complex(monkeypatch, kw, width, boundary):
    """A real model multiplies real matrices; the complex path gives the same exponents.

    Both product paths (dense groups and sparse columns), against the complex
    arithmetic forced on the same model: equal to rounding.  Each
    re-orthogonalisation loses about 1e-16 e^_SPREAD_BUDGET ~ 1e-9 of the smallest
    exponent (measured 7e-10 relative for the 3 x 3 periodic bar over 2048 columns),
    so 1e-8.  The 2 x 2 bar with hard walls has coinciding neighbours
    (repeated entries of the sparse operator).
    """
    m = aw.StripModel(1, width, 0.3, disorder=5.0, **kw)
    assert transfer._is_real(m)
    assert not transfer._is_real(m.replace(flux=0.25))
    assert not transfer._is_real(aw.StripModel(1, width, 0.3, disorder=5.0, exchange=0.5, **kw))
    out = {}
    monkeypatch.setattr(transfer, "_Q_MAX_DENSE", 16)
    monkeypatch.setattr(transfer, "_Q_MAX_SPARSE", 16)
    for dense_max in (64, 0):
        monkeypatch.setattr(transfer, "_DENSE_MAX_ORBITALS", dense_max)
        for real in (True, False):
            monkeypatch.setattr(transfer, "_is_real", lambda model, real=real: real)
            out[dense_max, real] = localization_length(
                m, 0.5, boundary=boundary, max_length=2048, min_length=2048, seed=4, chunk=512)
    ref = out[64, False].exponents
    for key, r in out.items():
        assert r.length_used == 2048
        np.testing.assert_allclose(r.exponents, ref, rtol=1e-8, atol=1e-12, err_msg=str(key))


def test_periodic_boundaries():
    m = aw.StripModel(1, 6, 0.5, disorder=4.0, spin_orbit="su2")
    r = localization_length(m, 0.05, boundary="periodic", seed=2)
    h = localization_length(m, 0.05, boundary="hardwall", seed=2)
    assert r.converged and h.converged and r.xi != h.xi
    # Kramers pairs in the symplectic SU(2) model: exponents come in degenerate pairs
    e = r.exponents
    assert np.allclose(e[0::2], e[1::2], rtol=0.05, atol=0.01)
    # flux compatible with periodic boundaries (flux * width integer)
    assert localization_length(m.replace(flux=1 / 6), 0.1, boundary="periodic").converged


@pytest.mark.parametrize("name, kw, cls", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_column_arrays_equal_sample_arrays(name, kw, cls):
    m = aw.StripModel(**{**dict(length=9, width=5, energy=0.7, disorder=2.0), **kw})
    geom = geometry_of(m)
    s = sample_arrays(geom, 3, m.disorder, m.flux, m.rashba, m.exchange)
    c = column_arrays(geom, 3, m.disorder, m.flux, m.rashba, m.exchange, 2, 12)
    assert np.array_equal(s.onsite[2:], c.onsite[:7])
    assert np.array_equal(s.hop_x[2:], c.hop_x[:6])
    assert np.array_equal(s.hop_y[2:], c.hop_y[:7])
    p = column_arrays(geom, 3, m.disorder, 0.0, m.rashba, m.exchange, 2, 12, periodic=True)
    assert p.hop_y.shape[1] == m.width and np.array_equal(p.hop_y[:7, :-1], s.hop_y[2:]) \
        or m.flux != 0


def test_clean_bar_does_not_converge():
    r = localization_length(aw.StripModel(1, 3, 0.5), 0.01, max_length=3000)
    assert not r.converged and r.length_used <= 3000


@pytest.mark.parametrize("kwargs, error", [
    (dict(target_error=0), ValueError), (dict(target_error=1.5), ValueError),
    (dict(target_error=True), TypeError), (dict(boundary="open"), ValueError),
    (dict(max_length=0), ValueError), (dict(min_length=-3), ValueError),
    (dict(chunk=2.5), TypeError)])
def test_bad_inputs(kwargs, error):
    with pytest.raises(error):
        localization_length(aw.StripModel(1, 4, 0.5, disorder=3.0), **kwargs)


def test_bad_periodic_and_types():
    with pytest.raises(ValueError, match="at least 3"):
        localization_length(aw.StripModel(1, 2, 0.5, disorder=3.0), boundary="periodic")
    with pytest.raises(ValueError, match="flux"):
        localization_length(aw.StripModel(1, 6, 0.5, disorder=3.0, flux=0.1),
                            boundary="periodic")
    with pytest.raises(ValueError):
        localization_length(aw.StripModel(1, 4, 0.5, disorder=3.0), seed=-1)
    with pytest.raises(TypeError):
        localization_length(dict(width=3))


def _dense_bar(arrays, norbs):
    """Dense H of a finite hard-wall bar from its arrays, built site by site (independent code)."""
    onsite = np.asarray(arrays.onsite)
    shape = onsite.shape[:2]
    k = norbs
    idx = np.arange(shape[0] * shape[1]).reshape(shape)
    h = np.zeros((idx.size * k, idx.size * k), complex)

    def block(a, site):
        return np.asarray(a[site], complex).reshape(k, k)

    for x in range(shape[0]):
        for y in range(shape[1]):
            i = idx[x, y]
            h[i * k:(i + 1) * k, i * k:(i + 1) * k] = block(onsite, (x, y))
            for (dx, dy), hop in (((1, 0), arrays.hop_x), ((0, 1), arrays.hop_y)):
                if x + dx < shape[0] and y + dy < shape[1]:
                    j = idx[x + dx, y + dy]
                    b = block(hop, (x, y))                  # H_{(x,y)+e, (x,y)}
                    h[j * k:(j + 1) * k, i * k:(i + 1) * k] = b
                    h[i * k:(i + 1) * k, j * k:(j + 1) * k] = b.conj().T
    return h


@pytest.mark.parametrize("kw", [dict(flux=0.07), dict(rashba=0.8, flux=0.05),
                                dict(spin_orbit="su2"), dict(exchange=1.2),
                                dict(spin_orbit="su2", exchange=0.7, flux=0.03)],
                         ids=["spinless+flux", "rashba+flux", "su2", "exchange", "su2+exchange"])
def test_transfer_matrices_propagate_exact_eigenvectors(kw):
    """T_x (psi_x, psi_{x-1}) = (psi_{x+1}, psi_x) for an eigenvector of a dense H, to 1e-10.

    With the conjugate bond (V_x instead of V_x^dagger) the residual is 0.3-0.85 for these
    models: for spinless, Peierls and Rashba hoppings it is the Hamiltonian at -phi, for SU(2)
    bonds and exchange another realisation.
    """
    from andersonwl.hamiltonian import column_arrays, geometry_of, sample_arrays
    m = aw.StripModel(9, 5, 0.5, disorder=2.0, **kw)
    geom = geometry_of(m)
    k = m.norbs
    sample = sample_arrays(geom, 3, m.disorder, m.flux, m.rashba, m.exchange)
    w, v = np.linalg.eigh(_dense_bar(sample, k))
    n = m.width * k
    for pick in (len(w) // 3, len(w) // 2):
        energy, psi = w[pick], v[:, pick].reshape(m.length, n)
        cols = column_arrays(geom, 3, m.disorder, m.flux, m.rashba, m.exchange, 0, m.length)
        prev = np.zeros((m.width, k, k), complex) + np.eye(k)           # psi_{-1} = 0 anyway
        ops, _ = transfer._column_operators(cols, prev, energy, k, (m.width,), False)
        t = transfer._dense_transfer(ops, (m.width,))
        for x in range(m.length - 1):
            before = np.concatenate([psi[x], psi[x - 1] if x else np.zeros(n)])
            after = np.concatenate([psi[x + 1], psi[x]])
            resid = np.abs(t[x] @ before - after).max()
            assert resid < 1e-10, f"{kw}: residual {resid:.3g} at column {x}, E = {energy:.4f}"


def test_bar_continues_the_strip_of_the_same_seed():
    """The columns the transfer matrices multiply are the strip's columns, bond by bond."""
    from andersonwl.hamiltonian import column_arrays, geometry_of, sample_arrays
    for kw in (dict(spin_orbit="su2", exchange=0.5), dict(rashba=0.4, flux=0.02)):
        m = aw.StripModel(12, 6, 0.5, disorder=3.0, **kw)
        geom = geometry_of(m)
        s = sample_arrays(geom, 5, m.disorder, m.flux, m.rashba, m.exchange)
        c = column_arrays(geom._replace(length=1), 5, m.disorder, m.flux, m.rashba, m.exchange,
                          0, 40)
        assert np.array_equal(c.onsite[:12], s.onsite)
        assert np.array_equal(c.hop_x[:11], s.hop_x)
        assert np.array_equal(c.hop_y[:12], s.hop_y)
