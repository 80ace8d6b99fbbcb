"""The passes over many cells, pairs or units on Numba's threads (fixed chunks) equal the
serial passes, and ``None`` selects the serial pass (so small data compile no parallel code).

The chunked paths only run above two chunks (2 x 2**16 cells or units, 2 x 2**18 pairs), so
these data are that large; the sums differ from the serial ones only by the order of the
additions.
"""
import numpy as np
import pandas as pd
import pytest

import btstats
from btstats._kernels import cells as K
from btstats._kernels import mm as M
from btstats._kernels import robust_cells as R
from btstats.data.cells import build_cells


@pytest.fixture(scope="module")
def big_cells():
    rng = np.random.default_rng(11)
    m = 3 * K.CHUNK_CELLS
    a = rng.integers(0, 40, m)
    b = (a + rng.integers(1, 40, m)) % 40
    x = rng.normal(size=m)
    s_true = rng.normal(size=40)
    p = 1.0 / (1.0 + np.exp(-(s_true[a] - s_true[b] + 0.5 * x)))
    df = pd.DataFrame({"item_a": a, "item_b": b, "outcome": (rng.random(m) < p) * 1.0,
                       "x": x})
    comps = btstats.Comparisons.from_frame(df, covariates=["x"])
    mdl = btstats.get_model("bradley-terry")
    cells = build_cells(comps, mdl, "drop", False, ("x",))
    return mdl, cells


def test_chunked_cell_pass_equals_the_serial_pass(big_cells):
    mdl, cells = big_cells
    n, q = cells.n_items, 1
    assert K.threads(cells.ci.shape[0], n, q) is True
    assert K.threads(1000, n, q) is None
    s = np.linspace(-1, 1, n)
    extra = np.array([0.3])
    outs = []
    for threaded in (True, None):
        grad, hcell = np.empty(n + q), np.empty(cells.ci.shape[0])
        cross, hpp = np.empty((n, q)), np.empty((q, q))
        f = K.chunked_pass(mdl.family.code, mdl.link, cells.n_categories, cells.n_lin, s,
                           extra, *cells.arrays(), threaded, grad, hcell, cross, hpp)
        outs.append((f, grad, hcell, cross, hpp))
    for x, y in zip(*outs):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-9)
    # and the fits: Newton on the threaded passes and on the serial ones
    fits = []
    for threaded in (True, None):
        s0, e0 = np.zeros(n), np.zeros(1)
        status, _, _ = K.newton_cells(mdl.family.code, mdl.link, cells.n_categories,
                                      cells.n_lin, s0, e0, *cells.arrays(), 0.0, 1e-10, 50,
                                      2000, threaded)
        assert status == 0
        fits.append(np.concatenate([s0, e0]))
    np.testing.assert_allclose(fits[0], fits[1], atol=1e-10)
    # the per-cell scores and the sandwich meat
    g1 = K.cell_scores(mdl.family.code, mdl.link, cells.n_categories, cells.n_lin, s, extra,
                       cells.ci, cells.cj, cells.cx, cells.ck, True)
    g0 = K.cell_scores(mdl.family.code, mdl.link, cells.n_categories, cells.n_lin, s, extra,
                       cells.ci, cells.cj, cells.cx, cells.ck, None)
    np.testing.assert_array_equal(g1, g0)
    m = cells.ci.shape[0]
    ptr, unit = np.arange(m + 1, dtype=np.int64), np.arange(m, dtype=np.int64)
    assert R.threads(n, q, m) is True
    meats = [R.meat_units(n, cells.n_lin, cells.ci, cells.cj, cells.cx, g0, ptr, unit,
                          np.ones(m), cells.cw, threaded) for threaded in (True, None)]
    np.testing.assert_allclose(meats[0], meats[1], rtol=1e-11, atol=1e-8)


def test_chunked_newman_sums_equal_the_serial_sums():
    rng = np.random.default_rng(12)
    n = 3000
    m = 3 * M.CHUNK_PAIRS
    key = np.unique(rng.integers(0, n * n, 2 * m))
    i, j = key // n, key % n
    keep = i < j
    pi, pj = i[keep][:m].astype(np.int32), j[keep][:m].astype(np.int32)
    order = np.lexsort((pj, pi))
    pi, pj = pi[order], pj[order]
    wab = rng.integers(0, 5, pi.shape[0]).astype(float)
    wba = rng.integers(0, 5, pi.shape[0]).astype(float)
    assert M.newman_workspace(n, pi.shape[0]) is not None
    assert M.newman_workspace(n, 1000) is None
    s = rng.normal(size=n)
    strength = np.exp(s)
    accs = []
    for part in (M.newman_workspace(n, pi.shape[0]), None):
        acc = np.empty((n, 4))
        M.newman_sums(s, strength, True, pi, pj, wab, wba, part, acc)
        accs.append(acc[:, :3])
    np.testing.assert_allclose(accs[0], accs[1], rtol=1e-12, atol=1e-12)
