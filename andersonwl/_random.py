"""Counter-based random numbers: every value is a pure function of its labels.

The disorder of a realisation must not depend on the number of workers, the
order of work or the size of the sample it sits in.  Kwant's own tests reach
this with :mod:`kwant.digest` (an MD5 of the site's tag and a salt, about
1.6 microseconds per site in Python).  Here the same idea is vectorised: a
value is a 64-bit integer hash of ``(seed, stream, *coordinates)`` built by
chaining the SplitMix64 finaliser (Steele, Lea and Flood, OOPSLA 2014), so a
whole lattice of values costs one NumPy expression and the RGF engine and the
Kwant builder read the very same numbers.

Streams name what a number is used for (on-site energy, exchange direction,
SU(2) angles, ...).  Two different ``(seed, stream, coordinates)`` labels give
statistically independent values; the same label always gives the same value.
"""

from __future__ import annotations

import numpy as np

from . import _checks

__all__ = ["hash64", "uniform", "normal", "check_seed", "realization_seeds", "SEED_STREAM"]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_MAX_SEED = 2**63 - 1


def check_seed(seed) -> int:
    """Return ``seed`` as a Python int or raise a clear error.

    Seeds are non-negative integers below 2**63 (NumPy integers are accepted,
    booleans and floats are not).
    """
    return _checks.integer("seed", seed, minimum=0, maximum=_MAX_SEED)


def _mix(z):
    # SplitMix64 finaliser: a bijection of uint64 with full avalanche.
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def hash64(seed, stream, *coords):
    """64-bit hash of ``(seed, stream, *coords)``, broadcast over array coordinates.

    Parameters
    ----------
    seed : int
        Realisation seed (non-negative, below 2**63).
    stream : int
        Small integer naming the use of the number.
    *coords : array_like of int
        Non-negative integer labels (site coordinates, bond direction, ...).

    Returns
    -------
    numpy.ndarray of uint64
    """
    with np.errstate(over="ignore"):
        h = _mix(np.uint64(check_seed(seed)) + _GOLDEN)
        h = _mix(h ^ (np.uint64(stream) * _GOLDEN + _M1))
        for c in coords:
            c = np.asarray(c)
            if c.size and (c.dtype.kind not in "iu" or np.any(c < 0)):
                raise ValueError("coordinates must be non-negative integers")
            h = _mix(h ^ (c.astype(np.uint64) + _GOLDEN))
    return np.asarray(h, dtype=np.uint64)


def uniform(seed, stream, *coords):
    """Uniform numbers in [0, 1), 53 random bits each, a pure function of their labels."""
    h = hash64(seed, stream, *coords)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 2.0**53)


def normal(seed, stream, *coords):
    """Standard normal numbers by the Box-Muller transform of two hashed uniforms.

    Uses the streams ``stream`` and ``stream + 1``.
    """
    u1 = uniform(seed, stream, *coords)
    u2 = uniform(seed, stream + 1, *coords)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


#: The stream of realisation seeds (the disorder uses streams below 100).
SEED_STREAM = 1000


def realization_seeds(seed: int, n: int) -> np.ndarray:
    """Disorder seeds of the first ``n`` realisations of an ensemble with base ``seed``.

    The one seed rule of andersonwl, used by every simulation (ensembles,
    sweeps, lifetimes, the Ioffe-Regel estimate): realisation ``r`` has the
    disorder seed ``hash64(seed, SEED_STREAM, r) >> 1``, a pure function of
    (seed, r) below 2**63.  Ensembles with different base seeds do not share
    realisations by accident (as ``seed + r`` would: seed 1 realisation 0 is
    seed 0 realisation 1), and the first ``n`` seeds do not depend on ``n``.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    seed = check_seed(seed)
    n = _checks.integer("n", n, minimum=0)
    h = hash64(seed, SEED_STREAM, np.arange(n, dtype=np.uint64))
    return (h >> np.uint64(1)).astype(np.int64)
