"""Every fenced Python block of README.md and docs/ runs as written.

A block whose info string is ``python`` (or ``py``) is run on its own in a fresh interpreter,
in an empty temporary directory, so it must import what it needs and build (or load, from the
bundled ``btstats.load_example`` data) what it uses. Blocks written as doctests (``>>>``) are
left to pytest's doctest runner (``--doctest-glob=*.md`` in pyproject.toml) and skipped here.
Text that is not meant to run (a signature, pseudo code) is fenced as ``text``, not ``python``.
A block too slow to run here (regenerating a figure) is marked by the comment
``<!-- doc-blocks: compile-only (why) -->`` on the line before its fence: it is only compiled.
"""
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON_INFO = {"python", "py", "python3"}
TIMEOUT = 300  # seconds per block: warm (Numba cache on disk) 2-4 s; cold, compiling, far more
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_COMPILE_ONLY = re.compile(r"^\s*<!--\s*doc-blocks:\s*compile-only\b(?P<why>.*?)-->\s*$")


def _markdown_files():
    files = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
    return [f for f in files if f.is_file()]


def fenced_blocks(text):
    """Yield ``(line, info, code, compile_only)`` of each fenced block.

    ``line`` is the 1-based line of the opening fence, ``info`` the first word of its info
    string (lower case), ``compile_only`` the reason given by a ``doc-blocks: compile-only``
    comment on the line before the fence (else None).
    """
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        start = i
        marker = _COMPILE_ONLY.match(lines[i - 1]) if i > 0 else None
        body = []
        i += 1
        while i < len(lines):
            close = _FENCE.match(lines[i])
            if (close is not None and close["fence"][0] == fence[0]
                    and len(close["fence"]) >= len(fence) and not close["info"].strip()):
                break
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1
        word = info.split()[0].lower() if info else ""
        why = (marker["why"].strip(" ()") or "marked compile-only") if marker else None
        yield start + 1, word, textwrap.dedent("\n".join(body)) + "\n", why


def is_doctest(code):
    return any(line.lstrip().startswith(">>>") for line in code.splitlines())


def _cases():
    cases = []
    for path in _markdown_files():
        rel = path.relative_to(ROOT).as_posix()
        for line, info, code, why in fenced_blocks(path.read_text(encoding="utf-8")):
            if info not in PYTHON_INFO:
                continue
            marks = ()
            if is_doctest(code):
                marks = pytest.mark.skip(reason="doctest block: run by pytest --doctest-glob=*.md")
            cases.append(pytest.param(code, why, id=f"{rel}:L{line}", marks=marks))
    return cases


CASES = _cases()


def test_blocks_found():
    # README.md has runnable examples; an empty parametrisation would pass silently.
    assert any(case.id.startswith("README.md:") for case in CASES)


@pytest.mark.parametrize("code, compile_only", CASES)
def test_block_runs(code, compile_only, tmp_path):
    compile(code, "<block>", "exec")   # a SyntaxError fails here, with its line
    if compile_only:
        pytest.skip(f"compile-only: {compile_only}")
    # The checkout first on the path, so the blocks run against the code under test (and not a
    # stale copy or a stray directory named btstats in site-packages).
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=path)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        numbered = "\n".join(f"{k:3d}  {line}" for k, line in enumerate(code.splitlines(), 1))
        pytest.fail(f"block exited with status {proc.returncode}\n{numbered}\n"
                    f"--- stderr ---\n{proc.stderr[-4000:]}", pytrace=False)


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_do_not_read_test_data(path):
    # tests/ is not installed with the package: the docs use btstats/examples/ instead.
    for line, info, code, _ in fenced_blocks(path.read_text(encoding="utf-8")):
        if info in PYTHON_INFO:
            assert not re.search(r"tests[/\\\"', ]+data", code), f"{path.name}:L{line} reads tests/data"
