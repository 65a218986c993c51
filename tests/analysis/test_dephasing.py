import math

import numpy as np
import pytest

from andersonwl.analysis.dephasing import (
    aak_rate,
    dephasing_rate,
    fit_dephasing,
    phase_coherence_length,
)


def test_aak_rate_value_and_validation():
    # g = 100 e^2/h at 1 K: hbar/tau = k_B T ln(50)/100
    rate = aak_rate(1.0, 100.0)
    assert math.isclose(rate * 1.054571817e-34 / 1.380649e-23, math.log(50) / 100, rel_tol=1e-8)
    assert np.allclose(aak_rate([1.0, 2.0], 100.0), [rate, 2 * rate])
    with pytest.raises(ValueError):
        aak_rate(1.0, 1.0)
    with pytest.raises(ValueError):
        aak_rate(-1.0, 100.0)


def synthetic(p=1.0, q=3.0, b=0.02, noise=0.02, seed=0):
    t = np.geomspace(0.3, 20, 14)
    rate = dephasing_rate(t, gamma_0=2e9, a=5e9, p=p, b=b * 5e9, q=q)
    lp = phase_coherence_length(rate, diffusion=0.01)
    rng = np.random.default_rng(seed)
    err = noise * lp
    return t, lp + err * rng.standard_normal(t.size), err


def test_fit_recovers_single_exponent():
    t, lp, err = synthetic(b=0.0)
    fit = fit_dephasing(t, lp, err)
    assert abs(fit.values["p"] - 1.0) < 4 * fit.errors["p"]
    assert fit.errors["p"] < 0.2
    assert fit.p_value > 1e-3
    assert fit.dominant[0] == "saturation" and fit.dominant[-1] == "T^p"


def test_fit_recovers_two_exponents_and_dominance():
    t, lp, err = synthetic(p=1.0, q=3.0, b=0.02, noise=0.005, seed=2)
    fit = fit_dephasing(t, lp, err, two_laws=True)
    assert abs(fit.values["p"] - 1.0) < 4 * fit.errors["p"]
    assert abs(fit.values["q"] - 3.0) < 4 * fit.errors["q"]
    # e-ph (T^3) takes over above T* = (1/0.02)^(1/2) ~ 7 K
    assert fit.dominant[-1] == "T^q"
    assert "T^p" in fit.dominant
    assert np.allclose(fit.l_phi(t), lp, rtol=0.03)


def test_fit_bad_input():
    with pytest.raises(ValueError):
        fit_dephasing([1, 2, 3], [1, 2])
    with pytest.raises(ValueError):
        fit_dephasing([1, 2, 3, 4, 5], [1, 2, np.nan, 1, 1])
    with pytest.raises(ValueError, match="cannot fit"):
        fit_dephasing([1, 2, 3], [1, 2, 3])


def test_fit_probe_series_bad_input():
    import concurrent.futures as cf

    import andersonwl as aw
    from andersonwl.analysis.probe_series import fit_probe_series
    m = aw.StripModel(6, 6, 0.9, disorder=3.0)
    with cf.ThreadPoolExecutor(1) as serial:
        def sweep(model, seed=1, fluxes=(0.01, 0.02)):
            return aw.magnetoconductance(model, fluxes, 6, seed=seed, executor=serial,
                                         symmetrize=False)
        a, b, c = (sweep(m.replace(dephasing=d)) for d in (0.0, 0.1, 0.2))
        with pytest.raises(ValueError, match="three or more"):
            fit_probe_series([a, b])
        with pytest.raises(ValueError, match="more than the dephasing"):
            fit_probe_series([a, b, sweep(m.replace(disorder=2.0, dephasing=0.3))])
        with pytest.raises(ValueError, match="repeated"):
            fit_probe_series([a, b, b])
        with pytest.raises(ValueError, match="realisations"):
            fit_probe_series([a, b, sweep(m.replace(dephasing=0.3), seed=2)])
        with pytest.raises(ValueError, match="groups"):
            fit_probe_series([a, b, c], groups=7)
        with pytest.raises(ValueError, match="two non-zero fluxes"):
            fit_probe_series([a, b, c], max_flux=0.015)
