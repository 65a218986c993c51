"""Analysis: data in, physics numbers out.  Pure functions of data; no engine is imported.

``stats`` (reductions, weights, jackknife), ``wl_formulas`` (HLN, HLN-SO,
ILP, McCann), ``wl_fits`` (fits of cusps), ``cusp`` (WL/WAL/none), ``dephasing``
(dephasing laws, L_phi(T)), ``probe_series`` (L_phi against probe
dephasing), ``beta`` (beta(g), perturbative beta), ``fss`` (finite-size
scaling), ``transmission`` (Fano factor, Dorokhov density, universal
conductance fluctuations, transport regime), ``spin`` (spin polarisation,
spin relaxation fits, D'yakonov-Perel lengths).
"""

from __future__ import annotations

from .beta import beta_function, mean_free_path, perturbative_beta
from .cusp import CUSP_CLASSES, DEFAULT_NSIGMA, classify_cusp
from .dephasing import (
                        DephasingFit,
                        aak_rate,
                        dephasing_rate,
                        fit_dephasing,
                        fit_temperature_series,
                        phase_coherence_length,
)
from .fss import ScalingFit, crossing_points, finite_size_scaling
from .probe_series import ProbeSeriesFit, fit_probe_series
from .spin import (
                   DPEstimate,
                   SpinRelaxationFit,
                   dyakonov_perel,
                   fit_spin_relaxation,
                   polarization_of_means,
                   spin_polarization,
)
from .stats import jackknife_error, reductions
from .transmission import (
                           DiffusiveDepth,
                           FanoResult,
                           UCFReport,
                           diffusive_depth,
                           dorokhov_density,
                           fano_factor,
                           transmission_histogram,
                           ucf_report,
                           universal_variance,
)
from .wl_fits import MagnetoconductanceFit, SharedAlphaFit, fit_magnetoconductance, fit_shared_alpha
from .wl_formulas import MODEL_LENGTHS, MODELS, hln, hln_so, hln_y, ilp, mccann, model_delta_sigma

__all__ = ["beta_function", "mean_free_path", "perturbative_beta", "classify_cusp",
           "CUSP_CLASSES", "DEFAULT_NSIGMA", "DephasingFit", "aak_rate", "dephasing_rate",
           "fit_dephasing", "fit_temperature_series", "phase_coherence_length", "ScalingFit",
           "crossing_points", "finite_size_scaling", "ProbeSeriesFit", "fit_probe_series",
           "jackknife_error", "reductions", "MagnetoconductanceFit", "SharedAlphaFit",
           "fit_magnetoconductance", "fit_shared_alpha", "MODELS", "hln", "hln_so", "hln_y",
           "ilp", "mccann", "MODEL_LENGTHS", "model_delta_sigma", "DiffusiveDepth", "FanoResult",
           "UCFReport",
           "diffusive_depth", "dorokhov_density", "fano_factor", "transmission_histogram",
           "ucf_report", "universal_variance", "DPEstimate", "SpinRelaxationFit",
           "dyakonov_perel", "fit_spin_relaxation", "polarization_of_means",
           "spin_polarization"]
