"""The first call: btstats.compile(), `python -m btstats compile`, the one-line message of a
cold compile, and the progress bars (btstats/_compile.py, btstats/_progress.py).

Only ``test_cold_cache_says_so_once`` compiles from nothing (a tiny fit in a subprocess with
an empty ``NUMBA_CACHE_DIR``, about 10 s on the 2-core development machine); the others use
the cache the test session has filled.
"""
import io
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numba
import pytest

import btstats
from btstats import _compile, _progress
from btstats.cli import main as cli_main

#: The directory that holds the ``btstats`` package the tests import (the checkout, or
#: site-packages when the package is installed), for the subprocesses.
PACKAGE_PARENT = str(Path(btstats.__file__).resolve().parents[1])


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def test_every_listed_kernel_exists():
    names = set(_progress.KERNEL_SECONDS)
    names.update(k for kernels in _progress.PATHS.values() for k in kernels)
    names.update(k for _, kernels, _ in _compile.STEPS for k in kernels)
    for name in sorted(names):
        assert isinstance(_progress._dispatcher(name), numba.core.registry.CPUDispatcher), name
        assert name in _progress.KERNEL_SECONDS, name


def test_the_fit_path_lists_what_a_fit_calls():
    # the kernels of a path are those its entry point calls from Python: after a fit every
    # one of them is in memory (compiled or loaded from the cache)
    btstats.fit(btstats.load_example("baseball"))
    for name in _progress.PATHS["fit"]:
        assert _progress._dispatcher(name).overloads, name


def test_every_step_runs():
    # the workloads themselves (instant with a warm cache; a cold btstats.compile() runs
    # them once): tiny data must not trip a warning into an error or an undefined interval
    for name, kernels, run in _compile.STEPS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            run()
        for kernel in kernels:
            assert _progress._dispatcher(kernel).overloads, (name, kernel)


def test_compile_runs_and_is_then_a_no_op():
    first = btstats.compile(progress=False)
    assert isinstance(first, _compile.CompileReport)
    assert set(first.steps) <= {name for name, _, _ in _compile.STEPS}
    if not first.steps:
        assert first.kernels == ()
    t0 = time.perf_counter()
    again = btstats.compile(progress=False)
    assert time.perf_counter() - t0 < 1.0
    assert again.steps == {} and again.kernels == ()
    assert str(again) == f"btstats kernels: all cached (in {again.cache_dir})"
    assert again.cache_dir == _progress.cache_dir()


def test_python_m_btstats_compile(tmp_path, capsys):
    btstats.compile(progress=False)         # warm, so the subprocess has nothing to do
    proc = subprocess.run([sys.executable, "-m", "btstats", "compile"], capture_output=True,
                          text=True, cwd=tmp_path, env=_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("btstats kernels: all cached (in ")
    assert proc.stderr == ""
    # the same through the command line's entry point, quietly
    assert cli_main(["compile", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""


COLD_FIT = textwrap.dedent("""
    import btstats
    data = btstats.Comparisons.from_arrays([0, 1, 2, 0, 1], [1, 2, 0, 2, 0])
    btstats.fit(data)
    btstats.fit(data, method="mm")
    print("done")
""")


def test_cold_cache_says_so_once(tmp_path):
    cache = tmp_path / "numba-cache"
    env = _env(NUMBA_CACHE_DIR=str(cache))
    cold = subprocess.run([sys.executable, "-c", COLD_FIT], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=900)
    assert cold.returncode == 0, cold.stderr
    assert cold.stdout == "done\n"
    lines = [ln for ln in cold.stderr.splitlines() if ln.startswith("compiling btstats")]
    assert len(lines) == 1, cold.stderr
    assert lines[0].startswith("compiling btstats kernels, once per environment (about ")
    assert lines[0].endswith(" s)")
    warm = subprocess.run([sys.executable, "-c", COLD_FIT], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=900)
    assert warm.returncode == 0, warm.stderr
    assert warm.stderr == ""


def test_no_message_under_pytest(capsys):
    _progress._announced.discard("newton")
    _progress.announce("newton")            # PYTEST_CURRENT_TEST is set: silent
    assert capsys.readouterr().err == ""


def test_plain_progress_bar_renders(capsys):
    bar = _progress.Progress(200, "bootstrap", unit="replicates", use_tqdm=False)
    bar.update(50)
    assert bar.line().startswith("bootstrap  25% |#######")
    assert " 50/200  0:00 elapsed, 0:00 left" in bar.line()
    bar.update(150)
    bar.close()
    err = capsys.readouterr().err
    assert err.startswith("\rbootstrap   0% |")
    assert err.endswith("| 200/200  0:00 elapsed\n")
    assert err.count("\n") == 1


def test_plain_bar_of_seconds_shows_time_and_the_step():
    out = io.StringIO()
    with _progress.Progress(10.0, "compiling btstats kernels", unit="s", use_tqdm=False,
                            stream=out) as bar:
        bar.update(0, note="fit")
        assert bar.line().startswith("compiling btstats kernels   0% |")
        assert bar.line().endswith("0:00 elapsed  fit")
        bar.update(10.0)
    assert out.getvalue().endswith("100% |" + "#" * 30 + "|  0:00 elapsed  fit\n")


def test_bars_are_off_by_default_in_tests_and_can_be_forced():
    assert _progress.wanted(None, expected_s=100.0) is False     # pytest is running
    assert _progress.wanted(True) is True
    assert _progress.wanted(False, expected_s=100.0) is False
    silent = _progress.Progress(5, "x", enabled=False, stream=io.StringIO())
    silent.update(5)
    silent.close()
    assert silent._stream.getvalue() == ""


def test_compile_of_chosen_steps():
    report = btstats.compile(steps=["fit"], progress=False)
    assert set(report.steps) <= {"fit"}
    try:
        btstats.compile(steps=["fit", "fitt"])
    except ValueError as exc:
        assert "unknown step(s) ['fitt']" in str(exc) and "'bootstrap'" in str(exc)
    else:
        raise AssertionError("an unknown step was accepted")
    # one name alone is a step, not its letters
    assert set(btstats.compile(steps="fit", progress=False).steps) <= {"fit"}
    with pytest.raises(ValueError, match=r"unknown step\(s\) \['fitt'\]"):
        btstats.compile(steps="fitt")
