"""The main job: the three Wigner-Dyson classes compared in one run.

``andersonwl demo`` (and ``make demo``) runs it.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from .models import StripModel
from .symmetry import symmetry_class
from .transport import conductance, open_channels

__all__ = ["demo_models", "run_demo"]


def demo_models(quick: bool = False) -> dict[str, StripModel]:
    """One model per class, at E = 0.5 and disorder W = 2: orthogonal (plain
    spinful strip without spin-orbit coupling), symplectic (Rashba 0.5) and
    unitary (the orthogonal strip with a flux of 0.02 h/e per plaquette)."""
    size = 16 if quick else 30
    base = dict(length=size, width=size, energy=0.5, disorder=2.0)
    return {
        "orthogonal (AI)": StripModel(**base, spin_orbit="rashba", rashba=0.0),
        "symplectic (AII)": StripModel(**base, rashba=0.5),
        "unitary (A)": StripModel(**base, spin_orbit="rashba", rashba=0.0, flux=0.02),
    }


def run_demo(quick: bool = False, realizations: int | None = None, out=sys.stdout) -> list[dict]:
    """Mean conductance and its standard error for a small ensemble of each class.

    Returns the rows printed: model name, numerically found class, open
    channels, mean g, standard error of the mean, number of realisations.
    """
    n = realizations or (20 if quick else 100)
    rows = []
    print(f"andersonwl demo: {n} realisations per class", file=out)
    print(f"{'model':18s} {'class':5s} {'N_ch':>4s} {'<g>':>8s} {'stderr':>7s}", file=out)
    for name, model in demo_models(quick).items():
        t0 = time.perf_counter()
        g = np.array([conductance(model, seed) for seed in range(n)])
        row = dict(model=name, cls=symmetry_class(model), channels=open_channels(model),
                   mean=float(g.mean()), stderr=float(g.std(ddof=1) / math.sqrt(n)),
                   realizations=n, seconds=time.perf_counter() - t0)
        rows.append(row)
        print(f"{name:18s} {row['cls']:5s} {row['channels']:4d} {row['mean']:8.4f} "
              f"{row['stderr']:7.4f}   ({row['seconds']:.1f} s)", file=out)
    return rows
