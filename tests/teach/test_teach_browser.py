"""``andersonwl teach`` in a real headless Chromium, driven by Playwright.

Needs a system Chromium and Playwright (``tests/chromium_pages.py``); without them
the tests are skipped with a message that says what to install.
"""

import json
from pathlib import Path

import pytest
from chromium_pages import chromium, offline_page

from andersonwl import teach
from andersonwl.teach.server import TeachServer

#: 16 x 16 (where the presets' energies keep the lead channels fixed), 4 fluxes
DEFAULTS = {"size": 16, "flux_max": 0.006, "n_flux": 4, "realizations": 64, "batch": 16}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _values(page):
    return json.loads(page.get_attribute("#cusp-plot", "data-values"))


def _wait_done(page, **controls):
    cond = " && ".join(f"s.controls.{k} === {json.dumps(v)}" for k, v in controls.items())
    page.wait_for_function(
        f"() => {{ const s = window.andersonwl && window.andersonwl.state; "
        f"return !!s && s.final && {cond or 'true'}; }}", timeout=60_000)
    return _values(page)


def test_live_page_flips_the_cusp_and_follows_the_sliders(browser):
    with TeachServer(defaults=DEFAULTS) as app:
        context = browser.new_context(viewport={"width": 1300, "height": 950})
        page = context.new_page()
        errors, foreign = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        origin = app.url.rstrip("/")

        def only_local(route):
            if route.request.url.startswith(origin):
                route.continue_()
            else:
                foreign.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.goto(app.url)
        ai = _wait_done(page, preset="AI")
        assert ai["preset"] == "AI" and ai["realizations"] == 64
        assert len(ai["flux"]) == 5 and ai["delta_sigma"][0] == 0
        assert ai["delta_sigma"][-1] > 0                       # weak localization

        page.select_option("#control-preset", "AII")
        aii = _wait_done(page, preset="AII")
        assert aii["delta_sigma"][-1] < 0                      # weak anti-localization
        assert page.locator("#symmetry-class").inner_text() == "AII"
        assert page.locator("#cusp-plot .fit-curve").count() == 1

        page.locator("#control-disorder").fill("5")
        moved = _wait_done(page, preset="AII", disorder=5)
        assert moved["key"] != aii["key"]
        assert moved["delta_sigma"] != aii["delta_sigma"]

        # too large for a live page: a readable message, and the page recovers
        page.locator("#control-size").fill("40")
        page.wait_for_function("() => window.andersonwl.error !== null", timeout=30_000)
        assert page.locator("#error").is_visible()
        assert "too many for a live page" in page.locator("#error").inner_text()
        page.locator("#control-size").fill("16")
        page.wait_for_function("() => window.andersonwl.error === null", timeout=30_000)
        again = _wait_done(page, preset="AII", disorder=5, size=16)
        assert again["delta_sigma"] == moved["delta_sigma"]    # same seeds, same picture
        assert not page.locator("#error").is_visible()
        assert errors == [] and foreign == []
        context.close()


def test_exported_page_works_offline(browser, tmp_path):
    path = teach.export(tmp_path / "export", presets=("AI", "AII"), disorders=(3.0, 5.0),
                        realizations=24, defaults={k: v for k, v in DEFAULTS.items()
                                                   if k not in ("realizations", "batch")})
    context, page, errors, requests = offline_page(browser)
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_function("() => window.andersonwl && window.andersonwl.ready", timeout=30_000)
    assert page.evaluate("window.andersonwl.mode") == "static"
    first = _values(page)
    assert first["preset"] == "AI" and first["realizations"] == 24
    assert page.locator("#cusp-plot circle").count() > 0
    # the coherent-backscattering picture: enhanced time-reversed channel in AI
    assert page.locator("#cbs-cells rect").count() > 0
    ai_factor = float(page.get_attribute("#cbs-median", "data-value"))
    assert ai_factor > 1.3, ai_factor

    page.locator("#control-disorder").fill("1")
    page.wait_for_function(f"() => window.andersonwl.key !== {json.dumps(first['key'])}",
                           timeout=10_000)
    second = _values(page)
    assert second["delta_sigma"] != first["delta_sigma"]
    assert page.locator("#value-disorder").inner_text() == "5"

    page.select_option("#control-preset", "AII")
    third = _values(page)
    assert third["preset"] == "AII" and third["key"] not in (first["key"], second["key"])
    # Kramers: no backscattering into the time-reversed partner, realisation by realisation
    assert float(page.get_attribute("#cbs-median", "data-value")) < 1e-12
    assert "i sigma_y K" in page.locator("#cbs-caption").inner_text()
    assert errors == [] and requests == []
    context.close()
