"""Latency of ``andersonwl teach``: time to the first curve, per update, and to cancel.

    .venv/bin/python benchmarks/teach_latency.py [--size 24] [--updates 5] [--quick]

End to end through the HTTP API of an in-process server on 127.0.0.1 (what the page
sees, JSON included), one compute thread, one BLAS thread, for each class preset at
the default controls:

* **first curve, cold**: POST of a new control set until the first state with data,
  with empty lead and classification caches (the first launch, or a change of size,
  energy, Rashba coupling or flux range: the leads are set up again);
* **first curve, warm**: the same after a change of disorder only (the leads are cached);
* **per update**: the mean interval between the following states with new realisations
  (one batch each; the fit thread publishes the fitted state in between);
* **cancel**: from the POST of another control set until the running one reports
  ``cancelled``.

No assertions: the table is printed in markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from andersonwl.engines.leads import clear_lead_cache  # noqa: E402
from andersonwl.teach import compute  # noqa: E402
from andersonwl.teach.server import TeachServer  # noqa: E402

__all__ = ["main"]


def _post(app, body):
    req = urllib.request.Request(app.url + "api/run", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def _state(app, key, after):
    with urllib.request.urlopen(app.url + f"api/state?key={key}&after={after}&wait=10",
                                timeout=60) as r:
        return json.load(r)


def _first_curve(app, body):
    """Seconds from the POST to the first state with data; (seconds, key, version, state)."""
    t0 = time.perf_counter()
    b = _post(app, body)
    key, version, state = b["key"], b["version"], b["state"]
    while state["realizations"] == 0:
        s = _state(app, key, version)
        version, state = s["version"], s["state"]
    return time.perf_counter() - t0, key, version, state


def _updates(app, key, version, n, count):
    """Mean seconds between ``n`` states with new realisations, and realisations per update.

    States that only add a fit (published by the fit thread) are not counted.
    """
    times, counts = [], []
    t = time.perf_counter()
    while len(times) < n:
        s = _state(app, key, version)
        version = s["version"]
        state = s["state"]
        if state["realizations"] > count:
            now = time.perf_counter()
            times.append(now - t)
            counts.append(state["realizations"] - count)
            t, count = now, state["realizations"]
        if state["status"] != "running":
            break
    if not times:
        return float("nan"), 0.0, version
    return sum(times) / len(times), sum(counts) / len(counts), version


def _cancel(app, key, other):
    """Seconds from the POST of ``other`` until ``key`` reports ``cancelled``."""
    t0 = time.perf_counter()
    _post(app, other)
    version = -1
    while True:
        s = _state(app, key, version)
        version = s["version"]
        if s["state"]["status"] == "cancelled":
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > 30:
            return float("nan")


def run(size: int, updates: int, realizations: int) -> list[dict]:
    """Measure every preset; return one row per preset."""
    rows = []
    with TeachServer(defaults={"size": size, "realizations": realizations}) as app:
        for preset in ("AI", "AII", "A"):
            clear_lead_cache()
            compute._CLASS_CACHE.clear()
            cold, key, version, state = _first_curve(app, {"preset": preset})
            per, batch, version = _updates(app, key, version, updates,
                                           state["realizations"])
            cancel = _cancel(app, key, {"preset": preset, "seed": 99})
            base = compute.parse_controls({"preset": preset}, defaults={"size": size})
            warm, key2, _, _ = _first_curve(app, {"preset": preset,
                                                  "disorder": base.disorder + 0.5})
            rows.append(dict(preset=preset, cls=state["symmetry_class"], engine=state["engine"],
                             fluxes=len(state["flux"]), first_n=state["realizations"],
                             cold=cold, warm=warm, per=per, batch=batch, cancel=cancel))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=None, help="sample size (default: the page's)")
    p.add_argument("--updates", type=int, default=5, help="updates timed per preset")
    p.add_argument("--quick", action="store_true", help="size 8, one update (smoke test)")
    args = p.parse_args(argv)
    size = args.size or (8 if args.quick else compute.CONTROLS["size"].default)
    updates = 1 if args.quick else args.updates
    batch = compute.CONTROLS["batch"].default
    realizations = batch * (updates + 4) if args.quick else 4000
    rows = run(size, updates, realizations)
    print(f"andersonwl teach latency: {size} x {size}, batch {batch}, one compute thread, "
          f"end to end through HTTP\n")
    print("| preset | class | engine | fluxes (incl. 0) | first curve, cold (s) | "
          "first curve, warm (s) | per update (s) | realisations per update | cancel (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['preset']} | {r['cls']} | {r['engine']} | {r['fluxes']} | {r['cold']:.2f} | "
              f"{r['warm']:.2f} | {r['per']:.2f} | {r['batch']:.0f} | {r['cancel']:.3f} |")


if __name__ == "__main__":
    main()
