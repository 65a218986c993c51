"""The ``andersonwl teach`` server: JSON API, bad input, cancellation, binding, export, CLI."""

import argparse
import json
import re
import time
import urllib.error
import urllib.request

import pytest

from andersonwl import teach
from andersonwl.teach import server as teach_server
from andersonwl.teach.server import TeachServer, is_loopback

#: small and fast: 10 x 10, 4 fluxes
DEFAULTS = {"size": 10, "n_flux": 4, "flux_max": 0.01, "realizations": 16, "batch": 8}


@pytest.fixture(scope="module")
def app():
    with TeachServer(defaults=DEFAULTS) as server:
        yield server


def _request(app, path, body=None, raw=None, headers=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(app.url + path.lstrip("/"), data=data,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def _json(app, path, body=None, **kw):
    code, ctype, data = _request(app, path, body, **kw)
    assert ctype.startswith("application/json"), (code, ctype, data[:200])
    return code, json.loads(data)


def _until(app, key, version, done, timeout=30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        code, body = _json(app, f"/api/state?key={key}&after={version}&wait=5")
        assert code == 200
        version = body["version"]
        if done(body["state"]):
            return body["state"]
    raise AssertionError(f"no state of {key} satisfied the condition in {timeout} s")


def test_binds_to_loopback_on_a_free_port(app):
    assert app.host == "127.0.0.1" and app.port > 0
    assert app.url == f"http://127.0.0.1:{app.port}/"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_page_and_config(app):
    code, ctype, page = _request(app, "/")
    assert code == 200 and ctype.startswith("text/html")
    text = page.decode()
    assert 'id="andersonwl-data"' in text and "__ANDERSONWL_DATA__" not in text
    # self-contained: no external script, style sheet or image
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)
    data = json.loads(re.search(r'id="andersonwl-data"[^>]*>(.*?)</script>', text, re.S)
                      .group(1))
    assert data["mode"] == "live" and data["config"]["defaults"]["size"] == 10
    code, cfg = _json(app, "/api/config")
    assert code == 200 and cfg["defaults"]["size"] == 10 and "AII" in cfg["presets"]
    assert _json(app, "/api/health")[1]["ok"] is True


def test_a_normal_request_runs_to_the_end(app):
    code, body = _json(app, "/api/run", {"preset": "AII"})
    assert code == 200 and body["state"]["controls"]["preset"] == "AII"
    state = _until(app, body["key"], body["version"], lambda s: s["final"])
    assert state["status"] == "done" and state["fit_realizations"] == 16
    assert state["realizations"] == 16 and state["symmetry_class"] == "AII"
    assert len(state["delta_sigma"]) == 5 and state["delta_sigma"][0] == 0
    assert state["fit"]["model"] == "ilp" and state["histogram"]["universal_variance"] > 0
    # the same controls again: the finished state at once, nothing recomputed
    code, again = _json(app, "/api/run", {"preset": "AII"})
    assert again["key"] == body["key"] and again["state"]["realizations"] == 16


@pytest.mark.parametrize("body, words", [
    ({"size": 100}, "at most"),
    ({"colour": "red"}, "unknown key"),
    ({"energy": 4.4}, "outside the clean band"),
    ({"size": 8, "energy": 1.0}, "threshold"),
    ({"rashba": "strong"}, "real number"),
    ({"disorder": None}, "real number"),
    ([1, 2, 3], "JSON object"),
])
def test_bad_input_is_400_and_the_server_keeps_answering(app, body, words):
    code, err = _json(app, "/api/run", body)
    assert code == 400 and words in err["error"], err
    assert _json(app, "/api/health")[0] == 200
    code, ok = _json(app, "/api/run", {"preset": "AI", "realizations": 2})
    assert code == 200 and ok["key"]


@pytest.mark.parametrize("raw, code, words", [
    (b'{"disorder": NaN}', 400, "NaN"),
    (b'{"disorder": ', 400, "not valid JSON"),
    (b"\xff\xfe", 400, "not valid JSON"),
    (b"x" * (teach_server.MAX_BODY + 1), 413, "limit"),
])
def test_malformed_bodies(app, raw, code, words):
    got, err = _json(app, "/api/run", raw=raw)
    assert got == code and words in err["error"]
    assert _json(app, "/api/health")[0] == 200


def test_unknown_routes_and_keys(app):
    assert _json(app, "/nothing")[0] == 404
    assert _json(app, "/api/nothing", {"a": 1})[0] == 404
    code, err = _json(app, "/api/state?key=0123456789abcdef")
    assert code == 404 and "unknown key" in err["error"]
    assert _json(app, "/api/state")[0] == 400
    assert _json(app, "/api/state?key=x&after=notanumber")[0] == 400


def test_a_new_request_cancels_the_running_work_at_once(app):
    code, slow = _json(app, "/api/run", {"preset": "AII", "size": 16, "realizations": 2000,
                                         "batch": 64, "seed": 5})          # ~2.5 s a batch
    assert code == 200
    # wait until the slow one computes, then switch
    _until(app, slow["key"], slow["version"], lambda s: s["realizations"] > 0)
    t0 = time.monotonic()
    code, fast = _json(app, "/api/run", {"preset": "AI", "realizations": 8, "seed": 5})
    assert code == 200
    paused = _until(app, slow["key"], -1, lambda s: s["status"] == "cancelled")
    cancelled_after = time.monotonic() - t0
    assert cancelled_after < 1.0          # within one conductance (ms), plus the round trip
    assert paused["realizations"] < 2000
    done = _until(app, fast["key"], fast["version"], lambda s: s["final"])
    assert done["realizations"] == 8 and done["fit"]["model"] == "hln"


def test_serve_warns_off_loopback(monkeypatch, capsys):
    seen = {}

    class Fake:
        url = "http://192.0.2.1:1/"

        def __init__(self, host, port, **kw):
            seen.update(host=host, port=port, **kw)

        def start(self):
            return self

    monkeypatch.setattr(teach_server, "TeachServer", Fake)
    out = teach.serve("0.0.0.0", 0, open_browser=False, block=False)
    assert isinstance(out, Fake) and seen["host"] == "0.0.0.0"
    err = capsys.readouterr().err
    assert "warning" in err and "0.0.0.0" in err and "127.0.0.1" in err
    teach.serve(open_browser=False, block=False)
    assert "warning" not in capsys.readouterr().err


def test_serve_starts_a_real_server():
    app = teach.serve(open_browser=False, block=False, defaults={"size": 10})
    try:
        assert app.host == "127.0.0.1"
        with urllib.request.urlopen(app.url + "api/health", timeout=10) as r:
            assert json.load(r)["ok"] is True
    finally:
        app.shutdown()


def _parser():
    parser = argparse.ArgumentParser(prog="andersonwl")
    sub = parser.add_subparsers(dest="command", required=True)
    teach.register(sub)
    return parser


def test_export_through_the_cli(tmp_path, capsys):
    out = tmp_path / "page"
    args = _parser().parse_args(["teach", "--export", str(out), "--size", "10",
                                 "--realizations", "4", "--disorders", "3", "5"])
    assert args.func(args) == 0
    page = (out / "index.html").read_text()
    assert "wrote" in capsys.readouterr().out
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    data = json.loads(re.search(r'id="andersonwl-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    grid = data["grid"]
    assert data["mode"] == "static" and grid["axes"]["disorder"] == [3.0, 5.0]
    assert set(grid["states"]) == {f"{p}|{i}" for p in ("AI", "AII", "A") for i in (0, 1)}
    assert all(s["realizations"] == 4 and s["status"] == "done" for s in grid["states"].values())
    # an existing page is kept unless --force
    with pytest.raises(FileExistsError):
        args.func(args)
    args = _parser().parse_args(["teach", "--export", str(out), "--size", "10",
                                 "--realizations", "2", "--disorders", "4", "--force"])
    assert args.func(args) == 0


def test_export_refuses_bad_grids(tmp_path):
    with pytest.raises(ValueError, match="disorder=-1"):
        teach.export(tmp_path, disorders=(-1.0,), realizations=2, defaults={"size": 10})
    with pytest.raises(ValueError, match="at least one"):
        teach.export(tmp_path, disorders=(), realizations=2)
    assert not (tmp_path / teach.EXPORT_NAME).exists()


def test_cli_options_are_checked():
    args = _parser().parse_args(["teach", "--port", "70000"])
    with pytest.raises(ValueError, match="--port"):
        args.func(args)
    args = _parser().parse_args(["teach", "--force"])
    with pytest.raises(ValueError, match="--export"):
        args.func(args)


def test_the_house_cli_runs_the_subcommand(tmp_path, monkeypatch, capsys):
    # what the maintainer adds: SUBCOMMANDS["teach"] = "andersonwl.teach.cli"
    from andersonwl import cli
    monkeypatch.setitem(cli.SUBCOMMANDS, "teach", "andersonwl.teach.cli")
    code = cli.main(["teach", "--export", str(tmp_path), "--size", "10", "--realizations", "2",
                     "--disorders", "4"])
    assert code == 0 and (tmp_path / "index.html").exists()
    assert cli.main(["teach", "--export", str(tmp_path), "--size", "10"]) == cli.USAGE_ERROR
    err = capsys.readouterr().err
    assert "andersonwl teach: error:" in err and "exists" in err
    assert cli.main(["teach", "--size", "100", "--no-browser"]) == cli.USAGE_ERROR
    assert "size must be at most 40" in capsys.readouterr().err


def _fit_request():
    from andersonwl.teach import compute
    run = compute.CuspRun(compute.parse_controls({"preset": "AII", "size": 10, "n_flux": 4,
                                                  "flux_max": 0.01, "realizations": 8}))
    run.step(8)
    request = run.fit_request()
    request.pop("count")
    return request, compute.fit_curve(**request)


def test_fit_process_gives_the_in_process_numbers():
    request, expected = _fit_request()
    fitter = teach_server.FitProcess()
    try:
        assert fitter.fit(request) == expected
        assert fitter.alive
    finally:
        fitter.close()
    assert not fitter.alive


def test_fit_process_falls_back_in_process(monkeypatch, capsys):
    request, expected = _fit_request()
    monkeypatch.setattr(teach_server.sys, "executable", "/nonexistent/python")
    fitter = teach_server.FitProcess()
    assert fitter.fit(request) == expected and not fitter.alive
    assert "in-process" in capsys.readouterr().err
