"""Size ladders through the ensemble engine and the ``andersonwl scaling`` command."""

import numpy as np
import pytest
import xarray as xr

import andersonwl as aw
from andersonwl.cli import main
from andersonwl.ensemble.experiment import ExperimentError
from andersonwl.ensemble.experiment import load_experiment as parse_experiment

LADDER = {
    "model": {"length": [4, 6, 10], "width": "length", "energy": 1.0, "disorder": [3.0, 12.0],
              "spin_orbit": "su2"},
    "ensemble": {"seed": 5, "realizations": 12},
    "run": {"workers": 1},
}


def test_width_tied_to_length_makes_squares():
    exp = parse_experiment(LADDER)
    assert exp.swept == ("length", "disorder")
    assert [(m.length, m.width) for m in exp.models()][::2] == [(4, 4), (6, 6), (10, 10)]
    cube = parse_experiment({**LADDER, "model": {**LADDER["model"], "height": "width",
                                                 "spin_orbit": "none", "energy": 1.05}})
    assert {(m.width, m.height) for m in cube.models()} == {(4, 4), (6, 6), (10, 10)}
    for bad in ("size", "energy"):
        with pytest.raises(ExperimentError, match="width"):
            parse_experiment({**LADDER, "model": {**LADDER["model"], "width": bad}})


@pytest.mark.core
def test_scaling_command_writes_plots_and_table(tmp_path, capsys):
    ds = aw.run(LADDER, output=tmp_path / "ladder.nc")
    # a tied width is the same realisation as an explicit square of that size
    g = aw.conductance(aw.StripModel(6, 6, 1.0, disorder=3.0, spin_orbit="su2"),
                       int(ds.seed[2]))
    assert g == ds.conductance.sel(length=6, disorder=3.0).values[2]
    assert main(["scaling", str(tmp_path / "ladder.nc"), "--out", str(tmp_path / "out"),
                 "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "class AII" in out and "| 3.0 |" in out
    for name in ("beta.png", "ln_g.png", "beta_table.md", "beta.nc"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    beta = xr.load_dataset(tmp_path / "out" / "beta.nc")
    assert beta.beta.shape == (2, 2)
    # the contact resistance is removed by default, with the channels of every size
    assert beta.attrs["contact_resistance_removed"] == 1
    assert "Contact resistance of the leads: removed" in out
    assert "spin degeneracy of the model: 1" in out          # SU(2): no spin degeneracy
    channels = [aw.open_channels(aw.StripModel(L, L, 1.0, spin_orbit="su2")) for L in (4, 6, 10)]
    expected = aw.beta_function(ds, size="length", bootstrap=50, channels=channels)
    np.testing.assert_allclose(beta.beta.values, expected.beta.values, rtol=1e-12)
    kept = tmp_path / "kept"
    assert main(["scaling", str(tmp_path / "ladder.nc"), "--out", str(kept), "--bootstrap", "50",
                 "--keep-contact"]) == 0
    two_terminal = xr.load_dataset(kept / "beta.nc")
    assert two_terminal.attrs["contact_resistance_removed"] == 0
    # the contact term makes the two-terminal beta larger in the metal (g/N ~ 1/L)
    assert float(two_terminal.beta.sel(disorder=3.0).mean()) > float(
        beta.beta.sel(disorder=3.0).mean())
    # strong disorder localizes: <ln g> falls from L = 4 to L = 10 at W = 12 (3 sigma)
    lng, err = beta.ln_g.sel(disorder=12.0).values, beta.ln_g_err.sel(disorder=12.0).values
    assert lng[0] - lng[-1] > 3 * np.hypot(err[0], err[-1])


def test_scaling_command_refuses_a_result_without_sizes(tmp_path):
    flat = {**LADDER, "model": {**LADDER["model"], "length": 5, "width": 7}}
    aw.run(flat, output=tmp_path / "flat.nc")
    assert main(["scaling", str(tmp_path / "flat.nc"), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
