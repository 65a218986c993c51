"""``andersonwl teach``: a live lecture demonstration of WL, WAL and the unitary class.

A local web application for a lecturer: controls for the class preset (AI,
AII, A or custom), disorder W, Rashba coupling, exchange (magnetic
impurities), dephasing rate, sample size, Fermi energy and flux range; a
live magnetoconductance cusp delta_sigma(flux) per square with error bars,
refined as disorder realisations accumulate (fixed seeds: every student sees
the same picture); an HLN fit (ILP with Rashba coupling, unless magnetic
impurities break time reversal) drawn over it with alpha, L_phi, L_so and
their errors; P(g) with the universal variance of
the class; the coherent-backscattering picture of the reflection matrix
(factor 2, 0, 1 in AI, AII, A); the perturbative beta(g) flow of the three classes with the
sample's point; and "predict, then move the slider" prompts per class.
:func:`export` writes the same page, with a precomputed grid of presets and
disorders and client-side sliders, as one self-contained HTML file that
works offline from a ``file://`` URL.

Design decision: no web framework.  The server is the standard library's
:class:`http.server.ThreadingHTTPServer`, bound to 127.0.0.1 on a free port
(port 0) unless ``--host`` says otherwise, with a JSON API and long polling
for the progressive results (:mod:`andersonwl.teach.server`); the page is
one static file of vanilla JavaScript that draws its SVG plots by hand, with
no CDN and no external script, so it works offline.  This keeps the install
light (no new dependency) and the tests deterministic.  The numbers come
from :mod:`andersonwl.teach.compute`, which has no web code and is
unit-tested on its own.

Notes
-----
Units and conventions are the package's (:mod:`andersonwl.models`): lattice
constant a = 1, hopping t = 1, flux per plaquette in h/e, g = G/(e^2/h)
summed over spin, delta_sigma per square in e^2/h with the contact
resistance of the leads removed.  Fits: Hikami, Larkin, Nagaoka, Prog.
Theor. Phys. 63, 707 (1980) (HLN); Iordanskii, Lyanda-Geller, Pikus, JETP
Lett. 60, 206 (1994) (ILP).  Universal conductance fluctuations: Lee and
Stone, PRL 55, 1622 (1985).  beta functions: Evers and Mirlin, RMP 80,
1355 (2008).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

__all__ = ["serve", "export", "register", "build_parser", "main", "EXPORT_NAME",
           "EXPORT_DISORDERS"]

#: the file :func:`export` writes into its directory
EXPORT_NAME = "index.html"
#: the disorders of the exported grid (default)
EXPORT_DISORDERS = (3.0, 4.0, 5.0)


def serve(host: str = "127.0.0.1", port: int = 0, open_browser: bool = True, *,
          defaults=None, quiet: bool = True, block: bool = True, out=None):
    """Start the ``andersonwl teach`` web application and print its address.

    Parameters
    ----------
    host : str, optional
        Address to bind.  127.0.0.1 (the default) serves this machine only;
        any other address prints a warning (the API has no authentication).
    port : int, optional
        0 (default): a free port.
    open_browser : bool, optional
        Open the page in the default browser.
    defaults : mapping, optional
        Overrides of the default controls (e.g. ``{"size": 16}`` on a slow
        machine); validated like the page's requests.
    quiet : bool, optional
        No request log.
    block : bool, optional
        Serve until interrupted (Ctrl-C; default).  False: serve in a
        background thread and return the running
        :class:`~andersonwl.teach.server.TeachServer` (call its
        ``shutdown()``).
    out : file, optional
        Where the address and warnings are printed (default stderr for
        warnings, stdout for the address).

    Returns
    -------
    TeachServer or None
        The running server when ``block`` is False.

    Raises
    ------
    ValueError
        Bad ``defaults``.
    OSError
        When the address cannot be bound.
    """
    from .server import TeachServer, is_loopback
    if not is_loopback(host):
        print(f"andersonwl teach: warning: listening on {host}, not 127.0.0.1: anyone who can "
              "reach this address can use the page and its compute thread (there is no "
              "authentication)", file=out or sys.stderr)
    app = TeachServer(host, port, defaults=defaults, quiet=quiet)
    print(f"andersonwl teach: serving on {app.url} (Ctrl-C to stop)", file=out or sys.stdout,
          flush=True)
    if open_browser:
        import webbrowser
        threading.Timer(0.3, webbrowser.open, args=(app.url,)).start()
    if not block:
        return app.start()
    try:
        app.serve_forever()
    except KeyboardInterrupt:
        print("andersonwl teach: stopped", file=out or sys.stdout)
    finally:
        app.worker.stop()
        app.httpd.server_close()
    return None


def export(directory, *, presets=("AI", "AII", "A"), disorders=EXPORT_DISORDERS,
           realizations: int = 160, defaults=None, force: bool = False, progress=None) -> Path:
    """Write a self-contained offline page with a precomputed grid of control values.

    Parameters
    ----------
    directory : path-like
        Created if missing; the page is ``directory/index.html``
        (:data:`EXPORT_NAME`).
    presets : sequence of str, optional
        Class presets of the grid (of "AI", "AII", "A", "custom").
    disorders : sequence of float, optional
        Disorders W of the grid (units of t).
    realizations : int, optional
        Realisations per grid point.
    defaults : mapping, optional
        The other controls (size, flux range, seed, ...), as for :func:`serve`.
    force : bool, optional
        Overwrite an existing page.
    progress : file, optional
        Print one line per grid point there.

    Returns
    -------
    pathlib.Path
        The page written.

    Raises
    ------
    ValueError
        For bad controls (the message names the grid point), an empty grid or
        a grid point whose computation fails.
    FileExistsError
        When the page exists and ``force`` is False.

    Notes
    -----
    The page holds every state as JSON and draws it with the same code as the
    live page; it loads nothing from the network.  At the default size
    (24 x 24) and 160 realisations a grid point takes 2-7 s on one core (the
    Rashba presets are the slowest), the default grid of 3 x 3 points about
    50 s.
    """
    import time

    from .. import __version__
    from .._checks import integer
    from ..io import atomic_write_bytes, check_outputs
    from .compute import ControlError, CuspRun, config, parse_controls, to_json
    from .server import render_page

    realizations = integer("realizations", realizations, minimum=2)
    presets = list(presets)
    disorders = [float(w) for w in disorders]
    if not presets or not disorders:
        raise ValueError("the export grid needs at least one preset and one disorder")
    if len(set(disorders)) != len(disorders) or len(set(presets)) != len(presets):
        raise ValueError("the export grid has repeated presets or disorders")
    directory = check_outputs(directory, [EXPORT_NAME], force=force)
    grid = {}
    for preset in presets:
        for i, w in enumerate(disorders):
            try:
                controls = parse_controls({"preset": preset, "disorder": w,
                                           "realizations": realizations}, defaults=defaults)
            except ControlError as exc:
                raise ValueError(f"export grid point preset={preset!r}, disorder={w}: "
                                 f"{exc}") from None
            grid[preset, i] = controls
    states = {}
    fixed = None
    for (preset, i), controls in grid.items():
        t0 = time.perf_counter()
        run = CuspRun(controls)
        run.classify()
        while not run.done:
            run.step()
        if run.error:           # pragma: no cover - the engines refused a lead
            raise ValueError(f"export grid point preset={preset!r}, disorder="
                             f"{disorders[i]}: {run.error}")
        state = run.state()
        states[f"{preset}|{i}"] = state
        fixed = {k: v for k, v in controls.as_dict().items()
                 if k not in ("preset", "disorder", "rashba", "exchange", "energy")}
        if progress is not None:
            print(f"andersonwl teach --export: {preset} W = {disorders[i]:g}: "
                  f"{run.count} realisations, cusp {state['cusp']} "
                  f"({time.perf_counter() - t0:.1f} s)", file=progress, flush=True)
    data = {"mode": "static", "version": __version__, "config": config(defaults),
            "grid": to_json({"axes": {"preset": presets, "disorder": disorders},
                             "states": states, "realizations": realizations, "fixed": fixed,
                             "initial": {"preset": presets[0], "index": 0}})}
    path = Path(directory) / EXPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, render_page(data).encode("utf-8"))
    return path


def register(subparsers):
    """Add the ``teach`` sub-command (see :mod:`andersonwl.teach.cli`)."""
    from .cli import register as _register
    return _register(subparsers)


#: the name the brief of issue 15 uses for :func:`register`
build_parser = register


def main(args):
    """Run the ``teach`` sub-command with parsed arguments (see :mod:`andersonwl.teach.cli`)."""
    from .cli import main as _main
    return _main(args)
