"""Progress of an ensemble run: a tqdm bar on a terminal, a line now and then otherwise."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Count realisations done out of a total that may shrink (early stopping).

    Parameters
    ----------
    total : int
        Realisations planned (the maximum with a stopping rule).
    done : int
        Realisations already done (loaded from a checkpoint).
    mode : None, bool
        True: tqdm bar; False: silent; None: the bar when ``file`` is a
        terminal, else a line at every further 10 % (at most one per
        ``min_interval`` seconds, at least one per ``max_interval`` seconds)
        and a final line.
    """

    def __init__(self, total, done=0, mode=None, file=None, *, min_interval=5.0,
                 max_interval=60.0):
        self.file = sys.stderr if file is None else file
        if mode is None:
            isatty = getattr(self.file, "isatty", lambda: False)
            mode = "bar" if isatty() else "lines"
        elif mode is True:
            mode = "bar"
        self.mode = mode or None
        self.total, self.done, self.start_done = int(total), int(done), int(done)
        self.t0 = self.last = time.monotonic()
        self.min_interval, self.max_interval = min_interval, max_interval
        self.next_mark = self._mark()
        self.bar = None
        if self.mode == "bar":
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.total, initial=self.done, unit="real",
                            desc="andersonwl run", file=self.file, dynamic_ncols=True,
                            smoothing=0.05)

    def _mark(self):
        return (int(10 * self.done / self.total) + 1) if self.total else 10

    def set_total(self, total: int) -> None:
        """Change the number of realisations planned (when grid points stop early)."""
        self.total = int(total)
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def update(self, n: int) -> None:
        """Count ``n`` more realisations done, drawing the bar or a line when due."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.mode == "lines":
            now = time.monotonic()
            crossed = self.total and 10 * self.done >= self.next_mark * self.total
            if ((crossed and now - self.last >= self.min_interval)
                    or now - self.last >= self.max_interval):
                self.line(now)

    def line(self, now=None) -> None:
        """Print a progress line: realisations done, rate, elapsed and remaining time."""
        now = time.monotonic() if now is None else now
        elapsed = now - self.t0
        new = self.done - self.start_done
        rate = new / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        pct = 100 * self.done / self.total if self.total else 100.0
        eta = _duration(left) if left == left else "?"
        print(f"andersonwl run: {self.done}/{self.total} realisations ({pct:.0f}%), "
              f"{rate:.3g}/s, elapsed {_duration(elapsed)}, left {eta}",
              file=self.file, flush=True)
        self.last = now
        self.next_mark = self._mark()

    def close(self) -> None:
        """Close the bar, or print the final line."""
        if self.bar is not None:
            self.bar.close()
        elif self.mode == "lines":
            self.line()
