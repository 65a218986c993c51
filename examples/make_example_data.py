"""Generate examples/data/wal_example.csv: a synthetic weak anti-localization curve.

The curve is the ILP magnetoconductance (Iordanskii, Lyanda-Geller, Pikus,
JETP Lett. 60, 206 (1994), in the form of Knap et al., PRB 53, 3912 (1996);
:func:`andersonwl.analysis.ilp`) of a Rashba two-dimensional electron gas with

* L_phi = 400 nm (B_phi = hbar / (4 e L_phi^2) = 1.029 mT),
* L_so = 150 nm (B_so = 7.31 mT), prefactor 1 (one spin-1/2 band),
* Drude sheet conductance sigma_0 = 30 e^2/h,

measured as a four-terminal R_xx over L/W = 2 squares:
R_xx(B) = (h/e^2) (L/W) / (sigma_0 + delta_sigma(B)), from -50 to +50 mT in
0.5 mT steps (201 points), plus Gaussian noise of standard deviation 0.05 ohm
on every R_xx (about 9e-4 e^2/h in sigma), drawn with numpy's default_rng(2024).

Recover the parameters with::

    andersonwl fit examples/data/wal_example.csv --model ilp --aspect 2

Run from anywhere: ``python examples/make_example_data.py [OUTPUT]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from andersonwl.analysis.wl_formulas import ilp
from andersonwl.units import RESISTANCE_QUANTUM, characteristic_field

__all__ = ["make_curve", "main"]

L_PHI = 400e-9        # m
L_SO = 150e-9         # m
SIGMA_0 = 30.0        # e^2/h
ASPECT = 2.0          # L/W
NOISE_OHM = 0.05      # standard deviation of the R_xx noise
SEED = 2024
FIELD = np.linspace(-0.05, 0.05, 201)   # tesla


def make_curve(seed: int = SEED):
    """(field in T, R_xx in ohm) of the example."""
    b_phi = characteristic_field(L_PHI, "tesla")
    b_so = characteristic_field(L_SO, "tesla")
    sigma = SIGMA_0 + ilp(FIELD, b_phi, b_so)
    r = RESISTANCE_QUANTUM * ASPECT / sigma
    rng = np.random.default_rng(seed)
    return FIELD, r + rng.normal(0.0, NOISE_OHM, r.shape)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent / "data" / "wal_example.csv"
    field, r = make_curve()
    header = [
        "Synthetic weak anti-localization curve, written by examples/make_example_data.py",
        f"ILP (Knap et al. PRB 53, 3912 (1996)): L_phi = {L_PHI * 1e9:g} nm, "
        f"L_so = {L_SO * 1e9:g} nm, prefactor 1",
        f"sigma_0 = {SIGMA_0:g} e^2/h, L/W = {ASPECT:g}, "
        f"Gaussian noise {NOISE_OHM:g} ohm on R_xx (numpy default_rng({SEED}))",
        f"fit: andersonwl fit wal_example.csv --model ilp --aspect {ASPECT:g}",
        "columns: B in tesla, R in ohm (R_xx)",
    ]
    lines = [f"# {h}" for h in header] + ["B,R"]
    lines += [f"{b:.6f},{v:.5f}" for b, v in zip(field, r)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(field)} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
