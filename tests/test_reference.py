"""Behaviour kept across the move into subpackages: the same experiments give the same bits.

``tests/data/reference.npz`` holds per-realisation conductances and seeds of
one experiment per model variant, a size ladder and a magnetoconductance
sweep, computed before the move (``tests/data/make_reference.py``, commit
220af29).  With the NumPy and SciPy versions recorded beside them the values
must be bitwise equal; with other versions (other BLAS kernels) equal to
1e-12 relative.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import scipy

import andersonwl as aw

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
import make_reference  # noqa: E402


@pytest.fixture(scope="module")
def recomputed():
    with ThreadPoolExecutor(1) as ex:
        return make_reference.compute(aw.run, aw.magnetoconductance,
                                      lambda f: aw.StripModel(**f), ex)


@pytest.mark.parametrize("name", sorted(np.load(DATA / "reference.npz").files))
def test_same_numbers_as_before_the_move(recomputed, name):
    ref = np.load(DATA / "reference.npz")[name]
    new = np.asarray(recomputed[name])
    assert new.shape == ref.shape, f"{name}: shape {new.shape}, reference {ref.shape}"
    versions = json.loads((DATA / "reference.json").read_text())
    if versions["numpy"] == np.__version__ and versions["scipy"] == scipy.__version__:
        diff = np.flatnonzero(new.view(np.uint64) != ref.view(np.uint64)) \
            if new.dtype == np.float64 else np.flatnonzero(new != ref)
        assert diff.size == 0, (f"{name}: {diff.size} values differ bitwise from the reference, "
                                f"first {new.flat[diff[0]]!r} vs {ref.flat[diff[0]]!r}")
    else:
        np.testing.assert_allclose(new, ref, rtol=1e-12, atol=0,
                                   err_msg=f"{name} differs from the reference")
