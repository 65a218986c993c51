"""Simulations: physics protocols that run engines through the ensemble for an analysis.

``magnetoconductance`` (cusps at common random numbers), ``ladders`` (beta(g)
of size ladders, contact resistance removed), ``lifetimes``
(tau_q, tau_tr, the mean free path of short strips, k_F l), ``transmission``
(transmission eigenvalues, P(tau), the Fano factor, var g against the
universal value), ``spin`` (P(L) of spin-resolved transport, the spin
relaxation length against D'yakonov-Perel and ILP), ``backscattering``
(the coherent-backscattering factor 2, 0, 1 of the classes in the reflection
matrix), ``demo`` (the three classes side by side).  Every
simulation draws its realisations by the one seed rule,
:func:`andersonwl._random.realization_seeds`.
"""

from __future__ import annotations

from .backscattering import coherent_backscattering, reflection_intensity
from .ladders import ladder_beta, ladder_channels
from .lifetimes import (
                        ioffe_regel,
                        lifetimes,
                        quantum_lifetime,
                        short_strip_conductances,
                        transport_lifetime,
)
from .magnetoconductance import magnetoconductance
from .spin import spin_relaxation, spin_relaxation_report
from .transmission import transmission_report, transmission_statistics

__all__ = ["magnetoconductance", "ladder_beta", "ladder_channels", "ioffe_regel", "lifetimes",
           "quantum_lifetime", "transport_lifetime", "short_strip_conductances",
           "transmission_statistics", "transmission_report", "spin_relaxation",
           "spin_relaxation_report", "coherent_backscattering", "reflection_intensity"]
