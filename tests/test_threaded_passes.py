"""The passes over many cells or units on Numba's threads (fixed chunks) equal the serial
passes, and ``None`` selects the serial pass (so small data compile no parallel code); the
threaded machine code (of the cell passes and of Newman's MM) also works when loaded from
Numba's cache in a new process, whatever order the kernels were compiled and cached in.

The chunked paths only run above two chunks (2 x 2**16 cells or units), so these data are
that large; the sums differ from the serial ones only by the order of the additions.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats._kernels import cells as K
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
    args = (mdl.family.code, mdl.link, cells.n_categories, cells.n_lin, s, extra)
    lls = [K.loglik_cells(*args, *cells.arrays(), threaded) for threaded in (True, None)]
    assert lls[0] == pytest.approx(lls[1], rel=1e-13)
    infos = [K.information_cells(*args, *cells.arrays(), threaded) for threaded in (True, None)]
    np.testing.assert_allclose(infos[0], infos[1], rtol=1e-12, atol=1e-9)
    # and the fits: Newton on the threaded passes and on the serial ones
    fits = []
    for threaded in (True, None):
        s0, e0 = np.zeros(n), np.zeros(1)
        status = K.newton_cells(mdl.family.code, mdl.link, cells.n_categories,
                                      cells.n_lin, s0, e0, *cells.arrays(), 0.0, 1e-10, 50,
                                      2000, threaded)[0]
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


_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import btstats
    from btstats._kernels import cells as K
    from btstats._kernels import mm as M

    step = sys.argv[1]
    # cell arrays of the dtypes build_cells makes, built in numpy: the children compile only
    # the two threaded kernels and their callees, not the whole fit
    rng = np.random.default_rng(3)
    n = 30
    m = 3 * K.CHUNK_CELLS if step == "big" else 4000
    ci = rng.integers(0, n, m).astype(np.int32)
    cj = ((ci + rng.integers(1, n, m)) % n).astype(np.int32)
    cx = rng.normal(size=(m, 1))
    ck = (rng.random(m) < 0.5).astype(np.int64)
    cw = np.ones(m)
    mdl = btstats.get_model("bradley-terry")

    def args():
        return (mdl.family.code, mdl.link, 2, 1, np.linspace(-1, 1, n), np.array([0.3]))

    cells = (ci, cj, cx, ck, cw)
    # Newman's MM on pairs (repeated pairs are summed like distinct ones)
    mp = 2 * M.CHUNK_PAIRS + 100 if step == "big" else 4000
    pi = np.sort(rng.integers(0, n, mp)).astype(np.int32)
    pj = ((pi + rng.integers(1, n, mp)) % n).astype(np.int32)
    wab, wba = rng.integers(0, 3, (2, mp)).astype(np.float64) + 0.5

    def mm(threaded):
        s = np.zeros(n)
        status = M.mm_bradley_terry(s, pi, pj, wab, wba, np.zeros(mp), 1e-10, 200, threaded)[0]
        assert status == 0
        return s

    if step == "first":        # one threaded kernel compiled (its callees cached with it)
        K.loglik_cells(*args(), *cells, True)
        mm(None)               # MM's plain pass
    elif step == "second":     # another, compiled against the cached callees
        K.information_cells(*args(), *cells, True)
        mm(True)
    else:                      # both loaded from the cache, run on chunked data
        assert M.threads(mp, n) is True
        assert np.allclose(mm(True), mm(None), atol=1e-9)
        assert K.threads(m, n, 1) is True
        ll = [K.loglik_cells(*args(), *cells, t) for t in (True, None)]
        info = [K.information_cells(*args(), *cells, t) for t in (True, None)]
        assert abs(ll[0] - ll[1]) <= 1e-9 * abs(ll[1]), ll
        assert np.allclose(info[0], info[1], rtol=1e-10, atol=1e-8)
        print("ok")
""")


@pytest.mark.slow
def test_threaded_kernels_load_from_the_cache_in_any_compile_order(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    for step in ("first", "second", "big"):
        proc = subprocess.run([sys.executable, "-c", _CHILD, step], env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (step, proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.strip().endswith("ok")
