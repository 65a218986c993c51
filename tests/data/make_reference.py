"""Reference results of a fixed set of experiments, for the layout-move regression test.

Run once with the package as it was before the move into subpackages
(commit 220af29); ``tests/test_reference.py`` recomputes the same numbers and
requires them bitwise equal (with the NumPy/SciPy versions recorded here) or
equal to 1e-12 relative (other library versions: different BLAS kernels).

    python tests/data/make_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy

import andersonwl as aw

HERE = Path(__file__).parent

#: one experiment per model variant, plus a size ladder
EXPERIMENTS = {
    "spinless": {"length": 12, "width": 8, "energy": 0.5, "disorder": 2.0},
    "gaussian": {"length": 10, "width": 6, "energy": 0.7, "disorder": 2.5,
                 "disorder_kind": "gaussian"},
    "flux": {"length": 10, "width": 8, "energy": 0.5, "disorder": 2.0, "flux": [0.0, 0.01]},
    "rashba": {"length": 10, "width": 6, "energy": 1.0, "disorder": 2.0,
               "spin_orbit": "rashba", "rashba": [0.0, 0.5]},
    "su2": {"length": 10, "width": 6, "energy": 0.9, "disorder": 3.0, "spin_orbit": "su2"},
    "exchange": {"length": 8, "width": 6, "energy": 0.9, "disorder": 2.0, "exchange": 1.0},
    "bar3d": {"length": 6, "width": 4, "height": 3, "energy": 0.3, "disorder": 4.0},
    "correlated": {"length": 10, "width": 6, "energy": 0.9, "disorder": 2.0,
                   "correlation_length": 1.5},
    "dephasing": {"length": 6, "width": 5, "energy": 0.9, "disorder": 2.0, "dephasing": 0.1},
    "ladder": {"length": [6, 8, 10], "width": "length", "energy": 0.9,
               "disorder": [1.0, 4.0]},
}
REALIZATIONS = 6
SEED = 20261201


def experiments():
    return {name: {"model": model, "ensemble": {"realizations": REALIZATIONS, "seed": SEED},
                   "run": {"engine": "auto"}} for name, model in EXPERIMENTS.items()}


def sweep():
    """The magnetoconductance sweep: (model fields, fluxes, realisations, seed)."""
    return (dict(length=12, width=8, energy=0.9, disorder=2.0), [0.002, 0.004], 8, 7)


def compute(run, magnetoconductance, make_model, executor, g_name="conductance"):
    out = {}
    for name, exp in experiments().items():
        ds = run(exp, executor, progress=False)
        out[name] = ds["conductance"].values
        out[name + "_seed"] = ds["seed"].values
    fields, fluxes, n, seed = sweep()
    mc = magnetoconductance(make_model(fields), fluxes, n, seed, executor)
    out["sweep_g"] = mc[g_name].values
    out["sweep_delta_g"] = mc["delta_g"].values
    return out


if __name__ == "__main__":
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as ex:
        data = compute(aw.run, aw.magnetoconductance, lambda f: aw.StripModel(**f), ex, "g")
    np.savez(HERE / "reference.npz", **data)
    (HERE / "reference.json").write_text(json.dumps(
        {"numpy": np.__version__, "scipy": scipy.__version__, "commit": "220af29"}) + "\n")
    print({k: v.shape for k, v in data.items()})
