"""Shared fixtures: the ``engine`` fixture runs a test on every registered conductance engine."""

import sys
from pathlib import Path

import pytest

# the assertion helpers (tests/assertions.py) for the tests in every subdirectory
sys.path.insert(0, str(Path(__file__).parent))

from andersonwl.engines import ENGINES  # noqa: E402


@pytest.fixture(params=list(ENGINES))
def engine(request):
    """Each registered conductance engine (:data:`andersonwl.engines.ENGINES`), by name."""
    return ENGINES[request.param]
