"""andersonwl: weak localization, weak anti-localization and scaling in disordered conductors.

The pipeline, as modules: models (:mod:`andersonwl.models`), Kwant systems
(:mod:`andersonwl.systems`), transport engines (:mod:`andersonwl.transport`),
symmetry analysis (:mod:`andersonwl.symmetry`), then ensembles, analysis,
plots and the command line.

Conventions: square lattice, a = 1, t = 1, energies from the band centre,
box disorder in [-W/2, W/2], flux per plaquette in units of h/e,
g = G/(e^2/h) summed over spin.  See :mod:`andersonwl.models`.
"""

from ._version import __version__
from .models import StripModel
from .symmetry import find_symmetries, symmetry_class
from .systems import kwant_params, make_system
from .transport import conductance, open_channels, scattering_matrix, transmission_eigenvalues
from .rgf import conductance_vs_length
from .transfer import localization_length
from .ensemble import run
from .fitting import fit_magnetoconductance
from .magnetoconductance import classify_cusp, magnetoconductance

__all__ = [
    "run",
    "magnetoconductance",
    "fit_magnetoconductance",
    "classify_cusp",
    "__version__",
    "StripModel",
    "conductance",
    "open_channels",
    "scattering_matrix",
    "transmission_eigenvalues",
    "conductance_vs_length",
    "localization_length",
    "symmetry_class",
    "find_symmetries",
    "make_system",
    "kwant_params",
]
