"""The type check: mypy over the package, with the lenient configuration of pyproject.toml
([tool.mypy]: the annotated public signatures and the bodies of annotated functions).

Skipped when mypy is not installed (it is in the ``test`` extra).
"""
import inspect
import subprocess
import sys
import time
from pathlib import Path

import pytest

import btstats

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes_on_the_package(tmp_path):
    pytest.importorskip("mypy")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                           "--no-error-summary"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, (f"mypy found problems ({elapsed:.0f} s):\n{proc.stdout}"
                                  f"{proc.stderr}")


def test_public_functions_have_annotated_signatures():
    # every function of btstats.__all__ annotates its parameters and its return value
    missing = []
    for name in btstats.__all__:
        obj = getattr(btstats, name)
        if not inspect.isfunction(obj):
            continue
        sig = inspect.signature(obj)
        if sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{name} (return)")
        missing += [f"{name}({p})" for p, par in sig.parameters.items()
                    if par.annotation is inspect.Parameter.empty]
    assert not missing, f"public signatures without annotations: {missing}"


def test_the_package_ships_its_annotations():
    assert (Path(btstats.__file__).parent / "py.typed").is_file()
