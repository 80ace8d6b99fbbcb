"""Sphinx configuration of the btstats documentation.

Build (from the repository root, with ``pip install '.[docs]'``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The pages are the Markdown files of this folder (read by MyST), the gallery scripts of
``gallery/`` (run by sphinx-gallery during the build, so a broken example fails it), and the
API reference of ``api/`` (autosummary over the docstrings, rendered by numpydoc).
``tests/test_docs_build.py`` runs the same command, warnings as errors.
"""
import os
import sys
from pathlib import Path

# Draw without a screen (the gallery scripts and any plot in a docstring).
os.environ.setdefault("MPLBACKEND", "Agg")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The checkout first on the path, so the docs describe the code beside them (as the tests do).
sys.path.insert(0, str(ROOT))

import btstats  # noqa: E402

# -- Project -------------------------------------------------------------------------------
project = "btstats"
author = "the btstats developers"
copyright = "the btstats developers"
release = btstats.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions ----------------------------------------------------------------------------
extensions = [
    "myst_parser",              # the Markdown pages
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",   # the API tables and one page per public name
    "numpydoc",                 # numpydoc docstrings
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# _build is the output. gallery/ holds the scripts, which sphinx-gallery runs and turns into
# the pages of auto_examples/; autosummary writes api/generated/. Both generated folders are
# written into this folder by each build (git ignores them).
exclude_patterns = ["_build", "**/__pycache__", "Thumbs.db", ".DS_Store",
                    "gallery"]
templates_path = ["_templates"]

# -- MyST ----------------------------------------------------------------------------------
# Anchors for headings down to ###, so [text](page.md#a-heading) links resolve.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath", "colon_fence"]

# -- autodoc / autosummary / numpydoc ------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # the numpydoc Parameters sections carry the types
autodoc_inherit_docstrings = True
# numpydoc's own member tables would list every attribute and method a second time (the
# class template documents them with autodoc) and put stub pages for them in a toctree.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# -- sphinx-gallery ------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",           # run every script (all are plot_*.py)
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "write_computation_times": False,       # no sg_execution_times page in the source tree
    "reset_modules": ("matplotlib",),
    "show_signature": False,
    "min_reported_time": 1,
}

# -- Warnings ------------------------------------------------------------------------------
# None suppressed: every warning is an error of the build.
suppress_warnings = []

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"btstats {release}"
html_static_path = ["_static"]
html_css_files = ["btstats.css"]
html_theme_options = {
    "github_url": "https://github.com/btstats/btstats",
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "header_links_before_dropdown": 7,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False


# -- Hooks ---------------------------------------------------------------------------------
def _drop_type_docstring(app, what, name, obj, options, lines):
    """A module constant without a ``#:`` comment would be shown with the docstring of its
    type (``tuple``, ``dict``: "Built-in immutable sequence..."); show only its value."""
    if what in ("data", "attribute") and lines:
        type_doc = type(obj).__doc__
        if not isinstance(type_doc, str):
            return
        if type_doc and "\n".join(lines).strip() == "\n".join(
                line.strip() for line in type_doc.strip().splitlines()).strip():
            lines.clear()
        elif type_doc and lines[0].strip() == type_doc.strip().splitlines()[0].strip():
            lines.clear()


def setup(app):
    app.connect("autodoc-process-docstring", _drop_type_docstring)
