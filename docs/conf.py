"""Sphinx configuration of the andersonwl documentation (built by the test suite with -W)."""

import andersonwl

project = "andersonwl"
author = "the andersonwl developers"
release = andersonwl.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
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
# The notebooks (MyST Markdown text notebooks, without outputs) are executed by the test
# suite (tests/test_notebooks.py) at reduced sizes; the documentation renders them as
# committed, without outputs.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath"]
suppress_warnings = ["myst.header"]
