"""beta(g) of simulated size ladders: signs per class and the perturbative limit.

Squares L = 10, 16, 22 at E = 1 (sizes avoid lead subband thresholds), 300 realisations per
point, one slope of <ln g> against ln L over the whole ladder (window 3) with its joint-
bootstrap error.  Measured (seed 11):

* AI, spinless, contact resistance removed: beta = -0.160 +- 0.038 at W = 4 (ln g_typ = 0.34;
  perturbative -1/(pi g) = -0.226, 1.7 errors away) and -0.86 +- 0.10 at W = 6.
* AII, SU(2) model, two-terminal g: beta = +0.177 +- 0.013 at W = 1 and -5.7 +- 0.3 at W = 12.
  With the contact resistance removed beta(W = 1) = +0.027 +- 0.015: the perturbative
  +1/(pi g) = 0.087 lies between the two estimates, which differ by the g/N contact term
  of these small squares (docs/validation.md).
"""

import numpy as np

import andersonwl as aw
from andersonwl.analysis.beta import perturbative_beta
from andersonwl.simulations.ladders import ladder_beta

SIZES = [10, 16, 22]


def ladder(**model):
    table = dict(length=SIZES, width="length", energy=1.0, **model)
    ds = aw.run({"model": table, "ensemble": {"seed": 11, "realizations": 300},
                 "run": {"workers": 1}}, progress=False)
    return ds


def test_orthogonal_beta_negative_and_perturbative_at_large_g():
    ds = ladder(disorder=[4.0, 6.0])
    b = ladder_beta(ds, size="length", window=3, bootstrap=300)
    beta, err = b.beta.values[:, 0], b.beta_err.values[:, 0]
    assert np.all(beta + 3 * err < 0), (beta, err)          # WL: beta < 0 everywhere
    g = np.exp(b.ln_g_step.values[0, 0])
    pert = perturbative_beta(g, "AI", spin_degeneracy=1)
    assert abs(beta[0] - pert) < 3 * err[0], (beta[0], err[0], pert)


def test_symplectic_beta_changes_sign():
    ds = ladder(disorder=[1.0, 12.0], spin_orbit="su2")
    raw = ladder_beta(ds, size="length", window=3, bootstrap=300, remove_contact=False)
    beta, err = raw.beta.values[:, 0], raw.beta_err.values[:, 0]
    assert beta[0] > 3 * err[0], "no anti-localization at weak disorder"
    assert beta[1] < -3 * err[1], "no localization at strong disorder"
    corrected = ladder_beta(ds, size="length", window=3, bootstrap=300)
    b0, e0 = corrected.beta.values[0, 0], corrected.beta_err.values[0, 0]
    assert b0 > -2 * e0          # still not localizing once the contact term is removed
    g = np.exp(corrected.ln_g_step.values[0, 0])
    # the perturbative value lies between the contact-corrected and the two-terminal slope
    assert b0 - 2 * e0 < perturbative_beta(g, "AII") < beta[0] + 2 * err[0]
