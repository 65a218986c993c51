"""Statistics shared by the analyses: ensemble reductions, weights, jackknife.

Conventions: variances with ddof = 1; the standard error of a mean of N
independent realisations is std / sqrt(N); grouped-jackknife errors follow
Efron and Tibshirani, *An Introduction to the Bootstrap* (1993), Ch. 11:
sqrt((k - 1)/k sum_j (q_j - q)^2) over the k leave-one-group-out replicates.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["reductions", "whitener", "jackknife_error", "jackknife_groups"]


def reductions(conductance) -> dict:
    """Reductions over the last axis (realisations), skipping NaN.

    Returns ``count``, ``mean``, ``std`` and ``var`` (ddof=1), ``stderr`` (std /
    sqrt(count)) and ``mean_log`` (mean of ln g; -inf if some g == 0).
    """
    g = np.asarray(conductance, dtype=np.float64)
    count = np.sum(~np.isnan(g), axis=-1)
    if np.any(count < 2):
        raise ValueError("every ensemble needs at least 2 realisations")
    mean = np.nanmean(g, axis=-1)
    var = np.nanvar(g, axis=-1, ddof=1)
    std = np.sqrt(var)
    with np.errstate(divide="ignore"):
        mean_log = np.nanmean(np.log(g), axis=-1)
    return dict(count=count, mean=mean, std=std, stderr=std / np.sqrt(count), var=var,
                mean_log=mean_log)


def whitener(sigma_err, n):
    """V -> weighted residuals (along axis 0) for checked errors of n points.

    ``sigma_err``: None (unit weights), standard errors (v / sigma) or a
    positive-definite covariance C = L L^T (L^-1 v).
    """
    if sigma_err is not None and np.ndim(sigma_err) == 2:
        chol = np.linalg.cholesky(sigma_err)
        return lambda v: linalg.solve_triangular(chol, v, lower=True)
    w = np.ones(n) if sigma_err is None else 1.0 / np.asarray(sigma_err)
    return lambda v: v * (w if v.ndim == 1 else w[:, None])


def jackknife_groups(n: int, groups: int) -> np.ndarray:
    """Group label of each of ``n`` realisations: ``groups`` contiguous, nearly equal groups."""
    return np.arange(n) * groups // n


def jackknife_error(replicate_values, value):
    """Grouped-jackknife error sqrt((k - 1)/k sum_j (q_j - q)^2) of a quantity q.

    ``replicate_values`` (k, ...) holds q computed with each group left out,
    ``value`` q from the full ensemble.
    """
    reps = np.asarray(replicate_values, float)
    k = reps.shape[0]
    return np.sqrt((k - 1) / k * np.sum((reps - value) ** 2, axis=0))
