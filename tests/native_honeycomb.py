"""An independent Kwant honeycomb for the graphene-ribbon tests (no brick wall in it).

A rectangular cell of four atoms at the positions of
:func:`andersonwl.honeycomb.atom_positions` (zigzag: a x sqrt(3) a; armchair:
sqrt(3) a x a), nearest neighbours from ``lattice.neighbors()`` (Kwant's distance
search), on-site energies looked up by position, and on each bond from ``frm`` to ``to``
the block ``exp(i phi) [-1 + i (alpha/2) (sigma_x d_y - sigma_y d_x)]`` (spinful) or
``-exp(i phi)`` (spinless), d the unit vector ``to.pos - frm.pos`` and phi the phase of the
Landau gauge A = (-B y, 0) along the bond, B = flux per hexagon / (sqrt(3)/2) (the
hexagon's area).
"""

import math

import kwant
import numpy as np

from andersonwl.honeycomb import atom_positions, honeycomb_potential

__all__ = ["native_system", "native_conductance"]

R3 = math.sqrt(3.0)
S0 = np.eye(2)
SX = np.array([[0, 1], [1, 0]], dtype=complex)
SY = np.array([[0, -1j], [1j, 0]], dtype=complex)


def native_system(model, seed):
    """The finalised Kwant system of ``model`` (even ``width``) and its atom index of a position.

    Returns ``(fsyst, index)``, ``index(pos) -> (i, y)`` the integer atom coordinates.
    """
    lat_name = model.lattice
    assert model.width % 2 == 0
    spinful = model.spinful
    if lat_name == "zigzag":
        period, height = (1.0, 0.0), (0.0, R3)

        def index(pos):
            return int(round(2 * pos[0])), int(round(pos[1] / (R3 / 2)))
    else:
        period, height = (R3, 0.0), (0.0, 1.0)

        def index(pos):
            return int(round(pos[0] / (R3 / 2))), int(round(2 * pos[1]))
    basis = [tuple(float(c) for c in atom_positions(lat_name, i, y))
             for y in (0, 1) for i in (0, 1)]
    lat = kwant.lattice.general([period, height], basis, norbs=2 if spinful else 1)
    B = model.flux / (R3 / 2)
    alpha = model.rashba
    unit = S0 if spinful else 1.0

    def inside(length):
        def shape(pos):
            i, row = index(pos)
            return 0 <= row < model.width and (length is None or 0 <= i < 2 * length)
        return shape

    def onsite(site):
        i, row = index(site.pos)
        eps = honeycomb_potential(seed, model.disorder, model.disorder_kind, lat_name,
                                  np.array(i), np.array(row), model.correlation_length)
        return float(eps) * unit

    def hop(to, frm):
        (x1, y1), (x0, y0) = to.pos, frm.pos
        d = np.array([x1 - x0, y1 - y0])
        d /= np.linalg.norm(d)
        phase = np.exp(-2j * np.pi * B * 0.5 * (y0 + y1) * (x1 - x0))
        if not spinful:
            return -phase
        return phase * (-S0 + 0.5j * alpha * (SX * d[1] - SY * d[0]))

    syst = kwant.Builder()
    syst[lat.shape(inside(model.length), basis[0])] = onsite
    syst[lat.neighbors()] = hop
    lead = kwant.Builder(kwant.TranslationalSymmetry((-period[0], 0.0)))
    lead[lat.shape(inside(None), basis[0])] = 0 * unit
    lead[lat.neighbors()] = hop
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    fsyst = syst.finalized()
    assert len(fsyst.sites) == 2 * model.length * model.width
    return fsyst, index


def native_conductance(model, seed):
    """g of ``model`` from :func:`native_system`."""
    fsyst, _ = native_system(model, seed)
    return kwant.smatrix(fsyst, model.energy).transmission(1, 0)
