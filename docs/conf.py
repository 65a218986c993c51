"""Sphinx configuration of the andersonwl documentation (built by the test suite with -W).

The notebooks are executed during the build, in quick mode, through myst-nb's cache
(``jupyter-cache``): the pages show their figures, and a rebuild re-executes only the
notebooks whose code changed.  ``ANDERSONWL_DOCS_EXECUTE=off`` builds without executing
(the pages then show the code only); ``ANDERSONWL_QUICK=0`` renders the full-size runs
(tens of minutes).  MathJax 3 is bundled (the ``sphinx-mathjax-offline`` package copies it
into ``_static/mathjax``), so the mathematics renders from a page opened from disk, with
no network.
"""

import os
from pathlib import Path

import andersonwl

# before any notebook kernel starts: kernels inherit this process's environment
os.environ.setdefault("ANDERSONWL_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

project = "andersonwl"
author = "the andersonwl developers"
release = andersonwl.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",   # MathJax 3 in _static/mathjax: no CDN
    "numpydoc",
    "myst_nb",
]
# .md files are parsed by myst-nb: the MyST Markdown notebooks of notebooks/ (jupytext
# front matter with format_name "myst" and a kernelspec) render as notebooks, the other
# pages as plain MyST Markdown.
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "alabaster"
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_typehints = "none"
# The notebooks (MyST Markdown text notebooks, committed without outputs) are executed
# here, in quick mode, and cached by jupyter-cache beside the build; the test suite also runs
# them on their own (tests/test_notebooks.py).  A failing cell fails the build.
nb_execution_mode = os.environ.get("ANDERSONWL_DOCS_EXECUTE", "cache")
nb_execution_cache_path = os.environ.get(
    "ANDERSONWL_DOCS_CACHE", str(Path(__file__).parent / "_build"
                               / f".jupyter_cache-quick{os.environ['ANDERSONWL_QUICK']}"))
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_in_temp = True       # a notebook writes nothing into the source tree
nb_execution_show_tb = True
myst_enable_extensions = ["dollarmath"]
suppress_warnings = ["myst.header"]
