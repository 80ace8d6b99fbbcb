"""The documentation site builds, warnings as errors, and its API reference is complete.

``test_docs_build`` runs the documented build command,

    python -m sphinx -W --keep-going -b html docs docs/_build/html

on a copy of docs/ in a temporary folder (so that the files the build generates,
``auto_examples/`` and ``api/generated/``, never land in the source tree), with the checkout
first on the path. The gallery scripts run during the build (sphinx-gallery), so a broken
example fails it, as does a broken docstring, a dangling link or a page in no toctree. It
needs the docs tools (the ``docs`` extra, also in the ``test`` extra) and is skipped without
them. On the 2-core development machine it takes 20-50 s, 80 s with the Numba cache cold.

``test_api_reference_lists_every_public_name`` needs no Sphinx: every name of the
``__all__`` of btstats and of its public modules must be documented in docs/api/*.rst (an
``autosummary`` entry resolving to the same object, or ``automodule`` for a module).
"""
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILD_TIMEOUT = 900  # seconds; a warm build takes under a minute

#: The modules whose ``__all__`` the API reference documents.
PUBLIC_MODULES = (
    "btstats", "btstats.data", "btstats.data.dask", "btstats.models", "btstats.estimation",
    "btstats.inference.bootstrap", "btstats.inference.comparison",
    "btstats.inference.intervals", "btstats.inference.quasi", "btstats.inference.ranks",
    "btstats.simulate", "btstats.agreement", "btstats.agreement.annotators", "btstats.arena",
    "btstats.evaluation", "btstats.plotting", "btstats.exceptions",
)
#: Public names that are not API entries.
NOT_DOCUMENTED = {"__version__"}

_DIRECTIVE = re.compile(r"^\.\.\s+([\w:-]+)::\s*(\S*)\s*$")


def _documented():
    """Objects named by the autosummary entries of docs/api/*.rst, and the automodules."""
    objects, modules = [], set()
    for page in sorted((DOCS / "api").glob("*.rst")):
        current = "btstats"
        in_summary = False
        for line in page.read_text(encoding="utf-8").splitlines():
            m = _DIRECTIVE.match(line)
            if m:
                directive, arg = m.groups()
                in_summary = directive == "autosummary"
                if directive in ("currentmodule", "module"):
                    current = arg
                elif directive == "automodule":
                    modules.add(arg)
                continue
            if not in_summary:
                continue
            if line and not line[0].isspace():
                in_summary = False
                continue
            entry = line.strip()
            if not entry or entry.startswith(":"):
                continue
            entry = entry.lstrip("~")
            obj = importlib.import_module(current)
            for part in entry.split("."):
                obj = getattr(obj, part)          # an entry that does not resolve fails here
            objects.append(obj)
    return objects, modules


def test_api_reference_lists_every_public_name():
    objects, modules = _documented()
    ids = {id(o) for o in objects}
    missing = []
    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", ()):
            if name in NOT_DOCUMENTED or not hasattr(mod, name):
                continue
            obj = getattr(mod, name)
            if isinstance(obj, type(os)):
                if obj.__name__ not in modules:
                    missing.append(f"{modname}.{name} (module {obj.__name__}: automodule)")
            elif id(obj) not in ids:
                missing.append(f"{modname}.{name}")
    assert not missing, ("public names without an entry in docs/api/*.rst (add them to the "
                         "autosummary list of their page): " + ", ".join(missing))


def _docs_tools_missing():
    for name in ("sphinx", "pydata_sphinx_theme", "numpydoc", "myst_parser", "sphinx_gallery",
                 "matplotlib"):
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None


def _copy_sources(dest):
    """docs/ (without build output) and the two files its pages include."""
    shutil.copytree(DOCS, dest / "docs", ignore=shutil.ignore_patterns(
        "_build", "auto_examples", "generated", "__pycache__", ".pytest_cache"))
    (dest / "benchmarks").mkdir()
    shutil.copy2(ROOT / "benchmarks" / "README.md", dest / "benchmarks" / "README.md")
    if (ROOT / "CHANGELOG.md").exists():
        shutil.copy2(ROOT / "CHANGELOG.md", dest / "CHANGELOG.md")


def test_docs_build(tmp_path):
    missing = _docs_tools_missing()
    if missing:
        pytest.skip(f"the docs tools are not installed ({missing}): pip install '.[docs]'")
    _copy_sources(tmp_path)
    out = tmp_path / "html"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=path)
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
           str(tmp_path / "docs"), str(out)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=BUILD_TIMEOUT)
    if proc.returncode != 0:
        log = proc.stdout + proc.stderr
        problems = [line for line in log.splitlines()
                    if "WARNING" in line or "ERROR" in line or "Error" in line]
        pytest.fail(f"the docs build failed (status {proc.returncode}):\n"
                    + "\n".join(problems[:60]) + f"\n--- end of the log ---\n{log[-4000:]}",
                    pytrace=False)
    assert (out / "index.html").is_file()
    assert (out / "api" / "generated" / "btstats.fit.html").is_file()
    # every gallery script ran and drew at least one figure
    scripts = sorted((DOCS / "gallery").glob("plot_*.py"))
    assert scripts
    for script in scripts:
        assert (out / "auto_examples" / f"{script.stem}.html").is_file(), script.name
        images = list((out / "_images").glob(f"sphx_glr_{script.stem}_*.png"))
        assert images, f"{script.name} drew no figure"
