"""Experiment files: parsing, validation, and that a bad file writes nothing."""

import math
from pathlib import Path

import pytest

import andersonwl as aw
import andersonwl.engines as transport
from andersonwl.cli import main
from andersonwl.ensemble.experiment import Experiment, ExperimentError, load_experiment

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))

GOOD = """
[model]
length = 8
width = 6
energy = 0.5
disorder = 2.0
flux = [0.0, 0.01]

[ensemble]
seed = 3
realizations = 4
"""


def _swap(text, old, new):
    assert old in text, old
    return text.replace(old, new)


BAD = {
    "unknown model key": (_swap(GOOD, "disorder = 2.0", "disordr = 2.0"),
                          "unknown key 'disordr'; did you mean 'disorder'?"),
    "unknown ensemble key": (_swap(GOOD, "realizations = 4", "realisations = 4"),
                             "unknown key 'realisations'; did you mean 'realizations'?"),
    "unknown table": (_swap(GOOD, "[ensemble]", "[ensmble]"),
                      "unknown key 'ensmble'; did you mean 'ensemble'?"),
    "unknown run key": (GOOD + "[run]\nworker = 2\n",
                        "unknown key 'worker'; did you mean 'workers'?"),
    "unknown engine": (GOOD + "[run]\nengine = 'kwnt'\n",
                       "unknown engine 'kwnt'; did you mean 'kwant'?"),
    "bad value": (_swap(GOOD, "disorder = 2.0", "disorder = -1.0"),
                  "disorder must be non-negative"),
    "bad type (string size)": (_swap(GOOD, "length = 8", 'length = "8"'),
                               "length must be an integer, got '8'"),
    "bad type (float count)": (_swap(GOOD, "realizations = 4", "realizations = 4.0"),
                               "realizations must be an integer"),
    "bad type (bool)": (_swap(GOOD, "disorder = 2.0", "disorder = true"),
                        "disorder must be a real number"),
    "bad type (table)": (_swap(GOOD, "disorder = 2.0", "disorder = {W = 2}"),
                         "disorder must be a real number"),
    "NaN in a sweep": (_swap(GOOD, "flux = [0.0, 0.01]", "flux = [0.0, nan]"),
                       "flux must be finite, got nan"),
    "inf": (_swap(GOOD, "energy = 0.5", "energy = inf"), "energy must be finite"),
    "empty list": (_swap(GOOD, "flux = [0.0, 0.01]", "flux = []"), "flux: empty list"),
    "nested list": (_swap(GOOD, "flux = [0.0, 0.01]", "flux = [[0.0], [0.01]]"),
                    "flat list"),
    "duplicate values": (_swap(GOOD, "flux = [0.0, 0.01]", "flux = [0.0, 0.01, 0]"),
                         "duplicate value 0"),
    "rashba with su2": (_swap(GOOD, "disorder = 2.0", "rashba = 0.3\nspin_orbit = 'su2'"),
                        "contradict"),
    "unknown spin_orbit": (_swap(GOOD, "disorder = 2.0", "spin_orbit = 'dresselhaus'"),
                           "unknown spin_orbit 'dresselhaus'"),
    "grid point outside the band": (
        _swap(_swap(GOOD, "width = 6", "width = [6, 2]"), "energy = 0.5", "energy = 3.5"),
        r"at the grid point \(width=2, flux=0.0\): energy 3.5 has no open channel"),
    "missing model field": (_swap(GOOD, "energy = 0.5\n", ""),
                            r"missing required field\(s\) energy"),
    "missing model table": ("[ensemble]\nseed = 1\nrealizations = 4\n",
                            r"missing table \[model\]"),
    "missing seed": (_swap(GOOD, "seed = 3\n", ""), "missing key 'seed'"),
    "negative seed": (_swap(GOOD, "seed = 3", "seed = -3"), "seed must be at least 0"),
    "one realisation": (_swap(GOOD, "realizations = 4", "realizations = 1"),
                        "realizations must be at least 2"),
    "no ensemble size": (_swap(GOOD, "realizations = 4\n", ""), "missing 'realizations'"),
    "fixed size and stopping rule": (
        _swap(GOOD, "realizations = 4", "realizations = 4\nrel_stderr = 0.1"), "not both"),
    "incomplete stopping rule": (
        _swap(GOOD, "realizations = 4", "rel_stderr = 0.1\nmin_realizations = 4"),
        "needs 'max_realizations'"),
    "max below min": (
        _swap(GOOD, "realizations = 4",
              "rel_stderr = 0.1\nmin_realizations = 8\nmax_realizations = 4"),
        "max_realizations must be at least 8"),
    "zero rel_stderr": (
        _swap(GOOD, "realizations = 4",
              "rel_stderr = 0.0\nmin_realizations = 4\nmax_realizations = 8"),
        "rel_stderr must be positive"),
    "zero workers": (GOOD + "[run]\nworkers = 0\n", "workers must be at least 1"),
    "not TOML": (GOOD + "flux = = 1\n", "not valid TOML"),
    "spin content set by a coupling (rashba)": (
        _swap(GOOD, "disorder = 2.0", "rashba = [0.0, 0.5]"),
        r"mixes spinless \(flux=0.0, rashba=0.0\) and spinful .*spinful = true"),
    "spin content set by a coupling (exchange)": (
        _swap(GOOD, "disorder = 2.0", "exchange = [0.0, 1.0]"), "mixes spinless"),
    "engine that cannot compute the model": (
        _swap(GOOD, "disorder = 2.0", "dephasing = 0.1") + "[run]\nengine = 'rgf'\n",
        r"rgf engine is coherent only.*'probes'"),
    "lead threshold": (_swap(_swap(GOOD, "energy = 0.5", "energy = 2.0"), "width = 6", "width = 7"),
                       "subband threshold"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_experiment_is_an_error_and_writes_nothing(name, tmp_path, capsys):
    text, match = BAD[name]
    path = tmp_path / "exp.toml"
    path.write_text(text)
    out = tmp_path / "result.nc"
    with pytest.raises(ExperimentError, match=match):
        aw.run(path, output=out)
    assert main(["run", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("andersonwl run: error:") and str(path) in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_unknown_key_always_names_a_suggestion():
    bad = {"model": dict(length=8, width=6, energy=0.5, zzz=1),
           "ensemble": dict(seed=1, realizations=2)}
    with pytest.raises(ExperimentError, match=r"unknown key 'zzz'; did you mean '\w+'\? "
                                              r"\(valid keys: length, width, energy"):
        load_experiment(bad)


def test_valid_file_is_parsed_and_normalised(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text("""
[model]
flux = [0, 0.01]            # written before disorder, and with an int
length = 8
width = 6
energy = 0.5
disorder = [1, 2.5]
spin_orbit = ["none", "su2"]

[ensemble]
seed = 5
rel_stderr = 0.05
min_realizations = 6
max_realizations = 20

[run]
workers = 3
""")
    exp = load_experiment(path)
    # dimensions in the order of StripModel's fields, not of the file
    assert exp.swept == ("disorder", "flux", "spin_orbit")
    assert exp.grid_shape == (2, 2, 2) and exp.n_points == 8
    assert exp.model["flux"] == (0.0, 0.01) and all(type(v) is float for v in exp.model["flux"])
    assert exp.model["disorder"] == (1.0, 2.5)
    assert exp.model["spin_orbit"] == (None, "su2")
    assert exp.model["exchange"] == 0.0 and exp.model["disorder_kind"] == "box"
    assert (exp.rel_stderr, exp.min_realizations, exp.max_realizations, exp.batch) == \
        (0.05, 6, 20, 6)
    assert exp.rounds() == [(0, 6), (6, 12), (12, 18), (18, 20)]
    assert exp.workers == 3 and exp.engine == "auto" and exp.chunk == 10
    models = exp.models()
    assert len(models) == 8 and models[1] == aw.StripModel(8, 6, 0.5, disorder=1.0, flux=0.0,
                                                           spin_orbit="su2")
    # the same experiment as a dictionary, NumPy values included
    import numpy as np
    same = load_experiment({
        "model": dict(length=np.int64(8), width=6, energy=0.5, disorder=np.array([1.0, 2.5]),
                      flux=[0.0, 0.01], spin_orbit=[None, "su2"]),
        "ensemble": dict(seed=5, rel_stderr=0.05, min_realizations=6, max_realizations=20),
        "run": dict(workers=1)})
    assert same.model == exp.model and same.swept == exp.swept
    # the fingerprint ignores the number of workers, not the physics or the seed
    assert same.fingerprint() == exp.fingerprint()
    other = load_experiment({**same.as_dict(), "ensemble": {**same.as_dict()["ensemble"],
                                                            "seed": 6}})
    assert other.fingerprint() != exp.fingerprint()
    assert isinstance(load_experiment(exp), Experiment)


def test_one_element_list_is_a_dimension():
    exp = load_experiment({"model": dict(length=8, width=[6], energy=0.5),
                           "ensemble": dict(seed=1, realizations=2)})
    assert exp.swept == ("width",) and exp.grid_shape == (1,)


def test_engines_are_read_at_validation_time(monkeypatch):
    exp = {"model": dict(length=8, width=6, energy=0.5),
           "ensemble": dict(seed=1, realizations=2), "run": dict(engine="newengine")}
    with pytest.raises(ExperimentError, match="unknown engine"):
        load_experiment(exp)
    monkeypatch.setitem(transport.ENGINES, "newengine",
                        transport.Engine("newengine", lambda model, seed: 1.0))
    assert load_experiment(exp).engine == "newengine"
    assert load_experiment(exp).engines() == ["newengine"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_are_valid(path):
    exp = load_experiment(path)
    assert exp.n_points >= 2 and exp.max_count >= 2
    assert math.prod(exp.grid_shape) == len(exp.models())


def test_examples_exist():
    assert len(EXAMPLES) >= 2


def test_docstring_example_is_valid():
    import textwrap
    import tomllib

    from andersonwl.ensemble import experiment
    doc = experiment.__doc__
    block = doc[doc.index("point::") + len("point::"):doc.index(">>>")]
    exp = load_experiment(tomllib.loads(textwrap.dedent(block)))
    assert exp.swept == ("flux", "rashba") and exp.grid_shape == (4, 2)
    assert exp.realizations == 400 and exp.workers == 4


def _auto(length, realizations, **model):
    return load_experiment({"model": dict(length=length, width=length, energy=0.5,
                                          disorder=2.0, **model),
                            "ensemble": dict(seed=1, realizations=realizations)})


def test_automatic_chunk_follows_the_cost_and_is_recorded():
    """Small samples get large tasks, large ones the minimum; the bounds and the
    share of the work hold; the chosen chunk is in the fingerprinted experiment."""
    small, medium, large = _auto(4, 10000), _auto(20, 10000), _auto(60, 10000)
    assert small.chunk > medium.chunk > large.chunk == aw.ensemble.DEFAULT_CHUNK
    assert small.chunk <= 100
    assert _auto(4, 320).chunk == 10          # 320 / 32: enough tasks to share
    assert _auto(4, 1600).chunk == 50
    assert _auto(4, 10000).as_dict()["run"]["chunk"] == small.chunk
    explicit = load_experiment({"model": dict(length=4, width=4, energy=0.5),
                                "ensemble": dict(seed=1, realizations=10000),
                                "run": dict(chunk=7)})
    assert explicit.chunk == 7
    assert explicit.fingerprint() != small.fingerprint()
    # spin doubles the orbitals: never a larger task than the spinless strip
    assert _auto(20, 10000, spin_orbit="rashba", rashba=0.3).chunk <= medium.chunk
