"""Size ladders: beta(g) of an ensemble over sizes, the contact resistance of the leads removed.

A size ladder is an ensemble result (:func:`andersonwl.run`) with a size
dimension (``length`` with ``width = "length"`` for squares).  The two-terminal
g of each size contains the contact resistance 1/N of its leads; the beta
function of the sample is that of g_s = g / (1 - g/N) (Beenakker, RMP 69,
731 (1997), Sec. II.A), with N the open channels of each size computed from
the experiment's own models.  :func:`ladder_beta` removes it by default.
"""

from __future__ import annotations

import json

from .. import _checks
from ..analysis.beta import beta_function
from ..engines import open_channels
from ..ensemble import load_experiment

__all__ = ["ladder_channels", "ladder_beta"]


def ladder_channels(dataset, size: str = "length") -> list[int]:
    """Open lead channels N (summed over spin) at every value of the size dimension.

    Parameters
    ----------
    dataset : xarray.Dataset
        A result of :func:`andersonwl.run` (its ``experiment`` attribute
        gives the models).
    size : str
        The size dimension.

    Returns
    -------
    list of int
        N in the order of ``dataset[size]``.

    Raises
    ------
    ValueError
        When N differs between grid points of one size (an energy sweep, say):
        there is then no single N per size.
    """
    if "experiment" not in dataset.attrs:
        raise ValueError("the dataset has no 'experiment' attribute: not an andersonwl result")
    exp = load_experiment(json.loads(dataset.attrs["experiment"]))
    per_size = {}
    for point, model in zip(exp.points(), exp.models()):
        per_size.setdefault(point[size], set()).add(open_channels(model))
    if any(len(v) > 1 for v in per_size.values()):
        raise ValueError("the number of open lead channels differs between grid points of one "
                         "size: keep the contact resistance, or analyse each energy separately")
    return [next(iter(per_size[v.item()])) for v in dataset[size].values]


def ladder_beta(dataset, *, size: str = "length", remove_contact: bool = True, **kwargs):
    """beta(g) = d<ln g>/d ln L of a size ladder, contact resistance removed by default.

    Parameters
    ----------
    dataset : xarray.Dataset
        A size ladder from :func:`andersonwl.run`.
    size : str
        The size dimension.
    remove_contact : bool
        Remove the contact resistance 1/N of the leads realisation by
        realisation, g -> g / (1 - g/N), N from :func:`ladder_channels`
        (default); False keeps the two-terminal g (beta then carries a
        contact term of relative size g/N ~ 1/L).
    **kwargs
        Passed to :func:`andersonwl.analysis.beta_function` (``window``,
        ``bootstrap``, ``rng``).

    Returns
    -------
    xarray.Dataset
        As :func:`andersonwl.analysis.beta_function`; its attribute
        ``contact_resistance_removed`` says which g was used.
    """
    remove_contact = _checks.boolean("remove_contact", remove_contact)
    channels = ladder_channels(dataset, size) if remove_contact else None
    return beta_function(dataset, size=size, channels=channels, **kwargs)
