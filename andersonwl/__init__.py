"""andersonwl: weak localization, weak anti-localization and scaling in disordered conductors.

The pipeline, one subpackage per stage: models (:class:`StripModel`) and
their Hamiltonian (:mod:`andersonwl.hamiltonian`) -> engines (one
realisation: :mod:`andersonwl.engines`) -> ensembles (many realisations:
:mod:`andersonwl.ensemble`) -> simulations (physics protocols:
:mod:`andersonwl.simulations`) -> analysis (pure functions of data:
:mod:`andersonwl.analysis`) -> plotting and the command line.

Conventions: square lattice, a = 1, t = 1, energies from the band centre,
box disorder in [-W/2, W/2], flux per plaquette in units of h/e,
g = G/(e^2/h) summed over spin.  See :mod:`andersonwl.models`.
"""

from __future__ import annotations

from ._version import __version__

# analysis
from .analysis import (
                      beta_function,
                      classify_cusp,
                      finite_size_scaling,
                      fit_magnetoconductance,
                      perturbative_beta,
)

# engines: one realisation
from .engines import (
                      ENGINES,
                      choose_engine,
                      conductance,
                      open_channels,
                      scattering_matrix,
                      spin_conductance_vs_length,
                      spin_conductances,
                      spin_polarization,
                      spin_scattering_matrix,
                      transmission_eigenvalues,
)
from .engines.kwant_engine import kwant_params, make_system
from .engines.rgf import conductance_vs_energy, conductance_vs_length
from .engines.symmetry import find_symmetries, symmetry_class
from .engines.thermal import thermal_conductance
from .engines.transfer import localization_length

# ensembles and simulations
from .ensemble import load_experiment, run

# models
from .models import StripModel
from .simulations import magnetoconductance, transmission_statistics

__all__ = [
    "__version__",
    # models
    "StripModel",
    # engines
    "conductance", "open_channels", "scattering_matrix", "transmission_eigenvalues",
    "conductance_vs_length", "conductance_vs_energy", "thermal_conductance",
    "localization_length", "symmetry_class", "find_symmetries",
    "spin_conductances", "spin_conductance_vs_length", "spin_polarization",
    "spin_scattering_matrix",
    "make_system", "kwant_params", "ENGINES", "choose_engine",
    # ensembles and simulations
    "run", "load_experiment", "magnetoconductance", "transmission_statistics",
    # analysis
    "fit_magnetoconductance", "classify_cusp", "beta_function", "perturbative_beta",
    "finite_size_scaling",
]
