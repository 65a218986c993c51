"""The fit process of ``andersonwl teach``: ``python -m andersonwl.teach._fitworker``.

Reads one JSON request per line on stdin (the keyword arguments of
:func:`andersonwl.teach.compute.fit_curve`, null for a missing error) and
writes one line ``@fit <JSON result>`` per request on stdout, until stdin
closes.  Started by :class:`andersonwl.teach.server.FitProcess`; a separate
interpreter, so that a slow fit never holds the GIL of the compute thread.
"""

from __future__ import annotations

import json
import signal
import sys

#: the prefix of a result line (anything else on stdout is not a result)
PREFIX = "@fit "


def main(stdin=None, stdout=None) -> int:
    """Answer fit requests from ``stdin`` (default sys.stdin) until it closes; return 0."""
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is for the server
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    import numpy as np

    from .compute import fit_curve, to_json
    print(PREFIX + json.dumps({"ready": True}), file=stdout, flush=True)
    for line in stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            arrays = {k: np.array([np.nan if v is None else v for v in request[k]], dtype=float)
                      for k in ("flux", "delta_sigma", "delta_sigma_err")}
            out = fit_curve(**arrays, kind=request["kind"])
        except Exception as exc:
            out = {"model": None, "error": f"{type(exc).__name__}: {exc}"}
        print(PREFIX + json.dumps(to_json(out), allow_nan=False), file=stdout, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
