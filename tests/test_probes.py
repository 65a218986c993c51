import numpy as np
import pytest

import andersonwl as aw
from andersonwl.probes import dephased_conductance, terminal_transmissions
from assertions import assert_close

VARIANTS = [dict(), dict(rashba=0.6), dict(spin_orbit="su2"), dict(exchange=0.5)]


@pytest.mark.parametrize("kw", VARIANTS, ids=["AI", "rashba", "su2", "exchange"])
def test_probes_reduce_to_landauer_and_conserve_current(kw):
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, **kw)
    assert_close(dephased_conductance(m, 2, 0.0), aw.conductance(m, 2), rtol=1e-10,
                 what="coherent limit of the probe model")
    t = terminal_transmissions(m, 2, 0.4)
    # current conservation (unitarity of the multi-terminal S-matrix): sum_j T_ij = sum_j T_ji
    assert np.abs(t.sum(0) - t.sum(1)).max() < 1e-10
    assert np.all(t >= -1e-12)


@pytest.mark.parametrize("kw", VARIANTS[:3], ids=["AI", "rashba", "su2"])
def test_probes_keep_onsager(kw):
    m = aw.StripModel(9, 6, 0.6, disorder=2.0, flux=0.03, **kw)
    for d in (0.1, 0.5):
        assert_close(dephased_conductance(m, 3, d), dephased_conductance(m.replace(flux=-0.03), 3, d),
                     rtol=1e-9, what=f"Onsager with probes, dephasing {d}")


def test_probe_bad_input():
    m = aw.StripModel(4, 3, 0.5)
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            dephased_conductance(m, 0, bad)
