"""Generate examples/data/wl_series/: weak-localization curves of one film at 11 temperatures.

A spin-degenerate 2D film without spin-orbit coupling (HLN alpha = 1; Hikami, Larkin and
Nagaoka, Prog. Theor. Phys. 63, 707 (1980)), diffusion constant D = 0.02 m^2/s, Drude sheet
conductance sigma_0 = 30 e^2/h, measured as R_xx over L/W = 2 squares from -50 to +50 mT
(161 points, logarithmically spaced from 2 uT so that the low-temperature cusp is resolved)
with Gaussian noise of 0.05 ohm (numpy default_rng(2025 + file index)).
Its dephasing rate is (andersonwl.analysis.dephasing_rate)

    Gamma_phi(T) = Gamma_0 + a T + b T^3,

with Gamma_0 = 2e9 s^-1 (saturation), a the AAK electron-electron rate of a g = 30 film,
k_B ln(15) / (30 hbar) = 1.17e10 s^-1 K^-1 (Altshuler, Aronov and Khmelnitsky, J. Phys. C
15, 7367 (1982)) and b = 2e8 s^-1 K^-3 (electron-phonon), so L_phi = sqrt(D / Gamma_phi)
runs from 2.5 um at 0.1 K to 0.15 um at 15 K: saturation dominates the rate at the lowest
temperature, electron-electron scattering in between and phonons at the highest.  Each file
states its temperature in a ``# temperature = ... K`` comment line.

Recover the law with::

    andersonwl fit examples/data/wl_series/*.csv --aspect 2 --two-laws

Run from anywhere: ``python examples/make_series_data.py [OUTPUT_DIRECTORY]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from andersonwl.analysis.dephasing import aak_rate, dephasing_rate, phase_coherence_length
from andersonwl.analysis.wl_formulas import hln
from andersonwl.units import RESISTANCE_QUANTUM, characteristic_field

__all__ = ["TEMPERATURES", "LAW", "make_curve", "main"]

TEMPERATURES = (0.1, 0.17, 0.3, 0.5, 0.8, 1.3, 2.2, 3.6, 6.0, 10.0, 15.0)    # K
D = 0.02               # m^2/s
SIGMA_0 = 30.0         # e^2/h
ASPECT = 2.0           # L/W
NOISE_OHM = 0.05       # standard deviation of the R_xx noise
_STEPS = np.geomspace(2e-6, 0.05, 80)    # fine near B = 0, where the cusp is at low T
FIELD = np.concatenate([-_STEPS[::-1], [0.0], _STEPS])       # tesla
LAW = dict(gamma_0=2e9, a=float(aak_rate(1.0, SIGMA_0)), p=1.0, b=2e8, q=3.0)


def l_phi(temperature: float) -> float:
    """The true L_phi (m) at ``temperature`` (K)."""
    return float(phase_coherence_length(dephasing_rate(temperature, **LAW), D))


def make_curve(index: int):
    """(temperature in K, field in T, R_xx in ohm) of file ``index``."""
    t = TEMPERATURES[index]
    sigma = SIGMA_0 + hln(FIELD, characteristic_field(l_phi(t), "tesla"), alpha=1.0)
    r = RESISTANCE_QUANTUM * ASPECT / sigma
    rng = np.random.default_rng(2025 + index)
    return t, FIELD, r + rng.normal(0.0, NOISE_OHM, r.shape)


def file_name(temperature: float) -> str:
    return f"T_{temperature:05.2f}K.csv"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent / "data" / "wl_series"
    out.mkdir(parents=True, exist_ok=True)
    for i in range(len(TEMPERATURES)):
        t, field, r = make_curve(i)
        header = [
            "Synthetic weak-localization curve, written by examples/make_series_data.py",
            f"temperature = {t:g} K",
            f"HLN, alpha = 1: L_phi = {l_phi(t) * 1e9:.1f} nm, D = {D:g} m^2/s, "
            f"sigma_0 = {SIGMA_0:g} e^2/h, L/W = {ASPECT:g}",
            f"Gaussian noise {NOISE_OHM:g} ohm on R_xx (numpy default_rng({2025 + i}))",
            "columns: B in tesla, R in ohm (R_xx)",
        ]
        lines = [f"# {h}" for h in header] + ["B,R"]
        lines += [f"{b:.7e},{v:.5f}" for b, v in zip(field, r)]
        (out / file_name(t)).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(TEMPERATURES)} curves to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
