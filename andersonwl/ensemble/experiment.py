"""Experiment files: what an ensemble run computes, parsed and validated.

An experiment is a TOML file (or a dictionary of the same shape) with three
tables.  Everything is checked before any computation starts and before any
file is written: unknown keys (the error names the closest valid key), wrong
types, invalid values (NaN, negative disorder, ...), empty sweeps and
impossible combinations.  Every point of the parameter grid is validated by
constructing its :class:`~andersonwl.models.StripModel`.

Schema
------
``[model]`` (required)
    The fields of :class:`~andersonwl.models.StripModel`, under exactly their
    names (read from the dataclass, :meth:`StripModel.field_names`):
    ``length``, ``width``, ``energy`` (required), ``disorder``, ``flux``,
    ``rashba``, ``exchange``, ``spin_orbit``, ``disorder_kind``, ... (optional,
    with the model's defaults).  Any field may be a list: the run covers the
    outer product of all lists, and each field given as a list (even a
    one-element list) becomes a dimension of the result, in the order of the
    model's fields; scalar fields are not dimensions.  TOML has no null:
    write ``spin_orbit = "none"`` for ``spin_orbit=None``.  Lists must be
    non-empty, flat and free of duplicates.  Vector fields (``zeeman``,
    three numbers) are one value as a flat list (``zeeman = [0, 0, 0.1]``)
    and a sweep as a list of such lists (``zeeman = [[0, 0, 0], [0, 0,
    0.1]]``); a swept vector's coordinate is its text (``"0,0,0.1"``), with
    the numbers in the coordinate ``zeeman_vector`` (zeeman, xyz).  Size ladders: ``width =
    "length"`` ties the width to the length of each grid point (L x L
    squares, the ``length`` dimension is the size), and ``height = "length"``
    or ``height = "width"`` makes cubes or bars of square cross-section.
``[ensemble]`` (required)
    ``seed``
        Non-negative integer below 2**63 (required).  Realisation ``r`` uses
        the disorder seed ``realization_seeds(seed, r + 1)[r]`` at every grid
        point (common random numbers), see
        :func:`andersonwl.ensemble.realization_seeds`.
    ``realizations``
        A fixed number (>= 2) of realisations per grid point.  Or, instead,
        a stopping rule on the relative standard error of the mean
        conductance, decided independently at every grid point:
    ``rel_stderr``
        Stop once ``stderr / |mean| <= rel_stderr`` (a positive number; never
        true for a zero mean) ...
    ``min_realizations``, ``max_realizations``
        ... but use at least ``min_realizations`` (>= 2) and at most
        ``max_realizations`` (>= ``min_realizations``).  Both are required
        with ``rel_stderr``.
    ``batch``
        The rule is checked after every complete round of ``batch``
        realisations (optional, default ``min_realizations``), so that the
        result does not depend on timing or on the number of workers.
``[run]`` (optional)
    ``engine``
        ``"auto"`` (default) or a name of :data:`andersonwl.engines.ENGINES`;
        every grid point must be computable by it (checked here).
    ``workers``
        Number of worker processes of the default local pool (default: one
        per core).  Not part of the experiment's fingerprint: a run may be
        resumed with another number of workers.
    ``chunk``
        Realisations per task (default: :func:`auto_chunk`, between 10 and 100,
        tasks of about 50 ms on one core).  It sets the granularity of
        scheduling and of checkpoints, never the values (a checkpoint can only
        be resumed with the same chunk; the chunk used is recorded in the
        result's ``experiment`` attribute).
    ``transmission``
        Keep the ``transmission`` largest transmission eigenvalues of every
        realisation (default 0: none) as the dataset variable ``transmission``
        (*swept, realization, channel), NaN beyond the open channels; the
        conductance is then their full sum.  Coherent engines only (``rgf``,
        ``kwant``), at temperature 0.
    ``observable``
        ``"conductance"`` (default) or ``"lambda"``: transfer-matrix
        localization lengths of quasi-1D bars (MacKinnon and Kramer, Z. Phys.
        B 53, 1 (1983)).  Each realisation is then an independent segment of
        ``length`` columns of a bar of cross-section ``width`` (x ``height``)
        after ``warmup`` discarded columns, and its value is the segment's
        smallest positive Lyapunov exponent gamma
        (:func:`andersonwl.engines.transfer.segment_exponent`); the stopping
        rule ``rel_stderr`` is then the target relative error of gamma (and of
        Lambda).  The dataset has ``exponent`` (*swept, realization) instead of
        ``conductance``, and ``Lambda = 1 / (M <gamma>)``, ``Lambda_err``,
        ``xi`` per grid point (M = ``width``).  Leads play no part (any energy
        inside the band).
    ``boundary``
        With ``observable = "lambda"``: ``"hardwall"`` (default),
        ``"periodic"`` or ``"antiperiodic"`` transverse boundaries.
    ``warmup``
        With ``observable = "lambda"``: columns discarded before each segment
        (default :func:`andersonwl.engines.transfer.default_warmup`, 50 M).
    ``spin``
        ``"z"``, ``"x"`` or ``"y"``: also keep the spin-resolved conductances
        g[s_out, s_in] of every realisation along that axis (dataset variable
        ``spin_conductance`` (*swept, realization, spin_out, spin_in), up
        first, :func:`andersonwl.engines.spin_conductances`), with the spin
        polarisation P of each grid point.  Spinful models with
        spin-conserving leads (``leads = "normal"`` for Rashba samples), on
        ``rgf`` or ``kwant``, at temperature 0; not with ``transmission``.

Examples
--------
A magnetoconductance sweep of a Rashba strip, 400 realisations per point::

    [model]
    length = 40
    width = 40
    energy = 0.5
    disorder = 2.0
    rashba = [0.0, 0.5]          # a dimension of the result
    spin_orbit = "rashba"
    flux = [0.0, 0.0005, 0.001, 0.002]
    disorder_kind = "box"

    [ensemble]
    seed = 20240611
    realizations = 400
    # or, instead of realizations:
    # rel_stderr = 0.005
    # min_realizations = 50
    # max_realizations = 2000
    # batch = 50

    [run]
    engine = "auto"
    workers = 4
    chunk = 10

>>> exp = load_experiment("sweep.toml")            # doctest: +SKIP
>>> exp.swept, exp.grid_shape                      # doctest: +SKIP
(('flux', 'rashba'), (4, 2))
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import _checks
from .._random import check_seed
from ..models import StripModel

__all__ = ["Experiment", "ExperimentError", "load_experiment", "sweep_experiment", "TABLES",
           "ENSEMBLE_KEYS", "RUN_KEYS", "DEFAULT_CHUNK", "auto_chunk"]

#: The tables of an experiment file.
TABLES = ("model", "ensemble", "run")
#: Keys of the ``[ensemble]`` table.
ENSEMBLE_KEYS = ("seed", "realizations", "rel_stderr", "min_realizations", "max_realizations",
                 "batch")
#: Keys of the ``[run]`` table.
RUN_KEYS = ("engine", "workers", "chunk", "transmission", "spin", "observable", "boundary",
            "warmup")
#: Values of ``[run] observable``.
OBSERVABLES = ("conductance", "lambda")
#: Values of ``[run] spin``.
SPIN_AXES = ("x", "y", "z")
#: Smallest automatic number of realisations per task (see :func:`auto_chunk`).
DEFAULT_CHUNK = 10

_STOP_KEYS = ("rel_stderr", "min_realizations", "max_realizations", "batch")
#: largest experiment file read (an experiment is a short text)
MAX_FILE_BYTES = 1 << 20
#: memory one worker may use for one realisation, and the run for its results (bytes):
#: half of this machine's memory
MEMORY_LIMIT = (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2
#: The TOML spelling of ``None`` for optional string fields.
_NONE = "none"


class ExperimentError(ValueError):
    """An experiment file or dictionary that cannot be run."""


def _unknown_key(where: str, key: Any, valid) -> ExperimentError:
    return _checks.unknown_key(where, key, valid, ExperimentError)


def _checked(check, where, *args, **kwargs):
    """Run one of :mod:`andersonwl._checks` named ``where``; failures become ExperimentError."""
    try:
        return check(where, *args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise ExperimentError(str(exc)) from None


def _integer(where, value, minimum):
    return _checked(_checks.integer, where, value, minimum=minimum)


def _positive_real(where, value):
    return _checked(_checks.real, where, value, positive=True)


def _plain(value):
    """A NumPy scalar as the Python scalar of the same kind (for JSON and StripModel)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _optional_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(StripModel) if "None" in str(f.type))


def _field_value(name, value):
    """Normalise one value of a model field (TOML's "none" -> None, NumPy -> Python)."""
    value = _plain(value)
    if isinstance(value, str) and value == _NONE and name in _optional_fields():
        return None
    return value


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A validated experiment (see the module docstring for the schema).

    Attributes
    ----------
    model : dict
        Every :class:`~andersonwl.models.StripModel` field (defaults filled
        in): a value, or a tuple of values for a swept field.
    swept : tuple of str
        The swept fields, in the order of the model's fields: the dimensions
        of the result.
    seed : int
        The ensemble seed.
    realizations : int or None
        Fixed number of realisations, or None with the stopping rule.
    rel_stderr, min_realizations, max_realizations, batch
        The stopping rule (None with a fixed number of realisations).
    engine : str
    workers : int or None
    chunk : int or None
        None: :func:`auto_chunk` (resolved at construction).
    transmission : int
        Transmission eigenvalues kept per realisation (0: none).
    spin : str or None
        Axis of the spin-resolved conductances kept per realisation (None: none).
    """

    model: Mapping[str, Any]
    swept: tuple[str, ...]
    seed: int
    realizations: int | None = None
    rel_stderr: float | None = None
    min_realizations: int | None = None
    max_realizations: int | None = None
    batch: int | None = None
    engine: str = "auto"
    workers: int | None = None
    chunk: int = DEFAULT_CHUNK
    transmission: int = 0
    spin: str | None = None
    observable: str = "conductance"
    boundary: str | None = None
    warmup: int | None = None

    @property
    def row_width(self) -> int:
        """Values stored per realisation: g, then K eigenvalues or the 4 g[s_out, s_in]."""
        return 1 + self.transmission + (4 if self.spin else 0)

    @property
    def extra(self) -> str | None:
        """What follows g in a row: "transmission", "spin" or None."""
        return "transmission" if self.transmission else ("spin" if self.spin else None)

    def __post_init__(self):
        if self.observable == "lambda" and self.chunk is None:
            object.__setattr__(self, "chunk", 1)       # a segment is a long task already
        if self.chunk is None:
            object.__setattr__(self, "chunk", auto_chunk(self))

    # -- grid -----------------------------------------------------------
    @property
    def grid_shape(self) -> tuple[int, ...]:
        """Number of values of each swept field."""
        return tuple(len(self.model[k]) for k in self.swept)

    @property
    def n_points(self) -> int:
        """Number of grid points (the product of :attr:`grid_shape`)."""
        return math.prod(self.grid_shape)

    def coords(self) -> dict[str, tuple]:
        """Swept field -> its values."""
        return {k: tuple(self.model[k]) for k in self.swept}

    def points(self) -> Iterator[dict]:
        """The model fields of every grid point, in C order of :attr:`grid_shape`.

        Tied sizes (``width = "length"``, ...) are resolved to numbers.
        """
        fixed = {k: v for k, v in self.model.items() if k not in self.swept}
        for values in itertools.product(*(self.model[k] for k in self.swept)):
            yield _resolve_ties({**fixed, **dict(zip(self.swept, values))})

    def models(self) -> list[StripModel]:
        """The StripModel of every grid point (validated), in C order."""
        return list(self._models)

    @functools.cached_property
    def _models(self) -> tuple[StripModel, ...]:
        return tuple(StripModel(**p) for p in self.points())

    def engines(self) -> list[str]:
        """The engine that computes every grid point (``"auto"`` resolved), in C order."""
        return list(self._engines)

    @functools.cached_property
    def _engines(self) -> tuple[str, ...]:
        from ..engines import resolve_engine
        if self.observable == "lambda":
            return ("transfer",) * len(self._models)
        return tuple(resolve_engine(m, self.engine) for m in self._models)

    # -- ensemble -------------------------------------------------------
    @property
    def stopping_rule(self) -> bool:
        """Whether the realisations are set by the stopping rule (not a fixed number)."""
        return self.realizations is None

    @property
    def max_count(self) -> int:
        """Largest number of realisations a grid point can use."""
        return self.realizations if self.realizations is not None else self.max_realizations

    def rounds(self) -> list[tuple[int, int]]:
        """Realisation ranges ``[start, stop)`` after each of which a grid point may stop."""
        if self.realizations is not None:
            return [(0, self.realizations)]
        return [(s, min(s + self.batch, self.max_realizations))
                for s in range(0, self.max_realizations, self.batch)]

    # -- serialisation --------------------------------------------------
    def as_dict(self) -> dict:
        """The experiment as a dictionary of the TOML shape (JSON-able; None kept as None)."""
        def plain(k, v):               # vector fields as lists, as TOML and JSON hold them
            return list(v) if k in VECTOR_FIELDS else v
        model = {k: ([plain(k, x) for x in v] if k in self.swept else plain(k, v))
                 for k, v in self.model.items()}
        ens = {"seed": self.seed}
        if self.realizations is not None:
            ens["realizations"] = self.realizations
        else:
            ens.update(rel_stderr=self.rel_stderr, min_realizations=self.min_realizations,
                       max_realizations=self.max_realizations, batch=self.batch)
        run = {"engine": self.engine, "chunk": self.chunk}
        if self.transmission:
            run["transmission"] = self.transmission
        if self.spin:
            run["spin"] = self.spin
        if self.observable != "conductance":
            run.update(observable=self.observable, boundary=self.boundary, warmup=self.warmup)
        if self.workers is not None:
            run["workers"] = self.workers
        return {"model": model, "ensemble": ens, "run": run}

    def to_json(self) -> str:
        """The experiment as JSON text (:meth:`as_dict` serialised)."""
        return json.dumps(self.as_dict(), sort_keys=False)

    def fingerprint(self) -> str:
        """SHA-256 of everything that fixes the result and its checkpoint layout.

        The number of workers is left out: it changes neither.
        """
        d = self.as_dict()
        d["run"].pop("workers", None)
        for name, default in LATE_FIELDS.items():
            value = d["model"].get(name)
            if name not in self.swept and value == (list(default) if isinstance(default, tuple)
                                                    else default):
                d["model"].pop(name, None)
        d["swept"] = list(self.swept)
        text = json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------
def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ModuleNotFoundError("reading TOML needs Python >= 3.11 (tomllib) or the "
                                      "tomli package") from None
    return tomllib


def _read(source) -> tuple[Mapping, str]:
    if isinstance(source, (str, os.PathLike)):
        tomllib = _toml()
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no such experiment file: {path}")
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a directory: give the experiment file (TOML)")
        if not path.is_file():
            raise ExperimentError(f"{path} is not a regular file (an experiment is a TOML file)")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ExperimentError(f"{path} is {path.stat().st_size} bytes: an experiment file "
                                  f"is a short TOML text (at most {MAX_FILE_BYTES} bytes)")
        try:
            data = tomllib.loads(path.read_bytes()[:MAX_FILE_BYTES + 1].decode("utf-8"))
        except UnicodeDecodeError:
            raise ExperimentError(f"{path}: not a text file (an experiment is TOML)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ExperimentError(f"{path}: not valid TOML: {exc}") from None
        return data, str(path)
    if isinstance(source, Mapping):
        return source, "experiment"
    raise TypeError(f"an experiment is a path or a dictionary, got {type(source).__name__}")


def _table(data, name, where, required):
    if name not in data:
        if required:
            raise ExperimentError(f"{where}: missing table [{name}]")
        return {}
    table = data[name]
    if not isinstance(table, Mapping):
        raise ExperimentError(f"{where}: [{name}] must be a table, got {table!r}")
    return table


#: model fields whose value is a vector of this many numbers
VECTOR_FIELDS = {"zeeman": 3}
#: model fields added after the checkpoint format was fixed: left out of the
#: fingerprint at their default, so that runs started before they existed resume
LATE_FIELDS = {"zeeman": (0.0, 0.0, 0.0), "leads": "sample", "lattice": "square"}


def _vector(where, name, value):
    """A vector field's value: (value, swept) from a flat list or a list of lists."""
    n = VECTOR_FIELDS[name]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value:
        raise ExperimentError(f"{where} [model] {name}: {n} numbers (a list), or a list of "
                              f"such lists to sweep it, got {value!r}")
    if all(isinstance(v, (list, tuple, np.ndarray)) for v in value):
        return tuple(_checked(_checks.vector, f"{where} [model] {name}", list(v), n)
                     for v in value), True
    return _checked(_checks.vector, f"{where} [model] {name}", list(value), n), False


#: sizes that may be tied to another size of the same grid point (size ladders)
TIES = {"width": ("length",), "height": ("length", "width")}


def _resolve_ties(point: dict) -> dict:
    for name, targets in TIES.items():
        if point.get(name) in targets:
            point[name] = point[point[name]]
    return point


def _parse_model(table, where):
    fields = {f.name: f for f in dataclasses.fields(StripModel)}
    for key in table:
        if key not in fields:
            raise _unknown_key(f"{where} [model]", key, fields)
    required = [name for name, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in table]
    if missing:
        raise ExperimentError(f"{where} [model]: missing required field(s) "
                              f"{', '.join(missing)}")
    model, swept = {}, []
    for name, f in fields.items():
        if name not in table:
            model[name] = f.default
            continue
        value = table[name]
        if name in VECTOR_FIELDS:
            model[name], sweep = _vector(where, name, value)
            if sweep:
                swept.append(name)
            continue
        if isinstance(value, str) and name in TIES:
            if value not in TIES[name]:
                raise ExperimentError(f"{where} [model] {name}: a size is an integer, a list "
                                      f"or the name of a size it equals ({', '.join(TIES[name])}),"
                                      f" not {value!r}")
            model[name] = value
            continue
        if isinstance(value, (list, tuple, np.ndarray)):
            if isinstance(value, np.ndarray) and value.ndim != 1:
                raise ExperimentError(f"{where} [model] {name}: a sweep must be a flat list")
            values = tuple(_field_value(name, v) for v in value)
            if not values:
                raise ExperimentError(f"{where} [model] {name}: empty list (a swept field "
                                      "needs at least one value)")
            for v in values:
                if isinstance(v, (list, tuple, dict, np.ndarray)):
                    raise ExperimentError(f"{where} [model] {name}: a sweep must be a flat "
                                          f"list of values, got the element {v!r}")
            model[name] = values
            swept.append(name)
        else:
            model[name] = _field_value(name, value)
    return model, tuple(swept)


def _check_values(model, swept, where, engine="auto", observable="conductance"):
    """Validate every grid point: its StripModel, its leads and its engine; one spin content.

    Then normalise the numbers (ints as int, reals as float).
    """
    from ..engines import resolve_engine
    fixed = {k: v for k, v in model.items() if k not in swept}
    spins = {}
    for values in itertools.product(*(model[k] for k in swept)):
        point = dict(zip(swept, values))
        try:
            m = StripModel(**_resolve_ties({**fixed, **point}))
            if observable == "lambda":      # transfer matrices: no leads, no engine choice
                if m.dephasing > 0:
                    raise ValueError("transfer matrices describe coherent propagation: "
                                     "dephasing must be 0")
            else:
                m.check_leads()
                resolve_engine(m, engine)
            if m.temperature > 0:
                from ..engines.thermal import window
                window(m)                    # the Fermi window inside the lead band
        except (ValueError, TypeError) as exc:
            at = ", ".join(f"{k}={v!r}" for k, v in point.items())
            at = f" at the grid point ({at})" if at else ""
            raise ExperimentError(f"{where} [model]{at}: {exc}") from None
        # spin content may differ only between values of the fields that define it
        group = spins.setdefault((point.get("spin_orbit"), point.get("spinful")), {})
        group.setdefault(m.spinful, point)
    mixed = [g for g in spins.values() if len(g) > 1]
    if mixed:
        at = {flag: ", ".join(f"{k}={v!r}" for k, v in p.items()) for flag, p in mixed[0].items()}
        raise ExperimentError(
            f"{where} [model]: the grid mixes spinless ({at[False]}) and spinful "
            f"({at[True]}) models, whose conductances differ by the spin factor: write "
            "spinful = true (or spin_orbit = \"rashba\" for a Rashba sweep) to compare "
            "like with like")
    for name in swept:
        seen = []
        for v in model[name]:
            if v in seen:
                raise ExperimentError(f"{where} [model] {name}: duplicate value {v!r}")
            seen.append(v)
    # the types are valid now: store ints as int, reals as float (JSON, coordinates)
    kinds = {f.name: {"int": int, "float": float}.get(str(f.type))
             for f in dataclasses.fields(StripModel)}
    for name in model:
        conv = kinds[name]
        if conv is not None and not (name in TIES and isinstance(model[name], str)):
            v = model[name]
            model[name] = tuple(conv(x) for x in v) if name in swept else conv(v)


def _parse_ensemble(table, where):
    w = f"{where} [ensemble]"
    for key in table:
        if key not in ENSEMBLE_KEYS:
            raise _unknown_key(w, key, ENSEMBLE_KEYS)
    if "seed" not in table:
        raise ExperimentError(f"{w}: missing key 'seed' (a non-negative integer)")
    seed = _plain(table["seed"])
    try:
        seed = check_seed(seed)
    except (TypeError, ValueError) as exc:
        raise ExperimentError(f"{w} seed: {exc}") from None
    out = dict(seed=seed)
    stop = [k for k in _STOP_KEYS if k in table]
    if "realizations" in table:
        if stop:
            raise ExperimentError(f"{w}: give either 'realizations' or the stopping rule "
                                  f"(rel_stderr, min/max_realizations, batch), not both "
                                  f"(found {', '.join(stop)})")
        out["realizations"] = _integer(f"{w} realizations", _plain(table["realizations"]), 2)
        return out
    if not stop:
        raise ExperimentError(f"{w}: missing 'realizations' (or a stopping rule: rel_stderr, "
                              "min_realizations, max_realizations)")
    for key in ("rel_stderr", "min_realizations", "max_realizations"):
        if key not in table:
            raise ExperimentError(f"{w}: the stopping rule needs {key!r} "
                                  f"(found {', '.join(stop)})")
    out["rel_stderr"] = _positive_real(f"{w} rel_stderr", _plain(table["rel_stderr"]))
    lo = _integer(f"{w} min_realizations", _plain(table["min_realizations"]), 2)
    hi = _integer(f"{w} max_realizations", _plain(table["max_realizations"]), lo)
    out.update(min_realizations=lo, max_realizations=hi)
    out["batch"] = _integer(f"{w} batch", _plain(table.get("batch", lo)), 1)
    return out


def _parse_run(table, where):
    from ..engines import engine_names  # read now: engines may be registered at run time
    w = f"{where} [run]"
    for key in table:
        if key not in RUN_KEYS:
            raise _unknown_key(w, key, RUN_KEYS)
    out = {}
    engine = _plain(table.get("engine", "auto"))
    engines = engine_names()
    if not isinstance(engine, str) or engine not in engines:
        raise ExperimentError(f"{w} engine: unknown engine {engine!r}"
                              f"{_checks.closest(engine, engines)} (valid: {', '.join(engines)})")
    out["engine"] = engine
    if "workers" in table:
        out["workers"] = _integer(f"{w} workers", _plain(table["workers"]), 1)
    if "transmission" in table:
        out["transmission"] = _integer(f"{w} transmission", _plain(table["transmission"]), 0)
    observable = _plain(table.get("observable", "conductance"))
    if observable not in OBSERVABLES:
        raise ExperimentError(f"{w} observable: one of {', '.join(OBSERVABLES)}, got "
                              f"{observable!r}{_checks.closest(observable, OBSERVABLES)}")
    if observable == "lambda":
        from ..engines.transfer import BOUNDARIES
        bad = [k for k in ("spin", "transmission") if k in table]
        if bad or engine != "auto":
            raise ExperimentError(f"{w}: observable = \"lambda\" (transfer matrices) takes "
                                  f"no {', '.join(bad) or 'engine'}")
        boundary = _plain(table.get("boundary", "hardwall"))
        if boundary not in BOUNDARIES:
            raise ExperimentError(f"{w} boundary: one of {', '.join(BOUNDARIES)}, got "
                                  f"{boundary!r}")
        out.update(observable="lambda", boundary=boundary)
        if "warmup" in table:
            out["warmup"] = _integer(f"{w} warmup", _plain(table["warmup"]), 0)
    else:
        bad = [k for k in ("boundary", "warmup") if k in table]
        if bad:
            raise ExperimentError(f"{w} {bad[0]}: only with observable = \"lambda\"")
    if "spin" in table:
        spin = _plain(table["spin"])
        if spin not in SPIN_AXES:
            raise ExperimentError(f"{w} spin: the spin axis, one of {', '.join(SPIN_AXES)}, "
                                  f"got {spin!r}")
        out["spin"] = spin
        if out.get("transmission"):
            raise ExperimentError(f"{w}: spin and transmission cannot be kept together "
                                  "(run one experiment for each)")
    if "chunk" in table:
        out["chunk"] = _integer(f"{w} chunk", _plain(table["chunk"]), 1)
    else:
        out["chunk"] = None                  # auto_chunk
    return out


def load_experiment(source) -> Experiment:
    """Parse and validate an experiment.

    Parameters
    ----------
    source : str, os.PathLike, Mapping or Experiment
        A TOML file, or a dictionary of the same shape.

    Returns
    -------
    Experiment

    Raises
    ------
    ExperimentError
        (a ValueError) on unknown keys (naming the closest valid key), wrong
        types, invalid values, empty sweeps, impossible combinations and
        invalid grid points.  Nothing is computed or written before.
    FileNotFoundError
        When the file does not exist.
    """
    if isinstance(source, Experiment):
        return source
    data, where = _read(source)
    for key in data:
        if key not in TABLES:
            raise _unknown_key(f"{where}: top level", key, TABLES)
    model, swept = _parse_model(_table(data, "model", where, True), where)
    ens = _parse_ensemble(_table(data, "ensemble", where, True), where)
    run = _parse_run(_table(data, "run", where, False), where)
    _check_values(model, swept, where, run["engine"], run.get("observable", "conductance"))
    exp = Experiment(model=model, swept=swept, **ens, **run)
    _check_transmission(exp, where)
    _check_spin(exp, where)
    _check_lambda(exp, where)
    _check_resources(exp, where)
    return exp


def _check_points(exp: Experiment, where: str, key: str, check) -> None:
    """``check(model, engine)`` at every grid point; its ValueError names the point."""
    for point, m, engine in zip(exp.points(), exp.models(), exp.engines()):
        try:
            check(m, engine)
        except ValueError as exc:
            at = ", ".join(f"{k}={point[k]!r}" for k in exp.swept) or "-"
            raise ExperimentError(f"{where} [run] {key} at the grid point ({at}): "
                                  f"{exc}") from None


def _check_lambda(exp: Experiment, where: str) -> None:
    """``observable = "lambda"``: every grid point takes the boundary condition."""
    if exp.observable != "lambda":
        return
    from ..engines.transfer import _check_boundary
    _check_points(exp, where, "boundary", lambda m, engine: _check_boundary(m, exp.boundary))


def _check_spin(exp: Experiment, where: str) -> None:
    """``[run] spin`` needs spin-conserving leads, coherent transport, rgf or kwant."""
    from ..engines.spin import SPIN_ENGINES, check_spin_resolved
    if not exp.spin:
        return

    def check(m, engine):
        check_spin_resolved(m, exp.spin)
        if engine not in SPIN_ENGINES:
            raise ValueError(f"the {engine} engine gives no spin-resolved conductances "
                             f"(use {' or '.join(SPIN_ENGINES)})")
    _check_points(exp, where, "spin", check)


def _check_transmission(exp: Experiment, where: str) -> None:
    """``[run] transmission`` needs coherent transport at one energy on rgf or kwant."""
    from ..engines import TRANSMISSION_ENGINES
    if not exp.transmission:
        return

    def check(m, engine):
        if m.dephasing > 0 or m.temperature > 0:
            raise ValueError("transmission eigenvalues need coherent transport at one energy "
                             "(dephasing = 0, temperature = 0)")
        if engine not in TRANSMISSION_ENGINES:
            raise ValueError(f"the {engine} engine gives no transmission eigenvalues (use "
                             f"{' or '.join(TRANSMISSION_ENGINES)})")
    _check_points(exp, where, "transmission", check)


#: Per-realisation cost model of :func:`auto_chunk` (RGF, one BLAS thread,
#: measured on 4x4 ... 60x60 strips): FIXED seconds + PER_ORBITAL seconds
#: per orbital of the sample.
AUTO_CHUNK_COST = dict(fixed=0.45e-3, per_orbital=3.5e-6, task=0.05)


def auto_chunk(exp: Experiment) -> int:
    """The default ``[run] chunk``: tasks of about 50 ms, deterministic from the experiment.

    ``chunk = 0.05 s / t`` with ``t = 0.45 ms + 3.5 us x orbitals`` (the RGF
    cost of one realisation of the largest grid point, measured), between
    :data:`DEFAULT_CHUNK` (10) and 100, and at most 1/32 of the first round's
    realisations of all grid points (so there are enough tasks to share).
    Small samples thus get larger tasks: the per-task cost of the main process
    (submission, checkpoint write) stays a few per cent of the work, which is
    what lets 2 workers run twice as fast as 1 on a 4 x 4 strip.

    It depends on the experiment only, never on the machine or the number of
    workers, so a run resumes anywhere with the same chunks.
    """
    orbitals = max(m.length * m.width * m.height * m.norbs for m in exp.models())
    c = AUTO_CHUNK_COST
    per_task = int(c["task"] / (c["fixed"] + c["per_orbital"] * orbitals))
    share = -(-exp.n_points * exp.rounds()[0][1] // 32)
    return max(DEFAULT_CHUNK, min(100, per_task, share))


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def _check_resources(exp: Experiment, where: str) -> None:
    """Refuse, before any work, an experiment whose memory cannot fit (estimates stated).

    Per realisation: the engine's working set (:func:`andersonwl.engines.memory_estimate`);
    per run: the results, 8 bytes per realisation and grid point, three times over.
    """
    from ..engines import memory_estimate
    results = 24 * exp.n_points * exp.max_count * exp.row_width
    if results > MEMORY_LIMIT:
        raise ExperimentError(
            f"{where}: {exp.n_points} grid points x {exp.max_count} realisations need about "
            f"{_gib(results)} for the results alone, more than the limit {_gib(MEMORY_LIMIT)} "
            "(half of this machine's memory): split the run or use fewer realisations")
    if exp.observable == "lambda":     # a (2n, n) product and a chunk of columns: small
        return
    need, point, engine = max(
        ((memory_estimate(m, e), p, e) for m, e, p in zip(exp.models(), exp.engines(),
                                                           exp.points())),
        key=lambda t: t[0])
    if need > MEMORY_LIMIT:
        at = ", ".join(f"{k}={point[k]!r}" for k in exp.swept) or "-"
        raise ExperimentError(
            f"{where} [model] at the grid point ({at}): one realisation needs about "
            f"{_gib(need)} ({engine} engine), more than the limit "
            f"{_gib(MEMORY_LIMIT)} (half of this machine's memory): use a smaller sample")


def sweep_experiment(model: StripModel, *, realizations: int, seed: int, engine: str = "auto",
                     chunk: int | None = None, **sweeps) -> Experiment:
    """The experiment of ``model`` swept over some of its fields, built without a file.

    For the simulations (:mod:`andersonwl.simulations`): ``sweeps`` maps field
    names to sequences of values (each a dimension of the result, in the
    order of the model's fields).  Validated like a file (every grid point
    built, its leads and engine checked, one spin content).

    Examples
    --------
    >>> sweep_experiment(model, flux=[0.0, 0.001], realizations=100, seed=1)  # doctest: +SKIP
    """
    _checks.instance("model", model, StripModel)
    fields = model.as_dict()
    for name, values in sweeps.items():
        if name not in fields:
            raise _checks.unknown_key("sweep_experiment", name, fields)
        values = tuple(tuple(float(c) for c in v) if name in VECTOR_FIELDS else _plain(v)
                       for v in values)
        if not values:
            raise ValueError(f"sweep_experiment: empty sweep of {name}")
        fields[name] = values
    swept = tuple(name for name in fields if name in sweeps)
    where = "sweep_experiment"
    _check_values(fields, swept, where, _checks.choice("engine", engine, _engine_names()))
    ens = dict(seed=check_seed(seed),
               realizations=_checks.integer("realizations", realizations, minimum=2))
    if chunk is not None:
        chunk = _checks.integer("chunk", chunk, minimum=1)
    exp = Experiment(model=fields, swept=swept, engine=engine, chunk=chunk, **ens)
    _check_resources(exp, where)
    return exp


def _engine_names():
    from ..engines import engine_names
    return engine_names()
