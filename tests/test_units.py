"""andersonwl.units: conversions between lattice units and SI, and their round trips."""

import math

import numpy as np
import pytest
from assertions import assert_close
from scipy import constants

from andersonwl import units as u


def test_constants_are_codata():
    assert u.E_CHARGE == constants.e and u.H_PLANCK == constants.h
    assert_close(u.RESISTANCE_QUANTUM, 25812.80745930, rtol=1e-12, what="h/e^2 (ohm)")
    assert_close(u.CONDUCTANCE_QUANTUM * u.RESISTANCE_QUANTUM, 1.0, rtol=1e-15, what="G0 R_K")


def test_flux_and_tesla():
    a = 1e-9
    # one flux quantum h/e through a 1 nm^2 plaquette is 4135.667... T
    assert_close(u.flux_to_tesla(1.0, a), constants.h / constants.e / a ** 2, rtol=1e-14,
                 what="B of one flux quantum per nm^2")
    assert_close(u.flux_to_tesla(1.0, a), 4135.667696, rtol=1e-9, what="B (T)")
    f = np.array([-0.02, 0.0, 1e-4, 0.3])
    np.testing.assert_allclose(u.tesla_to_flux(u.flux_to_tesla(f, a), a), f, rtol=1e-14)
    np.testing.assert_allclose(u.flux_to_tesla(u.tesla_to_flux(f, 5e-9), 5e-9), f, rtol=1e-14)


def test_lengths_round_trip():
    assert_close(u.lattice_to_metres(40, 2e-9), 80e-9, rtol=1e-15, what="40 a in m")
    x = np.array([1.0, 12.5, 300.0])
    np.testing.assert_allclose(u.metres_to_lattice(u.lattice_to_metres(x, 3e-9), 3e-9), x,
                               rtol=1e-15)


def test_resistance_and_conductance():
    # R_xx = h/e^2 over one square is a sheet conductance of e^2/h
    assert_close(u.resistance_to_sheet_conductance(u.RESISTANCE_QUANTUM), 1.0, rtol=1e-15,
                 what="sigma of R_K")
    # L/W = 2: sigma = (h/e^2) 2 / R
    assert_close(u.resistance_to_sheet_conductance(1000.0, aspect=2.0),
                 2 * u.RESISTANCE_QUANTUM / 1000.0, rtol=1e-15, what="sigma (e^2/h)")
    r = np.array([100.0, 1720.85, 1e5])
    np.testing.assert_allclose(
        u.sheet_conductance_to_resistance(u.resistance_to_sheet_conductance(r, 3.0), 3.0), r,
        rtol=1e-14)
    assert_close(u.conductance_to_e2h(u.e2h_to_conductance(2.5)), 2.5, rtol=1e-15,
                 what="g round trip")
    assert_close(u.conductance_to_e2h(constants.e ** 2 / constants.h), 1.0, rtol=1e-15,
                 what="e^2/h in e^2/h")


def test_characteristic_field_and_length():
    # lattice: phi_x = 1 / (8 pi L^2)
    assert_close(u.characteristic_field(10.0), 1 / (800 * math.pi), rtol=1e-15,
                 what="phi_phi of L = 10 a")
    # tesla: B_x = hbar / (4 e L^2); 1 micrometre gives 0.16456 mT
    assert_close(u.characteristic_field(1e-6, "tesla"), 1.6456e-4, rtol=1e-4,
                 what="B_phi of 1 um (T)")
    for units, lengths in (("lattice", [3.0, 40.0]), ("tesla", [50e-9, 2e-6])):
        lengths = np.array(lengths)
        np.testing.assert_allclose(u.characteristic_length(u.characteristic_field(lengths, units),
                                                           units), lengths, rtol=1e-14)
    assert isinstance(u.characteristic_length(1e-3), float)


@pytest.mark.parametrize("a", [0.5e-9, 4e-9])
def test_lattice_and_si_characteristic_fields_agree(a):
    # phi_x = 1/(8 pi (L/a)^2) per plaquette, converted to tesla, is hbar / (4 e L^2)
    length = 25.0
    b = u.flux_to_tesla(u.characteristic_field(length, "lattice"), a)
    assert_close(b, u.characteristic_field(length * a, "tesla"), rtol=1e-13,
                 what="B_phi from lattice units")


@pytest.mark.parametrize("call, match", [
    (lambda: u.flux_to_tesla(float("nan"), 1e-9), "finite"),
    (lambda: u.flux_to_tesla(0.1, 0.0), "positive"),
    (lambda: u.flux_to_tesla(0.1, [1e-9, 2e-9]), "scalar"),
    (lambda: u.resistance_to_sheet_conductance(0.0), "positive"),
    (lambda: u.resistance_to_sheet_conductance(100.0, aspect=-1), "positive"),
    (lambda: u.characteristic_field(-1.0), "positive"),
    (lambda: u.characteristic_field(1.0, "gauss"), "units"),
    (lambda: u.characteristic_length(float("inf")), "finite"),
])
def test_bad_inputs_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
