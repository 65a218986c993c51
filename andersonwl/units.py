"""Unit conversions for magnetotransport: lattice units and SI, with CODATA constants.

Conventions
-----------
* Lattice units: lattice constant a = 1, lengths in lattice constants, the
  field as the flux per plaquette ``phi = B a^2 / (h/e)`` (the phase around
  one plaquette is 2 pi phi), conductances g = G / (e^2/h) summed over spin.
* SI: fields in tesla, lengths in metres, resistances in ohm.
* Conductance per square (sheet conductance) of a sample of length L (along
  the current) and width W: ``sigma = G L / W``; from a four-terminal
  longitudinal resistance R_xx measured over a length L of a bar of width W,
  ``sigma = (L/W) / R_xx``, in units of e^2/h: ``(h/e^2) (L/W) / R_xx``.
* Characteristic fields of weak localization (Hikami, Larkin, Nagaoka, Prog.
  Theor. Phys. 63, 707 (1980)): a length L_x (L_phi = sqrt(D tau_phi),
  L_so = sqrt(D tau_so), ...) defines ``B_x = hbar / (4 e L_x^2)``, the field
  at which one flux quantum h/(2e) (the Cooperon carries charge 2e) threads an
  area of order 4 pi L_x^2.  In lattice units the same relation reads
  ``phi_x = 1 / (8 pi L_x^2)`` (L_x in lattice constants).

* Temperatures: ``temperature`` in the models and simulations is k_B T in
  units of the hopping t; :func:`kelvin_to_energy` converts from kelvin given
  t in eV.

The constants e, h, hbar and k_B are the exact SI values from :mod:`scipy.constants`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import constants as _c

__all__ = [
    "E_CHARGE", "H_PLANCK", "HBAR", "CONDUCTANCE_QUANTUM", "RESISTANCE_QUANTUM",
    "FIELD_UNITS",
    "flux_to_tesla", "tesla_to_flux",
    "lattice_to_metres", "metres_to_lattice",
    "conductance_to_e2h", "e2h_to_conductance",
    "resistance_to_sheet_conductance", "sheet_conductance_to_resistance",
    "characteristic_field", "characteristic_length",
    "K_BOLTZMANN_EV", "kelvin_to_energy", "energy_to_kelvin",
]

#: elementary charge e in coulomb (exact)
E_CHARGE = _c.e
#: Planck constant h in J s (exact)
H_PLANCK = _c.h
#: reduced Planck constant hbar in J s
HBAR = _c.hbar
#: e^2/h in siemens (one spin-resolved conductance quantum)
CONDUCTANCE_QUANTUM = _c.e ** 2 / _c.h
#: h/e^2 in ohm (the von Klitzing constant, 25812.807... ohm)
RESISTANCE_QUANTUM = _c.h / _c.e ** 2

#: Boltzmann constant k_B in eV/K (exact since 2019)
K_BOLTZMANN_EV = _c.k / _c.e

#: the field units understood by :func:`characteristic_field` and the fits
FIELD_UNITS = ("lattice", "tesla")


def _array(name, value, *, positive=False):
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return arr if arr.ndim else float(arr)


def _lattice_constant(a):
    a = _array("lattice_constant", a, positive=True)
    if np.ndim(a):
        raise ValueError("lattice_constant must be a scalar (metres)")
    return a


def flux_to_tesla(flux, lattice_constant):
    """Field in tesla of a flux per plaquette ``flux`` (in h/e) on a lattice of constant a (m).

    ``B = flux * (h/e) / a^2``.
    """
    a = _lattice_constant(lattice_constant)
    return _array("flux", flux) * (H_PLANCK / E_CHARGE) / a ** 2


def tesla_to_flux(field, lattice_constant):
    """Flux per plaquette in h/e of a field ``field`` (tesla): ``phi = B a^2 / (h/e)``."""
    a = _lattice_constant(lattice_constant)
    return _array("field", field) * a ** 2 / (H_PLANCK / E_CHARGE)


def lattice_to_metres(length, lattice_constant):
    """A length in lattice constants converted to metres."""
    return _array("length", length) * _lattice_constant(lattice_constant)


def metres_to_lattice(length, lattice_constant):
    """A length in metres converted to lattice constants."""
    return _array("length", length) / _lattice_constant(lattice_constant)


def conductance_to_e2h(conductance):
    """A conductance in siemens expressed in units of e^2/h."""
    return _array("conductance", conductance) / CONDUCTANCE_QUANTUM


def e2h_to_conductance(g):
    """A conductance in units of e^2/h expressed in siemens."""
    return _array("g", g) * CONDUCTANCE_QUANTUM


def resistance_to_sheet_conductance(resistance, aspect=1.0):
    """Sheet conductance in e^2/h of a longitudinal resistance (ohm).

    Parameters
    ----------
    resistance : float or array_like
        R_xx in ohm, measured between contacts a distance L apart on a bar of
        width W (a two-terminal resistance of an L x W sample, contacts
        neglected, works the same way).
    aspect : float
        L / W (number of squares between the contacts).

    Returns
    -------
    float or numpy.ndarray
        ``sigma = (h/e^2) (L/W) / R_xx`` in units of e^2/h.
    """
    r = _array("resistance", resistance, positive=True)
    aspect = _array("aspect", aspect, positive=True)
    return RESISTANCE_QUANTUM * aspect / r


def sheet_conductance_to_resistance(sigma, aspect=1.0):
    """Inverse of :func:`resistance_to_sheet_conductance`: R_xx in ohm of sigma in e^2/h."""
    s = _array("sigma", sigma, positive=True)
    aspect = _array("aspect", aspect, positive=True)
    return RESISTANCE_QUANTUM * aspect / s


def _check_units(units):
    if units not in FIELD_UNITS:
        raise ValueError(f"units must be one of {FIELD_UNITS}, got {units!r}")


def _field_constant(units):
    # B_x * L_x^2 for the two unit systems
    _check_units(units)
    return HBAR / (4 * E_CHARGE) if units == "tesla" else 1.0 / (8 * math.pi)


def characteristic_field(length, units="lattice"):
    """Characteristic field B_x = hbar / (4 e L_x^2) of a length L_x (HLN 1980).

    Parameters
    ----------
    length : float or array_like
        L_x > 0: in lattice constants for ``units="lattice"``, in metres for
        ``units="tesla"``.
    units : {"lattice", "tesla"}

    Returns
    -------
    float or numpy.ndarray
        Flux per plaquette in h/e, ``1 / (8 pi L_x^2)``, or the field in tesla,
        ``hbar / (4 e L_x^2)``.
    """
    return _field_constant(units) / _array("length", length, positive=True) ** 2


def characteristic_length(field, units="lattice"):
    """Inverse of :func:`characteristic_field`: L_x = sqrt(hbar / (4 e B_x)).

    In lattice units (``field`` a flux per plaquette in h/e) L_x = 1 / sqrt(8 pi phi_x)
    in lattice constants; in tesla L_x is in metres.
    """
    out = np.sqrt(_field_constant(units) / _array("field", field, positive=True))
    return float(out) if np.ndim(out) == 0 else out


def _hopping(hopping_ev):
    t = _array("hopping_ev", hopping_ev, positive=True)
    if np.ndim(t):
        raise ValueError("hopping_ev must be a scalar (the hopping t in eV)")
    return t


def kelvin_to_energy(kelvin, hopping_ev):
    """k_B T in units of the hopping t, for T in kelvin and t in eV.

    ``k_B T / t = 8.617333e-5 eV/K x T / t``; for example 4.2 K with t = 1 eV
    is 3.6e-4 t.  Negative or NaN temperatures are refused.
    """
    T = _array("kelvin", kelvin)
    if np.any(np.asarray(T) < 0):
        raise ValueError(f"kelvin must be >= 0, got {kelvin!r}")
    return T * K_BOLTZMANN_EV / _hopping(hopping_ev)


def energy_to_kelvin(temperature, hopping_ev):
    """T in kelvin of k_B T = ``temperature`` x t, for t in eV (see :func:`kelvin_to_energy`)."""
    T = _array("temperature", temperature)
    if np.any(np.asarray(T) < 0):
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    return T * _hopping(hopping_ev) / K_BOLTZMANN_EV
