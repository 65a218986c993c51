"""The documentation: built with warnings as errors, notebooks executed, mathematics offline.

The build executes the six notebooks in quick mode through myst-nb's cache (kept in the
test's temporary directory, so every run executes afresh): each notebook page must carry
the figures its cells draw.  MathJax is bundled (``sphinx-mathjax-offline``): a page opened
from disk in a headless Chromium with the network off renders its formulas.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest
from chromium_pages import chromium, offline_page

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
NOTEBOOKS = sorted(p.stem for p in (DOCS.parent / "notebooks").glob("*.md"))


def _build(tmp_path, execute: str):
    env = dict(os.environ, ANDERSONWL_DOCS_EXECUTE=execute, ANDERSONWL_QUICK="1",
               ANDERSONWL_DOCS_CACHE=str(tmp_path / "jupyter_cache"), MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
                        "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr[-20000:]
    html = tmp_path / "html"
    assert (html / "index.html").exists()
    return html


@pytest.mark.slow
def test_docs_build_renders_notebooks_with_outputs(tmp_path):
    html = _build(tmp_path, "cache")
    assert len(NOTEBOOKS) == 7
    for name in NOTEBOOKS:
        page = (html / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        figures = re.findall(r'<img[^>]+src="(\.\./_images/[^"]+\.png)"', page)
        assert figures, f"{name}: no figure in the rendered page"
        for src in figures:
            assert (html / "notebooks" / src).resolve().is_file(), f"{name}: {src} missing"
        if "QUICK" in (DOCS.parent / "notebooks" / f"{name}.md").read_text(encoding="utf-8"):
            assert "quick mode" in page, f"{name}: the setup cell's output is missing"
        assert "Traceback" not in page, name
    # the math renderer is local: no CDN anywhere
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in text and "mathjax@" not in text, page.name


def test_docs_math_renders_offline(tmp_path):
    with chromium() as browser:
        html = _build(tmp_path, "off")
        context, page, errors, requests = offline_page(browser)
        for name in ("notebooks/01_weak_localization", "notebooks/04_fitting_experiments"):
            page.goto((html / f"{name}.html").resolve().as_uri())
            page.wait_for_function(
                "() => document.querySelectorAll('span.math').length > 0 && "
                "document.querySelectorAll('mjx-container').length === "
                "document.querySelectorAll('span.math, div.math').length", timeout=30_000)
            assert "\\(" not in page.inner_text("body"), f"{name}: raw TeX left on the page"
        assert errors == [] and requests == [], (errors, requests)
        context.close()
