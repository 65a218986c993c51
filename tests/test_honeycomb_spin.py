"""Spinful graphene ribbons: spin degeneracy, the Kane-Mele Rashba term, class AII.

The brick-wall construction with spin is checked against an independent Kwant honeycomb
system (bonds found by Kwant's distance search, Rashba term from the site positions), the
spin degeneracy against the spinless ribbon (exact: g doubles), class AII against its
theorems (Kramers degenerate transmission eigenvalues, even clean channel counts, g(B) =
g(-B)), and the Rashba cusp against weak localization of the same ribbon without it.

Tolerances: engine agreements and exact relations to 1e-10 (measured: 1e-13 to 1e-14);
the cusp signs from their standard errors over realisations (stated at the test).
"""

import math

import numpy as np
import pytest
from native_honeycomb import native_conductance, native_system

import andersonwl as aw
from andersonwl.engines.symmetry import find_symmetries
from andersonwl.honeycomb import ribbon_modes, ribbon_thresholds

R3 = math.sqrt(3.0)


def test_every_spinful_bond_is_the_stated_formula():
    # block by block: the brick-wall arrays against the native system's Hamiltonian
    # (the conductance alone cannot tell a global spin rotation of the Rashba term)
    for lattice in ("zigzag", "armchair"):
        model = aw.StripModel(length=4, width=6, energy=0.4, lattice=lattice, disorder=1.0,
                              rashba=0.7, flux=0.05)
        fsyst, index = native_system(model, 2)
        arrays, _ = aw.hamiltonian.model_arrays(model, 2)
        mine = {}
        for x in range(model.length):
            for y in range(model.width):
                for a in (0, 1):
                    for b in (0, 1):
                        blk = arrays.onsite[x, y][2 * a:2 * a + 2, 2 * b:2 * b + 2]
                        mine[(2 * x + a, y), (2 * x + b, y)] = blk
                        if y + 1 < model.width:
                            mine[(2 * x + a, y + 1), (2 * x + b, y)] = \
                                arrays.hop_y[x, y][2 * a:2 * a + 2, 2 * b:2 * b + 2]
                if x + 1 < model.length:
                    mine[(2 * x + 2, y), (2 * x + 1, y)] = arrays.hop_x[x, y][0:2, 2:4]
        native = {}
        for i, site in enumerate(fsyst.sites):
            native[index(site.pos), index(site.pos)] = fsyst.hamiltonian(i, i, params={})
        for i, j in fsyst.graph:
            native[index(fsyst.sites[i].pos), index(fsyst.sites[j].pos)] = \
                fsyst.hamiltonian(i, j, params={})
        for key, h in mine.items():
            if key in native:
                # a gauge transformation separates the two Peierls gauges: compare the
                # spin structure of each bond (|blocks| and the block up to its phase)
                ref = native[key]
                ph = np.vdot(ref, h) / abs(np.vdot(ref, h)) if np.abs(ref).max() else 1
                assert np.abs(h - ph * ref).max() < 1e-12, (lattice, key, h, ref)
            else:
                assert np.abs(h).max() == 0, (lattice, key)      # no bond, no block
        undirected = {frozenset(k) for k, h in mine.items() if k[0] != k[1] and np.abs(h).max()}
        assert undirected == {frozenset(k) for k in native if k[0] != k[1]}


@pytest.mark.parametrize("lattice, energy", [("zigzag", 0.4), ("armchair", 0.55)])
@pytest.mark.parametrize("kw", [
    dict(disorder=1.5, rashba=0.6),
    dict(disorder=1.0, rashba=0.3, flux=0.02),
    dict(disorder=1.2, rashba=0.5, correlation_length=0.8, disorder_kind="gaussian"),
], ids=["rashba", "rashba-flux", "rashba-correlated"])
def test_brick_wall_rashba_equals_an_independent_kwant_honeycomb(lattice, energy, kw):
    model = aw.StripModel(length=6, width=6, energy=energy, lattice=lattice, **kw)
    assert model.spinful and model.norbs == 4
    for seed in (0, 1):
        g = aw.conductance(model, seed, engine="rgf")
        assert abs(g - native_conductance(model, seed)) < 1e-10, (kw, seed)


@pytest.mark.parametrize("lattice, energy", [("zigzag", 0.35), ("armchair", 0.55)])
def test_spinful_ribbon_without_rashba_is_two_copies(lattice, energy):
    spinless = aw.StripModel(9, 8, energy, lattice=lattice, disorder=1.5, flux=0.02)
    spinful = spinless.replace(spinful=True)
    assert spinless.spin_degeneracy == 1 and spinful.spin_degeneracy == 2
    for seed in (0, 1):
        g1 = aw.conductance(spinless, seed)
        for engine in ("rgf", "kwant"):
            assert abs(aw.conductance(spinful, seed, engine=engine) - 2 * g1) < 1e-10
    assert ribbon_modes(spinful.replace(flux=0.0)).nmodes == \
        2 * ribbon_modes(spinless.replace(flux=0.0)).nmodes
    info = find_symmetries(spinful.replace(flux=0.0), 0, patch=4)
    assert info["unitary"] == 4 and info["class"] == "AI", info     # spin rotations + 1
    assert find_symmetries(spinful, 0, patch=4)["class"] == "A"


@pytest.mark.parametrize("lattice", ["zigzag", "armchair"])
@pytest.mark.parametrize("kw", [dict(disorder=1.5), dict(disorder=1.0, flux=0.03),
                                dict(disorder=2.0, correlation_length=1.5)],
                         ids=["box", "flux", "correlated"])
def test_rashba_ribbon_rgf_equals_kwant(lattice, kw):
    model = aw.StripModel(length=9, width=8, energy=0.45, lattice=lattice, rashba=0.5, **kw)
    for seed in (3, 4):
        a = aw.conductance(model, seed, engine="rgf")
        b = aw.conductance(model, seed, engine="kwant")
        assert abs(a - b) < 1e-10 * max(1.0, b), (a, b)


@pytest.mark.parametrize("lattice", ["zigzag", "armchair"])
def test_rashba_ribbon_is_symplectic(lattice):
    model = aw.StripModel(length=10, width=8, energy=0.45, lattice=lattice, disorder=1.5,
                          rashba=0.6)
    info = find_symmetries(model, 1, patch=4)
    assert info["class"] == "AII" and info["t_squared"] == -1, info
    assert aw.symmetry_class(model.replace(flux=0.02), 1, patch=4) == "A"
    for seed in (1, 2):
        tau = np.sort(aw.transmission_eigenvalues(model, seed))
        assert tau.size % 2 == 0 and np.all(tau > -1e-12) and np.all(tau < 1 + 1e-10)
        assert np.abs(tau[0::2] - tau[1::2]).max() < 1e-8, tau     # Kramers pairs
    field = model.replace(flux=0.02)
    s = aw.scattering_matrix(field, 2).data
    assert np.abs(s.conj().T @ s - np.eye(s.shape[0])).max() < 1e-10
    assert abs(aw.conductance(field, 2) - aw.conductance(field.replace(flux=-0.02), 2)) < 1e-10
    tau_b = np.sort(aw.transmission_eigenvalues(field, 2))
    assert np.abs(tau_b[0::2] - tau_b[1::2]).max() > 1e-4      # the field lifts the pairs


@pytest.mark.parametrize("lattice, width", [("zigzag", 8), ("armchair", 8)])
def test_clean_rashba_ribbon_is_quantised_in_kramers_pairs(lattice, width):
    rashba = 0.4
    th = ribbon_thresholds(lattice, width, 0.1, 2.5, rashba)
    assert th.size >= 3
    for e in th[:4]:
        with pytest.raises(ValueError, match="threshold|flat band"):
            aw.conductance(aw.StripModel(5, width, float(e), lattice=lattice,
                                         rashba=rashba), 0)
    seen = set()
    for e in np.linspace(0.12, 2.4, 25):
        if np.min(np.abs(th - e)) < 1e-4:
            continue
        m = aw.StripModel(5, width, float(e), lattice=lattice, rashba=rashba)
        try:
            g = aw.conductance(m, 0)
        except ValueError as exc:
            assert "no open channel" in str(exc)
            continue
        n = ribbon_modes(m).nmodes
        assert abs(g - n) < 1e-8 and n % 2 == 0, (e, g, n)
        seen.add(n)
    assert len(seen) >= 3, seen


@pytest.mark.parametrize("kw, words", [
    (dict(spin_orbit="su2"), "su2"),
    (dict(rashba=0.3, spinful=False), "spinful=False"),
    (dict(exchange=0.2, rashba=0.3), "exchange"),
    (dict(zeeman=(0, 0, 0.1)), "zeeman"),
    (dict(rashba=0.3, leads="normal"), "normal"),
    (dict(rashba=0.3, energy=3.4), "outside the clean band"),
])
def test_bad_spin_input_on_a_ribbon_is_refused(kw, words):
    args = dict(length=5, width=8, energy=0.3, lattice="zigzag")
    args.update(kw)
    with pytest.raises(ValueError, match=words):
        aw.StripModel(**args)


def test_rashba_turns_the_ribbon_cusp_from_weak_localization_to_antilocalization():
    # the same white-noise ribbon (zigzag, 16 chains = 13.9 a wide, 16 a long, W = 1.5, 300
    # realisations, the same disorder at every flux), each at an energy midway between two
    # thresholds of its own leads: spin-degenerate (class AI) it localizes weakly, with
    # Rashba coupling alpha = 1 (class AII, spin relaxed within the sample) it antilocalizes.
    # Measured at 0.5 and 1 flux quantum through the sample, in standard errors of the
    # paired differences: delta_g +7.2, +7.0 and delta_sigma +4.2, +4.9 (AI); delta_g -12.4,
    # -14.7 and delta_sigma -12.7, -14.6 (AII).  Asserted: each sign at 4 standard errors
    # (2.5 for the noisier delta_sigma of AI, whose contact correction g/(1 - g/N) amplifies
    # the fluctuations).
    from andersonwl.honeycomb import between_thresholds
    signs = {}
    for alpha in (0.0, 1.0):
        energy = between_thresholds("zigzag", 16, 0.25, 0.6, alpha)
        model = aw.StripModel(16, 16, energy, lattice="zigzag", disorder=1.5, spinful=True,
                              rashba=alpha)
        area = model.extent[0] * model.extent[1]
        quantum = (R3 / 2) / area                   # flux per hexagon of h/e in the sample
        ds = aw.magnetoconductance(model, [0.5 * quantum, quantum], 300, seed=1,
                                   symmetrize=False)
        assert np.all(ds.open_channels.values == ds.open_channels.values[0])
        z = ds.delta_g.values[1:] / ds.delta_g_err.values[1:]
        zs = ds.delta_sigma.values[1:] / ds.delta_sigma_err.values[1:]
        signs[aw.symmetry_class(model.replace(disorder=1.5), 0, patch=4)] = (z, zs)
    assert set(signs) == {"AI", "AII"}
    assert np.all(signs["AI"][0] > 4) and np.all(signs["AI"][1] > 2.5), signs
    assert np.all(signs["AII"][0] < -4) and np.all(signs["AII"][1] < -4), signs


def test_spin_resolved_conductances_are_refused_on_a_ribbon():
    model = aw.StripModel(5, 8, 0.3, lattice="zigzag", rashba=0.3)
    with pytest.raises(ValueError, match="square lattice"):
        aw.spin_conductances(model, 0)


def _native_dephased_conductance(model, seed, gamma):
    """g_eff with a voltage probe on every atom, from the native Kwant honeycomb and a dense G.

    Independent of the probes engine: the Hamiltonian of :func:`_native_spinful_system`,
    Kwant's lead self-energies, G = (E - H - Sigma_L - Sigma_R + i gamma/2)^-1 by a dense
    inverse, T_ij = Tr[Gamma_i G Gamma_j G^dagger] (Fisher and Lee) with Gamma_p = gamma on
    the two spin orbitals of atom p, and the probe voltages of zero probe currents
    (Buttiker, PRB 33, 3020 (1986)).
    """
    fsyst, _ = native_system(model, seed)
    h = fsyst.hamiltonian_submatrix(params={})
    n = h.shape[0]
    a = model.energy * np.eye(n) - h + 0.5j * gamma * np.eye(n)
    gammas = []
    for lead, iface in zip(fsyst.leads, fsyst.lead_interfaces):
        sig = lead.selfenergy(model.energy)
        orbs = np.concatenate([[2 * s, 2 * s + 1] for s in iface])
        a[np.ix_(orbs, orbs)] -= sig
        gm = np.zeros((n, n), dtype=complex)
        gm[np.ix_(orbs, orbs)] = 1j * (sig - sig.conj().T)
        gammas.append(gm)
    g = np.linalg.inv(a)
    for p in range(n // 2):
        gm = np.zeros((n, n))
        gm[2 * p, 2 * p] = gm[2 * p + 1, 2 * p + 1] = gamma
        gammas.append(gm)
    t = np.array([[np.trace(gi @ g @ gj @ g.conj().T).real if i != j else 0.0
                   for j, gj in enumerate(gammas)] for i, gi in enumerate(gammas)])
    m = -t[2:, 2:]
    np.fill_diagonal(m, t[:, 2:].sum(axis=0))
    return t[1, 0] + t[1, 2:] @ np.linalg.solve(m, t[2:, 0])


@pytest.mark.parametrize("lattice", ["zigzag", "armchair"])
def test_dephased_ribbon_has_a_probe_on_every_atom(lattice):
    from andersonwl.engines.probes import probe_count, terminal_transmissions
    model = aw.StripModel(4, 4, 0.45, lattice=lattice, disorder=1.0, rashba=0.5, flux=0.03,
                          dephasing=0.2)
    assert probe_count(model) == 2 * 4 * 4
    g = aw.conductance(model, 3)
    assert abs(g - _native_dephased_conductance(model, 3, 0.2)) < 1e-10
    # current conservation into and out of every terminal (the probes' sum rule), Onsager
    t = terminal_transmissions(model, 3, 0.2)
    assert np.abs(t.sum(axis=0) - t.sum(axis=1)).max() < 1e-10
    assert abs(g - aw.conductance(model.replace(flux=-0.03), 3)) < 1e-10
    # spin-independent probes on a spin-degenerate ribbon: exactly twice the spinless g
    spinless = model.replace(rashba=0.0, spinful=False, spin_orbit=None)
    spinful = spinless.replace(spinful=True)
    assert abs(aw.conductance(spinful, 3) - 2 * aw.conductance(spinless, 3)) < 1e-10
    assert abs(aw.conductance(spinful, 3) - _native_dephased_conductance(spinful, 3, 0.2)) \
        < 1e-10
    # no dephasing: the probes engine is the coherent Landauer conductance
    coherent = model.replace(dephasing=0.0)
    assert abs(aw.conductance(coherent, 3, engine="probes") - aw.conductance(coherent, 3)) \
        < 1e-10
