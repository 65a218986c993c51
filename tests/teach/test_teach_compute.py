"""The compute layer of ``andersonwl teach``: physics signs, refinement, seeds, cancellation, input.

Small samples (12 x 12, 4 fluxes up to 0.01 h/e per plaquette, W = 4) keep the module
around 10 s.  Every number is a pure function of the controls (fixed seeds), so the
thresholds below are met deterministically, not by luck of a run.
"""

import json
import math
import threading
import time

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.analysis import universal_variance
from andersonwl.teach import compute
from andersonwl.teach.compute import ControlError, CuspRun, parse_controls, progressive_cusp

SMALL = {"size": 12, "flux_max": 0.01, "n_flux": 4, "disorder": 4.0}
#: per preset: (extra controls, realisations); the Rashba leads of AII and A are safe at
#: E = 0.95 for width 12 (no channel opens across the sweep)
CASES = {
    "AI": ({}, 400),
    "AII": ({"energy": 0.95}, 160),
    "A": ({"energy": 0.95}, 160),
}


def _controls(preset, **extra):
    more, n = CASES[preset]
    return parse_controls({"preset": preset, **SMALL, "realizations": n, **more, **extra})


@pytest.fixture(scope="module")
def runs():
    """One finished run per preset, with the states after every batch of 32."""
    out = {}
    for preset in CASES:
        run = CuspRun(_controls(preset, batch=32))
        run.classify()
        states = []
        while not run.done:
            run.step()
            states.append(run.state())
        out[preset] = (run, states)
    return out


def _last_z(state, name="delta_g"):
    return state[name][-1] / state[name + "_err"][-1]


def test_ai_preset_gives_weak_localization(runs):
    run, states = runs["AI"]
    s = states[-1]
    assert s["symmetry_class"] == "AI" and s["warnings"] == []
    assert s["status"] == "done" and s["realizations"] == 400
    assert s["delta_g"][-1] > 0 and _last_z(s) > 3, (s["delta_g"], s["delta_g_err"])
    assert _last_z(s, "delta_sigma") > 3 and s["cusp"] == "WL"
    assert s["fit"]["model"] == "hln" and s["fit"]["values"]["alpha"] > 0


def test_aii_preset_gives_weak_antilocalization(runs):
    run, states = runs["AII"]
    s = states[-1]
    assert s["symmetry_class"] == "AII" and s["warnings"] == []
    assert s["delta_g"][-1] < 0 and _last_z(s) < -3, (s["delta_g"], s["delta_g_err"])
    assert s["cusp"] == "WAL"
    fit = s["fit"]
    assert fit["model"] == "ilp" and {"alpha", "l_phi", "l_so"} <= set(fit["values"])
    assert fit["hln_alpha"] < 0                         # the signed HLN alpha of the same data


def test_a_preset_has_no_cusp(runs):
    s = runs["A"][1][-1]
    wal = runs["AII"][1][-1]
    assert s["symmetry_class"] == "A"
    assert abs(_last_z(s)) < 2, (s["delta_g"], s["delta_g_err"])
    assert abs(s["delta_g"][-1]) < 0.25 * abs(wal["delta_g"][-1])
    assert s["cusp"] == "none"


def test_errors_shrink_as_realisations_accumulate(runs):
    for preset, (run, states) in runs.items():
        n = [s["realizations"] for s in states]
        err = [s["delta_g_err"][-1] for s in states]
        assert n == sorted(n) and n[0] == 32 and n[-1] == run.controls.realizations
        assert err[-1] < 0.7 * err[0], (preset, err)
        # roughly 1/sqrt(N) from the first batch to the last
        assert err[-1] == pytest.approx(err[0] * math.sqrt(n[0] / n[-1]), rel=0.5)


def test_same_seeds_give_identical_numbers_whatever_the_batches():
    a = [s for s in progressive_cusp(_controls("AII", realizations=12, batch=4))]
    b = [s for s in progressive_cusp(_controls("AII", realizations=12, batch=12))]
    c = [s for s in progressive_cusp(_controls("AII", realizations=12, batch=4))]
    assert [s["realizations"] for s in a] == [4, 8, 12] and len(b) == 1
    for key in ("delta_g", "delta_g_err", "delta_sigma", "delta_sigma_err"):
        assert a[-1][key] == b[-1][key] == c[-1][key]            # bitwise, through JSON
    assert a[-1]["histogram"]["counts"] == b[-1]["histogram"]["counts"]
    other = list(progressive_cusp(_controls("AII", realizations=12, batch=12, seed=2)))
    assert other[-1]["delta_g"] != a[-1]["delta_g"]


def test_realisations_use_the_package_seed_rule():
    controls = _controls("AI", realizations=3)
    run = CuspRun(controls)
    run.step(3)
    seeds = aw._random.realization_seeds(controls.seed, 3)
    model = controls.model(controls.fluxes[-1])
    expected = [aw.conductance(model, int(s)) for s in seeds]
    assert np.array_equal(run.conductances[:, -1], expected)


def test_cancellation_stops_within_one_conductance():
    controls = _controls("AII", realizations=64, batch=8)
    run = CuspRun(controls)
    calls = []

    def cancel():
        calls.append(1)
        # 5 fluxes: 5 checks while the leads are set up, then 5 per realisation; stop in
        # the middle of the second realisation
        return len(calls) > 12

    added = run.step(cancel=cancel)
    assert added == 1 and run.count == 1 and run.cancelled
    assert run.state()["status"] == "cancelled"
    # a later step resumes with the same numbers as an uninterrupted run
    run.step(3)
    fresh = CuspRun(controls)
    fresh.step(4)
    assert np.array_equal(run.conductances, fresh.conductances)


def test_cancellation_from_another_thread_is_prompt():
    stop = threading.Event()
    controls = _controls("AII", realizations=400, batch=64)      # one batch: ~1.6 s
    states, stopped = [], []

    def work():
        for s in progressive_cusp(controls, cancel=stop.is_set):
            states.append(s)
        stopped.append(time.perf_counter())

    t = threading.Thread(target=work)
    t.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    stop.set()
    t.join(10)
    assert not t.is_alive()
    assert stopped[0] - t0 < 1.0                    # within one conductance, really
    assert states[-1]["status"] == "cancelled" and states[-1]["realizations"] < 400


def test_state_is_json_and_consistent(runs):
    run, states = runs["AI"]
    s = states[-1]
    json.dumps(s, allow_nan=False)
    model = run.model
    assert s["flux"][0] == 0 and len(s["flux"]) == 5 and s["delta_g"][0] == 0
    assert s["channels"] == [aw.open_channels(model.replace(flux=f)) for f in s["flux"]]
    h = s["histogram"]
    assert sum(h["counts"]) == 400
    assert h["universal_variance"] == pytest.approx(universal_variance("AI", "square"))
    for preset in ("AII", "A"):
        hs = runs[preset][1][-1]["histogram"]
        assert hs["universal_variance"] == pytest.approx(
            universal_variance(preset, "square", degeneracy=2 if preset == "AII" else 1))
    b = s["beta"]
    assert b["beta"] == pytest.approx(aw.perturbative_beta(b["g"], "AI", spin_degeneracy=1))
    assert b["beta"] < 0 < runs["AII"][1][-1]["beta"]["beta"]
    flow = s["flow"]
    assert len(flow["g"]) == len(flow["AI"]) == len(flow["AII"]) == len(flow["A"])


def test_first_state_has_no_data_yet():
    run = CuspRun(_controls("AI", realizations=8))
    s = run.state()
    assert s["realizations"] == 0 and s["status"] == "running" and s["fit"] is None
    assert s["delta_g"] == [None] * 5
    json.dumps(s, allow_nan=False)


def test_presets_and_explicit_values():
    c = parse_controls({"preset": "AII"})
    assert (c.rashba, c.exchange, c.energy, c.size) == (1.0, 0.0, 1.13, 24)
    c = parse_controls({"preset": "AII", "rashba": 0.5})
    assert c.rashba == 0.5 and c.preset == "AII"
    c = parse_controls({"preset": "custom", "exchange": 0.3}, defaults={"size": 10})
    assert c.exchange == 0.3 and c.size == 10 and c.rashba == 0.0
    assert parse_controls({}).as_dict() == parse_controls(None).as_dict()
    assert parse_controls({"batch": 3}).key == parse_controls({}).key   # batch changes no number
    assert parse_controls({"seed": 3}).key != parse_controls({}).key
    cfg = compute.config()
    assert set(cfg["prompts"]) == {"AI", "AII", "A", "custom"}
    json.dumps(cfg, allow_nan=False)


@pytest.mark.parametrize("raw, key, words", [
    ({"colour": 1}, "colour", "unknown key 'colour'"),
    ({"disorder": float("nan")}, "disorder", "finite"),
    ({"disorder": -1.0}, "disorder", "non-negative"),
    ({"rashba": True}, "rashba", "real number"),
    ({"size": 12.0}, "size", "integer"),
    ({"size": "12"}, "size", "integer"),
    ({"spinful": 1}, "spinful", "True or False"),
    ({"preset": "BDI"}, "preset", "unknown preset"),
    ({"flux_max": 0.0}, "flux_max", "positive"),
    ({"size": 36, "rashba": 1.0}, "size", "too many for a live page"),
    ({"size": 30, "dephasing": 0.1}, "size", "dephasing probes"),
    ({"energy": 4.2}, None, "outside the clean band"),
    ({"size": 8, "energy": 1.0}, "energy", "subband threshold"),
    ([1, 2], None, "JSON object"),
])
def test_bad_input_is_a_readable_error(raw, key, words):
    with pytest.raises(ControlError) as info:
        parse_controls(raw)
    assert words in str(info.value)
    assert info.value.key == key
    assert isinstance(info.value, ValueError)


def test_threshold_error_suggests_an_energy():
    with pytest.raises(ControlError, match=r"e\.g\. E = "):
        parse_controls({"size": 8, "energy": 1.0})


def test_channel_change_is_a_warning_not_an_error():
    # width 15 Rashba leads at E = 1.13: a channel opens within the default flux range
    run = CuspRun(parse_controls({"preset": "AII", "size": 15, "realizations": 2,
                                  "n_flux": 3}))
    run.step(2)
    s = run.state()
    assert len(set(s["channels"])) > 1
    assert any("open lead channels changes" in w for w in s["warnings"])


def test_backscattering_picture_follows_the_class():
    """The page's reflection picture: factor 0 exactly in AII, enhanced in AI, none before data."""
    for preset, extra in (("AI", {}), ("AII", {"energy": 0.95})):
        run = CuspRun(parse_controls({"preset": preset, **SMALL, **extra,
                                      "realizations": 12, "batch": 4}))
        run.step()
        assert run.state()["backscattering"]["realizations"] == 0   # not in the first batch
        while not run.done:
            run.step()
        b = run.state()["backscattering"]
        assert b["realizations"] == 12 and b["error"] is None
        n = len(b["labels"])
        assert np.asarray(b["intensity"]).shape == (n, n)
        if preset == "AII":
            assert b["operator"] == "i sigma_y K" and b["leads"] == "normal"
            assert b["partner_max"] < 1e-10, b["partner_max"]
        else:
            assert b["operator"] == "K" and b["partner"] == list(range(n))
            assert b["median"] > 1.2, b["median"]


def test_backscattering_is_skipped_with_dephasing():
    run = CuspRun(parse_controls({**SMALL, "size": 10, "dephasing": 0.1, "realizations": 4,
                                  "batch": 2}))
    while not run.done:
        run.step()
    b = run.state()["backscattering"]
    assert b["realizations"] == 0 and "dephasing" in b["error"]
