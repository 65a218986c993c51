"""Ensembles: many disorder realisations, reproducibly, in parallel, resumable.

``experiment`` (the schema of experiment files, validated before any work),
``plan`` (chunks and the stopping rule), ``runner`` (:func:`run`),
``executors`` (the local process pool, Dask), ``checkpoint`` (crash-safe
chunks), ``progress``.  Realisation seeds follow the one rule of
:func:`andersonwl._random.realization_seeds`.
"""

from __future__ import annotations

from .._random import SEED_STREAM, realization_seeds
from ..analysis.stats import reductions
from .checkpoint import CheckpointError
from .experiment import (
                         DEFAULT_CHUNK,
                         Experiment,
                         ExperimentError,
                         auto_chunk,
                         load_experiment,
                         sweep_experiment,
)
from .runner import VARIABLES, run

__all__ = ["run", "Experiment", "ExperimentError", "CheckpointError", "load_experiment",
           "sweep_experiment", "realization_seeds", "reductions", "SEED_STREAM",
           "DEFAULT_CHUNK", "auto_chunk", "VARIABLES"]
