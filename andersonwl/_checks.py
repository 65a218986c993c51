"""Argument checks at the public boundary, with one exception policy.

Policy (stated in ``docs/conventions.md``):

* ``TypeError`` when an argument has the wrong type (a string for a size, a
  float for a seed, a number for a flag);
* ``ValueError`` when it has the right type and a bad value (a negative size,
  NaN, an unknown name, an impossible combination);
* experiment files and dictionaries raise
  :class:`andersonwl.ensemble.ExperimentError`, a ``ValueError``, for both,
  since a file has no Python types.

Each public function checks its arguments once, on entry; the layers below
trust what they are given.  Booleans are never accepted as numbers, and
numbers never as booleans.
"""

from __future__ import annotations

import difflib
import math
from numbers import Integral, Real

import numpy as np

__all__ = ["integer", "real", "boolean", "vector", "choice", "instance", "unknown_key", "closest"]


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def integer(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int within [minimum, maximum].

    Raises TypeError for a non-integer (floats and booleans included) and
    ValueError outside the range.
    """
    if _is_bool(value) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def real(name: str, value, *, minimum: float | None = None, positive: bool = False,
         maximum: float | None = None, finite: bool = True) -> float:
    """``value`` as a Python float, finite by default, optionally bounded.

    ``minimum`` is inclusive; ``positive`` requires ``value > 0``.  Raises
    TypeError for a non-number (booleans included) and ValueError for NaN,
    infinities (when ``finite``) and values out of range.
    """
    if _is_bool(value) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be positive, got {value}")
    if minimum is not None and value < minimum:
        word = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {word}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def boolean(name: str, value) -> bool:
    """``value`` if it is a bool (or NumPy bool); TypeError for anything else ('no', 1, ...)."""
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def vector(name: str, value, length: int) -> tuple:
    """``value`` as a tuple of ``length`` finite floats; TypeError/ValueError otherwise."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a sequence of {length} numbers, got {value!r}")
    if len(value) != length:
        raise ValueError(f"{name} must have {length} components, got {len(value)}: {value!r}")
    return tuple(real(f"{name}[{i}]", v) for i, v in enumerate(value))


def closest(value, options) -> str:
    """``"; did you mean 'x'?"`` for the option closest to ``value``, or ``""``."""
    names = [str(o) for o in options]
    close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.0)
    return f"; did you mean {close[0]!r}?" if close else ""


def choice(name: str, value, options):
    """``value`` if it is one of ``options``; ValueError naming the closest otherwise."""
    if value not in tuple(options):
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"unknown {name} {value!r}{closest(value, options)} "
                         f"(choose one of {listed})")
    return value


def instance(name: str, value, types, what: str | None = None):
    """``value`` if it is an instance of ``types``; TypeError otherwise."""
    if not isinstance(value, types):
        if what is None:
            tup = types if isinstance(types, tuple) else (types,)
            what = " or ".join(t.__name__ for t in tup)
        raise TypeError(f"{name} must be a {what}, got {type(value).__name__}")
    return value


def unknown_key(where: str, key, valid, error=ValueError) -> Exception:
    """The exception for an unknown key ``key`` of a table, naming the closest valid key."""
    valid = list(valid)
    return error(f"{where}: unknown key {key!r}{closest(key, valid)} "
                 f"(valid keys: {', '.join(valid)})")
