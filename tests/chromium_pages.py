"""A real headless Chromium for the page tests (``andersonwl teach``, the docs site).

Needs the Python package ``playwright`` and a system Chromium (no browser
download): ``apt-get install chromium chromium-driver`` (Debian/Ubuntu) and
``pip install playwright``.  ``ANDERSONWL_CHROMIUM`` names another executable.
Without them the tests that use :func:`chromium` are skipped with that message.
"""

import contextlib
import os
import shutil

import pytest

INSTALL = ("needs a system Chromium and the Playwright package: apt-get install chromium "
           "chromium-driver; pip install playwright (no browser download: the test uses "
           "/usr/bin/chromium, or $ANDERSONWL_CHROMIUM)")


def find_chromium():
    """The Chromium executable to drive, or None."""
    for candidate in (os.environ.get("ANDERSONWL_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@contextlib.contextmanager
def chromium():
    """A launched headless Chromium (Playwright ``Browser``); skips the test if there is none."""
    sync_api = pytest.importorskip("playwright.sync_api", reason=INSTALL)
    path = find_chromium()
    if path is None:  # pragma: no cover - depends on the machine
        pytest.skip(INSTALL)
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=path, headless=True, args=args)
        except Exception as exc:  # pragma: no cover - a broken browser install
            pytest.skip(f"Chromium at {path} does not start ({exc}); {INSTALL}")
        try:
            yield b
        finally:
            b.close()


def offline_page(browser):
    """A page in an offline context whose non-file requests are aborted and recorded.

    Returns ``(context, page, errors, requests)``: page errors and the URLs of
    refused requests, both lists to assert empty.
    """
    context = browser.new_context()
    context.set_offline(True)
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def file_only(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    page.route("**/*", file_only)
    return context, page, errors, requests
