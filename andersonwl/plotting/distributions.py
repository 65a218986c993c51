"""Conductance distributions: P(g) in the metal, P(ln g) in the insulator."""

from __future__ import annotations

import math

import numpy as np

from .figure import CLASS_COLOURS, new_figure

__all__ = ["plot_distributions"]


def plot_distributions(ladders):
    """P(g) in the metal (first disorder) and P(ln g) in the insulator (W = 12), largest size."""
    fig, (ax1, ax2) = new_figure(2, width=4.5, height=3.4)
    for cls, ds in ladders.items():
        c = CLASS_COLOURS.get(cls)
        L = ds.length.values[-1]
        g = ds.conductance.sel(length=L).isel(disorder=0).values
        ax1.hist(g, bins=20, density=True, histtype="step", color=c, label=f"{cls}")
        lng = np.log(ds.conductance.sel(length=L, disorder=12.0).values)
        ax2.hist(lng, bins=20, density=True, histtype="step", color=c, label=f"{cls}")
        for ax, x in ((ax1, g), (ax2, lng)):
            xs = np.linspace(x.min(), x.max(), 100)
            m, s = x.mean(), x.std(ddof=1)
            ax.plot(xs, np.exp(-0.5 * ((xs - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)),
                    lw=0.8, color=c, ls=":")
    ax1.set_xlabel("g (metal: AI W = 5, AII W = 2, A W = 3)")
    ax1.set_ylabel("P(g)")
    ax2.set_xlabel("ln g (insulator, W = 12)")
    ax2.set_ylabel("P(ln g)")
    ax1.set_title("near-Gaussian P(g)")
    ax2.set_title("log-normal: Gaussian P(ln g)")
    ax1.legend(fontsize=7)
    return fig
