"""The engine contract, the registry and the default chooser.

An engine computes the two-terminal conductance of one realisation,
``conductance(model, seed) -> float`` (g = G/(e^2/h) summed over spin; the
disorder is a pure function of (seed, site), :mod:`andersonwl.hamiltonian`),
and declares what it can do.  Every engine sees the same Hamiltonian arrays,
so engines agree to rounding wherever their capabilities overlap.

Adding an engine: write its module in ``andersonwl/engines/`` and register an
:class:`Engine` in ``andersonwl/engines/__init__.py``; the ensemble, the
experiment schema, the command line and the engine fixture of the tests pick
it up from :data:`ENGINES`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .. import _checks
from ..models import StripModel

__all__ = ["Engine", "ENGINES", "AUTO", "register", "engine_names", "get_engine",
           "choose_engine", "resolve_engine", "check_engine", "RGF_MAX_ORBITALS",
           "memory_estimate"]

#: The name that lets :func:`choose_engine` decide.
AUTO = "auto"

#: ``engine="auto"`` uses RGF when a slice has at most this many orbitals
#: (n = width * height * norbs) and Kwant/MUMPS above, when MUMPS is installed.
#: Measured with benchmarks/engines.py (one OpenBLAS thread, E = 0.5, W = 2;
#: docs/engines.md), kwant time / rgf time: n = 100: 4.5, 200: 2.4 (Rashba 2.0),
#: 400: 1.27 (Rashba 1.33), 500: 1.06-1.22 at L = 100 but 0.96 at L = 200,
#: 600: 0.94-1.21; 400 x 400: 1.21.  RGF costs ~8 n^3 flops per column; at
#: n = 500 Kwant's per-column cost equals it, plus a fixed cost.
RGF_MAX_ORBITALS = 500


@dataclasses.dataclass(frozen=True)
class Engine:
    """A conductance engine and what it can do.

    Attributes
    ----------
    name : str
    conductance : callable
        ``conductance(model, seed) -> float``: g of one realisation; called
        only with models :meth:`supports` accepts and a checked seed.
    spinful, three_d, dephasing, coherent : bool
        Whether it handles spinful models, 3D bars (``height > 1``),
        Buttiker-probe dephasing (``dephasing > 0``), and coherent models
        (``dephasing == 0``).
    smatrix : bool
        Whether it also gives the scattering matrix.
    available : callable
        ``available() -> bool``: False when a dependency is missing.
    summary : str
        One line for the docs and error messages.
    memory : callable, optional
        ``memory(model) -> bytes``: the working set of one realisation, for the
        checks before a run (default: the Hamiltonian arrays and a few slice
        matrices, :func:`memory_estimate`).
    """

    name: str
    conductance: Callable[[StripModel, int], float]
    spinful: bool = True
    three_d: bool = True
    dephasing: bool = False
    coherent: bool = True
    smatrix: bool = False
    available: Callable[[], bool] = lambda: True
    summary: str = ""
    memory: Callable[[StripModel], float] | None = None

    def refusal(self, model: StripModel) -> str | None:
        """Why this engine cannot compute ``model`` (None when it can)."""
        if model.dephasing > 0 and not self.dephasing:
            return f"the {self.name} engine is coherent only (dephasing must be 0)"
        if model.dephasing == 0 and not self.coherent:
            return f"the {self.name} engine needs dephasing > 0"
        if model.spinful and not self.spinful:
            return f"the {self.name} engine is spinless only"
        if model.height > 1 and not self.three_d:
            return f"the {self.name} engine handles 2D strips only"
        if not self.available():
            return f"the {self.name} engine is not available on this installation"
        return None

    def supports(self, model: StripModel) -> bool:
        """Whether this engine can compute ``model`` (:meth:`refusal` returns None)."""
        return self.refusal(model) is None


#: name -> Engine, in order of registration
ENGINES: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    """Add ``engine`` to :data:`ENGINES` (replacing one of the same name)."""
    _checks.instance("engine", engine, Engine)
    if engine.name == AUTO:
        raise ValueError(f"{AUTO!r} is reserved for the default chooser")
    ENGINES[engine.name] = engine
    return engine


def engine_names() -> tuple[str, ...]:
    """``"auto"`` and the registered engine names (valid values of ``engine=``)."""
    return (AUTO, *ENGINES)


def check_engine(name) -> str:
    """``name`` if it is ``"auto"`` or a registered engine; ValueError otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"engine must be a string, got {name!r}")
    return _checks.choice("engine", name, engine_names())


def get_engine(name: str) -> Engine:
    """The registered :class:`Engine` called ``name``."""
    check_engine(name)
    if name == AUTO:
        raise ValueError("'auto' is not an engine: call choose_engine(model)")
    return ENGINES[name]


def choose_engine(model: StripModel) -> str:
    """The engine ``engine="auto"`` runs for ``model``.

    ``"probes"`` when ``dephasing > 0``; otherwise ``"rgf"`` for slices of at
    most :data:`RGF_MAX_ORBITALS` orbitals, and ``"kwant"`` above when Kwant
    has its MUMPS solver (without MUMPS, Kwant's SciPy fallback is slower than
    RGF at every size, so RGF is chosen).
    """
    _checks.instance("model", model, StripModel)
    if model.dephasing > 0:
        return "probes"
    n = model.width * model.height * model.norbs        # orbitals per slice
    if n > RGF_MAX_ORBITALS and "kwant" in ENGINES:
        from .kwant_engine import mumps_available
        if mumps_available():
            return "kwant"
    return "rgf"


def resolve_engine(model: StripModel, engine: str = AUTO) -> str:
    """The engine that will compute ``model``: ``engine`` itself, or the choice of ``"auto"``.

    Raises
    ------
    ValueError
        For an unknown engine, or one that cannot compute ``model`` (the
        message says why and which engine can).
    """
    check_engine(engine)
    name = choose_engine(model) if engine == AUTO else engine
    why = ENGINES[name].refusal(model)
    if why is not None:
        able = [e.name for e in ENGINES.values() if e.supports(model)]
        raise ValueError(f"{why}: use engine='auto'" + (f" or one of {able}" if able else ""))
    return name


def memory_estimate(model: StripModel, engine: str) -> float:
    """Bytes one realisation of ``model`` needs on ``engine`` (an estimate, for refusals).

    Default: the Hamiltonian arrays, 16 bytes x 4 blocks per site and orbital
    pair, plus four dense slice matrices of n = width * height * norbs orbitals
    (n^2 complex numbers each).  An engine may state its own (``Engine.memory``).
    """
    eng = ENGINES[engine]
    if eng.memory is not None:
        return float(eng.memory(model))
    k = model.norbs
    n = model.width * model.height * k
    return 64.0 * model.length * model.width * model.height * k * k + 4 * 16.0 * n * n
