"""Reusable physics assertions that say what failed and by how much."""

from __future__ import annotations

import numpy as np


def assert_unitary(s, atol=1e-10, what="S-matrix"):
    s = np.asarray(s)
    dev = np.abs(s.conj().T @ s - np.eye(s.shape[1])).max()
    assert dev < atol, f"{what} is not unitary: max |S^dagger S - 1| = {dev:.3g} > {atol:g}"


def assert_close(actual, expected, *, rtol=0.0, atol=0.0, what="value"):
    """|actual - expected| <= atol + rtol |expected|, element by element for arrays."""
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    if a.ndim == 0 and e.ndim == 0:
        a, e = float(a), float(e)
        tol = atol + rtol * abs(e)
        assert abs(a - e) <= tol, (f"{what}: got {a!r}, expected {e!r} within {tol:.3g} "
                                   f"(difference {a - e:.3g})")
        return
    assert a.shape == e.shape, f"{what}: shape {a.shape}, expected {e.shape}"
    excess = np.abs(a - e) - (atol + rtol * np.abs(e))
    worst = int(np.argmax(excess))
    assert excess.flat[worst] <= 0, (
        f"{what}: element {np.unravel_index(worst, a.shape)} is {a.flat[worst]!r}, expected "
        f"{e.flat[worst]!r} within {atol + rtol * abs(e.flat[worst]):.3g}")


def assert_kramers_pairs(values, atol=1e-9, what="transmission eigenvalues"):
    """Every value appears an even number of times (Kramers degeneracy)."""
    v = np.sort(np.asarray(values))
    assert v.size % 2 == 0, f"{what}: odd count {v.size}, cannot form Kramers pairs"
    dev = np.abs(v[0::2] - v[1::2])
    assert dev.max() < atol, (f"{what} not Kramers degenerate: pair splitting up to "
                              f"{dev.max():.3g} > {atol:g} (pairs {v[0::2][dev.argmax()]}, "
                              f"{v[1::2][dev.argmax()]})")


def assert_within_stderr(mean, stderr, expected, nsigma=4.0, what="mean"):
    """|mean - expected| <= nsigma * stderr: a statistical check with a stated tolerance."""
    dev = abs(mean - expected)
    assert dev <= nsigma * stderr, (f"{what} = {mean:.5g} +- {stderr:.2g} differs from "
                                    f"{expected:.5g} by {dev / stderr:.1f} standard errors "
                                    f"(allowed {nsigma})")
