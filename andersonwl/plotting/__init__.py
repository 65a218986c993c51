"""Plotting: one figure factory (:func:`new_figure`), one set of class colours.

``magnetoconductance`` (cusps, fits, temperature series), ``scaling``
(beta(g), <ln g>, collapse), ``distributions`` (P(g)).
"""

from __future__ import annotations

from .distributions import plot_distributions
from .figure import CLASS_COLOURS, new_figure
from .magnetoconductance import plot_fit, plot_magnetoconductance, plot_temperature_series
from .scaling import plot_beta, plot_collapse, plot_ln_g

__all__ = ["new_figure", "CLASS_COLOURS", "plot_magnetoconductance", "plot_fit",
           "plot_temperature_series", "plot_beta", "plot_collapse", "plot_ln_g",
           "plot_distributions"]
