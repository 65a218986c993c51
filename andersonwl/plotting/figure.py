"""The one figure factory and the one set of class colours of andersonwl's plots.

Every plotting function builds a :class:`matplotlib.figure.Figure` attached
to an Agg canvas (no pyplot, no display, no global state) and returns it;
save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

__all__ = ["new_figure", "CLASS_COLOURS"]

#: colour of each Wigner-Dyson class in every figure
CLASS_COLOURS = {"AI": "tab:blue", "AII": "tab:red", "A": "tab:green"}


def new_figure(ncols: int = 1, *, width: float = 4.0, height: float = 3.2):
    """A Figure on an Agg canvas with ``ncols`` axes side by side: (fig, list of axes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)
