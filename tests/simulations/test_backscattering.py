"""Coherent backscattering in the reflection matrix: factor 2 (AI), 0 exactly (AII), 1 (A).

Tolerances: on a 20 x 20 strip at W = 3, E = 1.02 (about 3 mean free paths, 40
realisations) the mean over modes of the AI factor measured 2.02, 2.07, 2.18 for three
seeds (spread about 0.08) and the class-A factor (flux 3.2/L^2, about 15 B_phi) 0.86-0.95:
the bands below are about 4 spreads wide.  At W = 2 the sample is only quasi-ballistic and
the AI factor drops to 1.5-1.9 (channels not fully mixed); it is not tested there.  The
AII zero and unitarity are exact, checked to 1e-10.
"""

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.simulations.backscattering import (
    coherent_backscattering,
    enhancement_factors,
    reflection_intensity,
)

DIFFUSIVE = aw.StripModel(length=20, width=20, energy=1.02, disorder=3.0)


def test_orthogonal_factor_two_and_unitary_factor_one():
    ai = coherent_backscattering(DIFFUSIVE, 40, seed=0)
    a = coherent_backscattering(DIFFUSIVE.replace(flux=3.2 / 20 ** 2), 40, seed=0)
    assert ai.operator == "K" and np.array_equal(ai.partner, np.arange(len(ai.labels)))
    assert 1.7 < ai.enhancement.mean() < 2.4, ai.enhancement
    assert 0.6 < a.enhancement.mean() < 1.2, a.enhancement
    assert ai.enhancement.mean() - a.enhancement.mean() > 0.7


def test_symplectic_time_reversed_channel_is_exactly_dark():
    model = aw.StripModel(length=12, width=12, energy=0.95, disorder=3.0, rashba=1.0)
    b = coherent_backscattering(model, 2, seed=5)
    assert b.operator == "i sigma_y K" and b.model.leads == "normal"
    assert b.partner_max < 1e-10, b.partner_max
    # the partner of (up, m) is (down, m)
    for a, t in enumerate(b.partner):
        assert b.labels[t] == ({"up": "down", "down": "up"}[b.labels[a][0]], b.labels[a][1])


@pytest.mark.parametrize("model", [
    DIFFUSIVE.replace(length=8, width=8),
    aw.StripModel(length=8, width=8, energy=0.95, disorder=3.0, rashba=1.0),
    aw.StripModel(length=8, width=8, energy=1.02, disorder=3.0, flux=0.01),
], ids=["AI", "AII", "A"])
def test_reflection_is_unitary_with_the_rgf_conductance(model):
    ri = reflection_intensity(model, 3)
    n = ri.intensity.shape[0]
    g = aw.conductance(ri.model, 3, engine="rgf")
    assert abs(ri.intensity.sum() - (n - g)) < 1e-10 * n
    assert np.all(ri.intensity.sum(axis=0) <= 1 + 1e-12)


def test_spin_conserving_sample_keeps_its_background():
    # spinful without spin-orbit: two identical spin blocks, the opposite-spin block is zero;
    # the background is taken in the spin of T(a), so the factor equals the spinless one
    spinless = coherent_backscattering(DIFFUSIVE.replace(length=10, width=10), 4, seed=1)
    spinful = coherent_backscattering(DIFFUSIVE.replace(length=10, width=10, spinful=True),
                                      4, seed=1)
    n = len(spinless.labels)
    np.testing.assert_allclose(spinful.enhancement[:n], spinless.enhancement, rtol=1e-8)
    np.testing.assert_allclose(spinful.enhancement[n:], spinless.enhancement, rtol=1e-8)


def test_enhancement_factors_by_hand():
    i = np.array([[4.0, 1.0, 2.0], [1.0, 6.0, 2.0], [3.0, 1.0, 8.0]])
    f = enhancement_factors(i, np.arange(3))
    np.testing.assert_allclose(f, [4 / 2, 6 / 1, 8 / 2])


def test_bad_input():
    with pytest.raises(ValueError, match="realizations"):
        coherent_backscattering(DIFFUSIVE, 0)
    with pytest.raises(TypeError):
        reflection_intensity("not a model")
