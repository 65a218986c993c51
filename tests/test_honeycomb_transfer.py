"""Transfer matrices on zigzag graphene ribbons (atom-column slices of the brick wall).

Checked against the conductance engines (<ln g> = -2 L / xi of a quasi-1D wire, Pichard;
Beenakker RMP 69, 731 (1997), Sec. IV), against class AII's Kramers degeneracy (every
Lyapunov exponent twice), and real against complex arithmetic.  Armchair ribbons and
periodic boundaries are refused before any compute.

Tolerances: xi against the RGF slope within 3 combined standard errors (the transfer
matrix's own and the spread of per-realisation slopes; measured 0.3 %); Kramers pairs to
1e-6 relative (measured 2e-8, rounding of the re-orthogonalisations); arithmetic to 1e-7
(measured 1.7e-8 on the smallest exponent, below 1e-8 on the others).
"""

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.engines import transfer


def test_zigzag_localization_length_matches_the_decay_of_ln_g():
    model = aw.StripModel(10, 8, 0.35, lattice="zigzag", disorder=1.5)
    r = aw.localization_length(model, 0.01)
    assert r.converged and r.width == 8
    assert r.Lambda == pytest.approx(r.xi / model.extent[1])
    lengths = np.array([40, 60, 80, 100, 120])      # cells = lattice constants along x
    slopes = []
    for seed in range(24):
        lng = [np.log(aw.conductance(model.replace(length=int(L)), seed)) for L in lengths]
        slopes.append(np.polyfit(lengths.astype(float), lng, 1)[0])
    slope, err = -np.mean(slopes), np.std(slopes, ddof=1) / np.sqrt(len(slopes))
    combined = np.hypot(err, 2 * r.xi_err / r.xi**2)
    assert abs(slope - 2 / r.xi) < 3 * combined, (slope, 2 / r.xi, combined)


def test_rashba_zigzag_exponents_are_kramers_pairs():
    model = aw.StripModel(10, 8, 0.35, lattice="zigzag", disorder=1.5, rashba=0.5)
    e = aw.localization_length(model, 0.1, max_length=40000).exponents
    assert e.size == 16
    np.testing.assert_allclose(e[0::2], e[1::2], rtol=1e-6)
    spinless = aw.localization_length(model.replace(rashba=0.0, spinful=False,
                                                    spin_orbit=None), 0.1)
    assert spinless.exponents.size == 8


def test_zigzag_real_arithmetic_equals_complex(monkeypatch):
    model = aw.StripModel(1, 6, 0.3, lattice="zigzag", disorder=2.0)
    assert transfer._is_real(model) and not transfer._is_real(model.replace(flux=0.01))
    assert not transfer._is_real(model.replace(spinful=True))
    out = {}
    for dense_max in (64, 0):
        monkeypatch.setattr(transfer, "_DENSE_MAX_ORBITALS", dense_max)
        for real in (True, False):
            monkeypatch.setattr(transfer, "_is_real", lambda m, real=real: real)
            out[dense_max, real] = aw.localization_length(
                model, 0.5, max_length=2048, min_length=2048, seed=3, chunk=500)
    ref = out[64, False].exponents
    for key, r in out.items():
        np.testing.assert_allclose(r.exponents, ref, rtol=1e-7, err_msg=str(key))


def test_armchair_and_periodic_ribbons_are_refused_before_compute():
    with pytest.raises(ValueError, match="armchair"):
        aw.localization_length(aw.StripModel(5, 8, 0.3, lattice="armchair", disorder=1.0))
    with pytest.raises(ValueError, match="hardwall"):
        aw.localization_length(aw.StripModel(5, 8, 0.3, lattice="zigzag", disorder=1.0),
                               boundary="periodic")
    from andersonwl.engines.transfer import segment_exponent
    with pytest.raises(ValueError, match="square-lattice"):
        segment_exponent(aw.StripModel(5, 8, 0.3, lattice="zigzag", disorder=1.0), 0)
