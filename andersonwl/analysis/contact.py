"""The contact (Sharvin) resistance of the leads, and the sample conductance without it.

A two-terminal conductance g = G/(e^2/h) of a sample between ideal leads with
N open channels contains the contact resistance of the leads:
1/g = 1/N + 1/g_s, with g_s the conductance of the sample itself (Beenakker,
RMP 69, 731 (1997), Sec. II.A and Eq. 1.4; Datta, *Electronic Transport in
Mesoscopic Systems*, Sec. 2.2).  The conductivity of a sample of length L and
width W is sigma = g_s L / W: wherever andersonwl turns g into a conductivity
or a beta function it removes the contact term by default, realisation by
realisation, and says so in the result.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sample_conductance"]


def sample_conductance(g, channels):
    """g_s = g / (1 - g/N): the two-terminal g without the contact resistance 1/N of the leads.

    Parameters
    ----------
    g : array_like
        Two-terminal conductances in e^2/h (summed over spin), any shape.
    channels : array_like
        Open lead channels N (summed over spin), broadcastable against ``g``.

    Returns
    -------
    numpy.ndarray
        g_s in e^2/h, same shape as ``g``.

    Raises
    ------
    ValueError
        Where g >= N (a ballistic sample has no resistance left to remove).

    Notes
    -----
    1/g = 1/N + 1/g_s (Beenakker, RMP 69, 731 (1997), Sec. II.A).  NaN
    entries (realisations not computed) stay NaN.
    """
    g = np.asarray(g, dtype=float)
    n = np.asarray(channels, dtype=float)
    if np.any(n <= 0):
        raise ValueError("the number of open channels must be positive")
    with np.errstate(invalid="ignore"):
        ballistic = np.broadcast_to(g >= n * (1 - 1e-12), np.broadcast(g, n).shape)
    if np.any(ballistic & ~np.isnan(np.broadcast_to(g, ballistic.shape))):
        raise ValueError("g >= N somewhere (a ballistic sample): no contact resistance can be "
                         "removed; keep the two-terminal g instead")
    return g / (1 - g / n)
