"""The house: the package's import graph has no circles, the kernels import only kernels
(and numpy / numba / scipy / math), and every public name stays importable from ``btstats``.

The graph is read from the source (every ``import`` statement, including those inside
functions), so a circle held open by a function-level import still fails.
"""
import ast
import pathlib

import pytest

import btstats

ROOT = pathlib.Path(btstats.__file__).parent


def _module_name(path):
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules():
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _resolve(module, path, node):
    """Absolute name of what an ``ImportFrom`` node imports from."""
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    base = package.split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph():
    """``{module: set of btstats modules it imports}``, package ``__init__`` files included
    (importing ``a.b.c`` runs ``a.b``'s ``__init__``: that edge is counted too)."""
    mods = _modules()
    graph = {m: set() for m in mods}

    def add(src, target):
        # the module itself, or the package a name comes from
        while target and target not in mods:
            target = target.rsplit(".", 1)[0] if "." in target else ""
        if target and target != src:
            graph[src].add(target)

    for m, path in mods.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _resolve(m, path, node)
                if not base.startswith("btstats"):
                    continue
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    add(m, full if full in mods else base)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("btstats"):
                        add(m, alias.name)
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm: the strongly connected components with more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _package_graph(graph):
    """The graph between subpackages (``btstats.x`` for every module ``btstats.x[.y]``),
    the top-level ``btstats/__init__`` left out (it re-exports everything)."""
    def top(m):
        parts = m.split(".")
        return ".".join(parts[:2])

    pg = {}
    for m, targets in graph.items():
        if m == "btstats":
            continue
        pg.setdefault(top(m), set())
        for t in targets:
            if t != "btstats" and top(t) != top(m):
                pg[top(m)].add(top(t))
    for targets in list(pg.values()):
        for t in targets:
            pg.setdefault(t, set())
    return pg


def test_tarjan_finds_a_planted_circle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(g) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_between_modules():
    circles = strongly_connected(import_graph())
    assert circles == [], f"import circles: {circles}"


def test_no_import_circles_between_subpackages():
    circles = strongly_connected(_package_graph(import_graph()))
    assert circles == [], f"subpackage circles: {circles}"


def test_kernels_import_only_kernels():
    graph = import_graph()
    for m, targets in graph.items():
        if m.startswith("btstats._kernels"):
            bad = [t for t in targets if not t.startswith("btstats._kernels")]
            assert not bad, f"{m} imports {bad}"


@pytest.mark.parametrize("name", btstats.__all__)
def test_public_names_importable_from_top_level(name):
    assert getattr(btstats, name) is not None


def test_layout_has_the_named_subpackages():
    for sub in ("models", "data", "estimation", "inference", "simulate", "agreement", "cli",
                "_kernels"):
        assert (ROOT / sub / "__init__.py").exists(), sub
