"""The local web server of ``andersonwl teach``: standard library only.

One :class:`http.server.ThreadingHTTPServer` serves the page and a small JSON
API; one compute thread (:class:`Worker`) refines the magnetoconductance
sweep of the control set requested last, batch by batch, and publishes a
state after every batch; the HLN/ILP fits run in a separate Python process
(:class:`FitProcess`) and are published when ready.  A new request cancels the running work at once:
the cancellation check sits before every single conductance, so the worker
is free within one conductance (milliseconds at the default size).  Finished
realisations are kept per control set (up to ``max_runs`` sets, least
recently used first out), so going back to a control set resumes where it
stopped, with exactly the numbers a fresh run would give.

API (all JSON; errors are ``{"error": message, "key": control}`` with status
400, 404 or 413, and the server keeps answering):

``GET /``
    The page (:file:`page.html`, vanilla JavaScript, no external resources).
``GET /api/config``
    Controls, presets, prompts, limits and the default controls.
``POST /api/run``
    Body: a dictionary of controls (:func:`andersonwl.teach.compute.parse_controls`).
    Makes that control set the active one and returns ``{"key", "version",
    "state"}``; 400 with a readable message for bad input.
``GET /api/state?key=K&after=V&wait=S``
    The latest state of control set K; waits up to S seconds (at most 10)
    for a state newer than version V (long polling).  404 for an unknown key.
``GET /api/health``
    ``{"ok": true}``.

Notes
-----
The server binds to 127.0.0.1 by default; any other address must be asked
for explicitly (``--host``), and :func:`serve` then prints a warning: the
API has no authentication, and a class of students on one network would
share one compute thread.
"""

from __future__ import annotations

import collections
import ipaddress
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from . import compute

__all__ = ["Worker", "FitProcess", "TeachServer", "render_page", "is_loopback", "MAX_BODY",
           "MAX_WAIT", "FIT_PAUSE"]

#: largest request body accepted (bytes)
MAX_BODY = 64 * 1024
#: longest long poll (seconds)
MAX_WAIT = 10.0
#: an intermediate fit waits this many times the duration of the previous fit of its set
FIT_PAUSE = 1.0
#: the placeholder of the page for its data (the JSON of :func:`render_page`)
_PLACEHOLDER = "__ANDERSONWL_DATA__"


def page_template() -> str:
    """The text of :file:`page.html` (package data of ``andersonwl.teach``)."""
    return resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")


def render_page(data: dict) -> str:
    """The page with ``data`` embedded as JSON (``mode`` "live" or "static").

    ``<``, ``>`` and ``&`` are written as JSON unicode escapes, so that no
    string in the data can close the ``<script>`` element that holds it.
    """
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    template = page_template()
    if template.count(_PLACEHOLDER) != 1:   # pragma: no cover - a broken page file
        raise RuntimeError("page.html must contain the data placeholder exactly once")
    return template.replace(_PLACEHOLDER, text)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FitProcess:
    """:func:`andersonwl.teach.compute.fit_curve` in a separate Python process.

    ``python -m andersonwl.teach._fitworker`` with JSON lines over its stdin
    and stdout: a fresh interpreter (not :mod:`multiprocessing`, whose
    "spawn" children would run the caller's unguarded main module again),
    started with the server so that its import of andersonwl (about 2 s) is
    done by the first fit.  If it cannot be started, or dies, the fits run
    in the calling thread instead, with a message on stderr.
    """

    def __init__(self):
        self._proc = None
        self._failed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the process unless it runs (or could not be started before)."""
        with self._lock:
            if self._failed or self.alive:
                return
            env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                       MKL_NUM_THREADS="1")
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "andersonwl.teach._fitworker"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                    env=env)
            except OSError as exc:              # no subprocesses here: fit in-process
                self._failed = True
                print(f"andersonwl teach: fits run in-process ({exc})", file=sys.stderr)

    @property
    def alive(self) -> bool:
        """True while the fit process runs."""
        return self._proc is not None and self._proc.poll() is None

    def _read(self):
        """The next result line of the process as a dict; None at its end."""
        from ._fitworker import PREFIX
        while True:
            line = self._proc.stdout.readline()
            if not line:
                return None
            if line.startswith(PREFIX):
                out = json.loads(line[len(PREFIX):])
                if not out.get("ready"):
                    return out

    def fit(self, request: dict, stopping=lambda: False):
        """The fit of ``request`` (keyword arguments of ``fit_curve``); None if stopping."""
        self.start()
        proc = self._proc
        if not self.alive:
            return compute.fit_curve(**request)
        try:
            proc.stdin.write(json.dumps(compute.to_json(request), allow_nan=False) + "\n")
            proc.stdin.flush()
            out = self._read()
        except (BrokenPipeError, OSError, ValueError):
            out = None
        if out is not None:
            return out
        if stopping():
            return None
        print("andersonwl teach: the fit process ended; fitting in-process from now on",
              file=sys.stderr)
        self._failed = True
        return compute.fit_curve(**request)

    def close(self, timeout: float = 0.5) -> None:
        """Stop the process: close its input, then terminate it if it does not end."""
        proc = self._proc
        self._failed = True                     # no restart after close
        if proc is None:
            return
        try:
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:   # pragma: no cover
                proc.kill()
        if proc.stdout is not None:
            proc.stdout.close()


class Worker:
    """The compute thread, which refines the active control set batch by batch, and the fits.

    Parameters
    ----------
    max_runs : int, optional
        Control sets whose realisations are kept (least recently used first out).
    fit_process : bool, optional
        Fit in a separate process (default); False fits in a thread of this
        process (slower batches while a fit runs).

    Notes
    -----
    Each published state has a version number, increasing over all control
    sets; :meth:`wait_state` blocks until a newer one exists.  The compute
    thread publishes a state after every batch without fitting it and hands
    the curve to the fit thread, which has it fitted in a separate process
    (:class:`FitProcess`) and publishes the state again with its fit
    (``fit_realizations``).  A fit takes 10 ms to a few seconds for a
    degenerate curve and must not delay the next batch or a cancellation; a
    fit in the same interpreter would hold the GIL and starve the compute
    thread (measured: a 0.4 s batch took 4.2 s next to a 4 s fit).
    Only the latest curve of a control set is fitted, the active set first,
    and an intermediate fit waits :data:`FIT_PAUSE` times the duration of
    the previous one (the final fit does not wait).  The threads are daemon
    threads, stopped with the fit process by :meth:`stop`.
    """

    def __init__(self, max_runs: int = 32, *, fit_process: bool = True):
        self.max_runs = max(1, int(max_runs))
        self._cond = threading.Condition()
        self._runs: collections.OrderedDict = collections.OrderedDict()
        self._states: dict = {}
        self._fits: dict = {}              # key -> (run, fit request), the latest only
        self._fit_after: dict = {}         # key -> earliest time of its next intermediate fit
        self._active = None
        self._generation = 0
        self._version = 0
        self._stop = False
        self.fitter = FitProcess() if fit_process else None
        self._threads = [
            threading.Thread(target=self._loop, name="andersonwl-teach-compute", daemon=True),
            threading.Thread(target=self._fit_loop, name="andersonwl-teach-fit", daemon=True),
        ]

    def start(self) -> Worker:
        """Start the threads and the fit process (once)."""
        if self.fitter is not None:
            self.fitter.start()
        for t in self._threads:
            if not t.is_alive() and t.ident is None:
                t.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel the running work; stop the threads and the fit process."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self.fitter is not None:
            self.fitter.close()                 # ends a fit the fit thread waits for
        for t in self._threads:
            if t.is_alive():
                t.join(timeout)

    @property
    def active(self) -> str | None:
        """The key of the control set being refined."""
        return self._active

    def submit(self, controls: compute.Controls) -> dict:
        """Make ``controls`` the active set, cancelling other work.

        Returns
        -------
        dict
            ``key``, ``version`` and the latest ``state`` of that control set.
        """
        key = controls.key
        with self._cond:
            run = self._runs.get(key)
            if run is None:
                run = compute.CuspRun(controls)
                self._runs[key] = run
            else:
                run.controls = controls          # same key: batch or preset label only
            self._runs.move_to_end(key)
            while len(self._runs) > self.max_runs:
                old, _ = self._runs.popitem(last=False)
                self._states.pop(old, None)
                self._fits.pop(old, None)
                self._fit_after.pop(old, None)
            self._active = key
            self._generation += 1
            if key not in self._states:
                self._publish_locked(key, run.state(fit=False))
            if run.done and key not in self._fits:
                request = run.fit_request()      # a finished set whose last fit was dropped
                if request is not None:
                    self._fits[key] = (run, request)
            self._cond.notify_all()
            version, state = self._states[key]
            return {"key": key, "version": version, "state": state}

    def wait_state(self, key: str, after: int = -1, timeout: float = 0.0):
        """``(version, state)`` of ``key`` once newer than ``after``, or after ``timeout``.

        None for an unknown key.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while True:
                item = self._states.get(key)
                if item is None:
                    return None
                if item[0] > after or self._stop:
                    return item
                left = deadline - time.monotonic()
                if left <= 0:
                    return item
                self._cond.wait(left)

    def _publish_locked(self, key, state):
        self._version += 1
        state["version"] = self._version
        self._states[key] = (self._version, state)

    def _publish(self, key, state, fit=None):
        with self._cond:
            if key in self._runs:
                self._publish_locked(key, state)
                if fit is not None:
                    self._fits[key] = fit
                self._cond.notify_all()

    def _loop(self):
        while True:
            with self._cond:
                while not self._stop and (self._active is None
                                          or self._runs[self._active].done):
                    self._cond.wait()
                if self._stop:
                    return
                key = self._active
                run = self._runs[key]
                generation = self._generation

            def cancel(generation=generation):
                return self._stop or self._generation != generation

            try:
                if run.symmetry_class is None:
                    run.classify()
                run.step(cancel=cancel)
            except ValueError:
                pass                                   # run.error holds the message
            except Exception as exc:                   # never let the thread die
                run.error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                traceback.print_exc(file=sys.stderr)
            try:
                state = run.state(fit=False)
                request = run.fit_request()
            except Exception as exc:                   # pragma: no cover - a bug in state()
                run.error = f"{type(exc).__name__}: {exc}"
                traceback.print_exc(file=sys.stderr)
                state, request = {"key": key, "status": "error", "final": True,
                                  "message": run.error}, None
            self._publish(key, state, None if request is None else (run, request))

    def _next_fit_locked(self):
        """The (key, run, request) to fit now, waiting as needed; None when stopping."""
        while True:
            if self._stop:
                return None
            if not self._fits:
                self._cond.wait()
                continue
            # the active control set first, then the others
            key = self._active if self._active in self._fits else next(iter(self._fits))
            run, request = self._fits[key]
            final = request["count"] >= run.controls.realizations
            wait = self._fit_after.get(key, 0.0) - time.monotonic()
            if final or wait <= 0:
                del self._fits[key]
                return key, run, request
            self._cond.wait(wait)           # a newer request may replace this one meanwhile

    def _fit_loop(self):
        while True:
            with self._cond:
                job = self._next_fit_locked()
            if job is None:
                return
            key, run, request = job
            request = dict(request)
            count = request.pop("count")
            t0 = time.monotonic()
            try:
                if self.fitter is not None:
                    fit = self.fitter.fit(request, lambda: self._stop)
                else:
                    fit = compute.fit_curve(**request)
            except Exception as exc:                   # never let the thread die
                traceback.print_exc(file=sys.stderr)
                fit = {"model": request.get("kind"), "error": f"{type(exc).__name__}: {exc}"}
            if fit is None:                            # stopping
                return
            took = time.monotonic() - t0
            with self._cond:
                # after a fit of T seconds the next intermediate fit of that set waits
                # FIT_PAUSE T (the final one does not): fits take at most half a core
                self._fit_after[key] = time.monotonic() + FIT_PAUSE * took
                if key not in self._runs or not run.set_fit(count, fit):
                    continue
                _, latest = self._states[key]
                state = dict(latest, fit=fit, fit_realizations=count)
                state["final"] = (state.get("status") == "error"
                                  or (state.get("status") == "done"
                                      and count == state.get("realizations")))
                self._publish_locked(key, state)
                self._cond.notify_all()


class _Handler(BaseHTTPRequestHandler):
    """Routes of :class:`TeachServer` (see the module docstring)."""

    server_version = "andersonwl-teach"
    error_content_type = "application/json"
    error_message_format = '{"error": "%(message)s", "code": %(code)d}'

    # ------------------------------------------------------------ plumbing
    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        if not self.server.app.quiet:
            super().log_message(format, *args)

    def _send(self, status, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj):
        body = json.dumps(compute.to_json(obj), allow_nan=False).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _error(self, status, message, key=None):
        self._json(status, {"error": message, "key": key})

    def _guard(self, route):
        try:
            route()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:                     # the server never dies on a request
            traceback.print_exc(file=sys.stderr)
            try:
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR,
                            f"internal error: {type(exc).__name__}: {exc}")
            except Exception:                         # pragma: no cover - socket gone
                pass

    # ------------------------------------------------------------ routes
    def do_GET(self):  # noqa: N802 (http.server's name)
        """GET routes."""
        self._guard(self._get)

    do_HEAD = do_GET

    def do_POST(self):  # noqa: N802
        """POST routes."""
        self._guard(self._post)

    def _get(self):
        app = self.server.app
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            body = app.page().encode()
            self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")
        elif url.path == "/api/config":
            self._json(HTTPStatus.OK, app.config)
        elif url.path == "/api/health":
            self._json(HTTPStatus.OK, {"ok": True, "active": app.worker.active})
        elif url.path == "/api/state":
            self._state(parse_qs(url.query))
        elif url.path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such page: {url.path}")

    def _state(self, query):
        app = self.server.app
        try:
            key = query["key"][0]
            after = int(query.get("after", ["-1"])[0])
            wait = float(query.get("wait", ["0"])[0])
            if not wait >= 0:
                raise ValueError
        except (KeyError, IndexError, ValueError):
            self._error(HTTPStatus.BAD_REQUEST, "the state needs ?key=K (from POST /api/run), "
                                                "optionally &after=VERSION&wait=SECONDS")
            return
        item = app.worker.wait_state(key, after, min(wait, MAX_WAIT))
        if item is None:
            self._error(HTTPStatus.NOT_FOUND, f"unknown key {key!r}: POST the controls to "
                                              "/api/run first", "key")
            return
        version, state = item
        self._json(HTTPStatus.OK, {"key": key, "version": version, "state": state})

    def _post(self):
        app = self.server.app
        url = urlsplit(self.path)
        if url.path != "/api/run":
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {url.path}")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._error(HTTPStatus.LENGTH_REQUIRED, "send the controls as a JSON body with a "
                                                    "Content-Length")
            return
        if length < 0 or length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"request body of {length} bytes (limit {MAX_BODY})")
            return
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw.decode("utf-8") or "{}", parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {exc}")
            return
        try:
            controls = compute.parse_controls(data, defaults=app.defaults)
        except compute.ControlError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc), exc.key)
            return
        self._json(HTTPStatus.OK, app.worker.submit(controls))


def _no_constant(name):
    raise ValueError(f"{name} is not a number a control can take (JSON has no {name})")


class TeachServer:
    """The ``andersonwl teach`` application: HTTP server plus compute thread.

    Parameters
    ----------
    host : str, optional
        Address to bind (default 127.0.0.1, this machine only).
    port : int, optional
        0 (default) picks a free port; see :attr:`url`.
    defaults : mapping, optional
        Overrides of the default controls (e.g. ``{"size": 16}``), validated.
    max_runs : int, optional
        Control sets kept in memory.
    quiet : bool, optional
        No request log on stderr (default True).
    fit_process : bool, optional
        Fit in a separate process (default; see :class:`Worker`).

    Examples
    --------
    >>> with TeachServer() as app:          # doctest: +SKIP
    ...     print(app.url)
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, defaults=None,
                 max_runs: int = 32, quiet: bool = True, fit_process: bool = True):
        self.defaults = dict(defaults or {})
        self.config = compute.config(self.defaults)      # validates the defaults
        self.quiet = bool(quiet)
        self.worker = Worker(max_runs, fit_process=fit_process)
        self.httpd = ThreadingHTTPServer((host, int(port)), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.app = self
        self._thread = None
        self._page = None

    @property
    def host(self) -> str:
        """The bound address."""
        return self.httpd.server_address[0]

    @property
    def port(self) -> int:
        """The bound port."""
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://host:port/`` of the page."""
        host = self.host
        shown = f"[{host}]" if ":" in host else host
        if host in ("0.0.0.0", "::"):
            shown = "127.0.0.1"
        return f"http://{shown}:{self.port}/"

    def page(self) -> str:
        """The live page (rendered once)."""
        if self._page is None:
            self._page = render_page({"mode": "live", "config": self.config})
        return self._page

    def start(self) -> TeachServer:
        """Serve in a background thread; return self."""
        self.worker.start()
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever,
                                            name="andersonwl-teach-http", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`shutdown` (or KeyboardInterrupt)."""
        self.worker.start()
        self.httpd.serve_forever()

    def shutdown(self) -> None:
        """Stop serving, stop the compute thread and close the socket."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self.worker.stop()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.shutdown()
