"""Spin-resolved conductances and the Zeeman field in experiment files and ensemble runs."""

import numpy as np
import pytest
from assertions import assert_close

import andersonwl as aw
from andersonwl.ensemble import ExperimentError, load_experiment
from andersonwl.ensemble.checkpoint import parts_dir

SPIN_EXP = {
    "model": {"length": [5, 8], "width": 4, "energy": 0.7, "disorder": 2.0, "rashba": 0.3,
              "leads": "normal", "zeeman": [0.0, 0.0, 0.05], "flux": [0.0, 0.01]},
    "ensemble": {"seed": 5, "realizations": 8},
    "run": {"spin": "z", "chunk": 3},
}


@pytest.fixture(scope="module")
def spin_run():
    return aw.run(SPIN_EXP, workers=1, progress=False)


def test_spin_variable_sums_to_g_and_equals_the_direct_call(spin_run):
    ds = spin_run
    gs = ds["spin_conductance"]
    assert gs.dims == ("length", "flux", "realization", "spin_out", "spin_in")
    assert list(ds["spin_out"].values) == ["up", "down"]
    # sum rule: the four spin-resolved conductances make up g (to rounding)
    assert_close(gs.sum(("spin_out", "spin_in")).values, ds["conductance"].values, rtol=1e-12,
                 what="sum of g[s_out, s_in]")
    # the stored values are those of the public function, for the recorded seed
    m = aw.StripModel(length=8, width=4, energy=0.7, disorder=2.0, rashba=0.3, leads="normal",
                      zeeman=(0.0, 0.0, 0.05), flux=0.01)
    seed = int(ds["seed"].values[3])
    direct = aw.spin_conductances(m, seed, axis="z")
    assert np.array_equal(gs.sel(length=8, flux=0.01).values[3], direct)
    # polarisation of the means, with its jackknife error
    mean = gs.mean("realization").values
    p = ((mean[..., 0, 0] + mean[..., 1, 1]) - (mean[..., 0, 1] + mean[..., 1, 0])) \
        / mean.sum(axis=(-2, -1))
    assert_close(ds["spin_polarization"].values, p, rtol=1e-12, what="P of the means")
    assert np.all(ds["spin_polarization_stderr"].values > 0)
    assert ds.attrs["spin_axis"] == "z"
    assert list(ds["zeeman"].values) == [0.0, 0.0, 0.05] and "xyz" in ds.coords


def test_spin_run_resumes_to_the_same_bits_and_is_worker_independent(spin_run, tmp_path):
    out = tmp_path / "spin.nc"
    first = aw.run(SPIN_EXP, output=out, workers=2, progress=False)
    assert np.array_equal(first["spin_conductance"].values, spin_run["spin_conductance"].values)
    # a resume from the kept chunks recomputes nothing and gives the same bits
    out.unlink()
    again = aw.run(SPIN_EXP, output=out, resume=True, workers=1, progress=False)
    assert np.array_equal(again["spin_conductance"].values, first["spin_conductance"].values)
    assert not parts_dir(out).exists() or not any(parts_dir(out).glob("chunk-*"))


def test_zeeman_sweep_is_a_dimension_with_vector_coordinates():
    exp = {"model": {"length": 6, "width": 4, "energy": 0.7, "disorder": 2.0,
                     "zeeman": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.2]]},
           "ensemble": {"seed": 2, "realizations": 3}}
    # b = 0 is spinless unless asked, and the grid refuses to mix spin contents
    with pytest.raises(ExperimentError, match="mixes spinless"):
        load_experiment(exp)
    exp["model"]["spinful"] = True
    e = load_experiment(exp)
    assert e.swept == ("zeeman",)
    ds = aw.run(exp, workers=1, progress=False)
    assert list(ds["zeeman"].values) == ["0,0,0", "0,0,0.2"]
    assert ds["zeeman_vector"].values.tolist() == [[0, 0, 0], [0, 0, 0.2]]
    m = aw.StripModel(length=6, width=4, energy=0.7, disorder=2.0, zeeman=(0, 0, 0.2),
                      spinful=True)
    assert ds["conductance"].values[1, 0] == aw.conductance(m, int(ds["seed"].values[0]))


def test_fingerprint_of_an_experiment_without_the_new_fields_is_unchanged():
    """Runs started before ``zeeman`` and ``leads`` existed still resume.

    The two fingerprints were computed with andersonwl at commit 4fc92d5 (before the fields).
    """
    old = {"model": {"length": [6, 8], "width": 4, "energy": 0.5, "disorder": 1.0,
                     "flux": [0.0, 0.01]},
           "ensemble": {"seed": 3, "realizations": 4}, "run": {"chunk": 2}}
    assert load_experiment(old).fingerprint() == \
        "42c57de4bf27c0d6b5d571ceaed00023d57f865ca6b170e40f5b05e409212e95"
    rule = {"model": {"length": 6, "width": 4, "energy": 0.5, "disorder": 1.0, "rashba": 0.3},
            "ensemble": {"seed": 3, "rel_stderr": 0.1, "min_realizations": 4,
                         "max_realizations": 8}, "run": {}}
    assert load_experiment(rule).fingerprint() == \
        "f01d6870f9c2cfdc45c0336018d505d85764f14075104077e141126d743ae083"
    # and the new fields do change it when set
    assert load_experiment({**old, "model": {**old["model"], "leads": "normal"}}).fingerprint() \
        != load_experiment(old).fingerprint()


@pytest.mark.parametrize("model, run, match", [
    ({"rashba": 0.3}, {"spin": "z"}, "leads='normal'"),
    ({}, {"spin": "z"}, "spinful"),
    ({"rashba": 0.3, "leads": "normal"}, {"spin": "w"}, "spin axis"),
    ({"rashba": 0.3, "leads": "normal"}, {"spin": "z", "transmission": 3}, "together"),
    ({"zeeman": [0.2, 0.0, 0.0]}, {"spin": "z"}, "not parallel"),
    ({"zeeman": [0.0, 0.1]}, {}, "3 components"),
    ({"zeeman": [0.0, float("nan"), 0.1]}, {}, "finite"),
    ({"zeeman": "up"}, {}, "3 numbers"),
    ({"zeeman": [[0, 0, 0], [0, 0]]}, {}, "3 components"),
    ({"leads": "ferromagnet"}, {}, "leads"),
    ({"zeeman": [0.0, 0.0, 0.1], "spinful": False}, {}, "spinful=False"),
])
def test_bad_spin_experiments_fail_before_any_work(model, run, match, tmp_path):
    exp = {"model": {"length": 6, "width": 4, "energy": 0.7, "disorder": 2.0, **model},
           "ensemble": {"seed": 2, "realizations": 3}, "run": run}
    with pytest.raises(ExperimentError, match=match):
        aw.run(exp, output=tmp_path / "r.nc", progress=False)
    assert not list(tmp_path.iterdir()), "a refused experiment left files behind"
