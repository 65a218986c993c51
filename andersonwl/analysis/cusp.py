"""The magnetoconductance cusp: its sign and significance (WL, WAL or none).

Expected cusps (Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980)):
orthogonal class AI, weak localization, delta_g > 0; symplectic class AII
(strong spin-orbit coupling), weak anti-localization, delta_g < 0; unitary
class A, no cusp.  delta_g in e^2/h, summed over spin.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

__all__ = ["classify_cusp", "CUSP_CLASSES", "DEFAULT_NSIGMA"]

#: possible results of :func:`classify_cusp`
CUSP_CLASSES = ("WL", "WAL", "none")
#: default significance threshold of :func:`classify_cusp`, in standard errors
DEFAULT_NSIGMA = 3.0


def classify_cusp(delta_g, delta_g_err=None, *, nsigma: float = DEFAULT_NSIGMA) -> str:
    """Name a magnetoconductance cusp: ``"WL"``, ``"WAL"`` or ``"none"``.

    Parameters
    ----------
    delta_g : array_like or xarray.Dataset
        <g(f) - g(0)> at increasing non-zero fields, or the Dataset of
        :func:`magnetoconductance` (its ``delta_g`` and ``delta_g_err``, by
        increasing flux).  Works the same for delta_sigma.
    delta_g_err : array_like, optional
        Standard errors (required unless a Dataset is given).  Points whose
        error is 0 and value 0 (the zero-field reference) are skipped.
    nsigma : float, optional
        Significance threshold in standard errors (default 3).

    Returns
    -------
    str
        The cusp is the lowest field at which abs(delta_g) >= nsigma * error:
        ``"WL"`` if delta_g > 0 there (positive magnetoconductance, weak
        localization), ``"WAL"`` if delta_g < 0 (weak anti-localization), and
        ``"none"`` if no field reaches the threshold (unitary class, or too
        few realisations to tell).

    Notes
    -----
    The threshold applies to each field separately: with k fields and no
    cusp, the chance of a spurious classification is about k times the
    two-sided Gaussian tail at nsigma (0.27 % per field at 3 sigma).  Taking
    the lowest significant field follows the cusp itself: in a WAL-to-WL
    crossover (weak spin-orbit coupling) the sign at low field is the one
    that names the class.
    """
    if isinstance(delta_g, xr.Dataset):
        ds = delta_g.sortby("flux") if "flux" in delta_g.dims else delta_g
        values, errors = ds["delta_g"].values, ds["delta_g_err"].values
    else:
        if delta_g_err is None:
            raise ValueError("delta_g_err is required unless delta_g is a Dataset")
        values = np.atleast_1d(np.asarray(delta_g, dtype=float))
        errors = np.atleast_1d(np.asarray(delta_g_err, dtype=float))
    if values.ndim != 1 or values.shape != errors.shape:
        raise ValueError(f"delta_g and delta_g_err must be 1-D of the same length, got "
                         f"shapes {values.shape} and {errors.shape}")
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(errors))):
        raise ValueError("delta_g and delta_g_err must be finite (no NaN or inf)")
    if np.any(errors < 0):
        raise ValueError("delta_g_err must be non-negative")
    nsigma = float(nsigma)
    if not (math.isfinite(nsigma) and nsigma > 0):
        raise ValueError(f"nsigma must be positive, got {nsigma}")
    keep = ~((errors == 0) & (values == 0))
    values, errors = values[keep], errors[keep]
    if np.any(errors == 0):
        raise ValueError("a non-zero delta_g has zero error: its significance is undefined")
    for v, e in zip(values, errors):
        if abs(v) >= nsigma * e:
            return "WL" if v > 0 else "WAL"
    return "none"
