"""Transfer-matrix localization lengths as an ensemble observable (``observable = "lambda"``)."""

import numpy as np
import pytest

import andersonwl as aw
from andersonwl.engines.transfer import default_warmup, segment_exponent
from andersonwl.ensemble import ExperimentError, load_experiment

LADDER = {
    "model": {"length": 1500, "width": [4, 6], "energy": 0.5, "disorder": [6.0, 9.0]},
    "ensemble": {"seed": 3, "rel_stderr": 0.03, "min_realizations": 4,
                 "max_realizations": 24, "batch": 4},
    "run": {"observable": "lambda", "boundary": "periodic"},
}


@pytest.fixture(scope="module")
def ladder():
    return aw.run(LADDER, workers=1, progress=False)


def test_lambda_dataset_is_the_mean_of_independent_segments(ladder):
    ds = ladder
    assert "exponent" in ds and "conductance" not in ds and ds.attrs["boundary"] == "periodic"
    gamma = ds["exponent"].sel(width=6, disorder=9.0).values
    n = int(ds["count"].sel(width=6, disorder=9.0))
    assert np.all(np.isfinite(gamma[:n])) and n >= 4
    # every value is the segment exponent of its seed, bit for bit
    m = aw.StripModel(1500, 6, 0.5, disorder=9.0)
    seed = int(ds["seed"].values[1])
    assert gamma[1] == segment_exponent(m, seed, boundary="periodic")
    # Lambda = 1 / (M <gamma>), its error from the standard error of <gamma>
    mean, err = gamma[:n].mean(), gamma[:n].std(ddof=1) / np.sqrt(n)
    lam = float(ds["Lambda"].sel(width=6, disorder=9.0))
    assert lam == pytest.approx(1 / (6 * mean), rel=1e-12)
    assert float(ds["Lambda_err"].sel(width=6, disorder=9.0)) == pytest.approx(
        err / (6 * mean**2), rel=1e-10)
    # the stopping rule: each point stopped at its target error, or at the cap
    rel = ds["stderr"] / ds["mean"]
    assert bool(((rel <= 0.03) | (ds["count"] == 24)).all())
    assert int(ds["warmup"].sel(width=6, disorder=9.0)) == default_warmup(m) == 300
    # stronger disorder localises: Lambda falls with W at both widths
    assert bool((ds["Lambda"].sel(disorder=9.0) < ds["Lambda"].sel(disorder=6.0)).all())


def test_lambda_runs_are_worker_independent_and_resume_to_the_same_bits(ladder, tmp_path):
    out = tmp_path / "lam.nc"
    two = aw.run(LADDER, output=out, workers=2, progress=False)
    assert np.array_equal(two["exponent"].values, ladder["exponent"].values, equal_nan=True)
    out.unlink()
    again = aw.run(LADDER, output=out, resume=True, workers=1, progress=False)
    assert np.array_equal(again["exponent"].values, ladder["exponent"].values, equal_nan=True)


def _lambda_1d(disorder, energy, length, realizations, seed=1):
    exp = {"model": {"length": length, "width": 1, "energy": energy, "disorder": disorder},
           "ensemble": {"seed": seed, "realizations": realizations},
           "run": {"observable": "lambda"}}
    ds = aw.run(exp, workers=1, progress=False)
    return float(ds["Lambda"]), float(ds["Lambda_err"])


@pytest.mark.parametrize("energy, expected", [
    (0.0, 105.0),                        # band centre: the Kappus-Wegner anomaly
    (1.0, 24 * (4 - 1.0**2)),            # Thouless: xi = 24 (4 - E^2) / W^2
])
def test_1d_chain_matches_the_perturbative_localization_length(energy, expected):
    """The 1D Anderson chain (width 1), weak box disorder W = 0.8: xi W^2 against theory.

    Thouless (1979) and Kappus and Wegner, Z. Phys. B 45, 15 (1981) (E = 0: 105/W^2
    instead of 96/W^2).  Tolerance: 4 standard errors plus 3 % for the O(W^2)
    corrections to the leading order (measured: W = 1 at E = 0 gives 104.3 +- 1.4).
    """
    w = 0.8
    lam, err = _lambda_1d(w, energy, 40_000, 24)
    assert abs(lam * w**2 - expected) < 4 * err * w**2 + 0.03 * expected, (lam * w**2, err)


def test_periodic_boundaries_give_longer_localization_lengths():
    """Hard walls confine the wave function: Lambda(periodic) > Lambda(hardwall) at equal M."""
    out = {}
    for boundary in ("hardwall", "periodic"):
        exp = {"model": {"length": 2000, "width": 6, "energy": 0.5, "disorder": 6.0},
               "ensemble": {"seed": 4, "realizations": 96},
               "run": {"observable": "lambda", "boundary": boundary}}
        ds = aw.run(exp, workers=1, progress=False)
        out[boundary] = (float(ds["Lambda"]), float(ds["Lambda_err"]))
    (h, dh), (p, dp) = out["hardwall"], out["periodic"]
    assert p - h > 4 * np.hypot(dh, dp), out


def test_antiperiodic_wraps_with_a_sign():
    """An antiperiodic ring of a clean chain: the wrapping bond is -1, others -1 * -1 = +1."""
    from andersonwl.hamiltonian import column_arrays, geometry_of
    m = aw.StripModel(1, 4, 0.5)
    geom = geometry_of(m)
    per = column_arrays(geom, 0, 0.0, 0.0, 0.0, 0.0, 0, 2, periodic=True)
    anti = column_arrays(geom, 0, 0.0, 0.0, 0.0, 0.0, 0, 2, periodic=True, wrap=-1.0)
    assert np.array_equal(anti.hop_y[:, :-1], per.hop_y[:, :-1])
    assert np.array_equal(anti.hop_y[:, -1], -per.hop_y[:, -1])


@pytest.mark.parametrize("run, model, match", [
    ({"observable": "lambda", "boundary": "twisted"}, {}, "boundary"),
    ({"observable": "xi"}, {}, "observable"),
    ({"boundary": "periodic"}, {}, "only with observable"),
    ({"observable": "lambda", "engine": "rgf"}, {}, "takes no"),
    ({"observable": "lambda", "spin": "z"}, {}, "takes no"),
    ({"observable": "lambda", "boundary": "periodic"}, {"width": 2}, "at least 3"),
    ({"observable": "lambda", "warmup": -1}, {}, "warmup"),
    ({"observable": "lambda"}, {"dephasing": 0.1}, "coherent"),
])
def test_bad_lambda_experiments_fail_before_any_work(run, model, match, tmp_path):
    exp = {"model": {"length": 100, "width": 4, "energy": 0.5, "disorder": 6.0, **model},
           "ensemble": {"seed": 1, "realizations": 2}, "run": run}
    with pytest.raises(ExperimentError, match=match):
        aw.run(exp, output=tmp_path / "r.nc", progress=False)
    assert not list(tmp_path.iterdir())


def test_lambda_ignores_lead_thresholds():
    """Transfer matrices have no leads: an energy at a lead subband edge is fine."""
    exp = {"model": {"length": 100, "width": 1, "energy": 2.0 - 1e-9, "disorder": 1.0},
           "ensemble": {"seed": 1, "realizations": 2}, "run": {"observable": "lambda"}}
    assert load_experiment(exp).engines() == ["transfer"]
