"""Which chunks of an ensemble to compute, in rounds; deterministic given the values.

A chunk is ``(point, start, stop)``: realisations ``start <= r < stop`` of
grid point ``point``.  With a stopping rule, a point stops after the first
complete round of ``batch`` realisations whose relative standard error of
the mean is below the target, so the decision never depends on timing or on
the number of workers.
"""

from __future__ import annotations

import numpy as np

from .._random import realization_seeds
from .checkpoint import CheckpointError
from .experiment import Experiment

__all__ = ["Plan"]


class Plan:
    """Which chunks to compute, in rounds; deterministic given the values."""

    def __init__(self, exp: Experiment, values: dict):
        self.exp = exp
        self.points = list(exp.points())
        self.models = exp.models()
        self.engines = exp.engines()         # the engine that computes each point
        self.seeds = realization_seeds(exp.seed, exp.max_count)
        self.rounds = exp.rounds()
        self.values = values                 # (point, start, stop) -> array
        self.round = [0] * len(self.points)  # current round of each point
        self.count = [None] * len(self.points)
        self.inflight = set()
        self.missing = {}                    # point -> chunks of its current round not done
        unknown = sorted(set(values) - self.keys(exp))
        if unknown:
            raise CheckpointError(f"the checkpoint holds chunks this experiment does not "
                                  f"have: {unknown[:3]}")

    @staticmethod
    def keys(exp: Experiment) -> set:
        """Every chunk ``(point, start, stop)`` the experiment can ask for."""
        return {(p, s, e) for p in range(exp.n_points)
                for start, stop in exp.rounds()
                for s, e in Plan._split(start, stop, exp.chunk)}

    @staticmethod
    def _split(start, stop, step):
        return [(s, min(s + step, stop)) for s in range(start, stop, step)]

    def _chunks(self, k):
        return self._split(*self.rounds[k], self.exp.chunk)

    def series(self, p, n):
        """The first n conductances of point p (all their chunks must be present).

        With ``[run] transmission`` these are rows (g, tau_1, ..., tau_K).
        """
        parts = [self.values[(p, s, e)] for k in range(len(self.rounds))
                 for s, e in self._chunks(k) if s < n]
        return np.concatenate(parts)[:n]

    def _stop(self, p, k) -> bool:
        exp, n = self.exp, self.rounds[k][1]
        if exp.realizations is not None or n >= exp.max_realizations:
            return True
        if n < exp.min_realizations:
            return False
        g = self.series(p, n)
        g = g if g.ndim == 1 else g[:, 0]
        mean = float(np.mean(g))
        stderr = float(np.std(g, ddof=1)) / np.sqrt(n)
        return mean != 0 and stderr <= exp.rel_stderr * abs(mean)

    def advance(self, p) -> list:
        """The chunks of point p to submit now (none when it is waiting or done).

        Each round's missing chunks are listed once, when the round starts, and
        counted down as they finish (:meth:`done`), so the bookkeeping is
        linear in the number of chunks.
        """
        while self.count[p] is None:
            if self.missing.get(p) is None:            # a round starts: list its chunks once
                keys = [(p, s, e) for s, e in self._chunks(self.round[p])]
                self.missing[p] = {key for key in keys if key not in self.values}
                new = [key for key in keys if key in self.missing[p]
                       and key not in self.inflight]
                if new:
                    self.inflight.update(new)
                    return new
            if self.missing[p]:
                return []                              # waiting for chunks in flight
            del self.missing[p]
            if self._stop(p, self.round[p]):
                self.count[p] = self.rounds[self.round[p]][1]
            else:
                self.round[p] += 1
        return []

    def done(self, key, values) -> list:
        """Record the conductances of a finished chunk; return the chunks to submit next."""
        self.inflight.discard(key)
        self.values[key] = values
        self.missing.get(key[0], set()).discard(key)
        return self.advance(key[0])


